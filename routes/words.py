"""Words: the vocabulary, each with a learner's all-time answer counts (?learner_id=,
learner 1 by default)."""

from flask import Blueprint

from lib.db import get_db
from lib.domain import answers, words
from lib.web import query
from lib.web.access import LEARNER_IN_QUERY, allow
from lib.web.jsonio import answer, word
from lib.web.response_cache import cached_until_write

bp = Blueprint("words", __name__, url_prefix="/api/words")


@bp.get("")
@allow(LEARNER_IN_QUERY)
@cached_until_write
def list_words():
    learner = query.learner()
    page = query.Page(default_per_page=50)
    sort = query.sort(words.SORT_KEYS, "kanji", "asc")
    rows, total = words.page(get_db(), learner["id"], sort, page.offset, page.per_page)
    return {
        "words": [word(row) for row in rows],
        "total_words": total,
        "total_pages": page.total_pages(total),
        "current_page": page.number,
        "per_page": page.per_page,
    }


@bp.get("/<id:word_id>")
@allow(LEARNER_IN_QUERY)
def show_word(word_id):
    """The word with the learner's counts, the groups it is in, and the learner's memory of
    it (null before the first answer)."""
    row, groups, memory = words.show(get_db(), query.learner(), word_id)
    return {"word": {**word(row), "groups": groups, "memory": memory}}


@bp.get("/<id:word_id>/reviews")
@allow(LEARNER_IN_QUERY)
def list_word_reviews(word_id):
    """The learner's answers to the word, newest first."""
    learner = query.learner()
    words.require(get_db(), word_id)
    page = query.Page()
    rows, total = answers.of_word(get_db(), learner["id"], word_id, page.offset, page.per_page)
    return page.of([answer(row) for row in rows], total)
