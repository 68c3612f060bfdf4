"""lang-portal benchmark: ratios measured side by side under the production server.

    python bench/run.py                        # the full run (about 20 minutes)
    python bench/run.py --quick                # a few minutes, smaller histories
    python bench/run.py --engine postgresql    # the same on PostgreSQL, and both engines side by side

Starts the API as the README serves it (serve.py) on temporary databases filled by
harness/history.py, drives it with wrk from a separate process, and prints a table of
figures, each with its goal, and a summary line. Every figure is a ratio of two
measurements taken in this run on this machine (absolute times drift on shared machines;
ratios much less): a throughput is divided by the mean of the floor (GET /api/health)
measured just before and just after it; the floor against the bare app, the rate limits
on against off, the scale and the many-learner figures compare servers up at once,
measured in turn, endpoint by endpoint, over five rounds, each figure the median over the
rounds of the two servers' ratio in the same round (other guests of this shared machine
take up to half its CPU time in bursts of seconds: a burst spoils one round's pair, not
one side). The scale, learner and rate-limit goals are judged on CPU time per request of
the serving processes (/proc), which a request waiting for a core does not add to, with
p50 latency and req/s beside; the rate limits' goal on their cost in-process, which HTTP
on this machine cannot resolve to the 5% it allows. The word lists' cache is off for the
scale and learner figures, which measure the queries. On SQLite, the review write is also
measured with group commit on and off, on this machine's disk and on a slower one: every
sync made 2 ms longer by bench/slow_sync.c (built with the machine's C compiler and
loaded with LD_PRELOAD; left out without one). Results go to bench/results/ (ignored by
git).

With --engine postgresql, every database is made on a throwaway PostgreSQL server
(harness/postgres.py, durable: commits flushed to disk, as SQLite's synchronous=FULL),
and a first section drives the review write on SQLite and PostgreSQL in turns.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import history, postgres  # noqa: E402
from harness.servers import free_port, production_command, wait_until_healthy  # noqa: E402
from lib import db  # noqa: E402
from lib.domain import memory  # noqa: E402

PROCESSES = 2  # serve.py's default (WEB_CONCURRENCY)
OUT_DIR = ROOT / "bench" / "results"

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


class Server:
    """A server process group on a database: the API (serve.py) or the bare app."""

    def __init__(self, db_path, bare=False, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {
            **os.environ,
            "LANG_PORTAL_DB": str(db_path),
            "LANG_PORTAL_RATE_LIMITS": "off",  # one client address sends everything, unless a figure says
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
        return [self.process.pid, *self.worker_pids(), *DATABASE_PIDS()]

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


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
ERRORS = []
DATABASE_PIDS = list  # the database server's processes (none for SQLite), set by measure()
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


def wrk(url, seconds, connections=16, script=None):
    """Run wrk; returns {rps, requests, p50_ms, p99_ms}; errors are counted in ERRORS."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        command += ["-s", str(script)]
    done = subprocess.run([*command, url], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(
            f"wrk failed on {url} (exit {done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
        )
    out = done.stdout

    def latency(pct):
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    ERRORS.append((int(errors.group(1)) if errors else 0) + (sum(map(int, sockets.groups())) if sockets else 0))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50_ms": latency(50),
        "p99_ms": latency(99),
    }


def lua(workdir, name, template, **values):
    path = Path(workdir) / f"{name}.lua"
    path.write_text(template % values)
    return path


def against_floor(server, seconds, runs, rounds=1):
    """Each (name, url, script) measured between two floor runs, the whole sequence
    rounds times; returns ({name: median ratio to the mean of its two floors},
    {name: median req/s}, [every floor's req/s])."""
    ratios, measured, floors = {}, {}, []
    for _ in range(rounds):
        floors.append(wrk(f"{server.url}/api/health", seconds)["rps"])
        for name, url, script in runs:
            rps = wrk(url, seconds, script=script)["rps"]
            floors.append(wrk(f"{server.url}/api/health", seconds)["rps"])
            measured.setdefault(name, []).append(rps)
            ratios.setdefault(name, []).append(rps / ((floors[-2] + floors[-1]) / 2))
    median = {name: statistics.median(values) for name, values in ratios.items()}
    return median, {name: statistics.median(values) for name, values in measured.items()}, floors


def side_by_side(targets, endpoints, seconds, rounds, connections=4):
    """Each endpoint on each server, every server up at once and measured in turn,
    endpoint by endpoint, the order of the servers reversed each round; returns
    {key: {endpoint: [each round's measurement]}}, each wrk's p50_ms and rps and cpu_us,
    the serving processes' CPU time per request (the database server's too). Compare two
    servers with paired(): on a shared machine a burst of load from elsewhere then spoils
    one round's pair, not one whole server, and the median leaves it out. targets is
    {key: (database, server settings)}; endpoints(key) gives {name: (path, wrk script or None)}."""
    servers = {}
    try:
        for key, (path, settings) in targets.items():
            servers[key] = Server(path, **settings)
        values = {key: {} for key in targets}
        order = list(targets)
        for round_ in range(rounds):
            for name in endpoints(order[0]):
                for key in order if round_ % 2 == 0 else order[::-1]:
                    path, script = endpoints(key)[name]
                    pids = servers[key].cpu_pids()
                    before = cpu_seconds(pids)
                    measured = wrk(f"{servers[key].url}{path}", seconds, connections=connections, script=script)
                    measured["cpu_us"] = (cpu_seconds(pids) - before) * 1e6 / max(1, measured["requests"])
                    values[key].setdefault(name, []).append(measured)
        return values
    finally:
        for server in servers.values():
            server.stop()


# --- in-process ---------------------------------------------------------------------


def in_process_answers(db_path, sessions, words, seconds, with_memory=True):
    """Answers per second written as POST /study_sessions/:id/review writes them, on the
    database directly: the insert (and its triggers) and, with_memory, the FSRS step."""
    import random

    conn = db.connect(str(db_path))
    learner = conn.row("SELECT id, fsrs_parameters, desired_retention FROM learners WHERE id = 1")
    rng = random.Random(3)
    done, deadline = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < deadline:
        session, word = rng.randint(1, sessions), rng.randint(1, words)
        with db.transaction(conn):
            conn.execute(
                "INSERT INTO word_review_items "
                "(study_session_id, learner_id, word_id, correct, grade, created_at, learning_day) "
                "VALUES (?, 1, ?, 1, 3, '2026-11-23T00:00:00Z', '2026-11-23')",
                (session, word),
            )
            if with_memory:
                memory.record(conn, learner, word, 3, "2026-11-23")
        done += 1
    conn.close()
    return done / (time.perf_counter() - started)


def paired(numerator, denominator, field):
    """For each endpoint of two servers' side_by_side measurements, the median over the
    rounds of the ratio of the field in the same round."""
    return {
        name: statistics.median(a[field] / b[field] for a, b in zip(runs, denominator[name], strict=True))
        for name, runs in numerator.items()
    }


def medians(measured, fields=("p50_ms", "cpu_us")):
    """A server's side_by_side measurements as {endpoint_field: median over the rounds}."""
    return {
        f"{name}_{field}": statistics.median(m[field] for m in runs)
        for name, runs in measured.items()
        for field in fields
    }


def in_process_limits(db_path, sessions, words, rounds=41, requests=50):
    """Each route's CPU time per request in this process, with the rate limits on and off:
    two apps on one database, measured one right after the other, the order reversed each
    round; returns {route: the median over the rounds of off / on}, 1 when the limits cost
    nothing. Each round's pair is measured within a fraction of a second, so a burst of
    load from other guests of the machine mostly spoils one pair, which the median leaves out."""
    import random

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
    for round_ in range(rounds + 1):  # the first round warms each app up and is not counted
        for name, call in routes.items():
            spent = {}
            for mode in ("on", "off") if round_ % 2 == 0 else ("off", "on"):
                started = time.process_time()
                for _ in range(requests):
                    response = call(clients[mode])
                    if response.status_code != 200:
                        raise RuntimeError(f"{name} answered {response.status_code} in-process: {response.get_data()}")
                spent[mode] = time.process_time() - started
            if round_:
                pairs[name].append(spent["off"] / spent["on"])
    return {name: statistics.median(ratios) for name, ratios in pairs.items()}


# --- the run --------------------------------------------------------------------------


def engines_side_by_side(store, workdir, base_size, review_lua, seconds):
    """The review write at 16 and 64 clients on SQLite and on store's PostgreSQL, in turns
    (two rounds), each with the floor measured on the same server just before it."""
    targets = {"sqlite": SQLiteStore(workdir).new("side-sqlite"), "postgresql": store.new("side_postgresql")}
    for target in targets.values():
        history.generate(target, *base_size)
    runs = {name: [] for name in targets}
    for _ in range(2):
        for name, target in targets.items():
            with Server(target) as server:
                floor = wrk(f"{server.url}/api/health", seconds)["rps"]
                c16 = wrk(server.url, seconds, connections=16, script=review_lua)
                c64 = wrk(server.url, seconds, connections=64, script=review_lua)
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
    return side


SLOW_SYNC_MS = 2  # the slow disk's extra time per sync (bench/slow_sync.c)


def slow_sync_library(workdir):
    """bench/slow_sync.c built as a library for LD_PRELOAD, or None without a C compiler."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or not sys.platform.startswith("linux"):
        return None
    library = Path(workdir) / "slow_sync.so"
    source = ROOT / "bench" / "slow_sync.c"
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(library), str(source), "-ldl"], check=True)
    return library


def group_commit_side_by_side(workdir, base_db, review_lua, seconds, rounds):
    """The review write at 16 clients with group commit on and off (SQLite's own sync in
    each COMMIT), side by side, on this machine's disk and on one whose syncs take
    SLOW_SYNC_MS longer; returns {disk: {on_over_off, on_rps, off_rps}}."""
    disks = {"this disk": {}}
    library = slow_sync_library(workdir)
    if library is None:
        print("  (no C compiler: the slow disk is left out)", flush=True)
    else:
        disks[f"syncs + {SLOW_SYNC_MS} ms"] = {"LD_PRELOAD": str(library), "SLOW_SYNC_US": str(SLOW_SYNC_MS * 1000)}
    found = {}
    for disk, env in disks.items():
        measured = side_by_side(
            {mode: (base_db, {"LANG_PORTAL_GROUP_COMMIT": mode, **env}) for mode in ("on", "off")},
            lambda mode: {"review": ("", review_lua)},
            seconds,
            rounds,
            connections=16,
        )
        found[disk] = {
            "on_over_off": paired(measured["on"], measured["off"], "rps")["review"],
            "on_rps": statistics.median(m["rps"] for m in measured["on"]["review"]),
            "off_rps": statistics.median(m["rps"] for m in measured["off"]["review"]),
        }
    return found


def measure(args, workdir, store):
    global DATABASE_PIDS
    DATABASE_PIDS = store.server_pids
    quick = args.quick
    seconds = 2 if quick else 5
    scale_seconds = 1 if quick else 4
    side_seconds, rounds = (1 if quick else 2), (3 if quick else 5)  # per measurement of side_by_side, and its rounds
    results = {"quick": quick, "engine": store.engine, "processes": PROCESSES, "seconds_per_measurement": seconds}

    base_size = (1000, 1000)
    base_db = store.new("base")
    history.generate(base_db, *base_size)
    sessions = max(history.MIN_SESSIONS, base_size[1] // history.REVIEWS_PER_SESSION)
    review_lua = lua(workdir, "review", REVIEW_LUA, words=base_size[0], sessions=sessions)

    if store.engine == "postgresql":
        print("the review write on SQLite and PostgreSQL, in turns ...", flush=True)
        results["engines"] = engines_side_by_side(store, workdir, base_size, review_lua, seconds)

    print("floor against a bare Flask app, side by side ...", flush=True)
    # The same route on both (GET /api, a constant answer) measures what our hooks,
    # middleware and error handling add; GET /api/health also checks the database file
    # and reads its schema version, which the bare app's does not.
    floors = side_by_side(
        {"ours": (base_db, {}), "bare": (base_db, {"bare": True})},
        lambda kind: {"index": ("/api", None), "health": ("/api/health", None)},
        seconds,
        rounds,
        connections=16,
    )
    ours, bare = medians(floors["ours"], ("rps",)), medians(floors["bare"], ("rps",))
    rps_ratio, cpu_ratio = (
        paired(floors["ours"], floors["bare"], "rps"),
        paired(floors["bare"], floors["ours"], "cpu_us"),
    )
    results["floor"] = {
        "ours_rps": ours["index_rps"],
        "bare_rps": bare["index_rps"],
        "ours_over_bare": rps_ratio["index"],
        "ours_over_bare_cpu": cpu_ratio["index"],
        "health_rps": ours["health_rps"],
        "bare_health_rps": bare["health_rps"],
        "health_over_bare": rps_ratio["health"],
    }

    print("throughput ...", flush=True)
    with Server(base_db, LANG_PORTAL_RATE_LIMITS="on") as server:
        runs = [
            ("review", server.url, review_lua),
            ("words", f"{server.url}/api/words", None),
            ("stats", f"{server.url}/api/dashboard/stats", None),
        ]
        over_floor, measured, health_runs = against_floor(server, seconds, runs, 3)
        c16 = wrk(server.url, seconds, connections=16, script=review_lua)
        c64 = wrk(server.url, seconds, connections=64, script=review_lua)
    # The same page read anew every time (the cache off): what the page itself costs.
    with Server(base_db, LANG_PORTAL_RATE_LIMITS="on", LANG_PORTAL_RESPONSE_CACHE="off") as server:
        runs = [("words_uncached", f"{server.url}/api/words", None)]
        over, rps, _ = against_floor(server, seconds, runs, 3)
        over_floor.update(over)
        measured.update(rps)
    results["throughput"] = {
        "health_rps": statistics.median(health_runs),
        **{f"{name}_rps": rps for name, rps in measured.items()},
        **{f"{name}_over_floor": r for name, r in over_floor.items()},
    }
    results["review_latency"] = {
        "c16_p50_ms": c16["p50_ms"],
        "c16_p99_ms": c16["p99_ms"],
        "c64_p50_ms": c64["p50_ms"],
        "c64_p99_ms": c64["p99_ms"],
        "c64_rps": c64["rps"],
    }

    print("rate limits on against off, side by side ...", flush=True)
    limit_endpoints = {"health": ("/api/health", None), "words": ("/api/words", None), "review": ("", review_lua)}
    limits = side_by_side(
        {mode: (base_db, {"LANG_PORTAL_RATE_LIMITS": mode}) for mode in ("on", "off")},
        lambda mode: limit_endpoints,
        seconds,
        rounds,
        connections=16,
    )
    # The CPU a request costs with limits off over with them on (1 when the limits cost
    # nothing), and req/s on over off. The goal is judged in-process (in_process_limits):
    # over HTTP this machine's noise moves both by more than the 5% the goal allows.
    results["limits_on_over_off_http"] = paired(limits["off"], limits["on"], "cpu_us")
    results["limits_on_over_off_rps"] = paired(limits["on"], limits["off"], "rps")

    if store.engine == "sqlite":
        print("group commit on and off, side by side, on this disk and on a slow one ...", flush=True)
        results["group_commit"] = group_commit_side_by_side(workdir, base_db, review_lua, seconds, rounds)

    print("in-process answers ...", flush=True)
    with_memory = in_process_answers(base_db, sessions, base_size[0], scale_seconds)
    without_memory = in_process_answers(base_db, sessions, base_size[0], scale_seconds, with_memory=False)
    limits_in_process = in_process_limits(base_db, sessions, base_size[0])
    results["in_process"] = {
        "answers_per_s": with_memory,
        "answers_per_s_without_memory": without_memory,
        "memory_step_cost": without_memory / with_memory,
        "http_review_over_in_process": results["throughput"]["review_rps"] / with_memory,
    }
    results["limits_on_over_off"] = limits_in_process

    sizes = [(1000, 1000), (10_000, 100_000)] if quick else [(1000, 1000), (10_000, 10_000), (100_000, 1_000_000)]
    print(f"scale: {', '.join(f'{w} words / {r} reviews' for w, r in sizes)}, side by side ...", flush=True)
    paths = {}
    for n_words, n_reviews in sizes:
        paths[n_words, n_reviews] = store.new(f"scale-{n_words}-{n_reviews}")
        history.generate(paths[n_words, n_reviews], n_words, n_reviews)

    def scale_endpoints(size):
        n_words = size[0]
        last_page = -(-n_words // 50)
        group_last = history.GROUP_SIZE // 100
        return {
            "dashboard_stats": ("/api/dashboard/stats", None),
            "study_sessions": ("/api/study_sessions", None),
            "word_by_id": ("", lua(workdir, f"word_by_id-{n_words}", WORD_LUA, words=n_words)),
            "words_by_correct_first_page": ("/api/words?sort_by=correct_count&order=desc", None),
            "words_by_correct_last_page": (f"/api/words?sort_by=correct_count&order=desc&page={last_page}", None),
            "words_by_wrong_first_page": ("/api/words?sort_by=wrong_count&order=desc", None),
            "words_by_wrong_last_page": (f"/api/words?sort_by=wrong_count&order=desc&page={last_page}", None),
            "group_words_by_correct_first_page": ("/api/groups/1/words?sort_by=correct_count&per_page=100", None),
            "group_words_by_correct_last_page": (
                f"/api/groups/1/words?sort_by=correct_count&per_page=100&page={group_last}",
                None,
            ),
            "words_last_page": (f"/api/words?page={last_page}", None),
        }

    # The word lists' cache off: these figures are what the queries cost as the data grows.
    uncached = {"LANG_PORTAL_RESPONSE_CACHE": "off"}
    measured = side_by_side(
        {size: (path, uncached) for size, path in paths.items()}, scale_endpoints, side_seconds, rounds
    )
    results["scale"] = [{"words": size[0], "reviews": size[1], **medians(measured[size])} for size in sizes]
    for path in paths.values():
        store.remove(path)
    results["scale_ratios"] = paired(measured[sizes[-1]], measured[sizes[0]], "cpu_us")
    results["scale_ratios_p50"] = paired(measured[sizes[-1]], measured[sizes[0]], "p50_ms")

    learners_sizes = [(1, 1000), (100, 100_000)] if quick else [(1, 1000), (1000, 1_000_000)]
    print(f"one learner among {learners_sizes[-1][0]} against one alone, side by side ...", flush=True)
    paths = {}
    for n_learners, n_reviews in learners_sizes:
        paths[n_learners, n_reviews] = store.new(f"learners-{n_learners}")
        history.generate(paths[n_learners, n_reviews], 1000, n_reviews, learners=n_learners)
    learner_endpoints = {
        "dashboard_stats": ("/api/dashboard/stats?learner_id=1", None),
        "study_sessions": ("/api/study_sessions?learner_id=1", None),
        "words": ("/api/words?learner_id=1", None),
        "words_by_correct": ("/api/words?learner_id=1&sort_by=correct_count&order=desc", None),
        "group_words": ("/api/groups/1/words?learner_id=1&sort_by=wrong_count", None),
        "study_queue": ("/api/study_queue?learner_id=1", None),
    }
    measured = side_by_side(
        {size: (path, uncached) for size, path in paths.items()}, lambda size: learner_endpoints, side_seconds, rounds
    )
    results["learners"] = [
        {"learners": size[0], "reviews": size[1], **medians(measured[size])} for size in learners_sizes
    ]
    for path in paths.values():
        store.remove(path)
    small, large = measured[learners_sizes[0]], measured[learners_sizes[-1]]
    results["learners_ratios"] = paired(large, small, "cpu_us")
    results["learners_ratios_p50"] = paired(large, small, "p50_ms")

    print("memory ...", flush=True)
    low, high = (1000, 10_000) if quick else (10_000, 100_000)
    mixed = lua(workdir, "mixed", MIXED_LUA, words=base_size[0], sessions=sessions)
    with Server(base_db) as server:
        sent, rss = 0, {}
        for mark in (low, high):
            while sent < mark:
                sent += wrk(server.url, scale_seconds, script=mixed)["requests"]
            rss[mark] = server.memory_kib("VmRSS")
        peak = server.memory_kib("VmHWM")
    results["memory"] = {
        "requests_low": low,
        "requests_high": high,
        "rss_kib_low": rss[low],
        "rss_kib_high": rss[high],
        "growth": (rss[high] - rss[low]) / rss[low],
        "peak_kib": peak,
    }
    results["errors"] = sum(ERRORS)
    return results


GOALS = [
    ("hooks: GET /api >= 0.9 x bare Flask", lambda r: r["floor"]["ours_over_bare"] >= 0.9),
    ("review POST >= 0.55 x floor", lambda r: r["throughput"]["review_over_floor"] >= 0.55),
    ("words page >= 0.8 x floor", lambda r: r["throughput"]["words_over_floor"] >= 0.8),
    ("every scale ratio <= 1.5", lambda r: max(r["scale_ratios"].values()) <= 1.5),
    ("limits on / off >= 0.95 on every route", lambda r: min(r["limits_on_over_off"].values()) >= 0.95),
    ("one learner of many <= 1.5", lambda r: max(r["learners_ratios"].values()) <= 1.5),
    ("memory growth < 10%", lambda r: r["memory"]["growth"] < 0.10),
]


def growth(small, large, name, p50_ratios):
    return (
        f"{small[name + '_cpu_us']:.0f} -> {large[name + '_cpu_us']:.0f} us CPU; "
        f"p50 {small[name + '_p50_ms']:.2f} -> {large[name + '_p50_ms']:.2f} ms (x{p50_ratios[name]:.2f})"
    )


def report(results):
    f, t, lat, ip, mem = (
        results["floor"],
        results["throughput"],
        results["review_latency"],
        results["in_process"],
        results["memory"],
    )
    rows = []
    if "engines" in results:
        e = results["engines"]
        for name in ("sqlite", "postgresql"):
            rows.append(
                (
                    f"{name}: review 16 / 64 clients",
                    f"{e[name]['c16_rps']:.0f} / {e[name]['c64_rps']:.0f} req/s",
                    f"p99 {e[name]['c16_p99_ms']:.0f} / {e[name]['c64_p99_ms']:.0f} ms; "
                    f"floor {e[name]['floor_rps']:.0f} req/s",
                    "",
                )
            )
        r = e["postgresql_over_sqlite"]
        rows.append(
            (
                "postgresql / sqlite: review 16 / 64 clients",
                f"{r['c16_rps']:.2f} / {r['c64_rps']:.2f}",
                f"p99 at 64 clients x{r['c64_p99_ms']:.2f}",
                "",
            )
        )
    rows += [
        (
            "GET /api / the same route on bare Flask",
            f"{f['ours_over_bare']:.2f}",
            f"{f['ours_rps']:.0f} / {f['bare_rps']:.0f} req/s; CPU per request, bare / ours {f['ours_over_bare_cpu']:.2f}",
            ">= 0.9",
        ),
        (
            "floor: GET /api/health / bare Flask's",
            f"{f['health_over_bare']:.2f}",
            f"{f['health_rps']:.0f} / {f['bare_health_rps']:.0f} req/s; ours checks the file, reads the schema",
            "",
        ),
        ("POST review / floor", f"{t['review_over_floor']:.2f}", f"{t['review_rps']:.0f} req/s", ">= 0.55"),
        ("GET /api/words / floor", f"{t['words_over_floor']:.2f}", f"{t['words_rps']:.0f} req/s", ">= 0.8"),
        (
            "GET /api/words, read anew / floor",
            f"{t['words_uncached_over_floor']:.2f}",
            f"{t['words_uncached_rps']:.0f} req/s (LANG_PORTAL_RESPONSE_CACHE=off)",
            "",
        ),
        ("GET dashboard/stats / floor", f"{t['stats_over_floor']:.2f}", f"{t['stats_rps']:.0f} req/s", ""),
        ("review p50 / p99, 16 clients", f"{lat['c16_p50_ms']:.0f} / {lat['c16_p99_ms']:.0f} ms", "", ""),
        (
            "review p50 / p99, 64 clients",
            f"{lat['c64_p50_ms']:.0f} / {lat['c64_p99_ms']:.0f} ms",
            f"{lat['c64_rps']:.0f} req/s",
            "",
        ),
    ]
    for disk, found in results.get("group_commit", {}).items():
        rows.append(
            (
                f"group commit on / off: review, {disk}",
                f"{found['on_over_off']:.2f}",
                f"{found['on_rps']:.0f} / {found['off_rps']:.0f} req/s, 16 clients",
                "",
            )
        )
    for name, ratio in results["limits_on_over_off"].items():
        http, rps_ratio = results["limits_on_over_off_http"][name], results["limits_on_over_off_rps"][name]
        note = f"in-process CPU per request, off / on; over HTTP {http:.2f}, req/s {rps_ratio:.2f}"
        rows.append((f"limits on / off: {name}", f"{ratio:.2f}", note, ">= 0.95"))
    rows += [
        (
            "in-process answers",
            f"{ip['answers_per_s']:.0f}/s",
            f"{ip['answers_per_s_without_memory']:.0f}/s without the FSRS step",
            "",
        ),
        ("answer write with / without FSRS step", f"{ip['memory_step_cost']:.2f}", "time per answer", ""),
        ("HTTP review / in-process answer", f"{ip['http_review_over_in_process']:.2f}", "", ""),
    ]
    first, last = results["scale"][0], results["scale"][-1]
    for name, ratio in results["scale_ratios"].items():
        rows.append((f"scale {name}", f"{ratio:.2f}", growth(first, last, name, results["scale_ratios_p50"]), "<= 1.5"))
    lf, ll = results["learners"][0], results["learners"][-1]
    for name, ratio in results["learners_ratios"].items():
        rows.append(
            (
                f"learner 1 of many: {name}",
                f"{ratio:.2f}",
                growth(lf, ll, name, results["learners_ratios_p50"]),
                "<= 1.5",
            )
        )
    rows.append(
        (
            f"memory growth {mem['requests_low']} -> {mem['requests_high']} req",
            f"{mem['growth']:+.1%}",
            f"peak {mem['peak_kib'] / 1024:.0f} MiB over {results['processes']} processes",
            "< 10%",
        )
    )
    width = max(len(r[0]) for r in rows)
    print("\n(scale and learner figures: CPU per request, large over small; p50 latency beside)")
    print()
    print(f"{'figure'.ljust(width)}  {'value':>16}  {'goal':>8}  note")
    for name, value, note, goal in rows:
        print(f"{name.ljust(width)}  {value:>16}  {goal:>8}  {note}")
    print(
        f"\nscale: {first['words']} words / {first['reviews']} reviews -> {last['words']} words / {last['reviews']} reviews;"
        f" learners: 1 learner / {lf['reviews']} reviews -> {ll['learners']} learners / {ll['reviews']} reviews"
    )
    met = [name for name, check in GOALS if check(results)]
    missed = [name for name, check in GOALS if not check(results)]
    results["goals_met"], results["goals_missed"] = met, missed
    print(
        f"SUMMARY: {len(met)}/{len(GOALS)} goals met"
        + (f"; missed: {', '.join(missed)}" if missed else "")
        + f"; errors during the run: {results['errors']}"
        + f"; CPU time stolen by other guests of this machine: {results['cpu_stolen']:.0%}"
    )


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scale = results["scale"]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for key in results["scale_ratios"]:
        ax.plot([r["reviews"] for r in scale], [r[f"{key}_p50_ms"] for r in scale], marker="o", label=key)
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("answers in the history (words grow with it, to 100,000)")
    ax.set_ylabel("p50 latency, ms (4 clients)")
    ax.set_title("lang-portal: latency against history size")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description="lang-portal benchmark (ratios measured side by side)")
    parser.add_argument("--quick", action="store_true", help="small histories and short runs")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="directory for results.json and the plot")
    parser.add_argument(
        "--engine",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="where the databases are made (postgresql: a throwaway durable server; needs its programs)",
    )
    args = parser.parse_args()
    ensure_tools()
    started, times = time.monotonic(), machine_times()
    with tempfile.TemporaryDirectory(prefix="lang-portal-bench-") as workdir:
        if args.engine == "postgresql":
            with postgres.cluster(durable=True) as url:
                results = measure(args, workdir, PostgreSQLStore(url))
        else:
            results = measure(args, workdir, SQLiteStore(workdir))
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    stolen, total = (after - before for after, before in zip(machine_times(), times, strict=True))
    results["cpu_stolen"] = stolen / total
    report(results)
    args.out.mkdir(parents=True, exist_ok=True)
    name = "results.json" if args.engine == "sqlite" else f"results-{args.engine}.json"
    (args.out / name).write_text(json.dumps(results, indent=2) + "\n")
    plot(results, args.out / name.replace("results", "latency_vs_history").replace(".json", ".png"))
    print(f"wrote {args.out / name} and the plot in {results['elapsed_s']} s")


if __name__ == "__main__":
    main()
