"""Check every response the tests receive against openapi.yaml, so the document cannot
drift from behaviour: the status must be documented for the operation, and a JSON body
must match the documented schema."""

import functools
import re

from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from lib.web.paths import canonical_path
from routes.docs import openapi_document


class ContractViolation(AssertionError):
    pass


@functools.cache
def _templates():
    """(regex, template) for every documented path, literal paths before parametrised ones."""
    templates = sorted(openapi_document()["paths"], key=lambda t: (t.count("{"), t))
    return [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", t) + "$"), t) for t in templates]


def operation_for(path):
    canonical = canonical_path(path)
    for pattern, template in _templates():
        if pattern.match(canonical):
            return template
    return None


@functools.cache
def _validator(pointer):
    document = openapi_document()
    return Draft202012Validator({**document, "$ref": pointer})


def _escape(token):
    return token.replace("~", "~0").replace("/", "~1")


def _json_schema_pointer(template, method, status):
    document = openapi_document()
    operation = document["paths"][template][method]
    response = operation["responses"].get(str(status))
    if response is None:
        raise ContractViolation(f"{method.upper()} {template} answered {status}, which openapi.yaml does not document")
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[1]
        return f"#/components/responses/{_escape(name)}/content/application~1json/schema", document["components"][
            "responses"
        ][name]
    return f"#/paths/{_escape(template)}/{method}/responses/{status}/content/application~1json/schema", response


def check(method, path, response):
    method = method.lower()
    if method in ("options", "head"):
        return
    template = operation_for(path)
    if template is None or method not in openapi_document()["paths"][template]:
        # 405 for a known path; 404 also when an id in it is out of range; 400 for a Host
        # the server does not answer to (lib/web/hosts.py), before any routing.
        expected = (400, 404) if template is None else (400, 404, 405)
        if response.status_code not in (*expected, 500):
            raise ContractViolation(f"{method.upper()} {path} is not documented but answered {response.status_code}")
        _validator("#/components/schemas/Error").validate(response.get_json())
        return
    pointer, documented = _json_schema_pointer(template, method, response.status_code)
    content = documented.get("content", {})
    if "application/json" in content:
        if not response.is_json:
            raise ContractViolation(f"{method.upper()} {path} answered {response.mimetype}, documented JSON")
        errors = sorted(_validator(pointer).iter_errors(response.get_json()), key=str)
        if errors:
            raise ContractViolation(
                f"{method.upper()} {path} -> {response.status_code} does not match openapi.yaml: {errors[0].message}"
                f" at {'/'.join(map(str, errors[0].absolute_path))}"
            )
    elif content and response.mimetype not in content:
        raise ContractViolation(f"{method.upper()} {path} answered {response.mimetype}, documented {list(content)}")


class ContractClient(FlaskClient):
    """The Flask test client, checking each response against the OpenAPI document."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        request = response.request
        check(request.method, request.path, response)
        return response
