"""One error contract: every 4xx/5xx is {"error": "<sentence>"} (plus "details"). The rules'
refusals (lib/domain/errors.py) and the database's faults (lib/engines/faults.py) are
answered here, each kind with one status."""

import logging

from flask import jsonify, request
from werkzeug.exceptions import (
    BadRequest,
    Conflict,
    HTTPException,
    InternalServerError,
    NotFound,
    ServiceUnavailable,
    UnprocessableEntity,
)

from lib import db
from lib.domain import errors as domain

log = logging.getLogger(__name__)


class ValidationError(BadRequest):
    """A request body that failed validation; details maps field -> problem."""

    def __init__(self, details, description=None):
        fields = ", ".join(sorted(details))
        super().__init__(description or f"Fix these fields and send the request again: {fields}.")
        self.details = details


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
    fault = db.fault_of(e)
    if fault is None:
        return None
    if isinstance(fault, db.faults.Full):
        return InsufficientStorage(str(fault))
    return Unavailable(str(fault), retry_after=fault.retry_after)


def handle_database_error(e):
    fault = database_fault(e)
    if fault is None:
        return handle_unexpected_error(e)
    log.warning("%s %s: database fault: %s", request.method, request.path, e)
    return handle_http_error(fault)


DOMAIN_STATUS = {domain.NotFound: NotFound, domain.Conflict: Conflict, domain.Unprocessable: UnprocessableEntity}


def handle_domain_error(e):
    """A rule's refusal, answered with its kind's status and its sentence."""
    if isinstance(e, domain.Busy):
        return handle_http_error(Unavailable(str(e), retry_after=e.retry_after))
    status = next(status for kind, status in DOMAIN_STATUS.items() if isinstance(e, kind))
    error = status(str(e))
    error.extra = e.extra
    return handle_http_error(error)


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
    return f"Too many requests of this kind from your account or address (limit: {e.description}); wait for Retry-After seconds."


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
    app.register_error_handler(domain.DomainError, handle_domain_error)
    for fault in db.DATABASE_ERRORS:
        app.register_error_handler(fault, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected_error)
