"""Learners and their learning days.

A learning day is the learner's local date, rolling over at day_start_hour (Anki's rule:
an answer at 01:00 with a 4:00 rollover counts for the day before). Sessions and answers
store the learning day they fall on, worked out here when they are recorded.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import g, request
from werkzeug.exceptions import BadRequest

from lib import clock
from lib.db import one_or_404
from lib.validation import MAX_ID, brief

DEFAULT_LEARNER = 1
LEARNER_COLUMNS = "id, name, timezone, day_start_hour, created_at"  # a Learner, as the API shows one
SCHEDULE_COLUMNS = "fsrs_parameters, desired_retention"  # what lib/memory needs besides


def public(learner):
    """The learner as the API shows one."""
    return {key: learner[key] for key in ("id", "name", "timezone", "day_start_hour", "created_at")}


def learning_day(moment, timezone, day_start_hour):
    """The learning day (an ISO date) on which the UTC datetime moment falls."""
    local = moment.astimezone(ZoneInfo(timezone))
    return (local - timedelta(hours=day_start_hour)).date().isoformat()


def today(learner):
    """The learner's current learning day, as a date."""
    return date.fromisoformat(learning_day(clock.now(), learner["timezone"], learner["day_start_hour"]))


def get_learner(learner_id):
    """The learner as a dict (with its scheduler's settings), or a 404."""
    return one_or_404(
        f"SELECT {LEARNER_COLUMNS}, {SCHEDULE_COLUMNS} FROM learners WHERE id = ?",
        (learner_id,),
        f"Learner {learner_id} not found.",
    )


def requested_learner():
    """The learner a read is for: ?learner_id= (learner 1 when absent), read once per request."""
    if "learner" not in g:
        raw = request.args.get("learner_id")
        if raw is None:
            learner_id = DEFAULT_LEARNER
        elif len(raw) <= 19 and raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ID:
            learner_id = int(raw)
        else:
            raise BadRequest(f"Query parameter learner_id must be a positive integer id, not {brief(raw)}.")
        g.learner = get_learner(learner_id)
    return g.learner
