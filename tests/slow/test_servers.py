"""The two ways the README serves the API, started for real."""

import contextlib
import http.client
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from harness.servers import ROOT, free_port, production_command, running_server
from lib import config, db, schema
from lib.domain import seed as seeding
from lib.files import seed as seed_files
from tests.helpers import ENGINE, set_schema_version
from tests.slow.figures import FIGURES

pytestmark = pytest.mark.slow

SEED_WORDS = sum(len(words) for words in seed_files.read()[0].values())
SERVERS = [production_command(), [sys.executable, "app.py"]]


@pytest.mark.parametrize("command", SERVERS, ids=["serve.py", "python-app.py"])
def test_first_start_creates_and_seeds_the_database(database, command):
    """SQLite: the file is made; PostgreSQL: the (empty) database gets the schema."""
    if ENGINE == "sqlite":
        assert not os.path.exists(database)
    with running_server(command, database) as (base_url, _):
        assert requests.get(f"{base_url}/api/words").json()["total_words"] == SEED_WORDS
        session = requests.post(f"{base_url}/study_sessions", json={"group_id": 1, "study_activity_id": 1}).json()
        review = requests.post(
            f"{base_url}/study_sessions/{session['id']}/review", json={"word_id": 1, "correct": False}
        )
        assert review.status_code == 200 and review.json()["correct"] is False
    assert ENGINE != "sqlite" or os.path.exists(database)
    # A second start keeps the data and does not seed again.
    with running_server(command, database) as (base_url, _):
        assert requests.get(f"{base_url}/api/words").json()["total_words"] == SEED_WORDS
        assert requests.get(f"{base_url}/api/study_sessions").json()["total"] == 1


@pytest.mark.parametrize("command", SERVERS, ids=["serve.py", "python-app.py"])
def test_a_database_from_a_newer_version_stops_the_server(database, command):
    conn = db.connect(database)
    seeding.prepare(conn, seed_files.read())
    newer = schema.latest_version() + 1
    set_schema_version(conn, newer)
    conn.close()
    env = {**os.environ, "LANG_PORTAL_DB": str(database), "PORT": "0"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert f"schema version {newer}, but this code knows versions up to {newer - 1}" in result.stderr


def test_a_saturated_server_warns_once_a_minute_not_once_a_request(database, tmp_path):
    """waitress warns each time a request waits for a thread; under load that was most
    requests (3,600 lines in 12 s of a benchmark). serve.py lets one through a minute."""
    log = tmp_path / "server.log"
    one_thread = {"WEB_CONCURRENCY": "1", "LANG_PORTAL_THREADS": "1"}
    with running_server(production_command(), database, env=one_thread, log=log) as (base_url, _):

        def client(_):
            with requests.Session() as session:
                return [session.get(f"{base_url}/api/words").status_code for _ in range(10)]

        with ThreadPoolExecutor(32) as pool:
            statuses = [status for answers in pool.map(client, range(32)) for status in answers]
    assert statuses == [200] * 320
    warnings = [line for line in log.read_text().splitlines() if "Task queue depth" in line]
    assert len(warnings) == 1, warnings  # 32 clients on one thread: requests did wait


# Werkzeug's development server, as the README's `python app.py` and Flask's own command
# start it: a new thread for each connection.
THREAD_PER_CONNECTION = {
    "python-app.py": lambda port: [sys.executable, "app.py"],
    "flask-run": lambda port: [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port)],
}
CLIENTS, READS, WRITE_EVERY = 4, 3000, 500
POOL_SIZE = config.from_environment({})["POOL_SIZE"]


def read_on_a_new_connection(port, path):
    """GET path on a TCP connection of its own (so on a new thread of Werkzeug's); its
    status and Cache-Status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Cache-Status")
    finally:
        conn.close()


def descriptors(pid, database):
    """How many descriptors the process holds, and how many of them are of the SQLite
    file itself: one per open connection, and those SQLite keeps of connections closed
    while others were open, for the next it opens (tests/test_response_cache.py)."""
    targets = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(FileNotFoundError):  # closed meanwhile
            targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
    return len(targets), targets.count(os.path.abspath(database))


def resident_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS:"))


@pytest.mark.parametrize("name", THREAD_PER_CONNECTION)
def test_a_thread_per_connection_server_keeps_its_connections_bounded(database, name):
    """3,000 word-list reads from 4 clients, each read on a connection (a thread) of its
    own, with a few writes among them, leave the process holding no more descriptors of
    the database than LANG_PORTAL_POOL_SIZE and the clients' (a connection kept per thread
    had left two descriptors and a fifth of a megabyte a request), and the pages between
    the writes come from memory (Cache-Status)."""
    port = free_port()
    if name == "flask-run":  # flask run serves the database; init-db makes it
        environment = {**os.environ, "LANG_PORTAL_DB": str(database)}
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "init-db"], cwd=ROOT, env=environment, check=True
        )
    with running_server(THREAD_PER_CONNECTION[name](port), database, port=port) as (base_url, server):
        before, rss_before = descriptors(server.pid, database)[0], resident_mb(server.pid)

        def client(number):
            answers = []
            for n in range(number, READS, CLIENTS):
                if n % WRITE_EVERY == 0:
                    session = requests.post(f"{base_url}/study_sessions", json={"group_id": 1, "study_activity_id": 1})
                    review = requests.post(
                        f"{base_url}/study_sessions/{session.json()['id']}/review", json={"word_id": 1, "correct": True}
                    )
                    assert review.status_code == 200
                answers.append(read_on_a_new_connection(port, "/api/words"))
            return answers

        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = [answer for answers in pool.map(client, range(CLIENTS)) for answer in answers]
        after, connections = descriptors(server.pid, database)
        rss_after = resident_mb(server.pid)
    hits = sum(1 for _, cache_status in answers if cache_status == "lang-portal; hit")
    FIGURES[f"thread per connection, {name}"] = (
        f"{name} (Werkzeug, {ENGINE}), {READS} reads of /api/words from {CLIENTS} clients, each on a new "
        f"connection, and {2 * READS // WRITE_EVERY} writes: descriptors {before} -> {after}, RSS {rss_before} -> "
        f"{rss_after} MB"
        + (f", {connections} of the database file, {hits} pages from memory" if ENGINE == "sqlite" else "")
    )
    assert [status for status, _ in answers] == [200] * READS
    bound = POOL_SIZE + CLIENTS  # kept between requests, and those of requests ending as the clients stopped
    if ENGINE == "sqlite":
        assert connections <= bound
        # The pages between two writes are read once per connection, then come from memory.
        assert hits >= READS - (READS // WRITE_EVERY + 1) * bound
    assert after <= before + 2 * bound  # a SQLite connection holds the file and its WAL
    assert rss_after - rss_before < 64  # MB: each connection's page cache (2 MiB) and kept pages (1 MiB)
