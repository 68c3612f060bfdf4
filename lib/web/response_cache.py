"""Responses kept until the database is written: a GET whose body depends only on its URL
and the database is answered again from memory while nothing has been written since.

Each SQLite connection (lent to one request at a time) keeps its own responses under its
write mark (PRAGMA data_version, which changes when any other connection or process
commits, and the connection's own count of changes); a mark that moved empties it. The
mark is read before the view reads, so a kept body is never older than its mark. On
PostgreSQL there is no such mark, and nothing is kept; LANG_PORTAL_RESPONSE_CACHE=off
keeps nothing either.

Where pages are kept, each answer says whether it was kept, in RFC 9211's Cache-Status:
"lang-portal; hit" from memory, "lang-portal; fwd=miss" read anew (with "; stored" when
kept for the next request)."""

import functools
from collections import OrderedDict

from flask import current_app, request

from lib.db import get_db
from lib.web import auth

HIT, MISS, STORED = "lang-portal; hit", "lang-portal; fwd=miss", "lang-portal; fwd=miss; stored"
# Per connection (LANG_PORTAL_POOL_SIZE are kept between requests: 10 MiB a process by
# default); a body over a quarter is not kept.
KEPT_BYTES = 1024 * 1024


class KeptResponses:
    """The bodies kept on one connection under one write mark, the oldest used dropped first."""

    def __init__(self, mark):
        self.mark = mark
        self.bodies = OrderedDict()
        self.size = 0

    def get(self, key):
        body = self.bodies.get(key)
        if body is not None:
            self.bodies.move_to_end(key)
        return body

    def put(self, key, body):
        """Keep body under key, unless it is too large to; whether it was kept."""
        if len(body) > KEPT_BYTES // 4:
            return False
        self.bodies[key] = body
        self.size += len(body)
        while self.size > KEPT_BYTES:
            _, dropped = self.bodies.popitem(last=False)
            self.size -= len(dropped)
        return True


def cached_until_write(view):
    """Keep the view's 200 JSON bodies, by path and query string, until the next write."""

    @functools.wraps(view)
    def cached_view(**kwargs):
        if not current_app.config["RESPONSE_CACHE"]:
            return view(**kwargs)
        conn = get_db()
        mark = conn.write_mark()
        if mark is None:
            return view(**kwargs)
        kept = conn.kept_responses
        if kept is None or kept.mark != mark:
            kept = conn.kept_responses = KeptResponses(mark)
        key = (auth.scope(), request.path, request.query_string)  # one person's page is not another's
        body = kept.get(key)
        if body is not None:
            response = current_app.response_class(body, mimetype="application/json")
            response.headers.add("Cache-Status", HIT)  # cheaper than headers=; a fresh response has none
            return response
        response = current_app.make_response(view(**kwargs))
        stored = response.status_code == 200 and response.mimetype == "application/json"
        stored = stored and kept.put(key, response.get_data())
        response.headers["Cache-Status"] = STORED if stored else MISS
        return response

    return cached_view
