"""Fixtures, each named for the state it gives."""

import shutil

import pytest

from lib import db, seed
from tests.helpers import TEST_SEED_DIR, make_app


def pytest_ignore_collect(collection_path, config):
    """The default run (-m "not slow") does not even import tests/slow, so the tools only
    the slow tests need (schemathesis) are not loaded for the fast ones."""
    return collection_path.name == "slow" and config.getoption("markexpr").strip() == "not slow"


@pytest.fixture
def db_path(tmp_path):
    """Where the test's database file goes (nothing is there yet)."""
    return str(tmp_path / "lang-portal.db")


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory):
    """A database file with the schema applied and the tests' seed loaded, made once;
    each test gets a copy of it (migrating and seeding anew costs more than most tests)."""
    path = tmp_path_factory.mktemp("template") / "seeded.db"
    conn = db.connect(str(path))
    seed.init_db(conn, TEST_SEED_DIR)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture(scope="session")
def seeded_app(tmp_path_factory):
    """One app for the tests that need no settings of their own: making an app costs more
    than most tests (Werkzeug compiles every route), so the tests share it and each points
    it at a database file of its own (the app fixture)."""
    return make_app(tmp_path_factory.mktemp("shared") / "unused.db")


@pytest.fixture
def app(seeded_app, db_path, seeded_file):
    """An app on a fresh database file: schema applied, the tests' seed loaded."""
    shutil.copyfile(seeded_file, db_path)
    seeded_app.config["DATABASE"] = db_path
    yield seeded_app
    db.close_connections(seeded_app)


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
