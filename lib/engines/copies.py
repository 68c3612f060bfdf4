"""Copies of a whole database, each engine's way (lib/backups.py keeps them): SQLite's
online backup API, which copies a live database as one consistent snapshot while others
write (WAL readers do not block writers), and PostgreSQL's pg_dump and pg_restore in the
custom format."""

import os
import shutil
import sqlite3
import subprocess
from urllib.parse import quote

SQLITE_HEADER = b"SQLite format 3\x00"
DUMP_HEADER = b"PGDMP"


class CopyError(Exception):
    """A copy could not be made, read or put back; str() says why in a sentence."""


def _sqlite(path, mode="rw"):
    return sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode={mode}", uri=True, isolation_level=None)


def _figures(conn):
    """(schema version, learners, answers) of an open SQLite database."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    learners = conn.execute("SELECT count(*) FROM learners").fetchone()[0] if "learners" in tables else 0
    answers = (
        conn.execute("SELECT count(*) FROM word_review_items").fetchone()[0] if "word_review_items" in tables else 0
    )
    return {"schema_version": version, "learners": learners, "answers": answers}


def sqlite_copy(source, dest):
    """Copy the live database file source into the new file dest in one backup step (one
    snapshot); its figures."""
    live = _sqlite(source)
    try:
        copy = sqlite3.connect(dest, isolation_level=None)
        try:
            live.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            return _figures(copy)
        finally:
            copy.close()
    finally:
        live.close()


def sqlite_check(path):
    """The figures of the SQLite copy at path, once PRAGMA integrity_check passes; CopyError if not."""
    with open(path, "rb") as f:
        if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise CopyError(f"{path} is not a SQLite database.")
    conn = _sqlite(path, mode="ro")
    try:
        found = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if found != ["ok"]:
            raise CopyError(f"{path} fails SQLite's integrity check: {'; '.join(found[:3])}.")
        return _figures(conn)
    except sqlite3.DatabaseError as e:
        raise CopyError(f"{path} fails SQLite's integrity check: {e}.") from None
    finally:
        conn.close()


def sqlite_put_back(copy, live_conn):
    """Write the SQLite copy over the live database through live_conn (an engine
    connection, outside a transaction), in one backup step: other connections keep the same
    file and see the copy from their next read."""
    source = _sqlite(copy, mode="ro")
    try:
        source.backup(live_conn)
    finally:
        source.close()


def _program(name):
    found = shutil.which(name)
    if found is None:
        raise CopyError(
            f"{name} is not installed: PostgreSQL backups need the PostgreSQL client tools "
            "(apt-get install postgresql-client)."
        )
    return found


def _run(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise CopyError(f"{os.path.basename(command[0])} failed: {last}")
    return done.stdout


def pg_dump(url, dest):
    """Dump the database at url into dest, in pg_dump's custom format (one snapshot)."""
    _run([_program("pg_dump"), "--format=custom", "--no-owner", f"--file={dest}", f"--dbname={url}"])


def pg_check(path):
    """The figures of the dump at path, once pg_restore can read its table of contents and
    its schema version; CopyError if not."""
    with open(path, "rb") as f:
        if f.read(len(DUMP_HEADER)) != DUMP_HEADER:
            raise CopyError(f"{path} is not a pg_dump archive in the custom format.")
    restore = _program("pg_restore")
    _run([restore, "--list", path])
    data = _run([restore, "--data-only", "--table=schema_version", "--file=-", path])
    rows = [line for line in data.splitlines() if line and line[0].isdigit()]
    if not rows:
        raise CopyError(f"{path} holds no lang-portal schema version.")
    return {"schema_version": int(rows[0].split()[1]), "learners": None, "answers": None}  # id, version


def pg_put_back(path, url):
    """Restore the dump over the database at url, in one transaction: all or nothing."""
    _run(
        [
            _program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={url}",
            path,
        ]
    )
