"""Feedback on a study session: one rating (and comments) per reviewer, anonymous feedback
counting as one reviewer's."""

from lib.domain import clock, sessions
from lib.domain.errors import Conflict, NotFound

COLUMNS = "id, study_session_id, reviewer_id, rating, comments, created_at, updated_at"


def _find(conn, session_id, reviewer_id):
    return conn.row(
        """
        SELECT id
        FROM session_feedback
        WHERE study_session_id = ? AND coalesce(reviewer_id, 0) = ?
        """,
        (session_id, reviewer_id or 0),
    )


def add(conn, session_id, feedback):
    """Store {rating, comments?, reviewer_id?}; Conflict naming the first when this reviewer
    has given feedback on the session already."""
    sessions.require(conn, session_id)
    now = clock.utc_now()
    # ON CONFLICT: feedback sent at the same moment on another connection (PostgreSQL
    # writes concurrently) makes this one a conflict too, once that one is committed.
    row = conn.row(
        f"""
        INSERT INTO session_feedback (study_session_id, reviewer_id, rating, comments, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        RETURNING {COLUMNS}
        """,
        (session_id, feedback.get("reviewer_id"), feedback["rating"], feedback.get("comments"), now, now),
    )
    if row is None:
        existing = _find(conn, session_id, feedback.get("reviewer_id"))["id"]
        raise Conflict(
            f"Study session {session_id} already has a review from this reviewer "
            f"(review {existing}); send PUT to the same path to change it.",
            existing_review_id=existing,
        )
    return row


def replace(conn, session_id, feedback):
    """Change this reviewer's feedback on the session (an absent comments becomes null)."""
    sessions.require(conn, session_id)
    existing = _find(conn, session_id, feedback.get("reviewer_id"))
    if existing is None:
        raise NotFound(f"Study session {session_id} has no review from this reviewer yet; send POST to create one.")
    return conn.row(
        f"""
        UPDATE session_feedback
        SET rating = ?, comments = ?, updated_at = ?
        WHERE id = ?
        RETURNING {COLUMNS}
        """,
        (feedback["rating"], feedback.get("comments"), clock.utc_now(), existing["id"]),
    )


def of_session(conn, session_id):
    """Every feedback on the session, oldest first."""
    sessions.require(conn, session_id)
    return conn.rows(f"SELECT {COLUMNS} FROM session_feedback WHERE study_session_id = ? ORDER BY id", (session_id,))
