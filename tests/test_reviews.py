"""POST/PUT /study_sessions/:id/review in its three body forms, and the per-word review path."""

import json

import pytest

from lib.domain import counters
from tests.helpers import count, error_of, snapshot

BIG = 2**63


def review(client, session_id, body, method="post"):
    # json.dumps escapes non-ASCII, so a lone surrogate travels as valid JSON text.
    send = getattr(client, method)
    return send(f"/api/study_sessions/{session_id}/review", data=json.dumps(body), content_type="application/json")


# --- form 1: a word review ----------------------------------------------------------


@pytest.mark.parametrize("correct", [True, False, 1, 0])
def test_word_review_stores_and_returns_raw_row(client, conn, session_id, correct):
    response = client.post(f"/study_sessions/{session_id}/review", json={"word_id": 5, "correct": correct})
    assert response.status_code == 200
    body = response.get_json()
    row = conn.execute("SELECT * FROM word_review_items WHERE id = ?", (body["id"],)).fetchone()
    assert body == {
        "id": row["id"],
        "study_session_id": session_id,
        "word_id": 5,
        "correct": bool(correct),
        "grade": 3 if correct else 1,
        "duration_ms": None,
        "response": None,
        "created_at": row["created_at"],
    }
    assert (row["correct"], row["grade"]) == (int(correct), 3 if correct else 1)


def test_word_review_updates_totals_in_step(client, conn, session_id):
    for correct in (True, True, False):
        review(client, session_id, {"word_id": 7, "correct": correct})
    word = client.get("/api/words/7").get_json()["word"]
    assert (word["correct_count"], word["wrong_count"]) == (2, 1)
    assert counters.counter_mismatches(conn) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"word_id": 1}, "correct"),
        ({"correct": True}, "word_id"),
        ({"word_id": 1, "correct": "true"}, "correct"),
        ({"word_id": 1, "correct": "yes"}, "correct"),
        ({"word_id": 1, "correct": 2}, "correct"),
        ({"word_id": 1, "correct": 1.0}, "correct"),
        ({"word_id": 1, "correct": None}, "correct"),
        ({"word_id": True, "correct": True}, "word_id"),
        ({"word_id": 1.5, "correct": True}, "word_id"),
        ({"word_id": "1", "correct": True}, "word_id"),
        ({"word_id": 0, "correct": True}, "word_id"),
        ({"word_id": -1, "correct": True}, "word_id"),
        ({"word_id": BIG, "correct": True}, "word_id"),
        ({"word_id": 10**30, "correct": True}, "word_id"),
        ({"word_id": 1, "correct": True, "is_correct": True}, "is_correct"),
        ({"word_id": 1, "correct": True, "corect": False}, "corect"),
    ],
)
def test_bad_word_review_is_400_and_writes_nothing(client, conn, session_id, body, field):
    before = snapshot(conn)
    response = review(client, session_id, body)
    assert response.status_code == 400
    assert field in response.get_json()["details"]
    assert field in error_of(response)
    assert snapshot(conn) == before


def test_word_review_of_unknown_word_is_404(client, conn, session_id):
    response = review(client, session_id, {"word_id": 4242, "correct": True})
    assert response.status_code == 404
    assert error_of(response) == "Word 4242 not found."
    assert count(conn, "word_review_items") == 0


@pytest.mark.parametrize(
    "body",
    [
        {"word_id": 1, "correct": True},
        {"word_id": 4242, "correct": True},
        {"reviews": [{"word_id": 4242, "correct": True}]},
        {"rating": 5},
    ],
)
def test_unknown_session_is_404_before_the_bodys_references(client, conn, body):
    before = snapshot(conn)
    response = review(client, 31337, body)
    assert response.status_code == 404
    assert error_of(response) == "Study session 31337 not found."
    assert snapshot(conn) == before


# --- form 2: a batch ----------------------------------------------------------------


def test_batch_stores_every_review_in_order(client, conn, session_id):
    body = {
        "reviews": [{"word_id": 1, "correct": True}, {"word_id": 2, "is_correct": False}, {"word_id": 1, "correct": 0}]
    }
    response = review(client, session_id, body)
    assert response.status_code == 200
    result = response.get_json()
    assert result["study_session_id"] == session_id
    assert [(i["word_id"], i["correct"]) for i in result["items"]] == [(1, True), (2, False), (1, False)]
    assert count(conn, "word_review_items") == 3
    assert counters.counter_mismatches(conn) == []


def test_batch_with_one_unknown_word_writes_nothing(client, conn, session_id):
    before = snapshot(conn)
    response = review(
        client, session_id, {"reviews": [{"word_id": 1, "correct": True}, {"word_id": 999, "correct": True}]}
    )
    assert response.status_code == 404
    assert error_of(response) == "Word 999 not found."
    assert snapshot(conn) == before


@pytest.mark.parametrize(
    ("reviews", "field"),
    [
        ([], "reviews"),
        ({"word_id": 1}, "reviews"),
        ("1,2", "reviews"),
        ([{"word_id": 1, "correct": True}] * 501, "reviews"),
        ([{"word_id": 1, "correct": True}, 7], "reviews[1]"),
        ([{"word_id": 1, "correct": True}, {"word_id": 2}], "reviews[1].correct"),
        ([{"word_id": 1, "correct": "no"}], "reviews[0].correct"),
        ([{"word_id": True, "correct": True}], "reviews[0].word_id"),
    ],
)
def test_bad_batch_is_400_naming_the_item_and_writes_nothing(client, conn, session_id, reviews, field):
    before = snapshot(conn)
    response = review(client, session_id, {"reviews": reviews})
    assert response.status_code == 400
    assert field in response.get_json()["details"]
    assert snapshot(conn) == before


def test_batch_of_500_is_accepted(client, conn, session_id):
    response = review(
        client, session_id, {"reviews": [{"word_id": 1 + i % 27, "correct": i % 3 == 0} for i in range(500)]}
    )
    assert response.status_code == 200
    assert count(conn, "word_review_items") == 500
    assert counters.counter_mismatches(conn) == []


# --- form 3: session feedback -------------------------------------------------------


def test_feedback_returns_raw_row_and_a_second_is_409(client, conn, session_id):
    response = client.post(f"/api/study-sessions/{session_id}/review", json={"rating": 5, "comments": "よかった"})
    assert response.status_code == 200
    body = response.get_json()
    assert body == {
        "id": body["id"],
        "study_session_id": session_id,
        "reviewer_id": None,
        "rating": 5,
        "comments": "よかった",
        "created_at": body["created_at"],
        "updated_at": body["created_at"],
    }
    again = client.post(f"/api/study-sessions/{session_id}/review", json={"rating": 1})
    assert again.status_code == 409
    assert again.get_json()["existing_review_id"] == body["id"]
    assert f"review {body['id']}" in error_of(again)
    assert count(conn, "session_feedback") == 1


def test_feedback_is_one_per_reviewer(client, conn, session_id):
    assert review(client, session_id, {"rating": 4, "reviewer_id": 1}).status_code == 200
    assert review(client, session_id, {"rating": 3, "reviewer_id": 2}).status_code == 200
    assert review(client, session_id, {"rating": 3}).status_code == 200
    assert review(client, session_id, {"rating": 2, "reviewer_id": 2}).status_code == 409
    assert review(client, session_id, {"rating": 2, "reviewer_id": None}).status_code == 409
    items = client.get(f"/api/study_sessions/{session_id}/reviews").get_json()["items"]
    assert [(i["reviewer_id"], i["rating"]) for i in items] == [(1, 4), (2, 3), (None, 3)]


def test_put_updates_the_feedback_and_its_updated_at(client, conn, session_id):
    created = review(client, session_id, {"rating": 2, "comments": "hard", "reviewer_id": 9}).get_json()
    conn.execute("UPDATE session_feedback SET updated_at = '2000-01-01T00:00:00Z'")
    response = review(client, session_id, {"rating": 4, "comments": "better", "reviewer_id": 9}, method="put")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["id"], body["rating"], body["comments"], body["created_at"]) == (
        created["id"],
        4,
        "better",
        created["created_at"],
    )
    assert body["updated_at"] != "2000-01-01T00:00:00Z"
    assert count(conn, "session_feedback") == 1


def test_put_without_a_review_is_404(client, conn, session_id):
    response = review(client, session_id, {"rating": 4}, method="put")
    assert response.status_code == 404
    assert "POST" in error_of(response)
    assert count(conn, "session_feedback") == 0


@pytest.mark.parametrize("body", [{"word_id": 1, "correct": True}, {"reviews": [{"word_id": 1, "correct": True}]}])
def test_put_accepts_only_the_feedback_form(client, session_id, body):
    response = review(client, session_id, body, method="put")
    assert response.status_code == 400
    assert "rating" in error_of(response)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, None),
        ({"comments": "no rating"}, "rating"),
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({"rating": True}, "rating"),
        ({"rating": "5"}, "rating"),
        ({"rating": 5, "comments": 12}, "comments"),
        ({"rating": 5, "comments": "x" * 2001}, "comments"),
        ({"rating": 5, "comments": "\ud800"}, "comments"),
        ({"rating": 5, "reviewer_id": 0}, "reviewer_id"),
        ({"rating": 5, "reviewer_id": "me"}, "reviewer_id"),
        ({"rating": 5, "reviewer_id": BIG}, "reviewer_id"),
        ({"rating": 5, "comment": "typo in the field name"}, "comment"),
    ],
)
def test_bad_feedback_is_400_and_writes_nothing(client, conn, session_id, body, field):
    before = snapshot(conn)
    response = review(client, session_id, body)
    assert response.status_code == 400
    error_of(response)
    if field:
        assert field in response.get_json()["details"]
    assert snapshot(conn) == before


def test_comments_of_exactly_2000_characters_are_kept(client, session_id):
    response = review(client, session_id, {"rating": 3, "comments": "語" * 2000})
    assert response.status_code == 200
    assert response.get_json()["comments"] == "語" * 2000


# --- mixing forms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"word_id": 1, "correct": True, "rating": 5},
        {"reviews": [], "rating": 5},
        {"word_id": 1, "correct": True, "reviews": [{"word_id": 1, "correct": True}]},
        {"something": "else"},
    ],
)
def test_body_mixing_forms_or_matching_none_is_400(client, conn, session_id, body):
    before = snapshot(conn)
    response = review(client, session_id, body)
    assert response.status_code == 400
    assert "three forms" in error_of(response)
    assert snapshot(conn) == before


# --- POST /study_sessions/:id/words/:word_id/review -----------------------------------


def test_per_word_review_path_adds_success(client, conn, session_id):
    response = client.post(f"/api/study-sessions/{session_id}/words/3/review", json={"correct": False})
    assert response.status_code == 200
    body = response.get_json()
    assert body["success"] is True
    assert (body["word_id"], body["correct"], body["study_session_id"]) == (3, False, session_id)
    assert count(conn, "word_review_items") == 1


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/study_sessions/{s}/words/3/review", {}, 400),
        ("/api/study_sessions/{s}/words/3/review", {"correct": "false"}, 400),
        ("/api/study_sessions/{s}/words/9999/review", {"correct": True}, 404),
        ("/api/study_sessions/9999/words/3/review", {"correct": True}, 404),
    ],
)
def test_per_word_review_errors(client, conn, session_id, path, body, status):
    response = client.post(path.format(s=session_id), json=body)
    assert response.status_code == status
    error_of(response)
    assert count(conn, "word_review_items") == 0
