"""The counter caches the schema's triggers keep, against a recount of the rows they count
(flask check-db, and the tests after every kind of write)."""

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
