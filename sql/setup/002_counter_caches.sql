-- Counter caches, so list pages and the dashboard never scan the whole history.
-- Each is kept by a trigger, in the transaction that changes the rows it counts,
-- and is backfilled here from the rows an older database already holds.

ALTER TABLE groups ADD COLUMN words_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE groups ADD COLUMN last_session_at TEXT;
CREATE INDEX groups_words_count ON groups (words_count, id);
CREATE INDEX groups_last_session ON groups (last_session_at);

ALTER TABLE study_sessions ADD COLUMN review_items_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE study_sessions ADD COLUMN correct_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE study_sessions ADD COLUMN last_review_at TEXT;

CREATE INDEX word_reviews_correct ON word_reviews (correct_count);

-- One row of whole-database totals.
CREATE TABLE totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    words INTEGER NOT NULL DEFAULT 0,
    sessions INTEGER NOT NULL DEFAULT 0,
    reviews INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    studied_words INTEGER NOT NULL DEFAULT 0,
    mastered_words INTEGER NOT NULL DEFAULT 0
);

-- Reviews per UTC day, for the streak.
CREATE TABLE review_days (
    day TEXT PRIMARY KEY,
    reviews INTEGER NOT NULL
) WITHOUT ROWID;

-- Backfill from existing rows.
UPDATE groups SET
    words_count = (SELECT count(*) FROM word_groups WHERE group_id = groups.id),
    last_session_at = (SELECT max(created_at) FROM study_sessions WHERE group_id = groups.id);

UPDATE study_sessions SET
    review_items_count = (SELECT count(*) FROM word_review_items WHERE study_session_id = study_sessions.id),
    correct_count = (SELECT ifnull(sum(correct), 0) FROM word_review_items WHERE study_session_id = study_sessions.id),
    last_review_at = (SELECT max(created_at) FROM word_review_items WHERE study_session_id = study_sessions.id);

INSERT INTO review_days (day, reviews)
SELECT substr(created_at, 1, 10), count(*)
FROM word_review_items
GROUP BY substr(created_at, 1, 10);

-- A word is mastered with at least 5 reviews and at least 80% of them correct.
INSERT INTO totals (id, words, sessions, reviews, correct, studied_words, mastered_words)
SELECT
    1,
    (SELECT count(*) FROM words),
    (SELECT count(*) FROM study_sessions),
    (SELECT count(*) FROM word_review_items),
    (SELECT ifnull(sum(correct), 0) FROM word_review_items),
    (SELECT count(*) FROM word_reviews WHERE correct_count + wrong_count > 0),
    (SELECT count(*) FROM word_reviews
     WHERE correct_count + wrong_count >= 5
       AND correct_count * 5 >= (correct_count + wrong_count) * 4);

-- Triggers.
CREATE TRIGGER words_count_insert AFTER INSERT ON words
BEGIN
    UPDATE totals SET words = words + 1 WHERE id = 1;
END;

CREATE TRIGGER words_count_delete AFTER DELETE ON words
BEGIN
    UPDATE totals SET words = words - 1 WHERE id = 1;
END;

CREATE TRIGGER word_groups_count_insert AFTER INSERT ON word_groups
BEGIN
    UPDATE groups SET words_count = words_count + 1 WHERE id = NEW.group_id;
END;

CREATE TRIGGER word_groups_count_delete AFTER DELETE ON word_groups
BEGIN
    UPDATE groups SET words_count = words_count - 1 WHERE id = OLD.group_id;
END;

CREATE TRIGGER study_sessions_count AFTER INSERT ON study_sessions
BEGIN
    UPDATE totals SET sessions = sessions + 1 WHERE id = 1;
    UPDATE groups SET last_session_at = NEW.created_at
    WHERE id = NEW.group_id AND ifnull(last_session_at, '') < NEW.created_at;
END;

CREATE TRIGGER word_review_items_session_count AFTER INSERT ON word_review_items
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

CREATE TRIGGER word_reviews_studied AFTER INSERT ON word_reviews
BEGIN
    UPDATE totals SET
        studied_words = studied_words + 1,
        mastered_words = mastered_words
            + (NEW.correct_count + NEW.wrong_count >= 5
               AND NEW.correct_count * 5 >= (NEW.correct_count + NEW.wrong_count) * 4)
    WHERE id = 1;
END;

CREATE TRIGGER word_reviews_mastered AFTER UPDATE ON word_reviews
BEGIN
    UPDATE totals SET mastered_words = mastered_words
        + (NEW.correct_count + NEW.wrong_count >= 5
           AND NEW.correct_count * 5 >= (NEW.correct_count + NEW.wrong_count) * 4)
        - (OLD.correct_count + OLD.wrong_count >= 5
           AND OLD.correct_count * 5 >= (OLD.correct_count + OLD.wrong_count) * 4)
    WHERE id = 1;
END;

CREATE TRIGGER word_reviews_forget AFTER DELETE ON word_reviews
BEGIN
    UPDATE totals SET
        studied_words = studied_words - 1,
        mastered_words = mastered_words
            - (OLD.correct_count + OLD.wrong_count >= 5
               AND OLD.correct_count * 5 >= (OLD.correct_count + OLD.wrong_count) * 4)
    WHERE id = 1;
END;
