"""Group commit at synchronous=FULL (lib/engines/wal_sync.py): every answered write is on
disk before its answer, and commits made together share one sync of the WAL."""

import errno
import os
import threading

import pytest

from lib import db
from lib.engines.wal_sync import NotDurable, WalSync
from tests.helpers import count, error_of, make_app, sqlite_only

pytestmark = sqlite_only


class RecordedSync(WalSync):
    """A WalSync whose flush is recorded in one ordered log with the tickets and the
    returns, and whose first flush waits until the test lets it finish."""

    def __init__(self):
        super().__init__("/nowhere")
        self.log, self.log_lock = [], threading.Lock()
        self.first_flush_started, self.finish_first_flush = threading.Event(), threading.Event()

    def note(self, *event):
        with self.log_lock:
            self.log.append(event)

    def ticket(self):
        ticket = super().ticket()
        self.note("ticket", ticket)
        return ticket

    def _flush(self):
        number = self.syncs + 1
        self.note("flush starts", number)
        if number == 1:
            self.first_flush_started.set()
            assert self.finish_first_flush.wait(10)
        self.syncs += 1
        self.note("flush ends", number)

    def commit(self, issued=None):
        ticket = self.ticket()
        if issued is not None:
            issued.release()
        self.sync(ticket)
        self.note("returned", ticket)


def test_a_commit_returns_only_after_a_sync_that_began_after_it_and_commits_made_together_share_one():
    sync = RecordedSync()
    first = threading.Thread(target=sync.commit)
    first.start()
    assert sync.first_flush_started.wait(10)
    # Three commits made while the first one's sync is under way: that sync began before
    # them, so it must not release them; the next one covers all three.
    issued = threading.Semaphore(0)
    later = [threading.Thread(target=sync.commit, args=(issued,)) for _ in range(3)]
    for thread in later:
        thread.start()
    for _ in later:
        assert issued.acquire(timeout=10)
    sync.finish_first_flush.set()
    for thread in [first, *later]:
        thread.join(10)

    log = sync.log
    assert sync.syncs == 2  # four commits, two syncs
    for ticket in range(1, 5):
        issued_at, returned_at = log.index(("ticket", ticket)), log.index(("returned", ticket))
        covering = [
            n
            for n in (1, 2)
            if issued_at < log.index(("flush starts", n)) and log.index(("flush ends", n)) < returned_at
        ]
        assert covering, f"commit {ticket} returned without a sync begun after it: {log}"


def test_a_failed_sync_is_raised_to_the_commit_that_made_it_and_the_next_commit_syncs_again(tmp_path, monkeypatch):
    path = tmp_path / "x.db"
    (tmp_path / "x.db-wal").write_bytes(b"")
    sync = WalSync(str(path))

    def failing(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fdatasync", failing)
    with pytest.raises(NotDurable, match="did not confirm that it is stored"):
        sync.sync(sync.ticket())
    monkeypatch.undo()
    sync.sync(sync.ticket())
    assert (sync.syncs, sync.synced) == (1, 2)


@pytest.fixture
def synced_files(monkeypatch):
    """The files os.fdatasync is called on, in order (the call still goes through)."""
    files, real = [], os.fdatasync

    def recording(fd):
        files.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)

    monkeypatch.setattr(os, "fdatasync", recording)
    return files


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="names open files through /proc")
def test_at_full_each_answered_write_syncs_the_wal_and_a_refused_one_does_not(client, app, session_id, synced_files):
    conn = db.connect_app_db(app)
    assert conn.execute("PRAGMA synchronous").fetchone()["synchronous"] == 1  # NORMAL, and WalSync does the rest
    assert conn.wal_sync is not None
    conn.close()

    for word_id in (1, 2, 3):
        response = client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": word_id, "correct": True})
        assert response.status_code == 200
        assert len(synced_files) == word_id and synced_files[-1] == f"{app.config['DATABASE']}-wal"

    refused = client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 99999, "correct": True})
    assert refused.status_code == 404
    assert len(synced_files) == 3


@pytest.mark.parametrize(
    ("settings", "pragma"),
    [
        ({"SYNCHRONOUS": "NORMAL"}, 1),
        ({"SYNCHRONOUS": "EXTRA"}, 3),
        ({"SYNCHRONOUS": "FULL", "GROUP_COMMIT": False}, 2),
    ],
)
def test_other_settings_leave_the_syncs_to_sqlite(seeded_database, settings, pragma, synced_files):
    app = make_app(seeded_database, **settings)
    conn = db.connect_app_db(app)
    assert conn.execute("PRAGMA synchronous").fetchone()["synchronous"] == pragma
    assert conn.wal_sync is None
    conn.close()
    client = app.test_client()
    session = client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
    assert client.post(f"/api/study_sessions/{session}/review", json={"word_id": 1, "correct": True}).status_code == 200
    assert synced_files == []  # SQLite syncs (or not) inside COMMIT, through its own calls
    db.close_connections(app)


def test_a_write_the_disk_cannot_confirm_is_a_503_that_says_so_and_the_write_is_there(
    client, app, session_id, monkeypatch
):
    def failing(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fdatasync", failing)
    response = client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 1, "correct": True})
    assert response.status_code == 503
    assert "did not confirm that it is stored (Input/output error)" in error_of(response)
    monkeypatch.undo()
    conn = db.connect_app_db(app)
    assert count(conn, "word_review_items") == 1
    conn.close()
