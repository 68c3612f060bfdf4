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
