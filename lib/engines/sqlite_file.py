"""The SQLite database file's health, checked before every write and by the health check:
still the file the connection opened, writable, and with SQLite's header."""

import collections
import os
import threading

VALID_PAGE_SIZES = {1} | {2**n for n in range(9, 16)}  # 1 stands for 65536 in the header


def file_identity(path):
    """(device, inode) of the file at path; FileNotFoundError when there is none."""
    st = os.stat(path)
    return st.st_dev, st.st_ino


def file_problem(path, identity=None):
    """Why the database file at path cannot take writes now, in a sentence, or None.
    identity is the (device, inode) a connection opened: a file deleted or replaced under
    the server matters most, as SQLite would go on writing into the unlinked file and
    every write would be lost. Cheap enough for every write and health check: a stat and
    an access check, and the file's first 100 bytes (SQLite's header) read again only when
    the file has changed since they were last found sound."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if identity is None:
            return (
                "The database file is missing; create it with flask init-db (or start the server with python serve.py)."
            )
        return "The database file was deleted while the server was running; restore it and restart the server."
    if identity is not None and (st.st_dev, st.st_ino) != identity:
        return "The database file was replaced while the server was running; restart the server."
    if not all(os.access(p, os.W_OK) for p in (path, f"{path}-wal") if os.path.exists(p)):
        return "The database file is not writable by the server; fix its permissions or its disk."
    version = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    if _sound_headers.get(path) != version:
        header = _header(path, (st.st_dev, st.st_ino))
        page_size = int.from_bytes(header[16:18], "big") if len(header) == 100 else 0
        if not header.startswith(b"SQLite format 3\x00") or page_size not in VALID_PAGE_SIZES:
            return "The database file is damaged (its header is not SQLite's); restore it from a backup."
        _sound_headers[path] = version
    return None


_sound_headers = {}  # path -> (device, inode, size, mtime) when its header was last read and sound

# Descriptors of the files whose headers were read, kept open: closing any descriptor of a
# file drops every POSIX lock the process holds on it, SQLite's included. Another process
# closing its last connection would then find the database unused, checkpoint it and
# delete the WAL that this process's connections still write to, and the database is
# damaged ("How To Corrupt An SQLite Database File", 2.2; tests/slow/test_shared_file.py).
# A server has one database file; only past HEADER_DESCRIPTORS files (a test run) is the
# oldest descriptor closed.
HEADER_DESCRIPTORS = 32
_header_descriptors = collections.OrderedDict()  # (device, inode) -> descriptor, oldest first
_never_closed = []  # a second descriptor of a file already held (replaced in between)
_header_lock = threading.Lock()


def _header(path, identity):
    """The first 100 bytes of the file at path (stat as identity), read through the
    descriptor this process keeps open for it."""
    with _header_lock:
        fd = _header_descriptors.get(identity)
        if fd is None:
            fd = os.open(path, os.O_RDONLY)
            opened = os.fstat(fd)
            identity = (opened.st_dev, opened.st_ino)  # the file may have been replaced since the stat
            if identity in _header_descriptors:
                _never_closed.append(fd)
                fd = _header_descriptors[identity]
            else:
                _header_descriptors[identity] = fd
                if len(_header_descriptors) > HEADER_DESCRIPTORS:
                    os.close(_header_descriptors.popitem(last=False)[1])
        return os.pread(fd, 100, 0)
