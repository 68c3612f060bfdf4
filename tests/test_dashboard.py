from datetime import UTC, datetime, timedelta

import pytest

from lib import db
from lib.domain import counters
from tests.helpers import SEED_WORDS


def days_ago(n):
    return (datetime.now(UTC) - timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%SZ")


def add_review(conn, session_id, word_id, correct, when):
    """An answer of learner 1 (UTC days from midnight) recorded at when."""
    with db.transaction(conn):
        conn.execute(
            "INSERT INTO word_review_items "
            "(study_session_id, learner_id, word_id, correct, grade, created_at, learning_day) "
            "VALUES (?, 1, ?, ?, ?, ?, ?)",
            (session_id, word_id, int(correct), 3 if correct else 1, when, when[:10]),
        )


def test_recent_session_is_null_without_sessions(client):
    response = client.get("/api/dashboard/recent_session")
    assert response.status_code == 200
    assert response.get_data(as_text=True).strip() == "null"


@pytest.mark.parametrize("path", ["/dashboard/recent_session", "/dashboard/last_study_session"])
def test_recent_session_is_the_newest_with_counts(client, session_id, path):
    newest = client.post("/study_sessions", json={"group_id": 2, "study_activity_id": 1}).get_json()
    client.post(f"/study_sessions/{newest['id']}/review", json={"word_id": 20, "correct": True})
    client.post(f"/study_sessions/{newest['id']}/review", json={"word_id": 21, "correct": False})
    assert client.get(path).get_json() == {
        "id": newest["id"],
        "group_id": 2,
        "group_name": "Verbs",
        "activity_id": 1,
        "study_activity_id": 1,
        "activity_name": "Typing Tutor",
        "created_at": newest["created_at"],
        "correct_count": 1,
        "wrong_count": 1,
    }


def test_stats_of_an_empty_history(client):
    assert client.get("/api/dashboard/stats").get_json() == {
        "total_vocabulary": SEED_WORDS,
        "total_words_studied": 0,
        "mastered_words": 0,
        "success_rate": 0.0,
        "total_sessions": 0,
        "active_groups": 0,
        "current_streak": 0,
    }
    assert client.get("/api/dashboard/quick_stats").get_json() == {
        "success_rate": 0.0,
        "total_study_sessions": 0,
        "total_active_groups": 0,
        "study_streak_days": 0,
    }
    assert client.get("/api/dashboard/study_progress").get_json() == {
        "total_words_studied": 0,
        "total_available_words": SEED_WORDS,
    }


def test_stats_follow_the_definitions(client, conn, session_id):
    # word 1: 5 reviews, 4 correct (80%) -> mastered; word 2: 5 reviews, 3 correct -> not;
    # word 3: 4 correct reviews -> too few to be mastered.
    answers = [(1, c) for c in (1, 1, 1, 1, 0)] + [(2, c) for c in (1, 1, 1, 0, 0)] + [(3, 1)] * 4
    client.post(
        f"/api/study_sessions/{session_id}/review",
        json={"reviews": [{"word_id": w, "correct": bool(c)} for w, c in answers]},
    )
    old = client.post("/api/study_sessions", json={"group_id": 2, "study_activity_id": 1}).get_json()["id"]
    conn.execute(
        "UPDATE study_sessions SET created_at = ?, learning_day = ? WHERE id = ?",
        (days_ago(40), days_ago(40)[:10], old),
    )
    conn.execute("UPDATE learner_groups SET last_session_day = ? WHERE group_id = 2", (days_ago(40)[:10],))
    stats = client.get("/api/dashboard/stats").get_json()
    assert stats == {
        "total_vocabulary": SEED_WORDS,
        "total_words_studied": 3,
        "mastered_words": 1,
        "success_rate": 11 / 14,
        "total_sessions": 2,
        "active_groups": 1,
        "current_streak": 1,
    }
    quick = client.get("/api/dashboard/quick_stats").get_json()
    assert quick == {"success_rate": 78.6, "total_study_sessions": 2, "total_active_groups": 1, "study_streak_days": 1}
    assert client.get("/api/dashboard/study_progress").get_json()["total_words_studied"] == 3


def test_mastery_is_lost_when_accuracy_drops(client, conn, session_id):
    client.post(f"/api/study_sessions/{session_id}/review", json={"reviews": [{"word_id": 1, "correct": True}] * 5})
    assert client.get("/api/dashboard/stats").get_json()["mastered_words"] == 1
    client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 1, "correct": False})
    client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 1, "correct": False})
    assert client.get("/api/dashboard/stats").get_json()["mastered_words"] == 0
    assert counters.counter_mismatches(conn) == []


@pytest.mark.parametrize(
    ("days", "streak"),
    [
        ([0, 1, 2], 3),
        ([1, 2, 3], 3),  # nothing yet today: the streak ending yesterday still counts
        ([0, 2, 3], 1),
        ([2, 3], 0),
        ([0, 0, 1, 5], 2),
        ([], 0),
    ],
)
def test_streak_counts_consecutive_utc_days(client, conn, session_id, days, streak):
    for n in days:
        add_review(conn, session_id, 1, True, days_ago(n))
    assert client.get("/api/dashboard/stats").get_json()["current_streak"] == streak
    assert client.get("/api/dashboard/quick_stats").get_json()["study_streak_days"] == streak


@pytest.mark.parametrize("order", [[0, 1, 2, 4, 5], [5, 4, 2, 1, 0], [2, 0, 5, 1, 4], [4, 5, 0, 2, 1]])
def test_streak_runs_stay_right_whatever_order_days_arrive_in(client, conn, session_id, order):
    for n in order:
        add_review(conn, session_id, 1, True, days_ago(n))
    assert client.get("/api/dashboard/stats").get_json()["current_streak"] == 3
    assert counters.counter_mismatches(conn) == []
    add_review(conn, session_id, 1, True, days_ago(3))  # fills the gap: one run of six days
    assert client.get("/api/dashboard/stats").get_json()["current_streak"] == 6
    assert counters.counter_mismatches(conn) == []
