"""Fixtures, each named for the state it gives."""

import shutil

import pytest

from lib import db
from lib.domain import seed as seeding
from lib.files import seed as seed_files
from tests.helpers import POSTGRESQL_URL, TEST_SEED_DIR, People, PostgreSQLServer, make_app


def pytest_ignore_collect(collection_path, config):
    """The default run (-m "not slow") does not even import tests/slow, so the tools only
    the slow tests need (schemathesis) are not loaded for the fast ones."""
    return collection_path.name == "slow" and config.getoption("markexpr").strip() == "not slow"


@pytest.fixture(scope="session")
def postgresql():
    """The PostgreSQL server the suite runs on, or None (SQLite)."""
    return PostgreSQLServer(POSTGRESQL_URL) if POSTGRESQL_URL else None


@pytest.fixture
def database(tmp_path, postgresql):
    """The test's own database, with nothing in it yet: a file path that does not exist
    (SQLite), or the URL of a new empty database (PostgreSQL)."""
    if postgresql is None:
        yield str(tmp_path / "lang-portal.db")
        return
    url = postgresql.create()
    yield url
    postgresql.drop(url)


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory, postgresql):
    """A database with the schema applied and the tests' seed loaded, made once; each
    test gets a copy of it (migrating and seeding anew costs more than most tests): a
    file (SQLite), or the name of a template database (PostgreSQL)."""
    if postgresql is not None:
        url = postgresql.create()
        conn = db.connect(url)
        seeding.prepare(conn, seed_files.read(TEST_SEED_DIR))
        conn.close()
        yield url.rsplit("/", 1)[1]
        postgresql.drop(url)
        return
    path = tmp_path_factory.mktemp("template") / "seeded.db"
    conn = db.connect(str(path))
    seeding.prepare(conn, seed_files.read(TEST_SEED_DIR))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    yield path


@pytest.fixture(scope="session")
def seeded_app(tmp_path_factory):
    """One app for the tests that need no settings of their own: making an app costs more
    than most tests (Werkzeug compiles every route), so the tests share it and each points
    it at a database file of its own (the app fixture)."""
    return make_app(tmp_path_factory.mktemp("shared") / "unused.db")


@pytest.fixture
def seeded_database(tmp_path, postgresql, seeded_file):
    """The test's own database with the schema applied and the tests' seed loaded."""
    if postgresql is None:
        path = str(tmp_path / "seeded.db")
        shutil.copyfile(seeded_file, path)
        yield path
        return
    url = postgresql.create(template=seeded_file)
    yield url
    postgresql.drop(url)


@pytest.fixture
def app(seeded_app, seeded_database, tmp_path):
    """An app on a fresh database: schema applied, the tests' seed loaded; its backups go
    to the test's own directory."""
    seeded_app.config["DATABASE"] = seeded_database
    seeded_app.config["BACKUP_DIR"] = str(tmp_path / "backups")
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


# --- the class mode (LANG_PORTAL_ACCESS=class, tests/test_access.py) ----------------------


@pytest.fixture(scope="session")
def class_file(tmp_path_factory, postgresql, seeded_file):
    """The seeded database with a class deployment's people in it, made once (argon2 hashes
    cost a fifth of a second each): a file (SQLite) or a template database's name, and the
    People (tests/helpers.py) with their tokens."""
    if postgresql is None:
        path = tmp_path_factory.mktemp("class") / "class.db"
        shutil.copyfile(seeded_file, path)
        conn = db.connect(str(path))
    else:
        url = postgresql.create(template=seeded_file)
        conn = db.connect(url)
    people = People.made_in(conn)
    if postgresql is None:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        yield path, people
        return
    conn.close()
    yield url.rsplit("/", 1)[1], people
    postgresql.drop(url)


@pytest.fixture(scope="session")
def class_app_shared(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("class-shared") / "unused.db", ACCESS="class")


@pytest.fixture
def class_app(class_app_shared, class_file, tmp_path, postgresql):
    """An app in the class mode on a fresh copy of class_file's database; its backups go to
    the test's own directory."""
    template, _ = class_file
    class_app_shared.config["BACKUP_DIR"] = str(tmp_path / "backups")
    if postgresql is None:
        path = str(tmp_path / "class.db")
        shutil.copyfile(template, path)
        class_app_shared.config["DATABASE"] = path
        yield class_app_shared
        db.close_connections(class_app_shared)
        return
    url = postgresql.create(template=template)
    class_app_shared.config["DATABASE"] = url
    yield class_app_shared
    db.close_connections(class_app_shared)
    postgresql.drop(url)


@pytest.fixture
def people(class_file):
    return class_file[1]


@pytest.fixture
def class_client(class_app):
    return class_app.test_client()
