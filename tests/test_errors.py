import pytest

from lib.web.access import PUBLIC, allow
from tests.helpers import error_of, make_app


def test_unknown_path_is_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert "/api/docs" in error_of(response)


def test_wrong_method_is_json_405_with_allow_header(client):
    response = client.delete("/api/words")
    assert response.status_code == 405
    assert "DELETE is not allowed" in error_of(response)
    assert set(response.headers["Allow"].split(", ")) >= {"GET"}


def test_form_body_is_json_415(client):
    response = client.post("/api/study_sessions", data="group_id=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "application/json" in error_of(response)


@pytest.mark.parametrize("body", ["{", '{"group_id": 1,', "[1, 2", "NaN", '{"group_id": NaN}', "\xff"])
def test_malformed_json_is_400(client, conn, body):
    response = client.post("/api/study_sessions", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in error_of(response)
    assert conn.execute("SELECT count(*) AS n FROM study_sessions").fetchone()["n"] == 0


@pytest.mark.parametrize(
    ("body", "kind"), [("[]", "an array"), ('"x"', "a string"), ("1", "a number"), ("null", "null")]
)
def test_body_that_is_not_an_object_is_400(client, body, kind):
    response = client.post("/api/study_sessions", data=body, content_type="application/json")
    assert response.status_code == 400
    assert kind in error_of(response)


def test_missing_body_is_400(client):
    response = client.post("/api/study_sessions", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "JSON object" in error_of(response)


def test_a_write_without_a_json_content_type_is_415(client):
    response = client.post("/api/study_sessions")
    assert response.status_code == 415
    assert "Content-Type: application/json" in error_of(response)


def test_body_over_one_mebibyte_is_json_413(client):
    response = client.post(
        "/api/study_sessions/1/review",
        data=b'{"comments": "' + b"x" * (1024 * 1024) + b'"}',
        content_type="application/json",
    )
    assert response.status_code == 413
    assert "1 MiB" in error_of(response)


def test_unexpected_error_is_json_500_that_leaks_nothing(database, caplog):
    app = make_app(database)

    @app.get("/api/boom")
    @allow(PUBLIC)
    def boom():
        raise RuntimeError("secret detail at /srv/app.py line 7")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": "Internal server error"}
    assert "secret detail" in caplog.text  # the traceback goes to the log


def test_error_responses_are_utf8_json(client):
    response = client.get("/api/words/99999")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert error_of(response) == "Word 99999 not found."
