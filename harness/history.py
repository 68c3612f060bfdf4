"""A lang-portal database filled with N words, groups, sessions and reviews, quickly.

The shape: groups of GROUP_SIZE words; sessions of REVIEWS_PER_SESSION reviews; a
learner who practises every day of the last DAYS days, so the history grows with N while
the streak (a year at most) does not. Rows go in through the schema's triggers, in bulk,
so every counter cache is what the API itself would have made.
"""

import json
import random
from datetime import UTC, datetime, timedelta

from lib import db, schema

GROUP_SIZE = 500
REVIEWS_PER_SESSION = 20
MIN_SESSIONS = 100  # a full first page of sessions at every size, so pages compare like for like
DAYS = 365
CHUNK = 50_000  # reviews per transaction on SQLite
# On PostgreSQL, fewer: every answer's triggers update its learner's counter row, and
# PostgreSQL walks all the versions of a row one transaction made on each update.
POSTGRESQL_CHUNK = 1_000


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(target, words, reviews, learners=1, seed=1):
    """Fill a new database: a SQLite file at target (which must not exist) or an empty
    PostgreSQL database at a postgresql:// target; returns counts. With several learners,
    session s belongs to learner (s - 1) % learners + 1 (learner 1 exists already), all on
    UTC learning days."""
    rng = random.Random(seed)
    conn = db.connect(str(target), synchronous="OFF")
    sqlite = conn.engine.NAME == "sqlite"
    schema.migrate(conn)
    groups = max(1, -(-words // GROUP_SIZE))
    parts = json.dumps([{"kanji": "語", "romaji": ["go"]}], ensure_ascii=False)
    with db.transaction(conn):
        conn.executemany(
            "INSERT INTO groups (id, name) VALUES (?, ?)", ((g, f"Group {g}") for g in range(1, groups + 1))
        )
        conn.executemany(
            "INSERT INTO words (id, kanji, romaji, english, parts) VALUES (?, ?, ?, ?, ?)",
            ((w, f"語{w}", f"go{w}", f"word {w}", parts) for w in range(1, words + 1)),
        )
        conn.executemany(
            "INSERT INTO word_groups (word_id, group_id) VALUES (?, ?)",
            ((w, (w - 1) // GROUP_SIZE + 1) for w in range(1, words + 1)),
        )
        conn.execute(
            "INSERT INTO study_activities (id, name, url, preview_url, description) "
            "VALUES (1, 'Typing Tutor', 'http://localhost:8080', NULL, 'bench')"
        )
        conn.executemany(
            "INSERT INTO learners (id, name, timezone, day_start_hour, created_at) VALUES (?, ?, 'UTC', 0, ?)",
            ((n, f"Learner {n}", stamp(datetime.now(UTC))) for n in range(2, learners + 1)),
        )
    sessions = max(MIN_SESSIONS, reviews // REVIEWS_PER_SESSION)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=DAYS - 1)
    span = (now - start).total_seconds()

    def session_time(s):  # sessions spread evenly over the days, oldest first
        return start + timedelta(seconds=span * (s - 1) / max(1, sessions - 1))

    def learner_of(s):
        return (s - 1) % learners + 1

    with db.transaction(conn):
        conn.executemany(
            "INSERT INTO study_sessions (id, learner_id, group_id, study_activity_id, created_at, learning_day) "
            "VALUES (?, ?, ?, 1, ?, ?)",
            (
                (s, learner_of(s), rng.randint(1, groups), stamp(session_time(s)), session_time(s).date().isoformat())
                for s in range(1, sessions + 1)
            ),
        )
    done = 0
    while done < reviews:
        n = min(CHUNK if sqlite else POSTGRESQL_CHUNK, reviews - done)
        rows = []
        for i in range(done, done + n):
            s = i * sessions // reviews + 1  # reviews spread evenly over the sessions, in order
            group = (s * 7919) % groups + 1  # any word; the group does not matter for reviews
            word = min(words, (group - 1) * GROUP_SIZE + rng.randint(1, GROUP_SIZE))
            moment = session_time(s) + timedelta(seconds=i % 20)
            correct = rng.random() < 0.75
            rows.append(
                (s, learner_of(s), word, int(correct), 3 if correct else 1, stamp(moment), moment.date().isoformat())
            )
        with db.transaction(conn):
            conn.executemany(
                "INSERT INTO word_review_items "
                "(study_session_id, learner_id, word_id, correct, grade, created_at, learning_day) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        done += n
    with db.transaction(conn):
        # Memory states of the right shape, made up rather than replayed (replaying a
        # million answers through FSRS would take longer than the rest): every answered
        # word is in review, with its last answer's day and a due day within 20 days of it.
        conn.execute(
            """
            UPDATE word_stats SET
                state = 2,
                stability = 1 + word_id % 30,
                difficulty = 1 + word_id % 9,
                last_review = substr(last_reviewed_at, 1, 10),
                due = {due},
                reps = correct_count + wrong_count,
                lapses = wrong_count
            """.format(
                due="date(last_reviewed_at, '+' || (word_id % 20) || ' days')"
                if sqlite
                else "to_char(substr(last_reviewed_at, 1, 10)::date + (word_id % 20)::integer, 'YYYY-MM-DD')"
            )
        )
        # Ids given explicitly above: new rows go on after them, on both engines.
        conn.engine.restart_ids(conn, ("groups", "words", "study_activities", "learners", "study_sessions"))
    if sqlite:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
    else:
        conn.execute("VACUUM ANALYZE")  # statistics, and the visibility map for index-only scans
    conn.close()
    return {"words": words, "groups": groups, "sessions": sessions, "reviews": reviews, "learners": learners}
