"""The command line: flask --app app init-db | seed | reset-history | check-db | import-words
| reschedule | optimize | import-reviews | backup | backups | restore, and the accounts of a
class deployment: create-class | create-account | set-password | disable-account |
revoke-tokens. Each command calls the same rules (lib/domain/) as the routes, and says what
failed in one line with a non-zero exit."""

import os
import sys
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext

from lib import backups, db, schema, worker
from lib.domain import accounts, answers, counters, learners, memory, resets, schedules, vocabulary
from lib.domain import seed as seeding
from lib.domain.errors import DomainError
from lib.files import review_logs, seed, words
from lib.files.lines import BadInput, Lines


@contextmanager
def cli_db(create=False, upgrade=True, backup_before=None):
    """A connection for a command: the schema brought up to date (a backup taken first
    when there is something to apply), then with backup_before (a reason) a backup of the
    database as it is, and every expected failure reported as a one-line error with a
    non-zero exit."""
    try:
        conn = db.connect_app_db(current_app, create=create)
    except db.DATABASE_ERRORS as e:
        raise click.ClickException(
            f"Cannot open the database {db.describe(current_app.config['DATABASE'])}: {e}."
        ) from None
    try:
        if upgrade:
            schema.migrate(conn, before=lambda: _backup("before-migration"))
        else:
            schema.check_version(conn)
        if backup_before is not None and schema.version(conn) > 0:
            _backup(backup_before)
        yield conn
    except (schema.SchemaTooNew, backups.BackupFailed) as e:
        raise click.ClickException(str(e)) from None
    except db.DATABASE_ERRORS as e:
        fault = db.fault_of(e)  # a fault of the database or its disk, said as the API says it
        if fault is None:
            raise
        raise click.ClickException(str(fault)) from None
    finally:
        conn.close()


def _backup(reason):
    made = backups.take(current_app.config, reason)
    click.echo(f"Backup taken first: {made['path']}")
    return made


def _seed_data():
    return seed.read(current_app.config["SEED_DIR"])


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the schema, and seed an empty database."""
    with cli_db(create=True, upgrade=False) as conn:
        before = schema.version(conn)
        seeding.prepare(conn, _seed_data(), before_migration=lambda: _backup("before-migration"))
        count = conn.scalar("SELECT count(*) FROM words")
        click.echo(
            f"Database {db.describe(current_app.config['DATABASE'])} at schema version "
            f"{schema.version(conn)} (was {before}); {count} words."
        )


@click.command("seed")
@with_appcontext
def seed_command():
    """Load the seed data (idempotent)."""
    seed_data = _seed_data()
    with cli_db(create=True) as conn, conn.transaction():
        added = seeding.load(conn, seed_data)
    click.echo(f"Seeded: {added} new words.")


@click.command("reset-history")
@with_appcontext
def reset_history_command():
    """Delete every study session, word review and feedback review."""
    with cli_db() as conn, conn.transaction(alone=True):
        resets.clear_history(conn, backup=lambda: _backup("before-reset-history"))
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
@click.option(
    "--group",
    "group_name",
    help="Group to add every word to (created if missing); needed unless FILE has a groups column.",
)
def import_words_command(file, group_name):
    """Import words from FILE (JSON in the seed format, or CSV with kanji,romaji,english[,parts]
    [,groups]). A groups column puts each word in the groups it names (created if missing),
    and in --group too when it is given. All or nothing: the first bad word is reported with
    its line and nothing is written."""
    if group_name is not None:
        try:
            words.check_group_name(group_name)
        except BadInput as e:
            raise click.UsageError(f"--group: {e}. Nothing was imported.") from None
    try:
        has_groups = words.csv_has_groups(file)
    except BadInput as e:
        raise click.ClickException(f"{file}, {e}. Nothing was imported.") from None
    if group_name is None and not has_groups:
        raise click.UsageError(
            f"{file} has no groups column: name the group to import into with --group NAME. Nothing was imported."
        )
    into = " and ".join(
        ([] if group_name is None else [repr(group_name)]) + (["the file's groups"] if has_groups else [])
    )
    with open(file, "rb") as f, cli_db(create=True, backup_before="before-import-words") as conn:
        lines = Lines(f)
        try:
            with (
                conn.transaction(),
                click.progressbar(length=os.path.getsize(file), label=f"Importing into {into}") as bar,
            ):
                read = _with_progress(words.read_words(file, lines), f, bar)
                total, added = vocabulary.add_words(conn, group_name, read)
        except BadInput as e:
            raise click.ClickException(f"{file}, {e}. Nothing was imported.") from None
    click.echo(f"Imported {total} words into {into} ({added} new).")


def _with_progress(items, f, bar):
    """The items, moving the progress bar to the file position now and then."""
    done = 0
    for i, item in enumerate(items):
        if i % 4096 == 0:
            bar.update(f.tell() - done)
            done = f.tell()
        yield item


def _learner(conn, learner_id):
    try:
        return learners.get(conn, learner_id)
    except DomainError:
        raise click.ClickException(f"There is no learner {learner_id}.") from None


@click.command("reschedule")
@with_appcontext
@click.option("--learner", "learner_id", type=int, help="Only this learner (every learner without it).")
def reschedule_command(learner_id):
    """Rebuild memory states from the review log (what each answer made, one by one)."""
    with cli_db() as conn:
        ids = [learner_id] if learner_id else [r["id"] for r in conn.rows("SELECT id FROM learners ORDER BY id")]
        for each in ids:
            learner = _learner(conn, each)
            with conn.transaction():
                count = memory.rebuild(conn, learner)
            click.echo(f"Learner {each}: {count} words rescheduled.")


@click.command("optimize")
@with_appcontext
@click.option("--learner", "learner_id", type=int, required=True, help="Whose parameters to fit.")
def optimize_command(learner_id):
    """Fit the learner's FSRS parameters to their answers, store them and reschedule every
    word: what POST /api/learners/:id/schedule/optimize does, in the foreground."""
    with cli_db() as conn:
        learner = _learner(conn, learner_id)
        try:
            with click.progressbar(length=1000, label=f"Fitting learner {learner_id}") as bar:

                def progress(done):
                    bar.update(int(done * 1000) - bar.pos)

                fitted, previous, log = schedules.fit(conn, learner, progress=progress)
                bar.update(1000 - bar.pos)
            result = schedules.store(conn, learner, fitted, log, previous)
        except DomainError as e:
            raise click.ClickException(str(e)) from None
    after = result["evaluation"]
    click.echo(
        f"Learner {learner_id}: log loss {previous['log_loss']:.4f} -> {after['log_loss']:.4f}, "
        f"RMSE(bins) {previous['rmse_bins']:.4f} -> {after['rmse_bins']:.4f} over {after['reviews']} answers; "
        "parameters stored and every word rescheduled."
    )


@click.command("run-job", hidden=True)
@with_appcontext
@click.argument("job_id", type=int)
@click.option("--owner", required=True)
@click.option("--parent", type=int, help="the serving process that started it: the job ends with it")
def run_job_command(job_id, owner, parent):
    """Run a job a worker has taken (lib/worker.py starts this in a process of its own)."""
    if parent is not None:
        worker.die_with_parent(parent)
    os.nice(19)  # the serving processes' requests come first for the cores
    conn = db.connect_app_db(current_app)
    try:
        job = conn.row(
            "SELECT id, kind, learner_id FROM jobs WHERE id = ? AND owner = ? AND state = 'running'", (job_id, owner)
        )
        if job is not None:
            worker.Worker(current_app._get_current_object(), owner=owner).run(conn, job)
    finally:
        conn.close()


@click.command("import-reviews")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--learner", "learner_id", type=int, required=True, help="Whose answers these are.")
def import_reviews_command(file, learner_id):
    """Import a review log (CSV: word_id,grade,reviewed_at,duration_ms) as the learner's
    answers, and schedule from it. All or nothing: the first bad row is reported with its
    line and nothing is written. Each word's answers must come in time order, after the
    learner's answers to it already recorded."""
    with open(file, "rb") as f, cli_db(create=True, backup_before="before-import-reviews") as conn:
        learner = _learner(conn, learner_id)
        try:
            with conn.transaction():
                rows = ((f"line {line}", review) for line, review in review_logs.reviews(Lines(f)))
                imported = answers.import_log(conn, learner, rows)
        except (BadInput, DomainError) as e:
            raise click.ClickException(f"{file}, {e}. Nothing was imported.") from None
    click.echo(f"Imported {imported} answers for learner {learner_id}.")


# --- backups (docs/operations.md, Backups) ------------------------------------------------


@click.command("backup")
@with_appcontext
@click.option(
    "--to", "to", type=click.Path(file_okay=False), help="Directory to write it to (default: the backup directory)."
)
def backup_command(to):
    """Back the database up, consistently, while servers write (kept until you remove it)."""
    with cli_db(upgrade=False):
        made = backups.take(current_app.config, backups.BY_HAND, to=to)
    click.echo(
        f"Backup {made['path']}: {_size(made['size'])}, schema version {made['schema_version']}, "
        f"{made['learners']} learners, {made['answers']} answers."
    )


@click.command("backups")
@with_appcontext
def backups_command():
    """List the backups in the backup directory, newest first."""
    folder = backups.directory(current_app.config)
    found = backups.listing(folder)
    if not found:
        click.echo(f"No backups in {folder}.")
    for about in found:
        kind = "automatic" if about["automatic"] else "by hand"
        click.echo(
            f"{about['taken_at']}  {_size(about['size']):>9}  schema {about['schema_version']}  "
            f"{about['learners']} learners  {about['answers']} answers  {about['reason']} ({kind})  {about['path']}"
        )


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the database with the backup (required).")
def restore_command(file, yes):
    """Put a backup back in place of the database, once it is checked and a backup of what
    it replaces is taken. On SQLite servers may go on running: they serve the restored data."""
    if not yes:
        raise click.ClickException("restore replaces the whole database with FILE; add --yes to do it.")
    with cli_db(upgrade=False):
        try:
            before, figures = backups.restore(current_app.config, file)
        except backups.BadBackup as e:
            raise click.ClickException(f"{e} Nothing was restored.") from None
    click.echo(f"Backup taken first: {before['path']}")
    click.echo(f"Restored {file} (schema version {figures['schema_version']}, brought up to date).")


def _size(count):
    return f"{count / 1e6:.1f} MB" if count >= 1e5 else f"{count / 1e3:.1f} kB"


# --- accounts (docs/access.md) ----------------------------------------------------------


def _password(from_stdin):
    """The new password: standard input's first line with --password-stdin (as docker login
    reads it), else asked for twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _account_change(change):
    """Run change(conn) in one transaction, saying a rule's refusal in one line."""
    with cli_db() as conn:
        try:
            with conn.transaction():
                return change(conn)
        except DomainError as e:
            raise click.ClickException(str(e)) from None


password_stdin = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input instead of asking for it."
)


@click.command("create-class")
@with_appcontext
@click.argument("name")
def create_class_command(name):
    """Create a class NAME, for accounts to join with create-account --class."""
    row = _account_change(lambda conn: accounts.create_class(conn, name))
    click.echo(f"Class {row['name']!r} created.")


@click.command("create-account")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True, help="What the account may do.")
@click.option("--learner", "learner_id", type=int, help="The learner a learner account owns (else a new one).")
@click.option("--class", "classes", multiple=True, help="A class the account belongs to (may repeat).")
@password_stdin
def create_account_command(username, role, learner_id, classes, password_stdin):
    """Create the account USERNAME with a password. A learner account owns one learner: the
    one --learner names, or a new learner named after the account."""
    password = _password(password_stdin)
    row = _account_change(lambda conn: accounts.create_account(conn, username, password, role, learner_id, classes))
    owns = f", owning learner {row['learner_id']}" if row["learner_id"] is not None else ""
    member = f", in {', '.join(repr(c) for c in classes)}" if classes else ""
    click.echo(f"Account {row['username']!r} created: {role}{owns}{member}.")


@click.command("set-password")
@with_appcontext
@click.argument("username")
@password_stdin
def set_password_command(username, password_stdin):
    """Give USERNAME a new password; the account's tokens are revoked."""
    password = _password(password_stdin)
    revoked = _account_change(lambda conn: accounts.set_password(conn, username, password))
    click.echo(f"Password of {username!r} changed; {revoked} tokens revoked.")


@click.command("disable-account")
@with_appcontext
@click.argument("username")
def disable_account_command(username):
    """Stop USERNAME from signing in, and revoke its tokens (its history stays)."""
    revoked = _account_change(lambda conn: accounts.disable(conn, username))
    click.echo(f"Account {username!r} disabled; {revoked} tokens revoked.")


@click.command("revoke-tokens")
@with_appcontext
@click.argument("username")
def revoke_tokens_command(username):
    """Revoke every token of USERNAME (it may sign in again)."""
    revoked = _account_change(lambda conn: accounts.revoke_tokens(conn, username))
    click.echo(f"{revoked} tokens of {username!r} revoked.")


def init_app(app):
    for command in (
        init_db_command,
        seed_command,
        reset_history_command,
        check_db_command,
        import_words_command,
        reschedule_command,
        optimize_command,
        run_job_command,
        import_reviews_command,
        backup_command,
        backups_command,
        restore_command,
        create_class_command,
        create_account_command,
        set_password_command,
        disable_account_command,
        revoke_tokens_command,
    ):
        app.cli.add_command(command)
