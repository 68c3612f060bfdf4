"""A real learner's public review log (tests/data/review-log-fsrs.csv: 12,580 reviews of
1,205 cards from the py-fsrs project, MIT) replayed as a learner's answers: memory states
rebuilt from the log equal those the answers made one by one, and the scheduler predicts
this learner better than a constant does, better still once fitted to them."""

import csv
import math
import time
from pathlib import Path

import pytest

from lib import db, worker
from lib.domain import memory, vocabulary
from lib.domain import seed as seeding
from lib.files import seed as seed_files
from tests.helpers import make_app
from tests.slow.figures import FIGURES

pytestmark = pytest.mark.slow

LOG = Path(__file__).resolve().parent.parent / "data" / "review-log-fsrs.csv"


def test_the_real_log_replays_evaluates_and_fits(tmp_path, database):
    with LOG.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    cards = sorted({row["card_id"] for row in rows})
    app = make_app(database)
    conn = db.connect(database)
    seeding.prepare(conn, seed_files.read(app.config["SEED_DIR"]))
    with db.transaction(conn):
        first = vocabulary.add_words(
            conn, "Josh's cards", [{"kanji": c, "romaji": f"card{c}", "english": c} for c in cards]
        )
        ids = {r["kanji"]: r["id"] for r in conn.execute("SELECT id, kanji FROM words WHERE romaji LIKE 'card%'")}
    assert first == (1205, 1205)
    client = app.test_client()
    # The learner reviewed between 08:00 and 22:00 in a US Pacific time zone: learning days
    # there, rolling over at 4:00, put each evening's answers on the day they belong to.
    learner = client.post("/api/learners", json={"name": "Josh", "timezone": "America/Los_Angeles"}).get_json()

    log = tmp_path / "log.csv"
    ordered = sorted(rows, key=lambda row: (row["review_time"], row["card_id"]))
    with log.open("w", encoding="utf-8") as f:
        f.write("word_id,grade,reviewed_at,duration_ms\n")
        for row in ordered:
            f.write(f"{ids[row['card_id']]},{row['review_rating']},{row['review_time']},{row['review_duration']}\n")
    result = app.test_cli_runner().invoke(args=["import-reviews", str(log), "--learner", str(learner["id"])])
    assert result.exit_code == 0, result.output

    def states():
        return conn.execute(
            f"SELECT word_id, {memory.MEMORY_COLUMNS} FROM word_stats WHERE learner_id = ? ORDER BY word_id",
            (learner["id"],),
        ).fetchall()

    one_by_one = states()
    assert len(one_by_one) == 1205
    result = app.test_cli_runner().invoke(args=["reschedule", "--learner", str(learner["id"])])
    assert result.exit_code == 0, result.output
    assert states() == one_by_one

    # 12,580 answers: the first GET queues the evaluation (a job), the next answers it kept.
    assert client.get(f"/api/learners/{learner['id']}/schedule").get_json()["evaluation"] is None
    worker.of(app).run_pending()
    kept = client.get(f"/api/learners/{learner['id']}/schedule").get_json()
    assert kept["evaluated"]["current"] is True and kept["evaluated"]["answers"] == 12580
    schedule = kept["evaluation"]
    counted = [
        row["correct"]
        for row in conn.execute(
            "SELECT correct, word_id, learning_day, lag(learning_day) OVER (PARTITION BY word_id ORDER BY id) AS prev "
            "FROM word_review_items WHERE learner_id = ?",
            (learner["id"],),
        )
        if row["prev"] is not None and row["prev"] != row["learning_day"]
    ]
    rate = sum(counted) / len(counted)
    constant = -(rate * math.log(rate) + (1 - rate) * math.log(1 - rate))
    assert schedule["reviews"] == len(counted) and 6000 <= schedule["reviews"] <= 6600
    assert schedule["log_loss"] < constant and schedule["log_loss"] <= 0.48

    queued = client.post(f"/api/learners/{learner['id']}/schedule/optimize", json={})
    assert queued.status_code == 202
    started = time.perf_counter()
    worker.of(app).run_pending()
    seconds = time.perf_counter() - started
    job = client.get(queued.headers["Location"]).get_json()
    assert job["state"] == "done", job
    fitted = job["result"]
    assert fitted["evaluation"]["log_loss"] < schedule["log_loss"] and fitted["evaluation"]["log_loss"] <= 0.4457
    assert fitted["previous_evaluation"] == schedule
    FIGURES["real review log"] = (
        f"real log: {schedule['reviews']} reviews count; constant {constant:.4f}; FSRS defaults log loss "
        f"{schedule['log_loss']:.4f}, RMSE(bins) {schedule['rmse_bins']:.4f}; fitted {fitted['evaluation']['log_loss']:.4f}, "
        f"RMSE(bins) {fitted['evaluation']['rmse_bins']:.4f}; the fit job {seconds:.1f} s"
    )
    conn.close()
