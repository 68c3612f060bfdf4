import pytest

from tests.helpers import count, error_of, snapshot

BIG = 2**63


def test_create_session_returns_raw_row_and_session_id(client, conn):
    response = client.post("/study_sessions", json={"group_id": 1, "study_activity_id": 1})
    assert response.status_code == 200
    body = response.get_json()
    row = conn.execute("SELECT * FROM study_sessions WHERE id = ?", (body["id"],)).fetchone()
    assert body == {
        "id": row["id"],
        "group_id": 1,
        "study_activity_id": 1,
        "learner_id": 1,
        "created_at": row["created_at"],
        "session_id": row["id"],
    }
    assert row["created_at"].endswith("Z") and "T" in row["created_at"]


def test_activity_id_is_a_synonym_of_study_activity_id(client):
    response = client.post("/api/study_sessions", json={"group_id": 2, "activity_id": 1})
    assert response.status_code == 200
    assert response.get_json()["study_activity_id"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "group_id"),
        ({"study_activity_id": 1}, "group_id"),
        ({"group_id": 1}, "study_activity_id"),
        ({"group_id": True, "study_activity_id": 1}, "group_id"),
        ({"group_id": 1.0, "study_activity_id": 1}, "group_id"),
        ({"group_id": "1", "study_activity_id": 1}, "group_id"),
        ({"group_id": 0, "study_activity_id": 1}, "group_id"),
        ({"group_id": -3, "study_activity_id": 1}, "group_id"),
        ({"group_id": BIG, "study_activity_id": 1}, "group_id"),
        ({"group_id": None, "study_activity_id": 1}, "group_id"),
        ({"group_id": [1], "study_activity_id": 1}, "group_id"),
        ({"group_id": 1, "study_activity_id": {"id": 1}}, "study_activity_id"),
        ({"group_id": 1, "study_activity_id": 1, "activity_id": 2}, "activity_id"),
        ({"group_id": 1, "study_activity_id": 1, "activity_id": 1}, "activity_id"),
        ({"group_id": 1, "study_activity_id": 1, "groupid": 1}, "groupid"),
    ],
)
def test_bad_session_body_is_400_naming_the_field(client, conn, body, field):
    before = snapshot(conn)
    response = client.post("/api/study_sessions", json=body)
    assert response.status_code == 400
    assert field in error_of(response)
    assert field in response.get_json()["details"]
    assert snapshot(conn) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"group_id": 999, "study_activity_id": 1}, "Group 999 not found."),
        ({"group_id": 1, "study_activity_id": 999}, "Study activity 999 not found."),
        ({"group_id": BIG - 1, "study_activity_id": 1}, f"Group {BIG - 1} not found."),
    ],
)
def test_session_for_unknown_group_or_activity_is_404(client, conn, body, message):
    response = client.post("/api/study_sessions", json=body)
    assert response.status_code == 404
    assert error_of(response) == message
    assert count(conn, "study_sessions") == 0


def test_list_sessions_newest_first_with_counts(client, session_id):
    second = client.post("/api/study_sessions", json={"group_id": 2, "study_activity_id": 1}).get_json()["id"]
    client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 1, "correct": True})
    client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 2, "correct": False})
    body = client.get("/api/study_sessions").get_json()
    assert [s["id"] for s in body["items"]] == [second, session_id]
    assert (body["total"], body["page"], body["total_pages"]) == (2, 1, 1)
    first = body["items"][1]
    assert first["group_name"] == "Adjectives" and first["activity_name"] == "Typing Tutor"
    assert first["activity_id"] == first["study_activity_id"] == 1
    assert (first["review_items_count"], first["correct_count"], first["wrong_count"]) == (2, 1, 1)
    assert first["end_time"] is not None and body["items"][0]["end_time"] is None


@pytest.mark.parametrize("key", ["start_time", "startTime", "end_time", "endTime", "group_name", "activity_name", "id"])
def test_sessions_sort_by_frontend_keys(client, session_id, key):
    response = client.get(f"/api/study_sessions?sort_by={key}&order=asc")
    assert response.status_code == 200


def test_sessions_unknown_sort_key_lists_allowed(client):
    response = client.get("/api/study_sessions?sort_by=password")
    assert response.status_code == 400
    assert "startTime" in error_of(response)


def test_show_session_has_its_words_with_this_sessions_counts(client, session_id):
    other = client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
    client.post(f"/api/study_sessions/{other}/review", json={"word_id": 1, "correct": True})
    for correct in (True, False, False):
        client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 1, "correct": correct})
    body = client.get(f"/api/study_sessions/{session_id}").get_json()
    assert body["session"]["id"] == session_id
    assert [(w["id"], w["correct_count"], w["wrong_count"]) for w in body["words"]] == [(1, 1, 2)]
    assert body["total"] == 1 and body["total_pages"] == 1
    assert isinstance(body["words"][0]["parts"], list)


def test_session_words_pagination_shape(client, session_id):
    for word_id in (3, 1, 2):
        client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": word_id, "correct": True})
    body = client.get(f"/api/study_sessions/{session_id}/words?per_page=2&page=2").get_json()
    assert [w["id"] for w in body["items"]] == [2]
    assert body["pagination"] == {"current_page": 2, "total_pages": 2, "total_items": 3, "items_per_page": 2}


def test_empty_session_lists_no_words_but_one_page(client, session_id):
    body = client.get(f"/api/study_sessions/{session_id}/words").get_json()
    assert body["items"] == [] and body["pagination"]["total_pages"] == 1


@pytest.mark.parametrize("suffix", ["", "/words", "/reviews"])
def test_unknown_session_is_404(client, suffix):
    response = client.get(f"/api/study_sessions/77{suffix}")
    assert response.status_code == 404
    assert error_of(response) == "Study session 77 not found."
