"""Exports: words as CSV that import-words reads back (every word with its groups, or a
group's), the review log (ours and py-fsrs's), and xAPI statements."""

import csv
import io
import json
import re
import tracemalloc
from datetime import UTC, datetime

import pytest

from lib import db
from lib.domain import clock, vocabulary
from lib.domain import seed as seeding
from lib.files import seed as seed_files
from tests.helpers import SEED_WORDS, count, make_app


def rows_of(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


# --- words out and back in -------------------------------------------------------------------


def test_a_groups_csv_has_every_word_with_its_parts(client):
    response = client.get("/api/groups/2/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="Verbs.csv"' in response.headers["Content-Disposition"]
    rows = rows_of(response)
    assert rows[0] == ["kanji", "romaji", "english", "parts"]
    assert len(rows) == 1 + 15
    kanji, romaji, english, parts = rows[1]
    assert (kanji, romaji, english) == ("食べる", "taberu", "to eat")
    assert json.loads(parts)[0] == {"kanji": "食", "romaji": ["ta"]}


def test_a_group_exported_and_imported_into_an_empty_database_gives_the_same_words(client, conn, tmp_path, database):
    conn.execute(
        "UPDATE words SET english = 'to eat,\nthen \"digest\"' WHERE romaji = 'taberu'"
    )  # commas, quotes, lines
    exported = tmp_path / "verbs.csv"
    exported.write_bytes(client.get("/api/groups/2/export.csv").get_data())

    empty = make_app(database)
    result = empty.test_cli_runner().invoke(args=["import-words", str(exported), "--group", "Verbs"])
    assert result.exit_code == 0, result.output
    assert "Imported 15 words into 'Verbs' (15 new)" in result.output

    def words(connection):
        rows = connection.execute(
            "SELECT w.kanji, w.romaji, w.english, w.parts FROM words AS w JOIN word_groups AS wg ON wg.word_id = w.id "
            "JOIN groups AS g ON g.id = wg.group_id WHERE g.name = 'Verbs' ORDER BY w.id"
        )
        return [(r["kanji"], r["romaji"], r["english"], json.loads(r["parts"])) for r in rows]

    imported = db.connect(database)
    assert words(imported) == words(conn)
    assert count(imported, "words") == 15
    imported.close()


# A word whose every field needs CSV's quoting, in a group whose name needs JSON's escapes.
AWKWARD = {"kanji": "「猫」, ねこ", "romaji": 'ne"ko"', "english": 'cat,\nthe "animal"\r\nmeow'}
AWKWARD_GROUP = '動物, "animals"\n2'


@pytest.fixture
def second_database(tmp_path, postgresql):
    """Another empty database, as the database fixture gives one."""
    if postgresql is None:
        yield str(tmp_path / "second.db")
        return
    url = postgresql.create()
    yield url
    postgresql.drop(url)


@pytest.fixture
def mixed_groups(conn):
    """The tests' seed, with word 1 in both groups, an awkward word in a group of its own
    and the same awkward word's cousin in no group."""
    conn.execute("INSERT INTO word_groups (word_id, group_id) VALUES (1, 2)")
    ids = [
        conn.scalar(
            "INSERT INTO words (kanji, romaji, english, parts) VALUES (?, ?, ?, ?) RETURNING id",
            (AWKWARD["kanji"], AWKWARD["romaji"], AWKWARD["english"] + suffix, '[{"kanji": "猫", "romaji": ["ne"]}]'),
        )
        for suffix in ("", " (no group)")
    ]
    group_id = conn.scalar("INSERT INTO groups (name) VALUES (?) RETURNING id", (AWKWARD_GROUP,))
    conn.execute("INSERT INTO word_groups (word_id, group_id) VALUES (?, ?)", (ids[0], group_id))
    return ids


def vocabulary_of(conn):
    """Every word's fields (parts parsed) with the names of its groups, in id order."""
    words = conn.rows("SELECT id, kanji, romaji, english, parts FROM words ORDER BY id")
    memberships = conn.rows(
        "SELECT wg.word_id, g.name FROM word_groups AS wg JOIN groups AS g ON g.id = wg.group_id ORDER BY g.name"
    )
    groups = {}
    for row in memberships:
        groups.setdefault(row["word_id"], []).append(row["name"])
    return [
        (w["kanji"], w["romaji"], w["english"], json.loads(w["parts"]), sorted(groups.get(w["id"], []))) for w in words
    ]


def test_the_vocabulary_csv_has_every_word_with_its_groups(client, conn, mixed_groups):
    response = client.get("/api/words/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == 'attachment; filename="words.csv"'
    rows = rows_of(response)
    assert rows[0] == ["kanji", "romaji", "english", "parts", "groups"]
    assert len(rows) == 1 + SEED_WORDS + 2
    assert rows[1][:3] == ["大きい", "ookii", "large"] and json.loads(rows[1][4]) == ["Adjectives", "Verbs"]
    assert json.loads(rows[1][3])[0] == {"kanji": "大", "romaji": ["o", "o"]}
    assert json.loads(rows[13][4]) == ["Verbs"]  # the first verb
    awkward, alone = rows[-2], rows[-1]
    assert awkward[:3] == [AWKWARD["kanji"], AWKWARD["romaji"], AWKWARD["english"]]
    assert json.loads(awkward[4]) == [AWKWARD_GROUP]
    assert alone[2] == AWKWARD["english"] + " (no group)" and alone[4] == "[]"
    assert [row[:3] for row in rows[1:]] == [[w[0], w[1], w[2]] for w in vocabulary_of(conn)]  # by id


def test_the_vocabulary_csv_is_streamed_a_line_at_a_time(client):
    response = client.get("/words/export.csv")  # the path without /api, as the apps send it
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) == 1 + SEED_WORDS  # the header, then a line per word as it is read
    assert b"".join(chunks) == client.get("/api/words/export.csv").get_data()


def test_a_vocabulary_four_times_bigger_is_exported_in_the_same_memory(client, conn):
    """The words are read a page at a time as the file is sent: the most memory the export
    takes does not grow with the vocabulary (all at once, it would be four times more)."""

    def add(numbers):
        with db.transaction(conn):
            vocabulary.add_words(
                conn, "Big", ({"kanji": f"語{n}", "romaji": f"go{n}", "english": f"w{n}"} for n in numbers)
            )

    def exported():
        tracemalloc.start()
        try:
            size = sum(len(chunk) for chunk in client.get("/api/words/export.csv").response)
            return size, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    client.get("/api/words/export.csv").close()  # the first request loads what every later one shares
    add(range(1500))
    small, small_peak = exported()
    add(range(1500, 6000))
    big, big_peak = exported()
    assert big > 3.5 * small
    assert big_peak < 2 * small_peak, (small_peak, big_peak)


def test_the_vocabulary_csv_needs_a_signed_in_account_in_the_class_mode(class_client, people):
    refused = class_client.get("/api/words/export.csv")
    assert refused.status_code == 401 and "Sign in" in refused.get_json()["error"]
    for who in ("alice read", "alice", "teacher"):
        response = class_client.get("/api/words/export.csv", headers=people.headers(who))
        assert response.status_code == 200, who
        assert len(rows_of(response)) == 1 + SEED_WORDS


def test_the_vocabulary_exported_and_imported_into_an_empty_database_is_the_same(
    client, conn, mixed_groups, tmp_path, second_database
):
    exported = tmp_path / "words.csv"
    exported.write_bytes(client.get("/api/words/export.csv").get_data())
    result = make_app(second_database).test_cli_runner().invoke(args=["import-words", str(exported)])
    assert result.exit_code == 0, result.output
    assert f"Imported {SEED_WORDS + 2} words into the file's groups ({SEED_WORDS + 2} new)" in result.output
    imported = db.connect(second_database)
    try:
        assert vocabulary_of(imported) == vocabulary_of(conn)
        assert count(imported, "groups") == 3
    finally:
        imported.close()


def test_the_seed_vocabulary_exported_and_imported_is_the_same(database, second_database, tmp_path):
    source = db.connect(database)
    try:
        seeding.prepare(source, seed_files.read())
        app = make_app(database)
        exported = tmp_path / "seed-words.csv"
        exported.write_bytes(app.test_client().get("/api/words/export.csv").get_data())
        db.close_connections(app)
        result = make_app(second_database).test_cli_runner().invoke(args=["import-words", str(exported)])
        assert result.exit_code == 0, result.output
        imported = db.connect(second_database)
        try:
            assert vocabulary_of(imported) == vocabulary_of(source)
            assert len(vocabulary_of(source)) == sum(len(words) for words in seed_files.read()[0].values())
        finally:
            imported.close()
    finally:
        source.close()


# --- the review log ------------------------------------------------------------------------------


@pytest.fixture
def answered(client, session_id, monkeypatch):
    fixed = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: fixed)
    for word_id, grade, duration in [(3, 3, 1200), (5, 1, None), (3, 4, 800)]:
        body = {"word_id": word_id, "grade": grade, **({"duration_ms": duration} if duration else {})}
        assert client.post(f"/api/study_sessions/{session_id}/review", json=body).status_code == 200
    return session_id


def test_the_review_log_has_the_columns_import_reviews_reads(client, answered):
    rows = rows_of(client.get("/api/learners/1/reviews.csv"))
    assert rows == [
        ["word_id", "grade", "reviewed_at", "duration_ms"],
        ["3", "3", "2026-04-01T09:30:00Z", "1200"],
        ["5", "1", "2026-04-01T09:30:00Z", ""],
        ["3", "4", "2026-04-01T09:30:00Z", "800"],
    ]


def test_the_review_log_in_fsrs_columns(client, answered):
    rows = rows_of(client.get("/api/learners/1/reviews.csv?format=fsrs"))
    assert rows[0] == ["card_id", "review_rating", "review_time", "review_duration"]
    assert rows[1] == ["3", "3", "2026-04-01T09:30:00+00:00", "1200"]
    assert datetime.fromisoformat(rows[1][2]) == datetime(2026, 4, 1, 9, 30, tzinfo=UTC)


def test_a_review_log_exported_imports_into_another_learner(client, runner, conn, answered, tmp_path):
    path = tmp_path / "log.csv"
    path.write_bytes(client.get("/api/learners/1/reviews.csv").get_data())
    other = client.post("/api/learners", json={"name": "Copy", "timezone": "UTC"}).get_json()["id"]
    result = runner.invoke(args=["import-reviews", str(path), "--learner", str(other)])
    assert result.exit_code == 0, result.output
    assert (
        rows_of(client.get(f"/api/learners/{other}/reviews.csv"))[1:]
        == rows_of(client.get("/api/learners/1/reviews.csv"))[1:]
    )


def test_a_bad_review_log_request_is_named(client):
    assert client.get("/api/learners/1/reviews.csv?format=anki").status_code == 400
    assert client.get("/api/learners/9/reviews.csv").status_code == 404


# --- xAPI -------------------------------------------------------------------------------------------

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
DURATION = re.compile(r"^PT\d+(\.\d+)?S$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
IRI = re.compile(r"^https?://[^\s]+$")


def check_statement(statement):
    """The properties xAPI 1.0.3 requires of a statement, and the formats of those we send."""
    assert UUID.match(statement["id"])
    actor = statement["actor"]
    assert actor["objectType"] == "Agent"
    assert IRI.match(actor["account"]["homePage"]) and actor["account"]["name"]
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"
    assert statement["verb"]["display"]["en-US"] == "answered"
    activity = statement["object"]
    assert activity["objectType"] == "Activity" and IRI.match(activity["id"])
    assert isinstance(statement["result"]["success"], bool)
    if "duration" in statement["result"]:
        assert DURATION.match(statement["result"]["duration"])
    if "registration" in statement["context"]:
        assert UUID.match(statement["context"]["registration"])
    assert TIMESTAMP.match(statement["timestamp"])
    assert statement["version"] == "1.0.3"


def test_answers_are_xapi_statements_newest_first(client, answered):
    response = client.get("/api/xapi/statements?learner_id=1")
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    body = response.get_json()
    statements = body["statements"]
    assert len(statements) == 3 and body["more"] == ""
    for statement in statements:
        check_statement(statement)
    newest = statements[0]
    assert newest["object"]["id"].endswith("/api/words/3")
    assert newest["result"] == {"success": True, "duration": "PT0.8S", "extensions": newest["result"]["extensions"]}
    assert statements[1]["result"]["success"] is False
    assert newest["context"]["registration"] == statements[1]["context"]["registration"]  # one session
    assert newest["actor"]["account"]["name"] == "1"


def test_statement_ids_are_stable_and_pages_follow_more(client, answered):
    first = client.get("/api/xapi/statements?learner_id=1&limit=2").get_json()
    assert len(first["statements"]) == 2 and first["more"]
    second = client.get(first["more"]).get_json()
    assert len(second["statements"]) == 1 and second["more"] == ""
    again = client.get("/api/xapi/statements?learner_id=1").get_json()["statements"]
    assert [s["id"] for s in again] == [s["id"] for s in first["statements"] + second["statements"]]
    assert len({s["id"] for s in again}) == 3


def test_since_keeps_later_answers(client, answered):
    assert client.get("/api/xapi/statements?since=2026-04-01T09:29:59Z").get_json()["statements"]
    assert client.get("/api/xapi/statements?since=2026-04-01T10:30:00%2B01:00").get_json()["statements"] == []
    assert client.get("/api/xapi/statements?since=2026-04-01t09:29:59z").get_json()["statements"]  # RFC 3339 allows it
    assert client.get("/api/xapi/statements?since=yesterday").status_code == 400


def test_an_unknown_learner_has_no_statements(client):
    assert client.get("/api/xapi/statements?learner_id=7").status_code == 404
