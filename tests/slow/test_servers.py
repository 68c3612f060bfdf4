"""The two ways the README serves the API, started for real."""

import sys

import pytest
import requests

from tests.servers import gunicorn_command, running_server

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "command", [[sys.executable, "app.py"], gunicorn_command(workers=2)], ids=["python-app.py", "gunicorn"]
)
def test_first_start_creates_and_seeds_the_database(tmp_path, command):
    db_path = tmp_path / "first-start.db"
    assert not db_path.exists()
    with running_server(command, db_path) as (base_url, _):
        assert requests.get(f"{base_url}/api/words").json()["total_words"] == 140
        session = requests.post(f"{base_url}/study_sessions", json={"group_id": 1, "study_activity_id": 1}).json()
        review = requests.post(
            f"{base_url}/study_sessions/{session['id']}/review", json={"word_id": 1, "correct": False}
        )
        assert review.status_code == 200 and review.json()["correct"] is False
    assert db_path.exists()
    # A second start keeps the data and does not seed again.
    with running_server(command, db_path) as (base_url, _):
        assert requests.get(f"{base_url}/api/words").json()["total_words"] == 140
        assert requests.get(f"{base_url}/api/study_sessions").json()["total"] == 1
