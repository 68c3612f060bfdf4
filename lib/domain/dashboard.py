"""A learner's figures, all read from counter caches so that they cost the same at any
history size and number of learners."""

from datetime import date, timedelta

from lib.domain import learners

ACTIVE_DAYS = 30  # a group is active with a session on one of the learner's last 30 learning days


def current_streak(conn, learner_id, day):
    """Consecutive learning days with an answer, ending day (or the day before if none yet
    on day). One indexed lookup: review_days keeps each day's run start."""
    newest = conn.row(
        "SELECT day, run_start FROM review_days WHERE learner_id = ? AND day <= ? ORDER BY day DESC LIMIT 1",
        (learner_id, day.isoformat()),
    )
    if newest is None or date.fromisoformat(newest["day"]) < day - timedelta(days=1):
        return 0
    return (date.fromisoformat(newest["day"]) - date.fromisoformat(newest["run_start"])).days + 1


def active_groups(conn, learner_id, day):
    since = (day - timedelta(days=ACTIVE_DAYS - 1)).isoformat()
    return conn.scalar(
        "SELECT count(*) FROM learner_groups WHERE learner_id = ? AND last_session_day >= ?",
        (learner_id, since),
    )


def figures(conn, learner):
    """The learner's totals (learner_totals), the vocabulary's size, the success rate (0..1),
    the active groups and the streak."""
    day = learners.today(learner)
    totals = conn.row("SELECT * FROM learner_totals WHERE learner_id = ?", (learner["id"],))
    return {
        **totals,
        "words": conn.scalar("SELECT words FROM vocabulary_totals"),
        "success_rate": totals["correct"] / totals["reviews"] if totals["reviews"] else 0.0,
        "active_groups": active_groups(conn, learner["id"], day),
        "streak": current_streak(conn, learner["id"], day),
    }


def progress(conn, learner_id):
    """(words the learner has studied, words in the vocabulary)."""
    studied = conn.scalar("SELECT studied_words FROM learner_totals WHERE learner_id = ?", (learner_id,))
    return studied, conn.scalar("SELECT words FROM vocabulary_totals")


def recent_session(conn, learner_id):
    """The learner's newest session, or None."""
    return conn.row(
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
        (learner_id,),
    )


def forecast(conn, learner, days):
    """[{date, due}]: how many words fall due on each of the learner's next days learning
    days, starting with today (whose count includes every overdue word)."""
    first = learners.today(learner)
    end = (first + timedelta(days=days)).isoformat()
    due = {
        row["day"]: row["due"]
        for row in conn.rows(
            """
            SELECT CASE WHEN due < ? THEN ? ELSE due END AS day, count(*) AS due
            FROM word_stats
            WHERE learner_id = ? AND due < ?
            GROUP BY 1
            """,
            (first.isoformat(), first.isoformat(), learner["id"], end),
        )
    }
    dates = [(first + timedelta(days=n)).isoformat() for n in range(days)]
    return [{"date": day, "due": due.get(day, 0)} for day in dates]
