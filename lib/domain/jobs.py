"""Background jobs: work too long for a request (a fit of a learner's FSRS parameters, or
their evaluation over the whole log) kept as a row, so that every server process and the
command line see it (lib/worker.py runs them; docs/learning.md, Jobs).

A job is queued, then running under an owner whose lease it renews, then done, failed or
cancelled. A running job whose lease has run out was cut off (a crash, a restart, a lost
server) and is taken again by the next worker that looks. One queued or running job per
learner and kind (a unique index says so); cancelling a running job asks its owner to stop
at the next progress report.
"""

import json
from datetime import timedelta

from lib.domain import clock
from lib.domain.errors import Busy, Conflict, NotFound

KINDS = ("optimize", "evaluate")
ACTIVE = ("queued", "running")
ENDED = ("done", "failed", "cancelled")
MAX_ATTEMPTS = 3
CUT_OFF = f"The job was cut off {MAX_ATTEMPTS} times (a crash or a restart each time); submit it again."
COLUMNS = "id, kind, learner_id, state, progress, created_at, started_at, finished_at, result, error"


class Stopped(Exception):
    """The job is to stop: it was cancelled, or its lease went to another owner."""


def show(row):
    """A job row as the API answers it (result parsed)."""
    return {**row, "result": json.loads(row["result"]) if row["result"] is not None else None}


def get(conn, job_id):
    row = conn.row(f"SELECT {COLUMNS} FROM jobs WHERE id = ?", (job_id,))
    if row is None:
        raise NotFound(f"Job {job_id} not found.")
    return show(row)


def learner_of(conn, job_id):
    """The id of the job's learner, or NotFound."""
    learner_id = conn.scalar("SELECT learner_id FROM jobs WHERE id = ?", (job_id,))
    if learner_id is None:
        raise NotFound(f"Job {job_id} not found.")
    return learner_id


def submit(conn, kind, learner_id, max_queued):
    """(the job, whether it is new), in the caller's transaction: the learner's queued or
    running job of that kind when there is one, else a new queued job; Busy when
    max_queued jobs wait already."""
    active = conn.row(
        f"SELECT {COLUMNS} FROM jobs WHERE learner_id = ? AND kind = ? AND state IN ('queued', 'running')",
        (learner_id, kind),
    )
    if active is not None:
        return show(active), False
    if conn.scalar("SELECT count(*) FROM jobs WHERE state = 'queued'") >= max_queued:
        raise Busy(f"{max_queued} jobs are waiting already; send the request again in a minute.", retry_after=60)
    row = conn.row(
        f"INSERT INTO jobs (kind, learner_id, created_at) VALUES (?, ?, ?) RETURNING {COLUMNS}",
        (kind, learner_id, clock.utc_now()),
    )
    return show(row), True


def cancel(conn, job_id):
    """Cancel a queued job at once, or ask a running one's owner to stop; a job that has
    ended is a Conflict and stays as it was. Returns the job."""
    job = get(conn, job_id)
    if job["state"] in ENDED:
        raise Conflict(f"Job {job_id} has ended ({job['state']}); there is nothing to cancel.")
    if job["state"] == "queued":
        conn.execute(
            "UPDATE jobs SET state = 'cancelled', finished_at = ? WHERE id = ? AND state = 'queued'",
            (clock.utc_now(), job_id),
        )
    conn.execute("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", (job_id,))
    return get(conn, job_id)


def _lease(seconds):
    return (clock.now() + timedelta(seconds=seconds)).strftime(clock.TIMESTAMP)


def waiting(conn):
    """Whether a job waits to be taken (queued, or running with its lease run out): a read,
    so that an idle worker's look every few seconds writes nothing."""
    return (
        conn.row(
            "SELECT 1 FROM jobs WHERE state = 'queued' OR (state = 'running' AND lease_until < ?) LIMIT 1",
            (clock.utc_now(),),
        )
        is not None
    )


def take(conn, owner, lease_seconds):
    """The next job to run, now owned by owner (in the caller's transaction), or None: the
    oldest queued one, or a running one whose lease has run out. Two workers never take
    the same job: SQLite writes one at a time, PostgreSQL skips rows another has locked.
    A job cut off MAX_ATTEMPTS times is not tried again: it fails."""
    conn.execute(
        "UPDATE jobs SET state = 'failed', finished_at = ?, lease_until = NULL, error = ? "
        "WHERE state = 'running' AND lease_until < ? AND attempts >= ?",
        (clock.utc_now(), CUT_OFF, clock.utc_now(), MAX_ATTEMPTS),
    )
    row = conn.row(
        f"""
        SELECT id FROM jobs
        WHERE state = 'queued' OR (state = 'running' AND lease_until < ?)
        ORDER BY id
        LIMIT 1{conn.engine.SKIP_LOCKED}
        """,
        (clock.utc_now(),),
    )
    if row is None:
        return None
    now = clock.utc_now()
    return conn.row(
        f"""
        UPDATE jobs
        SET state = 'running', owner = ?, lease_until = ?, attempts = attempts + 1, progress = 0,
            started_at = coalesce(started_at, ?)
        WHERE id = ? AND (state = 'queued' OR (state = 'running' AND lease_until < ?))
        RETURNING {COLUMNS}, attempts
        """,
        (owner, _lease(lease_seconds), now, row["id"], now),
    )


def report(conn, job_id, owner, progress, lease_seconds):
    """Record the running job's progress and renew its lease; Stopped when it was cancelled
    or is no longer this owner's."""
    row = conn.row(
        "UPDATE jobs SET progress = ?, lease_until = ? WHERE id = ? AND owner = ? AND state = 'running' "
        "RETURNING cancel_requested",
        (min(1.0, max(0.0, progress)), _lease(lease_seconds), job_id, owner),
    )
    if row is None or row["cancel_requested"]:
        raise Stopped()


def end(conn, job_id, owner, state, result=None, error=None):
    """Mark the owner's running job done (progress 1, with its result), failed (with the
    sentence why) or cancelled; nothing when it is no longer this owner's."""
    conn.execute(
        """
        UPDATE jobs
        SET state = ?, finished_at = ?, result = ?, error = ?, lease_until = NULL,
            progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END
        WHERE id = ? AND owner = ? AND state = 'running'
        """,
        (state, clock.utc_now(), json.dumps(result) if result is not None else None, error, state, job_id, owner),
    )
