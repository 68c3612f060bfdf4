-- A learner's evaluation kept (lib/domain/schedules.py): how well their FSRS parameters
-- predict their own answers, which at a million answers takes seconds to compute, so a
-- GET answers it from here and an evaluate job brings it up to date. It is current while
-- the learner's parameters and their count of answers are what they were when it was
-- computed (answers are only ever added, but for the resets, which delete these rows).

CREATE TABLE schedule_evaluations (
    learner_id INTEGER PRIMARY KEY REFERENCES learners (id) ON DELETE CASCADE,
    parameters TEXT NOT NULL,
    answers INTEGER NOT NULL,
    evaluation TEXT NOT NULL,
    computed_at TEXT NOT NULL
);

-- Jobs of a second kind, 'evaluate': SQLite changes a CHECK only by copying the table
-- (every id kept, and sqlite_sequence with them).
CREATE TABLE jobs_new (
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
INSERT INTO jobs_new (
    id, kind, learner_id, state, progress, created_at, started_at, finished_at, result, error, owner,
    lease_until, attempts, cancel_requested
)
SELECT
    id, kind, learner_id, state, progress, created_at, started_at, finished_at, result, error, owner,
    lease_until, attempts, cancel_requested
FROM jobs;
-- A full reset may have deleted the newest jobs with their learners: the count goes on.
UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM sqlite_sequence WHERE name IN ('jobs', 'jobs_new'))
WHERE name = 'jobs_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'jobs_new', seq FROM sqlite_sequence
WHERE name = 'jobs' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'jobs_new');
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE UNIQUE INDEX jobs_one_active ON jobs (learner_id, kind) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_waiting ON jobs (state, id) WHERE state IN ('queued', 'running');

-- A stored answer keeps its Location too: a replayed 202 names the job it queued.
ALTER TABLE idempotency_keys ADD COLUMN location TEXT;
