"""The schema: numbered files in sql/setup/, applied in order, the version recorded in the
database (SQLite: PRAGMA user_version; PostgreSQL: the schema_version table).

SQLite runs every file in sql/setup/. PostgreSQL starts from its baseline in
sql/setup/postgresql/ (009_baseline.sql: the schema of version 9 in its dialect, as no
PostgreSQL database predates it), then runs each later file in sql/setup/, or the file
of the same number in sql/setup/postgresql/ where the dialects differ."""

from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "sql" / "setup"
PATTERN = "[0-9][0-9][0-9]_*.sql"


class SchemaTooNew(Exception):
    """The database was made by a newer version of the code than this one."""


def _numbered(directory):
    return {int(f.name[:3]): f for f in sorted(directory.glob(PATTERN))}


def schema_files(engine="sqlite"):
    """[(version, file)] of an engine, in the order they are applied."""
    shared = _numbered(SCHEMA_DIR)
    if engine == "sqlite":
        return sorted(shared.items())
    own = _numbered(SCHEMA_DIR / engine)
    baseline = min(own)
    files = {number: path for number, path in shared.items() if number > baseline}
    files.update(own)
    return sorted(files.items())


def latest_version(engine="sqlite"):
    return schema_files(engine)[-1][0]


def version(conn):
    return conn.engine.version(conn)


def check_version(conn):
    """Refuse a database whose schema is newer than the code knows: serving it would
    answer 500s, and writing to it could damage what the newer code keeps there."""
    found, latest = version(conn), latest_version(conn.engine.NAME)
    if found > latest:
        raise SchemaTooNew(
            f"The database is at schema version {found}, but this code knows versions up to {latest}: "
            "it was made by a newer lang-portal. Run that version, or a backup made by this one."
        )
    return found


def migrate(conn, target=None):
    """Apply every schema file newer than the database, each in its own transaction
    together with the version bump. Returns the versions applied."""
    check_version(conn)
    files = [(n, f) for n, f in schema_files(conn.engine.NAME) if target is None or n <= target]
    return conn.engine.apply(conn, files)
