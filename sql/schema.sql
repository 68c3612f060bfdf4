-- The whole current schema in one file, to read. It is not applied: the numbered files in
-- sql/setup/ are (they upgrade existing databases in place), and tests/test_schema.py
-- fails when this file and what they produce differ. Timestamps are TEXT in RFC 3339 UTC
-- with a Z ("2026-11-22T06:12:07Z"); days are TEXT "YYYY-MM-DD".

-- The vocabulary -----------------------------------------------------------------------

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

-- words_count is a counter cache (triggers below).
CREATE TABLE groups (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    words_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX groups_words_count ON groups (words_count, id);

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

-- The learning record store ----------------------------------------------------------
-- Ids here are AUTOINCREMENT: never handed out twice, resets included.

-- A learning day is the learner's local date, rolling over at day_start_hour. Learner 1
-- (UTC, midnight) always exists; clients that name no learner mean learner 1.
-- fsrs_parameters are the learner's 21 FSRS-6 parameters (NULL: the defaults), as JSON.
CREATE TABLE learners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    day_start_hour INTEGER NOT NULL DEFAULT 4 CHECK (day_start_hour BETWEEN 0 AND 23),
    created_at TEXT NOT NULL,
    fsrs_parameters TEXT CHECK (fsrs_parameters IS NULL OR json_valid(fsrs_parameters)),
    desired_retention REAL NOT NULL DEFAULT 0.9
        CHECK (desired_retention > 0 AND desired_retention < 1)
);

-- review_items_count, correct_count and last_review_at are counter caches; learning_day
-- is the learner's learning day of created_at, worked out by the app.
CREATE TABLE study_sessions (
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
CREATE INDEX study_sessions_learner ON study_sessions (learner_id, created_at, id);
CREATE INDEX study_sessions_group ON study_sessions (group_id, learner_id, created_at, id);
CREATE INDEX study_sessions_activity ON study_sessions (study_activity_id, learner_id, created_at, id);

-- Every answer a learner gives: append-only (only the resets delete). Its learner is its
-- session's; an answer brought in from another tool (flask import-reviews) has no session.
-- grade: 1 again, 2 hard, 3 good, 4 easy; correct is grade >= 2.
CREATE TABLE word_review_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_session_id INTEGER REFERENCES study_sessions (id) ON DELETE CASCADE,
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    word_id INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
    duration_ms INTEGER CHECK (duration_ms >= 0),
    response TEXT,
    created_at TEXT NOT NULL,
    learning_day TEXT NOT NULL,
    CHECK (correct = (grade >= 2))
);
CREATE INDEX word_review_items_session ON word_review_items (study_session_id, word_id);
CREATE INDEX word_review_items_learner_word ON word_review_items (learner_id, word_id, id);
CREATE INDEX word_review_items_word ON word_review_items (word_id);

-- A learner's rating of a session: one per session and reviewer (anonymous is one).
CREATE TABLE session_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    study_session_id INTEGER NOT NULL REFERENCES study_sessions (id) ON DELETE CASCADE,
    reviewer_id INTEGER CHECK (reviewer_id > 0),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comments TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX session_feedback_one_per_reviewer ON session_feedback (study_session_id, ifnull(reviewer_id, 0));

-- Answers to POST/PUT requests sent with an Idempotency-Key, stored in the same
-- transaction as the write they answer.
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    location TEXT
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Counter caches ----------------------------------------------------------------------
-- Kept by the triggers below in the transaction that changes the rows they count, so
-- lists and the dashboard never scan the history; flask check-db recounts them. They are
-- kept per learner: two learners' answers never update the same row.

CREATE TABLE vocabulary_totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    words INTEGER NOT NULL DEFAULT 0
);

-- correct_words and wrong_words: how many words have each count above 0 (for the lists
-- sorted by a count, routes/words.py).
CREATE TABLE learner_totals (
    learner_id INTEGER PRIMARY KEY REFERENCES learners (id) ON DELETE CASCADE,
    sessions INTEGER NOT NULL DEFAULT 0,
    reviews INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    studied_words INTEGER NOT NULL DEFAULT 0,
    mastered_words INTEGER NOT NULL DEFAULT 0,
    correct_words INTEGER NOT NULL DEFAULT 0,
    wrong_words INTEGER NOT NULL DEFAULT 0
);

-- Each learner's all-time answer counts for each word (the rule for a mastered word lives
-- here, once), and the word's FSRS memory state for the learner (lib/domain/memory.py): state
-- (2 review), stability, difficulty, due and last_review (learning days), reps, lapses.
-- The app updates the memory with each answer; flask reschedule rebuilds it.
CREATE TABLE word_stats (
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    word_id INTEGER NOT NULL REFERENCES words (id) ON DELETE CASCADE,
    correct_count INTEGER NOT NULL DEFAULT 0,
    wrong_count INTEGER NOT NULL DEFAULT 0,
    last_reviewed_at TEXT,
    mastered INTEGER NOT NULL
        GENERATED ALWAYS AS (correct_count + wrong_count >= 5 AND correct_count * 5 >= (correct_count + wrong_count) * 4)
        VIRTUAL,
    state INTEGER,
    stability REAL,
    difficulty REAL,
    due TEXT,
    last_review TEXT,
    reps INTEGER NOT NULL DEFAULT 0,
    lapses INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (learner_id, word_id)
) WITHOUT ROWID;
CREATE INDEX word_stats_correct ON word_stats (learner_id, correct_count, word_id);
CREATE INDEX word_stats_wrong ON word_stats (learner_id, wrong_count, word_id);
CREATE INDEX word_stats_due ON word_stats (learner_id, due);

-- Answers per learner and learning day, each day with the first day of its run of
-- consecutive days (so the streak is one lookup).
CREATE TABLE review_days (
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    reviews INTEGER NOT NULL,
    run_start TEXT NOT NULL,
    PRIMARY KEY (learner_id, day)
) WITHOUT ROWID;

-- The learning day of each learner's latest session in each group (active groups).
CREATE TABLE learner_groups (
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    last_session_day TEXT NOT NULL,
    PRIMARY KEY (learner_id, group_id)
) WITHOUT ROWID;
CREATE INDEX learner_groups_last_session ON learner_groups (learner_id, last_session_day);

-- Each learner's never answered word ids, as ranges of ids (a learner starts with one,
-- every id; a first answer to a word splits the range holding it), for the word lists
-- sorted by a count, which read the words at 0 in id order (lib/domain/words.py).
CREATE TABLE unanswered_ranges (
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL CHECK (last_id >= first_id),
    PRIMARY KEY (learner_id, first_id)
) WITHOUT ROWID;

-- Triggers, each named for all it keeps ----------------------------------------------------

CREATE TRIGGER words_insert_counts_vocabulary_totals AFTER INSERT ON words
BEGIN
    UPDATE vocabulary_totals SET words = words + 1 WHERE id = 1;
END;

CREATE TRIGGER words_delete_counts_vocabulary_totals AFTER DELETE ON words
BEGIN
    UPDATE vocabulary_totals SET words = words - 1 WHERE id = 1;
END;

CREATE TRIGGER word_groups_insert_counts_groups_words_count AFTER INSERT ON word_groups
BEGIN
    UPDATE groups SET words_count = words_count + 1 WHERE id = NEW.group_id;
END;

CREATE TRIGGER word_groups_delete_counts_groups_words_count AFTER DELETE ON word_groups
BEGIN
    UPDATE groups SET words_count = words_count - 1 WHERE id = OLD.group_id;
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

CREATE TRIGGER word_stats_insert_counts_learner_totals_studied_mastered_correct_and_wrong_words
AFTER INSERT ON word_stats
BEGIN
    UPDATE learner_totals SET
        studied_words = studied_words + 1,
        mastered_words = mastered_words + NEW.mastered,
        correct_words = correct_words + (NEW.correct_count > 0),
        wrong_words = wrong_words + (NEW.wrong_count > 0)
    WHERE learner_id = NEW.learner_id;
END;

CREATE TRIGGER word_stats_update_counts_learner_totals_mastered_correct_and_wrong_words
AFTER UPDATE OF correct_count, wrong_count ON word_stats
BEGIN
    UPDATE learner_totals SET
        mastered_words = mastered_words + NEW.mastered - OLD.mastered,
        correct_words = correct_words + (NEW.correct_count > 0) - (OLD.correct_count > 0),
        wrong_words = wrong_words + (NEW.wrong_count > 0) - (OLD.wrong_count > 0)
    WHERE learner_id = NEW.learner_id;
END;

CREATE TRIGGER word_stats_delete_counts_learner_totals_studied_mastered_correct_and_wrong_words
AFTER DELETE ON word_stats
BEGIN
    UPDATE learner_totals SET
        studied_words = studied_words - 1,
        mastered_words = mastered_words - OLD.mastered,
        correct_words = correct_words - (OLD.correct_count > 0),
        wrong_words = wrong_words - (OLD.wrong_count > 0)
    WHERE learner_id = OLD.learner_id;
END;

CREATE TRIGGER learners_insert_makes_unanswered_ranges AFTER INSERT ON learners
BEGIN
    INSERT INTO unanswered_ranges (learner_id, first_id, last_id) VALUES (NEW.id, 1, 9223372036854775807);
END;

-- The range holding the word: the learner's range that starts last at or before it, if it
-- ends at or after it. Cut into the part after the word (a new range), and the part before
-- (the range itself, shortened; gone if the word was its first id).
CREATE TRIGGER word_stats_insert_splits_unanswered_ranges AFTER INSERT ON word_stats
BEGIN
    INSERT INTO unanswered_ranges (learner_id, first_id, last_id)
    SELECT learner_id, NEW.word_id + 1, last_id FROM unanswered_ranges
    WHERE learner_id = NEW.learner_id AND last_id > NEW.word_id AND first_id = (
        SELECT first_id FROM unanswered_ranges
        WHERE learner_id = NEW.learner_id AND first_id <= NEW.word_id
        ORDER BY first_id DESC LIMIT 1
    );
    DELETE FROM unanswered_ranges
    WHERE learner_id = NEW.learner_id AND first_id = NEW.word_id;
    UPDATE unanswered_ranges SET last_id = NEW.word_id - 1
    WHERE learner_id = NEW.learner_id AND last_id >= NEW.word_id AND first_id = (
        SELECT first_id FROM unanswered_ranges
        WHERE learner_id = NEW.learner_id AND first_id <= NEW.word_id
        ORDER BY first_id DESC LIMIT 1
    );
END;

-- Only a word and a learner that still exist get their id back (deleting either deletes
-- its word_stats rows first).
CREATE TRIGGER word_stats_delete_gives_back_unanswered_range AFTER DELETE ON word_stats
WHEN EXISTS (SELECT 1 FROM learners WHERE id = OLD.learner_id) AND EXISTS (SELECT 1 FROM words WHERE id = OLD.word_id)
BEGIN
    INSERT INTO unanswered_ranges (learner_id, first_id, last_id) VALUES (OLD.learner_id, OLD.word_id, OLD.word_id);
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

-- Accounts for a class deployment (LANG_PORTAL_ACCESS=class, docs/access.md): classes,
-- accounts with their role and their password's hash, who belongs to which class, and the
-- tokens an account signs in for, kept only as hashes. A learner account owns one learner;
-- teachers and admins own none.

CREATE TABLE classes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('learner', 'teacher', 'admin')),
    learner_id INTEGER UNIQUE REFERENCES learners (id),
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at TEXT NOT NULL,
    CHECK ((role = 'learner') = (learner_id IS NOT NULL))
);

CREATE TABLE class_members (
    class_id INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (class_id, account_id)
) WITHOUT ROWID;
CREATE INDEX class_members_account ON class_members (account_id, class_id);

CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX tokens_account ON tokens (account_id);

-- Background jobs (lib/domain/jobs.py, lib/worker.py), fitting a learner's FSRS parameters
-- or evaluating them: one queued or running per learner and kind; a running job's owner renews
-- its lease, and a job whose lease ran out is run again.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('optimize', 'evaluate')),
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    progress REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    result TEXT,
    error TEXT,
    owner TEXT,
    lease_until TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1))
);
CREATE UNIQUE INDEX jobs_one_active ON jobs (learner_id, kind) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_waiting ON jobs (state, id) WHERE state IN ('queued', 'running');

-- A learner's evaluation kept (lib/domain/schedules.py), current while their parameters
-- and their count of answers are what they were when it was computed; the resets delete it.
CREATE TABLE schedule_evaluations (
    learner_id INTEGER PRIMARY KEY REFERENCES learners (id) ON DELETE CASCADE,
    parameters TEXT NOT NULL,
    answers INTEGER NOT NULL,
    evaluation TEXT NOT NULL,
    computed_at TEXT NOT NULL
);
