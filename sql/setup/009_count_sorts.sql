-- Word lists sorted by a learner's correct or wrong count, flat at any vocabulary size.
-- Sorting every word by a count that most words may not have (a word never answered
-- counts 0) took a sort of the whole vocabulary. With how many of the learner's words
-- have each count above 0 kept here, a page is read from the word_stats indexes (words
-- with a count) or in id order (words at 0) without a sort (routes/words.py).

ALTER TABLE learner_totals ADD COLUMN correct_words INTEGER NOT NULL DEFAULT 0;
ALTER TABLE learner_totals ADD COLUMN wrong_words INTEGER NOT NULL DEFAULT 0;
UPDATE learner_totals SET
    correct_words = (SELECT count(*) FROM word_stats WHERE learner_id = learner_totals.learner_id AND correct_count > 0),
    wrong_words = (SELECT count(*) FROM word_stats WHERE learner_id = learner_totals.learner_id AND wrong_count > 0);

DROP TRIGGER word_stats_insert_counts_learner_totals_studied_and_mastered_words;
DROP TRIGGER word_stats_update_counts_learner_totals_mastered_words;
DROP TRIGGER word_stats_delete_counts_learner_totals_studied_and_mastered_words;

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
