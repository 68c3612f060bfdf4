"""The OpenAPI document: valid, served, complete, and enforced by the test client."""

import re

import pytest
from flask import Response
from openapi_spec_validator import validate

from routes.docs import openapi_document
from tests.contract import ContractViolation, check

METHODS = {"get", "post", "put", "patch", "delete"}


def test_document_is_valid_openapi_3_1():
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_document_is_served_as_json(client):
    response = client.get("/api/openapi.json")
    assert response.get_json() == openapi_document()


def test_docs_page_uses_only_assets_served_by_the_api(client):
    page = client.get("/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert not re.search(r"(src|href)=\"https?://", html)
    for asset in re.findall(r"(?:src|href)=\"(/api/docs/[^\"]+)\"", html):
        with client.get(asset) as response:
            assert response.status_code == 200 and len(response.data) > 1000, asset


def test_unknown_docs_asset_is_404(client):
    assert client.get("/api/docs/index.html").status_code == 404


def documented_operations():
    return {
        (path, method.upper())
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method in METHODS
    }


def routed_operations(app):
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        path = path.replace("{filename}", "{asset}")
        operations |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return operations


def test_every_route_is_documented_and_every_documented_operation_exists(app):
    assert routed_operations(app) == documented_operations()


def fake(status, body):
    return Response(body, status=status, mimetype="application/json")


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "problem"),
    [
        ("GET", "/api/groups/1", 200, '{"id": 1, "group_name": "x", "word_count": 1, "extra": 1}', "does not match"),
        ("GET", "/api/groups/1", 200, '{"id": 1, "group_name": "x"}', "does not match"),
        ("GET", "/api/groups/1", 418, '{"error": "teapot"}', "does not document"),
        ("POST", "/study-sessions", 200, '{"id": 1}', "does not match"),
        ("GET", "/api/words/1", 404, '{"message": "no"}', "does not match"),
    ],
)
def test_contract_check_catches_drift(method, path, status, body, problem):
    with pytest.raises(ContractViolation, match=problem):
        check(method, path, fake(status, body))


def test_contract_check_accepts_a_documented_answer():
    check("GET", "/groups/1", fake(200, '{"id": 1, "group_name": "x", "word_count": 1}'))
