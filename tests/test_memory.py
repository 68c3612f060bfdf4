"""What to study next: graded answers, FSRS memory per learner and word, the study queue,
word history, the forecast, and the scheduler's evaluation and fit."""

import json
import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS

from lib import db, worker
from lib.domain import clock, fitting, memory
from tests.helpers import count, error_of, snapshot


@pytest.fixture
def at(monkeypatch):
    """Set the day the app sees (noon UTC on it)."""

    def set_day(day):
        fixed = datetime.fromisoformat(f"{day}T12:00:00+00:00").astimezone(UTC)
        monkeypatch.setattr(clock, "now", lambda: fixed)

    return set_day


def answer(client, session_id, word_id, **fields):
    response = client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": word_id, **fields})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def memory_rows(conn, learner_id=1):
    return conn.execute(
        f"SELECT word_id, {memory.MEMORY_COLUMNS} FROM word_stats WHERE learner_id = ? ORDER BY word_id",
        (learner_id,),
    ).fetchall()


# --- graded answers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "grade", "correct"),
    [
        ({"correct": True}, 3, True),
        ({"correct": False}, 1, False),
        ({"correct": 1}, 3, True),
        ({"grade": 1}, 1, False),
        ({"grade": 2}, 2, True),
        ({"grade": 4, "correct": True}, 4, True),
        ({"grade": 1, "is_correct": 0}, 1, False),
        ({"grade": 3, "duration_ms": 2500, "response": "taberu"}, 3, True),
    ],
)
def test_an_answer_keeps_its_grade(client, conn, session_id, fields, grade, correct):
    row = answer(client, session_id, 1, **fields)
    assert (row["grade"], row["correct"]) == (grade, correct)
    assert row["duration_ms"] == fields.get("duration_ms") and row["response"] == fields.get("response")
    stored = conn.execute("SELECT grade, correct FROM word_review_items WHERE id = ?", (row["id"],)).fetchone()
    assert stored == {"grade": grade, "correct": int(correct)}


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"grade": 1, "correct": True}, "grade", "does not agree"),
        ({"grade": 3, "correct": False}, "grade", "does not agree"),
        ({"grade": 5}, "grade", "1 to 4"),
        ({"grade": True}, "grade", "1 to 4"),
        ({"grade": "3"}, "grade", "1 to 4"),
        ({}, "correct", "or grade"),
        ({"grade": 3, "duration_ms": -1}, "duration_ms", "milliseconds"),
        ({"grade": 3, "duration_ms": 1.5}, "duration_ms", "milliseconds"),
        ({"grade": 3, "response": "x" * 501}, "response", "500"),
        ({"grade": 3, "response": "a\x00"}, "response", "control"),
    ],
)
def test_a_bad_answer_is_a_400_naming_the_field(client, conn, session_id, fields, field, words):
    response = client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 1, **fields})
    assert response.status_code == 400
    assert words in response.get_json()["details"][field]
    assert count(conn, "word_review_items") == 0


def test_a_batch_and_the_word_endpoint_take_grades_too(client, session_id):
    batch = client.post(
        f"/api/study_sessions/{session_id}/review",
        json={"reviews": [{"word_id": 1, "grade": 2}, {"word_id": 2, "is_correct": False, "grade": 1}]},
    ).get_json()
    assert [item["grade"] for item in batch["items"]] == [2, 1]
    single = client.post(f"/api/study_sessions/{session_id}/words/3/review", json={"grade": 4, "duration_ms": 900})
    assert single.status_code == 200 and single.get_json()["grade"] == 4


# --- memory -------------------------------------------------------------------------------


def test_a_words_memory_is_null_before_the_first_answer_then_kept(client, session_id, at):
    at("2026-03-01")
    assert client.get("/api/words/1").get_json()["word"]["memory"] is None
    answer(client, session_id, 1, grade=3)
    shown = client.get("/api/words/1").get_json()["word"]["memory"]
    assert shown["state"] == "review" and shown["reps"] == 1 and shown["lapses"] == 0
    assert shown["last_review"] == "2026-03-01" and shown["due"] > "2026-03-01"
    assert shown["retrievability"] == 1.0
    assert shown["stability"] == pytest.approx(DEFAULT_PARAMETERS[2])
    at("2026-03-20")
    answer(client, session_id, 1, grade=1)
    shown = client.get("/api/words/1").get_json()["word"]["memory"]
    assert (shown["reps"], shown["lapses"], shown["last_review"]) == (2, 1, "2026-03-20")


def test_each_learner_has_their_own_memory(client, conn, session_id):
    other = client.post("/api/learners", json={"name": "Ken"}).get_json()["id"]
    theirs = client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1, "learner_id": other})
    answer(client, theirs.get_json()["id"], 1, grade=4)
    assert client.get("/api/words/1").get_json()["word"]["memory"] is None
    assert client.get(f"/api/words/1?learner_id={other}").get_json()["word"]["memory"]["reps"] == 1


def test_rebuilding_from_the_log_gives_what_answers_gave_one_by_one(client, conn, runner, session_id, at):
    rng = random.Random(7)
    day = date(2026, 1, 1)
    for _ in range(120):
        day += timedelta(days=rng.choice([0, 0, 1, 2, 5]))
        at(day.isoformat())
        answer(client, session_id, rng.randint(1, 8), grade=rng.choice([1, 2, 3, 3, 3, 4]))
    one_by_one = memory_rows(conn)
    conn.execute("UPDATE word_stats SET stability = 99, due = '2000-01-01', reps = 0")
    result = runner.invoke(args=["reschedule", "--learner", "1"])
    assert result.exit_code == 0, result.output
    assert memory_rows(conn) == one_by_one


def test_the_numpy_model_predicts_what_py_fsrs_does():
    """lib/domain/fitting.py's FSRS, over every word at once, against py-fsrs one answer at a time."""
    rng = random.Random(3)
    sequences, expected = [], []
    scheduler = memory._scheduler(tuple(DEFAULT_PARAMETERS), 0.9)
    for _ in range(60):
        state, day, sequence = memory.NEW, date(2025, 1, 1), []
        for k in range(rng.randint(1, 25)):
            day += timedelta(days=rng.choice([0, 1, 3, 10, 40]) if k else 0)
            grade = rng.choice([1, 2, 3, 3, 4])
            if k and day.isoformat() != state["last_review"]:
                expected.append(memory.retrievability(state, day.isoformat(), DEFAULT_PARAMETERS))
            state = memory.advance(state, grade, day.isoformat(), scheduler)
            sequence.append((grade, float(day.toordinal())))
        sequences.append(sequence)
    log = fitting.Log(sequences)
    predicted = fitting.predictions(log, DEFAULT_PARAMETERS)[0]
    assert sorted(predicted) == pytest.approx(sorted(expected), rel=1e-9)


def random_log(seed, words=80):
    """Words answered 1 to 25 times, every grade, on the same day and days apart."""
    rng = random.Random(seed)
    sequences = []
    for _ in range(words):
        day, sequence = 738000.0, []
        for k in range(rng.randint(1, 25)):
            day += rng.choice([0, 1, 3, 10, 40]) if k else 0
            sequence.append((rng.choice([1, 2, 3, 3, 4]), day))
        sequences.append(sequence)
    return fitting.Log(sequences)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_gradient_is_the_log_losses_derivative(seed):
    """loss_and_gradient against central differences of log_losses, at parameters drawn
    around the defaults inside py-fsrs's bounds (every parameter has a term in the log)."""
    log = random_log(seed)
    rng = np.random.default_rng(seed)
    lower, upper = np.array(fitting.LOWER_BOUNDS_PARAMETERS), np.array(fitting.UPPER_BOUNDS_PARAMETERS)
    w = np.clip(np.array(DEFAULT_PARAMETERS) * rng.uniform(0.8, 1.2, 21), lower + 1e-3, upper - 1e-3)
    loss, gradient = fitting.loss_and_gradient(log, w)
    assert loss == pytest.approx(fitting.log_losses(log, w)[0], rel=1e-12)
    numeric = []
    for i in range(21):
        h = 1e-6 * max(1.0, abs(w[i]))
        up, down = w.copy(), w.copy()
        up[i], down[i] = w[i] + h, w[i] - h
        numeric.append((fitting.log_losses(log, up)[0] - fitting.log_losses(log, down)[0]) / (2 * h))
    assert gradient == pytest.approx(np.array(numeric), rel=1e-4, abs=1e-8)
    assert np.count_nonzero(gradient) == 21


def test_a_fit_lowers_the_log_loss_and_reports_its_progress():
    log = random_log(4, words=200)
    done = []
    fitted = fitting.fit(log, DEFAULT_PARAMETERS, progress=done.append)
    assert fitting.log_losses(log, fitted)[0] < fitting.log_losses(log, DEFAULT_PARAMETERS)[0] - 0.001
    assert done and done == sorted(done) and 0 < done[-1] <= 1


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_gives_due_words_least_recalled_first_then_new_ones(client, session_id, at):
    at("2026-05-01")
    for word_id, grade in [(1, 3), (2, 1), (3, 4), (4, 3)]:
        answer(client, session_id, word_id, grade=grade)
    at("2026-05-02")
    answer(client, session_id, 4, grade=3)  # word 4: answered again today
    at("2026-08-01")  # everything is due
    body = client.get("/api/study_queue?group_id=1&limit=6").get_json()
    items = body["items"]
    due = [i for i in items if i["state"] != "new"]
    assert [i["word"]["id"] for i in due] == sorted(
        [1, 2, 3, 4], key=lambda w: next(i["retrievability"] for i in due if i["word"]["id"] == w)
    )
    retrievabilities = [i["retrievability"] for i in due]
    assert retrievabilities == sorted(retrievabilities)
    assert due[0]["word"]["id"] == 2  # the word answered "again" is the least likely recalled
    assert [i["word"]["id"] for i in items[4:]] == [5, 6] and all(i["state"] == "new" for i in items[4:])
    assert (body["due_count"], body["new_count"]) == (4, 8)  # the group's 12 words: 4 answered
    assert client.get("/api/study_queue").get_json()["new_count"] == 27 - 4


def test_words_not_due_stay_out_of_the_queue(client, session_id, at):
    at("2026-05-01")
    answer(client, session_id, 1, grade=4)
    body = client.get("/api/study_queue?group_id=1&limit=3").get_json()
    assert [i["word"]["id"] for i in body["items"]] == [2, 3, 4]
    assert body["due_count"] == 0


def test_raw_words_in_due_order_are_the_queue_for_activities(client, session_id, at):
    at("2026-05-01")
    answer(client, session_id, 5, grade=1)
    at("2026-05-10")
    raw = client.get("/api/groups/1/words/raw?order=due&limit=3").get_json()
    assert [w["id"] for w in raw["words"]] == [5, 1, 2]
    assert len(client.get("/api/groups/1/words/raw").get_json()["words"]) == 12  # the default is unchanged


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "group_id=99", "group_id=x", "learner_id=9"])
def test_bad_queue_requests_are_named(client, query):
    response = client.get(f"/api/study_queue?{query}")
    assert response.status_code in (400, 404) and error_of(response)


# --- history and forecast ---------------------------------------------------------------------


def test_a_words_history_is_the_learners_answers_newest_first(client, session_id, at):
    for day, grade in [("2026-01-01", 3), ("2026-01-03", 1), ("2026-01-09", 4)]:
        at(day)
        answer(client, session_id, 2, grade=grade, duration_ms=1000)
    body = client.get("/api/words/2/reviews?per_page=2").get_json()
    assert [i["grade"] for i in body["items"]] == [4, 1]
    assert (body["total"], body["total_pages"]) == (3, 2)
    other = client.post("/api/learners", json={"name": "Ken"}).get_json()["id"]
    assert client.get(f"/api/words/2/reviews?learner_id={other}").get_json()["items"] == []
    assert client.get("/api/words/999/reviews").status_code == 404


def test_the_forecast_counts_due_words_per_learning_day_overdue_today(client, conn, session_id, at):
    at("2026-06-01")
    for word_id in (1, 2, 3):
        answer(client, session_id, word_id, grade=3)
    conn.execute("UPDATE word_stats SET due = '2026-05-20' WHERE word_id = 1")  # overdue by then
    conn.execute("UPDATE word_stats SET due = '2026-06-12' WHERE word_id = 2")
    conn.execute("UPDATE word_stats SET due = '2026-07-01' WHERE word_id = 3")  # past the window
    at("2026-06-10")
    days = client.get("/api/dashboard/forecast?days=5").get_json()["days"]
    assert days == [
        {"date": "2026-06-10", "due": 1},
        {"date": "2026-06-11", "due": 0},
        {"date": "2026-06-12", "due": 1},
        {"date": "2026-06-13", "due": 0},
        {"date": "2026-06-14", "due": 0},
    ]
    assert len(client.get("/api/dashboard/forecast").get_json()["days"]) == 14
    assert client.get("/api/dashboard/forecast?days=366").status_code == 400


# --- the schedule --------------------------------------------------------------------------------


def test_a_new_learners_schedule_is_fsrs_defaults_with_nothing_to_evaluate(client, at):
    at("2026-01-01")
    body = client.get("/api/learners/1/schedule").get_json()
    assert body == {
        "parameters": list(DEFAULT_PARAMETERS),
        "desired_retention": 0.9,
        "evaluation": {"log_loss": None, "rmse_bins": None, "reviews": 0},
        "evaluated": {"answers": 0, "computed_at": "2026-01-01T12:00:00Z", "current": True, "job": None},
    }


def test_optimizing_with_too_few_answers_is_a_422_and_changes_nothing(client, conn, session_id, at):
    at("2026-01-01")
    answer(client, session_id, 1, grade=3)
    at("2026-01-05")
    answer(client, session_id, 1, grade=3)
    before = snapshot(conn)
    response = client.post("/api/learners/1/schedule/optimize", json={})
    assert response.status_code == 422 and "at least 400" in error_of(response) and "has 1" in error_of(response)
    assert snapshot(conn) == before


def enough_to_fit(client, session_id, at, monkeypatch):
    """150 answers to 12 words over months, and fits that need only 30 that count."""
    monkeypatch.setattr(fitting, "MIN_REVIEWS_TO_FIT", 30)
    rng = random.Random(11)
    day = date(2026, 1, 1)
    for _ in range(150):
        day += timedelta(days=rng.choice([0, 1, 1, 2, 4]))
        at(day.isoformat())
        answer(client, session_id, rng.randint(1, 12), grade=rng.choice([1, 3, 3, 3, 4]))


def test_optimizing_fits_stores_and_reschedules(client, conn, session_id, at, monkeypatch):
    enough_to_fit(client, session_id, at, monkeypatch)
    response = client.post("/api/learners/1/schedule/optimize", json={})
    assert response.status_code == 202
    worker.of(client.application).run_pending()
    body = client.get(response.headers["Location"]).get_json()["result"]
    assert body["evaluation"]["log_loss"] <= body["previous_evaluation"]["log_loss"]
    stored = json.loads(conn.execute("SELECT fsrs_parameters FROM learners WHERE id = 1").fetchone()["fsrs_parameters"])
    assert stored == body["parameters"] != list(DEFAULT_PARAMETERS)
    assert client.get("/api/learners/1/schedule").get_json()["evaluation"] == body["evaluation"]
    rescheduled = memory_rows(conn)
    conn.execute("UPDATE word_stats SET stability = 99")
    with db.transaction(conn):
        memory.rebuild(conn, {"id": 1, "fsrs_parameters": json.dumps(stored), "desired_retention": 0.9})
    assert memory_rows(conn) == rescheduled


def test_the_optimize_command_fits_as_the_endpoint_does(client, runner, conn, session_id, at, monkeypatch):
    enough_to_fit(client, session_id, at, monkeypatch)
    before = client.get("/api/learners/1/schedule").get_json()
    result = runner.invoke(args=["optimize", "--learner", "1"])
    assert result.exit_code == 0, result.output
    after = client.get("/api/learners/1/schedule").get_json()
    assert after["parameters"] != before["parameters"]
    assert after["evaluation"]["log_loss"] < before["evaluation"]["log_loss"]
    assert f"log loss {before['evaluation']['log_loss']:.4f} -> {after['evaluation']['log_loss']:.4f}" in result.output
    assert "Fitting learner 1" in result.output


def test_the_optimize_command_refuses_too_few_answers_and_a_missing_learner(runner, conn):
    before = snapshot(conn)
    too_few = runner.invoke(args=["optimize", "--learner", "1"])
    assert too_few.exit_code == 1 and "Fitting needs at least 400 answers" in too_few.output
    missing = runner.invoke(args=["optimize", "--learner", "99"])
    assert missing.exit_code == 1 and "There is no learner 99." in missing.output
    assert snapshot(conn) == before


# --- import-reviews -------------------------------------------------------------------------------


def test_import_reviews_brings_a_history_and_schedules_from_it(runner, conn, client, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "word_id,grade,reviewed_at,duration_ms\n"
        "3,3,2026-02-01T08:00:00Z,1200\n"
        "3,1,2026-02-04T09:30:00+01:00,\n"
        "4,4,2026-02-04T10:00:00Z,800\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-reviews", str(path), "--learner", "1"])
    assert result.exit_code == 0, result.output
    assert "Imported 3 answers for learner 1" in result.output
    rows = conn.execute(
        "SELECT study_session_id, word_id, grade, correct, duration_ms, created_at, learning_day "
        "FROM word_review_items ORDER BY id"
    ).fetchall()
    assert rows[1] == {
        "study_session_id": None,
        "word_id": 3,
        "grade": 1,
        "correct": 0,
        "duration_ms": None,
        "created_at": "2026-02-04T08:30:00Z",
        "learning_day": "2026-02-04",
    }
    shown = client.get("/api/words/3").get_json()["word"]["memory"]
    assert (shown["reps"], shown["lapses"], shown["last_review"]) == (2, 1, "2026-02-04")
    assert client.get("/api/words/3/reviews").get_json()["items"][0]["study_session_id"] is None
    assert client.get("/api/dashboard/stats").get_json()["total_words_studied"] == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("word,grade\n1,3\n", "line 1: the header must be word_id,grade,reviewed_at,duration_ms"),
        ("word_id,grade,reviewed_at,duration_ms\n1,5,2026-02-01T08:00:00Z,\n", "line 2: grade must be"),
        ("word_id,grade,reviewed_at,duration_ms\n1,3,yesterday,\n", "line 2: reviewed_at must be"),
        ("word_id,grade,reviewed_at,duration_ms\n1,3,2026-02-01T08:00:00,\n", "with its offset"),
        ("word_id,grade,reviewed_at,duration_ms\n999,3,2026-02-01T08:00:00Z,\n", "line 2: there is no word 999"),
        (
            "word_id,grade,reviewed_at,duration_ms\n1,3,2026-02-02T08:00:00Z,\n1,3,2026-02-01T08:00:00Z,\n",
            "line 3: word 1 was answered at 2026-02-02T08:00:00Z",
        ),
        ("word_id,grade,reviewed_at,duration_ms\n1,3,2026-02-01T08:00:00Z,-5\n", "line 2: duration_ms"),
        ("word_id,grade,reviewed_at,duration_ms\n1,3,2026-02-01T08:00:00Z\n", "line 2: the row has 3 fields"),
    ],
)
def test_a_bad_review_log_names_its_line_and_writes_nothing(runner, conn, tmp_path, content, message):
    before = snapshot(conn)
    path = tmp_path / "log.csv"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["import-reviews", str(path), "--learner", "1"])
    assert result.exit_code == 1
    assert message in result.output and "Nothing was imported" in result.output
    assert snapshot(conn) == before


def test_import_reviews_needs_a_learner_that_exists(runner, tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("word_id,grade,reviewed_at,duration_ms\n", encoding="utf-8")
    result = runner.invoke(args=["import-reviews", str(path), "--learner", "7"])
    assert result.exit_code == 1 and "There is no learner 7" in result.output
