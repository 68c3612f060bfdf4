-- Background jobs (lib/domain/jobs.py, lib/worker.py): work too long for a request, such
-- as fitting a learner's FSRS parameters, as a row every server process and the command
-- line see. A running job's owner renews its lease; a job whose lease has run out was cut
-- off (a crash, a restart) and any worker runs it again. One queued or running job per
-- learner and kind.

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('optimize')),
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
