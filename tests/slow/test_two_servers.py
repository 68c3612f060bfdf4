"""Past one machine: two separate app servers on one PostgreSQL database, with the rate
limits they share in Redis (docs/operations.md, PostgreSQL)."""

import contextlib
import threading
import time

import pytest
import requests

from harness.postgres import redis_server
from lib import db, schema
from tests.helpers import postgresql_only
from tests.load import Ledger, check_database, run_clients, start_both, stop
from tests.slow.figures import FIGURES

pytestmark = [pytest.mark.slow, postgresql_only]

CLIENTS = 64
REQUESTS_EACH = 25


def test_two_servers_on_one_database_lose_nothing_under_64_clients(database, tmp_path):
    with redis_server() as redis_url, contextlib.ExitStack() as files:
        env = {
            "LANG_PORTAL_RATE_LIMITS": "on",
            "LANG_PORTAL_RATE_LIMIT_STORAGE": redis_url,
            "LANG_PORTAL_FEEDBACK_LIMIT": "100000 per minute",
        }
        servers, urls = start_both(database, tmp_path, env, files)
        ledger = Ledger()
        try:
            started = time.monotonic()
            run_clients(urls, ledger, CLIENTS, REQUESTS_EACH)
            elapsed = time.monotonic() - started
        finally:
            for server in servers:
                stop(server)
    total = sum(ledger.statuses.values())
    FIGURES["two servers"] = (
        f"{CLIENTS} clients on 2 servers x 2 processes, one PostgreSQL database: {total} requests in "
        f"{elapsed:.1f} s, statuses {dict(sorted(ledger.statuses.items()))}, "
        f"{len(ledger.reviews)} reviews acknowledged, all stored, counters equal a recount"
    )
    assert ledger.connection_errors == 0
    assert not [s for s in ledger.statuses if s >= 500]
    assert set(ledger.statuses) <= {200, 409}
    check_database(database, ledger, exact=True)
    log_text = "".join((tmp_path / f"server-{n}.log").read_text(errors="replace") for n in "ab")
    assert "Traceback" not in log_text


def test_the_rate_limits_are_shared_through_redis(database, tmp_path):
    """5 stored feedbacks a minute from one address, counted together by both servers."""
    with redis_server() as redis_url, contextlib.ExitStack() as files:
        env = {"LANG_PORTAL_RATE_LIMITS": "on", "LANG_PORTAL_RATE_LIMIT_STORAGE": redis_url}
        env["LANG_PORTAL_FEEDBACK_LIMIT"] = "5 per minute"
        servers, urls = start_both(database, tmp_path, env, files)
        try:
            statuses = []
            for i in range(8):
                url = urls[i % 2]
                session = requests.post(f"{url}/api/study_sessions", json={"group_id": 1, "study_activity_id": 1})
                feedback = requests.post(f"{url}/api/study_sessions/{session.json()['id']}/review", json={"rating": 5})
                statuses.append(feedback.status_code)
        finally:
            for server in servers:
                stop(server)
    assert statuses == [200] * 5 + [429] * 3


def first_start(url, failures):
    """What a server's first start does to the database: bring the schema up to date."""
    try:
        conn = db.connect(url)
        try:
            schema.migrate(conn)
        finally:
            conn.close()
    except Exception as e:  # noqa: BLE001 (the test reports it)
        failures.append(repr(e))


def test_servers_starting_together_on_an_empty_database_apply_each_schema_file_once(postgresql):
    """Servers' first start on one empty database: each brings the schema up to date at
    once, and they must take turns. With the lock taken inside each file's transaction, a
    later one could miss the first's schema_version table and run the baseline again (a
    DuplicateFunction, and a server that did not start: 4 starts in 15 failed)."""
    for _ in range(8):
        url = postgresql.create()
        try:
            failures = []
            threads = [threading.Thread(target=first_start, args=(url, failures)) for _ in range(3)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            assert failures == []
            conn = db.connect(url)
            assert schema.version(conn) == schema.latest_version("postgresql")
            conn.close()
        finally:
            postgresql.drop(url)
