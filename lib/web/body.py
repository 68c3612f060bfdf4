"""Request bodies: every write is JSON in UTF-8, no body is larger than the limit, and the
body is read as one JSON object, once per request.

Every POST and PUT, the resets included, must say Content-Type: application/json. A web
page on another site can make a browser send a form or text/plain POST without asking
first; a JSON one needs a CORS preflight, which other origins fail. So requiring JSON is
what stops any page the learner visits from wiping their history.
"""

import io
import json

from flask import current_app, g, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

from lib.web.fields import json_type

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
    (415) and no larger than the limit (413). A DELETE without a body needs no type: no
    form or no-cors request of another site can send one (the browser asks first)."""
    if (
        request.method == "DELETE"
        and not request.content_length
        and "chunked" not in request.headers.get("Transfer-Encoding", "")
    ):
        return
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


def json_body(required=True):
    """The request body as a JSON object ({} when optional and absent), parsed once per
    request (the rate limiter looks at it before the view does). The content type was
    checked before the view (require_json_writes); the bytes must be UTF-8, as RFC 8259 asks
    (json.loads would also take UTF-16 and UTF-32)."""
    if "json_body" in g:
        return g.json_body
    raw = request.get_data(cache=True)
    if not raw:
        if required:
            raise BadRequest("Send a JSON object as the request body (Content-Type: application/json).")
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRequest(f"The request body must be JSON in UTF-8; byte {e.start} is not UTF-8.") from None
    try:
        body = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:
        raise BadRequest(f"The request body is not valid JSON: {_short(e)}.") from None
    if not isinstance(body, dict):
        raise BadRequest(f"The request body must be a JSON object, not {json_type(body)}.")
    g.json_body = body
    return body


def _reject_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _short(e):
    return str(e).split(":")[0] if isinstance(e, json.JSONDecodeError) else str(e) or type(e).__name__


def init_app(app):
    app.wsgi_app = ChunkedBodies(app.wsgi_app, app.config["MAX_CONTENT_LENGTH"])
