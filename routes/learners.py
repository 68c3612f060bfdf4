"""Learners: each has their own history, figures, time zone and learning day."""

import json

from flask import Blueprint
from werkzeug.exceptions import UnprocessableEntity

from lib import fitting, memory
from lib.clock import utc_now
from lib.db import get_db, one, query, scalar
from lib.errors import ValidationError
from lib.idempotency import idempotent_transaction
from lib.learners import LEARNER_COLUMNS, get_learner, public
from lib.listing import Page
from lib.validation import Invalid, fields, json_body, text, time_zone

bp = Blueprint("learners", __name__, url_prefix="/api/learners")

MAX_NAME = 100


def name(value):
    value = text(MAX_NAME)(value)
    if value is None or not value.strip():
        raise Invalid("must be a name of 1 to 100 characters")
    return value.strip()


def hour(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 23:
        raise Invalid("must be an hour from 0 to 23 (the local hour at which a learning day begins)")
    return value


def read_learner(body, required):
    """{name, timezone?, day_start_hour?}: on PUT every field may be left out, and what is
    left out stays as it was."""
    values = fields(body, {"name": (name, required), "timezone": (time_zone, False), "day_start_hour": (hour, False)})
    if not values and not required:
        raise ValidationError({"name": "send at least one of name, timezone, day_start_hour"})
    return values


@bp.get("")
def list_learners():
    page = Page()
    total = scalar("SELECT count(*) FROM learners")
    rows = query(f"SELECT {LEARNER_COLUMNS} FROM learners ORDER BY id LIMIT ? OFFSET ?", (page.per_page, page.offset))
    return {
        "items": rows,
        "total": total,
        "page": page.number,
        "per_page": page.per_page,
        "total_pages": page.total_pages(total),
    }


@bp.post("")
def create_learner():
    values = {"timezone": "UTC", "day_start_hour": 4, **read_learner(json_body(), required=True)}
    with idempotent_transaction() as write:
        row = one(
            f"""
            INSERT INTO learners (name, timezone, day_start_hour, created_at)
            VALUES (:name, :timezone, :day_start_hour, :created_at)
            RETURNING {LEARNER_COLUMNS}
            """,
            {**values, "created_at": utc_now()},
        )
        return write.answer(row, status=201)


@bp.get("/<id:learner_id>")
def show_learner(learner_id):
    return public(get_learner(learner_id))


@bp.put("/<id:learner_id>")
def update_learner(learner_id):
    values = read_learner(json_body(), required=False)
    with idempotent_transaction() as write:
        learner = {**public(get_learner(learner_id)), **values}
        row = one(
            f"""
            UPDATE learners
            SET name = :name, timezone = :timezone, day_start_hour = :day_start_hour
            WHERE id = :id
            RETURNING {LEARNER_COLUMNS}
            """,
            learner,
        )
        return write.answer(row)


def learner_log(learner_id):
    """The learner's answers for fitting.Log: (word, grade, learning day) by word, then as recorded."""
    rows = get_db().stream(
        "SELECT word_id, grade, learning_day FROM word_review_items WHERE learner_id = ? ORDER BY word_id, id",
        (learner_id,),
    )
    return fitting.from_rows((row["word_id"], row["grade"], row["learning_day"]) for row in rows)


def schedule(learner, log):
    parameters = list(memory.parameters_of(learner))
    return {
        "parameters": parameters,
        "desired_retention": learner["desired_retention"],
        "evaluation": fitting.evaluate(log, parameters),
    }


@bp.get("/<id:learner_id>/schedule")
def show_schedule(learner_id):
    """The learner's FSRS parameters and desired retention, and how well they predict the
    learner's own answers."""
    learner = get_learner(learner_id)
    return schedule(learner, learner_log(learner_id))


@bp.post("/<id:learner_id>/schedule/optimize")
def optimize_schedule(learner_id):
    """Fit the parameters to the learner's answers, store them, and reschedule every word."""
    fields(json_body(required=False), {})
    learner = get_learner(learner_id)
    log = learner_log(learner_id)
    if log.reviews < fitting.MIN_REVIEWS_TO_FIT:
        raise UnprocessableEntity(
            f"Fitting needs at least {fitting.MIN_REVIEWS_TO_FIT} answers that count (not a word's first answer, "
            f"nor one on the same learning day as the one before); learner {learner_id} has {log.reviews}."
        )
    before = fitting.evaluate(log, memory.parameters_of(learner))
    fitted = fitting.fit(log, memory.parameters_of(learner))
    with idempotent_transaction() as write:
        write.conn.execute("UPDATE learners SET fsrs_parameters = ? WHERE id = ?", (json.dumps(fitted), learner_id))
        learner = {**learner, "fsrs_parameters": json.dumps(fitted)}
        memory.rebuild(write.conn, learner)
        return write.answer({**schedule(learner, log), "previous_evaluation": before})
