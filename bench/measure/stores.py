"""Where the run's databases are made: files in its directory, or databases on its
PostgreSQL server."""

import re
from pathlib import Path


class SQLiteStore:
    """New databases for the run: files in the run's directory."""

    engine = "sqlite"

    def __init__(self, workdir):
        self.workdir = Path(workdir)

    def new(self, name):
        return str(self.workdir / f"{name}.db")

    def remove(self, target):
        for suffix in ("", "-wal", "-shm", "-writers"):
            Path(target + suffix).unlink(missing_ok=True)

    def server_pids(self):
        """The database's own processes: none, SQLite runs inside the API's."""
        return []


class PostgreSQLStore:
    """New databases for the run: one per name on the run's PostgreSQL server."""

    engine = "postgresql"

    def __init__(self, url):
        self.url = url

    def _admin(self, sql):
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql)

    def new(self, name):
        name = "bench_" + re.sub(r"\W", "_", name)
        self._admin(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + "/" + name

    def remove(self, target):
        self._admin(f"DROP DATABASE IF EXISTS {target.rsplit('/', 1)[1]} WITH (FORCE)")

    def server_pids(self):
        """The PostgreSQL server's processes (its backends and background workers)."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            return [pid for (pid,) in conn.execute("SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid()")]
