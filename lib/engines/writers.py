"""The writer queue: writers to one database file wait their turn in the kernel."""

import fcntl
import os
import threading
import time

from lib.engines.faults import Busy
from lib.engines.per_file import PerFile


class WriteTimeout(Busy):
    """A write waited the configured bound for the database and did not get it."""

    def __init__(
        self, sentence="The database is busy with another write (an import, perhaps); send the request again."
    ):
        super().__init__(sentence)


class WriterQueue(PerFile):
    """Writers to one database file, across threads and processes, wait here in the kernel
    (flock on a file beside the database) and wake the moment the writer before them is
    done. Without it a blocked writer sleeps in SQLite's busy handler, for 1, 2, 5, 10...
    ms at a time, whatever the other writer's transaction actually took.

    A wait is bounded: threads of one process queue on a lock with a timeout, and the
    one at the head polls the file lock without blocking, every 0.1 ms at first and every
    1 ms at most, until the bound (flock itself cannot time out)."""

    def __init__(self, path):
        super().__init__(path)
        self.owner = None  # the thread that holds the turn
        self.thread_lock = threading.Lock()
        self.fd = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT, 0o644)

    def __del__(self):
        os.close(self.fd)

    def acquire(self, timeout):
        """Take the writer's turn within timeout seconds, or raise WriteTimeout. A thread
        that already holds the turn (through another connection) would wait for itself:
        that is a mistake in the code, and a RuntimeError says so at once."""
        if self.owner == threading.get_ident():
            raise RuntimeError("this thread already holds the write lock, through another connection")
        deadline = time.monotonic() + timeout
        if not self.thread_lock.acquire(timeout=max(timeout, 0)):
            raise WriteTimeout
        try:
            pause = 0.0001
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    self.owner = threading.get_ident()
                    return
                except BlockingIOError:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise WriteTimeout from None
                    time.sleep(min(pause, left))
                    pause = min(pause * 2, 0.001)
        except BaseException:
            self.thread_lock.release()
            raise

    def release(self):
        self.owner = None
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.thread_lock.release()
