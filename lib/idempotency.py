"""Idempotent retries: a POST or PUT with an Idempotency-Key header is answered once.

The request runs inside one transaction opened before the view; a 2xx answer is stored
with the key in that same transaction, so either both the write and the stored answer
are committed or neither is. A retry with the same key and the same request gets the
stored answer (header Idempotent-Replayed: true) and writes nothing; the same key with
a different request is a 422. Keys expire after KEY_TTL.
"""

import hashlib
from datetime import UTC, datetime, timedelta

from flask import current_app, g, request
from werkzeug.exceptions import BadRequest, UnprocessableEntity

from lib.db import get_db, one

HEADER = "Idempotency-Key"
KEY_TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


def _cutoff():
    return (datetime.now(UTC) - KEY_TTL).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fingerprint():
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.get_data(cache=True)):
        digest.update(part + b"\0")
    return digest.hexdigest()


def begin():
    """before_request: replay a stored answer, or open the request's transaction."""
    key = request.headers.get(HEADER)
    if key is None or request.method not in ("POST", "PUT") or request.routing_exception is not None:
        return None  # no key, a read, or no such endpoint (the 404/405 comes next)
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise BadRequest(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.")
    fingerprint = _fingerprint()
    conn = get_db()
    conn.begin_write()
    stored = one(
        "SELECT fingerprint, status, body FROM idempotency_keys WHERE key = ? AND created_at >= ?",
        (key, _cutoff()),
    )
    if stored is None:
        g.idempotency = (key, fingerprint)
        return None
    conn.end_write(commit=False)
    if stored["fingerprint"] != fingerprint:
        raise UnprocessableEntity(f"This {HEADER} was used for a different request; send a new key for a new request.")
    response = current_app.response_class(stored["body"], status=stored["status"], mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def finish(response):
    """after_request: store a 2xx answer with its key and commit; otherwise roll back."""
    state = g.pop("idempotency", None)
    if state is None:
        return response
    conn = get_db()
    if not conn.in_transaction:
        return response
    if not 200 <= response.status_code < 300:
        conn.end_write(commit=False)
        return response
    key, fingerprint = state
    conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (_cutoff(),))
    conn.execute(
        "INSERT INTO idempotency_keys (key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?)",
        (
            key,
            fingerprint,
            response.status_code,
            response.get_data(as_text=True),
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        ),
    )
    conn.end_write(commit=True)
    return response


def init_app(app):
    app.before_request(begin)
    app.after_request(finish)
