"""The command line: flask --app app init-db | seed | reset-history | check-db | import-words."""

import os
import sqlite3
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext

from lib import checks, db, schema, seed, word_files


@contextmanager
def cli_db(create=False, upgrade=True):
    """A connection for a command: the schema brought up to date (or only checked), and
    every expected failure reported as a one-line error with a non-zero exit."""
    try:
        conn = db.connect_app_db(current_app, create=create)
    except sqlite3.OperationalError as e:
        raise click.ClickException(f"Cannot open the database {current_app.config['DATABASE']}: {e}.") from None
    try:
        if upgrade:
            schema.migrate(conn)
        else:
            schema.check_version(conn)
        yield conn
    except schema.SchemaTooNew as e:
        raise click.ClickException(str(e)) from None
    finally:
        conn.close()


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the schema, and seed an empty database."""
    with cli_db(create=True, upgrade=False) as conn:
        before = schema.version(conn)
        seed.init_db(conn, current_app.config["SEED_DIR"])
        words = conn.execute("SELECT count(*) AS n FROM words").fetchone()["n"]
        click.echo(
            f"Database {current_app.config['DATABASE']} at schema version "
            f"{schema.version(conn)} (was {before}); {words} words."
        )


@click.command("seed")
@with_appcontext
def seed_command():
    """Load the seed data (idempotent)."""
    with cli_db(create=True) as conn, db.transaction(conn):
        added = seed.load_rows(conn, current_app.config["SEED_DIR"])
    click.echo(f"Seeded: {added} new words.")


@click.command("reset-history")
@with_appcontext
def reset_history_command():
    """Delete every study session, word review and feedback review."""
    with cli_db() as conn, db.transaction(conn):
        seed.clear_history(conn)
    click.echo("Study history cleared; words, groups and activities kept.")


@click.command("check-db")
@with_appcontext
def check_db_command():
    """Run SQLite's integrity check and recount every counter cache."""
    with cli_db(upgrade=False) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()["integrity_check"]
        mismatches = checks.counter_mismatches(conn)
    click.echo(f"integrity_check: {integrity}")
    click.echo(f"counter caches: {'ok' if not mismatches else 'out of step: ' + ', '.join(mismatches)}")
    if integrity != "ok" or mismatches:
        raise SystemExit(1)


@click.command("import-words")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--group", "group_name", required=True, help="Group to add the words to (created if missing).")
def import_words_command(file, group_name):
    """Import words from FILE (JSON in the seed format, or CSV with kanji,romaji,english[,parts]).
    All or nothing: the first bad word is reported with its line and nothing is written."""
    with open(file, "rb") as f, cli_db(create=True) as conn:
        lines = word_files.Lines(f)
        try:
            with (
                db.transaction(conn),
                click.progressbar(length=os.path.getsize(file), label=f"Importing into {group_name}") as bar,
            ):
                words = _with_progress(word_files.read_words(file, lines), f, bar)
                total, added = seed.add_words(conn, group_name, words)
        except word_files.BadInput as e:
            raise click.ClickException(f"{file}, {e}. Nothing was imported.") from None
    click.echo(f"Imported {total} words into {group_name!r} ({added} new).")


def _with_progress(words, f, bar):
    """The words, moving the progress bar to the file position now and then."""
    done = 0
    for i, word in enumerate(words):
        if i % 4096 == 0:
            bar.update(f.tell() - done)
            done = f.tell()
        yield word


def init_app(app):
    for command in (init_db_command, seed_command, reset_history_command, check_db_command, import_words_command):
        app.cli.add_command(command)
