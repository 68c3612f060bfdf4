"""Jobs on two app servers of one PostgreSQL database (docs/learning.md, Jobs): fits
POSTed to both are each run once, by one worker, and both servers run some; a job whose
server is killed while it runs is run by the other once its lease has run out."""

import contextlib
import itertools
import json
import os
import signal
import socket
import time

import pytest
import requests
from fsrs.scheduler import DEFAULT_PARAMETERS

from lib import db, worker
from lib.domain import jobs
from tests.helpers import give_answers, make_app, postgresql_only
from tests.load import start_both, stop

pytestmark = [pytest.mark.slow, postgresql_only]

LEARNERS = 6  # a job each: more than the 2 one server runs at once (a worker in each process)
TWICE = 3  # learners whose fit is POSTed again, to the other server
ANSWERS = 500  # about 470 that count: a fit on a real server needs 400
DEADLINE = 60  # seconds for every job to end (after the lease, for the killed server's)

# What the test watches in its own database (the schema keeps no history: a fit
# overwrites the learner's parameters, a job row its owner): every write of a job row,
# and every store of a learner's parameters.
WATCH = (
    "CREATE TABLE job_writes (seq SERIAL PRIMARY KEY, job_id INTEGER, state TEXT, owner TEXT)",
    """
    CREATE FUNCTION job_written() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO job_writes (job_id, state, owner) VALUES (NEW.id, NEW.state, NEW.owner);
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER job_written AFTER INSERT OR UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION job_written()",
    "CREATE TABLE fits_stored (seq SERIAL PRIMARY KEY, learner_id INTEGER)",
    """
    CREATE FUNCTION fit_stored() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO fits_stored (learner_id) VALUES (NEW.id);
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER fit_stored AFTER UPDATE OF fsrs_parameters ON learners FOR EACH ROW EXECUTE FUNCTION fit_stored()",
)


@pytest.fixture
def watched(seeded_database):
    """A connection to the test's database, its writes of jobs and parameters watched."""
    conn = db.connect(seeded_database)
    for statement in WATCH:
        conn.execute(statement)
    yield conn
    conn.close()


def learners_with_answers(database, tmp_path, count):
    """Learner 1 and count - 1 new learners, each given ANSWERS answers to fit on; their ids."""
    app = make_app(database)
    client = app.test_client()
    learner_ids = [1] + [client.post("/api/learners", json={"name": f"L{n}"}).get_json()["id"] for n in range(1, count)]
    for seed, learner_id in enumerate(learner_ids):
        give_answers(app, tmp_path, learner_id, seed=seed, count=ANSWERS, words=27)
    db.close_connections(app)
    return learner_ids


def optimize(url, learner_id):
    return requests.post(f"{url}/api/learners/{learner_id}/schedule/optimize", json={}, timeout=10)


def server_of(owner, servers):
    """The index of the server whose serving process owner (host:pid:token) names; the
    process must still run."""
    host, pid, _ = owner.rsplit(":", 2)
    assert host == socket.gethostname(), owner
    try:
        group = os.getpgid(int(pid))  # start_server gives each server a process group of its own
    except ProcessLookupError:
        pytest.fail(f"{owner} is no serving process that still runs")
    [index] = [i for i, server in enumerate(servers) if server.pid == group]
    return index


def poll(look, done, timeout, what):
    """look() every 0.1 s until done(its answer); the answer, or a failure saying what did
    not happen within timeout seconds and what was seen last."""
    deadline = time.monotonic() + timeout
    while not done(seen := look()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout} s; last seen: {seen}")
        time.sleep(0.1)
    return seen


def ended_jobs(urls, job_ids, timeout):
    """Every job as GET /api/jobs/:id answers it (the servers asked in turn), once all have ended."""
    turns = itertools.count()

    def look():
        turn = next(turns)
        return {
            job_id: requests.get(f"{urls[(turn + i) % len(urls)]}/api/jobs/{job_id}", timeout=10).json()
            for i, job_id in enumerate(job_ids)
        }

    return poll(
        look,
        lambda seen: all(job["state"] in jobs.ENDED for job in seen.values()),
        timeout,
        "not every job ended",
    )


def history(conn, job_id):
    """(the states, the owners) a job's row went through, each change once, in order, and
    how many of its writes left it ended."""
    writes = conn.rows("SELECT state, owner FROM job_writes WHERE job_id = ? ORDER BY seq", (job_id,))
    changes = lambda values: [value for value, _ in itertools.groupby(values)]  # noqa: E731
    states, owners = changes(w["state"] for w in writes), changes(w["owner"] for w in writes if w["owner"])
    return states, owners, sum(w["state"] in jobs.ENDED for w in writes)


def fits_stored(conn, learner_id):
    return conn.scalar("SELECT count(*) FROM fits_stored WHERE learner_id = ?", (learner_id,))


def assert_done_with_the_stored_parameters(conn, job):
    assert (job["state"], job["progress"], job["error"]) == ("done", 1, None), job
    stored = json.loads(conn.scalar("SELECT fsrs_parameters FROM learners WHERE id = ?", (job["learner_id"],)))
    assert job["result"]["parameters"] == stored
    assert len(stored) == len(DEFAULT_PARAMETERS) and stored != list(DEFAULT_PARAMETERS)  # fitted


def test_fits_posted_to_two_servers_each_run_once_and_both_servers_run_some(seeded_database, watched, tmp_path):
    conn, learner_ids = watched, learners_with_answers(seeded_database, tmp_path, LEARNERS)
    with contextlib.ExitStack() as files:
        servers, urls = start_both(seeded_database, tmp_path, {}, files)
        try:
            job_ids = {}
            for n, learner_id in enumerate(learner_ids):
                queued = optimize(urls[n % 2], learner_id)
                assert queued.status_code == 202, queued.text
                job_ids[learner_id] = queued.json()["id"]
                assert queued.headers["Location"] == f"/api/jobs/{job_ids[learner_id]}"
                if n < TWICE:  # one fit per learner: the other server answers the job under way
                    again = optimize(urls[(n + 1) % 2], learner_id)
                    assert again.status_code == 200 and again.json()["id"] == job_ids[learner_id], again.text
            ended = ended_jobs(urls, list(job_ids.values()), DEADLINE)
            owners = conn.rows("SELECT DISTINCT owner FROM job_writes WHERE owner IS NOT NULL")
            server_of_owner = {row["owner"]: server_of(row["owner"], servers) for row in owners}
        finally:
            for server in servers:
                stop(server)

    rows = conn.rows("SELECT id, learner_id, attempts, owner FROM jobs ORDER BY id")
    assert [(r["id"], r["learner_id"]) for r in rows] == sorted((j, i) for i, j in job_ids.items())
    for row in rows:
        assert_done_with_the_stored_parameters(conn, ended[row["id"]])
        assert row["attempts"] == 1, row  # taken once
        assert history(conn, row["id"]) == (["queued", "running", "done"], [row["owner"]], 1)  # one owner, one end
        assert fits_stored(conn, row["learner_id"]) == 1  # and run once: one store of parameters
    servers_that_ran = {server_of_owner[row["owner"]] for row in rows}
    assert servers_that_ran == {0, 1}, f"every job ran on server {servers_that_ran}: the test proves nothing"
    for name in "ab":
        assert "Traceback" not in (tmp_path / f"server-{name}.log").read_text(errors="replace")


def test_a_job_whose_server_is_killed_is_run_by_the_other_once_its_lease_runs_out(seeded_database, watched, tmp_path):
    conn, [learner_id] = watched, learners_with_answers(seeded_database, tmp_path, 1)
    with contextlib.ExitStack() as files:
        servers, urls = start_both(seeded_database, tmp_path, {}, files)
        try:
            job_id = optimize(urls[0], learner_id).json()["id"]
            taken = poll(
                lambda: conn.row("SELECT state, owner, progress FROM jobs WHERE id = ?", (job_id,)),
                lambda row: row["state"] != "queued",
                DEADLINE,
                "no worker took the job",
            )
            assert taken["state"] == "running" and taken["progress"] < 0.6, taken  # its fit not yet stored
            killed = server_of(taken["owner"], servers)
            stop(servers[killed], signal.SIGKILL)  # its serving processes and the job's own, at once
            survivor = 1 - killed
            job = ended_jobs([urls[survivor]], [job_id], worker.LEASE_SECONDS + DEADLINE)[job_id]
            row = conn.row("SELECT attempts, owner FROM jobs WHERE id = ?", (job_id,))
            assert server_of(row["owner"], servers) == survivor
        finally:
            for server in servers:
                stop(server)

    assert_done_with_the_stored_parameters(conn, job)
    assert row["attempts"] == 2
    assert history(conn, job_id) == (["queued", "running", "done"], [taken["owner"], row["owner"]], 1)
    assert fits_stored(conn, learner_id) == 1  # the killed server stored nothing
    survivor_log = tmp_path / f"server-{'ab'[survivor]}.log"
    assert "Traceback" not in survivor_log.read_text(errors="replace")
