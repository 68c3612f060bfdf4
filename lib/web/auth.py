"""Who is calling: the bearer token of a request.

In the open mode the only token is LANG_PORTAL_API_TOKEN, which, when set, every write
needs. In the class mode a token is an account's (POST /api/auth/login), looked up by its
hash; a live token's account is kept in this process for TOKEN_CACHE_SECONDS, so a token
revoked on another server is refused there within that bound (at once on this one).
"""

import hmac
import time
from collections import OrderedDict

from flask import current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from lib.db import get_db
from lib.domain import accounts, clock
from lib.domain.access import Actor

TOKEN_CACHE_SECONDS = 2.0
TOKEN_CACHE_SIZE = 10_000  # live tokens kept per process; unknown ones are never kept


def unauthorized(sentence):
    return Unauthorized(sentence, www_authenticate=WWWAuthenticate("bearer", {"realm": "lang-portal"}))


def bearer_token():
    """The token of the Authorization header, None when there is no header, or a 401 when
    the header is not Bearer <token>."""
    header = request.environ.get("HTTP_AUTHORIZATION")  # the header, without a Headers lookup
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("Send the token as the header Authorization: Bearer <token>.")
    return token


def require_token():
    """Open mode: a write (the caller checks it is one, to a route that exists) needs
    LANG_PORTAL_API_TOKEN when one is set; reads and preflights stay open."""
    token = current_app.config.get("API_TOKEN")
    if not token:
        return
    given = request.headers.get("Authorization", "").partition(" ")
    if given[0].lower() != "bearer" or not hmac.compare_digest(given[2].strip().encode(), token.encode()):
        raise unauthorized("This API needs a token for writes: send the header Authorization: Bearer <token>.")


def class_mode():
    return current_app.config["ACCESS"] == "class"


_UNSET = object()


def actor():
    """The signed-in account of the request as an Actor: None in the open mode, or when the
    request sends no Authorization header; a 401 for a token unknown, expired, revoked or
    of a disabled account. Looked up once per request."""
    who = g.get("actor", _UNSET)
    if who is _UNSET:
        who = signed_in(current_app) if class_mode() else None
    return who


def signed_in(app):
    """The class mode's actor of the request (lib/web/access.py asks first), kept for the request."""
    token = bearer_token()
    who = g.actor = None if token is None else _holder(app, token)
    return who


def _holder(app, token):
    # Kept by the token itself: a process's memory holds it during the request anyway, and
    # a hash per request would cost what the rest of the lookup does.
    cache = app.extensions["lang_portal_tokens"]
    kept = cache.get(token)
    now = time.monotonic()
    if kept is not None and now < kept[1]:
        return kept[0]
    row = accounts.holder(get_db(), token)
    if row is None:
        cache.pop(token, None)
        raise unauthorized("This token is unknown, expired or revoked: sign in again (POST /api/auth/login).")
    who = Actor(**{k: row[k] for k in Actor.__dataclass_fields__})
    # Kept until the bound passes or the token expires, whichever comes first.
    expires_in = (clock.parse(row["expires_at"]) - clock.now()).total_seconds()
    cache[token] = (who, now + min(TOKEN_CACHE_SECONDS, expires_in))
    cache.move_to_end(token)
    while len(cache) > TOKEN_CACHE_SIZE:
        cache.popitem(last=False)
    return who


def scope():
    """Whose retries and kept responses a request's are: '' in the open mode (one person),
    else its account's or, for a session's id alone, its session's."""
    if not class_mode():
        return ""
    who = actor()
    if who is not None:
        return f"account {who.account_id}"
    return f"session {g.get('capability', '-')}"


def identity():
    """Whom rate limits count: the signed-in account, else the client's address."""
    who = actor()
    return f"account {who.account_id}" if who is not None else request.remote_addr or "unknown"


def forget(token):
    """Drop a token from this process's cache (it was revoked here)."""
    current_app.extensions["lang_portal_tokens"].pop(token, None)


def init_app(app):
    app.extensions["lang_portal_tokens"] = OrderedDict()
