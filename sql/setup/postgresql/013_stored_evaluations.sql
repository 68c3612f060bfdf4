-- A learner's evaluation kept, and jobs of a second kind: 013_stored_evaluations.sql in
-- PostgreSQL's dialect (which changes a CHECK in place).

CREATE TABLE schedule_evaluations (
    learner_id bigint PRIMARY KEY REFERENCES learners (id) ON DELETE CASCADE,
    parameters text COLLATE "C" NOT NULL,
    answers bigint NOT NULL,
    evaluation text COLLATE "C" NOT NULL,
    computed_at text COLLATE "C" NOT NULL
);

ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('optimize', 'evaluate'));

-- A stored answer keeps its Location too: a replayed 202 names the job it queued.
ALTER TABLE idempotency_keys ADD COLUMN location text COLLATE "C";
