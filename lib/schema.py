"""The schema: numbered files in sql/setup/, applied in order and recorded in PRAGMA user_version."""

import sqlite3
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "sql" / "setup"


class SchemaTooNew(Exception):
    """The database was made by a newer version of the code than this one."""


def schema_files():
    """The numbered schema files, in the order they are applied."""
    files = sorted(SCHEMA_DIR.glob("[0-9][0-9][0-9]_*.sql"))
    return [(int(f.name[:3]), f) for f in files]


def latest_version():
    return schema_files()[-1][0]


def version(conn):
    return conn.execute("PRAGMA user_version").fetchone()["user_version"]


def check_version(conn):
    """Refuse a database whose schema is newer than the code knows: serving it would
    answer 500s, and writing to it could damage what the newer code keeps there."""
    found, latest = version(conn), latest_version()
    if found > latest:
        raise SchemaTooNew(
            f"The database is at schema version {found}, but this code knows versions up to {latest}: "
            "it was made by a newer lang-portal. Run that version, or a backup made by this one."
        )
    return found


def migrate(conn, target=None):
    """Apply every schema file newer than the database's user_version, each in its
    own transaction together with the version bump. Returns the versions applied.

    Foreign keys are off while a file runs, so that a file can rebuild a table the way
    SQLite documents (copy, drop, rename), and are checked before the commit."""
    check_version(conn)
    applied = []
    conn.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction, so set here
    try:
        for number, path in schema_files():
            if number <= version(conn) or (target is not None and number > target):
                continue
            script = path.read_text(encoding="utf-8")
            try:
                conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};")
                broken = conn.execute("PRAGMA foreign_key_check").fetchone()
                if broken is not None:
                    raise sqlite3.IntegrityError(f"{path.name} leaves a row of {broken['table']} without its parent")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            applied.append(number)
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return applied
