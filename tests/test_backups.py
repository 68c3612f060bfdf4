"""Backups (lib/backups.py): by hand, before each destructive operation, on a schedule, kept
to a number, and put back by a restore that checks the file first."""

import json
import os
import sqlite3
import stat
from pathlib import Path

from lib import backups, db, schema
from tests.helpers import make_app, sqlite_only


def answer_three(client):
    session = client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
    for word_id in (1, 2, 3):
        assert (
            client.post(f"/api/study_sessions/{session}/review", json={"word_id": word_id, "correct": True}).status_code
            == 200
        )
    return session


def answers(conn):
    return conn.rows("SELECT id, study_session_id, word_id, correct FROM word_review_items ORDER BY id")


def test_a_backup_by_hand_is_listed_with_what_it_holds_and_only_its_owner_reads_it(app, client, runner):
    answer_three(client)
    made = runner.invoke(args=["backup"])
    assert made.exit_code == 0, made.output
    assert "1 learners, 3 answers" in made.output
    [about] = backups.listing(backups.directory(app.config))
    assert (about["reason"], about["automatic"], about["answers"], about["learners"]) == ("by-hand", False, 3, 1)
    assert about["schema_version"] == schema.latest_version(db.engine_for(app.config["DATABASE"]).NAME)
    assert stat.S_IMODE(os.stat(about["path"]).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(backups.directory(app.config)).st_mode) == 0o700
    assert about["size"] == os.path.getsize(about["path"])
    listed = runner.invoke(args=["backups"])
    assert listed.exit_code == 0 and about["path"] in listed.output and "by hand" in listed.output


def test_a_reset_names_its_backup_which_a_restore_puts_back(app, client, conn, runner):
    answer_three(client)
    before = answers(conn)
    reset = client.post("/api/reset_history", json={})
    assert reset.status_code == 200
    name = reset.get_json()["backup"]
    assert answers(conn) == []
    path = backups.directory(app.config) / name
    restored = runner.invoke(args=["restore", str(path), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert answers(conn) == before
    assert client.get("/api/dashboard/quick-stats").get_json()["total_study_sessions"] == 1
    reasons = [about["reason"] for about in backups.listing(backups.directory(app.config))]
    assert sorted(reasons) == ["before-reset-history", "before-restore"]  # what the restore replaced, kept


def test_a_reset_whose_backup_cannot_be_written_is_refused_and_changes_nothing(app, client, conn, tmp_path):
    answer_three(client)
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the backup directory would be")
    refusing = make_app(app.config["DATABASE"], BACKUP_DIR=str(blocked))
    before = answers(conn)
    for path in ("/api/reset_history", "/api/study_sessions/reset", "/api/full_reset"):
        refused = refusing.test_client().post(path, json={})
        assert refused.status_code == 503, refused.get_json()
        assert (
            "No backup could be made" in refused.get_json()["error"]
            and "nothing was changed" in refused.get_json()["error"]
        )
    assert answers(conn) == before
    db.close_connections(refusing)


def test_a_full_reset_takes_a_backup_first(app, client):
    answer_three(client)
    name = client.post("/api/full_reset", json={}).get_json()["backup"]
    [about] = backups.listing(backups.directory(app.config))
    assert about["name"] == name and about["reason"] == "before-full-reset" and about["answers"] == 3


def test_the_imports_take_a_backup_first(app, runner, tmp_path):
    words = tmp_path / "words.csv"
    words.write_text("kanji,romaji,english\n犬,inu,dog\n", encoding="utf-8")
    imported = runner.invoke(args=["import-words", str(words), "--group", "Animals"])
    assert imported.exit_code == 0 and "Backup taken first" in imported.output
    log = tmp_path / "log.csv"
    log.write_text("word_id,grade,reviewed_at,duration_ms\n1,3,2026-01-01T12:00:00Z,\n", encoding="utf-8")
    imported = runner.invoke(args=["import-reviews", str(log), "--learner", "1"])
    assert imported.exit_code == 0, imported.output
    reasons = sorted(about["reason"] for about in backups.listing(backups.directory(app.config)))
    assert reasons == ["before-import-reviews", "before-import-words"]


def test_an_import_whose_backup_cannot_be_made_imports_nothing(app, conn, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    words = tmp_path / "words.csv"
    words.write_text("kanji,romaji,english\n犬,inu,dog\n", encoding="utf-8")
    count = conn.scalar("SELECT count(*) FROM words")
    refusing = make_app(app.config["DATABASE"], BACKUP_DIR=str(blocked))
    result = refusing.test_cli_runner().invoke(args=["import-words", str(words), "--group", "Animals"])
    assert result.exit_code == 1 and "No backup could be made" in result.output
    assert conn.scalar("SELECT count(*) FROM words") == count
    db.close_connections(refusing)


@sqlite_only
def test_a_migration_of_a_database_with_data_takes_a_backup_first(tmp_path):
    path = tmp_path / "old.db"
    conn = db.connect(str(path))
    schema.migrate(conn, target=12)
    conn.close()
    app = make_app(path)
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    [about] = backups.listing(backups.directory(app.config))
    assert (about["reason"], about["schema_version"]) == ("before-migration", 12)
    fresh = make_app(tmp_path / "new.db")
    assert fresh.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
    assert len(backups.listing(backups.directory(app.config))) == 1  # a new database: nothing to lose


def test_automatic_backups_are_kept_to_the_number_set_and_those_by_hand_stay(app, runner):
    keeping = make_app(app.config["DATABASE"], BACKUP_KEEP=3, BACKUP_DIR=app.config["BACKUP_DIR"])
    assert runner.invoke(args=["backup"]).exit_code == 0
    made = [backups.take(keeping.config, backups.SCHEDULED)["name"] for _ in range(5)]
    kept = backups.listing(backups.directory(app.config))
    assert sorted(a["name"] for a in kept if a["automatic"]) == sorted(made[-3:])
    assert [a["reason"] for a in kept if not a["automatic"]] == ["by-hand"]
    assert {p.name for p in backups.directory(app.config).iterdir() if not p.name.startswith(".")} == {
        name for a in kept for name in (a["name"], a["name"] + ".json")
    }
    db.close_connections(keeping)


def test_one_process_takes_the_scheduled_backups_when_they_are_due(app):
    first, second = backups.Schedule(app), backups.Schedule(app)
    assert first.run_once()["reason"] == "scheduled"  # none yet: one at start
    assert second.run_once() is None  # the lock is the first's
    assert first.run_once() is None  # not due for 24 hours
    app.config["BACKUP_EVERY"] = 1e-9
    try:
        assert first.run_once()["reason"] == "scheduled"
    finally:
        app.config["BACKUP_EVERY"] = 24
        first.lock_file.close()


@sqlite_only
def test_a_restore_refuses_a_file_it_cannot_put_back_and_changes_nothing(app, client, conn, runner, tmp_path):
    answer_three(client)
    before = answers(conn)
    not_sqlite = tmp_path / "notes.txt"
    not_sqlite.write_text("hello")
    dump = tmp_path / "db.dump"
    dump.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 64)
    newer = tmp_path / "newer.sqlite3"
    backups.take(app.config, backups.BY_HAND, to=tmp_path / "made")
    [made] = backups.listing(tmp_path / "made")
    copy = Path(made["path"]).read_bytes()
    newer.write_bytes(copy)
    raw = sqlite3.connect(newer)
    raw.execute("PRAGMA user_version = 999")
    raw.close()
    broken = tmp_path / "broken.sqlite3"
    data = bytearray(copy)
    data[4096 * 2 : 4096 * 3] = b"\xff" * 4096  # a page of garbage
    broken.write_bytes(bytes(data))
    for path, said in (
        (not_sqlite, "neither a SQLite database nor a pg_dump archive"),
        (dump, "is a PostgreSQL dump, and the database is SQLite"),
        (newer, "newer than this code's"),
        (broken, "integrity check"),
    ):
        result = runner.invoke(args=["restore", str(path), "--yes"])
        assert result.exit_code == 1 and said in result.output and "Nothing was restored" in result.output, (
            path,
            result.output,
        )
    assert runner.invoke(args=["restore", made["path"]]).exit_code != 0  # without --yes
    assert answers(conn) == before
    assert [a["reason"] for a in backups.listing(backups.directory(app.config))] == []  # refused before any backup


def test_a_backup_holds_its_description(app, client):
    answer_three(client)
    made = backups.take(app.config, "before-reset-history")
    about = json.loads(Path(made["path"] + ".json").read_text(encoding="utf-8"))
    assert about == {k: v for k, v in made.items() if k != "path"}
