-- Learners: many learners on one server, each with their own history, figures, time zone
-- and learning day. Learner 1 exists from here on, on UTC days that start at midnight,
-- and everything already recorded is theirs, so existing clients see no change.
--
-- A learning day is the learner's local date, rolling over at day_start_hour (Anki's
-- rule: a session at 01:00 with a 4:00 rollover counts for the day before). SQLite knows
-- no time zones, so the app works out the learning day of each session and answer when
-- it records them, and stores it beside the timestamp.
--
-- The counters are kept per learner, so that two learners' answers never update the same
-- row: totals -> learner_totals (and vocabulary_totals for the word count), word_stats and
-- review_days keyed by learner, and groups.last_session_at -> learner_groups.

CREATE TABLE learners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    day_start_hour INTEGER NOT NULL DEFAULT 4 CHECK (day_start_hour BETWEEN 0 AND 23),
    created_at TEXT NOT NULL
);
INSERT INTO learners (id, name, timezone, day_start_hour, created_at)
VALUES (1, 'Learner 1', 'UTC', 0, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));

-- Every trigger is made again below, for the new tables.
DROP TRIGGER words_insert_counts_totals_words;
DROP TRIGGER words_delete_counts_totals_words;
DROP TRIGGER study_sessions_insert_counts_totals_sessions_and_groups_last_session_at;
DROP TRIGGER word_review_items_insert_counts_word_stats;
DROP TRIGGER word_review_items_insert_counts_study_sessions_totals_and_review_days;
DROP TRIGGER word_stats_insert_counts_totals_studied_and_mastered_words;
DROP TRIGGER word_stats_update_counts_totals_mastered_words;
DROP TRIGGER word_stats_delete_counts_totals_studied_and_mastered_words;
DROP TRIGGER review_days_insert_sets_run_start;

-- Sessions and answers: the learner and the learning day, filled in for what exists
-- (learner 1, UTC days from midnight: the day is the date of the timestamp).
CREATE TABLE study_sessions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    study_activity_id INTEGER NOT NULL REFERENCES study_activities (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    learning_day TEXT NOT NULL,
    review_items_count INTEGER NOT NULL DEFAULT 0,
    correct_count INTEGER NOT NULL DEFAULT 0,
    last_review_at TEXT
);
INSERT INTO study_sessions_new
    (id, learner_id, group_id, study_activity_id, created_at, learning_day,
     review_items_count, correct_count, last_review_at)
SELECT id, 1, group_id, study_activity_id, created_at, substr(created_at, 1, 10),
    review_items_count, correct_count, last_review_at
FROM study_sessions;
DROP TABLE study_sessions;
ALTER TABLE study_sessions_new RENAME TO study_sessions;
CREATE INDEX study_sessions_learner ON study_sessions (learner_id, created_at, id);
CREATE INDEX study_sessions_group ON study_sessions (group_id, learner_id, created_at, id);
CREATE INDEX study_sessions_activity ON study_sessions (study_activity_id, learner_id, created_at, id);

CREATE TABLE word_review_items_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_session_id INTEGER NOT NULL REFERENCES study_sessions (id) ON DELETE CASCADE,
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    word_id INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    created_at TEXT NOT NULL,
    learning_day TEXT NOT NULL
);
INSERT INTO word_review_items_new (id, study_session_id, learner_id, word_id, correct, created_at, learning_day)
SELECT id, study_session_id, 1, word_id, correct, created_at, substr(created_at, 1, 10)
FROM word_review_items;
DROP TABLE word_review_items;
ALTER TABLE word_review_items_new RENAME TO word_review_items;
CREATE INDEX word_review_items_session ON word_review_items (study_session_id, word_id);
CREATE INDEX word_review_items_learner_word ON word_review_items (learner_id, word_id, id);
CREATE INDEX word_review_items_word ON word_review_items (word_id);

-- Counter caches per learner.
CREATE TABLE learner_totals (
    learner_id INTEGER PRIMARY KEY REFERENCES learners (id) ON DELETE CASCADE,
    sessions INTEGER NOT NULL DEFAULT 0,
    reviews INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    studied_words INTEGER NOT NULL DEFAULT 0,
    mastered_words INTEGER NOT NULL DEFAULT 0
);
INSERT INTO learner_totals (learner_id, sessions, reviews, correct, studied_words, mastered_words)
SELECT 1, sessions, reviews, correct, studied_words, mastered_words FROM totals;

CREATE TABLE vocabulary_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    words INTEGER NOT NULL DEFAULT 0
);
INSERT INTO vocabulary_totals (id, words) SELECT 1, words FROM totals;
DROP TABLE totals;

CREATE TABLE word_stats_new (
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    word_id INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    correct_count INTEGER NOT NULL DEFAULT 0,
    wrong_count INTEGER NOT NULL DEFAULT 0,
    last_reviewed_at TEXT,
    mastered INTEGER NOT NULL
        GENERATED ALWAYS AS (correct_count + wrong_count >= 5 AND correct_count * 5 >= (correct_count + wrong_count) * 4)
        VIRTUAL,
    PRIMARY KEY (learner_id, word_id)
) WITHOUT ROWID;
INSERT INTO word_stats_new (learner_id, word_id, correct_count, wrong_count, last_reviewed_at)
SELECT 1, word_id, correct_count, wrong_count, last_reviewed_at FROM word_stats;
DROP TABLE word_stats;
ALTER TABLE word_stats_new RENAME TO word_stats;
CREATE INDEX word_stats_correct ON word_stats (learner_id, correct_count, word_id);
CREATE INDEX word_stats_wrong ON word_stats (learner_id, wrong_count, word_id);

CREATE TABLE review_days_new (
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    reviews INTEGER NOT NULL,
    run_start TEXT NOT NULL,
    PRIMARY KEY (learner_id, day)
) WITHOUT ROWID;
INSERT INTO review_days_new (learner_id, day, reviews, run_start)
SELECT 1, day, reviews, run_start FROM review_days;
DROP TABLE review_days;
ALTER TABLE review_days_new RENAME TO review_days;

CREATE TABLE learner_groups (
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    last_session_day TEXT NOT NULL,
    PRIMARY KEY (learner_id, group_id)
) WITHOUT ROWID;
CREATE INDEX learner_groups_last_session ON learner_groups (learner_id, last_session_day);
INSERT INTO learner_groups (learner_id, group_id, last_session_day)
SELECT 1, group_id, max(learning_day) FROM study_sessions GROUP BY group_id;
DROP INDEX groups_last_session;
ALTER TABLE groups DROP COLUMN last_session_at;

-- Triggers, each named for all it keeps.
CREATE TRIGGER words_insert_counts_vocabulary_totals AFTER INSERT ON words
BEGIN
    UPDATE vocabulary_totals SET words = words + 1 WHERE id = 1;
END;

CREATE TRIGGER words_delete_counts_vocabulary_totals AFTER DELETE ON words
BEGIN
    UPDATE vocabulary_totals SET words = words - 1 WHERE id = 1;
END;

CREATE TRIGGER learners_insert_makes_learner_totals AFTER INSERT ON learners
BEGIN
    INSERT INTO learner_totals (learner_id) VALUES (NEW.id);
END;

CREATE TRIGGER study_sessions_insert_counts_learner_totals_and_learner_groups AFTER INSERT ON study_sessions
BEGIN
    UPDATE learner_totals SET sessions = sessions + 1 WHERE learner_id = NEW.learner_id;
    INSERT INTO learner_groups (learner_id, group_id, last_session_day)
    VALUES (NEW.learner_id, NEW.group_id, NEW.learning_day)
    ON CONFLICT (learner_id, group_id) DO UPDATE SET
        last_session_day = max(last_session_day, excluded.last_session_day);
END;

CREATE TRIGGER word_review_items_insert_counts_word_stats AFTER INSERT ON word_review_items
BEGIN
    INSERT INTO word_stats (learner_id, word_id, correct_count, wrong_count, last_reviewed_at)
    VALUES (NEW.learner_id, NEW.word_id, NEW.correct, 1 - NEW.correct, NEW.created_at)
    ON CONFLICT (learner_id, word_id) DO UPDATE SET
        correct_count = correct_count + excluded.correct_count,
        wrong_count = wrong_count + excluded.wrong_count,
        last_reviewed_at = max(ifnull(last_reviewed_at, ''), excluded.last_reviewed_at);
END;

CREATE TRIGGER word_review_items_insert_counts_study_sessions_learner_totals_and_review_days
AFTER INSERT ON word_review_items
BEGIN
    UPDATE study_sessions SET
        review_items_count = review_items_count + 1,
        correct_count = correct_count + NEW.correct,
        last_review_at = max(ifnull(last_review_at, ''), NEW.created_at)
    WHERE id = NEW.study_session_id;
    UPDATE learner_totals SET reviews = reviews + 1, correct = correct + NEW.correct
    WHERE learner_id = NEW.learner_id;
    INSERT INTO review_days (learner_id, day, reviews, run_start)
    VALUES (NEW.learner_id, NEW.learning_day, 1, NEW.learning_day)
    ON CONFLICT (learner_id, day) DO UPDATE SET reviews = reviews + 1;
END;

CREATE TRIGGER word_stats_insert_counts_learner_totals_studied_and_mastered_words AFTER INSERT ON word_stats
BEGIN
    UPDATE learner_totals SET studied_words = studied_words + 1, mastered_words = mastered_words + NEW.mastered
    WHERE learner_id = NEW.learner_id;
END;

CREATE TRIGGER word_stats_update_counts_learner_totals_mastered_words AFTER UPDATE ON word_stats
BEGIN
    UPDATE learner_totals SET mastered_words = mastered_words + NEW.mastered - OLD.mastered
    WHERE learner_id = NEW.learner_id;
END;

CREATE TRIGGER word_stats_delete_counts_learner_totals_studied_and_mastered_words AFTER DELETE ON word_stats
BEGIN
    UPDATE learner_totals SET studied_words = studied_words - 1, mastered_words = mastered_words - OLD.mastered
    WHERE learner_id = OLD.learner_id;
END;

-- A new day continues the learner's run of the day before it, if that day has answers;
-- a day filled in before an existing run (answers recorded out of order) joins that run.
CREATE TRIGGER review_days_insert_sets_run_start AFTER INSERT ON review_days
BEGIN
    UPDATE review_days
    SET run_start = ifnull(
        (SELECT run_start FROM review_days WHERE learner_id = NEW.learner_id AND day = date(NEW.day, '-1 day')),
        NEW.day
    )
    WHERE learner_id = NEW.learner_id AND day = NEW.day;
    UPDATE review_days
    SET run_start = (SELECT run_start FROM review_days WHERE learner_id = NEW.learner_id AND day = NEW.day)
    WHERE learner_id = NEW.learner_id AND run_start = date(NEW.day, '+1 day');
END;
