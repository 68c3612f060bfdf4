"""The one door to the SQLite database: connections, queries, transactions, schema, seed."""

import fcntl
import json
import os
import sqlite3
import threading
import time
import weakref
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import click
from flask import current_app, g
from flask.cli import with_appcontext

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "sql" / "setup"
SEED_DIR = ROOT / "seed"
SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")
VALID_PAGE_SIZES = {1} | {2**n for n in range(9, 16)}  # 1 stands for 65536 in the header


def utc_now():
    """The current time as stored and returned everywhere: RFC 3339, UTC, with a Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dict_row(cursor, row):
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


class WriteTimeout(Exception):
    """A write waited the configured bound for the database and did not get it."""


class DatabaseUnavailable(Exception):
    """The database cannot take writes: its file was deleted, replaced or damaged, or is
    not writable. The message says which, in a sentence."""


class WriterQueue:
    """Writers to one database file, across threads and processes, wait here in the kernel
    (flock on a file beside the database) and wake the moment the writer before them is
    done. Without it a blocked writer sleeps in SQLite's busy handler, for 1, 2, 5, 10...
    ms at a time, whatever the other writer's transaction actually took.

    A wait is bounded: threads of one process queue on a lock with a timeout, and the
    one at the head waits for the file lock, polling it without blocking once a blocking
    wait would outlast the bound (flock itself cannot time out)."""

    _by_path = weakref.WeakValueDictionary()  # alive while a connection holds it
    _guard = threading.Lock()

    def __init__(self, path):
        self.thread_lock = threading.Lock()
        self.fd = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT, 0o644)
        self.pid = os.getpid()

    @classmethod
    def for_path(cls, path):
        key = os.path.abspath(path)
        with cls._guard:
            queue = cls._by_path.get(key)
            if queue is None or queue.pid != os.getpid():  # a forked child needs its own fd
                queue = cls._by_path[key] = cls(key)
            return queue

    def __del__(self):
        os.close(self.fd)

    def acquire(self, timeout):
        """Take the writer's turn within timeout seconds, or raise WriteTimeout."""
        deadline = time.monotonic() + timeout
        if not self.thread_lock.acquire(timeout=max(timeout, 0)):
            raise WriteTimeout
        try:
            pause = 0.0005
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise WriteTimeout from None
                    time.sleep(min(pause, left))
                    pause = min(pause * 2, 0.005)
        except BaseException:
            self.thread_lock.release()
            raise

    def release(self):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.thread_lock.release()


def _file_identity(path):
    """(device, inode) of the file at path; FileNotFoundError when there is none."""
    st = os.stat(path)
    return st.st_dev, st.st_ino


def file_problem(path, identity=None):
    """Why the database file at path cannot take writes now, in a sentence, or None.
    identity is the (device, inode) a connection opened: a file deleted or replaced under
    the server matters most, as SQLite would go on writing into the unlinked file and
    every write would be lost. Cheap enough for every write and health check: a stat, an
    access check and the file's first 100 bytes (SQLite's header), no scan of the data."""
    try:
        if identity is not None and _file_identity(path) != identity:
            return "The database file was replaced while the server was running; restart the server."
        with open(path, "rb") as f:
            header = f.read(100)
    except FileNotFoundError:
        if identity is None:
            return (
                "The database file is missing; create it with flask init-db (or start the server with python app.py)."
            )
        return "The database file was deleted while the server was running; restore it and restart the server."
    page_size = int.from_bytes(header[16:18], "big") if len(header) == 100 else 0
    if not header.startswith(b"SQLite format 3\x00") or page_size not in VALID_PAGE_SIZES:
        return "The database file is damaged (its header is not SQLite's); restore it from a backup."
    if not all(os.access(p, os.W_OK) for p in (path, f"{path}-wal") if os.path.exists(p)):
        return "The database file is not writable by the server; fix its permissions or its disk."
    return None


class Connection(sqlite3.Connection):
    """A connection that begins and ends write transactions through the writer queue,
    and refuses to write into a file that is no longer the one at its path."""

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
        have ended the transaction already (disk full, I/O error): nothing is left to roll back."""
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
            conn.identity = _file_identity(conn.path)
            conn.writers = WriterQueue.for_path(conn.path)
    except BaseException:
        conn.close()
        raise
    return conn


def connect_app_db(app, create=False):
    """A new connection to the app's configured database (which must exist, unless create)."""
    return connect(
        app.config["DATABASE"],
        synchronous=app.config["SQLITE_SYNCHRONOUS"],
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
    return local.conn


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


def scalar(sql, params=()):
    """The first column of the first row, or None."""
    row = one(sql, params)
    return None if row is None else next(iter(row.values()))


@contextmanager
def transaction(conn=None):
    """A write transaction, all or nothing. The writer queue and BEGIN IMMEDIATE take the
    write lock up front, so two writers wait their turn instead of failing half-way.
    Inside an open transaction (an idempotent request holds one) it is a savepoint."""
    conn = conn or get_db()
    if conn.in_transaction:
        conn.execute("SAVEPOINT write")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK TO write")
            conn.execute("RELEASE write")
            raise
        conn.execute("RELEASE write")
        return
    conn.begin_write()
    try:
        yield conn
    except BaseException:
        conn.end_write(commit=False)
        raise
    conn.end_write(commit=True)


# --- schema -------------------------------------------------------------------


def schema_files():
    """The numbered schema files, in the order they are applied."""
    files = sorted(SCHEMA_DIR.glob("[0-9][0-9][0-9]_*.sql"))
    return [(int(f.name[:3]), f) for f in files]


def latest_schema_version():
    return schema_files()[-1][0]


def schema_version(conn):
    return conn.execute("PRAGMA user_version").fetchone()["user_version"]


class SchemaTooNew(Exception):
    """The database was made by a newer version of the code than this one."""


def check_schema_version(conn):
    """Refuse a database whose schema is newer than the code knows: serving it would
    answer 500s, and writing to it could damage what the newer code keeps there."""
    version, latest = schema_version(conn), latest_schema_version()
    if version > latest:
        raise SchemaTooNew(
            f"The database is at schema version {version}, but this code knows versions up to {latest}: "
            "it was made by a newer lang-portal. Run that version, or a backup made by this one."
        )
    return version


def migrate(conn, target=None):
    """Apply every schema file newer than the database's user_version, each in its
    own transaction together with the version bump. Returns the versions applied.

    Foreign keys are off while a file runs, so that a file can rebuild a table the way
    SQLite documents (copy, drop, rename), and are checked before the commit."""
    check_schema_version(conn)
    applied = []
    conn.execute("PRAGMA foreign_keys = OFF")  # a no-op inside a transaction, so set here
    try:
        for version, path in schema_files():
            if version <= schema_version(conn) or (target is not None and version > target):
                continue
            script = path.read_text(encoding="utf-8")
            try:
                conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};")
                broken = conn.execute("PRAGMA foreign_key_check").fetchone()
                if broken is not None:
                    raise sqlite3.IntegrityError(f"{path.name} leaves a row of {broken['table']} without its parent")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            applied.append(version)
    finally:
        conn.execute("PRAGMA foreign_keys = ON")
    return applied


# --- seed ---------------------------------------------------------------------


def load_seed(seed_dir=SEED_DIR):
    """Read the seed files: ({group name: [word, ...]}, [activity, ...])."""
    seed_dir = Path(seed_dir)
    groups = {}
    for path in sorted((seed_dir / "groups").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        groups[data["group"]] = data["words"]
    activities = json.loads((seed_dir / "study_activities.json").read_text(encoding="utf-8"))
    return groups, activities


def add_words(conn, group_name, words):
    """Insert words (one already there, by kanji, romaji and English, is reused) and put
    them in the group, inside the caller's transaction. Returns (words given, words new)."""
    conn.execute("INSERT INTO groups (name) VALUES (?) ON CONFLICT (name) DO NOTHING", (group_name,))
    group_id = conn.execute("SELECT id FROM groups WHERE name = ?", (group_name,)).fetchone()["id"]
    total = added = 0
    for word in words:
        key = (word["kanji"], word["romaji"], word["english"])
        new = conn.execute(
            """
            INSERT INTO words (kanji, romaji, english, parts)
            VALUES (?, ?, ?, ?)
            ON CONFLICT (kanji, romaji, english) DO NOTHING
            RETURNING id
            """,
            (*key, json.dumps(word.get("parts", []), ensure_ascii=False)),
        ).fetchone()
        if new is None:
            new = conn.execute("SELECT id FROM words WHERE kanji = ? AND romaji = ? AND english = ?", key).fetchone()
        else:
            added += 1
        conn.execute(
            "INSERT INTO word_groups (word_id, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (new["id"], group_id),
        )
        total += 1
    return total, added


def _load_rows(conn, groups, activities):
    """Insert seed groups, words and activities inside the caller's transaction."""
    added = sum(add_words(conn, name, words)[1] for name, words in groups.items())
    for activity in activities:
        conn.execute(
            """
            INSERT INTO study_activities (name, url, preview_url, description)
            VALUES (:name, :url, :preview_url, :description)
            ON CONFLICT (name) DO UPDATE SET
                url = excluded.url,
                preview_url = excluded.preview_url,
                description = excluded.description
            """,
            activity,
        )
    return added


def seed(conn, seed_dir=SEED_DIR):
    """Load the seed data. Idempotent: running it twice changes nothing."""
    groups, activities = load_seed(seed_dir)
    with transaction(conn):
        return _load_rows(conn, groups, activities)


def is_empty(conn):
    return conn.execute("SELECT count(*) AS n FROM words").fetchone()["n"] == 0


def init_db(conn, seed_dir=SEED_DIR):
    """Bring the schema up to date and seed an empty database."""
    migrate(conn)
    if is_empty(conn):
        seed(conn, seed_dir)


HISTORY_TABLES = ("study_session_reviews", "word_review_items", "study_sessions", "word_reviews", "review_days")
VOCABULARY_TABLES = ("word_groups", "words", "groups", "study_activities")


def _clear(conn, tables):
    """Delete the rows of tables, and the stored idempotent answers, which name ids of
    the history. Sessions, answers and feedback keep counting up (AUTOINCREMENT, 005),
    so an id from before the reset never names something new."""
    for table in (*tables, "idempotency_keys"):
        conn.execute(f"DELETE FROM {table}")  # names come from the fixed tuples above
    conn.execute("UPDATE groups SET last_session_at = NULL")
    conn.execute("UPDATE totals SET sessions = 0, reviews = 0, correct = 0")
    conn.execute("UPDATE totals SET studied_words = 0, mastered_words = 0")


def reset_history(conn):
    """Forget every study session, answer and feedback review; keep the vocabulary."""
    with transaction(conn):
        _clear(conn, HISTORY_TABLES)


def full_reset(conn, seed_dir=SEED_DIR):
    """Empty every table and load the seed data again, in one transaction."""
    groups, activities = load_seed(seed_dir)
    with transaction(conn):
        _clear(conn, HISTORY_TABLES + VOCABULARY_TABLES)
        return _load_rows(conn, groups, activities)


# --- checks -------------------------------------------------------------------

# Each query returns the rows where a counter cache disagrees with a recount.
COUNTER_CHECKS = {
    "word_reviews": """
        SELECT word_id, sum(correct), count(*) - sum(correct) FROM word_review_items GROUP BY word_id
        EXCEPT
        SELECT word_id, correct_count, wrong_count FROM word_reviews WHERE correct_count + wrong_count > 0
    """,
    "word_reviews (extra rows)": """
        SELECT word_id, correct_count, wrong_count FROM word_reviews
        EXCEPT
        SELECT word_id, sum(correct), count(*) - sum(correct) FROM word_review_items GROUP BY word_id
    """,
    "study_sessions": """
        SELECT s.id, count(r.id), ifnull(sum(r.correct), 0), max(r.created_at)
        FROM study_sessions AS s
        LEFT JOIN word_review_items AS r ON r.study_session_id = s.id
        GROUP BY s.id
        EXCEPT
        SELECT id, review_items_count, correct_count, last_review_at FROM study_sessions
    """,
    "groups": """
        SELECT g.id,
            (SELECT count(*) FROM word_groups WHERE group_id = g.id),
            (SELECT max(created_at) FROM study_sessions WHERE group_id = g.id)
        FROM groups AS g
        EXCEPT
        SELECT id, words_count, last_session_at FROM groups
    """,
    "review_days": """
        SELECT substr(created_at, 1, 10), count(*) FROM word_review_items GROUP BY 1
        EXCEPT
        SELECT day, reviews FROM review_days
    """,
    "review_days runs": """
        SELECT day, min(day) OVER (PARTITION BY island)
        FROM (SELECT day, julianday(day) - row_number() OVER (ORDER BY day) AS island FROM review_days)
        EXCEPT
        SELECT day, run_start FROM review_days
    """,
    "totals": """
        SELECT
            (SELECT count(*) FROM words),
            (SELECT count(*) FROM study_sessions),
            (SELECT count(*) FROM word_review_items),
            (SELECT ifnull(sum(correct), 0) FROM word_review_items),
            (SELECT count(*) FROM word_reviews),
            (SELECT count(*) FROM word_reviews
             WHERE correct_count + wrong_count >= 5
               AND correct_count * 5 >= (correct_count + wrong_count) * 4)
        EXCEPT
        SELECT words, sessions, reviews, correct, studied_words, mastered_words FROM totals
    """,
}


def counter_mismatches(conn):
    """Names of the counter caches that disagree with a recount of the rows (none: [])."""
    return [name for name, sql in COUNTER_CHECKS.items() if conn.execute(sql).fetchone() is not None]


# --- wiring -------------------------------------------------------------------


def init_app(app):
    app.teardown_appcontext(release_db)
    for command in (init_db_command, seed_command, reset_history_command, check_db_command):
        app.cli.add_command(command)


@contextmanager
def cli_db(create=False, upgrade=True):
    """A connection for a CLI command: the schema brought up to date (or only checked),
    every expected failure reported as a one-line error with a non-zero exit."""
    try:
        conn = connect_app_db(current_app, create=create)
    except sqlite3.OperationalError as e:
        raise click.ClickException(f"Cannot open the database {current_app.config['DATABASE']}: {e}.") from None
    try:
        if upgrade:
            migrate(conn)
        else:
            check_schema_version(conn)
        yield conn
    except SchemaTooNew as e:
        raise click.ClickException(str(e)) from None
    finally:
        conn.close()


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the schema, and seed an empty database."""
    with cli_db(create=True, upgrade=False) as conn:
        before = schema_version(conn)
        init_db(conn, current_app.config["SEED_DIR"])
        words = conn.execute("SELECT count(*) AS n FROM words").fetchone()["n"]
        click.echo(
            f"Database {current_app.config['DATABASE']} at schema version "
            f"{schema_version(conn)} (was {before}); {words} words."
        )


@click.command("seed")
@with_appcontext
def seed_command():
    """Load the seed data (idempotent)."""
    with cli_db(create=True) as conn:
        added = seed(conn, current_app.config["SEED_DIR"])
    click.echo(f"Seeded: {added} new words.")


@click.command("reset-history")
@with_appcontext
def reset_history_command():
    """Delete every study session, word review and feedback review."""
    with cli_db() as conn:
        reset_history(conn)
    click.echo("Study history cleared; words, groups and activities kept.")


@click.command("check-db")
@with_appcontext
def check_db_command():
    """Run SQLite's integrity check and recount every counter cache."""
    with cli_db(upgrade=False) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()["integrity_check"]
        mismatches = counter_mismatches(conn)
    click.echo(f"integrity_check: {integrity}")
    click.echo(f"counter caches: {'ok' if not mismatches else 'out of step: ' + ', '.join(mismatches)}")
    if integrity != "ok" or mismatches:
        raise SystemExit(1)
