"""Time as the API stores and returns it."""

from datetime import UTC, datetime


def utc_now():
    """The current time as stored and returned everywhere: RFC 3339, UTC, with a Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
