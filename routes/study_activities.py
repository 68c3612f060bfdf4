"""Study activities: the small apps a learner launches for a group of words."""

from flask import Blueprint, abort

from lib.db import one, query
from routes.study_sessions import create_session, session_list

bp = Blueprint("study_activities", __name__, url_prefix="/api/study_activities")

ACTIVITY_SELECT = """
SELECT id, name AS title, url AS launch_url, preview_url, description
FROM study_activities
"""


def get_activity(activity_id):
    activity = one(f"{ACTIVITY_SELECT} WHERE id = ?", (activity_id,))
    if activity is None:
        abort(404, f"Study activity {activity_id} not found.")
    return activity


@bp.get("")
def list_activities():
    return query(f"{ACTIVITY_SELECT} ORDER BY id")


@bp.get("/<id:activity_id>")
def show_activity(activity_id):
    return get_activity(activity_id)


@bp.get("/<id:activity_id>/sessions")
@bp.get("/<id:activity_id>/study_sessions")
def list_activity_sessions(activity_id):
    get_activity(activity_id)
    return session_list("s.study_activity_id = ?", (activity_id,))


@bp.get("/<id:activity_id>/launch")
def launch_data(activity_id):
    """What the portal needs to launch an activity: the activity and the groups to pick from."""
    activity = get_activity(activity_id)
    groups = query("SELECT id, name FROM groups ORDER BY name, id")
    return {"activity": activity, "groups": groups}


@bp.post("")
def create_activity_session():
    """The frontend starts a session here; same as POST /api/study_sessions."""
    return create_session()
