"""lang-portal: the JSON API of a language-learning portal (Flask + SQLite)."""

import json
import logging
import os
from urllib.parse import urlsplit

from flask import Flask
from flask_cors import CORS
from werkzeug.routing import BaseConverter

from lib import auth, bodies, db, errors, idempotency, ratelimit
from lib.jsonio import OrjsonProvider
from lib.paths import CanonicalPaths
from lib.validation import MAX_ID

DEV_ORIGINS = (
    "http://localhost:5173",
    "http://127.0.0.1:5173",
    "http://localhost:8080",
    "http://127.0.0.1:8080",
)


def _at_most(limit):
    """A regex for the numbers with as many digits as limit, from 10^(n-1) up to limit."""
    digits = str(limit)
    alternatives = []
    for i, ch in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(ch) > low:
            alternatives.append(f"{digits[:i]}[{low}-{int(ch) - 1}][0-9]{{{len(digits) - i - 1}}}")
    return "|".join([*alternatives, digits])


class IdConverter(BaseConverter):
    """A path id: a positive integer up to 2^63-1; anything else does not match (404).
    The range is in the regex itself, so an id out of range never matches any rule."""

    regex = f"(?:[1-9][0-9]{{0,{len(str(MAX_ID)) - 2}}}|{_at_most(MAX_ID)})"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


def activity_origins(seed_dir):
    """Origins of the study activities' URLs. Activities come only from the seed files
    (no endpoint creates one), so the seed files list every activity the API serves."""
    path = os.path.join(seed_dir, "study_activities.json")
    with open(path, encoding="utf-8") as f:
        urls = [activity["url"] for activity in json.load(f)]
    return [f"{u.scheme}://{u.netloc}" for u in map(urlsplit, urls) if u.scheme and u.netloc]


def cors_origins(config):
    configured = config.get("CORS_ORIGINS")
    if isinstance(configured, str):
        configured = [o.strip() for o in configured.split(",") if o.strip()]
    base = list(configured) if configured is not None else list(DEV_ORIGINS)
    return sorted(set(base + activity_origins(config["SEED_DIR"])))


def create_app(test_config=None):
    """Build the app: config, database wiring, CORS, error handlers, blueprints."""
    app = Flask(__name__)
    app.json = OrjsonProvider(app)
    app.config.from_mapping(
        DATABASE=os.environ.get("LANG_PORTAL_DB", os.path.join(app.root_path, "words.db")),
        SQLITE_SYNCHRONOUS=os.environ.get("LANG_PORTAL_SYNCHRONOUS", "FULL"),
        # How long a write waits for the database before it is answered 503 (seconds).
        WRITE_TIMEOUT=float(os.environ.get("LANG_PORTAL_WRITE_TIMEOUT", "5")),
        SEED_DIR=str(db.SEED_DIR),
        CORS_ORIGINS=os.environ.get("LANG_PORTAL_CORS_ORIGINS"),
        MAX_CONTENT_LENGTH=1024 * 1024,
        API_TOKEN=os.environ.get("LANG_PORTAL_API_TOKEN") or None,
        RATELIMIT_ENABLED=os.environ.get("LANG_PORTAL_RATE_LIMITS", "on").lower() not in ("off", "0", "false"),
        RATELIMIT_STORAGE_URI=os.environ.get("LANG_PORTAL_RATE_LIMIT_STORAGE", "memory://"),
        RATELIMIT_HEADERS_ENABLED=True,
        # Sized for a class of 40 behind one address (README "Limits, token, retries").
        FEEDBACK_RATE_LIMIT=os.environ.get("LANG_PORTAL_FEEDBACK_LIMIT", "120 per minute"),
        REVIEW_RATE_LIMIT=os.environ.get("LANG_PORTAL_REVIEW_LIMIT", "6000 per minute"),
    )
    if test_config:
        # Tests get no rate limits unless they ask for them.
        app.config.update({"RATELIMIT_ENABLED": False, **test_config})
    app.url_map.converters["id"] = IdConverter
    app.url_map.strict_slashes = False
    app.wsgi_app = CanonicalPaths(app.wsgi_app)

    db.init_app(app)
    errors.init_app(app)
    ratelimit.init_app(app)  # before_request order: rate limit, token, JSON bodies, idempotency
    auth.init_app(app)
    bodies.init_app(app)
    idempotency.init_app(app)
    CORS(app, origins=cors_origins(app.config), max_age=600, expose_headers=["Retry-After"])

    from lib import importer
    from routes import admin, dashboard, docs, groups, study_activities, study_sessions, words

    importer.init_app(app)
    for module in (words, groups, study_activities, study_sessions, dashboard, admin, docs):
        app.register_blueprint(module.bp)
    return app


def prepare_database(app):
    """Create or upgrade the schema and seed an empty database (the embedded default).
    A database made by a newer version of the code stops the server: SystemExit with
    a message naming both versions."""
    conn = db.connect_app_db(app, create=True)
    try:
        db.init_db(conn, app.config["SEED_DIR"])
    except db.SchemaTooNew as e:
        raise SystemExit(f"lang-portal will not start: {e}") from None
    finally:
        conn.close()


def main():
    logging.basicConfig(level=logging.INFO)
    app = create_app()
    prepare_database(app)
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))


if __name__ == "__main__":
    main()
