"""Health, resets, and the CLI commands."""

import json

import pytest

from lib import schema
from lib.domain import counters
from lib.files import seed as seed_files
from tests.helpers import ENGINE, SEED_WORDS, count, snapshot


def test_health_reports_schema_and_no_path(client, seeded_database):
    response = client.get("/api/health")
    expected = {"status": "ok", "schema_version": schema.latest_version(), "engine": ENGINE}
    if ENGINE == "sqlite":
        expected |= {"synchronous": "NORMAL", "durability": "full (group commit)"}  # the default, FULL
    assert response.get_json() == expected
    assert seeded_database.rsplit("/", 1)[-1] not in response.get_data(as_text=True)


def add_history(client, session_id):
    client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 1, "correct": True})
    client.post(f"/api/study_sessions/{session_id}/review", json={"rating": 4})


@pytest.mark.parametrize("path", ["/api/study_sessions/reset", "/api/reset_history", "/reset-history"])
def test_reset_history_keeps_vocabulary(client, conn, session_id, path):
    add_history(client, session_id)
    # The frontend sends a JSON content type and no body.
    response = client.post(path, headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.get_json()["success"] is True
    for table in ("study_sessions", "word_review_items", "session_feedback", "word_stats", "review_days"):
        assert count(conn, table) == 0, table
    assert (count(conn, "words"), count(conn, "groups"), count(conn, "study_activities")) == (SEED_WORDS, 2, 1)
    assert counters.counter_mismatches(conn) == []
    assert client.get("/api/dashboard/stats").get_json()["total_sessions"] == 0


def test_full_reset_restores_the_seed(client, conn):
    fresh = snapshot(conn, id_sequences=False)
    conn.execute("INSERT INTO groups (name) VALUES ('Extra')")
    session = client.post("/api/study_sessions", json={"group_id": 3, "study_activity_id": 1}).get_json()
    add_history(client, session["id"])
    response = client.post("/api/full_reset", json={})
    assert response.status_code == 200
    assert count(conn, "groups") == 2 and count(conn, "study_sessions") == 0
    assert count(conn, "words") == SEED_WORDS
    assert counters.counter_mismatches(conn) == []
    assert snapshot(conn, id_sequences=False) == fresh


def test_init_db_is_idempotent(runner, conn):
    before = snapshot(conn)
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert f"schema version {schema.latest_version()}" in result.output
    assert snapshot(conn) == before


def test_seed_twice_changes_nothing(runner, conn):
    before = snapshot(conn)
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0 and "0 new words" in result.output
    assert snapshot(conn) == before


def test_init_db_creates_and_seeds_a_new_database(database):
    from app import create_app

    result = create_app({"DATABASE": database}).test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    real_seed_words = sum(len(words) for words in seed_files.read()[0].values())
    assert f"{real_seed_words} words" in result.output


def test_reset_history_command(runner, client, conn, session_id):
    add_history(client, session_id)
    result = runner.invoke(args=["reset-history"])
    assert result.exit_code == 0
    assert count(conn, "word_review_items") == 0 and count(conn, "words") == SEED_WORDS


def test_check_db_command_finds_a_counter_out_of_step(runner, conn, client, session_id):
    add_history(client, session_id)
    assert runner.invoke(args=["check-db"]).exit_code == 0
    conn.execute("UPDATE word_stats SET correct_count = 99")
    result = runner.invoke(args=["check-db"])
    assert result.exit_code == 1
    assert "word_stats" in result.output


def test_import_words_from_json(runner, conn, tmp_path):
    path = tmp_path / "food.json"
    words = [
        {"kanji": "寿司", "romaji": "sushi", "english": "sushi", "parts": [{"kanji": "寿", "romaji": ["su"]}]},
        {"kanji": "水", "romaji": "mizu", "english": "water"},
    ]
    path.write_text(json.dumps({"group": "Food", "words": words}, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import-words", str(path), "--group", "Food"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 words into 'Food' (2 new)" in result.output
    group = conn.execute("SELECT words_count FROM groups WHERE name = 'Food'").fetchone()
    assert group["words_count"] == 2
    again = runner.invoke(args=["import-words", str(path), "--group", "Food"])
    assert "(0 new)" in again.output
    assert count(conn, "words") == SEED_WORDS + 2


def test_import_words_from_csv_into_an_existing_group(runner, conn, tmp_path):
    path = tmp_path / "more.csv"
    path.write_text("kanji,romaji,english\n踊る,odoru,to dance\n食べる,taberu,to eat\n", encoding="utf-8")
    result = runner.invoke(args=["import-words", str(path), "--group", "Verbs"])
    assert result.exit_code == 0, result.output
    assert conn.execute("SELECT words_count FROM groups WHERE name = 'Verbs'").fetchone()["words_count"] == 16


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("bad.csv", "kanji,romaji,english\n踊る,odoru,to dance\n歌う,,to sing\n", "line 3"),
        ("bad.csv", "kanji,english\n踊る,to dance\n", "header row lacks romaji"),
        ("bad.json", '[{"kanji": "a", "romaji": "a", "english": "a"}, {"kanji": "b"}]', "word 1"),
        ("bad.json", '{"words": [{"kanji": "a", "romaji": "a", "english": "a", "parts": "x"}]}', "word 0"),
        ("bad.json", '[{"kanji": "a",', "not valid JSON"),
    ],
)
def test_import_with_a_bad_row_names_it_and_writes_nothing(runner, conn, tmp_path, name, content, where):
    before = snapshot(conn)
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["import-words", str(path), "--group", "New"])
    assert result.exit_code != 0
    assert where in result.output
    assert snapshot(conn) == before


@pytest.mark.parametrize("reset", ["/api/reset_history", "/api/full_reset"])
def test_ids_are_never_handed_out_twice_after_a_reset(client, conn, session_id, reset):
    add_history(client, session_id)
    old_review = conn.execute("SELECT max(id) AS id FROM word_review_items").fetchone()["id"]
    old_feedback = conn.execute("SELECT max(id) AS id FROM session_feedback").fetchone()["id"]
    assert client.post(reset, headers={"Content-Type": "application/json"}).status_code == 200

    # A tutor tab left open across the reset posts to its old session: refused, not
    # written into a stranger's new session.
    new_session = client.post("/api/study_sessions", json={"group_id": 2, "study_activity_id": 1}).get_json()["id"]
    assert new_session > session_id
    stale = client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 1, "correct": True})
    assert stale.status_code == 404
    assert count(conn, "word_review_items") == 0

    review = client.post(f"/api/study_sessions/{new_session}/review", json={"word_id": 1, "correct": True})
    feedback = client.post(f"/api/study_sessions/{new_session}/review", json={"rating": 3})
    assert review.get_json()["id"] > old_review
    assert feedback.get_json()["id"] > old_feedback


@pytest.mark.parametrize("reset", ["/api/reset_history", "/api/full_reset"])
def test_resets_forget_stored_idempotent_answers(client, conn, reset):
    body = {"group_id": 1, "study_activity_id": 1}
    first = client.post("/api/study_sessions", json=body, headers={"Idempotency-Key": "start-1"})
    assert client.post(reset, headers={"Content-Type": "application/json"}).status_code == 200
    assert count(conn, "idempotency_keys") == 0
    again = client.post("/api/study_sessions", json=body, headers={"Idempotency-Key": "start-1"})
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers
    assert again.get_json()["id"] != first.get_json()["id"]
    assert count(conn, "study_sessions") == 1


@pytest.mark.parametrize(("body", "status"), [(b"", 200), (b"{}", 200), (b"\r", 400), (b'{"all": true}', 400)])
def test_a_reset_takes_no_body_or_an_empty_object(client, body, status):
    response = client.post("/api/reset_history", data=body, content_type="application/json")
    assert response.status_code == status
