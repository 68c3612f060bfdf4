"""Learners and their learning days.

A learning day is the learner's local date, rolling over at day_start_hour (Anki's rule:
an answer at 01:00 with a 4:00 rollover counts for the day before). Sessions and answers
store the learning day they fall on, worked out here when they are recorded.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from lib.domain import clock
from lib.domain.errors import NotFound

DEFAULT_LEARNER = 1  # who a request that names no learner is for
NEW_LEARNER = {"timezone": "UTC", "day_start_hour": 4}  # what a new learner has unless told
LEARNER_COLUMNS = "id, name, timezone, day_start_hour, created_at"  # a Learner, as the API shows one
SCHEDULE_COLUMNS = "fsrs_parameters, desired_retention"  # what the scheduler needs besides


def public(learner):
    """The learner as the API shows one."""
    return {key: learner[key] for key in ("id", "name", "timezone", "day_start_hour", "created_at")}


def learning_day(moment, timezone, day_start_hour):
    """The learning day (an ISO date) on which the UTC datetime moment falls."""
    local = moment.astimezone(ZoneInfo(timezone))
    return (local - timedelta(hours=day_start_hour)).date().isoformat()


def day_of(learner, moment):
    """The learner's learning day at moment."""
    return learning_day(moment, learner["timezone"], learner["day_start_hour"])


def today(learner):
    """The learner's current learning day, as a date."""
    return date.fromisoformat(day_of(learner, clock.now()))


def get(conn, learner_id):
    """The learner as a dict (with its scheduler's settings), or NotFound."""
    learner = conn.row(f"SELECT {LEARNER_COLUMNS}, {SCHEDULE_COLUMNS} FROM learners WHERE id = ?", (learner_id,))
    if learner is None:
        raise NotFound(f"Learner {learner_id} not found.")
    return learner


def page(conn, offset, limit, visible=("1 = 1", ())):
    """(learners by id, how many there are), of those the condition visible (SQL on
    learners AS l, and its parameters: lib/domain/access.py) keeps."""
    where, params = visible
    rows = conn.rows(
        f"SELECT {LEARNER_COLUMNS} FROM learners AS l WHERE {where} ORDER BY id LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return rows, conn.scalar(f"SELECT count(*) FROM learners AS l WHERE {where}", params)


def create(conn, values):
    """A new learner from {name, timezone?, day_start_hour?}."""
    return conn.row(
        f"""
        INSERT INTO learners (name, timezone, day_start_hour, created_at)
        VALUES (:name, :timezone, :day_start_hour, :created_at)
        RETURNING {LEARNER_COLUMNS}
        """,
        {**NEW_LEARNER, **values, "created_at": clock.utc_now()},
    )


def update(conn, learner_id, values):
    """The learner with the fields in values changed; the others stay as they were."""
    learner = {**public(get(conn, learner_id)), **values}
    return conn.row(
        f"""
        UPDATE learners
        SET name = :name, timezone = :timezone, day_start_hour = :day_start_hour
        WHERE id = :id
        RETURNING {LEARNER_COLUMNS}
        """,
        learner,
    )
