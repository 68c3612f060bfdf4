"""Production serving: gunicorn -c gunicorn.conf.py "app:create_app()"."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
accesslog = os.environ.get("ACCESS_LOG")  # e.g. "-" for stdout; off by default


def on_starting(server):
    """Create or upgrade and seed the database once, in the master, before workers fork."""
    from app import create_app, prepare_database

    prepare_database(create_app())
