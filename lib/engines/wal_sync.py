"""Group commit for SQLite at synchronous=FULL: a commit is made durable after the writer
has given up its turn, and one flush of the write-ahead log serves every commit made
before it began.

SQLite's FULL, in WAL mode, is NORMAL plus one sync of the WAL file at each commit, made
while the writer still holds the write lock, so every writer waits for every other
writer's sync in turn ("synchronous" in sqlite.org/pragma.html). Here connections run at
NORMAL, and after COMMIT, with the lock given to the next writer, the committing thread
calls WalSync.sync: one thread at a time syncs the WAL file, and a thread whose commit
came before that sync began waits for it instead of syncing again. A request is answered
only once its commit is on disk, as at FULL; a commit that changed no row syncs nothing
(Connection.end_write), as SQLite's own COMMIT then writes nothing. The WAL is written in order and read back in
order (a crash keeps a prefix of its transactions, each whole), so a sync that also
covers a later writer's half-written frames changes nothing for recovery.

One difference from SQLite's FULL: there a commit is seen by other connections only once
it is synced; here it is seen from COMMIT on, a sync earlier than its writer's answer (a
fraction of a millisecond on this project's machine). A read in that moment can show a
write that a power cut would then take away, together with its unanswered request. An
idempotent retry is replayed only after a sync (lib/web/idempotency.py).

A sync that fails is not tried again: once the kernel has reported a failed write-back it
may have dropped the pages, and a later sync can succeed without them ("fsyncgate";
PostgreSQL stops for the same reason). The commits it was to cover are answered as not
durable, and the process takes no more writes (a 503 that says to restart it) until it is
restarted; the log says so too.
"""

import logging
import os
import threading
import time

from lib.engines.faults import NotDurable
from lib.engines.per_file import PerFile

log = logging.getLogger(__name__)


class WalSync(PerFile):
    """The commits of one process to one database file, and how many of them are on disk."""

    def __init__(self, path):
        super().__init__(path)
        self.wal = f"{path}-wal"
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.committed = 0  # commits made in this process (each a ticket)
        self.synced = 0  # every ticket up to this one is on disk
        self.syncing = False
        self.failed = None  # the NotDurable of a failed sync: every later sync raises it
        self.syncs = 0  # flushes made (for tests and benchmarks)

    def ticket(self):
        """Called after a COMMIT returned: the commit's place in this process's order."""
        with self.lock:
            self.committed += 1
            return self.committed

    def sync(self, ticket, timeout):
        """Return once the commit with this ticket is on disk: sync the WAL file, unless a
        sync that began after the commit is under way or done. Raises NotDurable if a
        sync failed, or if another thread's sync has not returned within timeout seconds."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while self.synced < ticket:
                if self.failed is not None:
                    raise self.failed
                if self.syncing:
                    left = deadline - time.monotonic()
                    if left <= 0 or not self.changed.wait(left):
                        raise NotDurable(
                            f"The write was made, but the disk has not confirmed that it is stored after {timeout:g} s; "
                            "it may be lost if the machine stops. Check for it before sending it again."
                        )
                    continue
                self.syncing = True
                target = self.committed  # every commit with a ticket so far is in the file
                self.lock.release()
                failure = None
                try:
                    self._flush()
                except NotDurable as e:
                    failure = e
                    log.error("Syncing %s failed; this process takes no more writes until restarted: %s", self.wal, e)
                finally:
                    self.lock.acquire()
                    self.syncing = False
                    self.changed.notify_all()
                if failure is not None:
                    self.failed = failure
                    raise failure
                self.synced = max(self.synced, target)

    def _flush(self):
        # Opened for each sync, so that a WAL deleted and made again is the one synced; and
        # closing it cannot drop SQLite's POSIX locks, which are on the database and -shm
        # files only (seen in /proc/locks; lib/engines/sqlite_file.py says why that would matter).
        try:
            fd = os.open(self.wal, os.O_RDWR)
            try:
                os.fdatasync(fd) if hasattr(os, "fdatasync") else os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as e:
            raise NotDurable(
                f"The write was made, but the disk did not confirm that it is stored ({e.strerror}); "
                "it may be lost if the machine stops. Check for it before sending it again."
            ) from e
        self.syncs += 1
