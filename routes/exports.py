"""Exports: every word with its groups, and a group's words, as CSV (import-words reads both
back), a group as an Anki deck, and a learner's answers as a review log (ours, or py-fsrs's
columns) and as xAPI statements."""

import json

from flask import Blueprint, Response, current_app

from lib.db import get_db
from lib.domain import answers, groups, learners, words
from lib.files import anki, review_logs, xapi
from lib.files import words as word_files
from lib.web import downloads, query, ratelimit
from lib.web.access import LEARNER_IN_PATH, LEARNER_IN_QUERY, SIGNED_IN, allow
from lib.web.ratelimit import limited

bp = Blueprint("exports", __name__, url_prefix="/api")

DEFAULT_STATEMENTS, MAX_STATEMENTS = 100, 500


@bp.get("/words/export.csv")
@allow(SIGNED_IN)
@limited(lambda: ratelimit.HISTORY)
def export_words_csv():
    """Every word as kanji,romaji,english,parts,groups (parts and the groups' names as JSON),
    by id: flask import-words FILE reads it back, each word into its groups. Streamed."""
    lines = word_files.csv_lines(words.every_with_groups(get_db()), with_groups=True)
    return downloads.streamed(lines, "text/csv", "words.csv")


@bp.get("/groups/<id:group_id>/export.csv")
@allow(SIGNED_IN)
def export_group_csv(group_id):
    """The group's words as kanji,romaji,english,parts (parts as JSON), by id:
    flask import-words FILE --group NAME reads it back."""
    group = groups.get(get_db(), group_id)
    lines = word_files.csv_lines(words.of_group(get_db(), group_id))
    return downloads.streamed(lines, "text/csv", f"{downloads.file_name(group['group_name'])}.csv")


@bp.get("/groups/<id:group_id>/export.apkg")
@allow(SIGNED_IN)
def export_group_anki(group_id):
    """The group as an Anki deck (lib/files/anki.py): the same words give the same bytes."""
    group = groups.get(get_db(), group_id)
    package = anki.package(group_id, group["group_name"], list(words.of_group(get_db(), group_id)))
    return downloads.whole(package, "application/apkg", f"{downloads.file_name(group['group_name'])}.apkg")


@bp.get("/learners/<id:learner_id>/reviews.csv")
@allow(LEARNER_IN_PATH)
@limited(lambda: ratelimit.HISTORY)
def export_review_log(learner_id):
    """Every answer of the learner, oldest first, one row each; ?format=fsrs gives py-fsrs's
    column names. Streamed: a million answers cost the memory of a thousand."""
    learners.get(get_db(), learner_id)
    name = query.choice("format", tuple(review_logs.FORMATS), "lang-portal")
    lines = review_logs.csv_lines(answers.every(get_db(), learner_id), name)
    suffix = "-fsrs" if name == "fsrs" else ""
    return downloads.streamed(lines, "text/csv", f"learner-{learner_id}-reviews{suffix}.csv")


@bp.get("/xapi/statements")
@allow(LEARNER_IN_QUERY)
def xapi_statements():
    """The learner's answers as xAPI statements, newest first, limit at a time; more is the
    URL of the next page ("" on the last)."""
    learner = query.learner()
    since = query.since()
    limit = query.int_arg("limit", DEFAULT_STATEMENTS, MAX_STATEMENTS)
    before = query.int_arg("before", None)
    rows = answers.newest(get_db(), learner["id"], limit + 1, since, before)
    home = current_app.config["PUBLIC_URL"]  # never the request's Host: one learner, one identity
    statements = [xapi.statement(row, learner, home) for row in rows[:limit]]
    more = ""
    if len(rows) > limit:
        query_string = f"learner_id={learner['id']}&limit={limit}&before={rows[limit - 1]['id']}"
        if since:
            query_string += f"&since={since}"
        more = f"/api/xapi/statements?{query_string}"
    response = Response(json.dumps({"statements": statements, "more": more}), mimetype="application/json")
    response.headers["X-Experience-API-Version"] = xapi.XAPI_VERSION
    return response
