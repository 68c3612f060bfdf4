"""The Host header: a request must name one of the server's own addresses.

A page on another site can rebind its own DNS name to 127.0.0.1 and so become
same-origin to a server on the learner's machine; its requests then carry that site's
name in Host. Any port is accepted (a proxy may forward from another); the links the API
writes come from LANG_PORTAL_PUBLIC_URL, never from the request.
"""

import re

from flask import current_app, request
from werkzeug.exceptions import BadRequest

from lib import config

# A host name or IPv4 address, or an IPv6 address in brackets, and an optional port.
SEEN = 64  # good Host headers remembered as sent (host and port), so that most requests skip the parsing
HOST = re.compile(r"(?P<host>[a-z0-9.-]+|\[[a-f0-9:.]+\])(?::(?P<port>[0-9]{1,5}))?")


def host_of(header):
    """The host part of a Host header, lower-cased, or None when it is no host[:port]."""
    found = HOST.fullmatch(header.strip().lower())
    if found is None or (found["port"] is not None and not 1 <= int(found["port"]) <= 65535):
        return None
    return found["host"]


def require_trusted_host():
    """Before every request (app.guard): a Host that is not one of TRUSTED_HOSTS is a 400."""
    header = request.environ.get("HTTP_HOST")
    served = current_app.extensions["lang_portal_hosts"]
    if header in served.seen:  # the headers already found good, as sent
        return
    if header is None:
        raise BadRequest("Send a Host header naming this server (HTTP/1.1 requires one).")
    if host_of(header) not in served.hosts:
        raise BadRequest(
            f"This server does not answer to the host {header[:100]!r}; "
            f"call it at {current_app.config['PUBLIC_URL']} (LANG_PORTAL_TRUSTED_HOSTS lists the names it answers to)."
        )
    if len(served.seen) < SEEN:
        served.seen.add(header)


class Served:
    """The hosts the server answers to, and the Host headers found to name one of them."""

    def __init__(self, hosts):
        self.hosts, self.seen = hosts, set()


def init_app(app):
    app.extensions["lang_portal_hosts"] = Served(config.trusted_hosts(app.config))
