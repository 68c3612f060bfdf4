"""Exports: a group's words as CSV (import-words reads it back) and as an Anki deck, and a
learner's answers as a review log (ours, or py-fsrs's columns) and as xAPI statements."""

import csv
import hashlib
import io
import json
import sqlite3
import tempfile
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import genanki
from flask import Blueprint, Response, request, stream_with_context
from werkzeug.exceptions import BadRequest

from lib.clock import TIMESTAMP
from lib.db import get_db, one_or_404, query
from lib.learners import get_learner, requested_learner
from lib.listing import int_arg
from lib.validation import brief

bp = Blueprint("exports", __name__, url_prefix="/api")

CHUNK = 1000  # rows read at a time by a streamed export


def _csv_line(values):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


def _stream_csv(header, rows, filename):
    """A CSV download made as it is sent: the header, then each row."""

    def lines():
        yield _csv_line(header)
        for row in rows:
            yield _csv_line(row)

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _chunks(sql, params):
    """The rows of a query, read CHUNK at a time from one statement (one consistent snapshot)."""
    return get_db().stream(sql, params, CHUNK)


def _group(group_id):
    return one_or_404("SELECT id, name FROM groups WHERE id = ?", (group_id,), f"Group {group_id} not found.")


# --- words ---------------------------------------------------------------------------------

# A group's words by id, with the columns each export needs.
GROUP_WORDS = """
    SELECT {columns}
    FROM word_groups AS wg
    JOIN words AS w ON w.id = wg.word_id
    WHERE wg.group_id = ?
    ORDER BY w.id
"""


@bp.get("/groups/<id:group_id>/export.csv")
def export_group_csv(group_id):
    """The group's words as kanji,romaji,english,parts (parts as JSON), by id:
    flask import-words FILE --group NAME reads it back."""
    group = _group(group_id)
    rows = _chunks(GROUP_WORDS.format(columns="w.kanji, w.romaji, w.english, w.parts"), (group_id,))
    values = ((r["kanji"], r["romaji"], r["english"], r["parts"]) for r in rows)
    return _stream_csv(("kanji", "romaji", "english", "parts"), values, f"{_file_name(group['name'])}.csv")


def _file_name(name):
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_") or "group"


# --- the Anki deck ---------------------------------------------------------------------------

ANKI_TIMESTAMP = 1_767_225_600  # 2026-01-01: fixed, so that the same words give the same bytes
ANKI_CSS = ".card { font-family: sans-serif; font-size: 28px; text-align: center; }"


def _stable_id(kind, group_id):
    """A 63-bit id for the group's deck or note type, the same on every export."""
    digest = hashlib.sha256(f"lang-portal {kind} {group_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 2 | 1 << 40


def _anki_package(group, words):
    model = genanki.Model(
        _stable_id("model", group["id"]),
        f"lang-portal word ({group['name']})",
        fields=[{"name": "Japanese"}, {"name": "Reading"}, {"name": "English"}],
        templates=[
            {
                "name": "Recognise",
                "qfmt": "{{Japanese}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Reading}}<br>{{English}}',
            }
        ],
        css=ANKI_CSS,
    )
    deck = genanki.Deck(_stable_id("deck", group["id"]), f"lang-portal::{group['name']}")
    for word in words:
        deck.add_note(
            genanki.Note(
                model=model,
                fields=[word["kanji"], word["romaji"], word["english"]],
                guid=genanki.guid_for("lang-portal word", word["id"]),
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        collection = Path(tmp) / "collection.anki2"
        conn = sqlite3.connect(collection)
        genanki.Package(deck).write_to_db(conn.cursor(), ANKI_TIMESTAMP, iter(range(ANKI_TIMESTAMP * 1000, 2**62)))
        conn.commit()
        conn.close()
        package = io.BytesIO()
        with zipfile.ZipFile(package, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in (("collection.anki2", collection.read_bytes()), ("media", b"{}")):
                entry = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, data)
    return package.getvalue()


@bp.get("/groups/<id:group_id>/export.apkg")
def export_group_anki(group_id):
    """The group as an Anki deck: a note per word (Japanese, Reading, English), the deck's
    and the note type's ids fixed per group and each note's guid made from the word's id,
    so importing a newer export adds the new words and duplicates none; the same words
    give the same bytes."""
    group = _group(group_id)
    words = query(GROUP_WORDS.format(columns="w.id, w.kanji, w.romaji, w.english"), (group_id,))
    return Response(
        _anki_package(group, words),
        mimetype="application/apkg",
        headers={"Content-Disposition": f'attachment; filename="{_file_name(group["name"])}.apkg"'},
    )


# --- the review log --------------------------------------------------------------------------

REVIEW_LOG_FORMATS = {
    # format: (header, SQL select list) -- ours is what flask import-reviews reads
    "lang-portal": (
        ("word_id", "grade", "reviewed_at", "duration_ms"),
        "word_id, grade, created_at, duration_ms",
    ),
    "fsrs": (
        ("card_id", "review_rating", "review_time", "review_duration"),
        "word_id, grade, replace(created_at, 'Z', '+00:00'), duration_ms",
    ),
}


@bp.get("/learners/<id:learner_id>/reviews.csv")
def export_review_log(learner_id):
    """Every answer of the learner, oldest first, one row each; ?format=fsrs gives py-fsrs's
    column names (card_id is the word's id). Streamed: a million answers cost the memory
    of a thousand."""
    get_learner(learner_id)
    name = request.args.get("format", "lang-portal")
    if name not in REVIEW_LOG_FORMATS:
        raise BadRequest(f"Query parameter format must be one of {', '.join(REVIEW_LOG_FORMATS)}, not {brief(name)}.")
    header, columns = REVIEW_LOG_FORMATS[name]
    rows = _chunks(f"SELECT {columns} FROM word_review_items WHERE learner_id = ? ORDER BY id", (learner_id,))
    values = (tuple("" if value is None else value for value in row.values()) for row in rows)
    return _stream_csv(header, values, f"learner-{learner_id}-reviews{'-fsrs' if name == 'fsrs' else ''}.csv")


# --- xAPI -----------------------------------------------------------------------------------

XAPI_VERSION = "1.0.3"
STATEMENTS = uuid.UUID("a1f2b3c4-0000-5000-8000-6c616e67706f")  # namespace of this server's statement ids
DEFAULT_STATEMENTS, MAX_STATEMENTS = 100, 500


def _duration(ms):
    """An ISO 8601 duration (PT1.25S) from milliseconds."""
    seconds = ms / 1000
    return f"PT{seconds:.3f}".rstrip("0").rstrip(".") + "S"


def _statement(row, learner, home):
    """One answer as an xAPI 1.0.3 statement."""
    result = {"success": bool(row["correct"]), "extensions": {f"{home}/xapi/grade": row["grade"]}}
    if row["duration_ms"] is not None:
        result["duration"] = _duration(row["duration_ms"])
    if row["response"] is not None:
        result["response"] = row["response"]
    statement = {
        "id": str(uuid.uuid5(STATEMENTS, f"{home}/answers/{row['id']}")),
        "actor": {
            "objectType": "Agent",
            "name": learner["name"],
            "account": {"homePage": home, "name": str(learner["id"])},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": f"{home}/api/words/{row['word_id']}",
            "definition": {
                "name": {"ja": row["kanji"], "en-US": row["english"]},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "fill-in",
                "correctResponsesPattern": [row["romaji"]],
            },
        },
        "result": result,
        "timestamp": row["created_at"],
        "version": XAPI_VERSION,
    }
    context = {"platform": "lang-portal", "language": "ja"}
    if row["study_session_id"] is not None:
        context["registration"] = str(uuid.uuid5(STATEMENTS, f"{home}/study_sessions/{row['study_session_id']}"))
    statement["context"] = context
    return statement


def _since():
    raw = request.args.get("since")
    if raw is None:
        return ""
    try:
        moment = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))  # RFC 3339 allows t and z
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadRequest(f"Query parameter since must be an RFC 3339 time with its offset, not {brief(raw)}.")
    return moment.astimezone(UTC).strftime(TIMESTAMP)


@bp.get("/xapi/statements")
def xapi_statements():
    """The learner's answers as xAPI statements, newest first, limit at a time; more is the
    URL of the next page ("" on the last)."""
    learner = requested_learner()
    since = _since()
    limit = int_arg("limit", DEFAULT_STATEMENTS, MAX_STATEMENTS)
    before = int_arg("before", None)
    rows = query(
        f"""
        SELECT r.id, r.study_session_id, r.word_id, r.correct, r.grade, r.duration_ms, r.response, r.created_at,
            w.kanji, w.romaji, w.english
        FROM word_review_items AS r
        JOIN words AS w ON w.id = r.word_id
        WHERE r.learner_id = ? AND r.created_at > ? {"AND r.id < ?" if before else ""}
        ORDER BY r.id DESC
        LIMIT ?
        """,
        (learner["id"], since, *((before,) if before else ()), limit + 1),
    )
    home = request.host_url.rstrip("/")
    statements = [_statement(row, learner, home) for row in rows[:limit]]
    more = ""
    if len(rows) > limit:
        query_string = f"learner_id={learner['id']}&limit={limit}&before={rows[limit - 1]['id']}"
        if since:
            query_string += f"&since={since}"
        more = f"/api/xapi/statements?{query_string}"
    response = Response(json.dumps({"statements": statements, "more": more}), mimetype="application/json")
    response.headers["X-Experience-API-Version"] = XAPI_VERSION
    return response
