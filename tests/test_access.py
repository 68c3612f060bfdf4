"""Who may call what (lib/web/access.py, docs/access.md): every route declares a policy, and
in the class mode every route answers each role, on its own learner and on another's, as
the policy says: allowed, 401, 403, or the 404 of a learner or session that does not
exist."""

import json
import re

import pytest
from flask.testing import FlaskClient

from lib import db
from lib.web import access
from tests.helpers import SEED_WORDS, People, error_of, make_app

OK = "ok"  # past the access check: whatever the route answers, it is not 401, 403 or 404

# The routes' values, and a body for each write that the route would take.
BODIES = {
    ("POST", "study_sessions.create_study_session"): lambda t: {"group_id": 1, "study_activity_id": 1, "learner_id": t},
    ("POST", "study_activities.create_activity_session"): lambda t: {
        "group_id": 1,
        "study_activity_id": 1,
        "learner_id": t,
    },
    ("POST", "study_sessions.record_review"): lambda t: {"word_id": 2, "correct": True},
    ("PUT", "study_sessions.update_feedback"): lambda t: {"rating": 4, "comments": "fine"},
    ("POST", "study_sessions.record_word_review"): lambda t: {"correct": False},
    ("PUT", "learners.update_learner"): lambda t: {"name": "Renamed"},
    ("POST", "learners.create_learner"): lambda t: {"name": "Newcomer"},
    ("POST", "accounts.sign_in"): lambda t: {"username": "alice", "password": People.PASSWORD},
}
ACTORS = (None, "alice read", "alice", "teacher", "admin")  # in this order: the admin's resets go last
LEARNER_POLICIES = {
    access.LEARNER_IN_QUERY,
    access.LEARNER_IN_PATH,
    access.CHANGE_LEARNER_IN_PATH,
    access.START_SESSION,
    access.READ_SESSION,
    access.CHANGE_SESSION,
    access.ANSWER_SESSION,
    access.READ_JOB,
    access.CHANGE_JOB,
}
CHANGES = {
    access.CHANGE_LEARNER_IN_PATH,
    access.START_SESSION,
    access.CHANGE_SESSION,
    access.ANSWER_SESSION,
    access.CHANGE_JOB,
}


@pytest.fixture
def conn_of(class_app):
    """Connections of their own to the class app's database, closed after the test."""
    opened = []

    def connect():
        opened.append(db.connect_app_db(class_app))
        return opened[-1]

    yield connect
    for conn in opened:
        conn.close()


def operations(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, sorted(r.methods))):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


ROUTES = [(rule.rule, rule.endpoint, method) for rule, method in operations(make_app("unused.db"))]


def expected(policy, method, who, target):
    """What the policy answers who on target's learner: OK, 401, 403 or 404."""
    if policy.public:
        return OK
    if who is None:
        # The session's id alone lets a study activity send answers (a word answer here).
        return OK if policy is access.ANSWER_SESSION and method == "POST" else 401
    if who == "alice read" and method != "GET" and not policy.read_token:
        return 403
    if policy is access.ADMIN:
        return OK if who == "admin" else 403
    if policy not in LEARNER_POLICIES or who == "admin":
        return OK
    if target == "bob":
        return 404  # neither alice nor the teacher of class A sees bob
    if who == "teacher" and policy in CHANGES:
        return 403
    return OK


def call(client, people, endpoint, method, rule, who, target):
    """The request of who to the route, naming target's learner (path, query or body) or
    target's session."""
    values = {"group_id": 1, "word_id": 1, "activity_id": 1, "filename": "swagger-ui.css"}
    if "<id:learner_id>" in rule:
        values["learner_id"] = people.learner_ids[target]
    if "<id:session_id>" in rule:
        values["session_id"] = people.session_ids[target]
    if "<id:job_id>" in rule:
        values["job_id"] = people.job_ids[target]
    policy = client.application.view_functions[endpoint].access
    if policy is access.LEARNER_IN_QUERY:
        values["learner_id"] = people.learner_ids[target]
    with client.application.test_request_context():
        from flask import url_for

        url = url_for(endpoint, _method=method, **values)
    body = BODIES.get((method, endpoint), lambda t: None)(people.learner_ids[target])
    return client.open(url, method=method, json=body, headers=people.headers(who))


def outcome(response, people, target):
    """OK, 401, 403, or 404 when the answer is that target's learner or session is not found
    (a 404 of the route's own, such as feedback not sent yet, is past the access check)."""
    if response.status_code not in (401, 403, 404):
        return OK
    sentence = error_of(response)
    if response.status_code == 404 and sentence not in (
        f"Learner {people.learner_ids[target]} not found.",
        f"Study session {people.session_ids[target]} not found.",
        f"Job {people.job_ids[target]} not found.",
    ):
        return OK
    return response.status_code


@pytest.mark.parametrize(("rule", "endpoint", "method"), ROUTES, ids=[f"{m} {r}" for r, _, m in ROUTES])
def test_every_route_answers_every_role_as_its_policy_says(class_client, people, rule, endpoint, method):
    policy = class_client.application.view_functions[endpoint].access
    targets = ("alice", "bob") if policy in LEARNER_POLICIES else ("alice",)
    seen = []
    for who in ACTORS:
        for target in targets:
            response = call(class_client, people, endpoint, method, rule, who, target)
            want = expected(policy, method, who, target)
            got = outcome(response, people, target)
            seen.append((who, target, want, got, response.data[:200]))
            if got == 401:
                assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
            response.close()
    assert [s[:3] for s in seen] == [s[:2] + (s[3],) for s in seen], seen


def test_another_learner_is_answered_as_a_learner_that_does_not_exist(class_client, people):
    """alice asking for bob's learner, sessions or answers gets what an id nobody has gets."""
    bob, bob_session, nobody = people.learner_ids["bob"], people.session_ids["bob"], 987654
    alice = people.headers("alice")
    for template in (
        "/api/learners/{}",
        "/api/learners/{}/reviews.csv",
        "/api/learners/{}/schedule",
        "/api/words/1/reviews?learner_id={}",
        "/api/study_queue?learner_id={}",
        "/api/dashboard/stats?learner_id={}",
        "/api/xapi/statements?learner_id={}",
    ):
        other = class_client.get(template.format(bob), headers=alice)
        missing = class_client.get(template.format(nobody), headers=people.headers("admin"))
        assert other.status_code == missing.status_code == 404, template
        assert other.get_json() == json.loads(missing.get_data(as_text=True).replace(str(nobody), str(bob)))
    other = class_client.get(f"/api/study_sessions/{bob_session}", headers=alice)
    missing = class_client.get(f"/api/study_sessions/{nobody}", headers=people.headers("admin"))
    assert other.status_code == missing.status_code == 404
    assert other.get_json() == json.loads(missing.get_data(as_text=True).replace(str(nobody), str(bob_session)))


def test_every_route_declares_who_may_call_it_and_openapi_says_the_same(app):
    spec = app.test_client().get("/api/openapi.json").get_json()
    for rule, method in operations(app):
        policy = getattr(app.view_functions[rule.endpoint], "access", None)
        assert isinstance(policy, access.Policy), f"{method} {rule.rule} declares no policy (@allow)"
        path = re.sub(r"<(\w+:)?\w+>", "{}", rule.rule)
        paths = {re.sub(r"\{\w+\}", "{}", documented): operations for documented, operations in spec["paths"].items()}
        operation = paths[path][method.lower()]
        assert operation["x-access"] == policy.name, f"{method} {rule.rule}"


def test_a_route_without_a_policy_is_refused_in_both_modes(tmp_path):
    for mode in ("open", "class"):
        app = make_app(tmp_path / f"{mode}.db", ACCESS=mode)
        app.test_client_class = FlaskClient  # the route is not in openapi.yaml
        app.add_url_rule("/api/undeclared", "undeclared", lambda: {"secret": 1})
        response = app.test_client().get("/api/undeclared")
        assert response.status_code == 403
        assert "declares no rule" in error_of(response)


def test_learners_lists_only_whom_the_account_sees(class_client, people):
    def names(who):
        response = class_client.get("/api/learners", headers=people.headers(who))
        assert response.status_code == 200
        return sorted(item["name"] for item in response.get_json()["items"])

    assert names("alice") == ["alice"]
    assert names("teacher") == ["alice"]
    assert len(names("admin")) == 3 and {"alice", "bob"} < set(names("admin"))


def test_a_learner_reads_and_writes_their_own_by_default(class_client, people):
    """Without a learner_id a learner's requests are for their own learner, not learner 1."""
    alice = people.headers("alice")
    session = class_client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}, headers=alice)
    assert session.status_code == 200
    body = session.get_json()
    assert body["learner_id"] == people.learner_ids["alice"]
    assert access.CAPABILITY_IDS[0] <= body["id"] < access.CAPABILITY_IDS[1] < 2**53
    listed = class_client.get("/api/study_sessions", headers=alice).get_json()["items"]
    assert body["id"] in [item["id"] for item in listed]
    assert {item["id"] for item in listed} <= {body["id"], people.session_ids["alice"]}
    stats = class_client.get("/api/dashboard/stats", headers=alice).get_json()
    assert stats["total_sessions"] == 2


def test_feedback_is_the_signed_in_accounts(class_client, people):
    session_id = people.session_ids["alice"]
    alice = people.headers("alice")
    sent = class_client.post(f"/api/study_sessions/{session_id}/review", json={"rating": 5}, headers=alice)
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json()["reviewer_id"] == people.account_ids["alice"]
    forged = class_client.post(
        f"/api/study_sessions/{session_id}/review", json={"rating": 1, "reviewer_id": 99}, headers=alice
    )
    assert forged.status_code == 400
    assert "reviewer_id" in forged.get_json()["details"]
    items = class_client.get(f"/api/study_sessions/{session_id}/reviews", headers=alice).get_json()["items"]
    assert [(i["rating"], i["reviewer_id"]) for i in items] == [(5, people.account_ids["alice"])]


def test_a_session_id_alone_sends_answers_and_nothing_else(class_client, people, conn_of):
    session_id = people.session_ids["alice"]
    answered = class_client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 3, "correct": True})
    assert answered.status_code == 200
    assert answered.get_json()["word_id"] == 3
    word = class_client.post(f"/api/study_sessions/{session_id}/words/4/review", json={"correct": False})
    assert word.status_code == 200
    feedback = class_client.post(f"/api/study_sessions/{session_id}/review", json={"rating": 5})
    assert feedback.status_code == 401
    assert class_client.get(f"/api/study_sessions/{session_id}").status_code == 401
    assert class_client.put(f"/api/study_sessions/{session_id}/review", json={"rating": 5}).status_code == 401
    learner = conn_of().scalar(
        "SELECT count(*) FROM word_review_items WHERE study_session_id = ? AND learner_id = ?",
        (session_id, people.learner_ids["alice"]),
    )
    assert learner == 3


def test_a_session_id_counted_up_or_too_old_is_not_enough(class_client, people, conn_of):
    """Only ids drawn at random stand for a session, and only while it is young."""
    conn = conn_of()
    with conn.transaction():
        conn.execute(
            "INSERT INTO study_sessions (id, learner_id, group_id, study_activity_id, created_at, learning_day) "
            "VALUES (5, ?, 1, 1, '2026-01-01T00:00:00Z', '2026-01-01')",
            (people.learner_ids["alice"],),
        )
        conn.execute(
            "UPDATE study_sessions SET created_at = '2020-01-01T00:00:00Z' WHERE id = ?", (people.session_ids["bob"],)
        )
    for session_id in (5, people.session_ids["bob"], access.CAPABILITY_IDS[0] + 1):
        response = class_client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 3, "correct": True})
        assert response.status_code == 404
        assert error_of(response) == f"Study session {session_id} not found."
    assert conn.scalar("SELECT count(*) FROM word_review_items WHERE word_id = 3") == 0


def test_an_address_guessing_session_ids_is_refused_a_while(class_app, people):
    class_app.config["RATELIMIT_ENABLED"] = True
    try:
        client = class_app.test_client()
        live = people.session_ids["alice"]
        statuses = [
            client.post(
                f"/api/study_sessions/{access.CAPABILITY_IDS[0] + n}/review", json={"word_id": 1, "correct": True}
            )
            for n in range(31)
        ]
        assert [r.status_code for r in statuses] == [404] * 30 + [429]
        assert int(statuses[-1].headers["Retry-After"]) >= 1
        # Every such request is refused now, even the right one; one with a token is not.
        refused = client.post(f"/api/study_sessions/{live}/review", json={"word_id": 1, "correct": True})
        assert refused.status_code == 429
        signed_in = client.post(
            f"/api/study_sessions/{live}/review", json={"word_id": 1, "correct": True}, headers=people.headers("alice")
        )
        assert signed_in.status_code == 200
    finally:
        class_app.config["RATELIMIT_ENABLED"] = False


def test_group_words_raw_is_public_but_its_due_order_is_the_learners(class_client, people):
    raw = class_client.get("/api/groups/1/words/raw")
    assert raw.status_code == 200
    assert len(raw.get_json()["words"]) == 12
    assert class_client.get("/api/groups/1/words/raw?order=due").status_code == 401
    due = class_client.get("/api/groups/1/words/raw?order=due", headers=people.headers("alice"))
    assert due.status_code == 200


def test_a_read_token_reads_and_changes_nothing(class_client, people, conn_of):
    read = people.headers("alice read")
    assert class_client.get("/api/study_sessions", headers=read).status_code == 200
    refused = class_client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}, headers=read)
    assert refused.status_code == 403
    assert "read" in error_of(refused)
    assert conn_of().scalar("SELECT count(*) FROM study_sessions") == 2


def test_without_credentials_the_class_mode_answers_401_except_where_public(class_client):
    for path in ("/api/words", "/api/groups", "/api/learners", "/api/dashboard/stats", "/api"):
        response = class_client.get(path)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert "Sign in" in error_of(response)
    for path in ("/api/health", "/api/openapi.json", "/api/docs"):
        assert class_client.get(path).status_code == 200, path


def test_a_bad_token_is_a_401(class_client):
    for header in ("Bearer nonsense", "Basic YWxpY2U6eA==", "Bearer", "bearer  "):
        response = class_client.get("/api/words", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_open_mode_is_as_before(client):
    """No credentials, learner 1 by default, ids counted up, and no accounts routes."""
    session = client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()
    assert session["learner_id"] == 1
    assert session["id"] < 100
    assert client.get("/api/words").status_code == 200
    assert client.get("/api/words?per_page=100").get_json()["total_words"] == SEED_WORDS
    assert client.post("/api/auth/login", json={"username": "a", "password": "b"}).status_code == 404
    assert client.get("/api/auth/me").status_code == 404
