"""The review write, the words page and the dashboard against the floor on one server
(rate limits on), the words page read anew (its cache off), and the review's latency at
16 and 64 clients."""

import statistics

from bench.measure.pairs import against_floor


def measure(run, results):
    print("throughput ...", flush=True)
    with run.server(run.base_db, LANG_PORTAL_RATE_LIMITS="on") as server:
        runs = [
            ("review", server.url, run.review_lua),
            ("words", f"{server.url}/api/words", None),
            ("stats", f"{server.url}/api/dashboard/stats", None),
        ]
        over_floor, measured, health_runs = against_floor(run, server, runs, 3)
        c16 = run.wrk(server.url, run.seconds, connections=16, script=run.review_lua)
        c64 = run.wrk(server.url, run.seconds, connections=64, script=run.review_lua)
    # The same page read anew every time (the cache off): what the page itself costs.
    with run.server(run.base_db, LANG_PORTAL_RATE_LIMITS="on", LANG_PORTAL_RESPONSE_CACHE="off") as server:
        over, rps, _ = against_floor(run, server, [("words_uncached", f"{server.url}/api/words", None)], 3)
        over_floor.update(over)
        measured.update(rps)
    return {
        "throughput": {
            "health_rps": statistics.median(health_runs),
            **{f"{name}_rps": rps for name, rps in measured.items()},
            **{f"{name}_over_floor": r for name, r in over_floor.items()},
        },
        "review_latency": {
            "c16_p50_ms": c16["p50_ms"],
            "c16_p99_ms": c16["p99_ms"],
            "c64_p50_ms": c64["p50_ms"],
            "c64_p99_ms": c64["p99_ms"],
            "c64_rps": c64["rps"],
        },
    }
