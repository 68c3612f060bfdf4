"""Request bodies: every write is JSON, and no body is larger than the limit.

Every POST and PUT, the resets included, must say Content-Type: application/json. A web
page on another site can make a browser send a form or text/plain POST without asking
first; a JSON one needs a CORS preflight, which other origins fail. So requiring JSON is
what stops any page the learner visits from wiping their history.
"""

import io

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class ChunkedBodies:
    """WSGI middleware: a body sent without a Content-Length (Transfer-Encoding: chunked)
    is read here, up to one byte past the limit, and handed on with its length, so the
    limit applies to it like to any other body (Werkzeug would cut it at the limit and
    accept the rest unread)."""

    def __init__(self, wsgi_app, max_length):
        self.wsgi_app = wsgi_app
        self.max_length = max_length

    def __call__(self, environ, start_response):
        if not environ.get("CONTENT_LENGTH") and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = _read_at_most(environ["wsgi.input"], self.max_length + 1)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(b"" if len(body) > self.max_length else body)
        return self.wsgi_app(environ, start_response)


def _read_at_most(stream, limit):
    chunks, size = [], 0
    while size < limit:
        chunk = stream.read(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def require_json_writes():
    """A write (the caller checks it is one, to a route that exists) must be JSON in UTF-8
    (415) and no larger than the limit (413)."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(
            f"Send writes as JSON with Content-Type: application/json (got {request.mimetype or 'none'}); "
            "a request without a body needs the header too."
        )
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"Send JSON in UTF-8 (Content-Type: application/json; charset=utf-8), not {charset}."
        )
    if (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()


def init_app(app):
    app.wsgi_app = ChunkedBodies(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])
