"""Study activities: the small apps a learner launches for a group of words. They come only
from the seed (no request creates one)."""

from lib.domain.errors import NotFound

ACTIVITY_SELECT = """
SELECT id, name AS title, url AS launch_url, preview_url, description
FROM study_activities
"""


def get(conn, activity_id):
    activity = conn.row(f"{ACTIVITY_SELECT} WHERE id = ?", (activity_id,))
    if activity is None:
        raise NotFound(f"Study activity {activity_id} not found.")
    return activity


def every(conn):
    return conn.rows(f"{ACTIVITY_SELECT} ORDER BY id")
