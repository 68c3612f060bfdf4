"""The two database engines, after Synapse's storage/engines: each declares the interface
of lib/engines/base.py (connecting, the connections of a server, the schema, its faults),
so the rest of the code never asks which one it runs on.

LANG_PORTAL_DB names the database: a file path selects SQLite, the embedded default; a
postgresql:// URL selects PostgreSQL (which needs the packages of
requirements-postgresql.txt). lib/db.py and lib/schema.py are the doors to them.
"""

from lib.engines import sqlite
from lib.engines.faults import Fault

POSTGRESQL_SCHEMES = ("postgresql://", "postgres://")

try:  # PostgreSQL's driver is installed only where it is used (requirements-postgresql.txt)
    import psycopg
except ImportError:  # pragma: no cover - depends on the installation
    psycopg = None


def _installed():
    engines = [sqlite.ENGINE]
    if psycopg is not None:
        from lib.engines import postgresql

        engines.append(postgresql.ENGINE)
    return engines


INSTALLED = _installed()
# Every error a database operation can raise, of every engine installed, for except clauses.
DATABASE_ERRORS = (Fault, *(engine.DRIVER_ERROR for engine in INSTALLED))
INTEGRITY_ERRORS = tuple(engine.INTEGRITY_ERROR for engine in INSTALLED)


def engine_for(target):
    """The engine of a database path or URL."""
    if not str(target).startswith(POSTGRESQL_SCHEMES):
        return sqlite.ENGINE
    if psycopg is None:
        raise RuntimeError(
            "LANG_PORTAL_DB is a PostgreSQL URL, but psycopg is not installed: "
            "pip install -r requirements-postgresql.txt"
        )
    return named("postgresql")


def named(name):
    """The installed engine called name."""
    for engine in INSTALLED:
        if name == engine.NAME:
            return engine
    raise LookupError(f"no engine named {name!r} is installed")


def fault_of(error):
    """The fault (lib/engines/faults.py) an error of a database operation means, or None
    when it is not a fault of the database or its disk (then it is a bug)."""
    if isinstance(error, Fault):
        return error
    for engine in INSTALLED:
        fault = engine.classify(error)
        if fault is not None:
            return fault
    return None
