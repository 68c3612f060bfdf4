"""Study sessions and the learning record store: word reviews and session feedback."""

import sqlite3

from flask import Blueprint, abort
from werkzeug.exceptions import BadRequest

from lib.db import one, query, scalar, transaction, utc_now
from lib.errors import ReviewExists, ValidationError
from lib.listing import Page, order_by
from lib.ratelimit import FEEDBACK_FIELDS, limit_feedback, limit_word_reviews
from lib.shapes import SESSION_SELECT, SESSION_SORT_KEYS, review_item, word
from lib.validation import Invalid, answer, fields, json_body, positive_id, rating, text

bp = Blueprint("study_sessions", __name__, url_prefix="/api/study_sessions")

MAX_BATCH = 500
MAX_COMMENTS = 2000


# --- reading bodies -------------------------------------------------------------


def optional_id(value):
    return None if value is None else positive_id(value)


def read_session_request(body):
    """{group_id, study_activity_id}; activity_id is accepted as a synonym."""
    if "activity_id" in body:
        if "study_activity_id" in body:
            raise ValidationError({"activity_id": "is another name for study_activity_id; send only one"})
        body = {**body, "study_activity_id": body["activity_id"]}
    return fields(
        body, {"group_id": (positive_id, True), "study_activity_id": (positive_id, True)}, synonyms=["activity_id"]
    )


def read_answer(item, prefix=""):
    """One answer {word_id, correct}; is_correct is accepted as a synonym of correct."""
    if "is_correct" in item:
        if "correct" in item:
            raise ValidationError({prefix + "is_correct": "is another name for correct; send only one"})
        item = {**item, "correct": item["is_correct"]}
    return fields(item, {"word_id": (positive_id, True), "correct": (answer, True)}, prefix, synonyms=["is_correct"])


def batch_items(reviews):
    """The answers of a batch: 1..MAX_BATCH objects, each read like a word review."""
    if not isinstance(reviews, list) or not 1 <= len(reviews) <= MAX_BATCH:
        raise Invalid(f"must be an array of 1 to {MAX_BATCH} reviews")
    answers, details = [], {}
    for i, item in enumerate(reviews):
        if not isinstance(item, dict):
            details[f"reviews[{i}]"] = "must be an object {word_id, correct}"
            continue
        try:
            answers.append(read_answer(item, prefix=f"reviews[{i}]."))
        except ValidationError as e:
            details.update(e.details)
    if details:
        raise ValidationError(details)
    return answers


def read_batch(body):
    return fields(body, {"reviews": (batch_items, True)})["reviews"]


def read_feedback(body):
    return fields(
        body,
        {
            "rating": (rating, True),
            "comments": (text(MAX_COMMENTS), False),
            "reviewer_id": (optional_id, False),
        },
    )


REVIEW_FORMS = {
    "word": {"word_id", "correct", "is_correct"},
    "batch": {"reviews"},
    "feedback": FEEDBACK_FIELDS,
}


def review_form(body):
    """Which of the three body forms a review request uses; mixing or none is a 400."""
    forms = [name for name, keys in REVIEW_FORMS.items() if keys & body.keys()]
    if len(forms) != 1:
        problem = "mixes fields of " + " and ".join(forms) if forms else "matches none of"
        raise BadRequest(
            f"The review body {problem} the three forms: a word review {{word_id, correct}}, "
            "a batch {reviews: [...]}, or session feedback {rating, comments?, reviewer_id?}."
        )
    return forms[0]


# --- writing ------------------------------------------------------------------


def require_session(session_id):
    if one("SELECT 1 FROM study_sessions WHERE id = ?", (session_id,)) is None:
        abort(404, f"Study session {session_id} not found.")


def require_words(word_ids):
    wanted = sorted(set(word_ids))
    marks = ", ".join("?" * len(wanted))
    found = {r["id"] for r in query(f"SELECT id FROM words WHERE id IN ({marks})", wanted)}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        noun = "Word" if len(missing) == 1 else "Words"
        abort(404, f"{noun} {', '.join(missing)} not found.")


def insert_review(session_id, word_id, correct, now):
    return one(
        """
        INSERT INTO word_review_items (study_session_id, word_id, correct, created_at)
        VALUES (?, ?, ?, ?)
        RETURNING id, study_session_id, word_id, correct, created_at
        """,
        (session_id, word_id, int(correct), now),
    )


def record_answers(session_id, answers):
    """Store answers all or nothing; returns the inserted rows. The foreign keys check the
    session and the words inside the write (no lookups ahead of it); when one fails, the
    transaction is rolled back and the lookups say which is missing."""
    now = utc_now()
    try:
        with transaction():
            return [review_item(insert_review(session_id, a["word_id"], a["correct"], now)) for a in answers]
    except sqlite3.IntegrityError:
        require_session(session_id)
        require_words([a["word_id"] for a in answers])
        raise


def find_feedback(session_id, reviewer_id):
    return one(
        """
        SELECT id
        FROM study_session_reviews
        WHERE study_session_id = ? AND ifnull(reviewer_id, 0) = ?
        """,
        (session_id, reviewer_id or 0),
    )


FEEDBACK_COLUMNS = "id, study_session_id, reviewer_id, rating, comments, created_at, updated_at"


def add_feedback(session_id, feedback):
    with transaction():
        require_session(session_id)
        existing = find_feedback(session_id, feedback.get("reviewer_id"))
        if existing is not None:
            raise ReviewExists(session_id, existing["id"])
        now = utc_now()
        return one(
            f"""
            INSERT INTO study_session_reviews
                (study_session_id, reviewer_id, rating, comments, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?)
            RETURNING {FEEDBACK_COLUMNS}
            """,
            (session_id, feedback.get("reviewer_id"), feedback["rating"], feedback.get("comments"), now, now),
        )


def replace_feedback(session_id, feedback):
    with transaction():
        require_session(session_id)
        existing = find_feedback(session_id, feedback.get("reviewer_id"))
        if existing is None:
            abort(404, f"Study session {session_id} has no review from this reviewer yet; send POST to create one.")
        return one(
            f"""
            UPDATE study_session_reviews
            SET rating = ?, comments = ?, updated_at = ?
            WHERE id = ?
            RETURNING {FEEDBACK_COLUMNS}
            """,
            (feedback["rating"], feedback.get("comments"), utc_now(), existing["id"]),
        )


def create_session():
    """POST /study_sessions (also POST /study_activities): the raw row plus session_id."""
    values = read_session_request(json_body())
    group_id, activity_id = values["group_id"], values["study_activity_id"]
    with transaction():
        if one("SELECT 1 FROM groups WHERE id = ?", (group_id,)) is None:
            abort(404, f"Group {group_id} not found.")
        if one("SELECT 1 FROM study_activities WHERE id = ?", (activity_id,)) is None:
            abort(404, f"Study activity {activity_id} not found.")
        row = one(
            """
            INSERT INTO study_sessions (group_id, study_activity_id, created_at)
            VALUES (?, ?, ?)
            RETURNING id, group_id, study_activity_id, created_at
            """,
            (group_id, activity_id, utc_now()),
        )
    return {**row, "session_id": row["id"]}


# --- reading ------------------------------------------------------------------


def session_list(where="", params=()):
    """A page of session rows as {items, total, page, per_page, total_pages}, newest first."""
    page = Page()
    order = order_by(SESSION_SORT_KEYS, "start_time", "desc", tiebreak="s.id")
    if where:
        total = scalar(f"SELECT count(*) FROM study_sessions AS s WHERE {where}", params)
        where = f"WHERE {where}"
    else:
        total = scalar("SELECT sessions FROM totals")
    rows = query(f"{SESSION_SELECT} {where} {order} LIMIT ? OFFSET ?", (*params, page.per_page, page.offset))
    return {
        "items": rows,
        "total": total,
        "page": page.number,
        "per_page": page.per_page,
        "total_pages": page.total_pages(total),
    }


def get_session(session_id):
    row = one(f"{SESSION_SELECT} WHERE s.id = ?", (session_id,))
    if row is None:
        abort(404, f"Study session {session_id} not found.")
    return row


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
        GROUP BY r.word_id
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
        f"SELECT {FEEDBACK_COLUMNS} FROM study_session_reviews WHERE study_session_id = ? ORDER BY id",
        (session_id,),
    )
    return {"items": rows}


@bp.post("/<id:session_id>/review")
@limit_feedback
@limit_word_reviews
def record_review(session_id):
    body = json_body()
    form = review_form(body)
    if form == "word":
        return record_answers(session_id, [read_answer(body)])[0]
    if form == "batch":
        return {"study_session_id": session_id, "items": record_answers(session_id, read_batch(body))}
    return add_feedback(session_id, read_feedback(body))


@bp.put("/<id:session_id>/review")
@limit_feedback
def update_feedback(session_id):
    body = json_body()
    if review_form(body) != "feedback":
        raise BadRequest("PUT changes a session-feedback review; send {rating, comments?, reviewer_id?}.")
    return replace_feedback(session_id, read_feedback(body))


@bp.post("/<id:session_id>/words/<id:word_id>/review")
@limit_word_reviews
def record_word_review(session_id, word_id):
    values = fields(json_body(), {"correct": (answer, True)})
    row = record_answers(session_id, [{"word_id": word_id, "correct": values["correct"]}])[0]
    return {**row, "success": True}
