"""What must be the same on both engines (the suite runs on each: tests/helpers.py), above
all under concurrency, where PostgreSQL's writers run at once and SQLite's take turns."""

import threading
import time

import pytest

from lib import db, schema
from lib.domain import resets
from lib.domain.counters import counter_mismatches
from lib.engines.postgresql import ENGINE, NumberLoader, placeholders
from tests.helpers import SEED_WORDS, count, postgresql_only


def together(n, request):
    """Run request(i) on n threads released at the same moment; their results by i."""
    barrier, results = threading.Barrier(n), [None] * n

    def run(i):
        barrier.wait()
        results[i] = request(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_duplicate_feedback_is_one_review_and_the_rest_409(app, session_id, conn):
    def send(i):
        response = app.test_client().post(f"/api/study_sessions/{session_id}/review", json={"rating": 4})
        return response.status_code, response.get_json()

    answers = together(12, send)
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * 11
    created = next(body["id"] for status, body in answers if status == 200)
    assert {body["existing_review_id"] for status, body in answers if status == 409} == {created}
    assert count(conn, "session_feedback") == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/study_sessions", {"group_id": 1, "study_activity_id": 1}),
        ("/api/study_sessions/{session_id}/review", {"word_id": 3, "correct": True}),
    ],
)
def test_concurrent_requests_with_one_key_write_once_and_all_get_the_first_answer(app, session_id, conn, path, body):
    path = path.format(session_id=session_id)
    sessions, reviews = count(conn, "study_sessions"), count(conn, "word_review_items")

    def send(i):
        response = app.test_client().post(path, json=body, headers={"Idempotency-Key": "one-key"})
        return response.status_code, response.get_json(), response.headers.get("Idempotent-Replayed")

    answers = together(12, send)
    assert {status for status, _, _ in answers} == {200}
    assert len({repr(answer) for _, answer, _ in answers}) == 1  # the same answer for all
    assert sorted(str(replayed) for _, _, replayed in answers) == ["None"] + ["true"] * 11
    written = (count(conn, "study_sessions") - sessions, count(conn, "word_review_items") - reviews)
    assert written == ((1, 0) if path == "/api/study_sessions" else (0, 1))


def test_concurrent_answers_of_one_learner_in_different_orders_all_land(app, conn):
    """Each request answers the same words in its own order: on PostgreSQL the triggers
    lock the learner's counters first, so these queue instead of deadlocking."""
    client = app.test_client()
    sessions = [
        client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
        for _ in range(4)
    ]

    def send(i):
        words = list(range(1, 9)) if i % 2 else list(range(8, 0, -1))
        body = {"reviews": [{"word_id": w, "correct": (w + i) % 3 != 0} for w in words]}
        return app.test_client().post(f"/api/study_sessions/{sessions[i % 4]}/review", json=body).status_code

    assert together(16, send) == [200] * 16
    assert count(conn, "word_review_items") == 16 * 8
    assert counter_mismatches(conn) == []


def test_full_reset_gives_the_seed_the_same_ids_again(client, conn):
    before = conn.rows("SELECT id, kanji FROM words ORDER BY id")
    groups = conn.rows("SELECT id, name FROM groups ORDER BY id")
    for _ in range(2):
        assert client.post("/api/full_reset", json={}).status_code == 200
        assert conn.rows("SELECT id, kanji FROM words ORDER BY id") == before
        assert conn.rows("SELECT id, name FROM groups ORDER BY id") == groups
    assert [row["id"] for row in before] == list(range(1, SEED_WORDS + 1))


def test_counts_are_integers(client, session_id):
    client.post(f"/api/study_sessions/{session_id}/review", json={"reviews": [{"word_id": 1, "correct": True}] * 3})
    stats = client.get("/api/dashboard/stats").get_json()
    quick = client.get("/api/dashboard/quick_stats").get_json()
    words = client.get("/api/words").get_json()["words"]
    values = [stats[k] for k in ("total_vocabulary", "total_words_studied", "mastered_words", "total_sessions")]
    values += [quick[k] for k in ("total_study_sessions", "total_active_groups", "study_streak_days")]
    values += [w[k] for w in words for k in ("correct_count", "wrong_count")]
    assert all(type(v) is int for v in values), values


def test_text_sorts_by_code_point_on_both_engines(client, runner, tmp_path):
    """C collation: upper case before lower case, accents and kana after ASCII, by code point."""
    english = ["apple", "Zebra", "éclair", "Éclair", "zoo", "Apple", "ábc", "_x", "あ", "ア", "1st"]
    lines = ["kanji,romaji,english"] + [f"語{i},go{i},{e}" for i, e in enumerate(english)]
    (tmp_path / "words.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert runner.invoke(args=["import-words", str(tmp_path / "words.csv"), "--group", "Sorting"]).exit_code == 0
    group = next(g for g in client.get("/api/groups?per_page=100").get_json()["groups"] if g["group_name"] == "Sorting")
    listed = client.get(f"/api/groups/{group['id']}/words?sort_by=english&per_page=100").get_json()["words"]
    assert [w["english"] for w in listed] == sorted(english)


def test_both_engines_know_the_same_latest_schema_version():
    assert schema.latest_version("postgresql") == schema.latest_version("sqlite")


def test_placeholders_become_psycopgs_outside_quotes_and_comments():
    assert placeholders("SELECT * FROM t WHERE a = ? AND b LIKE 'x%?' -- 50% done?\nAND c = ?") == (
        "SELECT * FROM t WHERE a = %s AND b LIKE 'x%%?' -- 50%% done?\nAND c = %s"
    )
    assert placeholders("INSERT INTO t VALUES (:name, :url) -- :not_this") == (
        "INSERT INTO t VALUES (%(name)s, %(url)s) -- :not_this"
    )
    assert placeholders("SELECT x::text, '::a', \"col?\" FROM t WHERE y % 2 = ?") == (
        "SELECT x::text, '::a', \"col?\" FROM t WHERE y %% 2 = %s"
    )


def test_a_postgresql_url_is_described_without_its_password():
    assert (
        ENGINE.describe("postgresql://portal:s3cret@db.internal:5432/portal")
        == "postgresql://portal:***@db.internal:5432/portal"
    )
    assert ENGINE.describe("postgresql://db.internal/portal") == "postgresql://db.internal/portal"


def test_whole_numerics_load_as_int_and_others_as_float():
    loader = NumberLoader(1700, None)
    assert [loader.load(b"42"), loader.load(b"-7"), loader.load(b"0.50"), loader.load(b"1E+3")] == [42, -7, 0.5, 1000.0]
    assert type(loader.load(b"42")) is int


@postgresql_only
def test_both_engines_make_the_same_tables_columns_and_indexes(conn, tmp_path):
    sqlite = db.connect(str(tmp_path / "sqlite.db"))
    schema.migrate(sqlite)
    tables = [r["name"] for r in sqlite.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    tables = [t for t in tables if not t.startswith("sqlite_")]
    sqlite_columns = {t: [c["name"] for c in sqlite.rows(f"PRAGMA table_xinfo({t})")] for t in tables}
    sqlite_indexes = {
        r["name"] for r in sqlite.rows("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    }
    sqlite.close()
    pg_columns = {}
    for row in conn.rows(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name <> 'schema_version' ORDER BY table_name, ordinal_position"
    ):
        pg_columns.setdefault(row["table_name"], []).append(row["column_name"])
    pg_indexes = {
        r["indexname"]
        for r in conn.rows("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        if not r["indexname"].endswith(("_pkey", "_key"))
    }
    assert pg_columns == sqlite_columns
    assert pg_indexes == sqlite_indexes
    assert schema.version(conn) == schema.latest_version("sqlite")


RESETS = ("/api/reset_history", "/api/study_sessions/reset", "/api/full_reset")


@postgresql_only
def test_resets_while_answers_are_recorded_neither_deadlock_nor_keep_what_they_forgot(app, conn, monkeypatch):
    """PostgreSQL's writers run at once: a reset waits for the answers under way and the
    answers after it wait for the reset, and none of them is a 503 (a deadlock is). An
    answer whose session a reset deleted is that session's 404. Before the fix the first
    reset or two deadlocked; the resets stop at the first 5xx, so a failure is quick."""
    # Writers wait for a reset's backup (pg_dump), seconds on a busy machine: past the bound
    # that would be a 503 too. PostgreSQL finds a deadlock within its deadlock_timeout (1 s).
    monkeypatch.setitem(app.config, "WRITE_TIMEOUT", 30)
    answerers, stop, answered = 3, threading.Event(), threading.Semaphore(0)
    results, resets = [], []  # (status, body, the session's 404, sent, answered); (status, body, sent, answered)

    def answer(i):
        client, session, word = app.test_client(), None, i
        while True:
            last = stop.is_set()  # one more session and answer once the resets are done
            if session is None:
                response = client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1})
                if response.status_code != 200:
                    results.append((response.status_code, response.get_json(), None, None, None))
                    return
                session = response.get_json()["id"]
            word = word % SEED_WORDS + 1
            sent = time.monotonic()
            response = client.post(f"/api/study_sessions/{session}/review", json={"word_id": word, "correct": True})
            gone = {"error": f"Study session {session} not found."}
            results.append((response.status_code, response.get_json(), gone, sent, time.monotonic()))
            if response.status_code == 200:
                answered.release()
            elif response.status_code == 404:
                session = None
                continue
            if last or response.status_code >= 500:
                return

    def reset():
        client = app.test_client()
        for n in range(6):
            # Answers go on between resets and while one begins: each waits for some first.
            if not all(answered.acquire(timeout=30) for _ in range(answerers)):
                break  # an answerer has stopped (at a 5xx, asserted below)
            sent = time.monotonic()
            response = client.post(RESETS[n % len(RESETS)], json={})
            resets.append((response.status_code, response.get_json(), sent, time.monotonic()))
            if response.status_code >= 500:
                break
        stop.set()

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(answerers)]
    threads.append(threading.Thread(target=reset))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    assert [(status, body) for status, body, _, _ in resets if status != 200] == []
    assert [(status, body) for status, body, gone, _, _ in results if status != 200 and body != gone] == []
    assert len(resets) == 6
    # What the last reset forgot is gone, what was sent after it is kept, and the counters agree.
    _, _, last_sent, last_answered = resets[-1]
    stored = {row["id"] for row in conn.rows("SELECT id FROM word_review_items")}
    kept = [(body["id"], sent, done) for status, body, _, sent, done in results if status == 200]
    before = [i for i, _, done in kept if done < last_sent]
    after = [i for i, sent, _ in kept if sent > last_answered]
    assert len(before) >= 6 * answerers and stored.isdisjoint(before)
    assert len(after) >= answerers and set(after) <= stored
    assert counter_mismatches(conn) == []


def test_a_reset_in_a_transaction_not_begun_alone_is_refused_and_deletes_nothing(conn, session_id):
    with pytest.raises(RuntimeError, match="alone"), conn.transaction():
        resets.clear_history(conn)
    assert count(conn, "study_sessions") == 1
