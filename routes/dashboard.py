"""Dashboard figures, all read from counter caches so they cost the same at any history size."""

from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, current_app

from lib.db import one, scalar

bp = Blueprint("dashboard", __name__, url_prefix="/api/dashboard")

ACTIVE_DAYS = 30


def current_streak(today):
    """Consecutive UTC days with a review, ending today (or yesterday if none yet today).
    One indexed lookup: review_days keeps each day's run start (sql/setup/004)."""
    newest = one(
        "SELECT day, run_start FROM review_days WHERE day <= ? ORDER BY day DESC LIMIT 1",
        (today.isoformat(),),
    )
    if newest is None or date.fromisoformat(newest["day"]) < today - timedelta(days=1):
        return 0
    return (date.fromisoformat(newest["day"]) - date.fromisoformat(newest["run_start"])).days + 1


def active_groups(now):
    since = (now - timedelta(days=ACTIVE_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return scalar("SELECT count(*) FROM groups WHERE last_session_at >= ?", (since,))


def figures():
    now = datetime.now(UTC)
    totals = one("SELECT * FROM totals")
    return {
        **totals,
        "success_rate": totals["correct"] / totals["reviews"] if totals["reviews"] else 0.0,
        "active_groups": active_groups(now),
        "streak": current_streak(now.date()),
    }


@bp.get("/recent_session")
@bp.get("/last_study_session")
def recent_session():
    """The newest session, or a JSON null (status 200) when there is none."""
    row = one(
        """
        SELECT
            s.id, s.group_id, g.name AS group_name,
            s.study_activity_id AS activity_id, s.study_activity_id, a.name AS activity_name,
            s.created_at, s.correct_count, s.review_items_count - s.correct_count AS wrong_count
        FROM study_sessions AS s
        JOIN groups AS g ON g.id = s.group_id
        JOIN study_activities AS a ON a.id = s.study_activity_id
        ORDER BY s.created_at DESC, s.id DESC
        LIMIT 1
        """
    )
    return current_app.json.response(row)


@bp.get("/stats")
def stats():
    f = figures()
    return {
        "total_vocabulary": f["words"],
        "total_words_studied": f["studied_words"],
        "mastered_words": f["mastered_words"],
        "success_rate": f["success_rate"],
        "total_sessions": f["sessions"],
        "active_groups": f["active_groups"],
        "current_streak": f["streak"],
    }


@bp.get("/quick_stats")
def quick_stats():
    f = figures()
    return {
        "success_rate": round(f["success_rate"] * 100, 1),
        "total_study_sessions": f["sessions"],
        "total_active_groups": f["active_groups"],
        "study_streak_days": f["streak"],
    }


@bp.get("/study_progress")
def study_progress():
    totals = one("SELECT studied_words, words FROM totals")
    return {"total_words_studied": totals["studied_words"], "total_available_words": totals["words"]}
