"""flask import-words: add words from a JSON (seed format) or CSV file to a group."""

import csv
import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lib import db


class BadRow(ValueError):
    pass


def _check_word(word):
    """A word as stored, or BadRow saying what is wrong with it."""
    if not isinstance(word, dict):
        raise BadRow("is not an object with kanji, romaji and english")
    for key in ("kanji", "romaji", "english"):
        value = word.get(key)
        if not isinstance(value, str) or not value.strip():
            raise BadRow(f"{key} is missing or empty")
    parts = word.get("parts") or []
    if not isinstance(parts, list) or not all(
        isinstance(p, dict)
        and isinstance(p.get("kanji"), str)
        and isinstance(p.get("romaji"), list)
        and all(isinstance(r, str) for r in p["romaji"])
        for p in parts
    ):
        raise BadRow("parts must be a list of {kanji: string, romaji: [string, ...]}")
    return {key: word[key].strip() for key in ("kanji", "romaji", "english")} | {"parts": parts}


def read_words(path):
    """Read and check every word of the file; a bad row stops everything, naming the row."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        missing = {"kanji", "romaji", "english"} - set(reader.fieldnames or [])
        if missing:
            raise click.ClickException(f"{path}: the header row lacks {', '.join(sorted(missing))}.")
        rows = [(f"line {reader.line_num}", dict(row)) for row in reader]
    else:
        try:
            data = json.loads(text)
        except ValueError as e:
            raise click.ClickException(f"{path} is not valid JSON: {e}.") from None
        items = data.get("words") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise click.ClickException(f"{path}: expected a list of words or an object with a words list.")
        rows = [(f"word {i}", item) for i, item in enumerate(items)]
    words = []
    for where, row in rows:
        try:
            words.append(_check_word(row))
        except BadRow as e:
            raise click.ClickException(f"{path}, {where}: {e}. Nothing was imported.") from None
    return words


@click.command("import-words")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--group", "group_name", required=True, help="Group to add the words to (created if missing).")
def import_words_command(file, group_name):
    """Import words from FILE (JSON in the seed format, or CSV with kanji,romaji,english)."""
    words = read_words(file)
    conn = db.connect_app_db(current_app)
    try:
        db.migrate(conn)
        with db.transaction(conn), click.progressbar(words, label=f"Importing into {group_name}") as bar:
            added = db.add_words(conn, group_name, bar)
    finally:
        conn.close()
    click.echo(f"Imported {len(words)} words into {group_name!r} ({added} new).")


def init_app(app):
    app.cli.add_command(import_words_command)
