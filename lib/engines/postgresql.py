"""PostgreSQL, for deployments that outgrow one machine: several app servers share one
database server. psycopg 3, a connection pool per process, the app's SQL with SQLite's
placeholders turned into psycopg's, and the schema version in a table of its own.

What differs from SQLite, and where it is handled:
- Writers run concurrently (SQLite queues them): row locks taken by the triggers order
  the writes of one learner (sql/setup/postgresql/), serialize() makes transactions
  about the same Idempotency-Key wait for each other (an advisory lock), and a
  transaction begun alone (a reset) runs while no other writes (WRITERS_LOCK).
- A lock wait is bounded by LANG_PORTAL_WRITE_TIMEOUT (lock_timeout): past it the
  request is a 503 to send again, as on SQLite.
- Identity columns do not start again at 1 when a table is emptied: restart_ids().
- sum() of integers is numeric: numeric values are loaded as int when whole, float
  otherwise, so counts are integers on both engines.
- Text sorts by bytes: every text column has COLLATE "C", whatever the server's locale.
"""

import functools
import re
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import pq
from psycopg.adapt import Loader
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from lib.engines import base
from lib.engines.faults import FULL_SENTENCE, Busy, Full, Unavailable

MIGRATION_LOCK = 0x6C616E67  # "lang": the advisory lock migrations hold
# The writers' lock, an advisory lock of two keys (a key space apart from serialize()'s): each
# write transaction takes it shared as it begins, before any other lock, and one alone (a
# reset) takes it exclusively. So a reset waits for the writes under way, later writes wait
# for it, and neither holds a row the other wants meanwhile: whatever the order in which
# each locks its rows and tables, they cannot deadlock.
WRITERS_LOCK = f"{MIGRATION_LOCK}, 1"


class NumberLoader(Loader):
    """numeric as int when it is whole (sum, count of bigint), float otherwise (avg)."""

    def load(self, data):
        text = bytes(data).decode()
        return int(text) if text.lstrip("-").isdigit() else float(text)


# Outside quotes and comments: SQLite's placeholders (? and :name), psycopg's escape (%),
# and PostgreSQL's cast (::, passed through). Quoted text and comments are kept whole,
# but for their % (psycopg reads every % of a query with parameters).
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|::|\?|:[A-Za-z_]\w*|%")


@functools.lru_cache(maxsize=2048)
def placeholders(sql):
    """sql with SQLite's ? and :name turned into psycopg's %s and %(name)s."""

    def replace(match):
        token = match.group()
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if token.startswith(":") and token != "::":
            return f"%({token[1:]})s"
        return token.replace("%", "%%")

    return _TOKENS.sub(replace, sql)


class Connection(base.Connection):
    """A psycopg connection (autocommit: we issue BEGIN ourselves, as on SQLite)."""

    IntegrityError = psycopg.IntegrityError  # as sqlite3.Connection has it

    def __init__(self, raw, write_timeout=5.0):
        self.raw, self.write_timeout = raw, write_timeout

    def execute(self, sql, params=()):
        return self.raw.execute(placeholders(sql), params)

    def executemany(self, sql, params_seq):
        with self.raw.cursor() as cursor:
            cursor.executemany(placeholders(sql), params_seq)

    def rows(self, sql, params=()):
        return self.raw.execute(placeholders(sql), params).fetchall()

    def row(self, sql, params=()):
        return self.raw.execute(placeholders(sql), params).fetchone()

    def stream(self, sql, params=(), size=1000):
        """The rows of a query as dicts, as the server sends them (not all held at once)."""
        with self.raw.cursor() as cursor:
            yield from cursor.stream(placeholders(sql), params, size=size)

    @property
    def in_transaction(self):
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def write_mark(self):
        """None: the server has no cheap mark of every write (lib/web/response_cache.py keeps nothing)."""
        return None

    def problem(self):
        """None: the server answers for its own storage (a fault is an error from it)."""
        return None

    def begin_write(self, alone=False):
        """BEGIN, with lock waits bounded by write_timeout (then LockNotAvailable: a 503),
        and the writers' lock: shared, or exclusive when alone."""
        take = "pg_advisory_xact_lock" if alone else "pg_advisory_xact_lock_shared"
        self.raw.execute(
            f"BEGIN; SET LOCAL lock_timeout = {int(self.write_timeout * 1000)}; SELECT {take}({WRITERS_LOCK})"
        )

    def end_write(self, commit):
        if commit:
            self.raw.execute("COMMIT")
        elif self.in_transaction and not self.raw.broken:
            self.raw.execute("ROLLBACK")

    def make_durable(self):
        """Nothing to do: a commit returns once PostgreSQL has flushed it (synchronous_commit)."""

    def serialize(self, key):
        """Until this transaction ends, a transaction serialising the same key waits here."""
        self.raw.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))

    def settings(self):
        return {}

    def close(self):
        self.raw.close()


def _configure(raw):
    raw.adapters.register_loader("numeric", NumberLoader)


def _open(url):
    raw = psycopg.connect(url, autocommit=True, row_factory=dict_row, application_name="lang-portal")
    _configure(raw)
    return raw


class Connections:
    """The connections of one app in one process: a pool of up to size, each lent to one
    request at a time. A connection the server dropped is not given back to the pool."""

    def __init__(self, url, write_timeout, size):
        self.write_timeout = write_timeout
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=size,
            timeout=write_timeout,
            kwargs={"autocommit": True, "row_factory": dict_row, "application_name": "lang-portal"},
            configure=_configure,
            name="lang-portal",
            open=True,
        )

    def get(self):
        return Connection(self.pool.getconn(), self.write_timeout)

    def put(self, conn):
        self.pool.putconn(conn.raw)

    def close(self):
        self.pool.close()


# PostgreSQL's SQLSTATEs (postgresql.org/docs/current/errcodes-appendix.html) that mean a
# fault of the server, not of the request. A lost connection has no SQLSTATE at all.
BUSY_STATES = {"40001", "40P01", "55P03", "57014"}  # serialization, deadlock, lock_timeout, cancelled
FULL_STATE = "53100"  # disk_full
UNAVAILABLE_CLASSES = ("08", "53", "57", "58", "25")  # connection, resources, shutdown, system, read-only


class PostgreSQL(base.Engine):
    """PostgreSQL, for several app servers on one database server."""

    NAME = "postgresql"
    DRIVER_ERROR = psycopg.Error
    INTEGRITY_ERROR = psycopg.IntegrityError
    SKIP_LOCKED = " FOR UPDATE SKIP LOCKED"

    def connect(self, target, synchronous="FULL", write_timeout=5.0, create=True, group_commit=True):
        """One connection of its own (commands, tests). synchronous and group_commit are
        SQLite's settings, and create does not apply: the database must exist (createdb),
        its schema need not."""
        return Connection(_open(target), write_timeout)

    def connections(self, target, pool_size, write_timeout=5.0, **sqlite_options):
        return Connections(target, write_timeout, pool_size)

    def describe(self, target):
        """The URL without its password."""
        parts = urlsplit(target)
        if parts.password is None:
            return target
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))

    def unreachable(self, target):
        return "The database server cannot be reached; see the server's log."

    def classify(self, error):
        if not isinstance(error, psycopg.Error):
            return None
        state = getattr(error, "sqlstate", None)
        if state in BUSY_STATES:
            return Busy("The database is busy with other writes; send the request again.")
        if state == FULL_STATE:
            return Full(FULL_SENTENCE)
        lost = state is None and isinstance(error, psycopg.OperationalError)
        if lost or (state or "").startswith(UNAVAILABLE_CLASSES):
            return Unavailable(
                "The database cannot be reached right now (see /api/health); nothing was written.", retry_after=10
            )
        return None

    # The schema ---------------------------------------------------------------------

    def schema_files(self, directory):
        """The baseline in sql/setup/postgresql/ (the schema of its number in this dialect, as
        no PostgreSQL database predates it), then each later shared file, or the file of the
        same number in sql/setup/postgresql/ where the dialects differ."""
        shared, own = base.numbered(directory), base.numbered(directory / "postgresql")
        baseline = min(own)
        files = {number: path for number, path in shared.items() if number > baseline}
        files.update(own)
        return sorted(files.items())

    def schema_version(self, conn):
        present = conn.row("SELECT to_regclass('schema_version') IS NOT NULL AS present")["present"]
        return conn.row("SELECT version FROM schema_version")["version"] if present else 0

    @contextmanager
    def setup_lock(self, conn):
        """Servers starting together take turns, so the second finds the first's seed and
        does not seed again (seeding at once left the seed's ids with gaps). apply_schema()
        takes the same lock again for each file; a session's advisory locks nest."""
        conn.raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            yield
        finally:
            if not conn.raw.broken:
                conn.raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))

    def apply_schema(self, conn, files):
        """Each file under an advisory lock for the session, taken before the file's
        transaction begins, so that the transaction sees the tables of the server before it:
        taken inside, the version check could still miss them (the catalog cache), and two
        servers starting on an empty database ran the baseline twice."""
        applied = []
        for number, path in files:
            conn.raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
            try:
                conn.raw.execute("BEGIN")
                try:
                    if number > self.schema_version(conn):
                        conn.raw.execute(path.read_text(encoding="utf-8"))
                        conn.raw.execute(
                            "CREATE TABLE IF NOT EXISTS schema_version "
                            "(id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)"
                        )
                        conn.raw.execute(
                            "INSERT INTO schema_version (id, version) VALUES (1, %s) "
                            "ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                            (number,),
                        )
                        applied.append(number)
                    conn.raw.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction and not conn.raw.broken:
                        conn.raw.execute("ROLLBACK")
                    raise
            finally:
                if not conn.raw.broken:  # a closed connection has let go of its locks already
                    conn.raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        return applied

    def restart_ids(self, conn, tables):
        """Identity columns do not start again when a table is emptied: each goes on from its
        highest id, as SQLite's rowid does, so after a full reset the seed gets the same ids
        on both engines."""
        for table in tables:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 0) + 1, false) FROM {table}"
            )

    def integrity_problems(self, conn):
        """None: PostgreSQL checks its own pages (checksums, amcheck) outside the app."""
        return None


ENGINE = PostgreSQL()
Connection.engine = ENGINE
