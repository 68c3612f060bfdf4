"""Groups of words, their words and their study sessions."""

from flask import Blueprint, abort, request
from werkzeug.exceptions import BadRequest

from lib.db import one, query, scalar
from lib.learners import requested_learner
from lib.listing import Page, int_arg, order_by
from lib.response_cache import cached_until_write
from lib.shapes import SESSION_SELECT, SESSION_SORT_KEYS, WORD_SELECT, WORD_SORT_KEYS, word
from lib.validation import brief
from routes import study_queue

bp = Blueprint("groups", __name__, url_prefix="/api/groups")

GROUP_SELECT = "SELECT g.id, g.name AS group_name, g.words_count AS word_count FROM groups AS g"
GROUP_SORT_KEYS = {
    "name": "g.name",
    "group_name": "g.name",
    "word_count": "g.words_count",
    "words_count": "g.words_count",
}


def get_group(group_id):
    """The group as {id, group_name, word_count}, or a 404."""
    group = one(f"{GROUP_SELECT} WHERE g.id = ?", (group_id,))
    if group is None:
        abort(404, f"Group {group_id} not found.")
    return group


@bp.get("")
def list_groups():
    page = Page(default_per_page=10)
    order = order_by(GROUP_SORT_KEYS, "name", "asc", tiebreak="g.id")
    total = scalar("SELECT count(*) FROM groups")
    rows = query(f"{GROUP_SELECT} {order} LIMIT ? OFFSET ?", (page.per_page, page.offset))
    return {
        "groups": rows,
        "total_pages": page.total_pages(total),
        "current_page": page.number,
        "per_page": page.per_page,
    }


@bp.get("/<id:group_id>")
def show_group(group_id):
    return get_group(group_id)


@bp.get("/<id:group_id>/words")
@cached_until_write
def list_group_words(group_id):
    group = get_group(group_id)
    learner = requested_learner()
    page = Page(default_per_page=10)
    order = order_by(WORD_SORT_KEYS, "kanji", "asc", tiebreak="w.id")
    rows = query(
        f"""
        {WORD_SELECT}
        JOIN word_groups AS wg ON wg.word_id = w.id
        WHERE wg.group_id = ?
        {order}
        LIMIT ? OFFSET ?
        """,
        (learner["id"], group_id, page.per_page, page.offset),
    )
    return {
        "words": [word(row) for row in rows],
        "total_pages": page.total_pages(group["word_count"]),
        "current_page": page.number,
        "per_page": page.per_page,
    }


@bp.get("/<id:group_id>/words/raw")
def list_group_words_raw(group_id):
    """Every word of the group at once, for study activities such as the typing tutor; with
    ?order=due, the learner's study queue for the group instead (limit words, 20 by default)."""
    group = get_group(group_id)
    learner = requested_learner()
    order = request.args.get("order", "id")
    if order not in ("id", "due"):
        raise BadRequest(f"Query parameter order must be id or due, not {brief(order)}.")
    if order == "due":
        limit = int_arg("limit", study_queue.DEFAULT_LIMIT, study_queue.MAX_LIMIT)
        words = [row for row, _ in study_queue.queue(learner, group_id, limit)]
    else:
        limit = int_arg("limit", None)  # none: every word of the group
        rows = query(
            f"""
            {WORD_SELECT}
            JOIN word_groups AS wg ON wg.word_id = w.id
            WHERE wg.group_id = ?
            ORDER BY w.id
            {"" if limit is None else "LIMIT ?"}
            """,
            (learner["id"], group_id) + (() if limit is None else (limit,)),
        )
        words = [word(row) for row in rows]
    return {"group_id": group_id, "group_name": group["group_name"], "words": words}


@bp.get("/<id:group_id>/study_sessions")
def list_group_sessions(group_id):
    get_group(group_id)
    learner = requested_learner()
    page = Page(default_per_page=10)
    order = order_by(SESSION_SORT_KEYS, "start_time", "desc", tiebreak="s.id")
    total = scalar(
        "SELECT count(*) FROM study_sessions WHERE group_id = ? AND learner_id = ?", (group_id, learner["id"])
    )
    rows = query(
        f"{SESSION_SELECT} WHERE s.group_id = ? AND s.learner_id = ? {order} LIMIT ? OFFSET ?",
        (group_id, learner["id"], page.per_page, page.offset),
    )
    return {
        "study_sessions": rows,
        "total_pages": page.total_pages(total),
        "current_page": page.number,
        "per_page": page.per_page,
    }
