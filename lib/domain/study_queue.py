"""What to study next: a learner's due words, least likely to be recalled first, then words
never answered."""

from lib.domain import learners, memory

DEFAULT_LIMIT, MAX_LIMIT = 20, 500  # words a queue lists
WORD_KEYS = ("id", "kanji", "japanese", "romaji", "english", "parts", "correct_count", "wrong_count")

# The Word shape from a word_stats row ws of the learner (or none, for a new word).
QUEUE_WORD = """
    w.id, w.kanji, w.kanji AS japanese, w.romaji, w.english, w.parts,
    coalesce(ws.correct_count, 0) AS correct_count, coalesce(ws.wrong_count, 0) AS wrong_count
"""


def _in_group(group_id):
    """A join that keeps the words of the group (nothing when group_id is None), and its parameters."""
    if group_id is None:
        return "", ()
    return "JOIN word_groups AS wg ON wg.word_id = w.id AND wg.group_id = ?", (group_id,)


def due_words(conn, learner, day, group_id, limit):
    """The learner's words due on or before day, least likely to be recalled first (ties by id)."""
    parameters = memory.parameters_of(learner)
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    join, join_params = _in_group(group_id)
    return conn.rows(
        f"""
        SELECT {QUEUE_WORD}, ws.state, ws.stability, ws.difficulty, ws.due, ws.last_review, ws.reps, ws.lapses,
            pow(1 + ? * (CASE WHEN ws.last_review < ? THEN julianday(?) - julianday(ws.last_review) ELSE 0 END)
                / ws.stability, ?) AS retrievability
        FROM word_stats AS ws
        JOIN words AS w ON w.id = ws.word_id
        {join}
        WHERE ws.learner_id = ? AND ws.due <= ?
        ORDER BY retrievability, w.id
        LIMIT ?
        """,
        (factor, day, day, decay, *join_params, learner["id"], day, limit),
    )


def new_words(conn, learner, group_id, limit):
    """Words the learner has never answered, in the order they were added."""
    join, join_params = _in_group(group_id)
    return conn.rows(
        f"""
        SELECT {QUEUE_WORD}
        FROM words AS w
        {join}
        LEFT JOIN word_stats AS ws ON ws.learner_id = ? AND ws.word_id = w.id
        WHERE ws.word_id IS NULL
        ORDER BY w.id
        LIMIT ?
        """,
        (*join_params, learner["id"], limit),
    )


def counts(conn, learner, group_id):
    """(due, new): the learner's words due by today, and never answered, in the group or in all."""
    day = learners.today(learner).isoformat()
    join, join_params = _in_group(group_id)
    due = conn.scalar(
        f"SELECT count(*) FROM word_stats AS ws JOIN words AS w ON w.id = ws.word_id {join} "
        "WHERE ws.learner_id = ? AND ws.due <= ?",
        (*join_params, learner["id"], day),
    )
    if group_id is None:
        total = conn.scalar("SELECT words FROM vocabulary_totals")
        studied = conn.scalar("SELECT studied_words FROM learner_totals WHERE learner_id = ?", (learner["id"],))
    else:
        total = conn.scalar("SELECT words_count FROM groups WHERE id = ?", (group_id,))
        studied = conn.scalar(
            "SELECT count(*) FROM word_stats AS ws JOIN word_groups AS wg ON wg.word_id = ws.word_id "
            "WHERE ws.learner_id = ? AND wg.group_id = ?",
            (learner["id"], group_id),
        )
    return due, total - studied


def queue(conn, learner, group_id, limit):
    """[(word row, memory as shown or None)]: the due words, then new ones, at most limit."""
    day = learners.today(learner).isoformat()
    parameters = memory.parameters_of(learner)
    due = due_words(conn, learner, day, group_id, limit)
    new = new_words(conn, learner, group_id, limit - len(due)) if len(due) < limit else []
    return [(_word(row), memory.shown(row, day, parameters)) for row in due] + [(_word(row), None) for row in new]


def _word(row):
    return {key: row[key] for key in WORD_KEYS}
