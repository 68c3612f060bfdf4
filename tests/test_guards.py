"""Rate limits, the optional token, and idempotent retries."""

import pytest

from lib.domain import counters
from lib.web import ratelimit
from tests.helpers import count, error_of, make_app, snapshot


@pytest.fixture
def limited_client(app):
    """A client of an app with tight rate limits switched on."""
    limited = make_app(
        app.config["DATABASE"],
        RATELIMIT_ENABLED=True,
        FEEDBACK_RATE_LIMIT="2 per minute",
        REVIEW_RATE_LIMIT="5 per minute",
    )
    return limited.test_client()


def test_feedback_is_rate_limited_with_json_429_and_retry_after(limited_client, conn):
    session = limited_client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()
    path = f"/api/study_sessions/{session['id']}/review"
    assert limited_client.post(path, json={"rating": 5, "reviewer_id": 1}).status_code == 200
    assert limited_client.post(path, json={"rating": 5, "reviewer_id": 2}).status_code == 200
    response = limited_client.post(path, json={"rating": 5, "reviewer_id": 3})
    assert response.status_code == 429
    assert "Too many requests" in error_of(response)
    assert int(response.headers["Retry-After"]) > 0
    assert count(conn, "session_feedback") == 2
    # Word reviews have their own, separate budget.
    assert limited_client.post(path, json={"word_id": 1, "correct": True}).status_code == 200


def test_word_reviews_are_limited_separately(limited_client, conn):
    session = limited_client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()
    path = f"/api/study_sessions/{session['id']}/review"
    statuses = [limited_client.post(path, json={"word_id": 1, "correct": True}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert count(conn, "word_review_items") == 5


def test_reading_a_whole_history_is_limited(app):
    """The schedule, the review-log export and the vocabulary's export share one budget;
    the fit has its own, which a refused fit (too few answers) does not use."""
    client = make_app(
        app.config["DATABASE"],
        RATELIMIT_ENABLED=True,
        HISTORY_RATE_LIMIT="3 per minute",
        OPTIMIZE_RATE_LIMIT="1 per hour",
    ).test_client()
    statuses = [
        client.get(path).status_code
        for path in ["/api/learners/1/schedule", "/api/learners/1/reviews.csv", "/api/words/export.csv"] * 2
    ]
    assert statuses == [200, 200, 200, 429, 429, 429]
    refused = client.get("/api/words/export.csv")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    refused = client.get("/api/learners/1/schedule")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    fits = [client.post("/api/learners/1/schedule/optimize", json={}).status_code for _ in range(3)]
    assert fits == [422, 422, 422]  # too few answers: nothing stored, nothing counted


def test_rate_limits_are_off_in_tests_by_default(client, session_id):
    path = f"/api/study_sessions/{session_id}/review"
    assert all(client.post(path, json={"word_id": 1, "correct": True}).status_code == 200 for _ in range(30))


@pytest.fixture
def token_client(app):
    return make_app(app.config["DATABASE"], API_TOKEN="s3cret").test_client()


@pytest.mark.parametrize("header", [None, "Bearer wrong", "s3cret", "Basic s3cret", "Bearer "])
def test_writes_need_the_token_when_one_is_set(token_client, conn, header):
    before = snapshot(conn)
    headers = {"Authorization": header} if header else {}
    response = token_client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}, headers=headers)
    assert response.status_code == 401
    assert "Authorization: Bearer" in error_of(response)
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert snapshot(conn) == before


def test_token_lets_writes_through_and_reads_stay_open(token_client):
    ok = token_client.post(
        "/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}, headers={"Authorization": "Bearer s3cret"}
    )
    assert ok.status_code == 200
    assert token_client.get("/api/study_sessions").status_code == 200


def test_preflight_succeeds_without_the_token(token_client):
    response = token_client.options(
        "/api/study_sessions",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"


def test_no_token_needed_by_default(client):
    assert client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).status_code == 200


# --- idempotent retries ----------------------------------------------------------------


def post_with_key(client, path, body, key):
    return client.post(path, json=body, headers={"Idempotency-Key": key})


def test_retry_with_same_key_returns_first_answer_and_writes_nothing(client, conn, session_id):
    path = f"/api/study_sessions/{session_id}/review"
    first = post_with_key(client, path, {"word_id": 3, "correct": True}, "retry-1")
    assert first.status_code == 200
    after_first = snapshot(conn)
    again = post_with_key(client, path, {"word_id": 3, "correct": True}, "retry-1")
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert snapshot(conn) == after_first
    assert count(conn, "word_review_items") == 1
    assert counters.counter_mismatches(conn) == []


def test_same_key_with_another_body_is_422(client, conn, session_id):
    path = f"/api/study_sessions/{session_id}/review"
    post_with_key(client, path, {"word_id": 3, "correct": True}, "k")
    response = post_with_key(client, path, {"word_id": 3, "correct": False}, "k")
    assert response.status_code == 422
    assert "different request" in error_of(response)
    assert count(conn, "word_review_items") == 1


def test_failed_request_stores_no_answer_for_its_key(client, conn, session_id):
    path = f"/api/study_sessions/{session_id}/review"
    assert post_with_key(client, path, {"word_id": 999, "correct": True}, "k2").status_code == 404
    assert count(conn, "idempotency_keys") == 0
    assert post_with_key(client, path, {"word_id": 1, "correct": True}, "k2").status_code == 200


def test_session_creation_with_key_is_created_once(client, conn):
    body = {"group_id": 1, "study_activity_id": 1}
    ids = {post_with_key(client, "/study_sessions", body, "new-session").get_json()["id"] for _ in range(3)}
    assert len(ids) == 1 and count(conn, "study_sessions") == 1


def test_expired_key_is_a_new_request(client, conn, session_id):
    path = f"/api/study_sessions/{session_id}/review"
    post_with_key(client, path, {"word_id": 3, "correct": True}, "old")
    conn.execute("UPDATE idempotency_keys SET created_at = '2000-01-01T00:00:00Z'")
    assert "Idempotent-Replayed" not in post_with_key(client, path, {"word_id": 3, "correct": True}, "old").headers
    assert count(conn, "word_review_items") == 2
    assert count(conn, "idempotency_keys") == 1  # the expired answer was purged


@pytest.mark.parametrize("key", ["", "x" * 256, "ключ"])
def test_malformed_key_is_400(client, conn, key):
    before = snapshot(conn)
    response = client.post(
        "/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}, headers={"Idempotency-Key": key}
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in error_of(response)
    assert snapshot(conn) == before


def test_only_stored_feedback_counts_against_the_limit(limited_client, conn):
    """A class behind one address: refused requests (400, 404, 409) cost nobody a turn."""
    session = limited_client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()
    path = f"/api/study_sessions/{session['id']}/review"
    assert limited_client.post(path, json={"rating": 9}).status_code == 400
    assert limited_client.post("/api/study_sessions/999/review", json={"rating": 5}).status_code == 404
    assert limited_client.post(path, json={"rating": 5, "reviewer_id": 1}).status_code == 200
    assert limited_client.post(path, json={"rating": 5, "reviewer_id": 1}).status_code == 409
    assert limited_client.post(path, json={"rating": 5, "reviewer_id": 2}).status_code == 200
    assert limited_client.post(path, json={"rating": 5, "reviewer_id": 3}).status_code == 429
    assert count(conn, "session_feedback") == 2


def test_only_stored_answers_count_against_the_review_limit(limited_client, conn):
    session = limited_client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()
    path = f"/api/study_sessions/{session['id']}/review"
    for _ in range(3):
        assert limited_client.post(path, json={"word_id": 999, "correct": True}).status_code == 404
    statuses = [limited_client.post(path, json={"word_id": 1, "correct": True}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


@pytest.mark.slow  # 2,440 requests: about 7 s
def test_the_default_limits_let_a_class_of_forty_behind_one_address_study(app, conn):
    """40 learners share one address: each starts a session, answers a word list as fast as
    a fast typist does (60 answers in the minute) and leaves feedback, all within a minute."""
    classroom = make_app(app.config["DATABASE"], RATELIMIT_ENABLED=True).test_client()
    sessions = [
        classroom.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
        for _ in range(40)
    ]
    statuses = set()
    for session_id in sessions:
        path = f"/api/study_sessions/{session_id}/review"
        for i in range(60):
            statuses.add(classroom.post(path, json={"word_id": 1 + i % 12, "correct": True}).status_code)
        statuses.add(classroom.post(path, json={"rating": 5, "comments": "楽しかった"}).status_code)
    assert statuses == {200}
    assert count(conn, "session_feedback") == 40
    assert count(conn, "word_review_items") == 2400


def test_window_counters_forget_a_window_when_it_ends(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    counters = ratelimit.WindowCounters()
    assert [counters.incr("a", 60) for _ in range(3)] == [1, 2, 3]
    assert counters.get("a") == 3 and counters.get_expiry("a") == 1060.0
    clock[0] = 1060.0
    assert counters.get("a") == 0
    assert counters.incr("a", 60) == 1 and counters.get_expiry("a") == 1120.0


def test_window_counters_sweep_addresses_that_never_return(monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    counters = ratelimit.WindowCounters()
    for n in range(ratelimit.SWEEP_EVERY - 1):
        counters.incr(f"address {n}", 60)
    clock[0] = 61.0
    counters.incr("late", 60)  # the 1000th increment sweeps the ended windows
    assert list(counters.counts) == ["late"]
