"""Background jobs (lib/domain/jobs.py, lib/worker.py, routes/jobs.py): a fit queued by
POST .../schedule/optimize, its states and progress, cancelling, a job cut off by a
restart, one fit per learner, the queue's bound, two workers on one database, and the
evaluation kept for a long history and brought up to date by a job."""

import json
import os
import subprocess
import sys
import threading
from datetime import date

import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS

from harness.servers import ROOT
from lib import db, schema, worker
from lib.domain import fitting, jobs, learners, resets, schedules
from tests.helpers import error_of, give_answers, make_app


@pytest.fixture
def enough(monkeypatch):
    """Fits need 30 answers that count here, not 400."""
    monkeypatch.setattr(fitting, "MIN_REVIEWS_TO_FIT", 30)


def optimize(client, learner_id=1):
    return client.post(f"/api/learners/{learner_id}/schedule/optimize", json={})


def test_a_fit_is_a_job_that_ends_done_with_the_new_schedule(app, client, tmp_path, enough):
    give_answers(app, tmp_path, 1)
    before = client.get("/api/learners/1/schedule").get_json()
    queued = optimize(client)
    assert queued.status_code == 202
    job = queued.get_json()
    assert queued.headers["Location"] == f"/api/jobs/{job['id']}"
    assert (job["state"], job["progress"], job["kind"], job["learner_id"]) == ("queued", 0, "optimize", 1)
    assert job["started_at"] is job["finished_at"] is job["result"] is job["error"] is None
    again = optimize(client)  # one fit per learner: the same job
    assert again.status_code == 200 and again.get_json()["id"] == job["id"]
    unchanged = client.get("/api/learners/1/schedule").get_json()  # nothing changes until it runs
    assert (unchanged["parameters"], unchanged["evaluation"]) == (before["parameters"], before["evaluation"])

    assert worker.of(app).run_pending() == [job["id"]]
    done = client.get(f"/api/jobs/{job['id']}").get_json()
    assert (done["state"], done["progress"], done["error"]) == ("done", 1, None)
    assert done["started_at"] <= done["finished_at"]
    result = done["result"]
    assert result["previous_evaluation"] == before["evaluation"]
    assert result["evaluation"]["log_loss"] < before["evaluation"]["log_loss"]
    assert client.get("/api/learners/1/schedule").get_json()["parameters"] == result["parameters"]
    assert optimize(client).status_code == 202  # a new fit once the last has ended


def test_a_replayed_optimize_names_its_job_in_location_too(app, client, tmp_path, enough):
    give_answers(app, tmp_path, 1)
    key = {"Idempotency-Key": "fit-once"}
    first = client.post("/api/learners/1/schedule/optimize", json={}, headers=key)
    replayed = client.post("/api/learners/1/schedule/optimize", json={}, headers=key)
    assert (first.status_code, replayed.status_code) == (202, 202)
    assert replayed.headers["Idempotent-Replayed"] == "true" and replayed.get_json() == first.get_json()
    assert replayed.headers["Location"] == first.headers["Location"] == f"/api/jobs/{first.get_json()['id']}"


def test_too_few_answers_is_a_422_at_once_and_queues_nothing(client, conn):
    response = optimize(client)
    assert response.status_code == 422 and "at least 400" in error_of(response)
    assert conn.scalar("SELECT count(*) FROM jobs") == 0


def test_the_count_of_answers_that_count_is_the_logs_read_in_batches_or_not(app, conn, tmp_path, monkeypatch):
    give_answers(app, tmp_path, 1)
    expected = schedules.answers_log(conn, 1).reviews
    assert schedules.counted_answers(conn, 1) == expected > 0
    monkeypatch.setattr(schedules, "COUNT_BATCH", 7)  # a word's answers split across batches
    assert schedules.counted_answers(conn, 1) == expected


def test_counting_for_a_fit_stops_once_it_has_found_enough(app, conn, tmp_path, monkeypatch):
    give_answers(app, tmp_path, 1)
    monkeypatch.setattr(schedules, "COUNT_BATCH", 10)
    read = []
    rows = conn.rows
    monkeypatch.setattr(conn, "rows", lambda sql, params=(): read.append(len(found := rows(sql, params))) or found)
    found = schedules.counted_answers(conn, 1, up_to=20)
    total = conn.scalar("SELECT count(*) FROM word_review_items WHERE learner_id = 1")
    assert 20 <= found < schedules.answers_log(conn, 1).reviews
    assert sum(read) < total / 2, (sum(read), total)


def test_a_queued_job_is_cancelled_at_once_and_an_ended_one_stays(app, client, conn, tmp_path, enough):
    give_answers(app, tmp_path, 1)
    job = optimize(client).get_json()
    cancelled = client.delete(f"/api/jobs/{job['id']}")
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    again = client.delete(f"/api/jobs/{job['id']}")
    assert again.status_code == 409 and "has ended (cancelled)" in error_of(again)
    assert worker.of(app).run_pending() == []
    assert client.get(f"/api/jobs/{job['id']}").get_json()["state"] == "cancelled"
    assert client.get("/api/jobs/999").status_code == 404


def test_a_running_job_cancelled_stops_and_stores_nothing(app, client, tmp_path, enough, monkeypatch):
    give_answers(app, tmp_path, 1)
    before = client.get("/api/learners/1/schedule").get_json()["parameters"]
    job = optimize(client).get_json()
    fit = fitting.fit
    answers = []

    def cancelled_midway(log, start, max_iterations=100, progress=None):
        def report(done):
            if not answers:  # the learner cancels while the fit runs
                answers.append(client.delete(f"/api/jobs/{job['id']}"))
            progress(done)

        return fit(log, start, max_iterations, progress=report)

    monkeypatch.setattr(fitting, "fit", cancelled_midway)
    worker.of(app).run_pending()
    assert answers[0].status_code == 200 and answers[0].get_json()["state"] == "running"
    ended = client.get(f"/api/jobs/{job['id']}").get_json()
    assert ended["state"] == "cancelled" and ended["result"] is None and ended["finished_at"]
    assert client.get("/api/learners/1/schedule").get_json()["parameters"] == before


def test_a_job_cut_off_by_a_restart_is_run_again(app, client, conn, tmp_path, enough):
    """A running job whose owner died (its lease ran out) is taken again; one whose owner
    is alive (its lease runs) is left to it."""
    give_answers(app, tmp_path, 1)
    job = optimize(client).get_json()
    with conn.transaction():
        conn.execute(
            "UPDATE jobs SET state = 'running', owner = 'a dead process', attempts = 1, progress = 0.4, "
            "started_at = '2026-01-01T00:00:00Z', lease_until = '2026-01-01T00:00:30Z' WHERE id = ?",
            (job["id"],),
        )
    assert worker.of(app).run_pending() == [job["id"]]
    row = conn.row("SELECT state, attempts, progress, owner FROM jobs WHERE id = ?", (job["id"],))
    assert (row["state"], row["attempts"], row["progress"]) == ("done", 2, 1)
    assert row["owner"] == worker.of(app).owner

    with conn.transaction():  # cut off as often as a job may be: it fails, and is not tried again
        conn.execute(
            "UPDATE jobs SET state = 'running', owner = 'a dead process', attempts = 3, "
            "lease_until = '2026-01-01T00:00:30Z' WHERE id = ?",
            (job["id"],),
        )
    assert worker.of(app).run_pending() == []
    failed = client.get(f"/api/jobs/{job['id']}").get_json()
    assert failed["state"] == "failed" and "cut off 3 times" in failed["error"]

    second = optimize(client).get_json()
    with conn.transaction():
        conn.execute(
            "UPDATE jobs SET state = 'running', owner = 'a live process', lease_until = '2999-01-01T00:00:00Z' "
            "WHERE id = ?",
            (second["id"],),
        )
    assert worker.of(app).run_pending() == []
    assert client.get(f"/api/jobs/{second['id']}").get_json()["state"] == "running"


def test_a_failed_job_says_why(app, client, tmp_path, enough, monkeypatch):
    give_answers(app, tmp_path, 1)
    job = optimize(client).get_json()
    monkeypatch.setattr(fitting, "MIN_REVIEWS_TO_FIT", 10_000)  # the answers no longer suffice when it runs
    worker.of(app).run_pending()
    failed = client.get(f"/api/jobs/{job['id']}").get_json()
    assert failed["state"] == "failed" and "Fitting needs at least 10000" in failed["error"]


def test_one_active_fit_per_learner_is_the_databases_rule(conn):
    with conn.transaction():
        conn.execute("INSERT INTO jobs (kind, learner_id, created_at) VALUES ('optimize', 1, '2026-01-01T00:00:00Z')")
    with pytest.raises(db.DATABASE_ERRORS), conn.transaction():
        conn.execute("INSERT INTO jobs (kind, learner_id, created_at) VALUES ('optimize', 1, '2026-01-01T00:00:01Z')")


def test_past_the_queues_bound_a_new_job_is_a_503(app, client, tmp_path, enough):
    bounded = make_app(app.config["DATABASE"], JOB_QUEUE=1)
    other = client.post("/api/learners", json={"name": "Second"}).get_json()["id"]
    give_answers(app, tmp_path, 1)
    give_answers(app, tmp_path, other, seed=12)
    bounded_client = bounded.test_client()
    assert optimize(bounded_client, 1).status_code == 202
    refused = optimize(bounded_client, other)
    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
    assert "1 jobs are waiting already" in error_of(refused)
    db.close_connections(bounded)


def test_two_workers_on_one_database_run_each_job_once(app, client, conn, tmp_path, enough):
    """Two apps, as two servers, take jobs from one database at once: every job runs, and
    none twice (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer at a time)."""
    learners = [1] + [client.post("/api/learners", json={"name": f"L{n}"}).get_json()["id"] for n in range(5)]
    for seed, learner_id in enumerate(learners):
        give_answers(app, tmp_path, learner_id, seed=seed, count=60)
        assert optimize(client, learner_id).status_code == 202
    servers = [make_app(app.config["DATABASE"]) for _ in range(2)]
    ran = [[], []]
    threads = [threading.Thread(target=lambda i=i: ran[i].extend(worker.of(servers[i]).run_pending())) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(ran[0] + ran[1]) == sorted(r["id"] for r in conn.rows("SELECT id FROM jobs"))
    rows = conn.rows("SELECT state, attempts FROM jobs")
    assert [(r["state"], r["attempts"]) for r in rows] == [("done", 1)] * len(learners)
    for server in servers:
        db.close_connections(server)


@pytest.mark.slow  # it starts a process
def test_the_worker_thread_runs_a_job_outside_the_request(app, tmp_path):
    """With a worker thread (as serve.py starts one per process), the POST answers at once
    and the job is done a moment later, run in a process of its own (which needs the
    400 answers that count a fit needs, as the server does)."""
    threaded = make_app(app.config["DATABASE"], JOB_WORKERS=1)
    give_answers(app, tmp_path, 1, count=2000, words=27)
    client = threaded.test_client()
    job = optimize(client).get_json()
    finished = threading.Event()
    state = {}

    def watch():
        conn = db.connect_app_db(threaded)
        try:
            for _ in range(600):
                state.update(conn.row("SELECT state FROM jobs WHERE id = ?", (job["id"],)))
                if state["state"] in jobs.ENDED:
                    finished.set()
                    return
                finished.wait(0.1)
        finally:
            conn.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    watcher.join()
    assert state["state"] == "done", client.get(f"/api/jobs/{job['id']}").get_json()
    assert client.get(f"/api/jobs/{job['id']}").get_json()["progress"] == 1
    worker.of(threaded).stop()
    db.close_connections(threaded)


def test_an_answer_given_while_a_fit_reschedules_is_in_the_memory_it_stores(
    app, client, conn, tmp_path, enough, monkeypatch
):
    """The reschedule makes the memory states before its write transaction; a word
    answered meanwhile is made again inside it, so the stored memory is every answer's."""
    from lib.domain import memory

    give_answers(app, tmp_path, 1)
    session = client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
    job = optimize(client).get_json()
    made = memory.states_from_answers

    def answered_meanwhile(conn_, learner, progress=None, word_ids=None):
        states = made(conn_, learner, progress=progress, word_ids=word_ids)
        if word_ids is None:  # the full pass, before the write transaction
            answer = client.post(f"/api/study_sessions/{session}/review", json={"word_id": 5, "correct": False})
            assert answer.status_code == 200
        return states

    monkeypatch.setattr(memory, "states_from_answers", answered_meanwhile)
    worker.of(app).run_pending()
    assert client.get(f"/api/jobs/{job['id']}").get_json()["state"] == "done"
    columns = f"word_id, {memory.MEMORY_COLUMNS}"
    stored = conn.rows(f"SELECT {columns} FROM word_stats WHERE learner_id = 1 ORDER BY word_id")
    monkeypatch.setattr(memory, "states_from_answers", made)
    with conn.transaction():
        memory.rebuild(conn, conn.row("SELECT id, fsrs_parameters, desired_retention FROM learners WHERE id = 1"))
    assert conn.rows(f"SELECT {columns} FROM word_stats WHERE learner_id = 1 ORDER BY word_id") == stored
    assert conn.scalar("SELECT reps FROM word_stats WHERE learner_id = 1 AND word_id = 5") >= 1


def test_a_reset_ends_the_queued_jobs_and_stops_a_running_fit(app, client, conn, tmp_path, enough, monkeypatch):
    other = client.post("/api/learners", json={"name": "Second"}).get_json()["id"]
    give_answers(app, tmp_path, 1)
    give_answers(app, tmp_path, other, seed=12)
    running, queued = optimize(client, 1).get_json(), optimize(client, other).get_json()
    real_fit = fitting.fit

    def reset_midway(log, start, max_iterations=100, progress=None):
        def report(done):
            if done > 0.2 and not reset:
                reset.append(client.post("/api/reset_history", json={}))
            progress(done)

        return real_fit(log, start, max_iterations, progress=report)

    reset = []
    monkeypatch.setattr(fitting, "fit", reset_midway)
    assert worker.of(app).run_pending() == [running["id"]]  # the queued one was cancelled, not run
    assert reset[0].status_code == 200
    assert client.get(f"/api/jobs/{running['id']}").get_json()["state"] == "cancelled"
    assert client.get(f"/api/jobs/{queued['id']}").get_json()["state"] == "cancelled"
    assert conn.scalar("SELECT count(*) FROM learners WHERE fsrs_parameters IS NOT NULL") == 0
    assert conn.scalar("SELECT count(*) FROM word_stats") == 0


def test_a_fit_whose_history_was_reset_after_its_last_report_stores_nothing(
    app, client, conn, tmp_path, enough, monkeypatch
):
    """Past the fit's last progress report a reset cannot stop it; the store sees the
    answers gone and stores nothing, so no memory is left of a history forgotten."""
    from lib.domain import memory

    give_answers(app, tmp_path, 1)
    job = optimize(client).get_json()
    made = memory.states_from_answers

    def reset_meanwhile(conn_, learner, progress=None, word_ids=None):
        states = made(conn_, learner, progress=progress, word_ids=word_ids)
        other = db.connect(app.config["DATABASE"])
        with other.transaction(alone=True):
            resets.clear_history(other)  # as POST /api/reset_history, after the last report
        other.close()
        return states

    monkeypatch.setattr(memory, "states_from_answers", reset_meanwhile)
    worker.of(app).run_pending()
    failed = client.get(f"/api/jobs/{job['id']}").get_json()
    assert failed["state"] == "failed" and "history was reset while the fit ran" in failed["error"]
    assert conn.scalar("SELECT count(*) FROM learners WHERE fsrs_parameters IS NOT NULL") == 0
    assert conn.scalar("SELECT count(*) FROM word_stats") == 0


# --- the evaluation kept -------------------------------------------------------------------


@pytest.fixture
def long_history(monkeypatch):
    """Histories past 10 answers count as long here: a GET answers the evaluation kept."""
    monkeypatch.setattr(schedules, "INLINE_ANSWERS", 10)


def schedule(client, learner_id=1):
    response = client.get(f"/api/learners/{learner_id}/schedule")
    assert response.status_code == 200
    return response.get_json()


def test_a_long_historys_evaluation_is_kept_and_brought_up_to_date_by_a_job(
    app, client, conn, tmp_path, long_history, monkeypatch
):
    give_answers(app, tmp_path, 1)
    first = schedule(client)
    assert first["evaluation"] is None
    job = first["evaluated"].pop("job")
    assert first["evaluated"] == {"answers": 0, "computed_at": None, "current": False}
    assert (job["kind"], job["state"]) == ("evaluate", "queued")
    assert schedule(client)["evaluated"]["job"]["id"] == job["id"]  # one job, however many ask

    assert worker.of(app).run_pending() == [job["id"]]
    done = client.get(f"/api/jobs/{job['id']}").get_json()
    assert (done["state"], done["progress"], done["result"]["answers"]) == ("done", 1, 150)
    kept = schedule(client)
    assert kept["evaluated"]["answers"] == 150 and kept["evaluated"]["current"] is True
    assert kept["evaluated"]["job"] is None and kept["evaluated"]["computed_at"] is not None
    monkeypatch.setattr(schedules, "INLINE_ANSWERS", 10_000)  # the same log, evaluated in the request
    assert kept["evaluation"] == schedule(client)["evaluation"] == done["result"]["evaluation"]
    monkeypatch.setattr(schedules, "INLINE_ANSWERS", 10)
    assert conn.scalar("SELECT count(*) FROM jobs") == 1  # a current evaluation queues nothing

    give_answers(app, tmp_path, 1, seed=12, count=5, start=date(2028, 1, 1))  # five more answers: the kept one is stale
    stale = schedule(client)
    assert stale["evaluation"] == kept["evaluation"]
    assert (stale["evaluated"]["answers"], stale["evaluated"]["current"]) == (150, False)
    assert stale["evaluated"]["job"]["kind"] == "evaluate"
    worker.of(app).run_pending()
    assert schedule(client)["evaluated"]["answers"] == 155


def test_a_fit_keeps_the_evaluation_of_the_parameters_it_stores(app, client, conn, tmp_path, enough, long_history):
    give_answers(app, tmp_path, 1)
    queued = optimize(client)
    stale = schedule(client)["evaluated"]
    assert stale["job"] == {"id": queued.get_json()["id"], "kind": "optimize", "state": "queued", "progress": 0}
    assert conn.scalar("SELECT count(*) FROM jobs") == 1  # the fit under way will make it: no evaluate job
    worker.of(app).run_pending()
    result = client.get(queued.headers["Location"]).get_json()["result"]
    after = schedule(client)
    assert after["parameters"] == result["parameters"] and after["evaluation"] == result["evaluation"]
    assert (after["evaluated"]["current"], after["evaluated"]["answers"]) == (True, 150)


def test_an_evaluation_of_parameters_changed_meanwhile_is_not_kept(app, conn, tmp_path):
    give_answers(app, tmp_path, 1)
    learner = learners.get(conn, 1)
    with conn.transaction():  # a fit stores new parameters while the log is evaluated
        changed = [round(w * 1.01, 6) for w in DEFAULT_PARAMETERS]
        conn.execute("UPDATE learners SET fsrs_parameters = ? WHERE id = 1", (json.dumps(changed),))
    result = schedules.evaluate(conn, learner)
    assert result["answers"] == 150
    assert conn.scalar("SELECT count(*) FROM schedule_evaluations") == 0


def test_with_the_queue_full_a_stale_evaluation_is_still_answered(app, tmp_path, long_history):
    give_answers(app, tmp_path, 1)
    bounded = make_app(app.config["DATABASE"], JOB_QUEUE=0)
    body = schedule(bounded.test_client())
    assert body["evaluation"] is None and body["evaluated"]["job"] is None
    db.close_connections(bounded)


def test_the_resets_forget_the_evaluations_kept(app, client, conn, tmp_path, long_history):
    give_answers(app, tmp_path, 1)
    schedule(client)
    worker.of(app).run_pending()
    assert conn.scalar("SELECT count(*) FROM schedule_evaluations") == 1
    assert client.post("/api/reset_history", json={}).status_code == 200
    assert conn.scalar("SELECT count(*) FROM schedule_evaluations") == 0
    assert schedule(client)["evaluated"]["answers"] == 0


def test_the_upgrade_to_kept_evaluations_keeps_the_jobs_and_their_ids(database):
    """A version-12 database with jobs gets evaluate jobs, the evaluations table and a
    Location for stored answers (013); its jobs keep their ids, and a new one's id comes
    after the largest ever given."""
    conn = db.connect(database)
    schema.migrate(conn, target=12)
    with conn.transaction():
        for n in range(3):
            conn.execute(
                "INSERT INTO jobs (kind, learner_id, state, created_at) VALUES ('optimize', 1, 'done', ?)",
                (f"2026-01-0{n + 1}T00:00:00Z",),
            )
        conn.execute("DELETE FROM jobs WHERE id = 3")
        conn.execute(
            "INSERT INTO idempotency_keys (key, fingerprint, status, body, created_at) "
            "VALUES ('k', 'f', 201, '{}', '2026-01-01T00:00:00Z')"
        )
    before = conn.rows(f"SELECT {jobs.COLUMNS} FROM jobs ORDER BY id")
    with pytest.raises(db.DATABASE_ERRORS), conn.transaction():
        conn.execute("INSERT INTO jobs (kind, learner_id, created_at) VALUES ('evaluate', 1, '2026-01-05T00:00:00Z')")
    assert schema.migrate(conn) == list(range(13, schema.latest_version() + 1))
    assert conn.rows(f"SELECT {jobs.COLUMNS} FROM jobs ORDER BY id") == before
    assert conn.rows("SELECT key, status, location FROM idempotency_keys") == [
        {"key": "k", "status": 201, "location": None}  # a stored answer from before: no Location
    ]
    with conn.transaction():
        job, new = jobs.submit(conn, "evaluate", 1, 20)
    assert new and job["id"] >= 4  # never 3 again (PostgreSQL may skip the one the refused insert took)
    assert conn.scalar("SELECT count(*) FROM schedule_evaluations") == 0
    conn.close()


def test_numpy_gets_one_thread_unless_the_operator_gives_it_more():
    # What numpy's BLAS reads when it loads: every entry point imports lib before numpy.
    program = "import lib, os; print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])"
    environment = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    plain = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert plain.stdout.split() == ["1", "1"], plain.stderr
    given = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        env={**environment, "OPENBLAS_NUM_THREADS": "2"},
        capture_output=True,
        text=True,
    )
    assert given.stdout.split() == ["2", "1"], given.stderr
