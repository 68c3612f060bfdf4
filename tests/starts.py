"""Servers starting at the same moment, each in a process of its own (tests/test_schema.py).
This module imports only what a start needs, as each process imports it anew."""

from lib import db
from lib.domain import seed as seeding
from lib.files import seed as seed_files


def each_at_once(task, targets, barrier, outcomes):
    """Run task(target) for each of targets in turn, each at the same moment as the other
    processes (the barrier); put what each raised, or None, on outcomes."""
    for target in targets:
        barrier.wait(timeout=60)
        try:
            task(target)
            outcomes.put(None)
        except Exception as e:  # every failure is reported, and the test fails with it
            outcomes.put(f"{type(e).__name__}: {e}")


def start(seed_dir, target):
    """What a server does first: prepare its database (the seed in seed_dir)."""
    conn = db.connect(target)
    try:
        seeding.prepare(conn, seed_files.read(seed_dir))
    finally:
        conn.close()


def open_in_wal(target):
    """Open a connection to the database, which must then be in WAL mode."""
    conn = db.connect(target)
    try:
        mode = conn.scalar("PRAGMA journal_mode")
        if mode != "wal":
            raise AssertionError(f"journal_mode is {mode}")
    finally:
        conn.close()
