"""lang-portal benchmark: side-by-side ratios under the production server.

    python bench/run.py            # full run (about 5-10 minutes)
    python bench/run.py --quick    # under a minute, smaller histories

Starts the API under the production server (serve.py, as the README serves it) on temporary
databases filled by bench/generate.py, drives it with wrk from a separate process, and
prints a table and a summary line. Every figure is a ratio of two measurements taken in
this run on this machine (absolute times drift on shared machines; ratios much less).
Writes bench/results.json and bench/latency_vs_history.png.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from harness import history  # noqa: E402
from harness.servers import free_port, production_command, wait_until_healthy  # noqa: E402
from lib import db  # noqa: E402

WORKERS = 2  # serving processes, as serve.py runs by default (WEB_CONCURRENCY)

REVIEW_LUA = """
local words = %(words)d
local sessions = %(sessions)d
request = function()
  local body = string.format('{"word_id": %%d, "correct": %%s}', math.random(1, words),
                             math.random() < 0.7 and "true" or "false")
  return wrk.format("POST", "/study_sessions/" .. math.random(1, sessions) .. "/review",
                    {["Content-Type"] = "application/json"}, body)
end
"""

WORD_LUA = """
local words = %(words)d
request = function()
  return wrk.format("GET", "/api/words/" .. math.random(1, words))
end
"""

MIXED_LUA = """
local words = %(words)d
local sessions = %(sessions)d
local paths = {"/api/words", "/api/dashboard/stats", "/api/study_sessions", "/api/groups/1/words"}
request = function()
  if math.random() < 0.5 then
    local body = string.format('{"word_id": %%d, "correct": true}', math.random(1, words))
    return wrk.format("POST", "/study_sessions/" .. math.random(1, sessions) .. "/review",
                      {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", paths[math.random(1, #paths)])
end
"""


# --- tools --------------------------------------------------------------------------


def ensure_tools():
    """wrk from Debian, matplotlib from PyPI: install them if this machine lacks them."""
    if shutil.which("wrk") is None:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            print("Installing wrk (apt-get install wrk) ...", flush=True)
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
        else:
            sys.exit("bench/run.py needs wrk: run `sudo apt-get install wrk` (Debian/Ubuntu), then run again.")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("Installing bench/requirements.txt (matplotlib) ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "-r", str(ROOT / "bench" / "requirements.txt")], check=True
        )


# --- the server ---------------------------------------------------------------------


class Server:
    """The production server on a database file, in its own process group."""

    def __init__(self, db_path, synchronous="FULL", workers=WORKERS):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "LANG_PORTAL_DB": str(db_path),
            "LANG_PORTAL_SYNCHRONOUS": synchronous,
            "LANG_PORTAL_RATE_LIMITS": "off",  # one client address sends everything here
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
        }
        self.process = subprocess.Popen(
            production_command(),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until_healthy(self.url, self.process)

    def worker_pids(self):
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def memory_kib(self, field):
        """Sum over the workers of a /proc status field (VmRSS now, VmHWM peak)."""
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


# --- wrk ----------------------------------------------------------------------------

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(url, seconds, connections=16, script=None):
    """Run wrk; returns {rps, requests, p50_ms, p99_ms, errors}."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def latency(pct):
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": latency(50),
        "p99_ms": latency(99),
        "errors": (int(errors.group(1)) if errors else 0)
        + (sum(map(int, socket_errors.groups())) if socket_errors else 0),
    }


def lua(workdir, name, template, **values):
    path = Path(workdir) / f"{name}.lua"
    path.write_text(template % values)
    return path


# --- the in-process floor -------------------------------------------------------------


def in_process_review_rate(db_path, sessions, words, seconds, synchronous="FULL"):
    """The review transaction of POST /study_sessions/:id/review, run directly on SQLite."""
    import random

    conn = db.connect(str(db_path), synchronous=synchronous)
    rng = random.Random(3)
    done, deadline = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        session, word = rng.randint(1, sessions), rng.randint(1, words)
        with db.transaction(conn):
            conn.execute("SELECT 1 FROM study_sessions WHERE id = ?", (session,)).fetchone()
            conn.execute("SELECT id FROM words WHERE id IN (?)", (word,)).fetchall()
            conn.execute(
                "INSERT INTO word_review_items (study_session_id, word_id, correct, created_at) "
                "VALUES (?, ?, 1, ?) RETURNING id, study_session_id, word_id, correct, created_at",
                (session, word, db.utc_now()),
            ).fetchone()
        done += 1
    conn.close()
    return done / (time.perf_counter() - started)


# --- the run --------------------------------------------------------------------------


def measure(args, workdir):
    quick = args.quick
    seconds = 2 if quick else 5
    scale_seconds = 1 if quick else 5
    results = {"quick": quick, "workers": WORKERS, "seconds_per_measurement": seconds}

    base_size = (1000, 1000)
    base_db = Path(workdir) / "base.db"
    history.generate(base_db, *base_size)
    sessions = max(history.MIN_SESSIONS, base_size[1] // history.REVIEWS_PER_SESSION)
    review_lua = lua(workdir, "review", REVIEW_LUA, words=base_size[0], sessions=sessions)

    print("throughput ...", flush=True)
    with Server(base_db) as server:
        wrk(f"{server.url}/api/health", 2)  # warm up every worker
        # Each figure is measured between two floor runs and divided by their mean, so
        # a drift of the machine's speed during the run cancels out of the ratio.
        healths = [wrk(f"{server.url}/api/health", seconds)]
        measured = {}
        for name, url, script in (
            ("review", server.url, review_lua),
            ("words", f"{server.url}/api/words", None),
            ("stats", f"{server.url}/api/dashboard/stats", None),
        ):
            measured[name] = wrk(url, seconds, script=script)
            healths.append(wrk(f"{server.url}/api/health", seconds))
        c64 = wrk(server.url, seconds, connections=64, script=review_lua)
    review, words, stats = measured["review"], measured["words"], measured["stats"]
    c16 = review  # the review throughput run above is the 16-client run
    floors = [h["rps"] for h in healths]
    floor = sum(floors) / len(floors)
    results["throughput"] = {
        "health_rps": floor,
        "health_drift": (max(floors) - min(floors)) / floor,
        "review_rps": review["rps"],
        "words_rps": words["rps"],
        "stats_rps": stats["rps"],
        **{
            f"{name}_over_floor": m["rps"] / ((floors[i] + floors[i + 1]) / 2)
            for i, (name, m) in enumerate(measured.items())
        },
    }
    results["review_latency"] = {
        "c16_p50_ms": c16["p50_ms"],
        "c16_p99_ms": c16["p99_ms"],
        "c64_p50_ms": c64["p50_ms"],
        "c64_p99_ms": c64["p99_ms"],
    }
    errors = sum(m["errors"] for m in (*healths, *measured.values(), c64))

    print("synchronous=NORMAL ...", flush=True)
    with Server(base_db, synchronous="NORMAL") as server:
        wrk(f"{server.url}/api/health", 1)
        normal_health = wrk(f"{server.url}/api/health", seconds)
        normal_review = wrk(server.url, seconds, script=review_lua)
        normal_c64 = wrk(server.url, seconds, connections=64, script=review_lua)
    errors += normal_health["errors"] + normal_review["errors"] + normal_c64["errors"]
    results["synchronous_normal"] = {
        "health_rps": normal_health["rps"],
        "review_rps": normal_review["rps"],
        "review_over_floor": normal_review["rps"] / normal_health["rps"],
        "c64_p50_ms": normal_c64["p50_ms"],
        "c64_p99_ms": normal_c64["p99_ms"],
    }

    print("in-process floor ...", flush=True)
    in_full = in_process_review_rate(base_db, sessions, base_size[0], scale_seconds)
    in_normal = in_process_review_rate(base_db, sessions, base_size[0], scale_seconds, synchronous="NORMAL")
    results["in_process"] = {
        "review_tx_per_s_full": in_full,
        "review_tx_per_s_normal": in_normal,
        "http_over_in_process_full": review["rps"] / in_full,
        "http_over_in_process_normal": normal_review["rps"] / in_normal,
    }

    sizes = (
        [(1000, 1000), (10_000, 100_000)]
        if quick
        else [(1000, 1000), (10_000, 10_000), (100_000, 100_000), (100_000, 1_000_000)]
    )

    def endpoints(n_words):
        return {
            "dashboard_stats": ("/api/dashboard/stats", None),
            "study_sessions": ("/api/study_sessions", None),
            "group_words_by_correct_last_page": (
                f"/api/groups/1/words?sort_by=correct_count&per_page=100&page={history.GROUP_SIZE // 100}",
                None,
            ),
            "word_by_id": ("", WORD_LUA),
            "words_last_page": (f"/api/words?per_page=100&page={-(-n_words // 100)}", None),
        }

    scale = []
    for n_words, n_reviews in sizes:
        print(f"scale: {n_words} words, {n_reviews} reviews ...", flush=True)
        path = Path(workdir) / f"scale-{n_words}-{n_reviews}.db"
        history.generate(path, n_words, n_reviews)
        row = {"words": n_words, "reviews": n_reviews}
        with Server(path) as server:
            wrk(f"{server.url}/api/health", 1)
            for name, (endpoint, script_template) in endpoints(n_words).items():
                script = lua(workdir, name, script_template, words=n_words) if script_template else None
                m = wrk(f"{server.url}{endpoint}", scale_seconds, connections=4, script=script)
                errors += m["errors"]
                row[f"{name}_p50_ms"] = m["p50_ms"]
        scale.append(row)
        path.unlink()
    results["scale"] = scale
    results["scale_ratios"] = {name: scale[-1][f"{name}_p50_ms"] / scale[0][f"{name}_p50_ms"] for name in GOAL_SCALE}
    results["deep_page_ratio"] = scale[-1]["words_last_page_p50_ms"] / scale[0]["words_last_page_p50_ms"]

    print("memory ...", flush=True)
    low, high = (1000, 10_000) if quick else (10_000, 100_000)
    mixed = lua(workdir, "mixed", MIXED_LUA, words=base_size[0], sessions=sessions)
    with Server(base_db) as server:
        sent = 0
        rss = {}
        for mark in (low, high):
            while sent < mark:
                m = wrk(server.url, scale_seconds, script=mixed)
                sent += m["requests"]
                errors += m["errors"]
            rss[mark] = server.memory_kib("VmRSS")
        peak = server.memory_kib("VmHWM")
    results["memory"] = {
        "requests_low": low,
        "requests_high": high,
        "rss_kib_low": rss[low],
        "rss_kib_high": rss[high],
        "growth": (rss[high] - rss[low]) / rss[low],
        "peak_kib": peak,
        "workers": WORKERS,
    }
    results["errors"] = errors
    return results


# The scale figures the goal names; the words list's last page is reported beside them.
GOAL_SCALE = ("dashboard_stats", "study_sessions", "group_words_by_correct_last_page", "word_by_id")

GOALS = [
    ("review POST >= 0.6 x floor", lambda r: r["throughput"]["review_over_floor"] >= 0.6),
    ("words page >= 0.7 x floor", lambda r: r["throughput"]["words_over_floor"] >= 0.7),
    ("dashboard stats >= 0.7 x floor", lambda r: r["throughput"]["stats_over_floor"] >= 0.7),
    ("every scale ratio <= 1.5", lambda r: max(r["scale_ratios"].values()) <= 1.5),
    ("review p99 at 64 clients < 50 ms", lambda r: r["review_latency"]["c64_p99_ms"] < 50),
    ("memory growth < 10%", lambda r: r["memory"]["growth"] < 0.10),
]


def report(results):
    t, lat, sn, ip, mem = (
        results["throughput"],
        results["review_latency"],
        results["synchronous_normal"],
        results["in_process"],
        results["memory"],
    )
    rows = [
        ("floor: GET /api/health", f"{t['health_rps']:.0f} req/s", f"drift {t['health_drift']:.1%}"),
        ("POST review / floor", f"{t['review_over_floor']:.2f}", f"{t['review_rps']:.0f} req/s"),
        ("GET /api/words / floor", f"{t['words_over_floor']:.2f}", f"{t['words_rps']:.0f} req/s"),
        ("GET dashboard/stats / floor", f"{t['stats_over_floor']:.2f}", f"{t['stats_rps']:.0f} req/s"),
        ("review p50 / p99, 16 clients", f"{lat['c16_p50_ms']:.1f} / {lat['c16_p99_ms']:.1f} ms", ""),
        ("review p50 / p99, 64 clients", f"{lat['c64_p50_ms']:.1f} / {lat['c64_p99_ms']:.1f} ms", ""),
        ("NORMAL: review / floor", f"{sn['review_over_floor']:.2f}", f"{sn['review_rps']:.0f} req/s"),
        ("NORMAL: review p50 / p99, 64", f"{sn['c64_p50_ms']:.1f} / {sn['c64_p99_ms']:.1f} ms", ""),
        (
            "HTTP review / in-process tx (FULL)",
            f"{ip['http_over_in_process_full']:.2f}",
            f"{ip['review_tx_per_s_full']:.0f} tx/s",
        ),
        (
            "HTTP review / in-process tx (NORMAL)",
            f"{ip['http_over_in_process_normal']:.2f}",
            f"{ip['review_tx_per_s_normal']:.0f} tx/s",
        ),
    ]
    first, last = results["scale"][0], results["scale"][-1]
    for name, ratio in results["scale_ratios"].items():
        rows.append(
            (
                f"scale p50 {name}",
                f"{ratio:.2f}",
                f"{first[name + '_p50_ms']:.2f} -> {last[name + '_p50_ms']:.2f} ms",
            )
        )
    rows.append(
        (
            "scale p50 words_last_page (not a goal)",
            f"{results['deep_page_ratio']:.2f}",
            f"{first['words_last_page_p50_ms']:.2f} -> {last['words_last_page_p50_ms']:.2f} ms",
        )
    )
    rows.append(
        (
            f"memory growth {mem['requests_low']} -> {mem['requests_high']} req",
            f"{mem['growth']:+.1%}",
            f"peak {mem['peak_kib'] / 1024:.0f} MiB over {mem['workers']} workers",
        )
    )
    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'figure'.ljust(width)}  {'value':>16}  note")
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>16}  {note}")
    print(
        f"\nscale: {first['words']} words / {first['reviews']} reviews -> {last['words']} words / {last['reviews']} reviews"
    )
    met = [name for name, check in GOALS if check(results)]
    missed = [name for name, check in GOALS if not check(results)]
    results["goals_met"], results["goals_missed"] = met, missed
    print(
        f"SUMMARY: {len(met)}/{len(GOALS)} goals met"
        + (f"; missed: {', '.join(missed)}" if missed else "")
        + f"; errors during the run: {results['errors']}"
    )


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scale = results["scale"]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for key in (*GOAL_SCALE, "words_last_page"):
        ax.plot([r["reviews"] for r in scale], [r[f"{key}_p50_ms"] for r in scale], marker="o", label=key)
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("review items in the history (words grow with it, to 100,000)")
    ax.set_ylabel("p50 latency, ms (4 clients)")
    ax.set_title("lang-portal: latency against history size")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description="lang-portal benchmark (ratios measured side by side)")
    parser.add_argument("--quick", action="store_true", help="small histories and short runs: under a minute")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    ensure_tools()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lang-portal-bench-") as workdir:
        results = measure(args, workdir)
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    report(results)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    png = args.out.with_name("latency_vs_history.png")
    plot(results, png)
    print(f"wrote {args.out} and {png} in {results['elapsed_s']} s")


if __name__ == "__main__":
    main()
