"""Study activities: the small apps a learner launches for a group of words."""

from flask import Blueprint

from lib.db import get_db
from lib.domain import activities, groups, sessions
from lib.web import access, forms, query
from lib.web.access import LEARNER_IN_QUERY, SIGNED_IN, START_SESSION, allow
from lib.web.body import json_body
from lib.web.idempotency import idempotent_transaction

bp = Blueprint("study_activities", __name__, url_prefix="/api/study_activities")


@bp.get("")
@allow(SIGNED_IN)
def list_activities():
    return activities.every(get_db())


@bp.get("/<id:activity_id>")
@allow(SIGNED_IN)
def show_activity(activity_id):
    return activities.get(get_db(), activity_id)


@bp.get("/<id:activity_id>/sessions")
@bp.get("/<id:activity_id>/study_sessions")
@allow(LEARNER_IN_QUERY)
def list_activity_sessions(activity_id):
    activities.get(get_db(), activity_id)
    learner = query.learner()
    page = query.Page()
    sort = query.sort(sessions.SORT_KEYS, "start_time", "desc")
    return page.of(*sessions.page(get_db(), learner["id"], sort, page.offset, page.per_page, activity_id=activity_id))


@bp.get("/<id:activity_id>/launch")
@allow(SIGNED_IN)
def launch_data(activity_id):
    """What the portal needs to launch an activity: the activity and the groups to pick from."""
    return {"activity": activities.get(get_db(), activity_id), "groups": groups.names(get_db())}


@bp.post("")
@allow(START_SESSION)
def create_activity_session():
    """The frontend starts a session here; the same as POST /api/study_sessions."""
    values = forms.new_session(json_body())
    with idempotent_transaction() as write:
        return write.answer(sessions.create(write.conn, **access.new_session(values)))
