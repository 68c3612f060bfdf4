"""One object per database file in each process, shared by every connection to the file
(the writer queue, the group commit's count)."""

import os
import threading
import weakref


class PerFile:
    """A subclass is made with the file's absolute path; for_path gives this process's one.
    A forked child makes its own: it must not share its parent's descriptors or counts."""

    _objects = weakref.WeakValueDictionary()  # (class, path) -> object, alive while a connection holds it
    _guard = threading.Lock()

    def __init__(self, path):
        self.pid = os.getpid()

    @classmethod
    def for_path(cls, path):
        key = (cls, os.path.abspath(path))
        with PerFile._guard:
            found = PerFile._objects.get(key)
            if found is None or found.pid != os.getpid():
                found = PerFile._objects[key] = cls(key[1])
            return found
