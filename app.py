"""lang-portal: the JSON API of a language-learning portal (Flask + SQLite)."""

import logging
import os

from flask import Flask, request

from lib import backups, commands, config, db, schema, worker
from lib.domain import seed as seeding
from lib.files import seed
from lib.web import access, auth, body, cors, errors, hosts, ratelimit
from lib.web.jsonio import OrjsonProvider
from lib.web.paths import CanonicalPaths, IdConverter
from routes import (
    accounts,
    admin,
    dashboard,
    docs,
    exports,
    groups,
    jobs,
    learners,
    study_activities,
    study_queue,
    study_sessions,
    words,
)


def create_app(test_config=None):
    """Build the app: settings, database wiring, CORS, guards, errors, blueprints."""
    app = Flask(__name__, static_folder=None)  # no static files: every route declares its access
    app.json = OrjsonProvider(app)
    app.config.from_mapping(
        config.from_environment(),
        SEED_DIR=str(seed.SEED_DIR),
        MAX_CONTENT_LENGTH=1024 * 1024,
    )
    if test_config:
        # Tests get no rate limits unless they ask for them.
        app.config.update({"RATELIMIT_ENABLED": False, **test_config})
        config.check(app.config)
    app.url_map.converters["id"] = IdConverter
    app.url_map.strict_slashes = False
    app.wsgi_app = CanonicalPaths(app.wsgi_app)

    db.init_app(app)
    errors.init_app(app)
    hosts.init_app(app)
    ratelimit.init_app(app)
    body.init_app(app)
    auth.init_app(app)
    app.before_request(guard)
    cors.init_app(app, {*app.config["CORS_ORIGINS"], *seed.activity_origins(app.config["SEED_DIR"])})
    commands.init_app(app)
    worker.init_app(app)
    backups.init_app(app)
    for module in (
        words,
        groups,
        study_activities,
        study_sessions,
        study_queue,
        learners,
        dashboard,
        exports,
        admin,
        accounts,
        jobs,
        docs,
    ):
        app.register_blueprint(module.bp)
    return app


def guard():
    """before_request, one hook (Flask's cost is per hook): the Host, then who is calling,
    then what a write sends, so that a 401 or 403 comes before a body's 400 or 415."""
    hosts.require_trusted_host()
    access.enforce()
    if request.method in body.WRITE_METHODS and request.routing_exception is None:
        auth.require_token()  # the open mode's token, when one is set
        body.require_json_writes()


def serving_app():
    """The app of a serving process, its job worker started (serve.py makes one per process)."""
    app = create_app()
    worker.of(app).start()
    backups.of(app).start()
    return app


def prepare_database(app):
    """Create or upgrade the schema and seed an empty database (the embedded default).
    A database made by a newer version of the code stops the server: SystemExit with
    a message naming both versions."""
    conn = db.connect_app_db(app, create=True)
    try:
        seeding.prepare(
            conn,
            seed.read(app.config["SEED_DIR"]),
            before_migration=lambda: backups.take(app.config, "before-migration"),
        )
    except (schema.SchemaTooNew, backups.BackupFailed) as e:
        raise SystemExit(f"lang-portal will not start: {e}") from None
    finally:
        conn.close()


def main():
    logging.basicConfig(level=logging.INFO)
    app = create_app()
    prepare_database(app)
    worker.of(app).start()
    backups.of(app).start()
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))


if __name__ == "__main__":
    main()
