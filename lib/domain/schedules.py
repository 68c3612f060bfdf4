"""A learner's scheduler: their FSRS parameters, how well those predict the learner's own
answers (lib/domain/fitting.py), and parameters fitted to them.

The evaluation reads the learner's whole log, which takes seconds at a million answers, so
past INLINE_ANSWERS it is kept (schedule_evaluations) and a GET answers the one kept,
saying how many answers it covers, when it was computed and whether it is current; a stale
one is brought up to date by an evaluate job (lib/worker.py). A fit keeps the evaluation of
the parameters it stores.
"""

import contextlib
import json

from lib.domain import clock, fitting, jobs, memory
from lib.domain.errors import Busy, Conflict, Unprocessable

INLINE_ANSWERS = 5_000  # up to this many answers a GET evaluates the log itself, in tens of ms


def total_answers(conn, learner_id):
    """How many answers the learner has given (their counter, not a count of the log)."""
    return conn.scalar("SELECT reviews FROM learner_totals WHERE learner_id = ?", (learner_id,)) or 0


def answers_log(conn, learner_id):
    """The learner's answers as a fitting.Log: (word, grade, learning day), by word, then as
    recorded. Its answers attribute is the learner's count read just before: an answer
    given while the log is read makes what is computed from it stale, never current by mistake."""
    answers = total_answers(conn, learner_id)
    rows = conn.stream(
        "SELECT word_id, grade, learning_day FROM word_review_items WHERE learner_id = ? ORDER BY word_id, id",
        (learner_id,),
    )
    log = fitting.from_rows((row["word_id"], row["grade"], row["learning_day"]) for row in rows)
    log.answers = answers
    return log


def schedule(learner, log):
    """{parameters, desired_retention, evaluation, evaluated} of the learner on their log,
    evaluated now."""
    parameters = list(memory.parameters_of(learner))
    evaluated = {"answers": log.answers, "computed_at": clock.utc_now(), "current": True, "job": None}
    return _schedule(learner, fitting.evaluate(log, parameters), evaluated)


def _schedule(learner, evaluation, evaluated):
    return {
        "parameters": list(memory.parameters_of(learner)),
        "desired_retention": learner["desired_retention"],
        "evaluation": evaluation,
        "evaluated": evaluated,
    }


def show(conn, learner, max_queued):
    """(the learner's schedule as GET answers it, whether a job was queued): evaluated now up
    to INLINE_ANSWERS answers, else the evaluation kept (None before the first), with the job
    bringing a stale one up to date: a fit of the learner's under way, or an evaluate job,
    queued here unless max_queued jobs wait already."""
    answers = total_answers(conn, learner["id"])
    if answers <= INLINE_ANSWERS:
        return schedule(learner, answers_log(conn, learner["id"])), False
    parameters = list(memory.parameters_of(learner))
    kept = conn.row(
        "SELECT parameters, answers, evaluation, computed_at FROM schedule_evaluations WHERE learner_id = ?",
        (learner["id"],),
    )
    current = kept is not None and json.loads(kept["parameters"]) == parameters and kept["answers"] == answers
    job, new = None, False
    if not current:
        with conn.transaction():
            job = conn.row(
                f"SELECT {jobs.COLUMNS} FROM jobs WHERE learner_id = ? AND kind = 'optimize' "
                "AND state IN ('queued', 'running')",
                (learner["id"],),
            )
            if job is None:
                with contextlib.suppress(Busy):  # the queue is full: the next GET asks again
                    job, new = jobs.submit(conn, "evaluate", learner["id"], max_queued)
    evaluated = {
        "answers": kept["answers"] if kept else 0,
        "computed_at": kept["computed_at"] if kept else None,
        "current": current,
        "job": job and {"id": job["id"], "kind": job["kind"], "state": job["state"], "progress": job["progress"]},
    }
    return _schedule(learner, json.loads(kept["evaluation"]) if kept else None, evaluated), new


def keep_evaluation(conn, learner_id, parameters, answers, evaluation):
    """Keep the evaluation of parameters over the learner's first answers, in the caller's transaction."""
    conn.execute(
        """
        INSERT INTO schedule_evaluations (learner_id, parameters, answers, evaluation, computed_at)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (learner_id) DO UPDATE SET parameters = excluded.parameters, answers = excluded.answers,
            evaluation = excluded.evaluation, computed_at = excluded.computed_at
        """,
        (learner_id, json.dumps(list(parameters)), answers, json.dumps(evaluation), clock.utc_now()),
    )


def _reset_since(conn, learner_id, log):
    """Whether the learner's history was reset since the log was read (answers are only
    ever added otherwise), in the caller's write transaction: a reset runs alone, so it
    has committed before that began or waits for it to end."""
    answers = conn.scalar("SELECT reviews FROM learner_totals WHERE learner_id = ?", (learner_id,))
    return answers is None or answers < log.answers


def evaluate(conn, learner, progress=None, finish=None):
    """Evaluate the learner's parameters on their whole log and keep it (an evaluate job),
    unless their parameters changed meanwhile (a fit stored its own); then finish(conn,
    result), when given, in the same transaction. The result: {parameters, evaluation, answers}."""
    log = answers_log(conn, learner["id"])
    if progress is not None:
        progress(0.8)  # reading the log is most of the work
    parameters = list(memory.parameters_of(learner))
    result = {"parameters": parameters, "evaluation": fitting.evaluate(log, parameters), "answers": log.answers}
    with conn.transaction():
        now = conn.row("SELECT fsrs_parameters FROM learners WHERE id = ?", (learner["id"],))
        unchanged = now is not None and list(memory.parameters_of(now)) == parameters
        if unchanged and not _reset_since(conn, learner["id"], log):
            keep_evaluation(conn, learner["id"], parameters, log.answers, result["evaluation"])
        if finish is not None:
            finish(conn, result)
    return result


COUNT_BATCH = 2_000  # answers read at a time while counting those that count


def counted_answers(conn, learner_id, up_to=None):
    """How many of the learner's answers a fit counts: each word's answers on a learning day
    after its first count once (the first of that day). Read word by word in the index's
    order, a batch at a time, and only until up_to are found (at least up_to is then all it
    says), so that the POST which checks a fit has enough costs the same at a million
    answers as at a thousand: counting them all took 1.4 s there."""
    counted, word, days, after = 0, None, set(), (0, 0)
    while True:
        rows = conn.rows(
            "SELECT word_id, id, learning_day FROM word_review_items "
            "WHERE learner_id = ? AND (word_id, id) > (?, ?) ORDER BY word_id, id LIMIT ?",
            (learner_id, *after, COUNT_BATCH),
        )
        for row in rows:
            if row["word_id"] != word:
                counted += max(0, len(days) - 1)
                word, days = row["word_id"], set()
            days.add(row["learning_day"])
        if len(rows) < COUNT_BATCH or (up_to is not None and counted >= up_to):
            return counted + max(0, len(days) - 1)
        after = (rows[-1]["word_id"], rows[-1]["id"])


def require_enough(conn, learner_id, reviews=None):
    """Unprocessable when the learner has fewer answers that count than a fit needs."""
    reviews = counted_answers(conn, learner_id, up_to=fitting.MIN_REVIEWS_TO_FIT) if reviews is None else reviews
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
    called as the words are rescheduled. A Conflict, storing nothing, when the history was
    reset since the log was read."""
    learner = {**learner, "fsrs_parameters": json.dumps(fitted)}
    report = progress and (lambda words: progress(words / max(1, log.words)))
    states, newest = memory.states_from_answers(conn, learner, progress=report)
    result = {**schedule(learner, log), "previous_evaluation": previous}
    with conn.transaction():
        if _reset_since(conn, learner["id"], log):
            raise Conflict(f"Learner {learner['id']}'s history was reset while the fit ran; nothing was stored.")
        conn.execute(
            "UPDATE learners SET fsrs_parameters = ? WHERE id = ?", (learner["fsrs_parameters"], learner["id"])
        )
        memory.store_states(conn, learner["id"], states)
        keep_evaluation(conn, learner["id"], fitted, log.answers, result["evaluation"])
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
