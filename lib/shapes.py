"""The two shapes that appear in many places: a Word and a Session row."""

from lib.jsonio import raw

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

WORD_SORT_KEYS = {
    "kanji": "w.kanji",
    "romaji": "w.romaji",
    "english": "w.english",
    "correct_count": "coalesce(wr.correct_count, 0)",
    "wrong_count": "coalesce(wr.wrong_count, 0)",
}

SESSION_SELECT = """
SELECT
    s.id,
    s.learner_id,
    s.group_id,
    g.name AS group_name,
    s.study_activity_id AS activity_id,
    s.study_activity_id,
    a.name AS activity_name,
    s.created_at AS start_time,
    s.last_review_at AS end_time,
    s.review_items_count,
    s.correct_count,
    s.review_items_count - s.correct_count AS wrong_count
FROM study_sessions AS s
JOIN groups AS g ON g.id = s.group_id
JOIN study_activities AS a ON a.id = s.study_activity_id
"""

SESSION_SORT_KEYS = {
    "start_time": "s.created_at",
    "startTime": "s.created_at",
    "created_at": "s.created_at",
    "end_time": "s.last_review_at",
    "endTime": "s.last_review_at",
    "group_name": "g.name",
    "groupName": "g.name",
    "activity_name": "a.name",
    "activityName": "a.name",
    "review_items_count": "s.review_items_count",
    "reviewItemsCount": "s.review_items_count",
    "id": "s.id",
}


def word(row):
    """A words row as the API returns it: parts embedded from its stored JSON text."""
    row["parts"] = raw(row["parts"])
    return row


# An answer as the API returns it (the raw row, but for its learner and learning day).
REVIEW_ITEM_COLUMNS = "id, study_session_id, word_id, correct, grade, duration_ms, response, created_at"


def review_item(row):
    """A word_review_items row with correct as a JSON boolean."""
    return {**row, "correct": bool(row["correct"])}
