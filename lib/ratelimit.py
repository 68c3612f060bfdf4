"""Rate limits per client address (Flask-Limiter), answered with a JSON 429 and Retry-After."""

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from lib.validation import json_body

limiter = Limiter(key_func=get_remote_address)

# The fields of the session-feedback form of POST/PUT /study_sessions/:id/review; the
# review endpoint tells its forms apart by these (routes/study_sessions.py).
FEEDBACK_FIELDS = frozenset({"rating", "comments", "reviewer_id"})


def is_feedback():
    """Whether this review request carries session feedback (limited more tightly)."""
    try:
        return bool(FEEDBACK_FIELDS & json_body().keys())
    except HTTPException:  # a bad body is the view's to report, with its own message
        return False


def feedback_limit():
    return current_app.config["FEEDBACK_RATE_LIMIT"]


def review_limit():
    return current_app.config["REVIEW_RATE_LIMIT"]


def stored(response):
    """Only a request that stored something counts against a limit: a learner in a class
    behind one address must not lose their turn to a classmate's 400, 404 or 409."""
    return 200 <= response.status_code < 300


limit_feedback = limiter.limit(
    feedback_limit, scope="feedback", exempt_when=lambda: not is_feedback(), deduct_when=stored
)
limit_word_reviews = limiter.limit(review_limit, scope="word_reviews", exempt_when=is_feedback, deduct_when=stored)


def init_app(app):
    limiter.init_app(app)
