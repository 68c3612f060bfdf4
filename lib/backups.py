"""Backups: consistent copies of the whole database, taken by hand (flask backup), before
every destructive operation (the resets, the imports, a migration, a restore) and on a
schedule, and put back by flask restore (docs/operations.md, Backups).

A backup is a file in the backup directory (LANG_PORTAL_BACKUP_DIR, else backups/ beside
the SQLite file), readable by its owner only, with a JSON file beside it saying when it was
taken, why, and what it holds. Automatic backups (all but those taken by hand) are kept to
the newest LANG_PORTAL_BACKUP_KEEP; those taken by hand are never removed.
"""

import fcntl
import json
import logging
import os
import shutil
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

from lib import db, schema
from lib.config import ROOT
from lib.engines import copies, faults

BY_HAND = "by-hand"
SCHEDULED = "scheduled"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".dump"}
STAMP = "%Y%m%dT%H%M%S.%fZ"

log = logging.getLogger("lang_portal.backups")


class BackupFailed(faults.Unavailable):
    """No backup could be made, so the operation that needed one was refused."""


class BadBackup(Exception):
    """A file that cannot be restored; str() says why."""


def _engine(target):
    return "postgresql" if target.startswith(("postgresql://", "postgres://")) else "sqlite"


def directory(config):
    """The backup directory of the app's settings."""
    if config.get("BACKUP_DIR"):
        return Path(config["BACKUP_DIR"])
    target = config["DATABASE"]
    return (ROOT if _engine(target) == "postgresql" else Path(target).resolve().parent) / "backups"


def take(config, reason=BY_HAND, to=None):
    """Back the database up into the backup directory (or to), as reason; its description.
    BackupFailed, with the reason in a sentence, when it cannot be made. An automatic one
    then removes the oldest automatic ones past LANG_PORTAL_BACKUP_KEEP."""
    target, folder = config["DATABASE"], Path(to) if to else directory(config)
    engine = _engine(target)
    taken_at = datetime.now(UTC)
    name = f"lang-portal-{taken_at.strftime(STAMP)}-{reason}{SUFFIXES[engine]}"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = folder / f".{name}.partial"
        try:
            if engine == "sqlite":
                figures = copies.sqlite_copy(target, partial)
            else:
                figures = _live_figures(target)
                copies.pg_dump(target, partial)
            os.chmod(partial, 0o600)
            _sync(partial)
            os.replace(partial, folder / name)
        finally:
            partial.unlink(missing_ok=True)
        about = {
            "name": name,
            "taken_at": taken_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "reason": reason,
            "automatic": reason != BY_HAND,
            "engine": engine,
            "size": (folder / name).stat().st_size,
            **figures,
        }
        _write_about(folder / name, about)
        _sync(folder)
    except (OSError, copies.CopyError, *db.DATABASE_ERRORS) as e:
        raise BackupFailed(f"No backup could be made in {folder} ({_plain(e)}), so nothing was changed.") from None
    if about["automatic"]:
        prune(folder, config["BACKUP_KEEP"])
    log.info("backup %s taken (%s)", folder / name, reason)
    return {**about, "path": str(folder / name)}


def _plain(error):
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error).rstrip(".")


def _live_figures(target):
    conn = db.connect(target)
    try:
        return {
            "schema_version": schema.version(conn),
            "learners": conn.scalar("SELECT count(*) FROM learners"),
            "answers": conn.scalar("SELECT coalesce(sum(reviews), 0) FROM learner_totals"),
        }
    finally:
        conn.close()


def _sync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _about_path(path):
    return path.with_name(path.name + ".json")


def _write_about(path, about):
    fd = os.open(_about_path(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(about, f, indent=1)
        f.flush()
        os.fsync(f.fileno())


def listing(folder):
    """The backups in folder, newest first, as their JSON files describe them."""
    found = []
    for about_file in Path(folder).glob("lang-portal-*.json"):
        backup = about_file.with_name(about_file.name[: -len(".json")])
        if backup.exists():
            about = json.loads(about_file.read_text(encoding="utf-8"))
            found.append({**about, "path": str(backup)})
    return sorted(found, key=lambda about: about["name"], reverse=True)


def prune(folder, keep):
    """Remove the oldest automatic backups past keep; those taken by hand stay."""
    automatic = [about for about in listing(folder) if about["automatic"]]
    for about in automatic[keep:]:
        path = Path(about["path"])
        path.unlink(missing_ok=True)
        _about_path(path).unlink(missing_ok=True)


def newest_automatic(folder):
    """When the newest automatic backup was taken (an aware datetime), or None."""
    for about in listing(folder):
        if about["automatic"]:
            return datetime.strptime(about["taken_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return None


def check(config, path):
    """The figures of the backup at path, if it can be restored into the app's database:
    sound, of the same engine, and of a schema no newer than the code's; BadBackup if not."""
    path, engine = Path(path), _engine(config["DATABASE"])
    with open(path, "rb") as f:
        head = f.read(16)
    kind = "sqlite" if head == copies.SQLITE_HEADER else "postgresql" if head.startswith(copies.DUMP_HEADER) else None
    if kind is None:
        raise BadBackup(f"{path} is neither a SQLite database nor a pg_dump archive.")
    if kind != engine:
        raise BadBackup(
            f"{path} is a {'SQLite file' if kind == 'sqlite' else 'PostgreSQL dump'}, and the database is "
            f"{'SQLite' if engine == 'sqlite' else 'PostgreSQL'}: restore a backup its own engine made."
        )
    try:
        figures = copies.sqlite_check(path) if kind == "sqlite" else copies.pg_check(path)
    except copies.CopyError as e:
        raise BadBackup(str(e)) from None
    latest = schema.latest_version(engine)
    if figures["schema_version"] > latest:
        raise BadBackup(
            f"{path} is at schema version {figures['schema_version']}, newer than this code's {latest}: "
            "restore it with the lang-portal that made it."
        )
    return figures


def restore(config, path):
    """Put the backup at path back in place of the app's database, once check() passes and
    a backup of what it replaces is taken; (that backup, the figures restored). On SQLite
    the copy is brought up to the code's schema first, then written in under the writers'
    queue through the backup API, so servers running meanwhile serve the restored data."""
    figures = check(config, path)
    before = take(config, "before-restore")
    target = config["DATABASE"]
    if _engine(target) == "postgresql":
        try:
            copies.pg_put_back(str(path), target)
        except copies.CopyError as e:
            raise BadBackup(f"{e}; the database is as it was (the restore is one transaction).") from None
        conn = db.connect(target)
        try:
            schema.migrate(conn)
        finally:
            conn.close()
        return before, figures
    with tempfile.TemporaryDirectory(dir=Path(target).resolve().parent) as staging:
        staged = Path(staging) / "restore.sqlite3"
        shutil.copyfile(path, staged)
        conn = db.connect(str(staged))
        try:
            schema.migrate(conn)
            conn.execute("PRAGMA journal_mode = DELETE")
        finally:
            conn.close()
        live = db.connect(target, create=False, group_commit=False)  # FULL: synced inside the backup's commit
        try:
            if live.writers:
                live.writers.acquire(config["WRITE_TIMEOUT"] * 6)
            try:
                copies.sqlite_put_back(staged, live)
            finally:
                if live.writers:
                    live.writers.release()
        finally:
            live.close()
    return before, figures


# --- on a schedule ---------------------------------------------------------------------


class Schedule:
    """Backups every LANG_PORTAL_BACKUP_EVERY hours, taken by one server process: the one
    holding the backup directory's lock file. At start it takes one when the newest
    automatic backup is older than that, then looks again every CHECK_SECONDS."""

    CHECK_SECONDS = 60

    def __init__(self, app):
        self.app = app
        self.stopping = threading.Event()
        self.thread = None
        self.lock_file = None

    def start(self):
        if self.app.config["BACKUP_EVERY"] <= 0 or self.thread is not None:
            return
        self.thread = threading.Thread(target=self._loop, name="lang-portal-backups", daemon=True)
        self.thread.start()

    def _holds_lock(self):
        if self.lock_file is None:
            folder = directory(self.app.config)
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle = os.fdopen(os.open(folder / ".schedule.lock", os.O_WRONLY | os.O_CREAT, 0o600), "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                return False
            self.lock_file = handle
        return True

    def due(self):
        newest = newest_automatic(directory(self.app.config))
        every = self.app.config["BACKUP_EVERY"] * 3600
        return newest is None or (datetime.now(UTC) - newest).total_seconds() >= every

    def run_once(self):
        """Take a scheduled backup if this process holds the lock and one is due; it, or None."""
        if self._holds_lock() and self.due():
            return take(self.app.config, SCHEDULED)
        return None

    def _loop(self):
        while not self.stopping.is_set():
            try:
                self.run_once()
            except Exception:  # a full disk, say: logged, tried again at the next look
                log.exception("the scheduled backup failed; trying again in %s s", self.CHECK_SECONDS)
            self.stopping.wait(self.CHECK_SECONDS)

    def stop(self):
        self.stopping.set()


def of(app):
    return app.extensions["lang_portal_backups"]


def init_app(app):
    app.extensions["lang_portal_backups"] = Schedule(app)
