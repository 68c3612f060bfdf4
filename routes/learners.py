"""Learners: each has their own history, figures, time zone and learning day, and their
own scheduler."""

from flask import Blueprint, current_app

from lib import worker
from lib.db import get_db
from lib.domain import jobs, learners, schedules
from lib.web import access, forms, query, ratelimit
from lib.web.access import ADMIN, CHANGE_LEARNER_IN_PATH, LEARNER_IN_PATH, SIGNED_IN, allow
from lib.web.body import json_body
from lib.web.idempotency import idempotent_transaction
from lib.web.ratelimit import limited

bp = Blueprint("learners", __name__, url_prefix="/api/learners")


@bp.get("")
@allow(SIGNED_IN)
def list_learners():
    page = query.Page()
    return page.of(*learners.page(get_db(), page.offset, page.per_page, access.visible()))


@bp.post("")
@allow(ADMIN)
def create_learner():
    values = forms.learner(json_body(), required=True)
    with idempotent_transaction() as write:
        return write.answer(learners.create(write.conn, values), status=201)


@bp.get("/<id:learner_id>")
@allow(LEARNER_IN_PATH)
def show_learner(learner_id):
    return learners.public(learners.get(get_db(), learner_id))


@bp.put("/<id:learner_id>")
@allow(CHANGE_LEARNER_IN_PATH)
def update_learner(learner_id):
    values = forms.learner(json_body(), required=False)
    with idempotent_transaction() as write:
        return write.answer(learners.update(write.conn, learner_id, values))


@bp.get("/<id:learner_id>/schedule")
@allow(LEARNER_IN_PATH)
@limited(lambda: ratelimit.HISTORY)
def show_schedule(learner_id):
    """The learner's FSRS parameters and desired retention, and how well they predict the
    learner's own answers (kept past a few thousand answers, and brought up to date by a job)."""
    learner = learners.get(get_db(), learner_id)
    body, queued = schedules.show(get_db(), learner, current_app.config["JOB_QUEUE"])
    if queued:
        _wake_worker()
    return body


@bp.post("/<id:learner_id>/schedule/optimize")
@allow(CHANGE_LEARNER_IN_PATH)
@limited(lambda: ratelimit.OPTIMIZE)
def optimize_schedule(learner_id):
    """Queue a fit of the learner's parameters (a job: 202 and its Location), or answer the
    learner's fit already queued or running (200); below the answers a fit needs, a 422 at once."""
    forms.empty()
    learners.get(get_db(), learner_id)
    schedules.require_enough(get_db(), learner_id)
    with idempotent_transaction() as write:
        job, new = jobs.submit(write.conn, "optimize", learner_id, current_app.config["JOB_QUEUE"])
        response = write.answer(job, status=202 if new else 200, location=f"/api/jobs/{job['id']}")
    _wake_worker()
    return response


def _wake_worker():
    worker.of(current_app).start()
    worker.of(current_app).wake.set()
