"""A learner's scheduler: their FSRS parameters, how well those predict the learner's own
answers (lib/domain/fitting.py), and parameters fitted to them."""

import json

from lib.domain import fitting, memory
from lib.domain.errors import Unprocessable


def answers_log(conn, learner_id):
    """The learner's answers as a fitting.Log: (word, grade, learning day), by word, then as recorded."""
    rows = conn.stream(
        "SELECT word_id, grade, learning_day FROM word_review_items WHERE learner_id = ? ORDER BY word_id, id",
        (learner_id,),
    )
    return fitting.from_rows((row["word_id"], row["grade"], row["learning_day"]) for row in rows)


def schedule(learner, log):
    """{parameters, desired_retention, evaluation} of the learner on their log."""
    parameters = list(memory.parameters_of(learner))
    return {
        "parameters": parameters,
        "desired_retention": learner["desired_retention"],
        "evaluation": fitting.evaluate(log, parameters),
    }


def counted_answers(conn, learner_id):
    """How many of the learner's answers a fit counts, without reading them: each word's
    answers on a learning day after its first count once (the first of that day), so they
    are the word-and-day pairs less the words."""
    return conn.scalar(
        """
        SELECT count(*) - count(DISTINCT word_id)
        FROM (SELECT DISTINCT word_id, learning_day FROM word_review_items WHERE learner_id = ?) AS days
        """,
        (learner_id,),
    )


def require_enough(conn, learner_id, reviews=None):
    """Unprocessable when the learner has fewer answers that count than a fit needs."""
    reviews = counted_answers(conn, learner_id) if reviews is None else reviews
    if reviews < fitting.MIN_REVIEWS_TO_FIT:
        raise Unprocessable(
            f"Fitting needs at least {fitting.MIN_REVIEWS_TO_FIT} answers that count (not a word's first answer, "
            f"nor one on the same learning day as the one before); learner {learner_id} has {reviews}."
        )


def fit(conn, learner, progress=None):
    """(parameters fitted to the learner's answers, the current ones' evaluation, the log);
    Unprocessable below the answers a fit needs. Reads only: store() keeps the result.
    progress(share done), when given, is called by the fitting loop (fitting.fit)."""
    log = answers_log(conn, learner["id"])
    require_enough(conn, learner["id"], log.reviews)
    current = memory.parameters_of(learner)
    return fitting.fit(log, current, progress=progress), fitting.evaluate(log, current), log


def store(conn, learner, fitted, log, previous, progress=None, finish=None):
    """Keep the fitted parameters and reschedule every word by them; the new schedule with
    the previous evaluation. The memory states are made before the write transaction (a
    million answers take half a minute; writers must not wait that long), and the words
    answered meanwhile are made again inside it, with the parameters stored and then
    finish(conn, result), when given, all in one transaction. progress(share done) is
    called as the words are rescheduled."""
    learner = {**learner, "fsrs_parameters": json.dumps(fitted)}
    report = progress and (lambda words: progress(words / max(1, log.words)))
    states, newest = memory.states_from_answers(conn, learner, progress=report)
    result = {**schedule(learner, log), "previous_evaluation": previous}
    with conn.transaction():
        conn.execute(
            "UPDATE learners SET fsrs_parameters = ? WHERE id = ?", (learner["fsrs_parameters"], learner["id"])
        )
        memory.store_states(conn, learner["id"], states)
        since = [
            row["word_id"]
            for row in conn.rows(
                "SELECT DISTINCT word_id FROM word_review_items WHERE learner_id = ? AND id > ?",
                (learner["id"], newest),
            )
        ]
        if since:
            memory.store_states(conn, learner["id"], memory.states_from_answers(conn, learner, word_ids=since)[0])
        if finish is not None:
            finish(conn, result)
    return result
