"""Paths: one normalisation step for every path form the clients use, and path ids.

/study_sessions/3/review, /api/study-sessions/3/review and /api/study_sessions/3/review
all reach the same view: a missing /api prefix is added and hyphens in path segments
become underscores. Segments with a dot (file names such as docs assets) are left alone.
"""

from werkzeug.routing import BaseConverter

from lib.domain import MAX_ID


def canonical_path(path):
    segments = [s if "." in s else s.replace("-", "_") for s in path.split("/") if s]
    if not segments or segments[0] != "api":
        segments.insert(0, "api")
    return "/" + "/".join(segments)


class CanonicalPaths:
    """WSGI middleware that rewrites PATH_INFO to its canonical form before routing."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        environ["PATH_INFO"] = canonical_path(environ.get("PATH_INFO", "/"))
        return self.wsgi_app(environ, start_response)


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
