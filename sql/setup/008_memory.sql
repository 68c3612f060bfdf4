-- What to study next: richer answers, and a memory state per learner and word.
--
-- An answer now keeps its grade (1 again, 2 hard, 3 good, 4 easy; correct is grade >= 2),
-- how long it took (duration_ms) and what was typed (response). Answers recorded before
-- have grade 3 if they were correct and 1 if not. An answer brought in from another tool
-- (flask import-reviews) belongs to no session here.
--
-- word_stats gains the word's FSRS memory state for the learner: state, stability,
-- difficulty, due and last_review (learning days), reps and lapses. It is a cache of the
-- answers: the app updates it with each answer, and flask reschedule rebuilds it from the
-- log (the server does so at start for rows this migration leaves without a state).
-- learners gain their scheduler's parameters (NULL: FSRS-6's defaults) and desired
-- retention.

DROP TRIGGER word_review_items_insert_counts_word_stats;
DROP TRIGGER word_review_items_insert_counts_study_sessions_learner_totals_and_review_days;

CREATE TABLE word_review_items_new (
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
INSERT INTO word_review_items_new
    (id, study_session_id, learner_id, word_id, correct, grade, created_at, learning_day)
SELECT id, study_session_id, learner_id, word_id, correct, CASE correct WHEN 1 THEN 3 ELSE 1 END, created_at, learning_day
FROM word_review_items;
DROP TABLE word_review_items;
ALTER TABLE word_review_items_new RENAME TO word_review_items;
CREATE INDEX word_review_items_session ON word_review_items (study_session_id, word_id);
CREATE INDEX word_review_items_learner_word ON word_review_items (learner_id, word_id, id);
CREATE INDEX word_review_items_word ON word_review_items (word_id);

ALTER TABLE word_stats ADD COLUMN state INTEGER;
ALTER TABLE word_stats ADD COLUMN stability REAL;
ALTER TABLE word_stats ADD COLUMN difficulty REAL;
ALTER TABLE word_stats ADD COLUMN due TEXT;
ALTER TABLE word_stats ADD COLUMN last_review TEXT;
ALTER TABLE word_stats ADD COLUMN reps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE word_stats ADD COLUMN lapses INTEGER NOT NULL DEFAULT 0;
CREATE INDEX word_stats_due ON word_stats (learner_id, due);

ALTER TABLE learners ADD COLUMN fsrs_parameters TEXT CHECK (fsrs_parameters IS NULL OR json_valid(fsrs_parameters));
ALTER TABLE learners ADD COLUMN desired_retention REAL NOT NULL DEFAULT 0.9
    CHECK (desired_retention > 0 AND desired_retention < 1);

-- The two triggers dropped above, as 007 made them.
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
