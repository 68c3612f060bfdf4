"""Schema files, pragmas, upgrading a database made by an older version, and servers
starting together on a new one."""

import functools
import multiprocessing
import re
import sqlite3

import pytest

from lib import db, schema
from lib.domain import counters, resets, vocabulary
from tests import starts
from tests.helpers import ENGINE, TEST_SEED_DIR, make_app, snapshot, sqlite_only


@sqlite_only
def test_every_connection_has_the_pragmas(conn):
    assert conn.execute("PRAGMA foreign_keys").fetchone()["foreign_keys"] == 1
    assert conn.execute("PRAGMA journal_mode").fetchone()["journal_mode"] == "wal"
    # FULL: SQLite's NORMAL, and the WAL synced after each commit (tests/test_group_commit.py)
    assert conn.execute("PRAGMA synchronous").fetchone()["synchronous"] == 1
    assert conn.wal_sync is not None
    assert conn.execute("PRAGMA busy_timeout").fetchone()["timeout"] == 5_000  # the write bound


@sqlite_only
def test_synchronous_is_configurable(database):
    app = make_app(database, SYNCHRONOUS="normal")
    conn = db.connect_app_db(app, create=True)
    assert conn.execute("PRAGMA synchronous").fetchone()["synchronous"] == 1
    conn.close()


@sqlite_only
def test_unknown_synchronous_mode_is_refused(database):
    with pytest.raises(ValueError, match="synchronous must be one of"):
        db.connect(database, synchronous="SOMETIMES")


def test_foreign_keys_are_enforced(conn):
    with pytest.raises(db.INTEGRITY_ERRORS, match="(?i)foreign key"):
        conn.execute(
            "INSERT INTO word_review_items (study_session_id, learner_id, word_id, correct, grade, created_at, "
            "learning_day) VALUES (999, 1, 1, 1, 3, '2026-01-02T03:04:05Z', '2026-01-02')"
        )


def test_schema_is_at_the_latest_version(conn):
    assert schema.version(conn) == schema.latest_version() >= 2


def test_migrate_applies_nothing_twice(conn):
    assert schema.migrate(conn) == []


def at_once(task, targets, processes=3):
    """Run task(target) in each of processes processes at the same moment, for each of
    targets in turn (tests/starts.py); what each raised."""
    context = multiprocessing.get_context("spawn")  # no fork of the test process and its threads
    barrier, outcomes = context.Barrier(processes), context.Queue()
    running = [
        context.Process(target=starts.each_at_once, args=(task, targets, barrier, outcomes)) for _ in range(processes)
    ]
    try:
        for process in running:
            process.start()
        failures = [failure for _ in range(processes * len(targets)) if (failure := outcomes.get(timeout=120))]
        for process in running:
            process.join(timeout=60)
        return failures
    finally:
        for process in running:
            if process.is_alive():
                process.kill()


@sqlite_only
def test_connections_opened_together_on_a_new_file_all_get_the_wal(tmp_path):
    """The switch to WAL needs the file to itself, and SQLite refuses it at once ("database
    is locked") while another connection reads the file, so connect() tries again: 3
    processes open each of 100 new files at once (15 to 25 of the 300 were refused)."""
    assert at_once(starts.open_in_wal, [str(tmp_path / f"new-{n}.db") for n in range(100)]) == []


def started_snapshot(target):
    """The snapshot of a database just started, but for the moment its learner was made."""
    conn = db.connect(target, create=False)
    try:
        with db.transaction(conn):
            conn.execute("UPDATE learners SET created_at = '2026-01-01T00:00:00Z'")
        return snapshot(conn)
    finally:
        conn.close()


def test_servers_starting_together_on_a_new_database_make_and_seed_it_once(tmp_path, postgresql, seeded_database):
    """Three processes start on a database that does not exist yet (SQLite: a file; PostgreSQL:
    an empty database), four times over: each start succeeds, and the database is the same
    as one started alone (migrated and seeded once: no seed twice, no gap in its ids)."""
    if postgresql is None:
        targets = [str(tmp_path / f"new-{n}.db") for n in range(4)]
    else:
        targets = [postgresql.create() for _ in range(4)]
    try:
        assert at_once(functools.partial(starts.start, TEST_SEED_DIR), targets) == []
        expected = started_snapshot(seeded_database)
        for target in targets:
            assert started_snapshot(target) == expected, target
    finally:
        if postgresql is not None:
            for target in targets:
                postgresql.drop(target)


@sqlite_only
def test_older_database_upgrades_in_place_with_its_data(database):
    """A database made at schema version 1 (before counter caches) keeps its rows and
    gets counters that match them."""
    conn = db.connect(database)
    assert schema.migrate(conn, target=1) == [1]
    vocabulary.add_words(conn, "Old Group", [{"kanji": "猫", "romaji": "neko", "english": "cat"}])
    conn.execute("INSERT INTO study_activities (name, url) VALUES ('Old App', 'http://localhost:9000')")
    conn.execute(
        "INSERT INTO study_sessions (group_id, study_activity_id, created_at) VALUES (1, 1, '2026-01-02T03:04:05Z')"
    )
    for correct in (1, 0, 1):
        conn.execute(
            "INSERT INTO word_review_items (study_session_id, word_id, correct, created_at) "
            "VALUES (1, 1, ?, '2026-01-02T03:05:00Z')",
            (correct,),
        )
    conn.close()

    app = make_app(database)
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert f"schema version {schema.latest_version()} (was 1)" in result.output

    conn = db.connect(database)
    assert counters.counter_mismatches(conn) == []
    conn.close()
    client = app.test_client()
    assert client.get("/api/groups/1").get_json() == {"id": 1, "group_name": "Old Group", "word_count": 1}
    session = client.get("/api/study_sessions/1").get_json()["session"]
    assert (session["review_items_count"], session["correct_count"], session["end_time"]) == (
        3,
        2,
        "2026-01-02T03:05:00Z",
    )
    stats = client.get("/api/dashboard/stats").get_json()
    assert (stats["total_vocabulary"], stats["total_words_studied"], stats["total_sessions"]) == (1, 1, 1)


def test_a_failing_schema_file_leaves_the_database_as_it_was(database, monkeypatch, tmp_path):
    # On PostgreSQL the first file is the engine's baseline, the second a shared file.
    (tmp_path / ENGINE).mkdir()
    first = tmp_path / ("001_ok.sql" if ENGINE == "sqlite" else f"{ENGINE}/001_baseline.sql")
    first.write_text("CREATE TABLE a (x integer);")
    (tmp_path / "002_broken.sql").write_text("CREATE TABLE b (x integer); CREATE TABLE a (x integer);")
    monkeypatch.setattr(schema, "SCHEMA_DIR", tmp_path)
    conn = db.connect(database)
    with pytest.raises(db.DATABASE_ERRORS, match="already exists"):
        schema.migrate(conn)
    assert schema.version(conn) == 1
    assert conn.row("SELECT count(*) AS n FROM a")["n"] == 0
    with pytest.raises(db.DATABASE_ERRORS):
        conn.execute("SELECT * FROM b")
    conn.close()


@sqlite_only
def test_upgrade_to_ids_that_are_never_reused_keeps_every_row(database):
    """Migration 005 rebuilds the history tables with AUTOINCREMENT and 006 renames two of
    them: a version-4 database keeps its ids, rows and counters, and ids go on from the
    largest after a reset."""
    conn = db.connect(database)
    schema.migrate(conn, target=4)
    vocabulary.add_words(conn, "Old Group", [{"kanji": "猫", "romaji": "neko", "english": "cat"}])
    conn.execute("INSERT INTO study_activities (name, url) VALUES ('Old App', 'http://localhost:9000')")
    for session_id in (3, 7):
        conn.execute(
            "INSERT INTO study_sessions (id, group_id, study_activity_id, created_at) "
            "VALUES (?, 1, 1, '2026-01-02T03:04:05Z')",
            (session_id,),
        )
    conn.execute(
        "INSERT INTO word_review_items (id, study_session_id, word_id, correct, created_at) "
        "VALUES (41, 7, 1, 1, '2026-01-02T03:05:00Z')"
    )
    conn.execute(
        "INSERT INTO study_session_reviews (id, study_session_id, rating, created_at, updated_at) "
        "VALUES (5, 3, 4, '2026-01-02T03:06:00Z', '2026-01-02T03:06:00Z')"
    )
    renamed = {"study_sessions": "study_sessions", "word_review_items": "word_review_items"}
    renamed["study_session_reviews"] = "session_feedback"
    before = {table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() for table in renamed}
    assert schema.migrate(conn) == list(range(5, schema.latest_version() + 1))
    for table, rows in before.items():
        columns = ", ".join(rows[0])
        assert conn.execute(f"SELECT {columns} FROM {renamed[table]} ORDER BY id").fetchall() == rows
    assert counters.counter_mismatches(conn) == []
    assert conn.execute("PRAGMA foreign_keys").fetchone()["foreign_keys"] == 1
    sequences = {r["name"]: r["seq"] for r in conn.execute("SELECT name, seq FROM sqlite_sequence")}
    # jobs: 0 is 013's copy of the empty jobs table (its ids go on from there).
    assert sequences == {"study_sessions": 7, "word_review_items": 41, "session_feedback": 5, "learners": 1, "jobs": 0}

    with db.transaction(conn, alone=True):
        resets.clear_history(conn)
    row = conn.execute(
        "INSERT INTO study_sessions (learner_id, group_id, study_activity_id, created_at, learning_day) "
        "VALUES (1, 1, 1, '2026-01-03T00:00:00Z', '2026-01-03') RETURNING id"
    ).fetchone()
    assert row["id"] == 8
    conn.close()


@sqlite_only
def test_a_schema_file_that_breaks_a_foreign_key_is_rolled_back(database, monkeypatch, tmp_path):
    (tmp_path / "001_parent.sql").write_text(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);CREATE TABLE child (parent_id INTEGER REFERENCES parent (id));"
    )
    (tmp_path / "002_orphan.sql").write_text("INSERT INTO child VALUES (99);")
    monkeypatch.setattr(schema, "SCHEMA_DIR", tmp_path)
    conn = db.connect(database)
    with pytest.raises(sqlite3.IntegrityError, match="002_orphan.sql leaves a row of child"):
        schema.migrate(conn)
    assert schema.version(conn) == 1
    assert conn.execute("SELECT count(*) AS n FROM child").fetchone()["n"] == 0
    assert conn.execute("PRAGMA foreign_keys").fetchone()["foreign_keys"] == 1
    conn.close()


def _schema_of(conn):
    """{(type, name): its SQL}, normalised: no comments, white space, quotes or case."""
    objects = {}
    for row in conn.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"):
        sql = re.sub(r"--[^\n]*", "", row["sql"])
        objects[(row["type"], row["name"])] = re.sub(r"\s+", "", sql).replace('"', "").lower()
    return objects


@sqlite_only
def test_schema_sql_is_what_the_migrations_make(tmp_path):
    """sql/schema.sql, the schema in one readable file, says what the numbered files make."""
    migrated = db.connect(str(tmp_path / "migrated.db"))
    schema.migrate(migrated)
    written = db.connect(str(tmp_path / "written.db"))
    written.executescript((schema.SCHEMA_DIR.parent / "schema.sql").read_text(encoding="utf-8"))
    assert _schema_of(written) == _schema_of(migrated)
