"""CORS as the test client sees it (a real browser checks the same in tests/slow)."""

import pytest

from tests.helpers import make_app


@pytest.mark.parametrize(
    "origin", ["http://localhost:5173", "http://127.0.0.1:5173", "http://localhost:8080", "http://127.0.0.1:8080"]
)
def test_development_origins_are_allowed(client, origin):
    response = client.get("/api/words/1", headers={"Origin": origin})
    assert response.headers["Access-Control-Allow-Origin"] == origin


def test_unknown_origin_gets_no_allow_origin(client):
    response = client.get("/api/words/1", headers={"Origin": "http://evil.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_for_a_json_post_succeeds(client):
    response = client.options(
        "/study_sessions/1/review",
        headers={
            "Origin": "http://127.0.0.1:8080",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8080"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


@pytest.mark.parametrize(
    ("method", "path"), [("get", "/api/words/999"), ("post", "/api/study_sessions"), ("get", "/nope")]
)
def test_error_responses_carry_cors_headers(client, method, path):
    response = getattr(client, method)(path, headers={"Origin": "http://localhost:5173"})
    assert response.status_code >= 400
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"


def test_origins_are_configurable_and_activity_origins_always_allowed(database):
    app = make_app(database, CORS_ORIGINS=("https://portal.example.org",))
    client = app.test_client()
    allowed = client.get("/api/health", headers={"Origin": "https://portal.example.org"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://portal.example.org"
    dev = client.get("/api/health", headers={"Origin": "http://localhost:5173"})
    assert "Access-Control-Allow-Origin" not in dev.headers
    activity = client.get("/api/health", headers={"Origin": "http://localhost:8080"})
    assert activity.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
