"""No input gets a 5xx: generated query strings, headers, body field names and values
(lone surrogates, NUL and other control characters, thousands of digits) against every
documented operation. Each answer is a documented status with a JSON body (the test
client checks it against openapi.yaml)."""

import json
import re
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routes.docs import openapi_document
from tests.helpers import SignedClient, session_one_of

OPERATIONS = sorted(
    (method.upper(), re.sub(r"\{[^}]+\}", "1", template))
    for template, item in openapi_document()["paths"].items()
    for method in item
    if method in ("get", "post", "put") and not template.startswith("/api/docs")
)
WRITES = [op for op in OPERATIONS if op[0] != "GET"]

NASTY_VALUES = ["\x00", "\ud800", "\udfff", "\x1b[2J", "\u202e", "9" * 5000, "-0", "1e309", "\ufeff", "🦀", "%", "\r\n"]
NASTY = st.sampled_from(NASTY_VALUES)
TEXT = st.one_of(st.text(max_size=20), NASTY, st.builds(lambda a, b: a + b, st.text(max_size=5), NASTY))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
ALMOST_VALID_BODY = st.fixed_dictionaries(
    {},
    optional={
        "word_id": JSON_VALUES,
        "correct": JSON_VALUES,
        "rating": JSON_VALUES,
        "comments": JSON_VALUES,
        "reviews": JSON_VALUES,
        "group_id": JSON_VALUES,
        "study_activity_id": JSON_VALUES,
    },
)
BODY = st.one_of(ALMOST_VALID_BODY, st.dictionaries(TEXT, JSON_VALUES, max_size=4))
RAW_BYTES = st.binary(max_size=40)
QUERY_BYTES = RAW_BYTES | NASTY.map(lambda text: text.encode("utf-8", "surrogatepass"))
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def check(response):
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.is_json and response.get_json()["error"]


@pytest.fixture(params=["open", "class"])
def with_session(request):
    """A client with session 1 to send to: in the open mode, with no credentials; in the
    class mode, signed in as the learner whose session it is."""
    if request.param == "open":
        request.getfixturevalue("session_id")
        return request.getfixturevalue("client")
    app, people = request.getfixturevalue("class_app"), request.getfixturevalue("people")
    session_one_of(app, people.learner_ids["alice"])
    return SignedClient(app.test_client(), people.headers("alice"))


@SETTINGS
@given(operation=st.sampled_from(OPERATIONS), pairs=st.lists(st.tuples(QUERY_BYTES, QUERY_BYTES), max_size=4))
def test_any_query_string(with_session, operation, pairs):
    method, path = operation
    query = "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in pairs)
    check(with_session.open(f"{path}?{query}", method=method, json={} if method != "GET" else None))


LIST_PATHS = sorted(
    re.sub(r"\{[^}]+\}", "1", template)
    for template, item in openapi_document()["paths"].items()
    if any(p.get("$ref", "").endswith("/page") for p in item.get("get", {}).get("parameters", []))
)


@pytest.mark.parametrize("name", ["page", "per_page", "sort_by", "order"])
@pytest.mark.parametrize("value", NASTY_VALUES, ids=range(len(NASTY_VALUES)))
def test_each_nasty_value_in_each_list_parameter(with_session, name, value):
    encoded = quote_from_bytes(value.encode("utf-8", "surrogatepass"))
    for path in LIST_PATHS:
        check(with_session.get(f"{path}?{name}={encoded}"))


@SETTINGS
@given(
    path=st.sampled_from(LIST_PATHS),
    name=st.sampled_from(["page", "per_page", "sort_by", "order"]),
    value=QUERY_BYTES,
)
def test_any_list_parameter(with_session, path, name, value):
    check(with_session.get(f"{path}?{name}={quote_from_bytes(value)}"))


@SETTINGS
@given(operation=st.sampled_from(WRITES), body=BODY)
def test_any_json_body(with_session, operation, body):
    method, path = operation
    data = json.dumps(body)  # ensure_ascii: lone surrogates travel as \ud800 escapes
    check(with_session.open(path, method=method, data=data, content_type="application/json"))


@SETTINGS
@given(operation=st.sampled_from(WRITES), data=RAW_BYTES | st.binary(min_size=1, max_size=200))
def test_any_body_bytes(with_session, operation, data):
    method, path = operation
    check(with_session.open(path, method=method, data=data, content_type="application/json"))


HEADER_NAMES = st.sampled_from(
    ["Idempotency-Key", "Authorization", "Content-Type", "Origin", "Accept", "X-Forwarded-For", "Range", "X-Junk"]
)


@SETTINGS
@given(
    operation=st.sampled_from(OPERATIONS),
    headers=st.dictionaries(HEADER_NAMES, RAW_BYTES.map(lambda b: b.decode("latin-1")), max_size=3),
)
def test_any_header_value(with_session, operation, headers):
    method, path = operation
    environ = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    if "Content-Type" in headers:
        environ["CONTENT_TYPE"] = environ.pop("HTTP_CONTENT_TYPE")
    else:
        environ["CONTENT_TYPE"] = "application/json"
    check(with_session.open(path, method=method, data=b"{}", environ_overrides=environ))
