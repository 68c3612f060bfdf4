"""Checks of the database: its file, for the health check and before every write, and
its counter caches against a recount of the rows they count (flask check-db)."""

import collections
import os
import threading

VALID_PAGE_SIZES = {1} | {2**n for n in range(9, 16)}  # 1 stands for 65536 in the header


def file_identity(path):
    """(device, inode) of the file at path; FileNotFoundError when there is none."""
    st = os.stat(path)
    return st.st_dev, st.st_ino


def file_problem(path, identity=None):
    """Why the database file at path cannot take writes now, in a sentence, or None.
    identity is the (device, inode) a connection opened: a file deleted or replaced under
    the server matters most, as SQLite would go on writing into the unlinked file and
    every write would be lost. Cheap enough for every write and health check: a stat and
    an access check, and the file's first 100 bytes (SQLite's header) read again only when
    the file has changed since they were last found sound."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if identity is None:
            return (
                "The database file is missing; create it with flask init-db (or start the server with python serve.py)."
            )
        return "The database file was deleted while the server was running; restore it and restart the server."
    if identity is not None and (st.st_dev, st.st_ino) != identity:
        return "The database file was replaced while the server was running; restart the server."
    if not all(os.access(p, os.W_OK) for p in (path, f"{path}-wal") if os.path.exists(p)):
        return "The database file is not writable by the server; fix its permissions or its disk."
    version = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    if _sound_headers.get(path) != version:
        header = _header(path, (st.st_dev, st.st_ino))
        page_size = int.from_bytes(header[16:18], "big") if len(header) == 100 else 0
        if not header.startswith(b"SQLite format 3\x00") or page_size not in VALID_PAGE_SIZES:
            return "The database file is damaged (its header is not SQLite's); restore it from a backup."
        _sound_headers[path] = version
    return None


_sound_headers = {}  # path -> (device, inode, size, mtime) when its header was last read and sound

# Descriptors of the files whose headers were read, kept open: closing any descriptor of a
# file drops every POSIX lock the process holds on it, SQLite's included. Another process
# closing its last connection would then find the database unused, checkpoint it and
# delete the WAL that this process's connections still write to, and the database is
# damaged ("How To Corrupt An SQLite Database File", 2.2). Seen here: with the header read
# by open() and close(), two servers on one file, one of them stopped, left the other a
# damaged database; a third of its answers failed with "database disk image is
# malformed". A server has one database file; only past HEADER_DESCRIPTORS files (a test
# run) is the oldest descriptor closed.
HEADER_DESCRIPTORS = 32
_header_descriptors = collections.OrderedDict()  # (device, inode) -> descriptor, oldest first
_never_closed = []  # a second descriptor of a file already held (replaced in between)
_header_lock = threading.Lock()


def _header(path, identity):
    """The first 100 bytes of the file at path (stat as identity), read through the
    descriptor this process keeps open for it."""
    with _header_lock:
        fd = _header_descriptors.get(identity)
        if fd is None:
            fd = os.open(path, os.O_RDONLY)
            opened = os.fstat(fd)
            identity = (opened.st_dev, opened.st_ino)  # the file may have been replaced since the stat
            if identity in _header_descriptors:
                _never_closed.append(fd)
                fd = _header_descriptors[identity]
            else:
                _header_descriptors[identity] = fd
                if len(_header_descriptors) > HEADER_DESCRIPTORS:
                    os.close(_header_descriptors.popitem(last=False)[1])
        return os.pread(fd, 100, 0)


# Each query returns the rows where a counter cache disagrees with a recount (or, for the
# last, where an answer's learner is not its session's).
COUNTER_CHECKS = {
    "word_stats": """
        SELECT learner_id, word_id, sum(correct), count(*) - sum(correct)
        FROM word_review_items GROUP BY learner_id, word_id
        EXCEPT
        SELECT learner_id, word_id, correct_count, wrong_count FROM word_stats
    """,
    "word_stats (extra rows)": """
        SELECT learner_id, word_id, correct_count, wrong_count FROM word_stats
        EXCEPT
        SELECT learner_id, word_id, sum(correct), count(*) - sum(correct)
        FROM word_review_items GROUP BY learner_id, word_id
    """,
    "study_sessions": """
        SELECT s.id, count(r.id), coalesce(sum(r.correct), 0), max(r.created_at)
        FROM study_sessions AS s
        LEFT JOIN word_review_items AS r ON r.study_session_id = s.id
        GROUP BY s.id
        EXCEPT
        SELECT id, review_items_count, correct_count, last_review_at FROM study_sessions
    """,
    "groups": """
        SELECT g.id, (SELECT count(*) FROM word_groups WHERE group_id = g.id) FROM groups AS g
        EXCEPT
        SELECT id, words_count FROM groups
    """,
    "learner_groups": """
        SELECT learner_id, group_id, max(learning_day) FROM study_sessions GROUP BY learner_id, group_id
        EXCEPT
        SELECT learner_id, group_id, last_session_day FROM learner_groups
    """,
    "learner_groups (extra rows)": """
        SELECT learner_id, group_id, last_session_day FROM learner_groups
        EXCEPT
        SELECT learner_id, group_id, max(learning_day) FROM study_sessions GROUP BY learner_id, group_id
    """,
    "review_days": """
        SELECT learner_id, learning_day, count(*) FROM word_review_items GROUP BY learner_id, learning_day
        EXCEPT
        SELECT learner_id, day, reviews FROM review_days
    """,
    "review_days (extra rows)": """
        SELECT learner_id, day, reviews FROM review_days
        EXCEPT
        SELECT learner_id, learning_day, count(*) FROM word_review_items GROUP BY learner_id, learning_day
    """,
    "review_days runs": """
        SELECT learner_id, day, min(day) OVER (PARTITION BY learner_id, island)
        FROM (
            SELECT learner_id, day,
                julianday(day) - row_number() OVER (PARTITION BY learner_id ORDER BY day) AS island
            FROM review_days
        ) AS numbered
        EXCEPT
        SELECT learner_id, day, run_start FROM review_days
    """,
    "learner_totals": """
        SELECT
            l.id,
            (SELECT count(*) FROM study_sessions WHERE learner_id = l.id),
            (SELECT count(*) FROM word_review_items WHERE learner_id = l.id),
            (SELECT coalesce(sum(correct), 0) FROM word_review_items WHERE learner_id = l.id),
            (SELECT count(*) FROM word_stats WHERE learner_id = l.id),
            (SELECT coalesce(sum(mastered), 0) FROM word_stats WHERE learner_id = l.id),
            (SELECT count(*) FROM word_stats WHERE learner_id = l.id AND correct_count > 0),
            (SELECT count(*) FROM word_stats WHERE learner_id = l.id AND wrong_count > 0)
        FROM learners AS l
        EXCEPT
        SELECT learner_id, sessions, reviews, correct, studied_words, mastered_words, correct_words, wrong_words
        FROM learner_totals
    """,
    "vocabulary_totals": """
        SELECT (SELECT count(*) FROM words)
        EXCEPT
        SELECT words FROM vocabulary_totals
    """,
    # Each learner's unanswered ranges hold exactly the words they never answered: as many
    # words as they have not answered, none they have, and no two ranges overlap.
    "unanswered_ranges": """
        SELECT l.id FROM learners AS l
        WHERE (
            SELECT count(*) FROM unanswered_ranges AS r
            JOIN words AS w ON w.id BETWEEN r.first_id AND r.last_id
            WHERE r.learner_id = l.id
        ) != (SELECT count(*) FROM words) - (SELECT count(*) FROM word_stats WHERE learner_id = l.id)
        UNION ALL
        SELECT ws.learner_id FROM word_stats AS ws
        WHERE (
            SELECT r.last_id FROM unanswered_ranges AS r
            WHERE r.learner_id = ws.learner_id AND r.first_id <= ws.word_id
            ORDER BY r.first_id DESC LIMIT 1
        ) >= ws.word_id
        UNION ALL
        SELECT learner_id FROM (
            SELECT learner_id, last_id, lead(first_id) OVER (PARTITION BY learner_id ORDER BY first_id) AS next_first
            FROM unanswered_ranges
        ) AS ranges
        WHERE next_first <= last_id
    """,
    "answers' learners": """
        SELECT r.id FROM word_review_items AS r
        JOIN study_sessions AS s ON s.id = r.study_session_id
        WHERE r.learner_id != s.learner_id
    """,
}


def counter_mismatches(conn):
    """Names of the counter caches that disagree with a recount of the rows (none: [])."""
    return [name for name, sql in COUNTER_CHECKS.items() if conn.execute(sql).fetchone() is not None]
