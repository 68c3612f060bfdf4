"""Words: the vocabulary, each with a learner's all-time answer counts (?learner_id=, learner 1 by default)."""

from flask import Blueprint

from lib import memory
from lib.db import one, one_or_404, query, scalar
from lib.learners import requested_learner, today
from lib.listing import Page, sort_choice
from lib.response_cache import cached_until_write
from lib.shapes import REVIEW_ITEM_COLUMNS, WORD_SELECT, WORD_SORT_KEYS, review_item, word

bp = Blueprint("words", __name__, url_prefix="/api/words")


@bp.get("")
@cached_until_write
def list_words():
    learner = requested_learner()
    page = Page(default_per_page=50)
    key, direction = sort_choice(WORD_SORT_KEYS, "kanji", "asc")
    total = scalar("SELECT words FROM vocabulary_totals")
    if key in COUNT_COLUMNS:
        ids = from_the_nearer_end(count_sorted_ids, learner["id"], key, direction == "DESC", page, total)
        marks = ", ".join("?" * len(ids)) or "NULL"
        found = {row["id"]: row for row in query(f"{WORD_SELECT} WHERE w.id IN ({marks})", (learner["id"], *ids))}
        rows = [found[i] for i in ids]
    else:
        rows = from_the_nearer_end(column_sorted_rows, learner["id"], key, direction == "DESC", page, total)
    return {
        "words": [word(row) for row in rows],
        "total_words": total,
        "total_pages": page.total_pages(total),
        "current_page": page.number,
        "per_page": page.per_page,
    }


def from_the_nearer_end(read, learner_id, key, descending, page, total):
    """The page of every word in this order, read by read(learner_id, key, descending,
    offset, limit, total): a page past the middle is read from the other end in the other
    order and turned round, so the first and the last pages are both cheap."""
    offset = page.offset
    if offset >= total:
        return []
    limit = min(page.per_page, total - offset)
    if offset > total - offset - limit:
        return read(learner_id, key, not descending, total - offset - limit, limit, total)[::-1]
    return read(learner_id, key, descending, offset, limit, total)


def column_sorted_rows(learner_id, key, descending, offset, limit, _total):
    """A page of the words sorted by one of their own columns (ties by id, in the same
    direction)."""
    direction = "DESC" if descending else "ASC"
    order = f"ORDER BY {WORD_SORT_KEYS[key]} {direction}, w.id {direction}"
    # A deferred join: the OFFSET walks the narrow sort index for ids alone, and only the
    # page's rows are read whole (page 1,000 of 100,000 words: 1 ms instead of 14 ms).
    page_ids = f"""
        SELECT w.id
        FROM words AS w
        {order}
        LIMIT ? OFFSET ?
    """
    return query(f"{WORD_SELECT} JOIN ({page_ids}) AS page ON page.id = w.id {order}", (learner_id, limit, offset))


COUNT_COLUMNS = {"correct_count": "correct_words", "wrong_count": "wrong_words"}


def count_sorted_ids(learner_id, column, descending, offset, limit, total):
    """The ids of a page of every word sorted by the learner's count in column (ties by
    id, in the same direction), read without sorting the vocabulary. In descending order
    come first the words with a count above 0, from word_stats's index on the count,
    then the words at 0 by id; ascending, the other way round."""
    counts = one(
        f"SELECT {COUNT_COLUMNS[column]} AS counted, studied_words AS studied FROM learner_totals WHERE learner_id = ?",
        (learner_id,),
    )
    zero = (counts["studied"] - counts["counted"], total - counts["studied"])  # answered, never answered
    segments = [(counts["counted"], _with_count), (sum(zero), _at_zero)]
    if not descending:
        segments.reverse()
    ids, start = [], offset
    for size, read in segments:
        if len(ids) == limit:
            break
        if start < size:
            ids += read(learner_id, column, descending, start, limit - len(ids), zero)
            start = 0
        else:
            start -= size
    return ids


def _with_count(learner_id, column, descending, offset, limit, _):
    direction = "DESC" if descending else "ASC"
    rows = query(
        f"""
        SELECT word_id FROM word_stats
        WHERE learner_id = ? AND {column} > 0
        ORDER BY {column} {direction}, word_id {direction}
        LIMIT ? OFFSET ?
        """,
        (learner_id, limit, offset),
    )
    return [row["word_id"] for row in rows]


def _at_zero(learner_id, column, descending, offset, limit, sizes):
    """Words whose count is 0, by id: the answered ones from word_stats's index at 0, the
    never answered ones from the learner's unanswered_ranges. Each comes in id order from
    an index; when both hold words, the database merges the first offset + limit ids of
    each."""
    direction = "DESC" if descending else "ASC"
    answered = f"""
        SELECT word_id AS id FROM word_stats
        WHERE learner_id = ? AND {column} = 0
        ORDER BY word_id {direction}
        LIMIT ? OFFSET ?
    """
    never = f"""
        SELECT w.id FROM unanswered_ranges AS r
        JOIN words AS w ON w.id BETWEEN r.first_id AND r.last_id
        WHERE r.learner_id = ?
        ORDER BY r.first_id {direction}, w.id {direction}
        LIMIT ? OFFSET ?
    """
    answered_size, never_size = sizes
    if not never_size or not answered_size:
        sql = never if never_size else answered
        return [row["id"] for row in query(sql, (learner_id, limit, offset))]
    # Both: the first offset + limit of each, merged by the database.
    merged = f"""
        SELECT id FROM (
            SELECT id FROM ({answered}) AS answered
            UNION ALL
            SELECT id FROM ({never}) AS never
        ) AS zero
        ORDER BY id {direction}
        LIMIT ? OFFSET ?
    """
    params = (learner_id, offset + limit, 0, learner_id, offset + limit, 0, limit, offset)
    return [row["id"] for row in query(merged, params)]


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
