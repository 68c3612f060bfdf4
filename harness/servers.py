"""Start the API as a real server process for the slow tests."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(base_url, process, timeout=30.0):
    """Poll /api/health until it answers; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if requests.get(f"{base_url}/api/health", timeout=1).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{base_url} did not become healthy in {timeout} s")


def production_command():
    """The production server as the README starts it (WEB_CONCURRENCY processes)."""
    return [sys.executable, "serve.py"]


@contextmanager
def running_server(command, db_path, port=None, env=None, log=None):
    """Run command (serve.py or python app.py) on db_path and yield its base URL; the
    server's log (stderr) goes to the file log when given, else to a temporary file (a
    pipe nobody reads would stall the server once its log filled the pipe's 64 KiB: four
    seconds of waitress's "Task queue depth" warnings did). If the server does not start,
    the error carries the end of its log."""
    port = port or free_port()
    environment = {**os.environ, "LANG_PORTAL_DB": str(db_path), "HOST": "127.0.0.1", "PORT": str(port), **(env or {})}
    stderr = open(log, "w+b") if log else tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=stderr)
    base_url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_healthy(base_url, process)
        except (RuntimeError, TimeoutError) as e:
            stderr.seek(0)
            raise RuntimeError(f"{e}; its log ends:\n{stderr.read()[-4000:].decode(errors='replace')}") from None
        yield base_url, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        stderr.close()
