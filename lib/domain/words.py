"""Words, each with one learner's all-time answer counts: the vocabulary's pages in any
order, a word with its groups and the learner's memory of it, the answers to it, and every
word with its groups' names (the vocabulary's export)."""

import itertools

from lib.domain import learners, memory
from lib.domain.errors import NotFound
from lib.domain.lists import order_by

# Word with one learner's all-time counts; FROM words AS w (aliases w, wr); its first
# parameter is the learner's id. japanese is the bootcamp spec's name for kanji:
# activities written against that spec read word.japanese.
WORD_SELECT = """
SELECT
    w.id, w.kanji, w.kanji AS japanese, w.romaji, w.english, w.parts,
    coalesce(wr.correct_count, 0) AS correct_count,
    coalesce(wr.wrong_count, 0) AS wrong_count
FROM words AS w
LEFT JOIN word_stats AS wr ON wr.learner_id = ? AND wr.word_id = w.id
"""

SORT_KEYS = {
    "kanji": "w.kanji",
    "romaji": "w.romaji",
    "english": "w.english",
    "correct_count": "coalesce(wr.correct_count, 0)",
    "wrong_count": "coalesce(wr.wrong_count, 0)",
}
COUNT_COLUMNS = {"correct_count": "correct_words", "wrong_count": "wrong_words"}  # sort key: learner_totals column


def total(conn):
    """How many words the vocabulary holds."""
    return conn.scalar("SELECT words FROM vocabulary_totals")


def require(conn, word_id):
    if conn.row("SELECT 1 FROM words WHERE id = ?", (word_id,)) is None:
        raise NotFound(f"Word {word_id} not found.")


def require_all(conn, word_ids):
    """NotFound naming every id of word_ids that is no word."""
    wanted = sorted(set(word_ids))
    marks = ", ".join("?" * len(wanted))
    found = {r["id"] for r in conn.rows(f"SELECT id FROM words WHERE id IN ({marks})", wanted)}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        noun = "Word" if len(missing) == 1 else "Words"
        raise NotFound(f"{noun} {', '.join(missing)} not found.")


def page(conn, learner_id, sort, offset, limit):
    """(a page of every word in the order sort gives, ties by id in the same direction; how
    many words there are). A page past the middle is read from the other end in the other
    order and turned round, so the first and the last pages are both cheap."""
    count = total(conn)
    return _page(conn, learner_id, sort, offset, limit, count), count


def _page(conn, learner_id, sort, offset, limit, count):
    if offset >= count:
        return []
    limit = min(limit, count - offset)
    descending = sort.direction == "DESC"
    if offset > count - offset - limit:
        descending, offset, turned = not descending, count - offset - limit, True
    else:
        turned = False
    if sort.key in COUNT_COLUMNS:
        ids = _count_sorted_ids(conn, learner_id, sort.key, descending, offset, limit, count)
        marks = ", ".join("?" * len(ids)) or "NULL"
        found = {row["id"]: row for row in conn.rows(f"{WORD_SELECT} WHERE w.id IN ({marks})", (learner_id, *ids))}
        rows = [found[i] for i in ids]
    else:
        rows = _column_sorted_rows(conn, learner_id, sort.key, descending, offset, limit)
    return rows[::-1] if turned else rows


def _column_sorted_rows(conn, learner_id, key, descending, offset, limit):
    """A page of the words sorted by one of their own columns (ties by id, in the same
    direction)."""
    direction = "DESC" if descending else "ASC"
    order = f"ORDER BY {SORT_KEYS[key]} {direction}, w.id {direction}"
    # A deferred join: the OFFSET walks the narrow sort index for ids alone, and only the
    # page's rows are read whole.
    page_ids = f"""
        SELECT w.id
        FROM words AS w
        {order}
        LIMIT ? OFFSET ?
    """
    return conn.rows(f"{WORD_SELECT} JOIN ({page_ids}) AS page ON page.id = w.id {order}", (learner_id, limit, offset))


def _count_sorted_ids(conn, learner_id, key, descending, offset, limit, count):
    """The ids of a page of every word sorted by the learner's count (ties by id, in the
    same direction), read without sorting the vocabulary. In descending order come first
    the words with a count above 0, from word_stats's index on the count, then the words at
    0 by id; ascending, the other way round."""
    counts = conn.row(
        f"SELECT {COUNT_COLUMNS[key]} AS counted, studied_words AS studied FROM learner_totals WHERE learner_id = ?",
        (learner_id,),
    )
    zero = (counts["studied"] - counts["counted"], count - counts["studied"])  # answered, never answered
    segments = [(counts["counted"], _with_count), (sum(zero), _at_zero)]
    if not descending:
        segments.reverse()
    ids, start = [], offset
    for size, read in segments:
        if len(ids) == limit:
            break
        if start < size:
            ids += read(conn, learner_id, key, descending, start, limit - len(ids), zero)
            start = 0
        else:
            start -= size
    return ids


def _with_count(conn, learner_id, column, descending, offset, limit, _):
    direction = "DESC" if descending else "ASC"
    rows = conn.rows(
        f"""
        SELECT word_id FROM word_stats
        WHERE learner_id = ? AND {column} > 0
        ORDER BY {column} {direction}, word_id {direction}
        LIMIT ? OFFSET ?
        """,
        (learner_id, limit, offset),
    )
    return [row["word_id"] for row in rows]


def _at_zero(conn, learner_id, column, descending, offset, limit, sizes):
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
        return [row["id"] for row in conn.rows(sql, (learner_id, limit, offset))]
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
    return [row["id"] for row in conn.rows(merged, params)]


def in_group(conn, learner_id, group_id, sort, offset, limit):
    """A page of the group's words in the order sort gives (ties by id)."""
    return conn.rows(
        f"""
        {WORD_SELECT}
        JOIN word_groups AS wg ON wg.word_id = w.id
        WHERE wg.group_id = ?
        {order_by(SORT_KEYS, sort, tiebreak="w.id")}
        LIMIT ? OFFSET ?
        """,
        (learner_id, group_id, limit, offset),
    )


def all_in_group(conn, learner_id, group_id, limit=None):
    """The group's words by id, limit of them (every one when None)."""
    return conn.rows(
        f"""
        {WORD_SELECT}
        JOIN word_groups AS wg ON wg.word_id = w.id
        WHERE wg.group_id = ?
        ORDER BY w.id
        {"" if limit is None else "LIMIT ?"}
        """,
        (learner_id, group_id) + (() if limit is None else (limit,)),
    )


def show(conn, learner, word_id):
    """(the word with the learner's counts, the groups it is in, the learner's memory of it
    as shown today or None before the first answer); NotFound when there is no such word."""
    row = conn.row(f"{WORD_SELECT} WHERE w.id = ?", (learner["id"], word_id))
    if row is None:
        raise NotFound(f"Word {word_id} not found.")
    groups = conn.rows(
        """
        SELECT g.id, g.name
        FROM word_groups AS wg
        JOIN groups AS g ON g.id = wg.group_id
        WHERE wg.word_id = ?
        ORDER BY g.name, g.id
        """,
        (word_id,),
    )
    state = conn.row(
        f"SELECT {memory.MEMORY_COLUMNS} FROM word_stats WHERE learner_id = ? AND word_id = ?",
        (learner["id"], word_id),
    )
    shown = memory.shown(state, learners.today(learner).isoformat(), memory.parameters_of(learner))
    return row, groups, shown


def of_group(conn, group_id):
    """The group's words by id, streamed: {id, kanji, romaji, english, parts}."""
    return conn.stream(
        """
        SELECT w.id, w.kanji, w.romaji, w.english, w.parts
        FROM word_groups AS wg
        JOIN words AS w ON w.id = wg.word_id
        WHERE wg.group_id = ?
        ORDER BY w.id
        """,
        (group_id,),
    )


def every_with_groups(conn):
    """Every word by id, streamed from one statement (one consistent snapshot), each with
    the names of its groups in code point order: {id, kanji, romaji, english, parts,
    groups}; a word in no group has groups []."""
    rows = conn.stream(
        """
        SELECT w.id, w.kanji, w.romaji, w.english, w.parts, g.name AS group_name
        FROM words AS w
        LEFT JOIN word_groups AS wg ON wg.word_id = w.id
        LEFT JOIN groups AS g ON g.id = wg.group_id
        ORDER BY w.id
        """
    )
    for _, same_word in itertools.groupby(rows, key=lambda row: row["id"]):
        same_word = list(same_word)  # a row per group of the word
        word = {key: same_word[0][key] for key in ("id", "kanji", "romaji", "english", "parts")}
        yield word | {"groups": sorted(row["group_name"] for row in same_word if row["group_name"] is not None)}
