-- sql/setup/010_unanswered_ranges.sql in PostgreSQL's dialect: each learner's never
-- answered word ids as ranges, so that word lists sorted by a count read the words at 0
-- in id order without a probe per answered word (routes/words.py).
--
-- A learner's first answer to a word runs inside the answer's trigger, after it has
-- locked the learner's learner_totals row: the answers of one learner split their ranges
-- one transaction at a time, each seeing the ranges the one before it committed. The
-- resets lock the whole table (lib/seed.py) while they put every learner's range back,
-- so a learner made or answering meanwhile waits for them instead of racing them; the
-- split takes its own lock on the table before it reads the range, so that it reads the
-- ranges as the reset left them.

CREATE TABLE unanswered_ranges (
    learner_id bigint NOT NULL REFERENCES learners (id) ON DELETE CASCADE,
    first_id bigint NOT NULL,
    last_id bigint NOT NULL CHECK (last_id >= first_id),
    PRIMARY KEY (learner_id, first_id)
);

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
) AS gaps
WHERE first_id <= last_id;

CREATE FUNCTION learners_insert_makes_unanswered_ranges() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unanswered_ranges (learner_id, first_id, last_id) VALUES (NEW.id, 1, 9223372036854775807);
    RETURN NULL;
END
$$;
CREATE TRIGGER learners_insert_makes_unanswered_ranges AFTER INSERT ON learners
FOR EACH ROW EXECUTE FUNCTION learners_insert_makes_unanswered_ranges();

-- The range holding the word is cut into the part after it (a new range) and the part
-- before it (the range itself, shortened; gone if the word was its first id).
CREATE FUNCTION word_stats_insert_splits_unanswered_ranges() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    holder unanswered_ranges%ROWTYPE;
BEGIN
    LOCK TABLE unanswered_ranges IN ROW EXCLUSIVE MODE;  -- what its writes take anyway; waits for a reset
    SELECT * INTO holder FROM unanswered_ranges
    WHERE learner_id = NEW.learner_id AND first_id <= NEW.word_id
    ORDER BY first_id DESC LIMIT 1;
    IF NOT FOUND OR holder.last_id < NEW.word_id THEN
        RETURN NULL;
    END IF;
    IF holder.last_id > NEW.word_id THEN
        INSERT INTO unanswered_ranges (learner_id, first_id, last_id)
        VALUES (NEW.learner_id, NEW.word_id + 1, holder.last_id);
    END IF;
    IF holder.first_id = NEW.word_id THEN
        DELETE FROM unanswered_ranges WHERE learner_id = NEW.learner_id AND first_id = holder.first_id;
    ELSE
        UPDATE unanswered_ranges SET last_id = NEW.word_id - 1
        WHERE learner_id = NEW.learner_id AND first_id = holder.first_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER word_stats_insert_splits_unanswered_ranges AFTER INSERT ON word_stats
FOR EACH ROW EXECUTE FUNCTION word_stats_insert_splits_unanswered_ranges();

-- Deleted rows give their ids back, once per statement, for words and learners that
-- still exist (deleting either deletes its word_stats rows first).
CREATE FUNCTION word_stats_delete_gives_back_unanswered_ranges() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO unanswered_ranges (learner_id, first_id, last_id)
    SELECT r.learner_id, r.word_id, r.word_id FROM removed AS r
    WHERE EXISTS (SELECT 1 FROM learners WHERE id = r.learner_id) AND EXISTS (SELECT 1 FROM words WHERE id = r.word_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER word_stats_delete_gives_back_unanswered_ranges AFTER DELETE ON word_stats
REFERENCING OLD TABLE AS removed
FOR EACH STATEMENT EXECUTE FUNCTION word_stats_delete_gives_back_unanswered_ranges();
