import hashlib
from pathlib import Path

import flask
import pytest

from app import create_app
from lib import db
from tests.contract import ContractClient

# Every test client checks every response against openapi.yaml.
flask.Flask.test_client_class = ContractClient


# The fast tests stand on a small seed of their own: "Adjectives" (words 1-12) and
# "Verbs" (words 13-27), and the one study activity. The real seed has its own tests.
TEST_SEED_DIR = Path(__file__).resolve().parent / "seed"
SEED_WORDS = 27


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "lang-portal.db")


@pytest.fixture
def app(db_path):
    """An app on a fresh database file, schema applied and the tests' seed loaded."""
    app = create_app({"TESTING": True, "DATABASE": db_path, "SEED_DIR": str(TEST_SEED_DIR)})
    conn = db.connect_app_db(app, create=True)
    db.init_db(conn, app.config["SEED_DIR"])
    conn.close()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def conn(app):
    """A connection of its own to the app's database, to check what it holds."""
    conn = db.connect_app_db(app)
    yield conn
    conn.close()


@pytest.fixture
def session_id(client):
    """The id of a new study session on group 1 with activity 1."""
    response = client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1})
    assert response.status_code == 200
    return response.get_json()["id"]


def count(conn, table):
    return conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"]


def snapshot(conn, id_sequences=True):
    """A digest of everything the database holds: schema and every row (without the
    AUTOINCREMENT high-water marks in sqlite_sequence when id_sequences is false)."""
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
