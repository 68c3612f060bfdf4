"""Each learner's memory of each word: the FSRS model (the fsrs package, py-fsrs) applied
to every answer, in learning days.

FSRS keeps a word's stability (days until recall falls to 90 %), difficulty (1-10) and
the day it is due. Time is counted in the learner's learning days: an answer on day n is
given to the scheduler as midnight UTC n days after an epoch, so the days between two
answers are exactly the learning days between them. The scheduler runs without fuzz and
without intra-day learning steps, so the same answers always give the same state: the
state kept in word_stats is a cache of the answers, and rebuild() makes it again from
them (flask reschedule).
"""

import functools
import json
from datetime import UTC, date, datetime, timedelta

from fsrs import Card, Rating, Scheduler, State
from fsrs.scheduler import DEFAULT_PARAMETERS

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
STATE_NAMES = {State.Learning: "learning", State.Review: "review", State.Relearning: "relearning"}
MEMORY_COLUMNS = "state, stability, difficulty, due, last_review, reps, lapses"
NEW = {"state": None, "stability": None, "difficulty": None, "due": None, "last_review": None, "reps": 0, "lapses": 0}


def day_moment(day):
    """The scheduler's datetime for a learning day (an ISO date)."""
    return EPOCH + timedelta(days=date.fromisoformat(day).toordinal() - EPOCH.date().toordinal())


def moment_day(moment):
    return (EPOCH.date() + timedelta(days=(moment - EPOCH).days)).isoformat()


def parameters_of(learner):
    """The learner's 21 FSRS-6 parameters (the defaults until a fit stores others)."""
    stored = learner.get("fsrs_parameters")
    return tuple(json.loads(stored)) if stored else tuple(DEFAULT_PARAMETERS)


@functools.lru_cache(maxsize=128)
def _scheduler(parameters, desired_retention):
    return Scheduler(
        parameters=parameters,
        desired_retention=desired_retention,
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=False,
    )


def scheduler_for(learner):
    return _scheduler(parameters_of(learner), learner["desired_retention"])


def advance(memory, grade, day, scheduler):
    """The memory after an answer graded 1-4 on a learning day; memory is NEW for a word
    never answered."""
    new = memory["state"] is None
    card = Card(
        card_id=1,
        state=State.Learning if new else State(memory["state"]),
        step=0 if new else None,
        stability=memory["stability"],
        difficulty=memory["difficulty"],
        due=day_moment(memory["due"] or day),
        last_review=None if new else day_moment(memory["last_review"]),
    )
    card, _ = scheduler.review_card(card, Rating(grade), day_moment(day))
    return {
        "state": int(card.state),
        "stability": card.stability,
        "difficulty": card.difficulty,
        "due": moment_day(card.due),
        "last_review": day,
        "reps": memory["reps"] + 1,
        "lapses": memory["lapses"] + (grade == 1 and not new),
    }


def retrievability(memory, day, parameters):
    """The probability of recalling the word on a learning day (0 for a word never answered)."""
    if memory["state"] is None:
        return 0.0
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    elapsed = max(0, date.fromisoformat(day).toordinal() - date.fromisoformat(memory["last_review"]).toordinal())
    return (1 + factor * elapsed / memory["stability"]) ** decay


def shown(memory, day, parameters):
    """The memory as the API shows it, with today's retrievability; None before the first answer."""
    if memory is None or memory["state"] is None:
        return None
    return {
        "state": STATE_NAMES[State(memory["state"])],
        "stability": memory["stability"],
        "difficulty": memory["difficulty"],
        "due": memory["due"],
        "last_review": memory["last_review"],
        "reps": memory["reps"],
        "lapses": memory["lapses"],
        "retrievability": retrievability(memory, day, parameters),
    }


def record(conn, learner, word_id, grade, day):
    """Move the learner's memory of the word on by one answer (inside the caller's
    transaction, after the answer's row is in: its trigger made the word_stats row)."""
    memory = conn.execute(
        f"SELECT {MEMORY_COLUMNS} FROM word_stats WHERE learner_id = ? AND word_id = ?", (learner["id"], word_id)
    ).fetchone()
    _store(conn, learner["id"], word_id, advance(memory, grade, day, scheduler_for(learner)))


def _store(conn, learner_id, word_id, memory):
    conn.execute(
        """
        UPDATE word_stats
        SET state = :state, stability = :stability, difficulty = :difficulty, due = :due,
            last_review = :last_review, reps = :reps, lapses = :lapses
        WHERE learner_id = :learner_id AND word_id = :word_id
        """,
        {**memory, "learner_id": learner_id, "word_id": word_id},
    )


def rebuild(conn, learner):
    """Make the learner's memory of every word again from their answers, in the order
    they were recorded, inside the caller's transaction. Returns how many words."""
    states, _ = states_from_answers(conn, learner)
    store_states(conn, learner["id"], states)
    return len(states)


def states_from_answers(conn, learner, progress=None, word_ids=None):
    """({word: the memory its answers make, in the order recorded}, the id of the newest
    answer read): reads only, so it may run outside a transaction (a fit's reschedule
    does, and then brings the words answered meanwhile up to date: store_states). Only
    word_ids' when given. progress(words done) is called every 1,000 words."""
    scheduler = scheduler_for(learner)
    only = f" AND word_id IN ({', '.join('?' * len(word_ids))})" if word_ids else ""
    rows = conn.stream(
        f"SELECT id, word_id, grade, learning_day FROM word_review_items WHERE learner_id = ?{only} ORDER BY word_id, id",
        (learner["id"], *(word_ids or ())),
    )
    states, newest, word_id, memory = {}, 0, None, NEW
    for row in rows:
        if row["word_id"] != word_id:
            if word_id is not None:
                states[word_id] = memory
                if progress is not None and len(states) % 1000 == 0:
                    progress(len(states))
            word_id, memory = row["word_id"], NEW
        memory = advance(memory, row["grade"], row["learning_day"], scheduler)
        newest = max(newest, row["id"])
    if word_id is not None:
        states[word_id] = memory
    return states, newest


def store_states(conn, learner_id, states):
    """Keep the memory states made by states_from_answers, inside the caller's transaction."""
    for word_id, memory in states.items():
        _store(conn, learner_id, word_id, memory)


def rebuild_missing(conn):
    """Rebuild the memory of every learner with answered words that have none yet (a
    database upgraded from before memory states, sql/setup/008), each in a transaction of
    its own. Returns the learners."""
    learners = conn.execute(
        """
        SELECT id, fsrs_parameters, desired_retention FROM learners
        WHERE id IN (SELECT DISTINCT learner_id FROM word_stats WHERE state IS NULL)
        """
    ).fetchall()
    for learner in learners:
        with conn.transaction():
            rebuild(conn, learner)
    return [learner["id"] for learner in learners]
