"""Review logs: CSV with the header word_id,grade,reviewed_at,duration_ms (times RFC 3339,
duration_ms may be empty), read as a stream for flask import-reviews, every problem named by
line; and written in those columns or in py-fsrs's."""

import csv
from datetime import UTC, datetime

from lib.domain import MAX_ID
from lib.domain.answers import MAX_DURATION_MS
from lib.files.lines import BadInput, csv_line, csv_rows

COLUMNS = ("word_id", "grade", "reviewed_at", "duration_ms")
# The columns of each format written; card_id is the word's id. Ours is what import-reviews reads.
FORMATS = {
    "lang-portal": COLUMNS,
    "fsrs": ("card_id", "review_rating", "review_time", "review_duration"),
}


def _integer(text, name, low, high):
    if not text.isascii() or not text.isdigit() or len(text) > 19 or not low <= int(text) <= high:
        raise BadInput(f"{name} must be a whole number from {low} to {high}, not {text[:40]!r}")
    return int(text)


def _moment(text):
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadInput(
            f"reviewed_at must be an RFC 3339 time with its offset (2024-03-29T20:32:32Z), not {text[:40]!r}"
        )
    return moment.astimezone(UTC)


def reviews(lines):
    """(line, {word_id, grade, reviewed_at (UTC datetime), duration_ms}) for each row."""
    reader = csv.reader(iter(lines), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise BadInput(f"line 1: {e}") from None
    if header is None or [name.strip() for name in header] != list(COLUMNS):
        raise BadInput(f"line 1: the header must be {','.join(COLUMNS)}")
    for line, row in csv_rows(reader, lines):
        if len(row) != len(COLUMNS):
            raise BadInput(f"line {line}: the row has {len(row)} fields, not {len(COLUMNS)}")
        word_id, grade, reviewed_at, duration = (field.strip() for field in row)
        try:
            yield (
                line,
                {
                    "word_id": _integer(word_id, "word_id", 1, MAX_ID),
                    "grade": _integer(grade, "grade", 1, 4),
                    "reviewed_at": _moment(reviewed_at),
                    "duration_ms": _integer(duration, "duration_ms", 0, MAX_DURATION_MS) if duration else None,
                },
            )
        except BadInput as e:
            raise BadInput(f"line {line}: {e}") from None


def csv_lines(answers, format_name):
    """A review log in the format's columns, line by line, from rows {word_id, grade,
    created_at, duration_ms}; py-fsrs's times say +00:00 where ours say Z."""
    yield csv_line(FORMATS[format_name])
    fsrs = format_name == "fsrs"
    for answer in answers:
        at = answer["created_at"].replace("Z", "+00:00") if fsrs else answer["created_at"]
        duration = answer["duration_ms"]
        yield csv_line((answer["word_id"], answer["grade"], at, "" if duration is None else duration))
