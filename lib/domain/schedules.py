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


def fit(conn, learner, progress=None):
    """(parameters fitted to the learner's answers, the current ones' evaluation, the log);
    Unprocessable below the answers a fit needs. Reads only: store() keeps the result.
    progress(share done), when given, is called by the fitting loop (fitting.fit)."""
    log = answers_log(conn, learner["id"])
    if log.reviews < fitting.MIN_REVIEWS_TO_FIT:
        raise Unprocessable(
            f"Fitting needs at least {fitting.MIN_REVIEWS_TO_FIT} answers that count (not a word's first answer, "
            f"nor one on the same learning day as the one before); learner {learner['id']} has {log.reviews}."
        )
    current = memory.parameters_of(learner)
    return fitting.fit(log, current, progress=progress), fitting.evaluate(log, current), log


def store(conn, learner, fitted, log, previous):
    """Keep the fitted parameters and reschedule every word by them, in the caller's
    transaction; the new schedule with the previous evaluation."""
    conn.execute("UPDATE learners SET fsrs_parameters = ? WHERE id = ?", (json.dumps(fitted), learner["id"]))
    learner = {**learner, "fsrs_parameters": json.dumps(fitted)}
    memory.rebuild(conn, learner)
    return {**schedule(learner, log), "previous_evaluation": previous}
