"""A bare Flask app with the floor's route, served by serve.py's machinery, to measure what
lang-portal's own hooks, middleware and error handling cost on a request that does nothing.

    python bench/bare_app.py     (HOST, PORT, WEB_CONCURRENCY as for serve.py)
"""

import sys
from pathlib import Path

from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import serve  # noqa: E402


def create_app():
    app = Flask(__name__)

    @app.get("/api")
    def index():
        return {"name": "lang-portal", "docs": "/api/docs", "openapi": "/api/openapi.json", "health": "/api/health"}

    @app.get("/api/health")
    def health():
        return {
            "status": "ok",
            "schema_version": 9,
            "engine": "sqlite",
            "synchronous": "NORMAL",
            "durability": "full (group commit)",
        }

    return app


if __name__ == "__main__":
    serve.run(create_app)
