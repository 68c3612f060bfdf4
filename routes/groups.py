"""Groups of words, their words and their study sessions."""

from flask import Blueprint

from lib.db import get_db
from lib.domain import groups, sessions, study_queue, words
from lib.web import query
from lib.web.access import GROUP_WORDS, LEARNER_IN_QUERY, SIGNED_IN, allow
from lib.web.jsonio import word
from lib.web.response_cache import cached_until_write

bp = Blueprint("groups", __name__, url_prefix="/api/groups")


@bp.get("")
@allow(SIGNED_IN)
def list_groups():
    page = query.Page(default_per_page=10)
    sort = query.sort(groups.SORT_KEYS, "name", "asc")
    rows, total = groups.page(get_db(), sort, page.offset, page.per_page)
    return {
        "groups": rows,
        "total_pages": page.total_pages(total),
        "current_page": page.number,
        "per_page": page.per_page,
    }


@bp.get("/<id:group_id>")
@allow(SIGNED_IN)
def show_group(group_id):
    return groups.get(get_db(), group_id)


@bp.get("/<id:group_id>/words")
@allow(LEARNER_IN_QUERY)
@cached_until_write
def list_group_words(group_id):
    group = groups.get(get_db(), group_id)
    learner = query.learner()
    page = query.Page(default_per_page=10)
    sort = query.sort(words.SORT_KEYS, "kanji", "asc")
    rows = words.in_group(get_db(), learner["id"], group_id, sort, page.offset, page.per_page)
    return {
        "words": [word(row) for row in rows],
        "total_pages": page.total_pages(group["word_count"]),
        "current_page": page.number,
        "per_page": page.per_page,
    }


@bp.get("/<id:group_id>/words/raw")
@allow(GROUP_WORDS)
def list_group_words_raw(group_id):
    """Every word of the group at once, for study activities such as the typing tutor; with
    ?order=due, the learner's study queue for the group instead (limit words, 20 by default)."""
    group = groups.get(get_db(), group_id)
    learner = query.learner()
    if query.choice("order", ("id", "due"), "id") == "due":
        limit = query.int_arg("limit", study_queue.DEFAULT_LIMIT, study_queue.MAX_LIMIT)
        rows = [row for row, _ in study_queue.queue(get_db(), learner, group_id, limit)]
    else:
        rows = words.all_in_group(get_db(), learner["id"], group_id, query.int_arg("limit", None))
    return {"group_id": group_id, "group_name": group["group_name"], "words": [word(row) for row in rows]}


@bp.get("/<id:group_id>/study_sessions")
@allow(LEARNER_IN_QUERY)
def list_group_sessions(group_id):
    groups.get(get_db(), group_id)
    learner = query.learner()
    page = query.Page(default_per_page=10)
    sort = query.sort(sessions.SORT_KEYS, "start_time", "desc")
    rows, total = sessions.page(get_db(), learner["id"], sort, page.offset, page.per_page, group_id=group_id)
    return {
        "study_sessions": rows,
        "total_pages": page.total_pages(total),
        "current_page": page.number,
        "per_page": page.per_page,
    }
