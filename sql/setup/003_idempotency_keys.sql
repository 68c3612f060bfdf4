-- Answers to POST/PUT requests sent with an Idempotency-Key header, stored in the same
-- transaction as the write they answer, so a retry gets the first answer and writes nothing.
CREATE TABLE idempotency_keys (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
