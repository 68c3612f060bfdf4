"""The command line: flask --app app init-db | seed | reset-history | check-db | import-words."""

import os
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext

from lib import clock, db, memory, review_files, schema, seed, word_files
from lib.domain import counters
from lib.errors import database_fault
from lib.learners import learning_day


@contextmanager
def cli_db(create=False, upgrade=True):
    """A connection for a command: the schema brought up to date (or only checked), and
    every expected failure reported as a one-line error with a non-zero exit."""
    try:
        conn = db.connect_app_db(current_app, create=create)
    except db.DATABASE_ERRORS as e:
        raise click.ClickException(
            f"Cannot open the database {db.describe(current_app.config['DATABASE'])}: {e}."
        ) from None
    try:
        if upgrade:
            schema.migrate(conn)
        else:
            schema.check_version(conn)
        yield conn
    except schema.SchemaTooNew as e:
        raise click.ClickException(str(e)) from None
    except db.DATABASE_ERRORS as e:
        fault = database_fault(e)  # a fault of the database or its disk, said as the API says it
        if fault is None:
            raise
        raise click.ClickException(fault.description) from None
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
            f"Database {db.describe(current_app.config['DATABASE'])} at schema version "
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
    """Run SQLite's integrity check (on SQLite) and recount every counter cache."""
    with cli_db(upgrade=False) as conn:
        problems = conn.engine.integrity_problems(conn)
        mismatches = counters.counter_mismatches(conn)
    if problems is not None:  # None: the database server checks its own pages
        click.echo(f"integrity_check: {'; '.join(problems) or 'ok'}")
    click.echo(f"counter caches: {'ok' if not mismatches else 'out of step: ' + ', '.join(mismatches)}")
    if problems or mismatches:
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


def _learner(conn, learner_id):
    learner = conn.execute(
        "SELECT id, timezone, day_start_hour, fsrs_parameters, desired_retention FROM learners WHERE id = ?",
        (learner_id,),
    ).fetchone()
    if learner is None:
        raise click.ClickException(f"There is no learner {learner_id}.")
    return learner


@click.command("reschedule")
@with_appcontext
@click.option("--learner", "learner_id", type=int, help="Only this learner (every learner without it).")
def reschedule_command(learner_id):
    """Rebuild memory states from the review log (what each answer made, one by one)."""
    with cli_db() as conn:
        ids = [learner_id] if learner_id else [r["id"] for r in conn.execute("SELECT id FROM learners ORDER BY id")]
        for each in ids:
            learner = _learner(conn, each)
            with db.transaction(conn):
                words = memory.rebuild(conn, learner)
            click.echo(f"Learner {each}: {words} words rescheduled.")


@click.command("import-reviews")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--learner", "learner_id", type=int, required=True, help="Whose answers these are.")
def import_reviews_command(file, learner_id):
    """Import a review log (CSV: word_id,grade,reviewed_at,duration_ms) as the learner's
    answers, and schedule from it. All or nothing: the first bad row is reported with its
    line and nothing is written. Each word's answers must come in time order, after the
    learner's answers to it already recorded."""
    with open(file, "rb") as f, cli_db(create=True) as conn:
        learner = _learner(conn, learner_id)
        try:
            with db.transaction(conn):
                imported = _import_reviews(conn, learner, review_files.reviews(word_files.Lines(f)))
        except word_files.BadInput as e:
            raise click.ClickException(f"{file}, {e}. Nothing was imported.") from None
    click.echo(f"Imported {imported} answers for learner {learner_id}.")


def _import_reviews(conn, learner, rows):
    """Insert each answer and move the memory on by it, one by one, in the caller's transaction."""
    latest = {}  # word id -> the time of the learner's latest answer to it
    count = 0
    for line, review in rows:
        word_id, moment = review["word_id"], review["reviewed_at"]
        if word_id not in latest:
            if conn.execute("SELECT 1 FROM words WHERE id = ?", (word_id,)).fetchone() is None:
                raise word_files.BadInput(f"line {line}: there is no word {word_id}")
            last = conn.execute(
                "SELECT max(created_at) AS at FROM word_review_items WHERE learner_id = ? AND word_id = ?",
                (learner["id"], word_id),
            ).fetchone()["at"]
            latest[word_id] = last or ""
        stamp = moment.strftime(clock.TIMESTAMP)
        if stamp < latest[word_id]:
            raise word_files.BadInput(
                f"line {line}: word {word_id} was answered at {latest[word_id]}, later than {stamp}; "
                "give each word's answers in time order, after those already recorded"
            )
        latest[word_id] = stamp
        day = learning_day(moment, learner["timezone"], learner["day_start_hour"])
        conn.execute(
            """
            INSERT INTO word_review_items
                (study_session_id, learner_id, word_id, correct, grade, duration_ms, created_at, learning_day)
            VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)
            """,
            (learner["id"], word_id, int(review["grade"] >= 2), review["grade"], review["duration_ms"], stamp, day),
        )
        memory.record(conn, learner, word_id, review["grade"], day)
        count += 1
    return count


def init_app(app):
    for command in (
        init_db_command,
        seed_command,
        reset_history_command,
        check_db_command,
        import_words_command,
        reschedule_command,
        import_reviews_command,
    ):
        app.cli.add_command(command)
