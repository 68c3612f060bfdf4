"""The one door to the SQLite database: connecting, the request's connection, queries
returning dicts, and write transactions."""

import os
import sqlite3
import threading
from contextlib import contextmanager
from urllib.parse import quote

from flask import abort, current_app, g

from lib.checks import file_identity, file_problem
from lib.writers import WriterQueue

SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


class DatabaseUnavailable(Exception):
    """The database cannot take writes: its file was deleted, replaced or damaged, or is
    not writable. The message says which, in a sentence."""


class Connection(sqlite3.Connection):
    """A connection that begins and ends write transactions through the writer queue,
    and refuses to write into a file that cannot take the write."""

    writers = None
    path = None
    identity = None
    write_timeout = 5.0
    holds_queue = False

    def problem(self):
        """Why this connection's database cannot take writes now, or None (file_problem)."""
        return None if self.path is None else file_problem(self.path, self.identity)

    def begin_write(self):
        """BEGIN IMMEDIATE (takes SQLite's write lock up front), after our turn in the
        queue; raises WriteTimeout if the turn does not come within write_timeout, and
        DatabaseUnavailable if the file cannot take the write."""
        problem = self.problem()
        if problem:
            raise DatabaseUnavailable(problem)
        if self.writers:
            self.writers.acquire(self.write_timeout)
            self.holds_queue = True
        try:
            self.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._leave_queue()
            raise

    def end_write(self, commit):
        """COMMIT or ROLLBACK, and give the next writer its turn. A failed statement may
        have ended the transaction already (disk full, I/O error): then nothing is left
        to roll back."""
        try:
            if commit:
                self.execute("COMMIT")
            elif self.in_transaction:
                self.execute("ROLLBACK")
        finally:
            self._leave_queue()

    def _leave_queue(self):
        if self.holds_queue:
            self.holds_queue = False
            self.writers.release()


def _dict_row(cursor, row):
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


def connect(path, synchronous="FULL", write_timeout=5.0, create=True):
    """Open a connection with the pragmas every connection must have. Without create,
    a missing file is an error (a server must not start an empty database in its place)."""
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
        if conn.execute("PRAGMA journal_mode").fetchone()["journal_mode"] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {synchronous}")
        if not in_memory:
            conn.path = os.path.abspath(path)
            conn.identity = file_identity(conn.path)
            conn.writers = WriterQueue.for_path(conn.path)
    except BaseException:
        conn.close()
        raise
    return conn


def connect_app_db(app, create=False):
    """A new connection to the app's configured database (which must exist, unless create)."""
    return connect(
        app.config["DATABASE"],
        synchronous=app.config["SYNCHRONOUS"],
        write_timeout=app.config["WRITE_TIMEOUT"],
        create=create,
    )


def get_db():
    """The connection of the current request.

    Opening a connection costs more than a whole small request (SQLite reads the schema
    and the pragmas run), so each worker thread keeps one open connection per app and
    lends it to one request at a time; teardown rolls back anything a request left open.
    """
    if "db" not in g:
        g.db = _thread_connection(current_app)
    return g.db


def _thread_connection(app):
    local = app.extensions.setdefault("lang_portal_db", threading.local())
    conn, pid = getattr(local, "conn", None), getattr(local, "pid", None)
    if conn is None or pid != os.getpid():
        # A connection must not cross a fork; a child process opens its own.
        local.conn, local.pid = connect_app_db(app), os.getpid()
        app.extensions.setdefault("lang_portal_connections", []).append(local.conn)
    return local.conn


def close_connections(app):
    """Close every thread's connection of the app (the next request opens new ones)."""
    for conn in app.extensions.pop("lang_portal_connections", []):
        conn.close()
    app.extensions.pop("lang_portal_db", None)


def release_db(exc=None):
    """Teardown: end the request's use of the connection, leaving no transaction open."""
    conn = g.pop("db", None)
    if conn is not None and (conn.in_transaction or conn.holds_queue):
        conn.end_write(commit=False)


def _plain_cursor():
    cursor = get_db().cursor()
    cursor.row_factory = None  # rows are turned into dicts below, naming the columns once
    return cursor


def query(sql, params=()):
    """All rows of a query, as dicts."""
    cursor = _plain_cursor().execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def one(sql, params=()):
    """The first row of a query as a dict, or None."""
    cursor = _plain_cursor().execute(sql, params)
    row = cursor.fetchone()
    return None if row is None else dict(zip([column[0] for column in cursor.description], row, strict=True))


def one_or_404(sql, params, message):
    """The first row of a query as a dict, or a 404 with message."""
    row = one(sql, params)
    if row is None:
        abort(404, message)
    return row


def scalar(sql, params=()):
    """The first column of the first row, or None."""
    row = one(sql, params)
    return None if row is None else next(iter(row.values()))


@contextmanager
def transaction(conn=None):
    """A write transaction, all or nothing, begun and ended here. The writer queue and
    BEGIN IMMEDIATE take the write lock up front, so two writers wait their turn (within
    the write bound) instead of failing half-way."""
    conn = conn or get_db()
    if conn.in_transaction:
        raise RuntimeError("a transaction is already open on this connection; writes do not nest")
    conn.begin_write()
    try:
        yield conn
    except BaseException:
        conn.end_write(commit=False)
        raise
    conn.end_write(commit=True)


def init_app(app):
    app.teardown_appcontext(release_db)
