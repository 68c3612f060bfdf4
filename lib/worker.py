"""The worker of each server process: threads outside the request threads that take jobs
from the jobs table (lib/domain/jobs.py) and run them, so that a fit holds no request.

LANG_PORTAL_JOB_WORKERS threads per process (1; 0 runs none: tests and the command line
call run_pending() in the foreground). A thread runs each job it takes in a child process
(flask run-job), so that the fit's numpy work shares no interpreter lock with the
request threads. A thread looks for work when a job is submitted in
its process and every POLL_SECONDS otherwise, so a job submitted to another server, or
left by one that died, is found. While a job runs, a heartbeat renews its lease every
LEASE_SECONDS / 3; a job whose lease runs out is taken again by another worker.
"""

import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from lib import db
from lib.domain import jobs, learners, schedules
from lib.domain.errors import DomainError

POLL_SECONDS = 2.0
LEASE_SECONDS = 30
REPORT_EVERY = 0.5  # seconds between progress writes; the fit reports more often
FAILED = "The job failed unexpectedly; the server's log says why."
ROOT = Path(__file__).resolve().parent.parent

log = logging.getLogger("lang_portal.worker")


class Worker:
    def __init__(self, app, owner=None):
        self.app = app
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.wake = threading.Event()
        self.threads = []
        self.stopping = False
        self.lock = threading.Lock()

    def start(self):
        """Start the process's worker threads, once (none with JOB_WORKERS 0)."""
        with self.lock:
            if self.threads or self.app.config["JOB_WORKERS"] == 0:
                return
            for number in range(self.app.config["JOB_WORKERS"]):
                thread = threading.Thread(target=self._loop, name=f"lang-portal-worker-{number}", daemon=True)
                thread.start()
                self.threads.append(thread)

    def stop(self):
        self.stopping = True
        self.wake.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def _loop(self):
        while not self.stopping:
            try:
                ran = self.run_one(in_child=True)
            except Exception:  # a database fault: the job keeps its lease and is taken again
                log.exception("the worker could not take or run a job; trying again in %s s", POLL_SECONDS)
                ran = None
            if ran is None:
                self.wake.wait(POLL_SECONDS)
                self.wake.clear()

    def run_pending(self):
        """Run every job waiting, in this thread; their ids."""
        ran = []
        while (job_id := self.run_one()) is not None:
            ran.append(job_id)
        return ran

    def run_one(self, in_child=False):
        """Take one job and run it to its end, here or (in_child) in a child process of its
        own, whose numpy work then holds no lock the request threads wait on; its id, or
        None when none waits."""
        conn = db.connect_app_db(self.app)
        try:
            if not jobs.waiting(conn):
                return None
            with conn.transaction():
                job = jobs.take(conn, self.owner, LEASE_SECONDS)
            if job is None:
                return None
            if in_child:
                self._run_in_child(conn, job)
            else:
                self.run(conn, job)
            return job["id"]
        finally:
            conn.close()

    def _run_in_child(self, conn, job):
        # The child reads its settings from the same environment as this process; only the
        # database is passed, as an app made with settings of its own (a test's) names it.
        command = [sys.executable, "-m", "flask", "--app", "app", "run-job", str(job["id"]), "--owner", self.owner]
        environment = {**os.environ, "LANG_PORTAL_DB": str(self.app.config["DATABASE"])}
        # A session of its own: where the kernel groups a session's processes for the cores
        # (autogroup), a job in the server's own group delayed its request threads (health's
        # p99 2 to 2.5 times idle); the child ends with this thread (die_with_parent).
        child = subprocess.run(
            [*command, "--parent", str(os.getpid())],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,  # its log: ours
            start_new_session=True,
        )
        if child.returncode != 0:
            log.error("job %s: its process ended with %s", job["id"], child.returncode)
            with conn.transaction():
                jobs.end(conn, job["id"], self.owner, "failed", error=FAILED)

    def run(self, conn, job):
        """Run the job this worker has taken, to its end (in this thread)."""
        progress = Progress(self.app, job["id"], self.owner)
        try:
            learner = learners.get(conn, job["learner_id"])

            def finish(conn, result):
                jobs.end(conn, job["id"], self.owner, "done", result=result)

            if job["kind"] == "evaluate":
                schedules.evaluate(conn, learner, progress=progress.at, finish=finish)
            else:
                fitted, previous, answers = schedules.fit(conn, learner, progress=progress.fitting)
                progress.check()
                schedules.store(conn, learner, fitted, answers, previous, progress=progress.storing, finish=finish)
        except jobs.Stopped:
            self._end(conn, job, "cancelled")
        except DomainError as e:
            self._end(conn, job, "failed", error=str(e))
        except Exception:
            log.exception("job %s (%s of learner %s) failed", job["id"], job["kind"], job["learner_id"])
            self._end(conn, job, "failed", error=FAILED)
        finally:
            progress.done()

    def _end(self, conn, job, state, error=None):
        if conn.in_transaction:
            conn.end_write(commit=False)
        with conn.transaction():
            jobs.end(conn, job["id"], self.owner, state, error=error)


class Progress:
    """A running job's progress: the fitting loop's reports, written at most every
    REPORT_EVERY seconds, and a heartbeat that renews the lease meanwhile. A cancel or a
    lost lease is raised (jobs.Stopped) at the next report."""

    def __init__(self, app, job_id, owner):
        self.app, self.job_id, self.owner = app, job_id, owner
        self.share, self.written, self.stopped = 0.0, 0.0, False
        self.ending = threading.Event()
        self.heartbeat = threading.Thread(target=self._beat, name=f"lang-portal-job-{job_id}", daemon=True)
        self.heartbeat.start()

    def fitting(self, share):
        """The fitting loop's report: the fit is the job's 0.1 to 0.6 (reading the log comes
        before, storing and rescheduling after)."""
        self._report(0.1 + 0.5 * share)

    def storing(self, share):
        """memory.rebuild's report: the job's last 0.6 to 1."""
        self._report(0.6 + 0.4 * share)

    def at(self, share):
        """A report of the job's share done, for jobs of one step (an evaluation)."""
        self._report(share)

    def _report(self, share):
        self.share = share
        if self.stopped:
            raise jobs.Stopped()
        if time.monotonic() - self.written >= REPORT_EVERY:
            self._write()

    def check(self):
        self._write()

    def _write(self):
        self.written = time.monotonic()
        conn = db.connect_app_db(self.app)
        try:
            with conn.transaction():
                jobs.report(conn, self.job_id, self.owner, self.share, LEASE_SECONDS)
        except jobs.Stopped:
            self.stopped = True
            raise
        finally:
            conn.close()

    def _beat(self):
        while not self.ending.wait(LEASE_SECONDS / 3):
            try:
                self._write()
            except jobs.Stopped:
                return
            except Exception:
                log.exception("job %s: its lease could not be renewed", self.job_id)

    def done(self):
        self.ending.set()


def die_with_parent(parent):
    """In a job's child process: be killed when the server thread that started it ends (a
    server killed under a running job must not leave it running in a session of its own).
    Linux's prctl; elsewhere nothing."""
    import ctypes
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return
    prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it ended before the line above
        os._exit(1)


def of(app):
    return app.extensions["lang_portal_worker"]


def init_app(app):
    app.extensions["lang_portal_worker"] = Worker(app)
