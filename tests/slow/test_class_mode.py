"""The class mode served for real: serve.py with two processes, accounts made by the
commands in their own processes, a learner signing in, a study app sending answers with the
session's id alone, and a token revoked on one process refused by every process within
the documented bound."""

import os
import subprocess
import sys
import time

import pytest
import requests

from harness.servers import ROOT, production_command, running_server
from lib import db
from lib.domain import seed as seeding
from lib.files import seed as seed_files
from lib.web import access, auth

pytestmark = pytest.mark.slow

PASSWORD = "a class password"
CLASS = {"LANG_PORTAL_ACCESS": "class", "WEB_CONCURRENCY": "2"}


def flask(database, *args, stdin=None):
    """A flask command in a process of its own, as an admin would run it."""
    env = {**os.environ, "LANG_PORTAL_DB": str(database), **CLASS}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def class_database(database):
    conn = db.connect(database)
    seeding.prepare(conn, seed_files.read())
    conn.close()
    assert flask(database, "create-class", "Year 2").returncode == 0
    for username, role in (("kenji", "learner"), ("aiko", "learner"), ("tanaka", "teacher")):
        made = flask(
            database,
            "create-account",
            username,
            "--role",
            role,
            "--class",
            "Year 2",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        assert made.returncode == 0, made.stderr
        assert PASSWORD not in made.stdout + made.stderr
    return database


def sign_in(base_url, username, scope="write"):
    response = requests.post(
        f"{base_url}/api/auth/login", json={"username": username, "password": PASSWORD, "scope": scope}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def refused_everywhere(url, headers):
    """Wait until 20 requests in a row (over both processes) are 401, and fail if that takes
    longer than the documented bound (docs/access.md) and a second for the requests."""
    deadline = time.monotonic() + auth.TOKEN_CACHE_SECONDS + 1.0
    while {requests.get(url, headers=headers).status_code for _ in range(20)} != {401}:
        assert time.monotonic() < deadline, "a revoked token was still served after the bound"
        time.sleep(0.1)


def test_a_class_served_for_real(class_database):
    with running_server(production_command(), class_database, env=CLASS) as (base_url, _):
        # Nothing private without credentials; the health check and the vocabulary are public.
        assert requests.get(f"{base_url}/api/words").status_code == 401
        assert requests.get(f"{base_url}/api/health").status_code == 200
        assert requests.get(f"{base_url}/api/groups/1/words/raw").status_code == 200
        assert requests.get(f"{base_url}/api/words", headers={"Host": "evil.example"}).status_code == 400

        kenji, aiko, tanaka = (sign_in(base_url, name) for name in ("kenji", "aiko", "tanaka"))
        me = requests.get(f"{base_url}/api/auth/me", headers=kenji).json()
        session = requests.post(
            f"{base_url}/study_sessions", json={"group_id": 1, "study_activity_id": 1}, headers=kenji
        ).json()
        assert session["learner_id"] == me["learner_id"]
        assert access.CAPABILITY_IDS[0] <= session["id"] < 2**53

        # The typing tutor, unchanged: the session's id from its URL, no credentials.
        answer = requests.post(
            f"{base_url}/study_sessions/{session['id']}/review", json={"word_id": 1, "correct": True}
        )
        assert answer.status_code == 200, answer.text
        assert (
            requests.post(f"{base_url}/study_sessions/{session['id']}/review", json={"rating": 5}).status_code == 401
        )  # feedback needs the learner
        assert (
            requests.post(
                f"{base_url}/study_sessions/{session['id']}/review", json={"rating": 5}, headers=kenji
            ).status_code
            == 200
        )

        # aiko sees nothing of kenji's; the teacher of their class reads it and writes nothing.
        path = f"{base_url}/api/study_sessions/{session['id']}"
        assert requests.get(path, headers=aiko).status_code == 404
        assert requests.get(path, headers=tanaka).json()["session"]["review_items_count"] == 1
        renamed = requests.put(f"{base_url}/api/learners/{me['learner_id']}", json={"name": "x"}, headers=tanaka)
        assert renamed.status_code == 403
        assert requests.get(f"{base_url}/api/learners", headers=aiko).json()["total"] == 1

        # Signed out on one process, refused by both within the bound.
        assert requests.post(f"{base_url}/api/auth/logout", json={}, headers=kenji).status_code == 200
        refused_everywhere(f"{base_url}/api/auth/me", kenji)


def test_revoke_tokens_from_the_command_line_reaches_a_running_server(class_database):
    with running_server(production_command(), class_database, env=CLASS) as (base_url, _):
        aiko = sign_in(base_url, "aiko")
        assert requests.get(f"{base_url}/api/auth/me", headers=aiko).status_code == 200
        revoked = flask(class_database, "revoke-tokens", "aiko")
        assert revoked.returncode == 0 and "1 tokens of 'aiko' revoked." in revoked.stdout
        refused_everywhere(f"{base_url}/api/auth/me", aiko)
        disabled = flask(class_database, "disable-account", "aiko")
        assert disabled.returncode == 0
        assert (
            requests.post(f"{base_url}/api/auth/login", json={"username": "aiko", "password": PASSWORD}).status_code
            == 401
        )
