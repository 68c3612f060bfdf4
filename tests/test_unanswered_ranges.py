"""Each learner's never answered words, kept as ranges of ids (sql/setup/010): split by
first answers, given back by deletes, put back whole by the resets, built by the upgrade
from the answers already there, and recounted by flask check-db."""

import random
import threading

from lib import db, schema
from lib.domain import MAX_ID, counters, vocabulary
from tests.helpers import make_app, postgresql_only

WORDS = 27  # in the tests' seed


def unanswered(conn, learner_id):
    """The ids of existing words inside the learner's ranges (each once per range)."""
    rows = conn.execute(
        "SELECT w.id FROM unanswered_ranges AS r JOIN words AS w ON w.id BETWEEN r.first_id AND r.last_id "
        "WHERE r.learner_id = ? ORDER BY w.id",
        (learner_id,),
    ).fetchall()
    return [r["id"] for r in rows]


def answered(conn, learner_id):
    rows = conn.execute("SELECT word_id FROM word_stats WHERE learner_id = ? ORDER BY word_id", (learner_id,))
    return [r["word_id"] for r in rows]


def ranges(conn, learner_id):
    rows = conn.execute(
        "SELECT first_id, last_id FROM unanswered_ranges WHERE learner_id = ? ORDER BY first_id", (learner_id,)
    )
    return [(r["first_id"], r["last_id"]) for r in rows]


def sorted_pages(client, learner_id, key, order, per_page=4):
    ids, page = [], 1
    while True:
        body = client.get(
            f"/api/words?learner_id={learner_id}&sort_by={key}&order={order}&per_page={per_page}&page={page}"
        ).get_json()
        ids += [w["id"] for w in body["words"]]
        if page >= body["total_pages"]:
            return ids, body["words"]
        page += 1


def full_sort(client, learner_id, key, order):
    words = client.get(f"/api/words?learner_id={learner_id}&per_page=500").get_json()["words"]
    return [w["id"] for w in sorted(words, key=lambda w: (w[key], w["id"]), reverse=order == "desc")]


def test_first_answers_split_the_ranges_and_every_list_stays_sorted(client, conn):
    """Answers in a random order, to the first, the last and neighbouring ids, for two
    learners: after each, the ranges hold exactly the words not answered, no check fails,
    and every page of the count sorts is where a full sort puts it."""
    learner_2 = client.post("/api/learners", json={"name": "Two"}).get_json()["id"]
    sessions = {
        learner: client.post(
            "/api/study_sessions", json={"group_id": 1, "study_activity_id": 1, "learner_id": learner}
        ).get_json()["id"]
        for learner in (1, learner_2)
    }
    rng = random.Random(7)
    order = [1, WORDS, 2, 14, 13, 15, *rng.sample(range(3, WORDS), WORDS - 3)]
    for step, word_id in enumerate(order):
        learner = 1 if step % 3 else learner_2
        client.post(
            f"/api/study_sessions/{sessions[learner]}/review", json={"word_id": word_id, "correct": rng.random() < 0.5}
        )
        for who in (1, learner_2):
            assert unanswered(conn, who) == sorted(set(range(1, WORDS + 1)) - set(answered(conn, who)))
        if step % 5 == 0 or step > len(order) - 4:
            assert counters.counter_mismatches(conn) == []
            for key in ("correct_count", "wrong_count"):
                for direction in ("asc", "desc"):
                    assert sorted_pages(client, learner, key, direction)[0] == full_sort(
                        client, learner, key, direction
                    )
    assert counters.counter_mismatches(conn) == []


def test_a_learner_starts_with_every_id_in_one_range(client, conn):
    learner = client.post("/api/learners", json={"name": "New"}).get_json()["id"]
    assert ranges(conn, learner) == [(1, MAX_ID)]
    assert unanswered(conn, learner) == list(range(1, WORDS + 1))


def test_a_deleted_row_gives_its_word_back_and_the_resets_give_back_every_word(client, conn, session_id):
    for word_id in (4, 5, 6):
        client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": word_id, "correct": True})
    assert ranges(conn, 1) == [(1, 3), (7, MAX_ID)]
    with db.transaction(conn):
        conn.execute("DELETE FROM word_review_items WHERE word_id = 5")
        conn.execute("DELETE FROM word_stats WHERE learner_id = 1 AND word_id = 5")
    assert unanswered(conn, 1) == [w for w in range(1, WORDS + 1) if w not in (4, 6)]
    assert "unanswered_ranges" not in counters.counter_mismatches(conn)  # the answer counters are off: rows went
    ids, _ = sorted_pages(client, 1, "correct_count", "desc")
    assert ids == full_sort(client, 1, "correct_count", "desc") and ids[:2] == [6, 4]

    learner_2 = client.post("/api/learners", json={"name": "Two"}).get_json()["id"]
    assert client.post("/api/reset_history", json={}).status_code == 200
    assert ranges(conn, 1) == ranges(conn, learner_2) == [(1, MAX_ID)]
    assert counters.counter_mismatches(conn) == []


def test_check_db_finds_ranges_out_of_step(client, conn, session_id):
    client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 9, "correct": True})
    with db.transaction(conn):
        conn.execute("UPDATE unanswered_ranges SET last_id = 9 WHERE learner_id = 1 AND first_id = 1")
    assert "unanswered_ranges" in counters.counter_mismatches(conn)
    with db.transaction(conn):
        conn.execute("UPDATE unanswered_ranges SET last_id = 7 WHERE learner_id = 1 AND first_id = 1")
    assert "unanswered_ranges" in counters.counter_mismatches(conn)  # word 8 is in no range
    with db.transaction(conn):
        conn.execute("UPDATE unanswered_ranges SET last_id = 8 WHERE learner_id = 1 AND first_id = 1")
    assert counters.counter_mismatches(conn) == []


def test_the_upgrade_builds_the_ranges_from_the_answers_already_given(database):
    """A version-9 database with answers from two learners: the upgrade makes each one's
    ranges the gaps between the words they answered, and the lists sort as before."""
    conn = db.connect(database)
    schema.migrate(conn, target=9)
    vocabulary.add_words(
        conn, "Old Group", [{"kanji": f"語{n}", "romaji": f"go{n}", "english": f"word {n}"} for n in range(10)]
    )
    conn.execute("INSERT INTO study_activities (name, url) VALUES ('Old App', 'http://localhost:9000')")
    conn.execute(
        "INSERT INTO learners (name, timezone, day_start_hour, created_at) VALUES ('Two', 'UTC', 4, '2026-01-01T00:00:00Z')"
    )
    answers = {1: [(1, 1), (2, 0), (5, 1), (6, 1), (10, 0)], 2: [(3, 1), (4, 0), (4, 1)]}
    for learner, given in answers.items():
        conn.execute(
            "INSERT INTO study_sessions (learner_id, group_id, study_activity_id, created_at, learning_day) "
            "VALUES (?, 1, 1, '2026-01-02T03:04:05Z', '2026-01-02')",
            (learner,),
        )
        session = conn.execute("SELECT max(id) AS id FROM study_sessions").fetchone()["id"]
        for word_id, correct in given:
            conn.execute(
                "INSERT INTO word_review_items (study_session_id, learner_id, word_id, correct, grade, created_at, "
                "learning_day) VALUES (?, ?, ?, ?, ?, '2026-01-02T03:05:00Z', '2026-01-02')",
                (session, learner, word_id, correct, 3 if correct else 1),
            )
    assert schema.migrate(conn) == list(range(10, schema.latest_version() + 1))
    assert ranges(conn, 1) == [(3, 4), (7, 9), (11, MAX_ID)]
    assert ranges(conn, 2) == [(1, 2), (5, MAX_ID)]
    assert counters.counter_mismatches(conn) == []
    conn.close()
    client = make_app(database).test_client()
    for learner in (1, 2):
        for key in ("correct_count", "wrong_count"):
            for direction in ("asc", "desc"):
                assert sorted_pages(client, learner, key, direction, 3)[0] == full_sort(client, learner, key, direction)


@postgresql_only
def test_a_learner_made_and_answering_during_a_reset_keeps_their_ranges(app, client, conn, monkeypatch):
    """PostgreSQL runs writers at once. A reset held up just before it puts the ranges back:
    a learner made meanwhile, who answers word 5, must end with word 5 out of their ranges
    (the reset locks the table; they wait for it) rather than with the reset's full range
    over an answered word."""
    from lib.engines import postgresql

    held, answered_meanwhile, real_execute = threading.Event(), threading.Event(), postgresql.Connection.execute

    def execute(self, sql, params=()):
        if threading.current_thread().name == "reset" and sql.startswith("DELETE FROM unanswered_ranges"):
            held.set()
            # The learner's requests come now. They wait for the reset (so this wait ends
            # at its bound and the reset goes on); had they not, they are all done here.
            answered_meanwhile.wait(2)
        return real_execute(self, sql, params)

    monkeypatch.setattr(postgresql.Connection, "execute", execute)
    reset = threading.Thread(
        target=lambda: app.test_client().post("/api/reset_history", json={}), name="reset", daemon=True
    )
    reset.start()
    assert held.wait(10)
    learner = client.post("/api/learners", json={"name": "During"}).get_json()["id"]
    session = client.post(
        "/api/study_sessions", json={"group_id": 1, "study_activity_id": 1, "learner_id": learner}
    ).get_json()["id"]
    assert client.post(f"/api/study_sessions/{session}/review", json={"word_id": 5, "correct": True}).status_code == 200
    answered_meanwhile.set()
    reset.join(10)
    assert answered(conn, learner) == [5]
    assert ranges(conn, learner) == [(1, 4), (6, MAX_ID)]
    assert counters.counter_mismatches(conn) == []
