"""Optional bearer token: when LANG_PORTAL_API_TOKEN is set, every write needs it."""

import hmac

from flask import current_app, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized


def require_token():
    """A write (the caller checks it is one, to a route that exists) needs the token when
    one is set; reads and preflights stay open."""
    token = current_app.config.get("API_TOKEN")
    if not token:
        return
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Unauthorized(
            "This API needs a token for writes: send the header Authorization: Bearer <token>.",
            www_authenticate=WWWAuthenticate("bearer", {"realm": "lang-portal"}),
        )
