-- Word lists sorted by a count, flat at the far end too. The words at 0 come in id order:
-- the answered ones from word_stats's count index, the never-answered ones by walking the
-- vocabulary and skipping every word the learner has answered, which took a probe per
-- word (70 ms at 100,000 words when the learner had answered all but 2 of them).
-- unanswered_ranges holds, for each learner, the word ids they have never answered as
-- ranges of ids: the words in them are read in id order from the words table, without a
-- probe for the words in between (routes/words.py).
--
-- A learner starts with one range, every id; their first answer to a word splits the
-- range that holds it. A word_stats row deleted gives its id back as a range of one; the
-- resets, which delete all of them, put back each learner's single range instead
-- (lib/seed.py). flask check-db compares the ranges with word_stats.

CREATE TABLE unanswered_ranges (
    learner_id INTEGER NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    first_id INTEGER NOT NULL,
    last_id INTEGER NOT NULL CHECK (last_id >= first_id),
    PRIMARY KEY (learner_id, first_id)
) WITHOUT ROWID;

-- The gaps between each learner's answered word ids, and the ids past the last.
INSERT INTO unanswered_ranges (learner_id, first_id, last_id)
SELECT learner_id, first_id, last_id FROM (
    SELECT
        learner_id,
        coalesce(lag(word_id) OVER (PARTITION BY learner_id ORDER BY word_id), 0) + 1 AS first_id,
        word_id - 1 AS last_id
    FROM word_stats
    UNION ALL
    SELECT l.id, coalesce((SELECT max(word_id) FROM word_stats WHERE learner_id = l.id), 0) + 1, 9223372036854775807
    FROM learners AS l
)
WHERE first_id <= last_id;

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
