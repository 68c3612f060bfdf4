"""Study sessions and the learning record store: word answers and session feedback."""

from flask import Blueprint, abort
from werkzeug.exceptions import BadRequest

from lib import clock, forms, memory
from lib.clock import TIMESTAMP, utc_now
from lib.db import INTEGRITY_ERRORS, get_db, one, one_or_404, query, scalar
from lib.errors import FeedbackExists
from lib.idempotency import idempotent_transaction
from lib.learners import DEFAULT_LEARNER, get_learner, learning_day, requested_learner
from lib.listing import Page, order_by
from lib.ratelimit import limited
from lib.shapes import REVIEW_ITEM_COLUMNS, SESSION_SELECT, SESSION_SORT_KEYS, review_item, word
from lib.validation import json_body

bp = Blueprint("study_sessions", __name__, url_prefix="/api/study_sessions")

FEEDBACK_LIMIT = ("FEEDBACK_RATE_LIMIT", "feedback")
WORD_REVIEW_LIMIT = ("REVIEW_RATE_LIMIT", "word_reviews")
limit_feedback = limited(lambda: FEEDBACK_LIMIT if forms.is_feedback() else None)
limit_word_reviews = limited(lambda: None if forms.is_feedback() else WORD_REVIEW_LIMIT)
limit_either = limited(lambda: FEEDBACK_LIMIT if forms.is_feedback() else WORD_REVIEW_LIMIT)

FEEDBACK_COLUMNS = "id, study_session_id, reviewer_id, rating, comments, created_at, updated_at"


# --- writing ------------------------------------------------------------------


def require_session(session_id):
    one_or_404("SELECT 1 FROM study_sessions WHERE id = ?", (session_id,), f"Study session {session_id} not found.")


def require_words(word_ids):
    wanted = sorted(set(word_ids))
    marks = ", ".join("?" * len(wanted))
    found = {r["id"] for r in query(f"SELECT id FROM words WHERE id IN ({marks})", wanted)}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        noun = "Word" if len(missing) == 1 else "Words"
        abort(404, f"{noun} {', '.join(missing)} not found.")


def record_answers(session_id, answers):
    """Insert answers in the caller's transaction; returns the rows. Each answer belongs to
    the session's learner and falls on the learner's current learning day. The foreign
    keys check the words inside the write (no lookups ahead of it); when one fails, the
    lookup says which is missing (and the 404 rolls the transaction back)."""
    learner = one_or_404(
        """
        SELECT l.id, l.timezone, l.day_start_hour, l.fsrs_parameters, l.desired_retention
        FROM study_sessions AS s
        JOIN learners AS l ON l.id = s.learner_id
        WHERE s.id = ?
        """,
        (session_id,),
        f"Study session {session_id} not found.",
    )
    now = clock.now()
    stamp, day = now.strftime(TIMESTAMP), learning_day(now, learner["timezone"], learner["day_start_hour"])
    rows = []
    for a in answers:
        try:
            row = one(
                f"""
                INSERT INTO word_review_items
                    (study_session_id, learner_id, word_id, correct, grade, duration_ms, response,
                     created_at, learning_day)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                RETURNING {REVIEW_ITEM_COLUMNS}
                """,
                (
                    session_id,
                    learner["id"],
                    a["word_id"],
                    int(a["correct"]),
                    a["grade"],
                    a.get("duration_ms"),
                    a.get("response"),
                    stamp,
                    day,
                ),
            )
        except INTEGRITY_ERRORS:
            get_db().end_write(commit=False)  # nothing of it stays; PostgreSQL reads no more in it
            require_words([a["word_id"] for a in answers])
            raise
        memory.record(get_db(), learner, a["word_id"], a["grade"], day)
        rows.append(review_item(row))
    return rows


def find_feedback(session_id, reviewer_id):
    return one(
        """
        SELECT id
        FROM session_feedback
        WHERE study_session_id = ? AND coalesce(reviewer_id, 0) = ?
        """,
        (session_id, reviewer_id or 0),
    )


def add_feedback(session_id, feedback):
    require_session(session_id)
    now = utc_now()
    # ON CONFLICT: a review sent at the same moment on another connection (PostgreSQL
    # writes concurrently) makes this one a 409 too, once that one is committed.
    row = one(
        f"""
        INSERT INTO session_feedback (study_session_id, reviewer_id, rating, comments, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING
        RETURNING {FEEDBACK_COLUMNS}
        """,
        (session_id, feedback.get("reviewer_id"), feedback["rating"], feedback.get("comments"), now, now),
    )
    if row is None:
        raise FeedbackExists(session_id, find_feedback(session_id, feedback.get("reviewer_id"))["id"])
    return row


def replace_feedback(session_id, feedback):
    require_session(session_id)
    existing = find_feedback(session_id, feedback.get("reviewer_id"))
    if existing is None:
        abort(404, f"Study session {session_id} has no review from this reviewer yet; send POST to create one.")
    return one(
        f"""
        UPDATE session_feedback
        SET rating = ?, comments = ?, updated_at = ?
        WHERE id = ?
        RETURNING {FEEDBACK_COLUMNS}
        """,
        (feedback["rating"], feedback.get("comments"), utc_now(), existing["id"]),
    )


def create_session():
    """POST /study_sessions (also POST /study_activities): the raw row plus session_id.
    The session is learner 1's unless the body names another learner."""
    values = forms.new_session(json_body())
    group_id, activity_id = values["group_id"], values["study_activity_id"]
    with idempotent_transaction() as write:
        one_or_404("SELECT 1 FROM groups WHERE id = ?", (group_id,), f"Group {group_id} not found.")
        one_or_404(
            "SELECT 1 FROM study_activities WHERE id = ?", (activity_id,), f"Study activity {activity_id} not found."
        )
        learner = get_learner(values.get("learner_id", DEFAULT_LEARNER))
        now = clock.now()
        row = one(
            """
            INSERT INTO study_sessions (learner_id, group_id, study_activity_id, created_at, learning_day)
            VALUES (?, ?, ?, ?, ?)
            RETURNING id, group_id, study_activity_id, learner_id, created_at
            """,
            (
                learner["id"],
                group_id,
                activity_id,
                now.strftime(TIMESTAMP),
                learning_day(now, learner["timezone"], learner["day_start_hour"]),
            ),
        )
        return write.answer({**row, "session_id": row["id"]})


# --- reading ------------------------------------------------------------------


def session_list(where="", params=()):
    """A page of the requested learner's session rows as {items, total, page, per_page,
    total_pages}, newest first; where narrows it (to a group or an activity)."""
    learner = requested_learner()
    page = Page()
    order = order_by(SESSION_SORT_KEYS, "start_time", "desc", tiebreak="s.id")
    if where:
        where, params = f"{where} AND s.learner_id = ?", (*params, learner["id"])
        total = scalar(f"SELECT count(*) FROM study_sessions AS s WHERE {where}", params)
    else:
        where, params = "s.learner_id = ?", (learner["id"],)
        total = scalar("SELECT sessions FROM learner_totals WHERE learner_id = ?", params)
    rows = query(f"{SESSION_SELECT} WHERE {where} {order} LIMIT ? OFFSET ?", (*params, page.per_page, page.offset))
    return {
        "items": rows,
        "total": total,
        "page": page.number,
        "per_page": page.per_page,
        "total_pages": page.total_pages(total),
    }


def get_session(session_id):
    return one_or_404(f"{SESSION_SELECT} WHERE s.id = ?", (session_id,), f"Study session {session_id} not found.")


def session_words(session_id, page):
    """The session's words with this session's counts, in the order first reviewed."""
    total = scalar(
        "SELECT count(DISTINCT word_id) FROM word_review_items WHERE study_session_id = ?",
        (session_id,),
    )
    rows = query(
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
        (session_id, page.per_page, page.offset),
    )
    return [word(row) for row in rows], total


# --- views --------------------------------------------------------------------


@bp.post("")
def create_study_session():
    return create_session()


@bp.get("")
def list_sessions():
    return session_list()


@bp.get("/<id:session_id>")
def show_session(session_id):
    session = get_session(session_id)
    page = Page()
    words, total = session_words(session_id, page)
    return {
        "session": session,
        "words": words,
        "total": total,
        "page": page.number,
        "per_page": page.per_page,
        "total_pages": page.total_pages(total),
    }


@bp.get("/<id:session_id>/words")
def list_session_words(session_id):
    get_session(session_id)
    page = Page()
    words, total = session_words(session_id, page)
    return {
        "items": words,
        "pagination": {
            "current_page": page.number,
            "total_pages": page.total_pages(total),
            "total_items": total,
            "items_per_page": page.per_page,
        },
    }


@bp.get("/<id:session_id>/reviews")
def list_feedback(session_id):
    get_session(session_id)
    rows = query(
        f"SELECT {FEEDBACK_COLUMNS} FROM session_feedback WHERE study_session_id = ? ORDER BY id",
        (session_id,),
    )
    return {"items": rows}


@bp.post("/<id:session_id>/review")
@limit_either
def record_review(session_id):
    """One endpoint, three forms: a word answer, a batch of answers, or session feedback."""
    form, body = forms.review_form(), json_body()
    if form == "word":
        answers = [forms.word_answer(body)]
    elif form == "batch":
        answers = forms.batch(body)
    else:
        feedback = forms.feedback(body)
    with idempotent_transaction() as write:
        if form == "feedback":
            return write.answer(add_feedback(session_id, feedback))
        rows = record_answers(session_id, answers)
        return write.answer(rows[0] if form == "word" else {"study_session_id": session_id, "items": rows})


@bp.put("/<id:session_id>/review")
@limit_feedback
def update_feedback(session_id):
    if forms.review_form() != "feedback":
        raise BadRequest("PUT changes a session-feedback review; send {rating, comments?, reviewer_id?}.")
    feedback = forms.feedback(json_body())
    with idempotent_transaction() as write:
        return write.answer(replace_feedback(session_id, feedback))


@bp.post("/<id:session_id>/words/<id:word_id>/review")
@limit_word_reviews
def record_word_review(session_id, word_id):
    values = forms.word_review(json_body())
    with idempotent_transaction() as write:
        row = record_answers(session_id, [{**values, "word_id": word_id}])[0]
        return write.answer({**row, "success": True})
