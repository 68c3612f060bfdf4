"""Reading and checking request input. Every problem becomes a message a person can act on."""

import functools
import json
import re
import zoneinfo

from flask import g, request
from werkzeug.exceptions import BadRequest

from lib.errors import ValidationError

MAX_ID = 2**63 - 1


class Invalid(ValueError):
    """A field's value is wrong; the message says what a right one looks like."""


def json_body(required=True):
    """The request body as a JSON object ({} when optional and absent), parsed once per
    request (the rate limiter looks at it before the view does). The content type was
    checked before the view (lib/bodies.py); the bytes must be UTF-8, as RFC 8259 asks
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
        raise BadRequest(f"The request body must be a JSON object, not {_json_type(body)}.")
    g.json_body = body
    return body


def brief(value, limit=40):
    """A value quoted for an error message, cut to limit characters."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value)} characters)"


def _reject_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _short(e):
    return str(e).split(":")[0] if isinstance(e, json.JSONDecodeError) else str(e) or type(e).__name__


def _json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def positive_id(value):
    """An id: an integer from 1 to 2^63-1 (booleans, floats and strings are refused)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"must be a positive integer id, not {_json_type(value)}")
    if not 1 <= value <= MAX_ID:
        raise Invalid("must be an integer from 1 to 9223372036854775807")
    return value


def answer(value):
    """Whether an answer was correct: true/false, or 1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise Invalid("must be true or false (or 1 or 0)")


def rating(value):
    """A rating: an integer from 1 to 5."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise Invalid("must be an integer from 1 to 5")
    return value


def text(max_length):
    """A reader for a string of at most max_length characters (null allowed)."""

    def read(value):
        if value is None:
            return None
        if not isinstance(value, str):
            raise Invalid(f"must be a string, not {_json_type(value)}")
        if _has_lone_surrogate(value):
            raise Invalid("must be valid Unicode text (it has a lone surrogate)")
        bad = first_control_character(value)
        if bad is not None:
            raise Invalid(f"must not contain control characters (found U+{ord(bad):04X}); tabs and newlines are fine")
        if len(value) > max_length:
            raise Invalid(f"must be at most {max_length} characters (got {len(value)})")
        return value

    return read


CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def first_control_character(value):
    """The first control character of value (NUL, ESC, DEL, C1...) other than a tab,
    line feed or carriage return; None when there is none."""
    found = CONTROL_CHARACTER.search(value)
    return found and found.group()


def _has_lone_surrogate(value):
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def fields(body, spec, prefix="", synonyms=()):
    """Check body's fields against spec {name: (reader, required)}; returns the values
    read (absent optional fields left out) or raises one ValidationError naming them all.
    A field that is neither in spec nor among synonyms is refused, so a typo is not lost."""
    values, details = {}, {}
    for name in body.keys() - spec.keys() - set(synonyms):
        details[prefix + name[:100]] = f"is not a field of this request (expected: {', '.join(spec)})"
    for name, (reader, required) in spec.items():
        if name not in body:
            if required:
                details[prefix + name] = "is required"
            continue
        try:
            values[name] = reader(body[name])
        except Invalid as e:
            details[prefix + name] = str(e)
    if details:
        raise ValidationError(details)
    return values


def time_zone(value):
    """An IANA time zone name, such as Asia/Tokyo or UTC."""
    if not isinstance(value, str) or value not in available_time_zones():
        shown = brief(value) if isinstance(value, str) else _json_type(value)
        raise Invalid(f"must be an IANA time zone name such as Asia/Tokyo or UTC, not {shown}")
    return value


@functools.cache
def available_time_zones():
    return frozenset(zoneinfo.available_timezones())
