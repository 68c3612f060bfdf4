"""Dashboard figures for one learner (?learner_id=, learner 1 by default), all read from
counter caches so they cost the same at any history size and number of learners."""

from flask import Blueprint, current_app

from lib.db import get_db
from lib.domain import dashboard
from lib.web import query
from lib.web.access import LEARNER_IN_QUERY, allow

bp = Blueprint("dashboard", __name__, url_prefix="/api/dashboard")

MAX_FORECAST_DAYS = 365


@bp.get("/recent_session")
@bp.get("/last_study_session")
@allow(LEARNER_IN_QUERY)
def recent_session():
    """The learner's newest session, or a JSON null (status 200) when there is none."""
    return current_app.json.response(dashboard.recent_session(get_db(), query.learner()["id"]))


@bp.get("/stats")
@allow(LEARNER_IN_QUERY)
def stats():
    f = dashboard.figures(get_db(), query.learner())
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
@allow(LEARNER_IN_QUERY)
def quick_stats():
    f = dashboard.figures(get_db(), query.learner())
    return {
        "success_rate": round(f["success_rate"] * 100, 1),
        "total_study_sessions": f["sessions"],
        "total_active_groups": f["active_groups"],
        "study_streak_days": f["streak"],
    }


@bp.get("/study_progress")
@allow(LEARNER_IN_QUERY)
def study_progress():
    studied, available = dashboard.progress(get_db(), query.learner()["id"])
    return {"total_words_studied": studied, "total_available_words": available}


@bp.get("/forecast")
@allow(LEARNER_IN_QUERY)
def forecast():
    """How many words fall due on each of the learner's next learning days, starting with
    today (whose count includes every overdue word)."""
    learner = query.learner()
    days = query.int_arg("days", 14, MAX_FORECAST_DAYS)
    return {"days": dashboard.forecast(get_db(), learner, days)}
