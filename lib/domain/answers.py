"""The learning record store: every answer a learner gives, recorded in one place, whether
it comes from a study session or from another tool's review log."""

from lib.domain import clock, learners, memory, words
from lib.domain.errors import NotFound, Unprocessable

MAX_DURATION_MS = 24 * 60 * 60 * 1000  # how long an answer may say it took
MAX_RESPONSE = 500  # characters of what the learner typed

# An answer as the API returns it (the raw row, but for its learner and learning day).
COLUMNS = "id, study_session_id, word_id, correct, grade, duration_ms, response, created_at"


def record(conn, learner, answer, moment, session_id=None):
    """Store the learner's answer {word_id, correct, grade, duration_ms?, response?} given
    at moment (in session_id, or in none), and move the learner's memory of the word on by
    it, inside the caller's transaction; returns the stored row. The foreign keys check the
    word (and the session): a missing one raises the engine's IntegrityError."""
    day = learners.day_of(learner, moment)
    row = conn.row(
        f"""
        INSERT INTO word_review_items
            (study_session_id, learner_id, word_id, correct, grade, duration_ms, response, created_at, learning_day)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        RETURNING {COLUMNS}
        """,
        (
            session_id,
            learner["id"],
            answer["word_id"],
            int(answer["correct"]),
            answer["grade"],
            answer.get("duration_ms"),
            answer.get("response"),
            moment.strftime(clock.TIMESTAMP),
            day,
        ),
    )
    memory.record(conn, learner, answer["word_id"], answer["grade"], day)
    return row


def record_in_session(conn, session_id, answers):
    """Store answers given now in the session, for its learner; returns the rows. When a
    word is missing, NotFound names every missing one, and nothing of the transaction
    stays (PostgreSQL reads no more in a transaction that failed)."""
    learner = conn.row(
        """
        SELECT l.id, l.timezone, l.day_start_hour, l.fsrs_parameters, l.desired_retention
        FROM study_sessions AS s
        JOIN learners AS l ON l.id = s.learner_id
        WHERE s.id = ?
        """,
        (session_id,),
    )
    if learner is None:
        raise NotFound(f"Study session {session_id} not found.")
    now = clock.now()
    rows = []
    for answer in answers:
        try:
            rows.append(record(conn, learner, answer, now, session_id))
        except conn.IntegrityError:
            conn.end_write(commit=False)
            words.require_all(conn, [a["word_id"] for a in answers])
            raise
    return rows


def import_log(conn, learner, reviews):
    """Record a history from another tool, (where, {word_id, grade, reviewed_at (UTC),
    duration_ms}) pairs, in the caller's transaction; returns how many. Each word's answers
    must come in time order, after the learner's answers to it already recorded;
    Unprocessable names where the first that does not is."""
    latest = {}  # word id -> the time of the learner's latest answer to it
    count = 0
    for where, review in reviews:
        word_id, moment = review["word_id"], review["reviewed_at"]
        if word_id not in latest:
            if conn.row("SELECT 1 FROM words WHERE id = ?", (word_id,)) is None:
                raise Unprocessable(f"{where}: there is no word {word_id}")
            last = conn.scalar(
                "SELECT max(created_at) FROM word_review_items WHERE learner_id = ? AND word_id = ?",
                (learner["id"], word_id),
            )
            latest[word_id] = last or ""
        stamp = moment.strftime(clock.TIMESTAMP)
        if stamp < latest[word_id]:
            raise Unprocessable(
                f"{where}: word {word_id} was answered at {latest[word_id]}, later than {stamp}; "
                "give each word's answers in time order, after those already recorded"
            )
        latest[word_id] = stamp
        answer = {"word_id": word_id, "correct": review["grade"] >= 2, **review}
        record(conn, learner, answer, moment)
        count += 1
    return count


def of_word(conn, learner_id, word_id, offset, limit):
    """(a page of the learner's answers to the word, newest first; how many there are)."""
    count = conn.scalar(
        "SELECT correct_count + wrong_count FROM word_stats WHERE learner_id = ? AND word_id = ?",
        (learner_id, word_id),
    )
    rows = conn.rows(
        f"""
        SELECT {COLUMNS}
        FROM word_review_items
        WHERE learner_id = ? AND word_id = ?
        ORDER BY id DESC
        LIMIT ? OFFSET ?
        """,
        (learner_id, word_id, limit, offset),
    )
    return rows, count or 0


def every(conn, learner_id):
    """Every answer of the learner, oldest first, streamed: {word_id, grade, created_at,
    duration_ms}."""
    return conn.stream(
        "SELECT word_id, grade, created_at, duration_ms FROM word_review_items WHERE learner_id = ? ORDER BY id",
        (learner_id,),
    )


def newest(conn, learner_id, limit, since="", before=None):
    """The learner's answers after the time since and below the id before, newest first,
    limit of them, each with its word's kanji, romaji and english."""
    return conn.rows(
        f"""
        SELECT r.id, r.study_session_id, r.word_id, r.correct, r.grade, r.duration_ms, r.response, r.created_at,
            w.kanji, w.romaji, w.english
        FROM word_review_items AS r
        JOIN words AS w ON w.id = r.word_id
        WHERE r.learner_id = ? AND r.created_at > ? {"AND r.id < ?" if before else ""}
        ORDER BY r.id DESC
        LIMIT ?
        """,
        (learner_id, since, *((before,) if before else ()), limit),
    )
