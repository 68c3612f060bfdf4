"""The servers under test, each a process group on a database, and the CPU time they and
the machine spend (/proc)."""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from harness.servers import free_port, production_command, wait_until_healthy

ROOT = Path(__file__).resolve().parent.parent.parent
PROCESSES = 2  # serve.py's default (WEB_CONCURRENCY)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine_times():
    """(CPU time stolen from this machine by its hypervisor, all CPU time), in ticks."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[7], sum(fields[:8])


def cpu_seconds(pids):
    """User and system CPU time the processes have used (/proc/PID/stat), in seconds."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15
    return ticks / CLOCK_TICKS


class Server:
    """A server process group on a database: the API (serve.py) or the bare app.
    database_pids gives the database server's own processes (none for SQLite)."""

    def __init__(self, db_path, wrk, database_pids=list, bare=False, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_pids = database_pids
        environment = {
            **os.environ,
            "LANG_PORTAL_DB": str(db_path),
            "LANG_PORTAL_RATE_LIMITS": "off",  # one client address sends everything, unless a figure says
            "LANG_PORTAL_BACKUP_EVERY": "0",  # a scheduled backup at start would copy the database mid-figure
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(PROCESSES),
            **env,
        }
        command = [sys.executable, str(ROOT / "bench" / "bare_app.py")] if bare else production_command()
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until_healthy(self.url, self.process)
        wrk(f"{self.url}/api/health", 1)  # warm every process up

    def cpu_pids(self):
        """The processes whose CPU a request costs: the server's, and the database's own."""
        return [self.process.pid, *self.worker_pids(), *self.database_pids()]

    def worker_pids(self):
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def memory_kib(self, field):
        """Sum over the serving processes of a /proc status field (VmRSS now, VmHWM peak)."""
        total = 0
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(rf"^{field}:\s+(\d+) kB", status, re.M).group(1))
        return total

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
