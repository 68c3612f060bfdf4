"""A load driver for the slow tests: concurrent clients mixing every kind of write and
read, keeping a ledger of what the server acknowledged."""

import os
import random
import signal
import subprocess
import threading
from collections import Counter

import requests

from harness.servers import ROOT, free_port, production_command, wait_until_healthy
from lib import db
from lib.domain import counters
from tests.helpers import backup_dir_for

BATCH_SIZE = 5
WORD_IDS = range(1, 101)  # the real seed has more words than this
SINGLE_GROUP, BATCH_GROUP = 1, 2  # batches get sessions of their own group


class Ledger:
    """What the server acknowledged (2xx), and every status seen."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sessions = set()
        self.reviews = {}  # id -> (session id, word id, correct)
        self.feedback = set()
        self.statuses = Counter()
        self.locked_errors = 0
        self.connection_errors = 0

    def add_reviews(self, rows):
        with self.lock:
            for row in rows:
                self.reviews[row["id"]] = (row["study_session_id"], row["word_id"], row["correct"])


def _new_session(http, base_url, ledger, group_id):
    response = http.post(f"{base_url}/study_sessions", json={"group_id": group_id, "study_activity_id": 1})
    _record(ledger, response)
    if response.ok:
        with ledger.lock:
            ledger.sessions.add(response.json()["id"])
        return response.json()["id"]
    return None


def _record(ledger, response):
    with ledger.lock:
        ledger.statuses[response.status_code] += 1
        if "locked" in response.text:
            ledger.locked_errors += 1


def one_request(http, base_url, ledger, rng, state):
    """One request of a random kind; state holds this client's current session."""
    kind = rng.choices(["session", "review", "batch", "feedback", "read"], weights=[1, 6, 2, 1, 4])[0]
    if kind == "session" or state.get("session") is None:
        state["session"] = _new_session(http, base_url, ledger, SINGLE_GROUP)
        return
    session = state["session"]
    if kind == "review":
        body = {"word_id": rng.choice(WORD_IDS), "correct": rng.random() < 0.7}
        response = http.post(f"{base_url}/study_sessions/{session}/review", json=body)
        _record(ledger, response)
        if response.ok:
            ledger.add_reviews([response.json()])
    elif kind == "batch":
        # Each batch goes to a fresh session of BATCH_GROUP, so each such session must hold
        # 0 or BATCH_SIZE reviews: a half-written batch would show (half_written_batches).
        batch_session = _new_session(http, base_url, ledger, BATCH_GROUP)
        if batch_session is None:
            return
        reviews = [{"word_id": rng.choice(WORD_IDS), "is_correct": rng.random() < 0.5} for _ in range(BATCH_SIZE)]
        response = http.post(f"{base_url}/api/study-sessions/{batch_session}/review", json={"reviews": reviews})
        _record(ledger, response)
        if response.ok:
            ledger.add_reviews(response.json()["items"])
    elif kind == "feedback":
        body = {"rating": rng.randint(1, 5), "comments": "load test", "reviewer_id": rng.randint(1, 3)}
        response = http.post(f"{base_url}/api/study_sessions/{session}/review", json=body)
        _record(ledger, response)
        if response.ok:
            with ledger.lock:
                ledger.feedback.add(response.json()["id"])
    else:
        path = rng.choice(
            ["/api/words?page=2", "/api/dashboard/stats", f"/api/study_sessions/{session}", "/api/study_sessions"]
        )
        _record(ledger, http.get(f"{base_url}{path}"))


def run_clients(base_url, ledger, clients, requests_each, stop=None, seed=0):
    """Run `clients` threads of `requests_each` requests; stop early when stop is set.
    base_url may be a list: client i talks to base_url[i % len(base_url)]. Connection
    errors (a killed server) are counted, not raised."""
    urls = [base_url] if isinstance(base_url, str) else list(base_url)

    def client(index):
        base_url = urls[index % len(urls)]
        rng = random.Random(seed * 1000 + index)
        state = {}
        with requests.Session() as http:
            for _ in range(requests_each):
                if stop is not None and stop.is_set():
                    return
                try:
                    one_request(http, base_url, ledger, rng, state)
                except requests.RequestException:
                    with ledger.lock:
                        ledger.connection_errors += 1
                    if stop is not None and stop.is_set():
                        return
                    state["session"] = None

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def database_matches_ledger(conn, ledger, exact):
    """Problems found comparing the database with the acknowledged writes. exact: the
    database must hold exactly the acknowledged rows (no crash happened); otherwise every
    acknowledged row must be there and unacknowledged ones may be too."""
    problems = []
    sessions = {r["id"] for r in conn.execute("SELECT id FROM study_sessions")}
    reviews = {
        r["id"]: (r["study_session_id"], r["word_id"], bool(r["correct"]))
        for r in conn.execute("SELECT id, study_session_id, word_id, correct FROM word_review_items")
    }
    feedback = {r["id"] for r in conn.execute("SELECT id FROM session_feedback")}
    for name, acknowledged, held in (
        ("sessions", ledger.sessions, sessions),
        ("reviews", set(ledger.reviews), set(reviews)),
        ("feedback", ledger.feedback, feedback),
    ):
        lost = acknowledged - held
        if lost:
            problems.append(f"{len(lost)} acknowledged {name} missing")
        if exact and held - acknowledged:
            problems.append(f"{len(held - acknowledged)} {name} stored without a 2xx answer")
    changed = [i for i, row in ledger.reviews.items() if i in reviews and reviews[i] != row]
    if changed:
        problems.append(f"{len(changed)} reviews differ from their 2xx answer")
    return problems


def half_written_batches(conn):
    """Batch sessions holding neither nothing nor one whole batch."""
    return conn.execute(
        "SELECT count(*) AS n FROM study_sessions WHERE group_id = ? AND review_items_count NOT IN (0, ?)",
        (BATCH_GROUP, BATCH_SIZE),
    ).fetchone()["n"]


def start_server(database, port, log, processes=2, env=None, wait=True):
    """serve.py on database with rate limits off (unless env says), its output to log;
    its whole process group stops with stop()."""
    env = {
        **os.environ,
        "LANG_PORTAL_RATE_LIMITS": "off",
        "LANG_PORTAL_DB": str(database),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": str(processes),
        "LANG_PORTAL_BACKUP_DIR": backup_dir_for(database),
        **(env or {}),
    }
    # A session of its own, so one killpg takes the parent and every serving process at once.
    process = subprocess.Popen(
        production_command(),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    if wait:
        wait_until_healthy(f"http://127.0.0.1:{port}", process)
    return process


def start_both(database, tmp_path, env, files):
    """Two serve.py servers of 2 processes each, started together on database (both
    bring the schema up to date at once: they take turns), and their base URLs. Their
    logs are opened in files (an ExitStack)."""
    servers, urls = [], []
    for name in ("a", "b"):
        port = free_port()
        log = files.enter_context(open(tmp_path / f"server-{name}.log", "wb"))  # noqa: SIM115 (the stack closes it)
        servers.append(start_server(database, port, log, processes=2, env=env, wait=False))
        urls.append(f"http://127.0.0.1:{port}")
    for url, server in zip(urls, servers, strict=True):
        wait_until_healthy(url, server, timeout=60)
    return servers, urls


def stop(process, sig=signal.SIGTERM):
    if process.poll() is None:
        os.killpg(process.pid, sig)
        process.wait(timeout=30)


def check_database(database, ledger, exact):
    """Integrity, counters against a recount, the ledger, and no half-written batch."""
    conn = db.connect(database)
    try:
        assert not conn.engine.integrity_problems(conn)  # None on PostgreSQL, which checks its own pages
        assert counters.counter_mismatches(conn) == []
        assert database_matches_ledger(conn, ledger, exact) == []
        assert half_written_batches(conn) == 0
        return conn.execute("SELECT count(*) AS n FROM word_review_items").fetchone()["n"]
    finally:
        conn.close()
