"""Words: the vocabulary, each with a learner's all-time answer counts (?learner_id=, learner 1 by default)."""

from flask import Blueprint

from lib import memory
from lib.db import one, one_or_404, query, scalar
from lib.learners import requested_learner, today
from lib.listing import Page, order_by
from lib.shapes import REVIEW_ITEM_COLUMNS, WORD_SELECT, WORD_SORT_KEYS, review_item, word

bp = Blueprint("words", __name__, url_prefix="/api/words")


@bp.get("")
def list_words():
    learner = requested_learner()
    page = Page(default_per_page=50)
    order = order_by(WORD_SORT_KEYS, "kanji", "asc", tiebreak="w.id")
    total = scalar("SELECT words FROM vocabulary_totals")
    # A deferred join: the OFFSET walks the narrow sort index for ids alone, and only the
    # page's rows are read whole (page 1,000 of 100,000 words: 1 ms instead of 14 ms).
    page_ids = f"""
        SELECT w.id
        FROM words AS w
        LEFT JOIN word_stats AS wr ON wr.learner_id = ? AND wr.word_id = w.id
        {order}
        LIMIT ? OFFSET ?
    """
    rows = query(
        f"{WORD_SELECT} JOIN ({page_ids}) AS page ON page.id = w.id {order}",
        (learner["id"], learner["id"], page.per_page, page.offset),
    )
    return {
        "words": [word(row) for row in rows],
        "total_words": total,
        "total_pages": page.total_pages(total),
        "current_page": page.number,
        "per_page": page.per_page,
    }


@bp.get("/<id:word_id>")
def show_word(word_id):
    """The word with the learner's counts, the groups it is in, and the learner's memory of
    it (null before the first answer)."""
    learner = requested_learner()
    row = one_or_404(f"{WORD_SELECT} WHERE w.id = ?", (learner["id"], word_id), f"Word {word_id} not found.")
    groups = query(
        """
        SELECT g.id, g.name
        FROM word_groups AS wg
        JOIN groups AS g ON g.id = wg.group_id
        WHERE wg.word_id = ?
        ORDER BY g.name, g.id
        """,
        (word_id,),
    )
    state = one(
        f"SELECT {memory.MEMORY_COLUMNS} FROM word_stats WHERE learner_id = ? AND word_id = ?",
        (learner["id"], word_id),
    )
    shown = memory.shown(state, today(learner).isoformat(), memory.parameters_of(learner))
    return {"word": {**word(row), "groups": groups, "memory": shown}}


@bp.get("/<id:word_id>/reviews")
def list_word_reviews(word_id):
    """The learner's answers to the word, newest first."""
    learner = requested_learner()
    one_or_404("SELECT 1 FROM words WHERE id = ?", (word_id,), f"Word {word_id} not found.")
    page = Page()
    total = (
        scalar(
            "SELECT correct_count + wrong_count FROM word_stats WHERE learner_id = ? AND word_id = ?",
            (learner["id"], word_id),
        )
        or 0
    )
    rows = query(
        f"""
        SELECT {REVIEW_ITEM_COLUMNS}
        FROM word_review_items
        WHERE learner_id = ? AND word_id = ?
        ORDER BY id DESC
        LIMIT ? OFFSET ?
        """,
        (learner["id"], word_id, page.per_page, page.offset),
    )
    return {
        "items": [review_item(row) for row in rows],
        "total": total,
        "page": page.number,
        "per_page": page.per_page,
        "total_pages": page.total_pages(total),
    }
