"""What many tests use: the tests' own seed, an app with its test client checked against
openapi.yaml, and ways to look at what the database holds."""

import hashlib
from pathlib import Path

from app import create_app
from tests.contract import ContractClient

# The fast tests stand on a small seed of their own: "Adjectives" (words 1-12) and
# "Verbs" (words 13-27), and the one study activity. The real seed has its own tests.
TEST_SEED_DIR = Path(__file__).resolve().parent / "seed"
SEED_WORDS = 27


def make_app(database, **settings):
    """An app on the database file, with the tests' seed; every response its test client
    receives is checked against openapi.yaml. Rate limits are off unless settings say."""
    app = create_app({"TESTING": True, "DATABASE": str(database), "SEED_DIR": str(TEST_SEED_DIR), **settings})
    app.test_client_class = ContractClient
    return app


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
