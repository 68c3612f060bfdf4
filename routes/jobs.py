"""Background jobs (lib/domain/jobs.py): a job's state and progress, and cancelling it."""

from flask import Blueprint

from lib.db import get_db
from lib.domain import jobs
from lib.web.access import CHANGE_JOB, READ_JOB, allow
from lib.web.idempotency import idempotent_transaction

bp = Blueprint("jobs", __name__, url_prefix="/api/jobs")


@bp.get("/<id:job_id>")
@allow(READ_JOB)
def show_job(job_id):
    return jobs.get(get_db(), job_id)


@bp.delete("/<id:job_id>")
@allow(CHANGE_JOB)
def cancel_job(job_id):
    """Cancel a queued job at once, or ask a running one to stop (it is cancelled at its
    next progress report); a job that has ended is a 409 and stays as it was."""
    with idempotent_transaction() as write:
        return write.answer(jobs.cancel(write.conn, job_id))
