-- One meaning per name. "Review" named three things; now it names only an answer:
--   word_review_items   the answers (unchanged)
--   word_reviews        -> word_stats: each word's all-time answer counts (a counter cache)
--   study_session_reviews -> session_feedback: a learner's rating of a session
-- The rule for a mastered word (at least 5 answers, at least 80 % right) is written once,
-- as word_stats.mastered, and every trigger is named for all that it keeps up to date.

DROP TRIGGER word_review_items_count;
DROP TRIGGER word_review_items_session_count;
DROP TRIGGER word_reviews_studied;
DROP TRIGGER word_reviews_mastered;
DROP TRIGGER word_reviews_forget;
DROP TRIGGER words_count_insert;
DROP TRIGGER words_count_delete;
DROP TRIGGER word_groups_count_insert;
DROP TRIGGER word_groups_count_delete;
DROP TRIGGER study_sessions_count;
DROP TRIGGER review_days_run;

ALTER TABLE word_reviews RENAME TO word_stats;
DROP INDEX word_reviews_correct;
CREATE INDEX word_stats_correct ON word_stats (correct_count);
ALTER TABLE word_stats ADD COLUMN mastered INTEGER NOT NULL
    GENERATED ALWAYS AS (correct_count + wrong_count >= 5 AND correct_count * 5 >= (correct_count + wrong_count) * 4)
    VIRTUAL;

ALTER TABLE study_session_reviews RENAME TO session_feedback;
DROP INDEX study_session_reviews_one_per_reviewer;
CREATE UNIQUE INDEX session_feedback_one_per_reviewer ON session_feedback (study_session_id, ifnull(reviewer_id, 0));

CREATE TRIGGER words_insert_counts_totals_words AFTER INSERT ON words
BEGIN
    UPDATE totals SET words = words + 1 WHERE id = 1;
END;

CREATE TRIGGER words_delete_counts_totals_words AFTER DELETE ON words
BEGIN
    UPDATE totals SET words = words - 1 WHERE id = 1;
END;

CREATE TRIGGER word_groups_insert_counts_groups_words_count AFTER INSERT ON word_groups
BEGIN
    UPDATE groups SET words_count = words_count + 1 WHERE id = NEW.group_id;
END;

CREATE TRIGGER word_groups_delete_counts_groups_words_count AFTER DELETE ON word_groups
BEGIN
    UPDATE groups SET words_count = words_count - 1 WHERE id = OLD.group_id;
END;

CREATE TRIGGER study_sessions_insert_counts_totals_sessions_and_groups_last_session_at
AFTER INSERT ON study_sessions
BEGIN
    UPDATE totals SET sessions = sessions + 1 WHERE id = 1;
    UPDATE groups SET last_session_at = NEW.created_at
    WHERE id = NEW.group_id AND ifnull(last_session_at, '') < NEW.created_at;
END;

CREATE TRIGGER word_review_items_insert_counts_word_stats AFTER INSERT ON word_review_items
BEGIN
    INSERT INTO word_stats (word_id, correct_count, wrong_count, last_reviewed_at)
    VALUES (NEW.word_id, NEW.correct, 1 - NEW.correct, NEW.created_at)
    ON CONFLICT (word_id) DO UPDATE SET
        correct_count = correct_count + excluded.correct_count,
        wrong_count = wrong_count + excluded.wrong_count,
        last_reviewed_at = max(ifnull(last_reviewed_at, ''), excluded.last_reviewed_at);
END;

CREATE TRIGGER word_review_items_insert_counts_study_sessions_totals_and_review_days
AFTER INSERT ON word_review_items
BEGIN
    UPDATE study_sessions SET
        review_items_count = review_items_count + 1,
        correct_count = correct_count + NEW.correct,
        last_review_at = max(ifnull(last_review_at, ''), NEW.created_at)
    WHERE id = NEW.study_session_id;
    UPDATE totals SET reviews = reviews + 1, correct = correct + NEW.correct WHERE id = 1;
    INSERT INTO review_days (day, reviews) VALUES (substr(NEW.created_at, 1, 10), 1)
    ON CONFLICT (day) DO UPDATE SET reviews = reviews + 1;
END;

CREATE TRIGGER word_stats_insert_counts_totals_studied_and_mastered_words AFTER INSERT ON word_stats
BEGIN
    UPDATE totals SET studied_words = studied_words + 1, mastered_words = mastered_words + NEW.mastered WHERE id = 1;
END;

CREATE TRIGGER word_stats_update_counts_totals_mastered_words AFTER UPDATE ON word_stats
BEGIN
    UPDATE totals SET mastered_words = mastered_words + NEW.mastered - OLD.mastered WHERE id = 1;
END;

CREATE TRIGGER word_stats_delete_counts_totals_studied_and_mastered_words AFTER DELETE ON word_stats
BEGIN
    UPDATE totals SET studied_words = studied_words - 1, mastered_words = mastered_words - OLD.mastered WHERE id = 1;
END;

-- A new day continues the run of the day before it, if that day has reviews; and a day
-- filled in before an existing run (reviews recorded out of order) joins that run to its own.
CREATE TRIGGER review_days_insert_sets_run_start AFTER INSERT ON review_days
BEGIN
    UPDATE review_days
    SET run_start = ifnull((SELECT run_start FROM review_days WHERE day = date(NEW.day, '-1 day')), NEW.day)
    WHERE day = NEW.day;
    UPDATE review_days
    SET run_start = (SELECT run_start FROM review_days WHERE day = NEW.day)
    WHERE run_start = date(NEW.day, '+1 day');
END;
