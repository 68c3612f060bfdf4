-- Core tables: the vocabulary, the study activities, and the learning record store.
-- Timestamps are TEXT in RFC 3339 UTC with a Z ("2026-11-22T06:12:07Z").

CREATE TABLE words (
    id INTEGER PRIMARY KEY,
    kanji TEXT NOT NULL,
    romaji TEXT NOT NULL,
    english TEXT NOT NULL,
    parts TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(parts)),
    UNIQUE (kanji, romaji, english)
);
CREATE INDEX words_kanji ON words (kanji, id);
CREATE INDEX words_romaji ON words (romaji, id);
CREATE INDEX words_english ON words (english, id);

CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE word_groups (
    word_id INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (word_id, group_id)
) WITHOUT ROWID;
CREATE INDEX word_groups_group ON word_groups (group_id, word_id);

CREATE TABLE study_activities (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    preview_url TEXT,
    description TEXT
);

CREATE TABLE study_sessions (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    study_activity_id INTEGER NOT NULL REFERENCES study_activities (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX study_sessions_created ON study_sessions (created_at, id);
CREATE INDEX study_sessions_group ON study_sessions (group_id, created_at, id);
CREATE INDEX study_sessions_activity ON study_sessions (study_activity_id, created_at, id);

CREATE TABLE word_review_items (
    id INTEGER PRIMARY KEY,
    study_session_id INTEGER NOT NULL REFERENCES study_sessions (id) ON DELETE CASCADE,
    word_id INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    created_at TEXT NOT NULL
);
CREATE INDEX word_review_items_session ON word_review_items (study_session_id, word_id);
CREATE INDEX word_review_items_word ON word_review_items (word_id);

-- Per-word all-time totals, kept in step with word_review_items by the trigger below,
-- so they change in the same transaction as the review rows.
CREATE TABLE word_reviews (
    word_id INTEGER PRIMARY KEY REFERENCES words (id) ON DELETE CASCADE,
    correct_count INTEGER NOT NULL DEFAULT 0,
    wrong_count INTEGER NOT NULL DEFAULT 0,
    last_reviewed_at TEXT
);

CREATE TRIGGER word_review_items_count AFTER INSERT ON word_review_items
BEGIN
    INSERT INTO word_reviews (word_id, correct_count, wrong_count, last_reviewed_at)
    VALUES (NEW.word_id, NEW.correct, 1 - NEW.correct, NEW.created_at)
    ON CONFLICT (word_id) DO UPDATE SET
        correct_count = correct_count + excluded.correct_count,
        wrong_count = wrong_count + excluded.wrong_count,
        last_reviewed_at = max(ifnull(last_reviewed_at, ''), excluded.last_reviewed_at);
END;

-- Session feedback (seed plan 000): one per session and reviewer; anonymous is one reviewer.
CREATE TABLE study_session_reviews (
    id INTEGER PRIMARY KEY,
    study_session_id INTEGER NOT NULL REFERENCES study_sessions (id) ON DELETE CASCADE,
    reviewer_id INTEGER CHECK (reviewer_id > 0),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comments TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX study_session_reviews_one_per_reviewer
    ON study_session_reviews (study_session_id, ifnull(reviewer_id, 0));
