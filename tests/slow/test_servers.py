"""The two ways the README serves the API, started for real."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from harness.servers import ROOT, production_command, running_server
from lib import db, schema
from lib.domain import seed as seeding
from lib.files import seed as seed_files
from tests.helpers import ENGINE, set_schema_version

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
