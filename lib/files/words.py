"""Word files: CSV (kanji,romaji,english[,parts][,groups], the columns the exports write) or
JSON (a list of words, or the seed format), for flask import-words. A file is read as a
stream, one line and one word at a time, so memory stays the same whatever its size, and
every word is checked as it is read; every problem names its line."""

import csv
import itertools
import json
import re
from pathlib import Path

from lib.domain.text import first_control_character, has_lone_surrogate
from lib.files.lines import BadInput, Lines, csv_line, csv_rows

CSV_COLUMNS = ("kanji", "romaji", "english")
GROUPS_COLUMN = "groups"  # a CSV column: the names of the word's groups, as a JSON array
READ_SIZE = 1 << 20  # characters of a JSON file read at a time
MAX_VALUE_SIZE = 1 << 20  # a word larger than this is an error, not a reason to read on
WHITESPACE = re.compile(r"[ \t\n\r]*")


def check_word(word):
    """A word as stored, or BadInput saying what is wrong with it."""
    if not isinstance(word, dict):
        raise BadInput("is not an object with kanji, romaji and english")
    unknown = set(word) - {*CSV_COLUMNS, "parts"}
    if unknown:
        raise BadInput(f"has fields this import does not know: {', '.join(sorted(unknown))}")
    for key in CSV_COLUMNS:
        value = word.get(key)
        if not isinstance(value, str) or not value.strip():
            raise BadInput(f"{key} is missing or empty")
        _check_text(key, value)
    parts = word.get("parts") or []
    if not isinstance(parts, list) or not all(
        isinstance(p, dict)
        and set(p) == {"kanji", "romaji"}
        and isinstance(p["kanji"], str)
        and isinstance(p["romaji"], list)
        and all(isinstance(r, str) for r in p["romaji"])
        for p in parts
    ):
        raise BadInput('parts must be a list of {"kanji": string, "romaji": [string, ...]}')
    for p in parts:
        for text in (p["kanji"], *p["romaji"]):
            _check_text("parts", text)
    return {key: word[key].strip() for key in CSV_COLUMNS} | {"parts": parts}


def _check_text(key, value):
    if has_lone_surrogate(value):
        raise BadInput(f"{key} has a lone surrogate (an escape such as \\ud800 that is no character)")
    bad = first_control_character(value)
    if bad is not None:
        raise BadInput(f"{key} has the control character U+{ord(bad):04X}")


def csv_words(lines):
    """(where, word, groups) for each row of a CSV file with a kanji,romaji,english header
    (and optional columns of JSON: parts, and groups, the names of the word's groups; groups
    is None without that column). A quoted field may hold line breaks."""
    reader = csv.DictReader(iter(lines), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as e:
        raise BadInput(f"line {lines.number}: {e}") from None
    missing = set(CSV_COLUMNS) - set(header)
    if missing:
        raise BadInput(f"line 1: the header row lacks {', '.join(sorted(missing))}")
    extra = set(header) - {*CSV_COLUMNS, "parts", GROUPS_COLUMN}
    if extra:
        raise BadInput(f"line 1: the header row has columns this import does not know: {', '.join(sorted(extra))}")
    for start, row in csv_rows(reader, lines):
        if None in row or None in row.values():
            raise BadInput(f"line {start}: the row has {'more' if None in row else 'fewer'} fields than the header")
        parts = row.get("parts")
        if parts:
            try:
                row["parts"] = json.loads(parts)
            except (ValueError, RecursionError) as e:
                raise BadInput(f"line {start}: parts is not valid JSON ({e})") from None
        groups = row.pop(GROUPS_COLUMN, None)
        if groups is not None:
            try:
                groups = check_groups(groups)
            except BadInput as e:
                raise BadInput(f"line {start}: {e}") from None
        yield f"line {start}", row, groups


def check_groups(cell):
    """The group names of a groups cell (a JSON array of non-empty strings), or BadInput."""
    if not cell.strip():
        raise BadInput("groups is empty (a word in no group has [])")
    try:
        names = json.loads(cell, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:
        raise BadInput(f"groups is not valid JSON ({e})") from None
    if not isinstance(names, list) or not all(isinstance(name, str) and name.strip() for name in names):
        raise BadInput('groups must be a JSON list of group names, such as ["Verbs", "JLPT N5"]')
    for name in names:
        _check_text("groups", name)
    return names


def check_group_name(name):
    """A group name given on its own (import-words --group): not blank, text; or BadInput."""
    if not name.strip():
        raise BadInput("the group's name is blank")
    _check_text("the group's name", name)
    return name


def csv_has_groups(path):
    """Whether the word file is CSV with a groups column in its header row."""
    if Path(path).suffix.lower() != ".csv":
        return False
    with open(path, "rb") as f:
        lines = Lines(f)
        try:
            header = next(csv.reader(iter(lines), strict=True), [])
        except csv.Error as e:
            raise BadInput(f"line {lines.number}: {e}") from None
    return GROUPS_COLUMN in header


class JsonArray:
    """The elements of a JSON array read from text lines without loading the whole file:
    the array at the top of the file, or under "words" in an object (the seed format).
    Each element is decoded by the standard library's decoder (ijson's C backend turns
    an escaped lone surrogate into "?" without a word, so it is not used here)."""

    def __init__(self, lines):
        self.chunks = iter(lines)
        self.buffer, self.pos = "", 0
        self.line = 1  # the line of self.pos
        self.decoder = json.JSONDecoder(parse_constant=_reject_constant)

    def _more(self):
        """Drop what was read, add about READ_SIZE characters; False at the end of the file."""
        self.buffer, self.pos = self.buffer[self.pos :], 0
        read, size = [], 0
        for line in self.chunks:
            read.append(line)
            size += len(line)
            if size >= READ_SIZE:
                break
        self.buffer += "".join(read)
        return bool(read)

    def _advance(self, end):
        self.line += self.buffer.count("\n", self.pos, end)
        self.pos = end

    def _peek(self):
        """The next character that is not white space ('' at the end of the file)."""
        while True:
            self._advance(WHITESPACE.match(self.buffer, self.pos).end())
            if self.pos < len(self.buffer) or not self._more():
                return self.buffer[self.pos : self.pos + 1]

    def _expect(self, char):
        found = self._peek()
        if found != char:
            raise BadInput(f"line {self.line}: expected {char!r} in the JSON, found {found or 'the end of the file'!r}")
        self.pos += 1

    def _value(self):
        """Decode the next JSON value, reading more of the file while it is incomplete."""
        self._peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except (ValueError, RecursionError) as e:
                lineno = getattr(e, "lineno", None)  # counted from the buffer's start
                line = self.line if lineno is None else self.line + lineno - 1 - self.buffer.count("\n", 0, self.pos)
                if len(self.buffer) - self.pos < MAX_VALUE_SIZE and self._more():
                    continue  # the buffer ended inside the value: read on and decode again
                raise BadInput(f"line {line}: not valid JSON ({str(e).split(':')[0]})") from None
            self._advance(end)
            return value

    def words(self):
        """(where, element) for each element of the words array."""
        if self._peek() == "{":
            self.pos += 1
            while self._peek() != "}":
                key = self._value()
                self._expect(":")
                if key == "words":
                    break
                self._value()  # the group name, or another field: not needed here
                if self._peek() != "}":
                    self._expect(",")
            else:
                raise BadInput(f"line {self.line}: the JSON object has no words list")
        if self._peek() != "[":
            raise BadInput(f"line {self.line}: expected a list of words or an object with a words list")
        self.pos += 1
        if self._peek() == "]":
            return
        for index in itertools.count():
            self._peek()
            yield f"word {index} (line {self.line})", self._value()
            if self._peek() == "]":
                return
            self._expect(",")


def _reject_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def read_words(path, lines):
    """Each checked word of the file, as it is read, with "groups" (its groups' names) when
    the file is CSV with that column; a BadInput names the first bad one."""
    if Path(path).suffix.lower() == ".csv":
        rows = csv_words(lines)
    else:
        rows = ((where, row, None) for where, row in JsonArray(lines).words())
    for where, row, groups in rows:
        try:
            word = check_word(row)
        except BadInput as e:
            raise BadInput(f"{where}: the word {e}") from None
        yield word if groups is None else word | {"groups": groups}


CSV_HEADER = (*CSV_COLUMNS, "parts")


def csv_lines(words, with_groups=False):
    """A word file in CSV, line by line, from rows {kanji, romaji, english, parts (JSON
    text)}; with_groups, a groups column too, from each row's groups (a list of names)."""
    yield csv_line((*CSV_HEADER, GROUPS_COLUMN) if with_groups else CSV_HEADER)
    for word in words:
        values = (word["kanji"], word["romaji"], word["english"], word["parts"])
        if with_groups:
            values += (json.dumps(word["groups"], ensure_ascii=False),)
        yield csv_line(values)
