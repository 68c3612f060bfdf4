"""Fitting one learner's scheduler at three history sizes (two with --quick), as jobs
through serve.py: the fit job's and the evaluate job's wall time and GET schedule's p50;
at the largest, GET /api/health's p99 from one client during the fit against idle."""

import contextlib
import os
import statistics
import subprocess
import time
from pathlib import Path

import requests

from bench.measure.loop import Loop, percentile
from bench.measure.servers import CLOCK_TICKS
from harness import history

SIZES = [(10_000, 1000), (100_000, 10_000), (1_000_000, 100_000)]  # answers, words: ten answers a word
QUICK_SIZES = SIZES[:2]
POLL_SECONDS = 0.2  # between reads of a job's state
JOB_SECONDS = 900  # a job not done by then has failed the benchmark
SCHEDULE_GETS = 7
STORING = 0.6  # a fit job's progress once the fit is done and the words are rescheduled (lib/worker.py)


def measure(run, results):
    sizes = QUICK_SIZES if run.quick else SIZES
    idle_seconds = 5 if run.quick else 10
    print(f"fitting: {', '.join(f'{n} answers' for n, _ in sizes)} of one learner, as jobs ...", flush=True)
    measured, health = [], None
    for answers, words in sizes:
        path = run.store.new(f"fitting-{answers}")
        try:
            history.generate(path, words, answers)
            with run.server(path) as server, requests.Session() as http:
                found = {"answers": answers, "words": words, **evaluation(http, server.url)}
                evaluate_job = found.pop("job_id")
                if (answers, words) == sizes[-1]:
                    fitted, health = fit_beside_health(run, http, server, evaluate_job, idle_seconds)
                    health["answers"] = answers
                else:
                    fitted, _ = fit(http, server)
                found.update(fitted)
        finally:
            run.store.remove(path)
        measured.append(found)
        print(
            f"  {answers} answers: fit job {found['fit_job_s']:.1f} s, evaluate job {found['evaluate_job_s']:.1f} s, "
            f"GET schedule {found['schedule_get_ms']:.1f} ms",
            flush=True,
        )
    out = {"fitting": measured, "fitting_health": health}
    at_goal = [found for found in measured if found["answers"] == 1_000_000]
    if at_goal:  # the fit's and GET schedule's goals are stated at a million answers
        out["fitting_1m"] = at_goal[0]
    return out


def evaluation(http, url):
    """The evaluate job a first GET schedule queues (past schedules.INLINE_ANSWERS), timed
    from that answer to the job's end; then GET schedule's p50 reading the evaluation kept.
    With the job's id, job_id."""
    first = http.get(f"{url}/api/learners/1/schedule", timeout=60)
    first.raise_for_status()
    job = first.json()["evaluated"]["job"]
    if job is None or job["kind"] != "evaluate":
        raise RuntimeError(f"the first GET schedule queued no evaluate job: {first.json()['evaluated']}")
    started = time.perf_counter()
    done = wait_for(http, url, job["id"])
    evaluate_s = time.perf_counter() - started
    times = []
    for _ in range(SCHEDULE_GETS):
        started = time.perf_counter()
        response = http.get(f"{url}/api/learners/1/schedule", timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        if not response.json()["evaluated"]["current"]:
            raise RuntimeError(f"GET schedule read no current evaluation: {response.json()['evaluated']}")
    return {
        "evaluate_job_s": evaluate_s,
        "schedule_get_ms": statistics.median(times),
        "counted": done["result"]["evaluation"]["reviews"],
        "job_id": job["id"],
    }


def fit(http, server, beside=None):
    """A fit job (POST optimize, then its state read every POLL_SECONDS to its end), timed
    from the 202 to done, with the share before its progress reached STORING (reading the
    log and fitting) and after (rescheduling every word), and the CPU time of the job's
    process (a wall time far above it: the job waited for a core); with beside, a URL, a
    Loop calls it meanwhile, and its answers are the second of the pair returned."""
    cpu_before = ended_jobs_cpu_seconds(server)
    started = time.perf_counter()
    response = http.post(f"{server.url}/api/learners/1/schedule/optimize", json={}, timeout=120)
    answered = time.perf_counter()
    if response.status_code != 202:
        raise RuntimeError(f"POST optimize answered {response.status_code}: {response.text}")
    fitted_at, process = None, {}

    def seen(job):
        nonlocal fitted_at
        if not process and job["progress"] > 0:  # once, when the job's process has reported
            process["found"] = job_process(server)
        if fitted_at is None and job["progress"] >= STORING:
            fitted_at = time.perf_counter()

    with contextlib.ExitStack() as stack:
        loop = stack.enter_context(Loop(beside)) if beside else None
        job = wait_for(http, server.url, response.json()["id"], seen)
        done = time.perf_counter()
        called = loop.stop() if loop else None
    fitted_at = fitted_at or done
    job_cpu = ended_jobs_cpu_seconds(server) - cpu_before
    found = {
        "optimize_post_s": answered - started,
        "fit_job_s": done - answered,
        "fit_s": fitted_at - answered,
        "reschedule_s": done - fitted_at,
        "log_loss_before": job["result"]["previous_evaluation"]["log_loss"],
        "log_loss_after": job["result"]["evaluation"]["log_loss"],
        "job_cpu_s": job_cpu,
        "job_process": process.get("found"),
    }
    return found, called


def fit_beside_health(run, http, server, ended_job, idle_seconds):
    """The fit, and GET /api/health called by one client in a loop while the job runs and
    while the server is idle, for idle_seconds before the fit and again after it; the fit's
    figures and the health's. Idle, the state of ended_job is read as often as the fit's
    is while it runs, so that the two differ by the job alone."""
    health = f"{server.url}/api/health"
    before = idle(http, server.url, health, ended_job, idle_seconds)
    fitted, during = fit(http, server, beside=health)
    load = os.getloadavg()[0]  # the machine's other work: this fit, client and server make 2 to 3
    after = idle(http, server.url, health, ended_job, idle_seconds)
    quiet = before["latencies_ms"] + after["latencies_ms"]
    busy = during["latencies_ms"]
    run.wrk.errors += before["errors"] + during["errors"] + after["errors"]
    return fitted, {
        "idle_seconds": 2 * idle_seconds,
        "idle_requests": len(quiet),
        "fit_requests": len(busy),
        "idle_p50_ms": percentile(quiet, 0.50),
        "idle_p99_ms": percentile(quiet, 0.99),
        "fit_p50_ms": percentile(busy, 0.50),
        "fit_p99_ms": percentile(busy, 0.99),
        "fit_over_idle_p99": percentile(busy, 0.99) / percentile(quiet, 0.99),
        "load_at_fit_end": load,
    }


def idle(http, url, loop_url, job_id, seconds):
    """A Loop's answers over seconds, the job's state read every POLL_SECONDS meanwhile."""
    with Loop(loop_url) as loop:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            http.get(f"{url}/api/jobs/{job_id}", timeout=60).raise_for_status()
            time.sleep(POLL_SECONDS)
        return loop.stop()


def wait_for(http, url, job_id, seen=None):
    """The job once done, its state read every POLL_SECONDS (each seen(job) when given);
    RuntimeError when it failed, was cancelled or took longer than JOB_SECONDS."""
    deadline = time.monotonic() + JOB_SECONDS
    while time.monotonic() < deadline:
        response = http.get(f"{url}/api/jobs/{job_id}", timeout=60)
        response.raise_for_status()
        job = response.json()
        if seen is not None:
            seen(job)
        if job["state"] == "done":
            return job
        if job["state"] in ("failed", "cancelled"):
            raise RuntimeError(f"job {job_id} ({job['kind']}) {job['state']}: {job['error']}")
        time.sleep(POLL_SECONDS)
    raise RuntimeError(f"job {job_id} was not done in {JOB_SECONDS} s")


def job_process(server):
    """{nice, threads} of the process running the job (a child of a serving process), or
    None when it is not found: what the health figures depend on."""
    for parent in server.worker_pids():
        out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
        for pid in out.split():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            return {"nice": int(fields[16]), "threads": int(fields[17])}  # fields 19 and 20 of stat
    return None


def ended_jobs_cpu_seconds(server):
    """The CPU time of the serving processes' children that have ended (the jobs' processes,
    counted in their parent's cutime and cstime once reaped), in seconds: it waits for a
    job's process still running to end."""
    deadline = time.monotonic() + 30
    while job_process(server) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    ticks = 0
    for pid in server.worker_pids():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[13]) + int(fields[14])  # cutime and cstime, fields 16 and 17
    return ticks / CLOCK_TICKS
