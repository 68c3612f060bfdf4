"""The rate limits on against off: over HTTP, servers side by side (CPU per request and
req/s), and in-process, where the goal is judged: over HTTP this machine's noise moves
both by more than the 5% the goal allows."""

import random
import statistics
import time

from bench.measure.context import BASE_SIZE
from bench.measure.pairs import paired, side_by_side

ROUNDS, REQUESTS = 41, 50  # in-process: paired rounds, requests per route and round


def measure(run, results):
    print("rate limits on against off, side by side ...", flush=True)
    endpoints = {"health": ("/api/health", None), "words": ("/api/words", None), "review": ("", run.review_lua)}
    limits = side_by_side(
        run,
        {mode: (run.base_db, {"LANG_PORTAL_RATE_LIMITS": mode}) for mode in ("on", "off")},
        lambda mode: endpoints,
        run.seconds,
        connections=16,
    )
    print("rate limits on against off, in-process ...", flush=True)
    return {
        # The CPU a request costs with limits off over with them on (1 when they cost nothing).
        "limits_on_over_off_http": paired(limits["off"], limits["on"], "cpu_us"),
        "limits_on_over_off_rps": paired(limits["on"], limits["off"], "rps"),
        "limits_on_over_off": in_process(run.base_db, run.sessions, BASE_SIZE[0]),
    }


def in_process(db_path, sessions, words):
    """Each route's CPU time per request in this process, with the rate limits on and off:
    two apps on one database, measured one right after the other, the order reversed each
    round; returns {route: the median over the rounds of off / on}."""
    from app import create_app

    clients = {
        mode: create_app({"DATABASE": str(db_path), "RATELIMIT_ENABLED": mode == "on"}).test_client()
        for mode in ("on", "off")
    }
    rng = random.Random(5)

    def review(client):
        body = {"word_id": rng.randint(1, words), "correct": True}
        return client.post(f"/study_sessions/{rng.randint(1, sessions)}/review", json=body)

    routes = {
        "health": lambda client: client.get("/api/health"),
        "words": lambda client: client.get("/api/words"),
        "review": review,
    }
    pairs = {name: [] for name in routes}
    for round_ in range(ROUNDS + 1):  # the first round warms each app up and is not counted
        for name, call in routes.items():
            spent = {}
            for mode in ("on", "off") if round_ % 2 == 0 else ("off", "on"):
                started = time.process_time()
                for _ in range(REQUESTS):
                    response = call(clients[mode])
                    if response.status_code != 200:
                        raise RuntimeError(f"{name} answered {response.status_code} in-process: {response.get_data()}")
                spent[mode] = time.process_time() - started
            if round_:
                pairs[name].append(spent["off"] / spent["on"])
    return {name: statistics.median(ratios) for name, ratios in pairs.items()}
