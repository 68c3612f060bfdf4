"""A catalog of hostile requests: each gets a 4xx JSON error that names the problem, and
the database file is byte-for-byte what it was."""

import json
from pathlib import Path

import pytest

from lib import db
from tests.helpers import ENGINE, SignedClient, session_one_of, snapshot

S = "/api/study_sessions/1/review"  # session 1 exists (fixture below)
NEW = "/api/study_sessions"
JSON = "application/json"


def j(value):
    return json.dumps(value)


# (name, method, path, body bytes or str or None, content type, status, words the error names)
CATALOG = [
    ("truncated JSON", "POST", NEW, '{"group_id": 1', JSON, 400, "not valid JSON"),
    ("unquoted keys", "POST", NEW, "{group_id: 1}", JSON, 400, "not valid JSON"),
    ("trailing comma", "POST", NEW, '{"group_id": 1,}', JSON, 400, "not valid JSON"),
    ("NaN", "POST", NEW, '{"group_id": NaN, "study_activity_id": 1}', JSON, 400, "not valid JSON"),
    ("Infinity", "POST", S, '{"word_id": Infinity, "correct": true}', JSON, 400, "not valid JSON"),
    ("invalid UTF-8", "POST", S, b'{"rating": 5, "comments": "\xff\xfe"}', JSON, 400, "byte 27 is not UTF-8"),
    ("deep nesting", "POST", S, "[" * 200_000, JSON, 400, "not valid JSON"),
    ("5000-digit number", "POST", S, '{"word_id": ' + "9" * 5000 + ', "correct": true}', JSON, 400, "not valid JSON"),
    ("empty body", "POST", NEW, "", JSON, 400, "JSON object"),
    ("whitespace body", "POST", NEW, "  \n ", JSON, 400, "not valid JSON"),
    ("UTF-16 body", "POST", NEW, j({"group_id": 1, "study_activity_id": 1}).encode("utf-16"), JSON, 400, "UTF-8"),
    ("UTF-32 body", "POST", S, j({"word_id": 1, "correct": True}).encode("utf-32"), JSON, 400, "UTF-8"),
    ("UTF-8 BOM", "POST", NEW, b"\xef\xbb\xbf" + j({"group_id": 1, "study_activity_id": 1}).encode(), JSON, 400, "BOM"),
    (
        "charset utf-16",
        "POST",
        NEW,
        j({"group_id": 1, "study_activity_id": 1}),
        JSON + "; charset=utf-16",
        415,
        "UTF-8",
    ),
    ("lone surrogate field name", "POST", S, '{"\\ud800": 1, "word_id": 1, "correct": true}', JSON, 400, "\\ud800"),
    (
        "lone surrogate field in batch",
        "POST",
        S,
        '{"reviews": [{"word_id": 1, "correct": true, "\\udfff": 0}]}',
        JSON,
        400,
        "\\udfff",
    ),
    ("NUL in comments", "POST", S, j({"rating": 5, "comments": "good\x00"}), JSON, 400, "comments"),
    ("escape code in comments", "POST", S, j({"rating": 5, "comments": "\x1b[31mred"}), JSON, 400, "comments"),
    ("NUL in a field name", "POST", NEW, j({"group_id": 1, "study_activity_id": 1, "\x00": 1}), JSON, 400, "\x00"),
    ("5000-digit page", "GET", "/api/words?page=" + "9" * 5000, None, None, 400, "page"),
    ("5000-digit per_page", "GET", "/api/groups?per_page=" + "9" * 5000, None, None, 400, "per_page"),
    ("NUL in sort_by", "GET", "/api/words?sort_by=kanji%00", None, None, 400, "sort_by"),
    ("form to full_reset", "POST", "/api/full_reset", "confirm=1", "application/x-www-form-urlencoded", 415, "JSON"),
    ("text to reset_history", "POST", "/api/reset_history", "x", "text/plain", 415, "JSON"),
    (
        "multipart to reset",
        "POST",
        "/api/study_sessions/reset",
        "--b--",
        "multipart/form-data; boundary=b",
        415,
        "JSON",
    ),
    ("no type to full_reset", "POST", "/api/full_reset", None, None, 415, "JSON"),
    ("text/plain", "POST", NEW, j({"group_id": 1, "study_activity_id": 1}), "text/plain", 415, "application/json"),
    ("form encoded", "POST", S, "word_id=1&correct=true", "application/x-www-form-urlencoded", 415, "application/json"),
    ("no content type", "POST", S, j({"word_id": 1, "correct": True}), None, 415, "application/json"),
    ("array for object", "POST", NEW, "[1, 1]", JSON, 400, "not an array"),
    ("scalar for object", "POST", S, "42", JSON, 400, "not a number"),
    ("null for object", "POST", S, "null", JSON, 400, "not null"),
    ("string for object", "POST", S, '"word_id=1"', JSON, 400, "not a string"),
    ("operator object for id", "POST", NEW, j({"group_id": {"$gt": 0}, "study_activity_id": 1}), JSON, 400, "group_id"),
    ("nested arrays for id", "POST", NEW, j({"group_id": [[[1]]], "study_activity_id": 1}), JSON, 400, "group_id"),
    ("boolean id", "POST", NEW, j({"group_id": True, "study_activity_id": 1}), JSON, 400, "group_id"),
    ("float id", "POST", S, j({"word_id": 1.0, "correct": True}), JSON, 400, "word_id"),
    ("exponent id", "POST", S, '{"word_id": 1e3, "correct": true}', JSON, 400, "word_id"),
    ("overflowing exponent", "POST", S, '{"word_id": 1e999, "correct": true}', JSON, 400, "word_id"),
    ("2^63 id", "POST", S, j({"word_id": 2**63, "correct": True}), JSON, 400, "word_id"),
    ("10^100 id", "POST", NEW, j({"group_id": 10**100, "study_activity_id": 1}), JSON, 400, "group_id"),
    ("negative id", "POST", S, j({"word_id": -1, "correct": True}), JSON, 400, "word_id"),
    ("zero id", "POST", NEW, j({"group_id": 1, "study_activity_id": 0}), JSON, 400, "study_activity_id"),
    ("string id", "POST", S, j({"word_id": "1", "correct": True}), JSON, 400, "word_id"),
    ("injection as id", "POST", S, j({"word_id": "1 OR 1=1", "correct": True}), JSON, 400, "word_id"),
    ('"true" for correct', "POST", S, j({"word_id": 1, "correct": "true"}), JSON, 400, "correct"),
    ('"yes" for correct', "POST", S, j({"word_id": 1, "correct": "yes"}), JSON, 400, "correct"),
    ("null for correct", "POST", S, j({"word_id": 1, "correct": None}), JSON, 400, "correct"),
    ("2 for correct", "POST", S, j({"word_id": 1, "correct": 2}), JSON, 400, "correct"),
    ("duplicate keys, last bad", "POST", S, '{"word_id": 1, "word_id": true, "correct": true}', JSON, 400, "word_id"),
    ("rating 0", "POST", S, j({"rating": 0}), JSON, 400, "rating"),
    ("rating 6", "POST", S, j({"rating": 6}), JSON, 400, "rating"),
    ("rating as string", "POST", S, j({"rating": "5"}), JSON, 400, "rating"),
    ("rating as float", "POST", S, j({"rating": 4.5}), JSON, 400, "rating"),
    ("injection in rating", "POST", S, j({"rating": "5; DROP TABLE words", "comments": "x"}), JSON, 400, "rating"),
    ("injection in comments, no rating", "POST", S, j({"comments": "'); DROP TABLE words;--"}), JSON, 400, "rating"),
    ("oversize comments", "POST", S, j({"rating": 5, "comments": "x" * 2001}), JSON, 400, "comments"),
    ("object comments", "POST", S, j({"rating": 5, "comments": {"a": 1}}), JSON, 400, "comments"),
    ("lone surrogate in comments", "POST", S, '{"rating": 5, "comments": "\\ud800"}', JSON, 400, "comments"),
    ("NUL in comments, no rating", "POST", S, j({"comments": "a\u0000b"}), JSON, 400, "rating"),
    ("oversize batch", "POST", S, j({"reviews": [{"word_id": 1, "correct": True}] * 501}), JSON, 400, "reviews"),
    ("empty batch", "POST", S, j({"reviews": []}), JSON, 400, "reviews"),
    ("batch of scalars", "POST", S, j({"reviews": [1, 2]}), JSON, 400, "reviews[0]"),
    (
        "batch with injection",
        "POST",
        S,
        j({"reviews": [{"word_id": "1; --", "correct": True}]}),
        JSON,
        400,
        "reviews[0].word_id",
    ),
    ("mixed forms", "POST", S, j({"word_id": 1, "correct": True, "rating": 5}), JSON, 400, "mixes"),
    ("no known form", "POST", S, j({"DROP TABLE": 1}), JSON, 400, "matches none"),
    ("PUT with word form", "PUT", S, j({"word_id": 1, "correct": True}), JSON, 400, "rating"),
    ("oversize body", "POST", S, j({"rating": 5, "comments": "x" * (1024 * 1024)}), JSON, 413, "1 MiB"),
    ("injection in sort_by", "GET", "/api/words?sort_by=kanji;DROP TABLE words", None, None, 400, "sort_by"),
    ("injection in order", "GET", "/api/words?order=asc;DELETE FROM words", None, None, 400, "order"),
    ("injection in page", "GET", "/api/words?page=1 OR 1=1", None, None, 400, "page"),
    ("injection in per_page", "GET", "/api/groups?per_page=10;--", None, None, 400, "per_page"),
    ("subquery in sort_by", "GET", "/api/study_sessions?sort_by=(SELECT 1)", None, None, 400, "sort_by"),
    ("unicode sort key", "GET", "/api/words?sort_by=漢字", None, None, 400, "sort_by"),
    ("bidi override in order", "GET", "/api/words?order=\u202easc", None, None, 400, "order"),
    ("full-width digit page", "GET", "/api/words?page=１", None, None, 400, "page"),
    ("huge page", "GET", "/api/words?page=99999999999999999999999", None, None, 400, "page"),
    ("per_page over 500", "GET", "/api/words?per_page=501", None, None, 400, "per_page"),
    # 19 digits, past the largest id a database holds (2^63 - 1): a 400, not the driver's overflow.
    (
        "learner_id past 64 bits (xAPI)",
        "GET",
        "/api/xapi/statements?learner_id=9" + "9" * 18,
        None,
        None,
        400,
        "learner_id",
    ),
    ("before past 64 bits (xAPI)", "GET", "/api/xapi/statements?before=9" + "9" * 18, None, None, 400, "before"),
    ("group_id past 64 bits (queue)", "GET", "/api/study_queue?group_id=9" + "9" * 18, None, None, 400, "group_id"),
    ("limit past 64 bits (group words)", "GET", "/api/groups/1/words/raw?limit=9" + "9" * 18, None, None, 400, "limit"),
    ("injection in path id", "GET", "/api/words/1;DROP TABLE words", None, None, 404, "/api/words/1;DROP"),
    ("path traversal", "GET", "/api/../../etc/passwd", None, None, 404, "/docs"),
    ("bad idempotency key", "POST", NEW, j({"group_id": 1, "study_activity_id": 1}), JSON, 400, "Idempotency-Key"),
]


@pytest.fixture(params=["open", "class"])
def world(request):
    """(client, connection, the database files' bytes, the admin's headers) with session 1:
    in the open mode with no credentials, in the class mode signed in as the learner whose
    session it is (the admin for the resets). The bytes are SQLite's; on PostgreSQL the
    snapshot of every row and sequence stands for them."""
    admin = {}
    if request.param == "open":
        client, conn, path = (request.getfixturevalue(name) for name in ("client", "conn", "seeded_database"))
        assert client.post(NEW, json={"group_id": 1, "study_activity_id": 1}).get_json()["id"] == 1
    else:
        app, people = request.getfixturevalue("class_app"), request.getfixturevalue("people")
        session_one_of(app, people.learner_ids["alice"])
        client, path = SignedClient(app.test_client(), people.headers("alice")), app.config["DATABASE"]
        admin = people.headers("admin")
        conn = db.connect_app_db(app)
        request.addfinalizer(conn.close)
    paths = (path, path + "-wal") if ENGINE == "sqlite" else ()

    def file_bytes():
        return b"".join(Path(p).read_bytes() for p in paths if Path(p).exists())

    return client, conn, file_bytes, admin


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status", "named"),
    [case[1:] for case in CATALOG],
    ids=[case[0] for case in CATALOG],
)
def test_hostile_request_is_a_named_4xx_and_changes_nothing(world, method, path, body, content_type, status, named):
    client, conn, prepared, admin = world
    before_rows, before_bytes = snapshot(conn), prepared()
    headers = {"Idempotency-Key": "ключ\x00"} if "Idempotency" in named else {}
    if "reset" in path:
        headers.update(admin)
    kwargs = {"data": body, "headers": headers}
    if content_type:
        kwargs["content_type"] = content_type
    response = client.open(path, method=method, **kwargs)
    assert response.status_code == status
    assert response.is_json
    body_out = response.get_json()
    assert named in body_out["error"] + " " + " ".join(body_out.get("details", {}))
    assert snapshot(conn) == before_rows
    assert prepared() == before_bytes


def test_catalog_has_at_least_forty_requests():
    assert len(CATALOG) >= 40
