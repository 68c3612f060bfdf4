"""The serving processes' memory after many requests of a mixed load against after a tenth
as many: it must not grow with the requests served."""

from bench.measure.context import BASE_SIZE
from bench.measure.wrk import MIXED_LUA, script


def measure(run, results):
    print("memory ...", flush=True)
    low, high = (1000, 10_000) if run.quick else (10_000, 100_000)
    mixed = script(run.workdir, "mixed", MIXED_LUA, words=BASE_SIZE[0], sessions=run.sessions)
    with run.server(run.base_db) as server:
        sent, rss = 0, {}
        for mark in (low, high):
            while sent < mark:
                sent += run.wrk(server.url, run.scale_seconds, script=mixed)["requests"]
            rss[mark] = server.memory_kib("VmRSS")
        peak = server.memory_kib("VmHWM")
    return {
        "memory": {
            "requests_low": low,
            "requests_high": high,
            "rss_kib_low": rss[low],
            "rss_kib_high": rss[high],
            "growth": (rss[high] - rss[low]) / rss[low],
            "peak_kib": peak,
        }
    }
