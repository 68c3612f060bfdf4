"""The vocabulary as it grows: words added to groups (by the seed and by flask
import-words), each word stored once and found again by its kanji, romaji and English,
each group by its name."""

import itertools
import json


def find_or_insert(conn, find, insert, params):
    """The id of the row find selects, else of the row insert adds: (id, inserted). Found
    first, so that a row already there takes no id (a PostgreSQL identity hands out an id
    to every INSERT, ON CONFLICT or not, and then seeds and imports would number words
    differently on the two engines). An insert that meets a row added by a concurrent
    transaction in the meantime does nothing, and the row is found again."""
    row = conn.execute(find, params).fetchone()
    if row is not None:
        return row["id"], False
    row = conn.execute(f"{insert} ON CONFLICT DO NOTHING RETURNING id", params).fetchone()
    if row is not None:
        return row["id"], True
    return conn.execute(find, params).fetchone()["id"], False


WORDS_PER_STATEMENT = 500  # an import's words go in this many at a time (4 parameters each)
LINKS_PER_STATEMENT = 500  # and their places in groups this many at a time (2 each)


def add_words(conn, group_name, words):
    """Insert words (one already there, by kanji, romaji and English, is reused) and put
    each in group_name (None: no group for all) and in its own "groups" (names, when the
    word has them), each group created when missing, inside the caller's transaction.
    Returns (words given, words new). words may be a stream: it is read
    WORDS_PER_STATEMENT at a time, and each batch is found, inserted and linked in a few
    statements (per word, a PostgreSQL import was a round trip per statement and a counter
    update per word)."""
    group_ids = {}

    def group_id(name):
        if name not in group_ids:
            group_ids[name], _ = find_or_insert(
                conn, "SELECT id FROM groups WHERE name = ?", "INSERT INTO groups (name) VALUES (?)", (name,)
            )
        return group_ids[name]

    shared = () if group_name is None else (group_id(group_name),)  # made first, even for no words
    total = added = 0
    for batch in _batches(words, WORDS_PER_STATEMENT):
        ids, new = _find_or_insert_words(conn, batch)
        added += new
        # A word twice in the batch, or a group twice for a word, is linked once.
        links = dict.fromkeys(
            (word_id, each)
            for word, word_id in zip(batch, ids, strict=True)
            for each in (*shared, *map(group_id, word.get("groups", ())))
        )
        for pairs in _batches(links, LINKS_PER_STATEMENT):
            conn.execute(
                "INSERT INTO word_groups (word_id, group_id) VALUES "
                + ", ".join(["(?, ?)"] * len(pairs))
                + " ON CONFLICT DO NOTHING",
                [value for pair in pairs for value in pair],
            )
        total += len(batch)
    return total, added


def _batches(items, size):
    """Lists of up to size items from an iterable (itertools.batched, in Python 3.12)."""
    items = iter(items)
    while batch := list(itertools.islice(items, size)):
        yield batch


def _find_or_insert_words(conn, batch):
    """The ids of a batch of words, in order, and how many were new: found first, then the
    missing ones inserted in the batch's order (so ids are the same on both engines); one
    that a concurrent transaction added meanwhile is found again."""
    rows = {}
    for word in batch:
        key = (word["kanji"], word["romaji"], word["english"])
        rows.setdefault(key, json.dumps(word.get("parts", []), ensure_ascii=False))
    found = _find_words(conn, list(rows))
    missing = [key for key in rows if key not in found]
    new = 0
    if missing:
        inserted = conn.execute(
            "INSERT INTO words (kanji, romaji, english, parts) VALUES "
            + ", ".join(["(?, ?, ?, ?)"] * len(missing))
            + " ON CONFLICT DO NOTHING RETURNING id, kanji, romaji, english",
            [value for key in missing for value in (*key, rows[key])],
        ).fetchall()
        new = len(inserted)
        found.update({(r["kanji"], r["romaji"], r["english"]): r["id"] for r in inserted})
        if new < len(missing):
            found.update(_find_words(conn, [key for key in missing if key not in found]))
    return [found[(w["kanji"], w["romaji"], w["english"])] for w in batch], new


def _find_words(conn, keys):
    """{(kanji, romaji, english): id} of the keys already in words."""
    if not keys:
        return {}
    # A join with the keys, not (...) IN (VALUES ...): SQLite scans the whole index for that.
    rows = conn.execute(
        "WITH wanted (kanji, romaji, english) AS (VALUES "
        + ", ".join(["(?, ?, ?)"] * len(keys))
        + ") SELECT w.id, w.kanji, w.romaji, w.english FROM wanted JOIN words AS w"
        " ON w.kanji = wanted.kanji AND w.romaji = wanted.romaji AND w.english = wanted.english",
        [value for key in keys for value in key],
    ).fetchall()
    return {(r["kanji"], r["romaji"], r["english"]): r["id"] for r in rows}
