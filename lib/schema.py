"""The schema: numbered files in sql/setup/, applied in order, the version recorded in the
database. Which files an engine applies, and how it records the version, is the engine's
(lib/engines/): PostgreSQL starts from a baseline of its own in sql/setup/postgresql/."""

from pathlib import Path

from lib.engines import named

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "sql" / "setup"


class SchemaTooNew(Exception):
    """The database was made by a newer version of the code than this one."""


def schema_files(engine="sqlite"):
    """[(version, file)] of an engine (by name), in the order they are applied."""
    return named(engine).schema_files(SCHEMA_DIR)


def latest_version(engine="sqlite"):
    return schema_files(engine)[-1][0]


def version(conn):
    return conn.engine.schema_version(conn)


def check_version(conn):
    """Refuse a database whose schema is newer than the code knows: serving it would
    answer 500s, and writing to it could damage what the newer code keeps there."""
    found, latest = version(conn), conn.engine.schema_files(SCHEMA_DIR)[-1][0]
    if found > latest:
        raise SchemaTooNew(
            f"The database is at schema version {found}, but this code knows versions up to {latest}: "
            "it was made by a newer lang-portal. Run that version, or a backup made by this one."
        )
    return found


def migrate(conn, target=None, before=None):
    """Apply every schema file newer than the database, each in its own transaction
    together with the version bump. Returns the versions applied. before(), when given, is
    called first when there is something to apply to a database made already (a backup:
    a failure raised there applies nothing)."""
    found = check_version(conn)
    files = [(n, f) for n, f in conn.engine.schema_files(SCHEMA_DIR) if target is None or n <= target]
    if before is not None and found > 0 and any(n > found for n, _ in files):
        before()
    return conn.engine.apply_schema(conn, files)
