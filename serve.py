"""Production serving: waitress, with a bound on slow requests.

    .venv/bin/python serve.py        (HOST, PORT, WEB_CONCURRENCY and LANG_PORTAL_* from the environment)

waitress reads every request (line, headers, body, chunked or not) in its event loop and
hands only complete requests to its worker threads, so an idle or slow client never holds
a thread (gunicorn's sync workers are each held by one: docs/performance.md compares
them). What waitress lacks is a bound on a request that keeps
trickling: its channel_timeout is an inactivity timeout, which a byte a second resets.
This adds one: a request not wholly received LANG_PORTAL_REQUEST_TIMEOUT seconds after
its first byte has its connection closed. Connections that send nothing are closed after
LANG_PORTAL_IDLE_TIMEOUT seconds. Errors waitress answers itself (a malformed request, a body over its
cap) are JSON like the API's own.

WEB_CONCURRENCY processes (2 by default: one per core) accept on one listening socket;
one that dies is replaced. The database is created, upgraded and seeded once, before any
process serves.
"""

import contextlib
import json
import os
import signal
import socket
import sys
import time

from waitress import create_server
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.task import ErrorTask

# The bound depends on waitress internals (the channel's parser and error task classes,
# channel.request/requests/will_close, server.active_channels and maintenance), and so
# does the saturation warning's (the task dispatcher's queue_logger): waitress
# is pinned in requirements.txt; tests/slow/test_slow_clients.py holds the bound and
# tests/slow/test_servers.py the warning.
SETTINGS = {
    "connection_limit": 1000,  # open connections per process (waitress's default, 100, is too few)
    "cleanup_interval": 1,  # how often both bounds are checked (seconds)
    "asyncore_use_poll": True,  # poll(), not select(): no ceiling of 1024 descriptors
    # waitress buffers a body before the app sees it and gives the app its length, so the
    # app's own limit (1 MiB) answers 413 in its JSON; past this cap waitress stops reading.
    "max_request_body_size": 2 * 1024 * 1024,
    "max_request_header_size": 64 * 1024,
    "ident": "lang-portal",
}


class TimedParser(HTTPRequestParser):
    """A request being received remembers when its first byte came."""

    def __init__(self, adj):
        super().__init__(adj)
        self.started = time.monotonic()


class JsonErrorTask(ErrorTask):
    """An error waitress answers before the app sees the request, as the API's JSON error."""

    def execute(self):
        error = self.request.error
        body = json.dumps({"error": f"{error.reason}: {error.body}."}).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class Channel(HTTPChannel):
    parser_class = TimedParser
    error_task_class = JsonErrorTask


class SaturationLog:
    """In place of the logger waitress warns through ("Task queue depth is N") each time a
    request waits for a free thread: under load that is most requests, each line written
    inside the lock its threads take tasks under. This passes one warning per interval
    and says how many it held back."""

    def __init__(self, logger, interval=60.0):
        self.logger, self.interval = logger, interval
        self.next_at, self.held = 0.0, 0

    def warning(self, message, *args):
        now = time.monotonic()
        if now < self.next_at:
            self.held += 1
            return
        if self.held:
            message = f"{message} ({self.held} more since the last such warning)"
        self.next_at, self.held = now + self.interval, 0
        self.logger.warning(message, *args)


def bound_slow_requests(server, timeout):
    """Close, at each maintenance pass, every connection whose request has been arriving
    for longer than timeout."""
    idle_check = server.maintenance

    def maintenance(now):
        idle_check(now)
        cutoff = time.monotonic() - timeout
        for channel in list(server.active_channels.values()):
            request = channel.request  # the request still being received, if any
            if request is not None and not channel.requests and request.started < cutoff:
                channel.will_close = True  # the event loop closes it on its next turn

    server.maintenance = maintenance
    server.channel_class = Channel


def serve(sock, factory, threads, request_timeout, idle_timeout):
    server = create_server(factory(), sockets=[sock], threads=threads, channel_timeout=idle_timeout, **SETTINGS)
    bound_slow_requests(server, request_timeout)
    dispatcher = server.task_dispatcher
    dispatcher.queue_logger = SaturationLog(dispatcher.queue_logger)
    server.run()


def listening_socket(host, port):
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def run_processes(count, start):
    """Run start() in count child processes, replacing one that dies, until SIGTERM/SIGINT.
    A process that dies within a second of starting, five times over, stops it all."""
    children, stopping, quick_deaths = {}, False, 0

    def spawn():
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                start()
            finally:
                os._exit(1)
        children[pid] = time.monotonic()

    def stop(signum, frame):
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(count):
        spawn()
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        started = children.pop(pid, None)
        if stopping or started is None:
            continue
        quick_deaths = quick_deaths + 1 if time.monotonic() - started < 1 else 0
        if quick_deaths >= 5:
            stop(None, None)
            sys.exit("lang-portal: the serving processes keep dying at start; see the log above.")
        print(f"lang-portal: process {pid} ended ({status}); starting another", file=sys.stderr, flush=True)
        spawn()


def run(factory):
    """Serve the app factory makes, as configured by HOST, PORT, WEB_CONCURRENCY and
    LANG_PORTAL_THREADS, _REQUEST_TIMEOUT and _IDLE_TIMEOUT (bench/run.py serves a bare
    Flask app the same way, to compare)."""
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "5000"))
    processes = int(os.environ.get("WEB_CONCURRENCY", "2"))
    threads = int(os.environ.get("LANG_PORTAL_THREADS", "8"))
    request_timeout = float(os.environ.get("LANG_PORTAL_REQUEST_TIMEOUT", "20"))
    idle_timeout = int(os.environ.get("LANG_PORTAL_IDLE_TIMEOUT", "30"))
    sock = listening_socket(host, port)
    print(f"lang-portal: serving http://{host}:{sock.getsockname()[1]} with {processes} processes", flush=True)
    if processes <= 1 or not hasattr(os, "fork"):
        serve(sock, factory, threads, request_timeout, idle_timeout)
    else:
        run_processes(processes, lambda: serve(sock, factory, threads, request_timeout, idle_timeout))


def main():
    from app import create_app, prepare_database, serving_app

    prepare_database(create_app())  # create_app reads and checks every LANG_PORTAL_* setting
    run(serving_app)


if __name__ == "__main__":
    main()
