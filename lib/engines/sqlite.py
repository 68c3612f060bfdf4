"""SQLite, the embedded default: a database file beside the app, WAL, one writer at a time
(queued in lib/engines/writers.py), commits made durable together at FULL
(lib/engines/wal_sync.py), and its schema version in PRAGMA user_version."""

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from urllib.parse import quote

from lib.engines import base
from lib.engines.faults import FULL_SENTENCE, Busy, Full, Unavailable
from lib.engines.sqlite_file import file_identity, file_problem
from lib.engines.wal_sync import WalSync
from lib.engines.writers import WriterQueue

SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")  # PRAGMA synchronous's 0 to 3
# What an answered write survives at each synchronous, in WAL mode (where EXTRA is FULL):
# "full", a power cut; "normal", a crash of the server, but a power cut can take the last
# writes away (never corrupting the file); "off", a crash of the server only (a power cut
# can corrupt the file).
DURABILITY = {"OFF": "off", "NORMAL": "normal", "FULL": "full", "EXTRA": "full"}


class Connection(sqlite3.Connection, base.Connection):
    """A connection that begins and ends write transactions through the writer queue,
    and refuses to write into a file that cannot take the write."""

    writers = None
    path = None
    identity = None
    write_timeout = 5.0
    wal_sync = None  # at FULL: the WAL is synced after COMMIT, outside the writer's turn
    changes_at_begin = 0  # total_changes when the write transaction began
    read_only = False  # opened while the file was write-protected: never writes, even once it is not
    kept_responses = None  # lib/web/response_cache.py

    def write_mark(self):
        """A value that changes whenever the database is written, by this connection
        (its count of changes) or by any other, in this process or another (data_version)."""
        return self._plain_cursor().execute("PRAGMA data_version").fetchone()[0], self.total_changes

    def problem(self):
        """Why this connection's database cannot take writes now, or None (file_problem,
        or a failed sync of its WAL in this process)."""
        if self.wal_sync is not None and self.wal_sync.failed is not None:
            return (
                "a sync of the database's write-ahead log failed, so this server process cannot confirm writes; "
                "restart the server (and check the disk)."
            )
        return None if self.path is None else file_problem(self.path, self.identity)

    def begin_write(self, alone=False):
        """BEGIN IMMEDIATE (takes SQLite's write lock up front), after our turn in the
        queue; raises WriteTimeout if the turn does not come within write_timeout, and
        Unavailable if the file cannot take the write. Every write transaction is alone."""
        problem = self.problem()
        if problem:
            raise Unavailable(f"Nothing was written: {problem}")
        if self.writers:
            self.writers.acquire(self.write_timeout)
            self.holds_queue = True
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._leave_queue()
            raise
        self.changes_at_begin = self.total_changes

    def end_write(self, commit):
        """COMMIT or ROLLBACK, and give the next writer its turn; at FULL, then wait until
        the commit is on disk (raises NotDurable if the disk cannot say so), if it changed
        a row: one that changed none has nothing to keep, and is answered as a read is.
        (Only rows count, their triggers' included: the schema's changes, which count none,
        are made by apply_schema, which syncs them itself.) A failed statement may have
        ended the transaction already (disk full, I/O error), and a caller may have rolled
        back already: then nothing is left to roll back."""
        changed = self.total_changes != self.changes_at_begin
        try:
            if commit:
                self.execute("COMMIT")
            elif self.in_transaction:
                self.execute("ROLLBACK")
        finally:
            self._leave_queue()
        if commit and changed:
            self.make_durable()

    def make_durable(self):
        """Return once every commit this connection can see is on disk (at once, below
        FULL: SQLite has done what the setting asks); called after each COMMIT."""
        if self.wal_sync is not None:
            self.wal_sync.sync(self.wal_sync.ticket(), self.write_timeout)

    def _leave_queue(self):
        if self.holds_queue:
            self.holds_queue = False
            self.writers.release()

    def serialize(self, key):
        """Nothing to do: BEGIN IMMEDIATE has serialised every write transaction already."""

    def settings(self):
        """synchronous as the connection runs (NORMAL under group commit, which syncs the
        WAL itself), and the durability an answered write has."""
        synchronous = SYNCHRONOUS_MODES[self._plain_cursor().execute("PRAGMA synchronous").fetchone()[0]]
        durability = "full (group commit)" if self.wal_sync is not None else DURABILITY[synchronous]
        return {"synchronous": synchronous, "durability": durability}

    def rows(self, sql, params=()):
        """All rows of a query, as dicts."""
        cursor = self._plain_cursor().execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def row(self, sql, params=()):
        """The first row of a query as a dict, or None."""
        cursor = self._plain_cursor().execute(sql, params)
        row = cursor.fetchone()
        return None if row is None else dict(zip([column[0] for column in cursor.description], row, strict=True))

    def stream(self, sql, params=(), size=1000):
        """The rows of a query as dicts, read size at a time from one statement (one
        consistent snapshot), for answers too long to hold in memory."""
        cursor = self.execute(sql, params)
        while rows := cursor.fetchmany(size):
            yield from rows

    def _plain_cursor(self):
        cursor = self.cursor()
        cursor.row_factory = None  # rows are turned into dicts by the caller, naming the columns once
        return cursor


def _dict_row(cursor, row):
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


def _switch_to_wal(conn, timeout):
    """PRAGMA journal_mode = WAL, tried again for up to timeout seconds while another
    connection reads the file: the switch needs the file to itself, and SQLite answers
    "database is locked" at once rather than wait in its busy handler, where the two could
    wait for each other (two servers opening a new file together did)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchone()["journal_mode"]
        except sqlite3.OperationalError as e:
            busy = (getattr(e, "sqlite_errorcode", None) or 0) & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(0.001)  # the other connection's read takes a fraction of a millisecond


def connect(path, synchronous="FULL", write_timeout=5.0, create=True, group_commit=True):
    """Open a connection with the pragmas every connection must have. Without create,
    a missing file is an error (a server must not start an empty database in its place).
    At FULL, group_commit syncs the WAL after the writer's turn (lib/engines/wal_sync.py);
    without it SQLite syncs inside COMMIT."""
    synchronous = synchronous.upper()
    if synchronous not in SYNCHRONOUS_MODES:
        raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}")
    in_memory = path == ":memory:"
    target = path if in_memory else f"file:{quote(os.path.abspath(path))}?mode={'rwc' if create else 'rw'}"
    # isolation_level=None: we issue BEGIN ourselves, so every write is explicit.
    conn = sqlite3.connect(target, uri=not in_memory, isolation_level=None, check_same_thread=False, factory=Connection)
    try:
        conn.row_factory = _dict_row
        conn.write_timeout = write_timeout
        conn.execute(f"PRAGMA busy_timeout = {int(write_timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode").fetchone()["journal_mode"]
        if mode != "wal":
            mode = _switch_to_wal(conn, write_timeout)
        if synchronous == "FULL" and group_commit and mode == "wal" and not in_memory:
            # FULL's sync of the WAL, made after the writer's turn, one for the commits that came together.
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.wal_sync = WalSync.for_path(os.path.abspath(path))
        else:
            conn.execute(f"PRAGMA synchronous = {synchronous}")
        if not in_memory:
            conn.path = os.path.abspath(path)
            # SQLite opens a write-protected file read-only, and the connection stays so.
            conn.read_only = not os.access(conn.path, os.W_OK)
            conn.identity = file_identity(conn.path)
            conn.writers = WriterQueue.for_path(conn.path)
    except BaseException:
        conn.close()
        raise
    return conn


class Connections:
    """The connections of one app in one process, each lent to one request at a time and
    kept open for the next, as opening one costs more than a whole small request (SQLite
    reads the schema and the pragmas run). Up to keep of them wait between requests, the
    last given back lent first (its kept responses are the freshest); one given back past
    that is closed. They belong to no thread: a server that makes a thread per connection
    (Werkzeug's) holds no more than a server of a fixed pool of threads (waitress's)."""

    def __init__(self, open_connection, keep):
        self.open_connection = open_connection
        self.keep = keep
        self.lock = threading.Lock()
        self.idle = []
        self.opened = set()

    def get(self):
        with self.lock:
            if self.idle:
                return self.idle.pop()
        conn = self.open_connection()
        with self.lock:
            self.opened.add(conn)
        return conn

    def put(self, conn):
        """Back from a request (with no transaction open): kept for the next, or closed (so
        is one opened read-only, which would refuse writes once the file takes them again)."""
        with self.lock:
            if len(self.idle) < self.keep and conn in self.opened and not conn.read_only:
                self.idle.append(conn)
                return
            self.opened.discard(conn)
        conn.close()

    def close(self):
        with self.lock:
            opened, self.opened, self.idle = self.opened, set(), []
        for conn in opened:
            conn.close()


# SQLite's primary result codes (sqlite.org/rescode.html) that mean a fault of the
# database or its disk, not of the request.
BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
UNAVAILABLE_CODES = {
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_CORRUPT,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_NOTADB,
    sqlite3.SQLITE_PERM,
}


class SQLite(base.Engine):
    """SQLite, the embedded default: a database file beside the app."""

    NAME = "sqlite"
    DRIVER_ERROR = sqlite3.Error
    INTEGRITY_ERROR = sqlite3.IntegrityError

    def connect(self, target, synchronous="FULL", write_timeout=5.0, create=True, group_commit=True):
        return connect(target, synchronous, write_timeout, create, group_commit)

    def connections(self, target, pool_size, **options):
        """Connections lent per request, pool_size of them kept open between requests."""
        return Connections(lambda: connect(target, create=False, **options), pool_size)

    def describe(self, target):
        return target

    def unreachable(self, target):
        return file_problem(target) or "The database cannot be opened; see the server's log."

    def classify(self, error):
        if not isinstance(error, sqlite3.Error):
            return None
        code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
        if code in BUSY_CODES:
            return Busy("The database is busy with another write; send the request again.")
        if code == sqlite3.SQLITE_FULL:
            return Full(FULL_SENTENCE)
        if code in UNAVAILABLE_CODES:
            return Unavailable(
                "The database cannot be read or written right now (see /api/health); nothing was written."
            )
        return None

    def schema_files(self, directory):
        """Every shared file, in order."""
        return sorted(base.numbered(directory).items())

    def schema_version(self, conn):
        return conn.execute("PRAGMA user_version").fetchone()["user_version"]

    def apply_schema(self, conn, files):
        """Foreign keys are off while a file runs, so that a file can rebuild a table the way
        SQLite documents (copy, drop, rename), and are checked before the commit."""
        applied = []
        conn.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction, so set here
        try:
            for number, path in files:
                if number <= self.schema_version(conn):
                    continue
                script = path.read_text(encoding="utf-8")
                try:
                    conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};")
                    broken = conn.execute("PRAGMA foreign_key_check").fetchone()
                    if broken is not None:
                        raise sqlite3.IntegrityError(
                            f"{path.name} leaves a row of {broken['table']} without its parent"
                        )
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                conn.make_durable()
                applied.append(number)
        finally:
            conn.execute("PRAGMA foreign_keys = ON")
        return applied

    @contextlib.contextmanager
    def setup_lock(self, conn):
        """Servers starting together take turns, waiting in the kernel (flock on
        <database>-setup, beside the file), so the second finds the first's schema and seed
        and makes neither again: without it both applied the first schema file ("table
        words already exists"). A database in memory has no one to take turns with."""
        if conn.path is None:
            yield
            return
        fd = os.open(f"{conn.path}-setup", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # and the lock with it

    def restart_ids(self, conn, tables):
        """Nothing to do: an INTEGER PRIMARY KEY that is not AUTOINCREMENT starts again at 1
        once its table is empty."""

    def integrity_problems(self, conn):
        found = [row["integrity_check"] for row in conn.execute("PRAGMA integrity_check")]
        return [] if found == ["ok"] else found


ENGINE = SQLite()
Connection.engine = ENGINE
