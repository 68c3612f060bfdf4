"""The one door to the database, whichever engine holds it (lib/engines/): connecting,
the request's connection, queries returning dicts, and write transactions."""

import os
import threading

from flask import abort, current_app, g

from lib.engines import DATABASE_ERRORS, INTEGRITY_ERRORS, engine_for, fault_of, faults  # noqa: F401


def connect(target, synchronous="FULL", write_timeout=5.0, create=True, group_commit=True):
    """A connection of its own to the database at target (a SQLite file path, or a
    postgresql:// URL). Without create, a missing SQLite file is an error (a server must
    not start an empty database in its place)."""
    return engine_for(target).connect(
        target, synchronous=synchronous, write_timeout=write_timeout, create=create, group_commit=group_commit
    )


def describe(target):
    """The database, for a person reading a command's output (no password)."""
    return engine_for(target).describe(target)


def _options(app):
    config = app.config
    return {
        "synchronous": config["SYNCHRONOUS"],
        "write_timeout": config["WRITE_TIMEOUT"],
        "group_commit": config["GROUP_COMMIT"],
    }


def connect_app_db(app, create=False):
    """A new connection to the app's configured database (which must exist, unless create)."""
    return connect(app.config["DATABASE"], create=create, **_options(app))


def get_db():
    """The connection of the current request, lent by the app's connections in this
    process (on either engine a pool, whatever thread the request runs on)."""
    if "db" not in g:
        g.db = _connections(current_app).get()
    return g.db


_opening = threading.Lock()


def _connections(app):
    source = app.extensions.get("lang_portal_connections")
    if source is None or source.pid != os.getpid():
        with _opening:  # the first requests of a process may come on several threads at once
            source = app.extensions.get("lang_portal_connections")
            if source is None or source.pid != os.getpid():
                # Connections must not cross a fork; a child process opens its own.
                target = app.config["DATABASE"]
                source = engine_for(target).connections(target, app.config["POOL_SIZE"], **_options(app))
                source.pid = os.getpid()
                app.extensions["lang_portal_connections"] = source
    return source


def unreachable(app):
    """Why the app's database cannot be reached, in a sentence (for the health check)."""
    return engine_for(app.config["DATABASE"]).unreachable(app.config["DATABASE"])


def close_connections(app):
    """Close the app's connections in this process (the next request opens new ones)."""
    source = app.extensions.pop("lang_portal_connections", None)
    if source is not None and source.pid == os.getpid():
        source.close()


def release_db(exc=None):
    """Teardown: end the request's use of the connection, leaving no transaction open,
    and give it back."""
    conn = g.pop("db", None)
    if conn is None:
        return
    try:
        if conn.in_transaction or conn.holds_queue:
            conn.end_write(commit=False)
    finally:
        _connections(current_app).put(conn)


def query(sql, params=()):
    """All rows of a query, as dicts."""
    return get_db().rows(sql, params)


def one(sql, params=()):
    """The first row of a query as a dict, or None."""
    return get_db().row(sql, params)


def one_or_404(sql, params, message):
    """The first row of a query as a dict, or a 404 with message."""
    row = one(sql, params)
    if row is None:
        abort(404, message)
    return row


def scalar(sql, params=()):
    """The first column of the first row, or None."""
    return get_db().scalar(sql, params)


def transaction(conn=None, alone=False):
    """A write transaction on conn (the request's connection by default), all or nothing,
    begun and ended in the with block. On SQLite the writer queue and BEGIN IMMEDIATE take
    the write lock up front, so two writers wait their turn (within the write bound)
    instead of failing half-way; on PostgreSQL writers lock rows, and one begun alone (a
    reset) waits for the others and they for it."""
    return (conn or get_db()).transaction(alone)


def init_app(app):
    app.teardown_appcontext(release_db)
