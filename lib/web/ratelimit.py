"""Rate limits per signed-in account, else per client address, on the routes that need them
(session feedback, word answers, sign-ins, unknown session ids, and what reads or fits
a learner's whole history or reads every word), answered with a JSON 429 and Retry-After.

Only a request that stored something counts against a limit: a learner in a class behind
one address must not lose their turn to a classmate's 400, 404 or 409. The limits are
fixed windows of the `limits` library (the core of Flask-Limiter), parsed from its
notation ("120 per minute"). Flask-Limiter itself was left out: its hook runs on every
request of every route (docs/performance.md). Here only a limited route does any work, and
the counters of one process live in WindowCounters; LANG_PORTAL_RATE_LIMIT_STORAGE may
name a storage `limits` knows (redis://...) to share the counters between processes and
servers.
"""

import functools
import threading
import time

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from werkzeug.exceptions import TooManyRequests

from lib.web.auth import identity

SWEEP_EVERY = 1000  # increments between sweeps of expired counters


class WindowCounters:
    """Fixed-window counters in this process's memory, each forgotten when its window ends
    (swept now and then, so that addresses that never return do not pile up)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}  # key -> [count, end of window (time.time())]
        self.increments = 0

    def get(self, key):
        with self.lock:
            entry = self.counts.get(key)
            return entry[0] if entry and entry[1] > time.time() else 0

    def get_expiry(self, key):
        with self.lock:
            entry = self.counts.get(key)
            return entry[1] if entry else time.time()

    def incr(self, key, expiry, amount=1):
        now = time.time()
        with self.lock:
            entry = self.counts.get(key)
            if entry is None or entry[1] <= now:
                entry = self.counts[key] = [0, now + expiry]
            entry[0] += amount
            self.increments += 1
            if self.increments % SWEEP_EVERY == 0:
                self.counts = {k: v for k, v in self.counts.items() if v[1] > now}
            return entry[0]


def limited(choose):
    """Decorate a view with the limit choose() names for the request: (the config key of
    the limit, its scope; each scope counts separately), or None for no limit. One check
    per request, whichever limit applies: a second decorator was a second pass through
    Flask's context proxies (a fifth of the limiter's time)."""

    def decorate(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            app = current_app._get_current_object()
            chosen = app.config["RATELIMIT_ENABLED"] and choose()
            if not chosen:
                return view(*args, **kwargs)
            setting, scope = chosen
            text = app.config[setting]
            item = _parsed(text)
            counters = app.extensions["lang_portal_limits"]
            key = _key(text, scope, identity())
            if counters.get(key) >= item.amount:
                retry_after = max(1, int(counters.get_expiry(key) - time.time()) + 1)
                raise TooManyRequests(str(item), retry_after=retry_after)
            response = app.make_response(view(*args, **kwargs))
            if 200 <= response.status_code < 300:
                counters.incr(key, item.get_expiry())
            return response

        return checked

    return decorate


HISTORY = ("HISTORY_RATE_LIMIT", "history")  # a learner's whole history, or every word: cost grows with the data
OPTIMIZE = ("OPTIMIZE_RATE_LIMIT", "optimize")


def refuse_when_over(text, scope, who):
    """A 429 with Retry-After when who has used up the limit text (notation of `limits`)
    in scope; counted by count(). Nothing when rate limits are off."""
    app = current_app._get_current_object()
    if not app.config["RATELIMIT_ENABLED"]:
        return
    counters, key = app.extensions["lang_portal_limits"], _key(text, scope, who)
    if counters.get(key) >= _parsed(text).amount:
        raise TooManyRequests(str(_parsed(text)), retry_after=max(1, int(counters.get_expiry(key) - time.time()) + 1))


def count(text, scope, who):
    """Count one use of the limit text in scope by who."""
    app = current_app._get_current_object()
    if app.config["RATELIMIT_ENABLED"]:
        app.extensions["lang_portal_limits"].incr(_key(text, scope, who), _parsed(text).get_expiry())


@functools.lru_cache(maxsize=32)
def _parsed(text):
    return parse(text)


@functools.lru_cache(maxsize=4096)
def _key(limit_text, scope, address):
    """The counter's key of one limit, scope and address, built once: building it is a
    large share of the limiter's own time."""
    return _parsed(limit_text).key_for(scope, address)


def init_app(app):
    uri = app.config["RATELIMIT_STORAGE_URI"]
    app.extensions["lang_portal_limits"] = WindowCounters() if uri == "memory://" else storage_from_string(uri)
    _parsed(app.config["FEEDBACK_RATE_LIMIT"])  # a limit that cannot be parsed stops the start
    _parsed(app.config["REVIEW_RATE_LIMIT"])
    _parsed(app.config["LOGIN_RATE_LIMIT"])
    _parsed(app.config["LOGIN_ADDRESS_RATE_LIMIT"])
    _parsed(app.config["HISTORY_RATE_LIMIT"])
    _parsed(app.config["OPTIMIZE_RATE_LIMIT"])
