"""Schemathesis generates requests for every operation of openapi.yaml (valid and invalid
ones) and checks that none is a 5xx and every answer conforms to the document."""

import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app import create_app
from lib import db
from lib.domain import accounts
from lib.domain import seed as seeding
from lib.files import seed as seed_files
from tests.helpers import POSTGRESQL_URL, PostgreSQLServer
from tests.slow.figures import FIGURES

# On PostgreSQL the pool's worker threads (psycopg_pool) draw from the random module
# (reconnection jitter) while Hypothesis draws a case; Hypothesis takes that for a strategy
# using random and warns (an error here), then reports the test as flaky (CI, once).
pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies"),
]

MAX_EXAMPLES = 60
GENERATED = {"requests": 0, "by_status": {}}


# The app is made at import so that the schema's operations can be listed for
# parametrize; its database file is created by the fixture below, before the first
# request. Schemathesis's own pytest plugin is off (pyproject.toml), so that only these
# slow tests load it.
FUZZ_DIR = Path(tempfile.mkdtemp(prefix="lang-portal-fuzz-"))
POSTGRESQL = PostgreSQLServer(POSTGRESQL_URL) if POSTGRESQL_URL else None
FUZZ_DATABASE = POSTGRESQL.create() if POSTGRESQL else str(FUZZ_DIR / "fuzz.db")
BACKUPS = str(FUZZ_DIR / "backups")  # what the fuzzed resets back up, out of the project's folder
fuzz_app = create_app({"TESTING": True, "DATABASE": FUZZ_DATABASE, "BACKUP_DIR": BACKUPS})
# The class mode, fuzzed as a signed-in learner (the token is made with the database below).
FUZZ_CLASS_DATABASE = POSTGRESQL.create() if POSTGRESQL else str(FUZZ_DIR / "fuzz-class.db")
fuzz_class_app = create_app(
    {"TESTING": True, "DATABASE": FUZZ_CLASS_DATABASE, "ACCESS": "class", "BACKUP_DIR": BACKUPS}
)
LEARNER = {}

# Static documentation files are left out: schemathesis's WSGI transport leaves the file
# responses unclosed (a ResourceWarning, an error here); tests/test_openapi.py covers them.
schemas = {
    app.config["ACCESS"]: schemathesis.openapi.from_wsgi("/api/openapi.json", app).exclude(operation_id="docsAsset")
    for app in (fuzz_app, fuzz_class_app)
}


@pytest.fixture(scope="module", autouse=True)
def fuzz_database():
    for app in (fuzz_app, fuzz_class_app):
        conn = db.connect_app_db(app, create=True)
        seeding.prepare(conn, seed_files.read(app.config["SEED_DIR"]))
        if app is fuzz_class_app:
            with conn.transaction():
                account = accounts.create_account(conn, "fuzzer", "fuzzer password", "learner")
                token = accounts.issue_token(conn, account["account_id"], "write", 1)["token"]
            LEARNER["Authorization"] = f"Bearer {token}"
        conn.close()
    yield
    for app, database in ((fuzz_app, FUZZ_DATABASE), (fuzz_class_app, FUZZ_CLASS_DATABASE)):
        db.close_connections(app)
        if POSTGRESQL:
            POSTGRESQL.drop(database)
    shutil.rmtree(FUZZ_DIR)


def integral_floats_as_ints(value):
    """JSON Schema counts 3.0 as an integer, but the API refuses floats for integer fields
    (the contract says so; tests/test_hostile_input.py pins it), so send them as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [integral_floats_as_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: integral_floats_as_ints(v) for k, v in value.items()}
    return value


OPERATIONS = [(mode, result.ok()) for mode, schema in schemas.items() for result in schema.get_all_operations()]


@pytest.mark.parametrize(("mode", "operation"), OPERATIONS, ids=lambda value: getattr(value, "label", value))
def test_every_operation_answers_within_its_contract(mode, operation):
    """Valid and invalid requests (schemathesis's positive and negative modes) for one
    operation, in each mode: no 5xx, and every answer as the document says."""
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=cases)
    def answers_within_its_contract(case):
        if "Idempotency-Key" in (case.headers or {}):
            # A fresh key per request: reusing one for another body is a 422 by design (tested
            # in tests/test_guards.py), which the fuzzer would take for a rejected valid request.
            case.headers["Idempotency-Key"] = uuid.uuid4().hex
        case.body = integral_floats_as_ints(case.body)
        if mode == "class" and "Authorization" not in (case.headers or {}):
            case.headers = {**(case.headers or {}), **LEARNER}
        response = case.call()
        GENERATED["requests"] += 1
        GENERATED["by_status"][response.status_code] = GENERATED["by_status"].get(response.status_code, 0) + 1
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(GENERATED["by_status"].items()))
        FIGURES["schemathesis"] = f"schemathesis: {GENERATED['requests']} requests ({statuses})"
        assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}"
        if operation.label == "POST /api/learners/{learner_id}/schedule/optimize" and response.status_code == 422:
            # A valid request, refused for the learner's state (too few answers to fit to), as
            # documented; tests/test_memory.py pins when it is.
            case.validate_response(response, excluded_checks=[positive_data_acceptance])
        else:
            case.validate_response(response)

    answers_within_its_contract()
