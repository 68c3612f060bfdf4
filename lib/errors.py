"""One error contract: every 4xx/5xx is {"error": "<sentence>"} (plus "details")."""

import logging

from flask import jsonify, request
from werkzeug.exceptions import BadRequest, Conflict, HTTPException, InternalServerError, ServiceUnavailable

from lib.engines import DATABASE_ERRORS, fault_of
from lib.engines.faults import Full

log = logging.getLogger(__name__)


class ValidationError(BadRequest):
    """A request body that failed validation; details maps field -> problem."""

    def __init__(self, details, description=None):
        fields = ", ".join(sorted(details))
        super().__init__(description or f"Fix these fields and send the request again: {fields}.")
        self.details = details


class FeedbackExists(Conflict):
    """A second feedback from the same reviewer on a session; the body names the first."""

    def __init__(self, session_id, review_id):
        super().__init__(
            f"Study session {session_id} already has a review from this reviewer "
            f"(review {review_id}); send PUT to the same path to change it."
        )
        self.extra = {"existing_review_id": review_id}


class Unavailable(ServiceUnavailable):
    """The database cannot serve this request now; Retry-After (unless None) says when to
    try again."""

    def __init__(self, description, retry_after=2):
        super().__init__(description, retry_after=retry_after)


class InsufficientStorage(HTTPException):
    code = 507
    description = "The disk holding the database is full."


def database_fault(e):
    """The HTTP error for an exception from the database, or None when it is not a fault
    of the database or its disk (then it is a bug: a 500)."""
    fault = fault_of(e)
    if fault is None:
        return None
    if isinstance(fault, Full):
        return InsufficientStorage(str(fault))
    return Unavailable(str(fault), retry_after=fault.retry_after)


def handle_database_error(e):
    fault = database_fault(e)
    if fault is None:
        return handle_unexpected_error(e)
    log.warning("%s %s: database fault: %s", request.method, request.path, e)
    return handle_http_error(fault)


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


def encodable(text):
    """text that always encodes as UTF-8: a lone surrogate (from a JSON escape such as
    "\\ud800" in a field name the message repeats) is written as its escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def handle_http_error(e):
    body = {"error": encodable(_rate_limit_sentence(e) if e.code == 429 else _sentence(e))}
    if getattr(e, "details", None):
        body["details"] = {encodable(field): encodable(problem) for field, problem in e.details.items()}
    body.update(getattr(e, "extra", {}))
    e.description = body["error"]  # Werkzeug renders it (as HTML we then replace); it must encode
    response = e.get_response()  # keeps headers such as Allow and Retry-After
    response.set_data(jsonify(body).get_data())
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
    for fault in DATABASE_ERRORS:
        app.register_error_handler(fault, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected_error)
