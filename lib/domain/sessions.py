"""Study sessions: a learner practising a group of words with a study activity."""

from lib.domain import clock, learners
from lib.domain.errors import Conflict, NotFound
from lib.domain.lists import order_by

SESSION_SELECT = """
SELECT
    s.id,
    s.learner_id,
    s.group_id,
    g.name AS group_name,
    s.study_activity_id AS activity_id,
    s.study_activity_id,
    a.name AS activity_name,
    s.created_at AS start_time,
    s.last_review_at AS end_time,
    s.review_items_count,
    s.correct_count,
    s.review_items_count - s.correct_count AS wrong_count
FROM study_sessions AS s
JOIN groups AS g ON g.id = s.group_id
JOIN study_activities AS a ON a.id = s.study_activity_id
"""

SORT_KEYS = {
    "start_time": "s.created_at",
    "startTime": "s.created_at",
    "created_at": "s.created_at",
    "end_time": "s.last_review_at",
    "endTime": "s.last_review_at",
    "group_name": "g.name",
    "groupName": "g.name",
    "activity_name": "a.name",
    "activityName": "a.name",
    "review_items_count": "s.review_items_count",
    "reviewItemsCount": "s.review_items_count",
    "id": "s.id",
}


def require(conn, session_id):
    if conn.row("SELECT 1 FROM study_sessions WHERE id = ?", (session_id,)) is None:
        raise NotFound(f"Study session {session_id} not found.")


def create(conn, group_id, study_activity_id, learner_id=learners.DEFAULT_LEARNER, session_id=None):
    """A new session of the learner's on the group with the activity, on the learner's
    current learning day: the row, and its id again as session_id. session_id, when given,
    is the new session's id (one that is taken is a Conflict); else ids count up."""
    if conn.row("SELECT 1 FROM groups WHERE id = ?", (group_id,)) is None:
        raise NotFound(f"Group {group_id} not found.")
    if conn.row("SELECT 1 FROM study_activities WHERE id = ?", (study_activity_id,)) is None:
        raise NotFound(f"Study activity {study_activity_id} not found.")
    learner = learners.get(conn, learner_id)
    now = clock.now()
    values = (learner["id"], group_id, study_activity_id, now.strftime(clock.TIMESTAMP), learners.day_of(learner, now))
    if session_id is None:
        row = conn.row(
            """
            INSERT INTO study_sessions (learner_id, group_id, study_activity_id, created_at, learning_day)
            VALUES (?, ?, ?, ?, ?)
            RETURNING id, group_id, study_activity_id, learner_id, created_at
            """,
            values,
        )
    else:
        row = conn.row(
            """
            INSERT INTO study_sessions (id, learner_id, group_id, study_activity_id, created_at, learning_day)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT DO NOTHING
            RETURNING id, group_id, study_activity_id, learner_id, created_at
            """,
            (session_id, *values),
        )
        if row is None:
            raise Conflict(f"Study session {session_id} exists already; send the request again.")
    return {**row, "session_id": row["id"]}


def get(conn, session_id):
    """The Session row, or NotFound."""
    row = conn.row(f"{SESSION_SELECT} WHERE s.id = ?", (session_id,))
    if row is None:
        raise NotFound(f"Study session {session_id} not found.")
    return row


def page(conn, learner_id, sort, offset, limit, group_id=None, activity_id=None):
    """(a page of the learner's Session rows in the order sort gives, ties by id; how many
    there are), of one group's or one activity's when given."""
    where, params = ["s.learner_id = ?"], [learner_id]
    for column, value in (("group_id", group_id), ("study_activity_id", activity_id)):
        if value is not None:
            where.append(f"s.{column} = ?")
            params.append(value)
    if len(where) == 1:
        count = conn.scalar("SELECT sessions FROM learner_totals WHERE learner_id = ?", (learner_id,))
    else:
        count = conn.scalar(f"SELECT count(*) FROM study_sessions AS s WHERE {' AND '.join(where)}", params)
    rows = conn.rows(
        f"{SESSION_SELECT} WHERE {' AND '.join(where)} {order_by(SORT_KEYS, sort, tiebreak='s.id')} LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return rows, count


def words(conn, session_id, offset, limit):
    """(a page of the session's words with this session's counts, in the order first
    answered; how many there are)."""
    count = conn.scalar(
        "SELECT count(DISTINCT word_id) FROM word_review_items WHERE study_session_id = ?",
        (session_id,),
    )
    rows = conn.rows(
        """
        SELECT
            w.id, w.kanji, w.kanji AS japanese, w.romaji, w.english, w.parts,
            sum(r.correct) AS correct_count,
            count(*) - sum(r.correct) AS wrong_count
        FROM word_review_items AS r
        JOIN words AS w ON w.id = r.word_id
        WHERE r.study_session_id = ?
        GROUP BY w.id
        ORDER BY min(r.id)
        LIMIT ? OFFSET ?
        """,
        (session_id, limit, offset),
    )
    return rows, count
