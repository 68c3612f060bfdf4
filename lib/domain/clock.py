"""Time as the API stores and returns it. Everything asks now() for the time, so that a
test can say what time it is."""

from datetime import UTC, datetime, timedelta

TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"  # RFC 3339, UTC, with a Z, to the second


def now():
    """The current time, in UTC."""
    return datetime.now(UTC)


def utc_now():
    """The current time as stored and returned everywhere."""
    return now().strftime(TIMESTAMP)


def ago(**delta):
    """The time that long before now (timedelta's arguments), as stored."""
    return (now() - timedelta(**delta)).strftime(TIMESTAMP)


def parse(stored):
    """A time as stored, as an aware datetime."""
    return datetime.strptime(stored, TIMESTAMP).replace(tzinfo=UTC)
