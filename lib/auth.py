"""Optional bearer token: when LANG_PORTAL_API_TOKEN is set, every write needs it."""

import hmac

from flask import current_app, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from lib.bodies import WRITE_METHODS


def require_token():
    """before_request: reads and preflights stay open; writes need the token."""
    token = current_app.config.get("API_TOKEN")
    if not token or request.method not in WRITE_METHODS or request.routing_exception is not None:
        return  # no token set, a read, or no such endpoint (the 404/405 comes next)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Unauthorized(
            "This API needs a token for writes: send the header Authorization: Bearer <token>.",
            www_authenticate=WWWAuthenticate("bearer", {"realm": "lang-portal"}),
        )


def init_app(app):
    app.before_request(require_token)
