"""The review write at 16 and 64 clients on SQLite and on the run's PostgreSQL, in turns
(two rounds), each with the floor measured on the same server just before it. Only with
--engine postgresql."""

from bench.measure.context import BASE_SIZE
from bench.measure.stores import SQLiteStore
from harness import history


def measure(run, results):
    if run.store.engine != "postgresql":
        return {}
    print("the review write on SQLite and PostgreSQL, in turns ...", flush=True)
    targets = {"sqlite": SQLiteStore(run.workdir).new("side-sqlite"), "postgresql": run.store.new("side_postgresql")}
    for target in targets.values():
        history.generate(target, *BASE_SIZE)
    runs = {name: [] for name in targets}
    for _ in range(2):
        for name, target in targets.items():
            with run.server(target) as server:
                floor = run.wrk(f"{server.url}/api/health", run.seconds)["rps"]
                c16 = run.wrk(server.url, run.seconds, connections=16, script=run.review_lua)
                c64 = run.wrk(server.url, run.seconds, connections=64, script=run.review_lua)
            runs[name].append({"floor_rps": floor, "c16": c16, "c64": c64})

    def mean(measured, key, field=None):
        return sum(m[key][field] if field else m[key] for m in measured) / len(measured)

    side = {}
    for name, measured in runs.items():
        side[name] = {
            "floor_rps": mean(measured, "floor_rps"),
            "c16_rps": mean(measured, "c16", "rps"),
            "c16_p99_ms": mean(measured, "c16", "p99_ms"),
            "c64_rps": mean(measured, "c64", "rps"),
            "c64_p50_ms": mean(measured, "c64", "p50_ms"),
            "c64_p99_ms": mean(measured, "c64", "p99_ms"),
        }
    side["postgresql_over_sqlite"] = {
        key: side["postgresql"][key] / side["sqlite"][key] for key in ("c16_rps", "c64_rps", "c64_p99_ms")
    }
    return {"engines": side}
