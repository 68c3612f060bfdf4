"""Idempotent retries: a POST or PUT with an Idempotency-Key header is answered once.

A write view runs its writes in `with idempotent_transaction() as write:` and makes its
answer with `write.answer(body)`: with a key, the 2xx answer is stored in that same
transaction, so either both the write and the stored answer are committed or neither is.
A retry with the same key and the same request gets the stored answer (header
Idempotent-Replayed: true) and writes nothing; the same key with a different request is a
422. Keys expire after KEY_TTL.
"""

import hashlib
from contextlib import contextmanager
from datetime import timedelta

from flask import abort, current_app, request
from werkzeug.exceptions import BadRequest, UnprocessableEntity

from lib.db import one, transaction
from lib.domain import clock
from lib.web import auth

HEADER = "Idempotency-Key"
KEY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


def _cutoff():
    return (clock.now() - KEY_TTL).strftime(clock.TIMESTAMP)


def _fingerprint():
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.get_data(cache=True)):
        digest.update(part + b"\0")
    return digest.hexdigest()


def _key():
    """The request's Idempotency-Key, checked, or None."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not (1 <= len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()):
        raise BadRequest(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.")
    scope = auth.scope()  # one person's keys are not another's
    return f"{scope}|{key}" if scope else key


class Write:
    """The write transaction of one request; answer() makes the response."""

    def __init__(self, conn, key, fingerprint):
        self.conn, self.key, self.fingerprint = conn, key, fingerprint

    def answer(self, body, status=200, location=None):
        """The JSON response (with a Location header, when given); with a key, stored in
        this transaction for retries."""
        response = current_app.json.response(body)
        response.status_code = status
        if location is not None:
            response.headers["Location"] = location
        if self.key is not None:
            self.conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (_cutoff(),))
            self.conn.execute(
                "INSERT INTO idempotency_keys (key, fingerprint, status, body, created_at, location) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (self.key, self.fingerprint, status, response.get_data(as_text=True), clock.utc_now(), location),
            )
        return response


@contextmanager
def idempotent_transaction(alone=False):
    """The view's write transaction (alone: while no other writes, lib/db.py). If the
    request's key was answered before, the stored answer is given instead (abort with it:
    nothing is written), or a 422 when the key came with a different request."""
    key = _key()
    fingerprint = _fingerprint() if key is not None else None
    with transaction(alone=alone) as conn:
        if key is not None:
            # Requests with the same key take turns (on PostgreSQL, whose writers run at
            # once): the second finds the first's answer stored, and is given it.
            conn.serialize(key)
            stored = one(
                "SELECT fingerprint, status, body, location FROM idempotency_keys WHERE key = ? AND created_at >= ?",
                (key, _cutoff()),
            )
            if stored is not None:
                if stored["fingerprint"] != fingerprint:
                    raise UnprocessableEntity(
                        f"This {HEADER} was used for a different request; send a new key for a new request."
                    )
                # The first request's commit is seen from its COMMIT on, a sync before its
                # answer (lib/engines/wal_sync.py): the replay waits for it to be on disk.
                conn.make_durable()
                replay = current_app.response_class(
                    stored["body"], status=stored["status"], mimetype="application/json"
                )
                replay.headers["Idempotent-Replayed"] = "true"
                if stored["location"] is not None:
                    replay.headers["Location"] = stored["location"]
                abort(replay)
        yield Write(conn, key, fingerprint)
