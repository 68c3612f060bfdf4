"""Health, resets, and the CLI commands."""

import json

import pytest

from lib import db
from tests.conftest import count, snapshot


def test_health_reports_schema_and_database(client, db_path):
    assert client.get("/api/health").get_json() == {
        "status": "ok",
        "schema_version": db.latest_schema_version(),
        "database": db_path,
        "synchronous": "FULL",
    }


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
    for table in ("study_sessions", "word_review_items", "study_session_reviews", "word_reviews", "review_days"):
        assert count(conn, table) == 0, table
    assert (count(conn, "words"), count(conn, "groups"), count(conn, "study_activities")) == (140, 2, 1)
    assert db.counter_mismatches(conn) == []
    assert client.get("/api/dashboard/stats").get_json()["total_sessions"] == 0


def test_full_reset_restores_the_seed(client, conn):
    fresh = snapshot(conn)
    conn.execute("INSERT INTO groups (name) VALUES ('Extra')")
    session = client.post("/api/study_sessions", json={"group_id": 3, "study_activity_id": 1}).get_json()
    add_history(client, session["id"])
    response = client.post("/api/full_reset")
    assert response.status_code == 200
    assert count(conn, "groups") == 2 and count(conn, "study_sessions") == 0
    assert count(conn, "words") == 140
    assert db.counter_mismatches(conn) == []
    assert snapshot(conn) == fresh


def test_init_db_is_idempotent(runner, conn):
    before = snapshot(conn)
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert f"schema version {db.latest_schema_version()}" in result.output
    assert snapshot(conn) == before


def test_seed_twice_changes_nothing(runner, conn):
    before = snapshot(conn)
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0 and "0 new words" in result.output
    assert snapshot(conn) == before


def test_init_db_creates_and_seeds_a_new_file(tmp_path):
    from app import create_app

    path = tmp_path / "new.db"
    result = create_app({"DATABASE": str(path)}).test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "140 words" in result.output


def test_reset_history_command(runner, client, conn, session_id):
    add_history(client, session_id)
    result = runner.invoke(args=["reset-history"])
    assert result.exit_code == 0
    assert count(conn, "word_review_items") == 0 and count(conn, "words") == 140


def test_check_db_command_finds_a_counter_out_of_step(runner, conn, client, session_id):
    add_history(client, session_id)
    assert runner.invoke(args=["check-db"]).exit_code == 0
    conn.execute("UPDATE word_reviews SET correct_count = 99")
    result = runner.invoke(args=["check-db"])
    assert result.exit_code == 1
    assert "word_reviews" in result.output


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
    assert count(conn, "words") == 142


def test_import_words_from_csv_into_an_existing_group(runner, conn, tmp_path):
    path = tmp_path / "more.csv"
    path.write_text("kanji,romaji,english\n踊る,odoru,to dance\n食べる,taberu,to eat\n", encoding="utf-8")
    result = runner.invoke(args=["import-words", str(path), "--group", "Core Verbs"])
    assert result.exit_code == 0, result.output
    assert conn.execute("SELECT words_count FROM groups WHERE name = 'Core Verbs'").fetchone()["words_count"] == 73


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        ("bad.csv", "kanji,romaji,english\n踊る,odoru,to dance\n歌う,,to sing\n", "line 3"),
        ("bad.csv", "kanji,english\n踊る,to dance\n", "header row lacks romaji"),
        ("bad.json", '[{"kanji": "a", "romaji": "a", "english": "a"}, {"kanji": "b"}]', "word 1"),
        ("bad.json", '{"words": [{"kanji": "a", "romaji": "a", "english": "a", "parts": "x"}]}', "word 0"),
        ("bad.json", "[1,", "not valid JSON"),
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
