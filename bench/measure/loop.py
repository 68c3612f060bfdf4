"""One client calling a URL in a loop, one request at a time, from a process of its own,
until told to stop: every answer's latency, to compare a server's tail with and without
other work on it (run as a script by Loop; it imports nothing of the project)."""

import http.client
import json
import math
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit


class Loop:
    """The client, calling url from its start until stop(), which gives {latencies_ms,
    errors}: each 200's time in ms, in order, and how many answers were not 200."""

    def __init__(self, url):
        self.process = subprocess.Popen(
            [sys.executable, __file__, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        if self.process.stdout.readline().strip() != "ready":  # its first request is answered
            raise RuntimeError(f"the client calling {url} did not start (exit {self.process.wait()})")

    def stop(self):
        out, _ = self.process.communicate(input="", timeout=60)  # closing its input stops it
        return json.loads(out)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def percentile(values, share):
    """The nearest-rank percentile of values (share 0.99: the p99)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _call(conn, path):
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def main(url):
    parts = urlsplit(url)
    stopping = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stopping.set()), daemon=True).start()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)  # one connection, kept alive
    _call(conn, parts.path)
    print("ready", flush=True)
    latencies, errors = [], 0
    while not stopping.is_set():
        started = time.perf_counter()
        try:
            ok = _call(conn, parts.path) == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        if ok:
            latencies.append((time.perf_counter() - started) * 1000)
        else:
            errors += 1
    json.dump({"latencies_ms": latencies, "errors": errors}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
