"""Learners: their own history, figures, time zone and learning day."""

from datetime import UTC, datetime

import pytest

from lib import db, schema
from lib.domain import clock, counters, vocabulary
from tests.helpers import count, error_of, make_app, sqlite_only


def new_learner(client, **fields):
    response = client.post("/api/learners", json={"name": "Aiko", **fields})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def start(client, learner_id=None, group_id=1):
    body = {"group_id": group_id, "study_activity_id": 1}
    if learner_id is not None:
        body["learner_id"] = learner_id
    response = client.post("/api/study_sessions", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


def answer(client, session_id, word_id, correct=True):
    response = client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": word_id, "correct": correct})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- the learners resource ------------------------------------------------------------


def test_learner_1_exists_on_utc_days_from_midnight(client):
    body = client.get("/api/learners").get_json()
    assert [(x["id"], x["name"], x["timezone"], x["day_start_hour"]) for x in body["items"]] == [
        (1, "Learner 1", "UTC", 0)
    ]
    assert body["total"] == 1


def test_a_new_learner_starts_on_utc_with_a_4am_day(client):
    learner = new_learner(client)
    assert {k: learner[k] for k in ("id", "name", "timezone", "day_start_hour")} == {
        "id": 2,
        "name": "Aiko",
        "timezone": "UTC",
        "day_start_hour": 4,
    }
    assert client.get("/api/learners/2").get_json() == learner


def test_put_changes_only_what_it_names(client):
    learner = new_learner(client, timezone="Asia/Tokyo")
    response = client.put(f"/api/learners/{learner['id']}", json={"day_start_hour": 5})
    assert response.status_code == 200
    assert response.get_json() == {**learner, "day_start_hour": 5}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"name": "Aiko", "timezone": "Mars/Olympus_Mons"}, "timezone", "Mars/Olympus_Mons"),
        ({"name": "Aiko", "timezone": 9}, "timezone", "IANA"),
        ({"name": "Aiko", "day_start_hour": 24}, "day_start_hour", "0 to 23"),
        ({"name": "Aiko", "day_start_hour": True}, "day_start_hour", "0 to 23"),
        ({"name": "   "}, "name", "name"),
        ({"timezone": "UTC"}, "name", "required"),
        ({"name": "Aiko", "colour": "red"}, "colour", "not a field"),
    ],
)
def test_a_bad_learner_is_a_400_naming_the_field(client, conn, body, field, words):
    response = client.post("/api/learners", json=body)
    assert response.status_code == 400
    assert words in response.get_json()["details"][field]
    assert count(conn, "learners") == 1


def test_an_empty_put_is_a_400(client):
    assert client.put("/api/learners/1", json={}).status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/learners/9", None),
        ("put", "/api/learners/9", {"name": "X"}),
        ("get", "/api/words?learner_id=9", None),
        ("get", "/api/words/1?learner_id=9", None),
        ("get", "/api/groups/1/words?learner_id=9", None),
        ("get", "/api/groups/1/words/raw?learner_id=9", None),
        ("get", "/api/groups/1/study_sessions?learner_id=9", None),
        ("get", "/api/study_sessions?learner_id=9", None),
        ("get", "/api/study_activities/1/sessions?learner_id=9", None),
        ("get", "/api/dashboard/stats?learner_id=9", None),
        ("get", "/api/dashboard/quick_stats?learner_id=9", None),
        ("get", "/api/dashboard/study_progress?learner_id=9", None),
        ("get", "/api/dashboard/recent_session?learner_id=9", None),
        ("post", "/api/study_sessions", {"group_id": 1, "study_activity_id": 1, "learner_id": 9}),
    ],
)
def test_an_unknown_learner_is_a_json_404(client, conn, method, path, body):
    response = getattr(client, method)(path, json=body)
    assert response.status_code == 404
    assert error_of(response) == "Learner 9 not found."
    assert count(conn, "study_sessions") == 0


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.0", "9" * 30])
def test_a_malformed_learner_id_is_a_400(client, value):
    response = client.get(f"/api/dashboard/stats?learner_id={value}")
    assert response.status_code == 400 and "learner_id" in error_of(response)


# --- isolation ---------------------------------------------------------------------------

LEARNER_1_READS = [
    "/api/words?sort_by=correct_count&order=desc",
    "/api/words/1",
    "/api/groups/1/words?sort_by=wrong_count",
    "/api/groups/1/words/raw",
    "/api/groups/1/study_sessions",
    "/api/study_sessions",
    "/api/study_activities/1/sessions",
    "/api/dashboard/stats",
    "/api/dashboard/quick_stats",
    "/api/dashboard/study_progress",
    "/api/dashboard/recent_session",
]


def learner_1_figures(client):
    return {path: client.get(path).get_data() for path in LEARNER_1_READS}


def test_another_learners_history_leaves_learner_1_byte_identical(client, conn):
    session = start(client)
    for word, correct in [(1, True), (1, False), (2, True)]:
        answer(client, session, word, correct)
    client.post(f"/api/study_sessions/{session}/review", json={"rating": 4})
    before = learner_1_figures(client)

    other = new_learner(client)["id"]
    for group in (1, 2):
        theirs = start(client, other, group_id=group)
        client.post(
            f"/api/study_sessions/{theirs}/review",
            json={"reviews": [{"word_id": w, "correct": True} for w in (1, 2, 3, 13)] * 2},
        )
        assert client.post(f"/api/study_sessions/{theirs}/review", json={"rating": 2}).status_code == 200

    assert learner_1_figures(client) == before
    stats = client.get(f"/api/dashboard/stats?learner_id={other}").get_json()
    assert (stats["total_sessions"], stats["total_words_studied"], stats["active_groups"]) == (2, 4, 2)
    word = client.get(f"/api/words/1?learner_id={other}").get_json()["word"]
    assert (word["correct_count"], word["wrong_count"]) == (4, 0)
    assert counters.counter_mismatches(conn) == []


def test_answers_and_feedback_inherit_the_sessions_learner(client, conn):
    other = new_learner(client)["id"]
    session = start(client, other)
    answer(client, session, 5)
    client.post(f"/api/study_sessions/{session}/words/6/review", json={"correct": False})
    client.post(f"/api/study_sessions/{session}/review", json={"reviews": [{"word_id": 7, "correct": True}]})
    learners = {r["learner_id"] for r in conn.execute("SELECT learner_id FROM word_review_items")}
    assert learners == {other}
    assert client.get("/api/study_sessions").get_json()["total"] == 0
    assert client.get(f"/api/study_sessions?learner_id={other}").get_json()["items"][0]["learner_id"] == other


def test_check_db_recounts_every_learners_counters(client, conn, runner):
    for _ in range(3):
        learner = new_learner(client)["id"]
        session = start(client, learner)
        for word in (1, 2, 2, 3):
            answer(client, session, word, word != 2)
    answer(client, start(client), 1)
    assert runner.invoke(args=["check-db"]).exit_code == 0
    conn.execute("UPDATE word_stats SET correct_count = correct_count + 1 WHERE learner_id = 3 AND word_id = 1")
    result = runner.invoke(args=["check-db"])
    assert result.exit_code == 1 and "word_stats" in result.output


def test_the_resets_keep_learners_and_full_reset_keeps_learner_1_only(client, conn):
    learner = new_learner(client, timezone="Asia/Tokyo")["id"]
    answer(client, start(client, learner), 1)
    assert client.post("/api/reset_history", json={}).status_code == 200
    assert count(conn, "learners") == 2 and count(conn, "word_review_items") == 0
    assert counters.counter_mismatches(conn) == []
    assert client.post("/api/full_reset", json={}).status_code == 200
    assert [r["id"] for r in conn.execute("SELECT id FROM learners")] == [1]
    assert counters.counter_mismatches(conn) == []


# --- learning days ---------------------------------------------------------------------


@pytest.fixture
def at(monkeypatch):
    """Set the time the app sees: at("2026-11-20T23:00:00+09:00")."""

    def set_time(moment):
        fixed = datetime.fromisoformat(moment).astimezone(UTC)
        monkeypatch.setattr(clock, "now", lambda: fixed)

    return set_time


def test_a_tokyo_learners_days_roll_over_at_4am_local(client, conn, at):
    learner = new_learner(client, timezone="Asia/Tokyo", day_start_hour=4)["id"]
    at("2026-11-19T09:00:00+09:00")  # 00:00 UTC on the 19th
    session = start(client, learner)
    answer(client, session, 1)
    at("2026-11-20T02:00:00+09:00")  # before 4:00: still the 19th's learning day
    answer(client, session, 2)
    at("2026-11-20T23:00:00+09:00")  # the 20th
    answer(client, session, 3)
    at("2026-11-21T02:00:00+09:00")  # the 20th still
    answer(client, session, 4)
    days = conn.execute("SELECT day, reviews FROM review_days WHERE learner_id = ? ORDER BY day", (learner,))
    assert [tuple(r.values()) for r in days] == [("2026-11-19", 2), ("2026-11-20", 2)]

    at("2026-11-21T10:00:00+09:00")  # the 21st: nothing yet today, the run up to yesterday counts
    stats = client.get(f"/api/dashboard/stats?learner_id={learner}").get_json()
    assert stats["current_streak"] == 2
    at("2026-11-22T03:59:00+09:00")  # still the 21st
    assert client.get(f"/api/dashboard/stats?learner_id={learner}").get_json()["current_streak"] == 2
    at("2026-11-22T04:00:00+09:00")  # the 22nd: the 20th is two days back, the run is over
    assert client.get(f"/api/dashboard/stats?learner_id={learner}").get_json()["current_streak"] == 0
    assert counters.counter_mismatches(conn) == []


def test_local_days_differ_from_utc_days(client, conn, at):
    """08:00 in Tokyo is 23:00 UTC the evening before: on UTC days two mornings would be
    one day; on the learner's days they are two, and the streak says so."""
    tokyo = new_learner(client, timezone="Asia/Tokyo", day_start_hour=4)["id"]
    at("2026-11-20T08:00:00+09:00")
    session = start(client, tokyo)
    answer(client, session, 1)
    at("2026-11-20T23:30:00+00:00")  # 08:30 on the 21st in Tokyo, still the 20th in UTC
    answer(client, session, 2)
    assert client.get(f"/api/dashboard/stats?learner_id={tokyo}").get_json()["current_streak"] == 2
    assert client.get(f"/api/dashboard/quick_stats?learner_id={tokyo}").get_json()["study_streak_days"] == 2


def test_active_groups_count_the_learners_last_30_learning_days(client, conn, at):
    at("2026-10-01T12:00:00+00:00")
    start(client, group_id=1)
    at("2026-10-20T12:00:00+00:00")
    start(client, group_id=2)
    at("2026-10-30T12:00:00+00:00")  # day 30 counting 2026-10-01 as day 1
    assert client.get("/api/dashboard/stats").get_json()["active_groups"] == 2
    at("2026-10-31T12:00:00+00:00")
    assert client.get("/api/dashboard/stats").get_json()["active_groups"] == 1


def test_a_changed_time_zone_counts_from_then_on(client, conn, at):
    learner = new_learner(client)["id"]
    at("2026-11-20T22:00:00+00:00")
    session = start(client, learner)
    answer(client, session, 1)
    client.put(f"/api/learners/{learner}", json={"timezone": "Asia/Tokyo"})
    answer(client, session, 2)  # 07:00 on the 21st in Tokyo
    days = [r["learning_day"] for r in conn.execute("SELECT learning_day FROM word_review_items ORDER BY id")]
    assert days == ["2026-11-20", "2026-11-21"]


# --- the upgrade ---------------------------------------------------------------------------


@sqlite_only
def test_an_existing_history_becomes_learner_1s_with_the_same_figures(database):
    conn = db.connect(database)
    schema.migrate(conn, target=6)
    vocabulary.add_words(
        conn,
        "Old Group",
        [{"kanji": "猫", "romaji": "neko", "english": "cat"}, {"kanji": "犬", "romaji": "inu", "english": "dog"}],
    )
    conn.execute("INSERT INTO study_activities (name, url) VALUES ('Old App', 'http://localhost:9000')")
    conn.execute(
        "INSERT INTO study_sessions (group_id, study_activity_id, created_at) VALUES (1, 1, '2026-01-02T03:04:05Z')"
    )
    for word, correct, when in [
        (1, 1, "2026-01-02T03:05:00Z"),
        (1, 0, "2026-01-03T10:00:00Z"),
        (2, 1, "2026-01-03T11:00:00Z"),
    ]:
        conn.execute(
            "INSERT INTO word_review_items (study_session_id, word_id, correct, created_at) VALUES (1, ?, ?, ?)",
            (word, correct, when),
        )
    conn.execute(
        "INSERT INTO session_feedback (study_session_id, rating, created_at, updated_at) VALUES (1, 5, 'x', 'x')"
    )
    totals = conn.execute("SELECT * FROM totals").fetchone()
    assert schema.migrate(conn) == list(range(7, schema.latest_version() + 1))
    assert counters.counter_mismatches(conn) == []
    learner_1 = conn.execute("SELECT * FROM learner_totals WHERE learner_id = 1").fetchone()
    assert {k: learner_1[k] for k in totals if k in learner_1} == {k: totals[k] for k in totals if k in learner_1}
    days = conn.execute("SELECT day, reviews, run_start FROM review_days ORDER BY day").fetchall()
    assert [tuple(d.values()) for d in days] == [("2026-01-02", 1, "2026-01-02"), ("2026-01-03", 2, "2026-01-02")]
    conn.close()
    client = make_app(database).test_client()
    assert client.get("/api/words/1").get_json()["word"]["correct_count"] == 1
    assert client.get("/api/study_sessions").get_json()["items"][0]["learner_id"] == 1
