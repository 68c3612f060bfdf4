"""Study sessions and what a learner records in them: word answers and session feedback."""

from flask import Blueprint
from werkzeug.exceptions import BadRequest

from lib.db import get_db
from lib.domain import answers, feedback, sessions
from lib.web import access, forms, query
from lib.web.access import ANSWER_SESSION, CHANGE_SESSION, LEARNER_IN_QUERY, READ_SESSION, START_SESSION, allow
from lib.web.body import json_body
from lib.web.idempotency import idempotent_transaction
from lib.web.jsonio import answer, word
from lib.web.ratelimit import limited

bp = Blueprint("study_sessions", __name__, url_prefix="/api/study_sessions")

FEEDBACK_LIMIT = ("FEEDBACK_RATE_LIMIT", "feedback")
WORD_REVIEW_LIMIT = ("REVIEW_RATE_LIMIT", "word_reviews")
limit_feedback = limited(lambda: FEEDBACK_LIMIT if forms.is_feedback() else None)
limit_word_reviews = limited(lambda: None if forms.is_feedback() else WORD_REVIEW_LIMIT)
limit_either = limited(lambda: FEEDBACK_LIMIT if forms.is_feedback() else WORD_REVIEW_LIMIT)


@bp.post("")
@allow(START_SESSION)
def create_study_session():
    """The session is learner 1's unless the body names another learner."""
    values = forms.new_session(json_body())
    with idempotent_transaction() as write:
        return write.answer(sessions.create(write.conn, **access.new_session(values)))


@bp.get("")
@allow(LEARNER_IN_QUERY)
def list_sessions():
    learner = query.learner()
    page = query.Page()
    sort = query.sort(sessions.SORT_KEYS, "start_time", "desc")
    return page.of(*sessions.page(get_db(), learner["id"], sort, page.offset, page.per_page))


@bp.get("/<id:session_id>")
@allow(READ_SESSION)
def show_session(session_id):
    session = sessions.get(get_db(), session_id)
    page = query.Page()
    rows, total = sessions.words(get_db(), session_id, page.offset, page.per_page)
    return {"session": session, **page.of([word(row) for row in rows], total, key="words")}


@bp.get("/<id:session_id>/words")
@allow(READ_SESSION)
def list_session_words(session_id):
    sessions.require(get_db(), session_id)
    page = query.Page()
    rows, total = sessions.words(get_db(), session_id, page.offset, page.per_page)
    return {
        "items": [word(row) for row in rows],
        "pagination": {
            "current_page": page.number,
            "total_pages": page.total_pages(total),
            "total_items": total,
            "items_per_page": page.per_page,
        },
    }


@bp.get("/<id:session_id>/reviews")
@allow(READ_SESSION)
def list_feedback(session_id):
    return {"items": feedback.of_session(get_db(), session_id)}


@bp.post("/<id:session_id>/review")
@allow(ANSWER_SESSION)
@limit_either
def record_review(session_id):
    """One endpoint, three forms: a word answer, a batch of answers, or session feedback."""
    form, body = forms.review_form(), json_body()
    if form == "feedback":
        values = access.reviewer(forms.feedback(body), body)
        with idempotent_transaction() as write:
            return write.answer(feedback.add(write.conn, session_id, values))
    given = [forms.word_answer(body)] if form == "word" else forms.batch(body)
    with idempotent_transaction() as write:
        rows = [answer(row) for row in answers.record_in_session(write.conn, session_id, given)]
        return write.answer(rows[0] if form == "word" else {"study_session_id": session_id, "items": rows})


@bp.put("/<id:session_id>/review")
@allow(CHANGE_SESSION)
@limit_feedback
def update_feedback(session_id):
    if forms.review_form() != "feedback":
        raise BadRequest("PUT changes a session-feedback review; send {rating, comments?, reviewer_id?}.")
    values = access.reviewer(forms.feedback(json_body()), json_body())
    with idempotent_transaction() as write:
        return write.answer(feedback.replace(write.conn, session_id, values))


@bp.post("/<id:session_id>/words/<id:word_id>/review")
@allow(ANSWER_SESSION)
@limit_word_reviews
def record_word_review(session_id, word_id):
    values = forms.word_review(json_body())
    with idempotent_transaction() as write:
        row = answers.record_in_session(write.conn, session_id, [{**values, "word_id": word_id}])[0]
        return write.answer({**answer(row), "success": True})
