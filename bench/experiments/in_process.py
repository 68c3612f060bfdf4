"""Answers written in this process, as the review route writes them, with the FSRS step and
without: what the HTTP write adds to its transaction, and what the memory step costs."""

import random
import time

from bench.measure.context import BASE_SIZE
from lib import db
from lib.domain import memory


def measure(run, results):
    print("in-process answers ...", flush=True)
    with_memory = answers_per_second(run.base_db, run.sessions, BASE_SIZE[0], run.scale_seconds)
    without_memory = answers_per_second(run.base_db, run.sessions, BASE_SIZE[0], run.scale_seconds, False)
    found = {
        "answers_per_s": with_memory,
        "answers_per_s_without_memory": without_memory,
        "memory_step_cost": without_memory / with_memory,
    }
    if "throughput" in results:
        found["http_review_over_in_process"] = results["throughput"]["review_rps"] / with_memory
    return {"in_process": found}


def answers_per_second(db_path, sessions, words, seconds, with_memory=True):
    """Answers per second written on the database directly: the insert (and its triggers)
    and, with_memory, the FSRS step."""
    conn = db.connect(str(db_path))
    learner = conn.row("SELECT id, fsrs_parameters, desired_retention FROM learners WHERE id = 1")
    rng = random.Random(3)
    done, deadline = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        session, word = rng.randint(1, sessions), rng.randint(1, words)
        with conn.transaction():
            conn.execute(
                "INSERT INTO word_review_items "
                "(study_session_id, learner_id, word_id, correct, grade, created_at, learning_day) "
                "VALUES (?, 1, ?, 1, 3, '2026-11-23T00:00:00Z', '2026-11-23')",
                (session, word),
            )
            if with_memory:
                memory.record(conn, learner, word, 3, "2026-11-23")
        done += 1
    conn.close()
    return done / (time.perf_counter() - started)
