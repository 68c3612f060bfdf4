"""One error contract: every 4xx/5xx is {"error": "<sentence>"} (plus "details")."""

import logging

from flask import jsonify, request
from werkzeug.exceptions import BadRequest, Conflict, HTTPException, InternalServerError

log = logging.getLogger(__name__)


class ValidationError(BadRequest):
    """A request body that failed validation; details maps field -> problem."""

    def __init__(self, details, description=None):
        fields = ", ".join(sorted(details))
        super().__init__(description or f"Fix these fields and send the request again: {fields}.")
        self.details = details


class ReviewExists(Conflict):
    """A second feedback review from the same reviewer; the body names the first."""

    def __init__(self, session_id, review_id):
        super().__init__(
            f"Study session {session_id} already has a review from this reviewer "
            f"(review {review_id}); send PUT to the same path to change it."
        )
        self.extra = {"existing_review_id": review_id}


def _sentence(e):
    """Our own messages for the errors Werkzeug raises by itself; ours pass through."""
    default = type(e).description
    if e.description != default:
        return e.description
    if e.code == 404:
        return f"Nothing at {request.path}: ids in paths are positive integers, and /api/docs lists every endpoint."
    if e.code == 405:
        allowed = ", ".join(sorted(getattr(e, "valid_methods", None) or []))
        return f"{request.method} is not allowed on {request.path}; allowed: {allowed}."
    if e.code == 413:
        return "The request body is too large; send at most 1 MiB."
    return e.description


def _rate_limit_sentence(e):
    return f"Too many requests of this kind from your address (limit: {e.description}); wait for Retry-After seconds."


def handle_http_error(e):
    body = {"error": _rate_limit_sentence(e) if e.code == 429 else _sentence(e)}
    if getattr(e, "details", None):
        body["details"] = e.details
    body.update(getattr(e, "extra", {}))
    response = e.get_response()  # keeps headers such as Allow and Retry-After
    response.data = jsonify(body).get_data()
    response.content_type = "application/json"
    return response


def handle_unexpected_error(e):
    log.exception("Unhandled error on %s %s", request.method, request.path)
    response = jsonify({"error": "Internal server error"})
    response.status_code = 500
    return response


def init_app(app):
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected_error)
    app.register_error_handler(Exception, handle_unexpected_error)
