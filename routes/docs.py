"""The OpenAPI document, and Swagger UI for people; its assets ship with the swagger-ui-py package."""

import functools
from pathlib import Path

import swagger_ui
import yaml
from flask import Blueprint, abort, send_from_directory

from lib.web.access import PUBLIC, allow
from lib.web.fields import available_time_zones

bp = Blueprint("docs", __name__, url_prefix="/api")

OPENAPI_FILE = Path(__file__).resolve().parent.parent / "openapi.yaml"
ASSETS_DIR = Path(swagger_ui.__file__).resolve().parent / "static"
ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>lang-portal API</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
  </script>
</body>
</html>
"""


@functools.cache
def openapi_document():
    """openapi.yaml as a dict (YAML anchors expanded), read once per process, with the
    time zone names this server knows (its tz database) as the TimeZone enum."""
    document = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    document["components"]["schemas"]["TimeZone"]["enum"] = sorted(available_time_zones())
    return document


@bp.get("/openapi.json")
@allow(PUBLIC)
def openapi():
    return openapi_document()


@bp.get("/docs")
@allow(PUBLIC)
def docs_page():
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.get("/docs/<filename>")
@allow(PUBLIC)
def docs_asset(filename):
    if filename not in ASSETS:
        abort(404, f"No documentation asset named {filename}.")
    return send_from_directory(ASSETS_DIR, filename, max_age=86400)
