"""Dashboard figures for one learner (?learner_id=, learner 1 by default), all read from
counter caches so they cost the same at any history size and number of learners."""

from datetime import date, timedelta

from flask import Blueprint, current_app

from lib.db import one, query, scalar
from lib.learners import requested_learner, today
from lib.listing import int_arg

bp = Blueprint("dashboard", __name__, url_prefix="/api/dashboard")

ACTIVE_DAYS = 30  # a group is active with a session on one of the learner's last 30 learning days


def current_streak(learner_id, day):
    """Consecutive learning days with an answer, ending day (or the day before if none yet
    on day). One indexed lookup: review_days keeps each day's run start."""
    newest = one(
        "SELECT day, run_start FROM review_days WHERE learner_id = ? AND day <= ? ORDER BY day DESC LIMIT 1",
        (learner_id, day.isoformat()),
    )
    if newest is None or date.fromisoformat(newest["day"]) < day - timedelta(days=1):
        return 0
    return (date.fromisoformat(newest["day"]) - date.fromisoformat(newest["run_start"])).days + 1


def active_groups(learner_id, day):
    since = (day - timedelta(days=ACTIVE_DAYS - 1)).isoformat()
    return scalar(
        "SELECT count(*) FROM learner_groups WHERE learner_id = ? AND last_session_day >= ?",
        (learner_id, since),
    )


def figures():
    learner = requested_learner()
    day = today(learner)
    totals = one("SELECT * FROM learner_totals WHERE learner_id = ?", (learner["id"],))
    return {
        **totals,
        "words": scalar("SELECT words FROM vocabulary_totals"),
        "success_rate": totals["correct"] / totals["reviews"] if totals["reviews"] else 0.0,
        "active_groups": active_groups(learner["id"], day),
        "streak": current_streak(learner["id"], day),
    }


@bp.get("/recent_session")
@bp.get("/last_study_session")
def recent_session():
    """The learner's newest session, or a JSON null (status 200) when there is none."""
    row = one(
        """
        SELECT
            s.id, s.group_id, g.name AS group_name,
            s.study_activity_id AS activity_id, s.study_activity_id, a.name AS activity_name,
            s.created_at, s.correct_count, s.review_items_count - s.correct_count AS wrong_count
        FROM study_sessions AS s
        JOIN groups AS g ON g.id = s.group_id
        JOIN study_activities AS a ON a.id = s.study_activity_id
        WHERE s.learner_id = ?
        ORDER BY s.created_at DESC, s.id DESC
        LIMIT 1
        """,
        (requested_learner()["id"],),
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
    learner = requested_learner()
    studied = scalar("SELECT studied_words FROM learner_totals WHERE learner_id = ?", (learner["id"],))
    return {"total_words_studied": studied, "total_available_words": scalar("SELECT words FROM vocabulary_totals")}


MAX_FORECAST_DAYS = 365


@bp.get("/forecast")
def forecast():
    """How many words fall due on each of the learner's next learning days, starting with
    today (whose count includes every overdue word)."""
    learner = requested_learner()
    days = int_arg("days", 14, MAX_FORECAST_DAYS)
    first = today(learner)
    end = (first + timedelta(days=days)).isoformat()
    due = dict(
        (row["day"], row["due"])
        for row in query(
            """
            SELECT CASE WHEN due < ? THEN ? ELSE due END AS day, count(*) AS due
            FROM word_stats
            WHERE learner_id = ? AND due < ?
            GROUP BY 1
            """,
            (first.isoformat(), first.isoformat(), learner["id"], end),
        )
    )
    dates = [(first + timedelta(days=n)).isoformat() for n in range(days)]
    return {"days": [{"date": day, "due": due.get(day, 0)} for day in dates]}
