"""CORS: browsers on the allowed origins may read the API's answers and send it JSON.

An answer to a request from an allowed origin names that origin in
Access-Control-Allow-Origin (errors too); a preflight from one is answered with the
methods the path allows, the headers asked for, and a max age. Other origins get none of
these, so a browser neither lets their pages read answers nor sends their JSON writes.
A request without an allowed Origin costs a header and a set look-up; flask-cors works out
every header on every request, even without an Origin (docs/performance.md).
"""

from flask import request

MAX_AGE = "600"  # seconds a browser may keep a preflight's answer
EXPOSED = "Retry-After"


def allow_allowed_origins(origins):
    allowed = frozenset(origins)

    def add_headers(response):
        response.headers["Vary"] = "Origin"  # an answer differs by Origin; a cache must know
        origin = request.headers.get("Origin")
        if origin not in allowed:
            return response
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            response.headers["Access-Control-Allow-Methods"] = response.headers.get("Allow", "GET, POST, PUT")
            asked = request.headers.get("Access-Control-Request-Headers")
            if asked:
                response.headers["Access-Control-Allow-Headers"] = asked
            response.headers["Access-Control-Max-Age"] = MAX_AGE
        return response

    return add_headers


def init_app(app, origins):
    app.after_request(allow_allowed_origins(origins))
