"""The two database engines, one module each (after Synapse's storage/engines): connecting,
the connections of a server, placeholders, schema versions, and each engine's quirks.

LANG_PORTAL_DB names the database: a file path selects SQLite, the embedded default; a
postgresql:// URL selects PostgreSQL (lib/engines/postgresql.py, which needs the packages
of requirements-postgresql.txt). lib/db.py is the door the rest of the code goes through;
only it and lib/schema.py reach in here.

A connection of either engine has the same methods: execute (a cursor of dict rows),
rows and row (lists of dicts), begin_write/end_write, in_transaction, holds_queue,
problem (why it cannot take a write now, or None), make_durable (return once every commit
it can see is on disk), serialize (make concurrent transactions about the same thing wait
for each other) and close.
"""

import sqlite3

from lib.engines import sqlite
from lib.engines.sqlite import DatabaseUnavailable
from lib.engines.wal_sync import NotDurable
from lib.engines.writers import WriteTimeout

POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")

try:  # PostgreSQL's driver is installed only where it is used (requirements-postgresql.txt)
    import psycopg
except ImportError:  # pragma: no cover - depends on the installation
    psycopg = None

# The exceptions of every engine that can be installed, for except clauses.
DATABASE_ERRORS = (sqlite3.Error, WriteTimeout, DatabaseUnavailable, NotDurable) + ((psycopg.Error,) if psycopg else ())
INTEGRITY_ERRORS = (sqlite3.IntegrityError,) + ((psycopg.IntegrityError,) if psycopg else ())


def is_postgresql(target):
    return str(target).startswith(POSTGRESQL_SCHEMES)


def engine_for(target):
    """The engine module for a database path or URL."""
    if not is_postgresql(target):
        return sqlite
    if psycopg is None:
        raise RuntimeError(
            "LANG_PORTAL_DB is a PostgreSQL URL, but psycopg is not installed: "
            "pip install -r requirements-postgresql.txt"
        )
    from lib.engines import postgresql

    return postgresql
