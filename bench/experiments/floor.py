"""Our hooks, middleware and error handling against a bare Flask app on the same route
(GET /api, a constant answer), servers side by side; GET /api/health beside, which also
checks the database file and reads its schema version."""

from bench.measure.pairs import medians, paired, side_by_side


def measure(run, results):
    print("floor against a bare Flask app, side by side ...", flush=True)
    floors = side_by_side(
        run,
        {"ours": (run.base_db, {}), "bare": (run.base_db, {"bare": True})},
        lambda kind: {"index": ("/api", None), "health": ("/api/health", None)},
        run.seconds,
        connections=16,
    )
    ours, bare = medians(floors["ours"], ("rps",)), medians(floors["bare"], ("rps",))
    rps_ratio = paired(floors["ours"], floors["bare"], "rps")
    cpu_ratio = paired(floors["bare"], floors["ours"], "cpu_us")
    return {
        "floor": {
            "ours_rps": ours["index_rps"],
            "bare_rps": bare["index_rps"],
            "ours_over_bare": rps_ratio["index"],
            "ours_over_bare_cpu": cpu_ratio["index"],
            "health_rps": ours["health_rps"],
            "bare_health_rps": bare["health_rps"],
            "health_over_bare": rps_ratio["health"],
        }
    }
