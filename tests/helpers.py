"""What many tests use: the tests' own seed, an app with its test client checked against
openapi.yaml, a learner's answers to fit on, and ways to look at what the database holds."""

import hashlib
import itertools
import os
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from app import create_app
from tests.contract import ContractClient

# The suite runs on SQLite, or on the PostgreSQL server at this URL when it is set
# (python -m harness.postgres -- python -m pytest starts a throwaway one and sets it).
POSTGRESQL_URL = os.environ.get("LANG_PORTAL_TEST_DATABASE_URL")
ENGINE = "postgresql" if POSTGRESQL_URL else "sqlite"

# A test of something only SQLite has (its file, its pragmas, its query plans).
sqlite_only = pytest.mark.skipif(ENGINE != "sqlite", reason="tests a feature of the SQLite engine")
postgresql_only = pytest.mark.skipif(ENGINE != "postgresql", reason="tests a feature of the PostgreSQL engine")

# The fast tests stand on a small seed of their own: "Adjectives" (words 1-12) and
# "Verbs" (words 13-27), and the one study activity. The real seed has its own tests.
TEST_SEED_DIR = Path(__file__).resolve().parent / "seed"
SEED_WORDS = 27


# Where backups of the tests' PostgreSQL databases go: one directory for the run, removed
# when it ends (a SQLite file's go beside it, in the test's own directory).
BACKUPS = tempfile.TemporaryDirectory(prefix="lp-backups-")


def backup_dir_for(database):
    """The backup directory a test's app or server on database uses."""
    if not str(database).startswith("postgresql"):
        return ""
    return tempfile.mkdtemp(dir=BACKUPS.name)


def make_app(database, **settings):
    """An app on the database file, with the tests' seed; every response its test client
    receives is checked against openapi.yaml. Rate limits are off unless settings say; jobs run only when the test runs them."""
    backup_dir = backup_dir_for(database)
    app = create_app(
        # No worker threads: a test runs the jobs it submits in its own thread (run_pending).
        {
            "TESTING": True,
            "DATABASE": str(database),
            "SEED_DIR": str(TEST_SEED_DIR),
            "JOB_WORKERS": 0,
            "BACKUP_DIR": backup_dir,
            **settings,
        }
    )
    app.test_client_class = ContractClient
    return app


def give_answers(app, tmp_path, learner_id, seed=11, count=150, words=12, start=date(2026, 1, 1)):
    """A review log of count answers to words words, a few a day from start, imported for the learner."""
    rng = random.Random(seed)
    day, lines = start, ["word_id,grade,reviewed_at,duration_ms"]
    for _ in range(count):
        day += timedelta(days=rng.choice([0, 1, 1, 2, 4]))
        lines.append(f"{rng.randint(1, words)},{rng.choice([1, 3, 3, 3, 4])},{day.isoformat()}T12:00:00Z,")
    path = tmp_path / f"log-{learner_id}-{seed}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-reviews", str(path), "--learner", str(learner_id)])
    assert result.exit_code == 0, result.output


class PostgreSQLServer:
    """Databases of their own for the tests, on the server at POSTGRESQL_URL."""

    numbers = itertools.count()  # shared by every instance: names never collide in a run

    def __init__(self, url):
        self.url = url

    def url_of(self, name):
        return urlunsplit(urlsplit(self.url)._replace(path=f"/{name}"))

    def _admin(self, sql):
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql)

    def create(self, template=None):
        """A new database (empty, or a copy of template); its URL."""
        name = f"lang_portal_test_{os.getpid()}_{next(PostgreSQLServer.numbers)}"
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self._admin(f"CREATE DATABASE {name}{copy}")
        return self.url_of(name)

    def drop(self, url):
        self._admin(f"DROP DATABASE IF EXISTS {urlsplit(url).path.lstrip('/')} WITH (FORCE)")


def set_schema_version(conn, version):
    """Mark the database as made by the code of that schema version."""
    if conn.engine.NAME == "sqlite":
        conn.execute(f"PRAGMA user_version = {int(version)}")
    else:
        conn.execute("UPDATE schema_version SET version = ?", (version,))


def count(conn, table):
    return conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]


def snapshot(conn, id_sequences=True):
    """A digest of everything the database holds: schema and every row (without the
    high-water marks of the ids when id_sequences is false)."""
    if conn.engine.NAME == "postgresql":
        return _postgresql_snapshot(conn)
    factory, conn.row_factory = conn.row_factory, None  # iterdump wants plain tuples
    try:
        lines = (line for line in conn.iterdump() if id_sequences or '"sqlite_sequence"' not in line)
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()
    finally:
        conn.row_factory = factory


def error_of(response):
    """The error sentence of a JSON error response (and check the shape)."""
    assert response.is_json, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body["error"], str) and body["error"]
    return body["error"]


def _postgresql_snapshot(conn):
    """Without the sequences: PostgreSQL does not roll them back (an insert rolled back
    has used up its id all the same), so they are not part of what a write changes."""
    digest = hashlib.sha256()
    columns = conn.rows(
        "SELECT table_name, column_name, data_type, column_default, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
    )
    digest.update(repr(columns).encode())
    for table in sorted({c["table_name"] for c in columns}):
        width = sum(1 for c in columns if c["table_name"] == table)
        order = ", ".join(str(n) for n in range(1, width + 1))
        digest.update(repr(conn.rows(f"SELECT * FROM {table} ORDER BY {order}")).encode())
    return digest.hexdigest()


class People:
    """A class deployment's people, made in a database once (tests/conftest.py, class_file):
    an admin; a teacher of class A; alice, a learner in class A, and bob, one in class B,
    each with a study session (ids drawn at random, as the class mode draws them) holding an
    answer and a queued fit; a token of each, and a read token of alice's. Learner 1 has no account."""

    PASSWORD = "correct horse battery"

    @classmethod
    def made_in(cls, conn):
        from lib.domain import accounts, answers, sessions
        from lib.web.access import CAPABILITY_IDS

        people = cls()
        with conn.transaction():
            accounts.create_class(conn, "Class A")
            accounts.create_class(conn, "Class B")
            made = {
                "admin": accounts.create_account(conn, "ada", cls.PASSWORD, "admin"),
                "teacher": accounts.create_account(conn, "tess", cls.PASSWORD, "teacher", classes=["Class A"]),
                "alice": accounts.create_account(conn, "alice", cls.PASSWORD, "learner", classes=["Class A"]),
                "bob": accounts.create_account(conn, "bob", cls.PASSWORD, "learner", classes=["Class B"]),
            }
            people.tokens = {
                who: accounts.issue_token(conn, a["account_id"], "write", 1)["token"] for who, a in made.items()
            }
            people.tokens["alice read"] = accounts.issue_token(conn, made["alice"]["account_id"], "read", 1)["token"]
            people.account_ids = {who: a["account_id"] for who, a in made.items()}
            people.learner_ids = {who: made[who]["learner_id"] for who in ("alice", "bob")}
            people.session_ids = {}
            for number, who in enumerate(("alice", "bob")):
                session_id = CAPABILITY_IDS[0] + 7_777_777 * (number + 1)
                sessions.create(conn, 1, 1, people.learner_ids[who], session_id=session_id)
                answers.record_in_session(conn, session_id, [{"word_id": 1, "correct": True, "grade": 3}])
                people.session_ids[who] = session_id
            people.job_ids = {
                who: conn.scalar(
                    "INSERT INTO jobs (kind, learner_id, created_at) VALUES ('optimize', ?, '2026-01-01T00:00:00Z') "
                    "RETURNING id",
                    (people.learner_ids[who],),
                )
                for who in ("alice", "bob")
            }
        return people

    def headers(self, who):
        """The Authorization header of who's token (none for None)."""
        return {} if who is None else {"Authorization": f"Bearer {self.tokens[who]}"}


class SignedClient:
    """A test client whose every request carries headers (a token) unless it sends its own."""

    def __init__(self, client, headers):
        self.client, self.headers = client, headers
        self.application = client.application

    def open(self, *args, headers=None, **kwargs):
        return self.client.open(*args, headers={**self.headers, **(headers or {})}, **kwargs)

    def get(self, *args, **kwargs):
        return self.open(*args, method="GET", **kwargs)

    def post(self, *args, **kwargs):
        return self.open(*args, method="POST", **kwargs)


def session_one_of(app, learner_id):
    """Put study session 1 in the app's database, for learner_id (the class mode draws ids
    at random; the hostile-input tests name session 1)."""
    from lib import db

    conn = db.connect_app_db(app)
    try:
        with conn.transaction():
            conn.execute(
                "INSERT INTO study_sessions (id, learner_id, group_id, study_activity_id, created_at, learning_day) "
                "VALUES (1, ?, 1, 1, '2026-01-01T00:00:00Z', '2026-01-01')",
                (learner_id,),
            )
    finally:
        conn.close()
