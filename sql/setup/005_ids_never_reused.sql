-- Ids are never handed out twice. Without AUTOINCREMENT SQLite gives a new row the
-- largest id plus one, so after a reset session 1 would come back naming a new session
-- and a tutor tab left open would write into it. SQLite cannot add AUTOINCREMENT to a
-- table, so the three history tables are rebuilt with it (sqlite.org/lang_altertable.html,
-- "other kinds of table schema changes"): copy, drop, rename, then indexes and triggers
-- again. The copies keep every id, and sqlite_sequence starts from the largest.
-- migrate() runs this with foreign_keys off and checks them before it commits.

DROP TRIGGER word_review_items_count;
DROP TRIGGER word_review_items_session_count;
DROP TRIGGER study_sessions_count;

CREATE TABLE study_sessions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    study_activity_id INTEGER NOT NULL REFERENCES study_activities (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    review_items_count INTEGER NOT NULL DEFAULT 0,
    correct_count INTEGER NOT NULL DEFAULT 0,
    last_review_at TEXT
);
INSERT INTO study_sessions_new
    (id, group_id, study_activity_id, created_at, review_items_count, correct_count, last_review_at)
SELECT id, group_id, study_activity_id, created_at, review_items_count, correct_count, last_review_at
FROM study_sessions;
DROP TABLE study_sessions;
ALTER TABLE study_sessions_new RENAME TO study_sessions;
CREATE INDEX study_sessions_created ON study_sessions (created_at, id);
CREATE INDEX study_sessions_group ON study_sessions (group_id, created_at, id);
CREATE INDEX study_sessions_activity ON study_sessions (study_activity_id, created_at, id);

CREATE TABLE word_review_items_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_session_id INTEGER NOT NULL REFERENCES study_sessions (id) ON DELETE CASCADE,
    word_id INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    created_at TEXT NOT NULL
);
INSERT INTO word_review_items_new (id, study_session_id, word_id, correct, created_at)
SELECT id, study_session_id, word_id, correct, created_at
FROM word_review_items;
DROP TABLE word_review_items;
ALTER TABLE word_review_items_new RENAME TO word_review_items;
CREATE INDEX word_review_items_session ON word_review_items (study_session_id, word_id);
CREATE INDEX word_review_items_word ON word_review_items (word_id);

CREATE TABLE study_session_reviews_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_session_id INTEGER NOT NULL REFERENCES study_sessions (id) ON DELETE CASCADE,
    reviewer_id INTEGER CHECK (reviewer_id > 0),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comments TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO study_session_reviews_new
    (id, study_session_id, reviewer_id, rating, comments, created_at, updated_at)
SELECT id, study_session_id, reviewer_id, rating, comments, created_at, updated_at
FROM study_session_reviews;
DROP TABLE study_session_reviews;
ALTER TABLE study_session_reviews_new RENAME TO study_session_reviews;
CREATE UNIQUE INDEX study_session_reviews_one_per_reviewer
    ON study_session_reviews (study_session_id, ifnull(reviewer_id, 0));

-- The triggers dropped above, as 001 and 002 made them.
CREATE TRIGGER word_review_items_count AFTER INSERT ON word_review_items
BEGIN
    INSERT INTO word_reviews (word_id, correct_count, wrong_count, last_reviewed_at)
    VALUES (NEW.word_id, NEW.correct, 1 - NEW.correct, NEW.created_at)
    ON CONFLICT (word_id) DO UPDATE SET
        correct_count = correct_count + excluded.correct_count,
        wrong_count = wrong_count + excluded.wrong_count,
        last_reviewed_at = max(ifnull(last_reviewed_at, ''), excluded.last_reviewed_at);
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

CREATE TRIGGER study_sessions_count AFTER INSERT ON study_sessions
BEGIN
    UPDATE totals SET sessions = sessions + 1 WHERE id = 1;
    UPDATE groups SET last_session_at = NEW.created_at
    WHERE id = NEW.group_id AND ifnull(last_session_at, '') < NEW.created_at;
END;
