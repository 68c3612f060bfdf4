"""The two ways the README serves the API, started for real."""

import os
import subprocess
import sys

import pytest
import requests

from harness.servers import ROOT, production_command, running_server
from lib import db, schema, seed
from tests.helpers import ENGINE, set_schema_version

pytestmark = pytest.mark.slow

SEED_WORDS = sum(len(words) for words in seed.load_seed()[0].values())
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
    seed.init_db(conn)
    newer = schema.latest_version() + 1
    set_schema_version(conn, newer)
    conn.close()
    env = {**os.environ, "LANG_PORTAL_DB": str(database), "PORT": "0"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert f"schema version {newer}, but this code knows versions up to {newer - 1}" in result.stderr
