"""Text files line by line: read as strict UTF-8, counting lines for the messages, and
written as CSV lines."""

import csv
import io


class BadInput(ValueError):
    """A problem with the file; the message says where and what."""


class Lines:
    """A binary file's lines decoded as UTF-8, strictly, counting lines as they go.
    Splitting bytes at b"\\n" is safe in UTF-8: no multi-byte character contains it."""

    def __init__(self, f):
        self.f = f
        self.number = 0

    def __iter__(self):
        for raw in self.f:
            self.number += 1
            if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a UTF-8 byte order mark, as spreadsheet programs write
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise BadInput(f"line {self.number}: byte {e.start + 1} of the line is not UTF-8") from None


def csv_rows(reader, lines):
    """(line, row) for each row a csv reader makes of lines, its errors as BadInput naming
    the line the row began on (a quoted field may span several)."""
    while True:
        line = lines.number + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise BadInput(f"line {line}: {e}") from None
        yield line, row


def csv_line(values):
    """One CSV line (RFC 4180: quoted where needed, CRLF at its end)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()
