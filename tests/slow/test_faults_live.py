"""Faults over the wire, against the production server as the README starts it: chunked
bodies, a long writer, a database deleted under the server, a full disk, a read-only disk."""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from harness.servers import ROOT, production_command, running_server
from lib import db
from lib.domain import counters
from tests.helpers import ENGINE, sqlite_only
from tests.slow.figures import FIGURES

pytestmark = pytest.mark.slow

NEW_SESSION = {"group_id": 1, "study_activity_id": 1}


def chunked_post(base_url, path, body, chunk=65536):
    """POST body with Transfer-Encoding: chunked (no Content-Length) over a raw socket;
    returns (status, JSON body). A server may answer before it has read the whole body
    and stop reading: the rest is then not sent."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode()
        )
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for i in range(0, len(body), chunk):
                part = body[i : i + chunk]
                sock.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        reply = b""
        with contextlib.suppress(ConnectionResetError):
            while data := sock.recv(65536):
                reply += data
    head, _, payload = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(payload)


def test_a_chunked_body_over_the_limit_is_413_and_writes_nothing(database):
    with running_server(production_command(), database) as (base_url, _):
        small = json.dumps(NEW_SESSION).encode()
        status, body = chunked_post(base_url, "/api/study_sessions", small)
        assert status == 200 and body["id"] == 1
        path = f"/api/study_sessions/{body['id']}/review"
        for size in ((1 << 20) + 1, 3 << 19, 3 << 20):  # just over 1 MiB, 1.5 MiB, 3 MiB
            big = json.dumps({"rating": 5, "comments": "x", "pad": "y" * size}).encode()
            status, error = chunked_post(base_url, path, big)
            assert status == 413 and error["error"], (size, error)
        assert requests.get(f"{base_url}/api/study_sessions/1/reviews").json()["items"] == []


def write_words_csv(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.write("kanji,romaji,english\n")
        for i in range(rows):
            f.write(f"語{i},go{i},word {i}\n")


def import_is_writing(database):
    """Whether another connection holds the database's write lock (SQLite) or has added
    words in an open transaction (PostgreSQL): the import has begun its transaction."""
    if ENGINE == "sqlite":
        import sqlite3

        probe = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:  # database is locked
            return True
        finally:
            probe.close()
    conn = db.connect(database)
    try:
        return (
            conn.row(
                "SELECT count(*) AS n FROM pg_locks AS l JOIN pg_class AS c ON c.oid = l.relation"
                " WHERE c.relname = 'words' AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"
            )["n"]
            > 0
        )
    finally:
        conn.close()


def test_a_write_during_a_long_import_is_answered_within_the_bound(tmp_path, database):
    """While flask import-words holds SQLite's write lock, a write waits at most
    LANG_PORTAL_WRITE_TIMEOUT (2 s here, 5 by default) and is answered 503 with Retry-After;
    on PostgreSQL it goes through at once (the import locks only the rows it adds). Reads
    go on; once the import is done, writes go through again."""
    words = tmp_path / "words.csv"
    # Long enough to outlast the requests below (5 to 20 s here, quiet or busy): the write
    # waits 2 s on SQLite, none on PostgreSQL, where a word costs more (round trips).
    write_words_csv(words, 600_000 if ENGINE == "sqlite" else 60_000)
    with running_server(production_command(), database, env={"LANG_PORTAL_WRITE_TIMEOUT": "2"}) as (base_url, _):
        env = {**os.environ, "LANG_PORTAL_DB": str(database)}
        importer = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "import-words", str(words), "--group", "Big"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            # Held for half a second on end: the import's one long transaction, not a short
            # write before it (the server's start, or the import's own steps first).
            deadline, held_since = time.monotonic() + 60, None
            while held_since is None or time.monotonic() - held_since < 0.5:
                assert importer.poll() is None and time.monotonic() < deadline, "the import never began"
                held_since = (held_since or time.monotonic()) if import_is_writing(database) else None
                time.sleep(0.05)
            started = time.monotonic()
            write = requests.post(f"{base_url}/api/study_sessions", json=NEW_SESSION, timeout=30)
            waited = time.monotonic() - started
            read_started = time.monotonic()
            read = requests.get(f"{base_url}/api/words?per_page=5", timeout=30)
            read_took = time.monotonic() - read_started
            assert importer.poll() is None, "the import ended before the write was tried"
        finally:
            output = importer.communicate(timeout=600)[0].decode()
        if ENGINE == "sqlite":
            assert write.status_code == 503 and write.headers["Content-Type"] == "application/json"
            assert "busy" in write.json()["error"] and int(write.headers["Retry-After"]) >= 1
            assert 1.8 <= waited < 4, waited
        else:
            assert write.status_code == 200 and waited < 2, waited
        assert read.status_code == 200 and read_took < 2, read_took
        assert importer.returncode == 0, output
        assert requests.post(f"{base_url}/api/study_sessions", json=NEW_SESSION).status_code == 200
    FIGURES[f"long writer ({ENGINE})"] = (
        f"a write during import-words ({ENGINE}): {write.status_code} after {waited:.2f} s; "
        f"a read meanwhile took {read_took * 1000:.0f} ms"
    )


@sqlite_only
def test_a_database_deleted_under_the_server_refuses_writes(tmp_path):
    database = tmp_path / "deleted.db"
    with running_server(production_command(), database) as (base_url, _):
        assert requests.post(f"{base_url}/api/study_sessions", json=NEW_SESSION).status_code == 200
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        for _ in range(8):  # every worker gives the same answer
            health = requests.get(f"{base_url}/api/health")
            # A worker that had the file open knows it was deleted; one that never opened it
            # finds it missing.
            assert health.status_code == 503 and ("deleted" in health.text or "missing" in health.text)
            assert str(tmp_path) not in health.text
            write = requests.post(f"{base_url}/api/study_sessions", json=NEW_SESSION)
            assert write.status_code == 503 and "nothing was written" in write.json()["error"].lower()


def _mount(*args):
    return subprocess.run(["mount", *args], capture_output=True, text=True).returncode == 0


@contextmanager
def small_disk(tmp_path, size="6m"):
    """A tmpfs of the given size mounted on a new directory (needs root)."""
    where = tmp_path / "disk"
    where.mkdir()
    if os.geteuid() != 0 or not _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)):
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@sqlite_only
def test_a_full_disk_is_a_json_507_and_writing_resumes_when_space_returns(tmp_path):
    with small_disk(tmp_path) as disk, running_server(production_command(), disk / "full.db") as (base_url, _):
        session = requests.post(f"{base_url}/api/study_sessions", json=NEW_SESSION).json()["id"]
        filler = disk / "filler"
        with open(filler, "wb") as f:  # fill the disk to the last byte
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        batch = {"reviews": [{"word_id": 1 + i % 50, "correct": True, "pad": None} for i in range(300)]}
        for item in batch["reviews"]:
            del item["pad"]
        statuses = set()
        for _ in range(40):
            response = requests.post(f"{base_url}/api/study_sessions/{session}/review", json=batch)
            statuses.add(response.status_code)
            assert response.headers["Content-Type"] == "application/json"
            if response.status_code == 507:
                assert "full" in response.json()["error"]
                break
        assert 507 in statuses, statuses
        filler.unlink()
        after = requests.post(f"{base_url}/api/study_sessions/{session}/review", json=batch)
        assert after.status_code == 200
        conn = db.connect(str(disk / "full.db"))
        stored = conn.execute("SELECT count(*) AS n FROM word_review_items").fetchone()["n"]
        assert stored % 300 == 0  # every batch whole, or not at all
        assert conn.execute("PRAGMA integrity_check").fetchone()["integrity_check"] == "ok"
        assert counters.counter_mismatches(conn) == []
        conn.close()


@sqlite_only
def test_an_unwritable_database_is_503_until_it_is_writable_again():
    """The file made read-only for the server's user while it runs (the server runs as
    nobody when the test runs as root, since root writes through file permissions)."""
    home = Path(tempfile.mkdtemp(prefix="lang-portal-ro-"))
    database = home / "ro.db"
    prefix = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("needs setpriv to run the server as another user")
        os.chown(home, 65534, 65534)
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    try:
        with running_server([*prefix, *production_command()], database) as (base_url, _):
            assert requests.post(f"{base_url}/api/study_sessions", json=NEW_SESSION).status_code == 200
            database.chmod(0o444)
            health = requests.get(f"{base_url}/api/health")
            assert health.status_code == 503 and "not writable" in health.json()["error"]
            assert requests.post(f"{base_url}/api/study_sessions", json=NEW_SESSION).status_code == 503
            # Reads meanwhile, in every serving process: a connection opened now is read-only.
            assert all(requests.get(f"{base_url}/api/words").status_code == 200 for _ in range(20))
            database.chmod(0o644)
            assert requests.get(f"{base_url}/api/health").status_code == 200
            assert [
                requests.post(f"{base_url}/api/study_sessions", json=NEW_SESSION).status_code for _ in range(10)
            ] == [200] * 10
            assert requests.get(f"{base_url}/api/study_sessions").json()["total"] == 11
    finally:
        shutil.rmtree(home, ignore_errors=True)
