"""A throwaway PostgreSQL server, for the tests and the benchmark on PostgreSQL: a cluster
made in a temporary directory, started on a free port of 127.0.0.1, stopped and deleted
at the end. It needs PostgreSQL's server programs (Debian: apt-get install postgresql).

    python -m harness.postgres -- python -m pytest      # the suite on PostgreSQL

runs the command with LANG_PORTAL_TEST_DATABASE_URL set to the server's URL (the tests'
fixtures make a database of their own on it for each test). As root, the server runs as
the user postgres (initdb refuses root). redis_server() starts a Redis (or Valkey) server
the same way, for the test of rate limits shared by two app servers."""

import argparse
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

from harness.servers import free_port

SERVICE_USER = "postgres"


def bindir():
    """Where initdb and pg_ctl are: pg_config's answer, else Debian's newest version."""
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        if os.path.exists(os.path.join(found, "initdb")):
            return found
    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if os.path.exists(os.path.join(found, "initdb")):
            return found
    if shutil.which("initdb"):
        return os.path.dirname(shutil.which("initdb"))
    raise RuntimeError("PostgreSQL's server programs are not installed (Debian: apt-get install postgresql).")


def _as_service_user():
    """The command prefix and the uid/gid the server runs as (root cannot run it)."""
    if os.geteuid() != 0:
        return [], None
    user = pwd.getpwnam(SERVICE_USER)
    return ["runuser", "-u", SERVICE_USER, "--"], (user.pw_uid, user.pw_gid)


@contextmanager
def cluster(durable=False, settings=None):
    """Yield the URL of a new PostgreSQL server's postgres database. Not durable (the
    default, for tests): fsync and synchronous commits off, as nothing is kept. Durable
    (for benchmarks): PostgreSQL's defaults, commits flushed to disk as SQLite's FULL."""
    programs, prefix = bindir(), None
    prefix, owner = _as_service_user()
    home = tempfile.mkdtemp(prefix="lang-portal-pg-")
    if owner:
        os.chown(home, *owner)
    data, port = os.path.join(home, "data"), free_port()
    options = {
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": home,
        "max_connections": "300",
        **({} if durable else {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}),
        **(settings or {}),
    }
    run = lambda *args: subprocess.run([*prefix, *args], check=True, capture_output=True)  # noqa: E731
    try:
        try:
            run(
                os.path.join(programs, "initdb"),
                *("-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"),
            )
            flags = " ".join(f"-c {name}={value}" for name, value in options.items())
            run(
                os.path.join(programs, "pg_ctl"),
                *("-D", data, "-o", f"-p {port} {flags}", "-l", os.path.join(home, "log"), "-w", "start"),
            )
        except subprocess.CalledProcessError as e:
            raise RuntimeError(f"PostgreSQL did not start: {e.stderr.decode(errors='replace')}") from None
        try:  # what the caller's block raises is its own, not a failed start
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            run(os.path.join(programs, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def redis_server():
    """Yield the URL of a new Redis (or Valkey) server on a free port, keeping nothing."""
    program = shutil.which("valkey-server") or shutil.which("redis-server")
    if program is None:
        raise RuntimeError(
            "Neither valkey-server nor redis-server is installed (Debian: apt-get install redis-server)."
        )
    port = free_port()
    process = subprocess.Popen(
        [program, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.025)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run (after --)")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    with cluster() as url:
        return subprocess.run(command, env={**os.environ, "LANG_PORTAL_TEST_DATABASE_URL": url}).returncode


if __name__ == "__main__":
    sys.exit(main())
