"""The Host header (lib/web/hosts.py): only the server's own names are served, in both
modes, and the identities the API writes come from LANG_PORTAL_PUBLIC_URL."""

import pytest

from lib.web import hosts
from tests.helpers import error_of, make_app


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/words"), ("POST", "/api/study_sessions"), ("GET", "/no/such/path"), ("GET", "/api/health")],
)
def test_a_request_for_another_host_is_a_400_and_writes_nothing(client, conn, method, path):
    response = client.open(
        path, method=method, json={"group_id": 1, "study_activity_id": 1}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 400
    assert "does not answer to the host 'evil.example'" in error_of(response)
    assert conn.scalar("SELECT count(*) FROM study_sessions") == 0


@pytest.mark.parametrize("host", ["localhost", "localhost:5000", "127.0.0.1:8080", "[::1]:5000", "LOCALHOST"])
def test_the_local_names_with_any_port_are_served(client, host):
    assert client.get("/api/health", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("header", ["", "exa mple", "localhost:99999", "localhost:", "[::1", "a/b"])
def test_a_host_header_that_names_no_host_is_refused(client, header):
    assert hosts.host_of(header) is None
    assert client.get("/api/health", headers={"Host": header}).status_code == 400


def test_the_public_url_and_the_trusted_hosts_are_served(tmp_path):
    app = make_app(tmp_path / "w.db", PUBLIC_URL="https://portal.school.example", HOSTS=frozenset({"lp.internal"}))
    from app import prepare_database

    prepare_database(app)
    client = app.test_client()
    for host in ("portal.school.example", "lp.internal:8000", "127.0.0.1"):
        assert client.get("/api/health", headers={"Host": host}).status_code == 200, host
    assert client.get("/api/health", headers={"Host": "school.example"}).status_code == 400


def test_xapi_identities_come_from_the_public_url_not_the_request(tmp_path):
    app = make_app(tmp_path / "w.db", PUBLIC_URL="https://portal.school.example")
    from app import prepare_database

    prepare_database(app)
    client = app.test_client()
    session = client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()
    client.post(f"/api/study_sessions/{session['id']}/review", json={"word_id": 1, "correct": True})
    for host in ("localhost", "127.0.0.1:5000"):
        statements = client.get("/api/xapi/statements", headers={"Host": host}).get_json()["statements"]
        assert statements[0]["actor"]["account"]["homePage"] == "https://portal.school.example"
        assert statements[0]["object"]["id"] == "https://portal.school.example/api/words/1"
