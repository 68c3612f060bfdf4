"""The fields of a request body, each kind read and checked by one reader; every problem
becomes a message a person can act on, and fields() reports them all at once."""

import functools
import zoneinfo

from lib.domain import MAX_ID
from lib.domain.answers import MAX_DURATION_MS
from lib.domain.text import first_control_character, has_lone_surrogate
from lib.web.errors import ValidationError


class Invalid(ValueError):
    """A field's value is wrong; the message says what a right one looks like."""


def brief(value, limit=40):
    """A value quoted for an error message, cut to limit characters."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value)} characters)"


def json_type(value):
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
        raise Invalid(f"must be a positive integer id, not {json_type(value)}")
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


def optional_id(value):
    return None if value is None else positive_id(value)


def grade(value):
    """How well the word was recalled: 1 again, 2 hard, 3 good, 4 easy."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4:
        raise Invalid("must be an integer from 1 to 4 (1 again, 2 hard, 3 good, 4 easy)")
    return value


def duration_ms(value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DURATION_MS:
        raise Invalid(f"must be a whole number of milliseconds from 0 to {MAX_DURATION_MS}")
    return value


def hour(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 23:
        raise Invalid("must be an hour from 0 to 23 (the local hour at which a learning day begins)")
    return value


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
            raise Invalid(f"must be a string, not {json_type(value)}")
        if has_lone_surrogate(value):
            raise Invalid("must be valid Unicode text (it has a lone surrogate)")
        bad = first_control_character(value)
        if bad is not None:
            raise Invalid(f"must not contain control characters (found U+{ord(bad):04X}); tabs and newlines are fine")
        if len(value) > max_length:
            raise Invalid(f"must be at most {max_length} characters (got {len(value)})")
        return value

    return read


def name(max_length):
    """A reader for a name: text of 1 to max_length characters, not only spaces, trimmed."""
    read_text = text(max_length)

    def read(value):
        value = read_text(value)
        if value is None or not value.strip():
            raise Invalid(f"must be a name of 1 to {max_length} characters")
        return value.strip()

    return read


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
        shown = brief(value) if isinstance(value, str) else json_type(value)
        raise Invalid(f"must be an IANA time zone name such as Asia/Tokyo or UTC, not {shown}")
    return value


@functools.cache
def available_time_zones():
    return frozenset(zoneinfo.available_timezones())
