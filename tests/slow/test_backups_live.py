"""Backups against the real server (serve.py) and the real commands: a backup taken while
clients write, a full reset through the API undone by a restore, a reset refused when its
backup cannot be written, and the retention of automatic backups."""

import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import requests

from harness.servers import ROOT, free_port
from lib import backups, db
from tests.helpers import ENGINE
from tests.load import Ledger, check_database, database_matches_ledger, run_clients, start_server, stop

pytestmark = pytest.mark.slow

CLIENTS = 8


def flask(database, *args, backup_dir, env=None):
    """A flask command of the app on database, as a person runs it; the finished process."""
    environment = {
        **os.environ,
        "LANG_PORTAL_DB": str(database),
        "LANG_PORTAL_BACKUP_DIR": str(backup_dir),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@contextlib.contextmanager
def serving(database, tmp_path, backup_dir, env=None):
    """serve.py on database, backing up into backup_dir; its base URL, stopped at the end."""
    port = free_port()
    env = {"LANG_PORTAL_BACKUP_DIR": str(backup_dir), "LANG_PORTAL_BACKUP_EVERY": "0", **(env or {})}
    with open(tmp_path / f"server-{port}.log", "wb") as log:
        server = start_server(database, port, log, env=env)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(server)


def wait_for_reviews(ledger, at_least, deadline_seconds=60):
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        with ledger.lock:
            if len(ledger.reviews) >= at_least:
                return
        time.sleep(0.05)
    raise AssertionError(f"the clients had {len(ledger.reviews)} answers acknowledged after {deadline_seconds} s")


def acknowledged(ledger):
    """A copy of what the ledger holds now."""
    copy = Ledger()
    with ledger.lock:
        copy.sessions, copy.reviews, copy.feedback = set(ledger.sessions), dict(ledger.reviews), set(ledger.feedback)
    return copy


def test_a_backup_taken_under_write_load_is_whole_and_holds_every_acknowledged_answer(database, tmp_path):
    backup_dir = tmp_path / "backups"
    ledger, done = Ledger(), threading.Event()
    with serving(database, tmp_path, backup_dir) as url:
        clients = threading.Thread(target=run_clients, args=(url, ledger, CLIENTS, 100_000), kwargs={"stop": done})
        clients.start()
        try:
            wait_for_reviews(ledger, 300)
            before = acknowledged(ledger)  # every answer acknowledged before the backup began
            made = flask(database, "backup", backup_dir=backup_dir)
            assert made.returncode == 0, made.stderr
            wait_for_reviews(ledger, len(ledger.reviews) + 100)  # the writes went on during and after it
        finally:
            done.set()
            clients.join()
    assert ledger.statuses[500] == 0 and ledger.statuses[503] == 0, ledger.statuses
    [about] = backups.listing(backup_dir)
    assert about["answers"] >= len(before.reviews)
    if ENGINE == "sqlite":
        copy = sqlite3.connect(about["path"])
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        copy.close()
    # Put it back (servers stopped: a PostgreSQL restore wants that) and look at what it holds.
    restored = flask(database, "restore", about["path"], "--yes", backup_dir=backup_dir)
    assert restored.returncode == 0, restored.stderr
    conn = db.connect(database)
    try:
        assert database_matches_ledger(conn, before, exact=False) == []
        assert not conn.engine.integrity_problems(conn)
    finally:
        conn.close()


def test_a_full_reset_through_the_api_and_a_restore_bring_every_answer_back(database, tmp_path):
    backup_dir = tmp_path / "backups"
    ledger = Ledger()

    def restore(name):
        restored = flask(database, "restore", str(backup_dir / name), "--yes", backup_dir=backup_dir)
        assert restored.returncode == 0, restored.stderr

    with serving(database, tmp_path, backup_dir) as url:
        run_clients(url, ledger, CLIENTS, 40)
        assert len(ledger.reviews) > 50 and ledger.statuses[500] == 0, ledger.statuses
        stats = requests.get(f"{url}/api/dashboard/quick-stats", timeout=10).json()
        reset = requests.post(f"{url}/api/full_reset", json={}, timeout=60)
        assert reset.status_code == 200, reset.text
        name = reset.json()["backup"]
        assert requests.get(f"{url}/api/study_sessions", timeout=10).json()["items"] == []
        if ENGINE == "sqlite":
            restore(name)  # while the server runs; it serves the restored history, its cache included
            assert requests.get(f"{url}/api/dashboard/quick-stats", timeout=10).json() == stats
    if ENGINE == "postgresql":
        restore(name)  # with the server stopped: pg_restore's locks would hold it up (docs/operations.md)
        with serving(database, tmp_path, backup_dir) as url:
            assert requests.get(f"{url}/api/dashboard/quick-stats", timeout=10).json() == stats
    check_database(database, ledger, exact=True)


def test_a_reset_whose_backup_cannot_be_written_changes_nothing(database, tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the backup directory would be")
    ledger = Ledger()
    with serving(database, tmp_path, blocked) as url:
        run_clients(url, ledger, 4, 25)
        assert ledger.reviews, ledger.statuses
        for path in ("/api/reset_history", "/api/study_sessions/reset", "/api/full_reset"):
            refused = requests.post(f"{url}{path}", json={}, timeout=60)
            assert refused.status_code == 503, refused.text
            assert "No backup could be made" in refused.json()["error"]
        assert requests.get(f"{url}/api/health", timeout=10).status_code == 200
    check_database(database, ledger, exact=True)


def test_the_retention_keeps_exactly_the_newest_automatic_backups_and_every_one_by_hand(database, tmp_path):
    backup_dir = tmp_path / "backups"
    keep = {"LANG_PORTAL_BACKUP_KEEP": "3"}
    with serving(database, tmp_path, backup_dir, env=keep) as url:
        by_hand = flask(database, "backup", backup_dir=backup_dir, env=keep)
        assert by_hand.returncode == 0, by_hand.stderr
        names = []
        for _ in range(6):
            reset = requests.post(f"{url}/api/reset_history", json={}, timeout=60)
            assert reset.status_code == 200, reset.text
            names.append(reset.json()["backup"])
    kept = backups.listing(backup_dir)
    assert sorted(about["name"] for about in kept if about["automatic"]) == sorted(names[-3:])
    assert [about["reason"] for about in kept if not about["automatic"]] == ["by-hand"]
    assert len(list(backup_dir.iterdir())) == 2 * len(kept)  # each backup and its description, nothing else
