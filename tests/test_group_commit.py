"""Group commit at synchronous=FULL (lib/engines/wal_sync.py): every answered write is on
disk before its answer, and commits made together share one sync of the WAL."""

import errno
import os
import threading

import pytest

from lib import db
from lib.domain import schedules
from lib.engines.sqlite import SYNCHRONOUS_MODES
from lib.engines.wal_sync import NotDurable, WalSync
from tests.helpers import count, error_of, make_app, sqlite_only

pytestmark = sqlite_only


class RecordedSync(WalSync):
    """A WalSync whose flush is recorded in one ordered log with the tickets and the
    returns, and whose first flush waits until the test lets it finish."""

    def __init__(self, first_flush_fails=False):
        super().__init__("/nowhere")
        self.first_flush_fails = first_flush_fails
        self.log, self.log_lock = [], threading.Lock()
        self.first_flush_started, self.finish_first_flush = threading.Event(), threading.Event()
        self.outcomes = {}

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
            if self.first_flush_fails:
                self.note("flush fails", number)
                raise NotDurable("the disk said no")
        self.syncs += 1
        self.note("flush ends", number)

    def commit(self, issued=None, timeout=10):
        ticket = self.ticket()
        if issued is not None:
            issued.release()
        try:
            self.sync(ticket, timeout)
        except NotDurable as e:
            self.outcomes[ticket] = str(e)
            return
        self.note("returned", ticket)
        self.outcomes[ticket] = "stored"

    def start_first_commit_and_commit_while_it_syncs(self, later, timeout=10):
        """The first commit, its sync held; then `later` commits made while it is held."""
        first = threading.Thread(target=self.commit)
        first.start()
        assert self.first_flush_started.wait(10)
        issued = threading.Semaphore(0)
        threads = [threading.Thread(target=self.commit, args=(issued, timeout)) for _ in range(later)]
        for thread in threads:
            thread.start()
        for _ in threads:
            assert issued.acquire(timeout=10)
        return [first, *threads]


def test_a_commit_returns_only_after_a_sync_that_began_after_it_and_commits_made_together_share_one():
    sync = RecordedSync()
    # Three commits made while the first one's sync is under way: that sync began before
    # them, so it must not release them; the next one covers all three.
    threads = sync.start_first_commit_and_commit_while_it_syncs(3)
    sync.finish_first_flush.set()
    for thread in threads:
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


def test_a_failed_sync_fails_every_commit_it_was_to_cover_and_every_later_one():
    sync = RecordedSync(first_flush_fails=True)
    threads = sync.start_first_commit_and_commit_while_it_syncs(2)
    sync.finish_first_flush.set()
    for thread in threads:
        thread.join(10)
    assert sync.outcomes == {1: "the disk said no", 2: "the disk said no", 3: "the disk said no"}
    # Once a sync has failed the kernel may have dropped the pages: no later sync is
    # believed, and none is tried.
    with pytest.raises(NotDurable, match="the disk said no"):
        sync.sync(sync.ticket(), 10)
    assert [event for event in sync.log if event[0].startswith("flush")] == [("flush starts", 1), ("flush fails", 1)]


def test_a_commit_waiting_for_a_sync_that_does_not_return_gets_a_503_sentence_within_the_write_bound():
    sync = RecordedSync()
    threads = sync.start_first_commit_and_commit_while_it_syncs(1, timeout=0.2)
    threads[1].join(10)
    assert not threads[1].is_alive()
    assert sync.outcomes[2].startswith(
        "The write was made, but the disk has not confirmed that it is stored after 0.2 s"
    )
    sync.finish_first_flush.set()
    threads[0].join(10)
    assert sync.outcomes[1] == "stored"


def test_the_error_of_a_failed_sync_says_why_in_a_sentence(tmp_path, monkeypatch):
    (tmp_path / "x.db-wal").write_bytes(b"")
    sync = WalSync(str(tmp_path / "x.db"))

    def failing(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fdatasync", failing)
    with pytest.raises(NotDurable, match=r"did not confirm that it is stored \(Input/output error\)"):
        sync.sync(sync.ticket(), 10)


class SyncedFiles(list):
    """The files os.fdatasync is called on, in order (the call still goes through), and
    what `probe` (if set) returned at each call."""

    probe = None
    probed = ()


@pytest.fixture
def synced_files(monkeypatch):
    files, real = SyncedFiles(), os.fdatasync
    files.probed = []

    def recording(fd):
        files.append(os.readlink(f"/proc/self/fd/{fd}"))
        if files.probe is not None:
            files.probed.append(files.probe())
        return real(fd)

    monkeypatch.setattr(os, "fdatasync", recording)
    return files


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="names open files through /proc")
def test_at_full_each_answered_write_syncs_the_wal_and_a_refused_one_does_not(client, app, session_id, synced_files):
    conn = db.connect_app_db(app)
    assert conn.execute("PRAGMA synchronous").fetchone()["synchronous"] == 1  # NORMAL, and WalSync does the rest
    assert conn.wal_sync is not None
    conn.close()

    reader = db.connect_app_db(app)
    synced_files.probe = lambda: count(reader, "word_review_items")  # what is committed when the sync runs
    for word_id in (1, 2, 3):
        response = client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": word_id, "correct": True})
        assert response.status_code == 200
        assert len(synced_files) == word_id and synced_files[-1] == f"{app.config['DATABASE']}-wal"
    assert synced_files.probed == [1, 2, 3]  # each sync ran after its COMMIT
    reader.close()

    refused = client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 99999, "correct": True})
    assert refused.status_code == 404
    assert len(synced_files) == 3


@pytest.mark.parametrize(
    ("statement", "syncs"),
    [
        (None, 0),  # with transaction(): pass
        ("UPDATE learners SET name = 'Nobody' WHERE id = 999", 0),  # no row matches
        ("INSERT INTO learner_groups (learner_id, group_id) SELECT 1, id FROM groups WHERE id = 999", 0),
        ("UPDATE learners SET name = name WHERE id = 1", 1),  # a row matched is a change, even to itself
        ("INSERT INTO groups (name) VALUES ('New')", 1),
    ],
)
def test_a_write_transaction_syncs_the_wal_before_it_returns_only_when_it_changed_a_row(app, statement, syncs):
    conn = db.connect_app_db(app)
    before = conn.wal_sync.syncs
    with db.transaction(conn):
        if statement is not None:
            conn.execute(statement)
    assert conn.wal_sync.syncs - before == syncs
    conn.close()


def test_a_request_whose_transaction_changed_nothing_waits_for_no_sync(app, client, session_id, monkeypatch):
    """A long history's schedule asked for again while its evaluation is queued looks for
    the job in a write transaction, finds it and changes nothing."""
    monkeypatch.setattr(schedules, "INLINE_ANSWERS", 2)  # three answers are a long history
    reviews = [{"word_id": word_id, "correct": True} for word_id in (1, 2, 3)]
    assert client.post(f"/api/study_sessions/{session_id}/review", json={"reviews": reviews}).status_code == 200
    sync = WalSync.for_path(app.config["DATABASE"])
    before = sync.syncs
    first = client.get("/api/learners/1/schedule").get_json()["evaluated"]["job"]
    assert first["state"] == "queued" and sync.syncs == before + 1  # the job queued is synced
    again = client.get("/api/learners/1/schedule").get_json()["evaluated"]["job"]
    assert (again["id"], again["state"]) == (first["id"], "queued") and sync.syncs == before + 1


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


@pytest.mark.parametrize(
    ("settings", "synchronous", "durability"),
    [
        ({}, "NORMAL", "full (group commit)"),
        ({"SYNCHRONOUS": "FULL", "GROUP_COMMIT": False}, "FULL", "full"),
        ({"SYNCHRONOUS": "EXTRA"}, "EXTRA", "full"),
        ({"SYNCHRONOUS": "NORMAL"}, "NORMAL", "normal"),
        ({"SYNCHRONOUS": "OFF"}, "OFF", "off"),
    ],
)
def test_health_says_the_synchronous_connections_run_at_and_the_durability_it_gives(
    seeded_database, settings, synchronous, durability
):
    app = make_app(seeded_database, **settings)
    health = app.test_client().get("/api/health").get_json()
    conn = db.connect_app_db(app)
    pragma = conn.execute("PRAGMA synchronous").fetchone()["synchronous"]
    conn.close()
    db.close_connections(app)
    assert (health["synchronous"], SYNCHRONOUS_MODES[pragma]) == (synchronous, synchronous)
    assert health["durability"] == durability


def test_a_write_the_disk_cannot_confirm_is_a_503_that_says_so_and_then_the_process_takes_no_writes(
    client, app, session_id, monkeypatch
):
    def failing(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fdatasync", failing)
    review = f"/api/study_sessions/{session_id}/review"
    response = client.post(review, json={"word_id": 1, "correct": True})
    assert response.status_code == 503
    assert "The write was made, but the disk did not confirm that it is stored (Input/output error)" in error_of(
        response
    )
    assert "Retry-After" not in response.headers  # a blind retry would write it twice
    monkeypatch.undo()
    conn = db.connect_app_db(app)
    assert count(conn, "word_review_items") == 1

    refused = client.post(review, json={"word_id": 2, "correct": True})
    assert refused.status_code == 503
    assert error_of(refused).startswith("Nothing was written: a sync of the database's write-ahead log failed")
    assert count(conn, "word_review_items") == 1
    health = client.get("/api/health")
    assert health.status_code == 503 and "restart the server" in error_of(health)
    conn.close()


def test_an_idempotent_retry_is_replayed_only_after_a_sync(client, session_id, synced_files):
    headers = {"Idempotency-Key": "answer-1"}
    review = f"/api/study_sessions/{session_id}/review"
    first = client.post(review, json={"word_id": 1, "correct": True}, headers=headers)
    synced = len(synced_files)
    replayed = client.post(review, json={"word_id": 1, "correct": True}, headers=headers)
    assert replayed.headers["Idempotent-Replayed"] == "true" and replayed.get_json() == first.get_json()
    assert len(synced_files) == synced + 1


def test_a_command_whose_write_the_disk_cannot_confirm_fails_with_a_sentence(app, runner, monkeypatch):
    def failing(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "fdatasync", failing)
    result = runner.invoke(args=["reset-history"])
    assert result.exit_code == 1
    assert "Error: The write was made, but the disk did not confirm that it is stored" in result.output
    assert "Traceback" not in result.output
