"""The word lists are kept until the database is written (lib/web/response_cache.py): a
kept page is served without reading the database, and every write, through the API, by
another connection or by another process, is seen by the next request."""

import contextlib
import os
import subprocess
import sys
import threading

from lib import db
from lib.web.response_cache import KEPT_BYTES, KeptResponses
from tests.helpers import make_app, postgresql_only, sqlite_only

WORDS = "/api/words?sort_by=correct_count&order=desc&per_page=100"
GROUP_WORDS = "/api/groups/1/words?sort_by=correct_count&order=desc&per_page=100"


def counts(client, url, word_id=1):
    word = next(w for w in client.get(url).get_json()["words"] if w["id"] == word_id)
    return word["correct_count"], word["wrong_count"]


def answer(client, word_id=1, correct=True):
    session = client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()
    response = client.post(f"/study_sessions/{session['id']}/review", json={"word_id": word_id, "correct": correct})
    assert response.status_code == 200


def test_an_answer_through_the_api_shows_in_the_next_word_lists(client):
    assert counts(client, WORDS) == counts(client, GROUP_WORDS) == (0, 0)
    answer(client, correct=True)
    assert counts(client, WORDS) == counts(client, GROUP_WORDS) == (1, 0)
    answer(client, correct=False)
    assert counts(client, WORDS) == counts(client, GROUP_WORDS) == (1, 1)


@sqlite_only
def test_a_write_by_another_connection_shows_in_the_next_word_list(client, conn):
    assert counts(client, WORDS) == (0, 0)
    with db.transaction(conn):
        conn.execute("UPDATE words SET english = 'changed' WHERE id = 1")
    assert next(w for w in client.get(WORDS).get_json()["words"] if w["id"] == 1)["english"] == "changed"


@sqlite_only
def test_a_write_by_another_process_shows_in_the_next_word_list(client, app):
    assert client.get("/api/words/1").get_json()["word"]["english"] != "from elsewhere"
    before = client.get(WORDS).get_json()
    script = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        "c.execute(\"UPDATE words SET english = 'from elsewhere' WHERE id = 1\")\n"
        "c.commit()\n"
        "c.close()\n"
    )
    subprocess.run([sys.executable, "-c", script, app.config["DATABASE"]], check=True)
    after = client.get(WORDS).get_json()
    assert after != before
    assert next(w for w in after["words"] if w["id"] == 1)["english"] == "from elsewhere"


@sqlite_only
def test_a_kept_page_is_served_without_reading_the_words(app, client):
    read = []
    with app.app_context():
        db.get_db().set_trace_callback(read.append)  # the thread's connection, the test client's too
    try:
        first = client.get(WORDS)
        words_read_first = [sql for sql in read if "FROM words" in sql]
        read.clear()
        again = client.get(WORDS)
    finally:
        with app.app_context():
            db.get_db().set_trace_callback(None)
    assert words_read_first
    assert [sql for sql in read if "FROM words" in sql] == []
    assert again.data == first.data
    assert again.headers["Content-Type"] == first.headers["Content-Type"] == "application/json"


@sqlite_only
def test_each_page_says_whether_it_was_kept(client):
    """RFC 9211's Cache-Status: read and kept, then answered from memory until a write."""
    assert client.get(WORDS).headers["Cache-Status"] == "lang-portal; fwd=miss; stored"
    assert client.get(WORDS).headers["Cache-Status"] == "lang-portal; hit"
    assert client.get(GROUP_WORDS).headers["Cache-Status"] == "lang-portal; fwd=miss; stored"
    assert client.get(GROUP_WORDS).headers["Cache-Status"] == "lang-portal; hit"
    answer(client)
    assert client.get(WORDS).headers["Cache-Status"] == "lang-portal; fwd=miss; stored"


def descriptors_of(database):
    """How many descriptors this process holds of the SQLite file: one per open connection,
    and those of connections closed while others were open, which SQLite keeps (closing
    one would drop the others' locks) and gives to the next connection it opens."""
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(FileNotFoundError):  # closed meanwhile
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
    return targets.count(os.path.abspath(database))


@sqlite_only
def test_requests_each_on_a_thread_of_its_own_share_one_connection_and_its_pages(app, client):
    """As under Werkzeug's server, a thread per connection: a connection is lent to each
    request, not kept by its thread, so the threads leave one behind, and its pages are
    kept for the next thread's request."""
    said = []
    for _ in range(20):
        thread = threading.Thread(target=lambda: said.append(client.get(WORDS).headers["Cache-Status"]))
        thread.start()
        thread.join()
    assert said == ["lang-portal; fwd=miss; stored"] + ["lang-portal; hit"] * 19
    assert descriptors_of(app.config["DATABASE"]) == 1


@sqlite_only
def test_threads_that_read_at_once_leave_as_many_connections_as_read_at_once(app, client):
    """Five rounds of 8 new threads reading together: 8 connections at most, not 40."""
    statuses = []

    def reads(together):
        together.wait(timeout=10)
        statuses.extend(client.get(WORDS).status_code for _ in range(3))

    for _ in range(5):
        together = threading.Barrier(8)
        threads = [threading.Thread(target=reads, args=(together,)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert statuses == [200] * 120
    assert descriptors_of(app.config["DATABASE"]) <= 8
    db.close_connections(app)
    assert descriptors_of(app.config["DATABASE"]) == 0


@postgresql_only
def test_on_postgresql_nothing_is_kept_and_no_page_says_so(client):
    for _ in range(2):
        assert "Cache-Status" not in client.get(WORDS).headers


@sqlite_only
def test_with_the_cache_off_every_page_reads_the_words(seeded_database):
    app = make_app(seeded_database, RESPONSE_CACHE=False)
    with app.app_context():
        read = []
        db.get_db().set_trace_callback(read.append)
    client = app.test_client()
    for _ in range(2):
        read.clear()
        response = client.get(WORDS)
        assert response.status_code == 200 and "Cache-Status" not in response.headers
        assert [sql for sql in read if "FROM words" in sql]
    db.close_connections(app)


def test_each_query_is_kept_apart(client):
    by_kanji = client.get("/api/words?per_page=5").get_json()
    by_correct = client.get("/api/words?per_page=5&sort_by=english").get_json()
    assert [w["english"] for w in by_correct["words"]] == sorted(w["english"] for w in by_correct["words"])
    assert client.get("/api/words?per_page=5").get_json() == by_kanji
    assert client.get("/api/words?per_page=5&page=2").get_json()["current_page"] == 2


def test_a_learner_added_after_a_404_gets_their_words(client):
    assert client.get("/api/words?learner_id=2").status_code == 404
    assert client.post("/api/learners", json={"name": "Aiko"}).get_json()["id"] == 2
    assert client.get("/api/words?learner_id=2").status_code == 200


def test_a_kept_page_still_gets_the_cross_origin_headers(client):
    origin = {"Origin": "http://localhost:5173"}
    first = client.get(WORDS, headers=origin)
    again = client.get(WORDS, headers=origin)
    assert (
        first.headers["Access-Control-Allow-Origin"] == again.headers["Access-Control-Allow-Origin"] == origin["Origin"]
    )


def test_the_kept_bodies_stay_within_their_bound():
    kept = KeptResponses(mark=(1, 0))
    body = b"x" * (KEPT_BYTES // 4)
    for page in range(10):
        kept.put(("/api/words", str(page).encode()), body)
    assert kept.size <= KEPT_BYTES
    assert kept.get(("/api/words", b"9")) == body
    assert kept.get(("/api/words", b"0")) is None
    assert kept.put(("/api/words", b"huge"), b"x" * (KEPT_BYTES // 4 + 1)) is False
    assert kept.get(("/api/words", b"huge")) is None
