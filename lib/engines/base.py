"""What every engine declares, after Synapse's BaseDatabaseEngine: the engine (connecting,
the schema, its quirks, its faults) and its connections. lib/db.py and lib/schema.py call
these; no other code asks which engine it runs on."""

from abc import ABC, abstractmethod
from contextlib import contextmanager


def numbered(directory):
    """{number: path} of the schema files NNN_*.sql in directory."""
    return {int(f.name[:3]): f for f in sorted(directory.glob("[0-9][0-9][0-9]_*.sql"))}


class Engine(ABC):
    """One database engine; lib/engines/__init__.py picks it from the database's target
    (a SQLite file path, or a postgresql:// URL)."""

    NAME = None
    DRIVER_ERROR = None  # the driver's base exception class
    INTEGRITY_ERROR = None  # a constraint was violated
    # What a SELECT of rows to take ends with, so that two servers never take the same row
    # at once and neither waits on the other (PostgreSQL); "" where writes are one at a time.
    SKIP_LOCKED = ""

    @abstractmethod
    def connect(self, target, synchronous="FULL", write_timeout=5.0, create=True, group_commit=True):
        """A connection of its own; without create, a missing database is an error."""

    @abstractmethod
    def connections(self, target, pool_size, **options):
        """The connections of one app in one process: get() lends one to a request, put()
        takes it back, close() closes them all. options are connect()'s."""

    @abstractmethod
    def describe(self, target):
        """The database, for a person reading a command's output (no password)."""

    @abstractmethod
    def unreachable(self, target):
        """Why no connection to the database can be opened, in a sentence."""

    @abstractmethod
    def classify(self, error):
        """The fault (lib/engines/faults.py) an error of this engine's driver means, or None
        when it is not a fault of the database or its disk (then it is a bug)."""

    # The schema ---------------------------------------------------------------------

    @abstractmethod
    def schema_files(self, directory):
        """[(number, path)] this engine applies, in order, from the shared files in directory
        (sql/setup/); an engine may start from a baseline of its own."""

    @abstractmethod
    def schema_version(self, conn):
        """The number of the last schema file applied (0 for an empty database)."""

    @abstractmethod
    def apply_schema(self, conn, files):
        """Apply the files [(number, path)] newer than the database, in order, each in its own
        transaction with the version bump; returns the numbers applied."""

    @abstractmethod
    def setup_lock(self, conn):
        """A context held while a server brings the database up to date and seeds it, so
        that servers starting together take turns."""

    @abstractmethod
    def restart_ids(self, conn, tables):
        """Let each table's ids go on from its highest id (1 when empty), as after a reset."""

    @abstractmethod
    def integrity_problems(self, conn):
        """What the engine's own check of its storage finds, as sentences ([] when sound), or
        None where the database server checks its own pages."""


class Connection(ABC):
    """A connection of either engine. Rows are dicts; `?` and `:name` are the placeholders.
    A write runs in transaction(): begun with begin_write, ended with end_write."""

    engine = None
    holds_queue = False  # whether the connection holds the writer's turn (SQLite's queue)
    alone = False  # whether the open write transaction was begun alone (transaction(alone=True))

    @abstractmethod
    def execute(self, sql, params=()):
        """Run one statement; a cursor whose rows are dicts."""

    @abstractmethod
    def rows(self, sql, params=()):
        """All rows of a query, as dicts."""

    @abstractmethod
    def row(self, sql, params=()):
        """The first row of a query as a dict, or None."""

    @abstractmethod
    def stream(self, sql, params=(), size=1000):
        """The rows of a query as dicts, read size at a time from one statement (one
        consistent snapshot), for answers too long to hold in memory."""

    @property
    @abstractmethod
    def in_transaction(self):
        """Whether a transaction is open."""

    @abstractmethod
    def begin_write(self, alone=False):
        """Begin a write transaction, its locks taken up front where the engine can. Alone,
        it first waits for every write transaction under way, and every later one waits
        for it to end."""

    @abstractmethod
    def end_write(self, commit):
        """COMMIT (and return once it is durable) or ROLLBACK; after a failed statement
        there may be nothing left to roll back."""

    @abstractmethod
    def make_durable(self):
        """Return once every commit this connection can see is on disk."""

    @abstractmethod
    def serialize(self, key):
        """Until this transaction ends, a transaction serialising the same key waits."""

    @abstractmethod
    def write_mark(self):
        """A value that changes whenever the database is written, by anyone; None where the
        engine has no cheap one (then nothing is kept between requests)."""

    @abstractmethod
    def problem(self):
        """Why the database cannot take writes now, in a sentence, or None."""

    @abstractmethod
    def settings(self):
        """The engine's settings as the health check shows them (a dict)."""

    @abstractmethod
    def close(self):
        """Close the connection."""

    def scalar(self, sql, params=()):
        """The first column of the first row, or None."""
        row = self.row(sql, params)
        return None if row is None else next(iter(row.values()))

    @contextmanager
    def transaction(self, alone=False):
        """A write transaction, all or nothing, begun and ended here; writes do not nest.
        Alone (a reset), no other write transaction runs while it does (begin_write)."""
        if self.in_transaction:
            raise RuntimeError("a transaction is already open on this connection; writes do not nest")
        self.begin_write(alone)
        self.alone = alone
        try:
            yield self
        except BaseException:
            self.end_write(commit=False)
            raise
        finally:
            self.alone = False
        self.end_write(commit=True)
