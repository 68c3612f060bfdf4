"""One SQLite file, several processes: the server's two processes and a flask command run
beside them. Every answer written before, during and after the command is still there
for every process, and the file stays sound."""

import os
import sqlite3
import subprocess
import sys

import pytest
import requests

from harness.servers import ROOT, production_command, running_server
from tests.helpers import sqlite_only

pytestmark = [pytest.mark.slow, sqlite_only]

NEW_SESSION = {"group_id": 1, "study_activity_id": 1}


def sessions_on_disk(database):
    """The sessions another process reads from the file (WAL included)."""
    conn = sqlite3.connect(database)
    try:
        return conn.execute("SELECT count(*) FROM study_sessions").fetchone()[0]
    finally:
        conn.close()


def test_a_command_run_beside_the_server_takes_no_write_of_the_servers(database):
    """The server checks the file before every write. That check once closed a descriptor of
    the file, dropping SQLite's locks: a flask command that then closed the database found
    it unused and deleted the WAL both server processes were writing to, and what they
    wrote after it was lost to every other process."""
    with running_server(production_command(), database) as (base_url, _), requests.Session() as client:
        for _ in range(10):  # both processes take writes, and check the file first
            assert client.post(f"{base_url}/api/study_sessions", json=NEW_SESSION).status_code == 200
        env = {**os.environ, "LANG_PORTAL_DB": database}
        check = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "check-db"], cwd=ROOT, env=env, capture_output=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
        assert os.path.exists(database + "-wal")
        for _ in range(10):
            assert client.post(f"{base_url}/api/study_sessions", json=NEW_SESSION).status_code == 200
        assert sessions_on_disk(database) == 20
        assert client.get(f"{base_url}/api/study_sessions").json()["total"] == 20
    assert sessions_on_disk(database) == 20
    conn = sqlite3.connect(database)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
