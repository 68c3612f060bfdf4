"""Accounts for a class deployment: classes, accounts with a role, passwords kept as argon2
hashes, and the tokens an account signs in for, kept as SHA-256 hashes (docs/access.md).

A learner account owns one learner; a class has learner and teacher accounts. Usernames
are compared in lower case. A password is never stored, logged or echoed; an unknown or
disabled username costs the same hash check as a wrong password and gets the same answer.
"""

import functools
import hashlib
import re
import secrets
from datetime import timedelta

import argon2

from lib.domain import clock, learners
from lib.domain.errors import Conflict, NotFound, Unprocessable

ROLES = ("learner", "teacher", "admin")
SCOPES = ("write", "read")  # write: read and write; read: read only
USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
MIN_PASSWORD, MAX_PASSWORD = 8, 1024
ACCOUNT_COLUMNS = "a.id AS account_id, a.username, a.role, a.learner_id"

_hasher = argon2.PasswordHasher()


@functools.cache
def unknown_user_hash():
    """A hash no password matches, checked for an unknown username so that it costs what a wrong password does."""
    return _hasher.hash(secrets.token_urlsafe(16))


def username_of(text):
    """text as a stored username, or Unprocessable saying what one looks like."""
    name = text.strip().lower() if isinstance(text, str) else ""
    if not USERNAME.fullmatch(name):
        raise Unprocessable(
            "A username is 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or a digit."
        )
    return name


def check_password(password):
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Unprocessable(f"A password is {MIN_PASSWORD} to {MAX_PASSWORD} characters.")
    return password


def create_class(conn, name):
    name = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(name) <= 100:
        raise Unprocessable("A class name is 1 to 100 characters.")
    row = conn.row(
        "INSERT INTO classes (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id, name",
        (name, clock.utc_now()),
    )
    if row is None:
        raise Conflict(f"There is a class named {name!r} already.")
    return row


def _class_ids(conn, names):
    ids = []
    for name in names:
        row = conn.row("SELECT id FROM classes WHERE name = ?", (name,))
        if row is None:
            raise NotFound(f"There is no class named {name!r}; create it with flask create-class first.")
        ids.append(row["id"])
    return ids


def create_account(conn, username, password, role, learner_id=None, classes=()):
    """A new account (in the caller's transaction): {account_id, username, role, learner_id}.
    A learner account without learner_id gets a new learner named after it; an admin or a
    teacher owns no learner."""
    username, password = username_of(username), check_password(password)
    if role not in ROLES:
        raise Unprocessable(f"A role is one of {', '.join(ROLES)}, not {role!r}.")
    if role != "learner" and learner_id is not None:
        raise Unprocessable("Only a learner account owns a learner.")
    class_ids = _class_ids(conn, classes)
    if conn.row("SELECT 1 FROM accounts WHERE username = ?", (username,)) is not None:
        raise Conflict(f"There is an account named {username!r} already.")
    if role == "learner":
        if learner_id is None:
            learner_id = learners.create(conn, {"name": username})["id"]
        else:
            learners.get(conn, learner_id)
            if conn.row("SELECT 1 FROM accounts WHERE learner_id = ?", (learner_id,)) is not None:
                raise Conflict(f"Learner {learner_id} belongs to another account already.")
    account = conn.row(
        """
        INSERT INTO accounts (username, password_hash, role, learner_id, created_at)
        VALUES (?, ?, ?, ?, ?)
        RETURNING id AS account_id, username, role, learner_id
        """,
        (username, _hasher.hash(password), role, learner_id, clock.utc_now()),
    )
    for class_id in class_ids:
        conn.execute(
            "INSERT INTO class_members (class_id, account_id) VALUES (?, ?)", (class_id, account["account_id"])
        )
    return account


def _account(conn, username):
    row = conn.row("SELECT id FROM accounts WHERE username = ?", (username_of(username),))
    if row is None:
        raise NotFound(f"There is no account named {username!r}.")
    return row["id"]


def set_password(conn, username, password):
    """A new password; the account's tokens are revoked with the old one."""
    account_id = _account(conn, username)
    conn.execute(
        "UPDATE accounts SET password_hash = ? WHERE id = ?", (_hasher.hash(check_password(password)), account_id)
    )
    return _revoke(conn, account_id)


def disable(conn, username):
    """The account signs in no more, and its tokens are revoked; returns how many."""
    account_id = _account(conn, username)
    conn.execute("UPDATE accounts SET disabled = 1 WHERE id = ?", (account_id,))
    return _revoke(conn, account_id)


def revoke_tokens(conn, username):
    """Revoke every token of the account; returns how many were live."""
    return _revoke(conn, _account(conn, username))


def _revoke(conn, account_id):
    rows = conn.rows(
        "UPDATE tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL RETURNING id",
        (clock.utc_now(), account_id),
    )
    return len(rows)


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(conn, username, password, scope, hours):
    """A new token {token, expires_at, scope} for the right username and password (in the
    caller's transaction), or None: the same None, after the same hash check, for an unknown
    or disabled username as for a wrong password."""
    name = username.strip().lower() if isinstance(username, str) else ""
    row = conn.row("SELECT id, password_hash, disabled FROM accounts WHERE username = ?", (name,))
    stored = row["password_hash"] if row is not None else unknown_user_hash()
    try:
        _hasher.verify(stored, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return None
    if row is None or row["disabled"]:
        return None
    if _hasher.check_needs_rehash(stored):
        conn.execute("UPDATE accounts SET password_hash = ? WHERE id = ?", (_hasher.hash(password), row["id"]))
    return issue_token(conn, row["id"], scope, hours)


def issue_token(conn, account_id, scope, hours):
    """A new token of the account's, lasting hours: {token, expires_at, scope}."""
    if scope not in SCOPES:
        raise Unprocessable(f"A token's scope is one of {', '.join(SCOPES)}, not {scope!r}.")
    token = secrets.token_urlsafe(32)
    now = clock.now()
    expires_at = (now + timedelta(hours=hours)).strftime(clock.TIMESTAMP)
    conn.execute(
        "INSERT INTO tokens (account_id, token_hash, scope, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        (account_id, token_hash(token), scope, now.strftime(clock.TIMESTAMP), expires_at),
    )
    return {"token": token, "expires_at": expires_at, "scope": scope}


def holder(conn, token):
    """The live token's account {account_id, username, role, learner_id, scope, token_id,
    expires_at}, or None for a token unknown, expired or revoked, or an account disabled."""
    return conn.row(
        f"""
        SELECT {ACCOUNT_COLUMNS}, t.scope, t.id AS token_id, t.expires_at
        FROM tokens AS t
        JOIN accounts AS a ON a.id = t.account_id
        WHERE t.token_hash = ? AND t.revoked_at IS NULL AND t.expires_at > ? AND a.disabled = 0
        """,
        (token_hash(token), clock.utc_now()),
    )


def sign_out(conn, token_id):
    conn.execute("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (clock.utc_now(), token_id))


def classes_of(conn, account_id):
    """The names of the account's classes, in order."""
    rows = conn.rows(
        "SELECT c.name FROM class_members AS m JOIN classes AS c ON c.id = m.class_id WHERE m.account_id = ? "
        "ORDER BY c.name",
        (account_id,),
    )
    return [row["name"] for row in rows]
