"""Rate limits per client address (Flask-Limiter), answered with a JSON 429 and Retry-After.
Routes apply them (routes/study_sessions.py): feedback and word reviews have their own."""

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def feedback_limit():
    return current_app.config["FEEDBACK_RATE_LIMIT"]


def review_limit():
    return current_app.config["REVIEW_RATE_LIMIT"]


def stored(response):
    """Only a request that stored something counts against a limit: a learner in a class
    behind one address must not lose their turn to a classmate's 400, 404 or 409."""
    return 200 <= response.status_code < 300


def init_app(app):
    limiter.init_app(app)
