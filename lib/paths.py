"""One normalisation step for every path form the clients use.

/study_sessions/3/review, /api/study-sessions/3/review and /api/study_sessions/3/review
all reach the same view: a missing /api prefix is added and hyphens in path segments
become underscores. Segments with a dot (file names such as docs assets) are left alone.
"""


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
