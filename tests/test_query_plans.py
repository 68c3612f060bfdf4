"""No hot query scans word_review_items or words in full: every statement the hot
endpoints run is put through EXPLAIN QUERY PLAN on a database with some history."""

import re

import pytest

from harness.history import generate
from lib import db
from lib.domain import vocabulary
from tests.helpers import make_app, sqlite_only

pytestmark = sqlite_only  # EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by its statistics

BIG_TABLES = {"words", "w", "word_review_items", "r"}  # tables and the aliases the SQL gives them

HOT_REQUESTS = [
    ("GET", "/api/words", None),
    ("GET", "/api/words?page=3", None),
    ("GET", "/api/words/17", None),
    ("GET", "/api/groups", None),
    ("GET", "/api/groups/1/words", None),
    ("GET", "/api/groups/1/words?sort_by=correct_count&page=5", None),
    ("GET", "/api/groups/1/words/raw", None),
    ("GET", "/api/groups/1/study_sessions", None),
    ("GET", "/api/study_sessions", None),
    ("GET", "/api/study_sessions/7", None),
    ("GET", "/api/study_sessions/7/words", None),
    ("GET", "/api/study_activities/1/sessions", None),
    ("GET", "/api/dashboard/stats", None),
    ("GET", "/api/dashboard/quick_stats", None),
    ("GET", "/api/dashboard/study_progress", None),
    ("GET", "/api/dashboard/recent_session", None),
    ("POST", "/api/study_sessions", {"group_id": 1, "study_activity_id": 1}),
    ("POST", "/api/study_sessions/7/review", {"word_id": 9, "correct": True}),
    (
        "POST",
        "/api/study_sessions/7/review",
        {"reviews": [{"word_id": 9, "correct": False}, {"word_id": 10, "correct": True}]},
    ),
    ("POST", "/api/study_sessions/7/review", {"word_id": 999999, "correct": True}),
]


@pytest.fixture(scope="module")
def history_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("plans") / "history.db"
    generate(path, words=3000, reviews=20_000)
    return make_app(path)


def full_scans(conn, sql):
    plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
    return [
        row["detail"]
        for row in plan
        if (m := re.match(r"SCAN (\w+)(.*)", row["detail"])) and m.group(1) in BIG_TABLES and "USING" not in m.group(2)
    ]


@pytest.mark.parametrize(("method", "path", "body"), HOT_REQUESTS)
def test_hot_request_scans_no_big_table(history_app, method, path, body):
    client = history_app.test_client()
    with history_app.app_context():
        conn = db.get_db()  # and given back: the next request is lent it
    statements = []
    conn.set_trace_callback(statements.append)
    try:
        response = client.open(path, method=method, json=body)
    finally:
        conn.set_trace_callback(None)
    assert response.status_code in (200, 404)
    checked = [s for s in statements if re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)", s, re.I)]
    assert checked, "no statement was traced"
    plan_conn = db.connect(history_app.config["DATABASE"])
    try:
        for sql in checked:
            # The traced text has the values bound in, so it can be explained as it ran.
            assert full_scans(plan_conn, sql) == [], sql
    finally:
        plan_conn.close()


def test_the_check_sees_a_full_scan(history_app):
    conn = db.connect(history_app.config["DATABASE"])
    try:
        assert full_scans(conn, "SELECT count(*) FROM word_review_items WHERE correct = 1")
        assert full_scans(conn, "SELECT * FROM words AS w ORDER BY w.english || ''")
    finally:
        conn.close()


def test_an_import_finds_each_word_by_the_words_index(tmp_path):
    """import-words looks up each batch of words by the (kanji, romaji, english) index:
    no scan of words, not even of a whole index (per batch, that made a big import quadratic)."""
    path = tmp_path / "import.db"
    generate(path, words=2000, reviews=100)
    conn = db.connect(str(path))
    batch = [{"kanji": f"語{n}", "romaji": f"go{n}", "english": f"word {n}"} for n in range(1990, 2010)]
    statements = []
    conn.set_trace_callback(statements.append)
    try:
        with db.transaction(conn):
            assert vocabulary.add_words(conn, "Imported", batch) == (20, 9)  # words 1..2000 are there
    finally:
        conn.set_trace_callback(None)
    lookups = [s for s in statements if re.match(r"\s*(SELECT|WITH)", s, re.I) and "words" in s]
    assert lookups
    for sql in lookups:
        plan = [row["detail"] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
        assert not [d for d in plan if re.match(r"SCAN (words|w)\b", d)], (sql, plan)
    conn.close()
