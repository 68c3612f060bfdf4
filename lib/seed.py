"""The seed data (seed/: the vocabulary and the study activities), and the resets."""

import itertools
import json
from pathlib import Path
from urllib.parse import urlsplit

from lib import memory
from lib.db import transaction
from lib.schema import migrate
from lib.validation import MAX_ID

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"

# Rows a reset deletes, children before parents. Stored idempotent answers go with the
# history they name; sessions, answers and feedback keep counting up (AUTOINCREMENT, 005),
# so an id from before a reset never names something new.
HISTORY_TABLES = (
    "session_feedback",
    "word_review_items",
    "study_sessions",
    "word_stats",
    "review_days",
    "learner_groups",
    "idempotency_keys",
)
VOCABULARY_TABLES = ("word_groups", "words", "groups", "study_activities")


def load_seed(seed_dir=SEED_DIR):
    """Read the seed files: ({group name: [word, ...]}, [activity, ...])."""
    seed_dir = Path(seed_dir)
    groups = {}
    for path in sorted((seed_dir / "groups").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        groups[data["group"]] = data["words"]
    activities = json.loads((seed_dir / "study_activities.json").read_text(encoding="utf-8"))
    return groups, activities


def activity_origins(seed_dir=SEED_DIR):
    """Origins of the study activities' URLs, which CORS must allow. Activities come only
    from the seed (no endpoint creates one), so its file lists every activity served."""
    urls = [urlsplit(activity["url"]) for activity in load_seed(seed_dir)[1]]
    return [f"{u.scheme}://{u.netloc}" for u in urls if u.scheme and u.netloc]


def _find_or_insert(conn, find, insert, params):
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


def add_words(conn, group_name, words):
    """Insert words (one already there, by kanji, romaji and English, is reused) and put
    them in the group, inside the caller's transaction. Returns (words given, words new).
    words may be a stream: it is read WORDS_PER_STATEMENT at a time, and each batch is
    found, inserted and linked in three statements (per word, a PostgreSQL import was a
    round trip per statement and a counter update per word)."""
    group_id, _ = _find_or_insert(
        conn, "SELECT id FROM groups WHERE name = ?", "INSERT INTO groups (name) VALUES (?)", (group_name,)
    )
    total = added = 0
    for batch in _batches(words, WORDS_PER_STATEMENT):
        ids, new = _find_or_insert_words(conn, batch)
        added += new
        pairs = list(dict.fromkeys(ids))  # a word twice in the batch is linked once
        conn.execute(
            "INSERT INTO word_groups (word_id, group_id) VALUES "
            + ", ".join(["(?, ?)"] * len(pairs))
            + " ON CONFLICT DO NOTHING",
            [value for word_id in pairs for value in (word_id, group_id)],
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


def load_rows(conn, seed_dir=SEED_DIR):
    """Insert the seed's groups, words and activities inside the caller's transaction;
    returns how many words were new. Running it twice changes nothing."""
    groups, activities = load_seed(seed_dir)
    added = sum(add_words(conn, name, words)[1] for name, words in groups.items())
    for activity in activities:
        values = {key: activity.get(key) for key in ("name", "url", "preview_url", "description")}
        activity_id, _ = _find_or_insert(
            conn,
            "SELECT id FROM study_activities WHERE name = :name",
            """
            INSERT INTO study_activities (name, url, preview_url, description)
            VALUES (:name, :url, :preview_url, :description)
            """,
            values,
        )
        conn.execute(
            "UPDATE study_activities SET url = :url, preview_url = :preview_url, description = :description "
            "WHERE name = :name",
            values,
        )
    return added


def init_db(conn, seed_dir=SEED_DIR):
    """Bring the schema up to date (and the memory states it adds), and seed an empty
    database; servers starting together on PostgreSQL take turns (setup_lock)."""
    with conn.engine.setup_lock(conn):
        migrate(conn)
        memory.rebuild_missing(conn)
        if conn.execute("SELECT count(*) AS n FROM words").fetchone()["n"] == 0:
            with transaction(conn):
                load_rows(conn, seed_dir)


def _clear(conn, tables):
    # Lock every learner's counters first, as each answer does (on PostgreSQL, whose writers
    # run at once, a reset that locked them after the rows it deletes could deadlock).
    conn.execute("UPDATE learner_totals SET sessions = sessions")
    # Then, on PostgreSQL, the learners' unanswered ranges, put back below: a learner made
    # during the reset, or answering a word for the first time, waits for its commit
    # instead of splitting a range the reset then replaces, or of making one it then
    # duplicates (sql/setup/postgresql/010_unanswered_ranges.sql).
    conn.lock_exclusive("unanswered_ranges")
    for table in tables:
        conn.execute(f"DELETE FROM {table}")  # names come from the fixed tuples above
    conn.execute(
        "UPDATE learner_totals SET sessions = 0, reviews = 0, correct = 0, studied_words = 0, mastered_words = 0"
    )
    # No answers left: every learner's unanswered words are every id again, in one range
    # (the ids the deleted rows gave back, one range each, go).
    conn.execute("DELETE FROM unanswered_ranges")
    conn.execute(f"INSERT INTO unanswered_ranges (learner_id, first_id, last_id) SELECT id, 1, {MAX_ID} FROM learners")


def clear_history(conn):
    """Forget every learner's study sessions, answers and feedback; keep the vocabulary and
    the learners. Runs inside the caller's transaction."""
    _clear(conn, HISTORY_TABLES)


def reset_to_seed(conn, seed_dir=SEED_DIR):
    """Empty every table and load the seed data again, inside the caller's transaction.
    The learners go too, but for learner 1, who is put back as the migration made them."""
    _clear(conn, HISTORY_TABLES + VOCABULARY_TABLES)
    conn.engine.restart_ids(conn, ("words", "groups", "study_activities"))
    conn.execute("DELETE FROM learners WHERE id != 1")
    conn.execute(
        """
        UPDATE learners
        SET name = 'Learner 1', timezone = 'UTC', day_start_hour = 0, fsrs_parameters = NULL, desired_retention = 0.9
        WHERE id = 1
        """
    )
    return load_rows(conn, seed_dir)
