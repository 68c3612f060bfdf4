"""The resets: forgetting every learner's history, or every table but learner 1 (then the
seed is loaded again)."""

from lib.domain import MAX_ID, clock, seed

# Rows a reset deletes, children before parents. Stored idempotent answers go with the
# history they name; sessions, answers and feedback keep counting up (AUTOINCREMENT, 005),
# so an id from before a reset never names something new.
HISTORY_TABLES = (
    "session_feedback",
    "word_review_items",
    "study_sessions",
    "word_stats",
    "review_days",
    "learner_groups",
    "idempotency_keys",
    "schedule_evaluations",
)
VOCABULARY_TABLES = ("word_groups", "words", "groups", "study_activities")


def _clear(conn, tables, backup):
    # Alone, no write runs beside the reset. On PostgreSQL, whose writers run at once, an
    # answer locks its session's row, then its learner's counters, then its word's memory,
    # and a reset that took them in its own order deadlocked with it (a 503 for one of the
    # two); a learner made, or answering a word first, would split a range put back below.
    if not conn.alone:
        raise RuntimeError("a reset runs in a transaction begun alone: transaction(alone=True)")
    # Every write acknowledged before the reset is committed, and the later ones wait, so
    # the backup holds every answer acknowledged before it.
    made = backup() if backup is not None else None
    for table in tables:
        conn.execute(f"DELETE FROM {table}")  # names come from the fixed tuples above
    # The jobs of the history forgotten: queued ones end, running ones stop at their next
    # report (and a fit past its last one stores nothing: schedules.store checks).
    conn.execute("UPDATE jobs SET state = 'cancelled', finished_at = ? WHERE state = 'queued'", (clock.utc_now(),))
    conn.execute("UPDATE jobs SET cancel_requested = 1 WHERE state = 'running'")
    conn.execute(
        "UPDATE learner_totals SET sessions = 0, reviews = 0, correct = 0, studied_words = 0, mastered_words = 0"
    )
    # No answers left: every learner's unanswered words are every id again, in one range.
    conn.execute("DELETE FROM unanswered_ranges")
    conn.execute(f"INSERT INTO unanswered_ranges (learner_id, first_id, last_id) SELECT id, 1, {MAX_ID} FROM learners")
    return made


def clear_history(conn, backup=None):
    """Forget every learner's study sessions, answers and feedback; keep the vocabulary and
    the learners. Runs inside the caller's transaction, begun alone (transaction(alone=True));
    backup(), when given, is called before anything is deleted, and what it returns is
    returned (a failure raised there deletes nothing)."""
    return _clear(conn, HISTORY_TABLES, backup)


def reset_to_seed(conn, seed_data, backup=None):
    """Empty every table and load the seed data again, inside the caller's transaction;
    returns what backup() returned (called as clear_history calls it). The learners go too,
    but for learner 1, who is put back as the migration made them, and those that accounts
    own (accounts and classes stay)."""
    made = _clear(conn, HISTORY_TABLES + VOCABULARY_TABLES, backup)
    conn.engine.restart_ids(conn, ("words", "groups", "study_activities"))
    conn.execute(
        "DELETE FROM learners WHERE id != 1 AND id NOT IN (SELECT learner_id FROM accounts WHERE learner_id IS NOT NULL)"
    )
    conn.execute(
        """
        UPDATE learners
        SET name = 'Learner 1', timezone = 'UTC', day_start_hour = 0, fsrs_parameters = NULL, desired_retention = 0.9
        WHERE id = 1
        """
    )
    seed.load(conn, seed_data)
    return made
