"""Faults of the database and its file, in-process: every one gets a JSON answer that says
what is wrong, writes are refused rather than lost, and reads go on where they can."""

import os
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import pytest

from app import prepare_database
from lib import db, schema
from lib.domain import seed as seeding
from lib.files import seed as seed_files
from tests.helpers import TEST_SEED_DIR, count, error_of, make_app, set_schema_version, sqlite_only

NEW_SESSION = {"group_id": 1, "study_activity_id": 1}


def test_health_is_ok_on_a_sound_database(client):
    assert client.get("/api/health").status_code == 200


@sqlite_only
def test_a_database_deleted_under_the_server_is_503_and_writes_are_refused(client, seeded_database):
    assert client.post("/api/study_sessions", json=NEW_SESSION).status_code == 200
    os.unlink(seeded_database)
    health = client.get("/api/health")
    assert health.status_code == 503 and "deleted" in error_of(health)
    assert int(health.headers["Retry-After"]) > 0
    write = client.post("/api/study_sessions", json=NEW_SESSION)
    assert write.status_code == 503 and "Nothing was written" in error_of(write)
    assert seeded_database not in health.get_data(as_text=True) + write.get_data(as_text=True)


@sqlite_only
def test_a_database_replaced_under_the_server_is_503(client, seeded_database, tmp_path):
    other = tmp_path / "other.db"
    conn = db.connect(str(other))
    seeding.prepare(conn, seed_files.read(TEST_SEED_DIR))
    conn.close()
    client.get("/api/health")  # the server has its connection open
    os.replace(other, seeded_database)
    health = client.get("/api/health")
    assert health.status_code == 503 and "replaced" in error_of(health)
    assert client.post("/api/study_sessions", json=NEW_SESSION).status_code == 503


@sqlite_only
def test_a_damaged_database_is_503_for_health_and_writes(client, seeded_database, conn):
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(seeded_database, "r+b") as f:
        f.write(b"this is not SQLite")
    health = client.get("/api/health")
    assert health.status_code == 503 and "damaged" in error_of(health)
    assert client.post("/api/study_sessions", json=NEW_SESSION).status_code == 503


@sqlite_only
def test_checking_the_file_leaves_sqlites_locks_so_another_process_cannot_take_the_wal(client, seeded_database):
    """The file checks before every write read the file's header. Closing a descriptor of
    the file drops every POSIX lock this process holds on it, SQLite's included: another
    process (a second server, a flask command) closing its connection would then find the
    database unused, checkpoint it and delete the WAL that this process goes on writing to,
    and those writes would be lost to every other process."""

    def sessions_seen_by_another_process():
        script = (
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
            "print(c.execute('SELECT count(*) FROM study_sessions').fetchone()[0]); c.close()"
        )
        result = subprocess.run([sys.executable, "-c", script, seeded_database], capture_output=True, text=True)
        return int(result.stdout)

    before = sessions_seen_by_another_process()
    assert client.post("/api/study_sessions", json=NEW_SESSION).status_code == 200  # the header is read
    assert sessions_seen_by_another_process() == before + 1
    assert os.path.exists(seeded_database + "-wal")
    assert client.post("/api/study_sessions", json=NEW_SESSION).status_code == 200
    assert sessions_seen_by_another_process() == before + 2


@sqlite_only
@pytest.mark.skipif(
    os.geteuid() == 0, reason="root writes through file permissions (tests/slow covers a read-only mount)"
)
def test_an_unwritable_database_is_503(client, seeded_database):
    os.chmod(seeded_database, 0o444)
    try:
        health = client.get("/api/health")
        assert health.status_code == 503 and "not writable" in error_of(health)
        assert client.post("/api/study_sessions", json=NEW_SESSION).status_code == 503
    finally:
        os.chmod(seeded_database, 0o644)


@pytest.fixture
def impatient_app(app):
    """The app with writes bounded to 0.3 s."""
    return make_app(app.config["DATABASE"], WRITE_TIMEOUT=0.3)


@contextmanager
def long_writer(conn):
    """Another thread holds the database for writing (as an import would) until the block
    ends: SQLite's write lock, and on PostgreSQL the row every write of learner 1 locks."""
    started, done = threading.Event(), threading.Event()

    def write():
        conn.begin_write()
        conn.execute("UPDATE learner_totals SET sessions = sessions WHERE learner_id = 1")
        started.set()
        done.wait(10)
        conn.end_write(commit=False)

    thread = threading.Thread(target=write)
    thread.start()
    started.wait(5)
    try:
        yield
    finally:
        done.set()
        thread.join(5)


def test_a_write_queued_behind_a_long_writer_is_503_with_retry_after(impatient_app, conn):
    client = impatient_app.test_client()
    with long_writer(conn):
        response = client.post("/api/study_sessions", json=NEW_SESSION)
        assert response.status_code == 503 and "busy" in error_of(response)
        assert int(response.headers["Retry-After"]) >= 1
        # Reads go on while the writer runs.
        assert client.get("/api/words").status_code == 200
        assert client.get("/api/health").status_code == 200
    assert client.post("/api/study_sessions", json=NEW_SESSION).status_code == 200
    assert count(conn, "study_sessions") == 1


@sqlite_only
def test_a_writer_outside_the_queue_also_bounds_the_wait(impatient_app, seeded_database):
    client = impatient_app.test_client()
    outsider = sqlite3.connect(seeded_database, isolation_level=None)
    outsider.execute("BEGIN IMMEDIATE")
    try:
        response = client.post("/api/study_sessions", json=NEW_SESSION)
        assert response.status_code == 503 and "busy" in error_of(response)
    finally:
        outsider.execute("ROLLBACK")
        outsider.close()
    assert client.post("/api/study_sessions", json=NEW_SESSION).status_code == 200


def test_the_writer_queue_is_free_again_after_a_timeout(impatient_app, conn):
    """A timed-out writer leaves no lock behind: the next writer, in another thread, goes."""
    client = impatient_app.test_client()
    with long_writer(conn):
        assert client.post("/api/study_sessions", json=NEW_SESSION).status_code == 503
    statuses = []
    thread = threading.Thread(
        target=lambda: statuses.append(client.post("/api/study_sessions", json=NEW_SESSION).status_code)
    )
    thread.start()
    thread.join(timeout=10)
    assert statuses == [200]


# --- a database from a newer version of the code ---------------------------------


@pytest.fixture
def future_db(conn):
    newer = schema.latest_version() + 1
    set_schema_version(conn, newer)
    return newer


@pytest.mark.parametrize(
    "args",
    [["init-db"], ["seed"], ["reset-history"], ["check-db"], ["import-words", "{words}", "--group", "New"]],
    ids=lambda args: args[0],
)
def test_every_command_refuses_a_database_from_the_future(runner, future_db, tmp_path, conn, args):
    words = tmp_path / "words.csv"
    words.write_text("kanji,romaji,english\n猫,neko,cat\n", encoding="utf-8")
    result = runner.invoke(args=[a.format(words=words) for a in args])
    assert result.exit_code != 0
    assert f"schema version {future_db}" in result.output
    assert f"up to {future_db - 1}" in result.output
    assert count(conn, "words") == 27  # nothing was written


def test_the_server_refuses_to_start_on_a_database_from_the_future(app, future_db):
    with pytest.raises(SystemExit, match=f"schema version {future_db}, but this code knows versions up to"):
        prepare_database(app)


@sqlite_only
def test_a_second_connection_writing_from_the_same_thread_is_refused_at_once(conn, seeded_database):
    """Waiting for itself would be forever (or the whole write bound): it is a bug, said at once."""
    other = db.connect(seeded_database)
    conn.begin_write()
    try:
        started = time.monotonic()
        with pytest.raises(RuntimeError, match="already holds the write lock"):
            other.begin_write()
        assert time.monotonic() - started < 0.1
    finally:
        conn.end_write(commit=False)
        other.close()
