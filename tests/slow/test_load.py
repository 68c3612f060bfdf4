"""Several serving processes, many concurrent clients, and crashes."""

import os
import random
import signal
import threading
import time

import pytest

from harness.servers import free_port
from tests.load import Ledger, check_database, run_clients, start_server, stop
from tests.slow.figures import FIGURES

pytestmark = pytest.mark.slow

PROCESSES = 2
CLIENTS = 64
REQUESTS_EACH = 25


def test_many_clients_on_several_processes_lose_nothing(tmp_path, database):
    log_path = tmp_path / "server.log"
    port = free_port()
    ledger = Ledger()
    with open(log_path, "wb") as log:
        server = start_server(database, port, log, processes=PROCESSES)
        try:
            started = time.monotonic()
            run_clients(f"http://127.0.0.1:{port}", ledger, CLIENTS, REQUESTS_EACH)
            elapsed = time.monotonic() - started
        finally:
            stop(server)
    log_text = log_path.read_text(errors="replace")
    total = sum(ledger.statuses.values())
    FIGURES["load"] = (
        f"{CLIENTS} clients on {PROCESSES} processes: {total} requests in {elapsed:.1f} s, "
        f"statuses {dict(sorted(ledger.statuses.items()))}, {len(ledger.reviews)} reviews acknowledged"
    )
    assert ledger.connection_errors == 0
    assert not [s for s in ledger.statuses if s >= 500]
    assert ledger.locked_errors == 0 and "database is locked" not in log_text
    assert set(ledger.statuses) <= {200, 409}
    check_database(database, ledger, exact=True)


KILL_CYCLES = 5


def test_sigkill_under_load_loses_no_acknowledged_write(tmp_path, database):
    port = free_port()
    ledger = Ledger()
    rng = random.Random(7)
    with open(tmp_path / "server.log", "wb") as log:
        for cycle in range(KILL_CYCLES):
            server = start_server(database, port, log)
            halt = threading.Event()
            load = threading.Thread(
                target=run_clients, args=(f"http://127.0.0.1:{port}", ledger, 32, 10_000, halt, cycle)
            )
            load.start()
            time.sleep(rng.uniform(0.5, 2.0))  # a random moment under load
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
            halt.set()
            load.join(timeout=60)
            assert not load.is_alive()
        server = start_server(database, port, log)  # one more start: recovery after the last kill
        stop(server)
    assert not [s for s in ledger.statuses if s >= 500]
    assert ledger.connection_errors > 0  # the kills did land mid-request
    stored = check_database(database, ledger, exact=False)
    FIGURES["crash"] = (
        f"{KILL_CYCLES} SIGKILLs under load survived: {sum(ledger.statuses.values())} answers, "
        f"{ledger.connection_errors} requests cut off, {len(ledger.reviews)} acknowledged reviews all present "
        f"({stored} stored), integrity ok, counters match a recount"
    )
