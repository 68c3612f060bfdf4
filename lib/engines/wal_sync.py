"""Group commit for SQLite at synchronous=FULL: a commit is made durable after the writer
has given up its turn, and one flush of the write-ahead log serves every commit made
before it began.

SQLite's FULL, in WAL mode, is NORMAL plus one sync of the WAL file at each commit, made
while the writer still holds the write lock, so every writer waits for every other
writer's sync in turn ("synchronous" in sqlite.org/pragma.html). Here connections run at
NORMAL, and after COMMIT, with the lock given to the next writer, the committing thread
calls WalSync.sync: one thread at a time syncs the WAL file, and a thread whose commit
came before that sync began waits for it instead of syncing again. A request is answered
only once its commit is on disk, as at FULL. The WAL is written in order and read back in
order (a crash keeps a prefix of its transactions, each whole), so a sync that also
covers a later writer's half-written frames changes nothing for recovery.
"""

import os
import threading
import weakref


class NotDurable(Exception):
    """A commit was made but the disk did not confirm that it is stored (the WAL file
    could not be synced); the message says why, in a sentence."""


class WalSync:
    """The commits of one process to one database file, and how many of them are on disk."""

    _by_path = weakref.WeakValueDictionary()  # alive while a connection holds it
    _guard = threading.Lock()

    def __init__(self, path):
        self.wal = f"{path}-wal"
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.committed = 0  # commits made in this process (each a ticket)
        self.synced = 0  # every ticket up to this one is on disk
        self.syncing = False
        self.syncs = 0  # flushes made (for tests and benchmarks)

    @classmethod
    def for_path(cls, path):
        key = os.path.abspath(path)
        with cls._guard:
            sync = cls._by_path.get(key)
            if sync is None or sync.pid != os.getpid():  # a forked child keeps its own count
                sync = cls._by_path[key] = cls(key)
            return sync

    def ticket(self):
        """Called after a COMMIT returned: the commit's place in this process's order."""
        with self.lock:
            self.committed += 1
            return self.committed

    def sync(self, ticket):
        """Return once the commit with this ticket is on disk: sync the WAL file, unless a
        sync that began after the commit is under way or done. Raises NotDurable."""
        with self.lock:
            while self.synced < ticket:
                if self.syncing:
                    self.changed.wait()
                    continue
                self.syncing = True
                target = self.committed  # every commit with a ticket so far is in the file
                self.lock.release()
                try:
                    self._flush()
                finally:
                    self.lock.acquire()
                    self.syncing = False
                    self.changed.notify_all()
                self.synced = max(self.synced, target)

    def _flush(self):
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
