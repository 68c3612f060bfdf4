"""The class mode against the open mode on the cheapest request that needs an account,
GET /api with a learner's token (sent to both: the open mode ignores it): over HTTP,
servers side by side (CPU per request and req/s), and in-process, where the goal is
judged (over HTTP this machine's noise moves both by more than the 5% the goal allows)."""

import statistics
import time

from bench.measure.pairs import paired, side_by_side
from bench.measure.wrk import script

ROUNDS, REQUESTS = 41, 200  # in-process: paired rounds, requests per mode and round

TOKEN_LUA = """
wrk.headers["Authorization"] = "Bearer %(token)s"
"""


def measure(run, results):
    token = learner_token(run.base_db)
    headers = script(run.workdir, "token", TOKEN_LUA, token=token)
    print("class mode against open mode, side by side ...", flush=True)
    modes = side_by_side(
        run,
        {mode: (run.base_db, {"LANG_PORTAL_ACCESS": mode}) for mode in ("open", "class")},
        lambda mode: {"api": ("/api", headers)},  # the same request to both: the open mode ignores the token
        run.seconds,
        connections=16,
    )
    print("class mode against open mode, in-process ...", flush=True)
    return {
        "access": {
            # CPU per request in the class mode over the open mode (1 when accounts cost nothing).
            "class_over_open": in_process(run.base_db, token),
            "class_over_open_http": paired(modes["class"], modes["open"], "cpu_us")["api"],
            "class_over_open_rps": paired(modes["class"], modes["open"], "rps")["api"],
        }
    }


def learner_token(database):
    """A learner account made in the run's database, and a token of it (a day long)."""
    from lib import db
    from lib.domain import accounts

    conn = db.connect(database)
    try:
        with conn.transaction():
            account = accounts.create_account(conn, "bench-learner", "bench password", "learner")
            return accounts.issue_token(conn, account["account_id"], "write", 24)["token"]
    finally:
        conn.close()


def in_process(database, token):
    """GET /api's CPU time per request in this process, the class mode with the token over
    the open mode: two apps on one database, measured one right after the other, the order
    reversed each round; the median over the rounds."""
    from app import create_app

    clients = {
        mode: create_app({"DATABASE": str(database), "ACCESS": mode}).test_client() for mode in ("open", "class")
    }
    headers = {"Authorization": f"Bearer {token}"}  # the same request to both: the open mode ignores the token
    ratios = []
    for round_ in range(ROUNDS + 1):  # the first round warms each app up and is not counted
        spent = {}
        for mode in ("open", "class") if round_ % 2 == 0 else ("class", "open"):
            client = clients[mode]
            started = time.process_time()
            for _ in range(REQUESTS):
                response = client.get("/api", headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"GET /api answered {response.status_code} in the {mode} mode")
            spent[mode] = time.process_time() - started
        if round_:
            ratios.append(spent["class"] / spent["open"])
    return statistics.median(ratios)
