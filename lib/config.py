"""Settings: every LANG_PORTAL_* environment variable, read and checked in one step.
docs/operations.md documents each one; create_app(test_config) overrides any."""

import os
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEV_ORIGINS = (
    "http://localhost:5173",
    "http://127.0.0.1:5173",
    "http://localhost:8080",
    "http://127.0.0.1:8080",
)


ACCESS_MODES = ("open", "class")  # docs/access.md
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")  # trusted whatever LANG_PORTAL_TRUSTED_HOSTS says
SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")  # SQLite's; lib/engines/sqlite.py takes the same


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable and what it takes."""


def _text(value):
    return value


def _seconds(value):
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1
    if not 0 < seconds <= 600:
        raise ConfigError(f"must be a number of seconds from 0 to 600, not {value!r}")
    return seconds


def _count(value):
    if not (value.isdigit() and 1 <= int(value) <= 1000):
        raise ConfigError(f"must be a whole number from 1 to 1000, not {value!r}")
    return int(value)


def _workers(value):
    if not (value.isdigit() and 0 <= int(value) <= 16):
        raise ConfigError(f"must be a whole number from 0 to 16, not {value!r}")
    return int(value)


def _synchronous(value):
    if value.upper() not in SYNCHRONOUS_MODES:
        raise ConfigError(f"must be one of {', '.join(SYNCHRONOUS_MODES)}, not {value!r}")
    return value.upper()


def _switch(value):
    if value.lower() in ("on", "1", "true", "yes"):
        return True
    if value.lower() in ("off", "0", "false", "no"):
        return False
    raise ConfigError(f"must be on or off, not {value!r}")


def _origins(value):
    return tuple(origin.strip() for origin in value.split(",") if origin.strip())


def _token(value):
    return value or None


def _access(value):
    if value.lower() not in ACCESS_MODES:
        raise ConfigError(f"must be one of {', '.join(ACCESS_MODES)}, not {value!r}")
    return value.lower()


def _public_url(value):
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path.strip("/") or parts.query:
        raise ConfigError(
            f"must be the server's URL as clients reach it, such as https://portal.example, not {value!r}"
        )
    return value.rstrip("/")


def _hosts(value):
    return frozenset(host.strip().lower() for host in value.split(",") if host.strip())


def _hours(value):
    try:
        hours = float(value)
    except ValueError:
        hours = -1
    if not 0 < hours <= 24 * 3650:
        raise ConfigError(f"must be a number of hours above 0, not {value!r}")
    return hours


def _every(value):
    try:
        hours = float(value)
    except ValueError:
        hours = -1
    if not 0 <= hours <= 24 * 3650:
        raise ConfigError(f"must be a number of hours, 0 to turn scheduled backups off, not {value!r}")
    return hours


def _default_backup_every(environ):
    database = environ.get("LANG_PORTAL_DB", "")
    return "0" if database.startswith(("postgresql://", "postgres://")) else "24"


def _default_public_url(environ):
    host, port = environ.get("HOST", "127.0.0.1"), environ.get("PORT", "5000")
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


# Flask config key: (environment variable, default as it would be written there, or a
# function of the environment that gives it, parser)
SETTINGS = {
    "ACCESS": ("LANG_PORTAL_ACCESS", "open", _access),
    "PUBLIC_URL": ("LANG_PORTAL_PUBLIC_URL", _default_public_url, _public_url),
    # Beside LOCAL_HOSTS and the public URL's host, which are always trusted.
    "HOSTS": ("LANG_PORTAL_TRUSTED_HOSTS", "", _hosts),
    "DATABASE": ("LANG_PORTAL_DB", str(ROOT / "words.db"), _text),
    "SYNCHRONOUS": ("LANG_PORTAL_SYNCHRONOUS", "FULL", _synchronous),
    # At FULL, commits made together share one sync of the WAL (lib/engines/wal_sync.py).
    "GROUP_COMMIT": ("LANG_PORTAL_GROUP_COMMIT", "on", _switch),
    "WRITE_TIMEOUT": ("LANG_PORTAL_WRITE_TIMEOUT", "5", _seconds),
    # Connections per server process (one per thread is enough): on SQLite those kept open
    # between requests, on PostgreSQL the most open at once.
    "POOL_SIZE": ("LANG_PORTAL_POOL_SIZE", "10", _count),
    "CORS_ORIGINS": ("LANG_PORTAL_CORS_ORIGINS", ",".join(DEV_ORIGINS), _origins),
    "API_TOKEN": ("LANG_PORTAL_API_TOKEN", "", _token),
    # Keep word list pages until the next write (lib/web/response_cache.py; SQLite only).
    "RESPONSE_CACHE": ("LANG_PORTAL_RESPONSE_CACHE", "on", _switch),
    "RATELIMIT_ENABLED": ("LANG_PORTAL_RATE_LIMITS", "on", _switch),
    "RATELIMIT_STORAGE_URI": ("LANG_PORTAL_RATE_LIMIT_STORAGE", "memory://", _text),
    # Sized for a class of 40 behind one address (docs/api.md, Limits).
    "FEEDBACK_RATE_LIMIT": ("LANG_PORTAL_FEEDBACK_LIMIT", "120 per minute", _text),
    "REVIEW_RATE_LIMIT": ("LANG_PORTAL_REVIEW_LIMIT", "6000 per minute", _text),
    # What reads or fits a learner's whole history (schedule, review-log export, a fit).
    # Background jobs (lib/worker.py): threads per server process that run them (0: none),
    # and how many may wait before a new one is refused with 503.
    "JOB_WORKERS": ("LANG_PORTAL_JOB_WORKERS", "1", _workers),
    "JOB_QUEUE": ("LANG_PORTAL_JOB_QUEUE", "20", _count),
    "HISTORY_RATE_LIMIT": ("LANG_PORTAL_HISTORY_LIMIT", "30 per minute", _text),
    "OPTIMIZE_RATE_LIMIT": ("LANG_PORTAL_OPTIMIZE_LIMIT", "10 per hour", _text),
    # Sign-ins, counted whether they succeed or not: per username, and per address (a class
    # behind one address signs in at once).
    "LOGIN_RATE_LIMIT": ("LANG_PORTAL_LOGIN_LIMIT", "10 per minute", _text),
    "LOGIN_ADDRESS_RATE_LIMIT": ("LANG_PORTAL_LOGIN_ADDRESS_LIMIT", "100 per minute", _text),
    "TOKEN_HOURS": ("LANG_PORTAL_TOKEN_HOURS", "720", _hours),
    # Backups (lib/backups.py): where (default backups/ beside the SQLite file), how often
    # (hours; on for the embedded SQLite file, off on PostgreSQL, which has its own tools),
    # and how many automatic ones are kept.
    "BACKUP_DIR": ("LANG_PORTAL_BACKUP_DIR", "", _text),
    "BACKUP_EVERY": ("LANG_PORTAL_BACKUP_EVERY", _default_backup_every, _every),
    "BACKUP_KEEP": ("LANG_PORTAL_BACKUP_KEEP", "10", _count),
    # How long a study session's id alone lets a study activity send its answers (class mode).
    "SESSION_HOURS": ("LANG_PORTAL_SESSION_HOURS", "12", _hours),
}


def from_environment(environ=os.environ):
    """The settings from the environment (defaults for those not set), each checked."""
    config = {}
    for key, (variable, default, parse) in SETTINGS.items():
        raw = environ.get(variable, default(environ) if callable(default) else default)
        try:
            config[key] = parse(raw)
        except ConfigError as e:
            raise ConfigError(f"{variable} {e}.") from None
    check(config)
    return config


def check(config):
    """Refuse settings that cannot be used together."""
    if config["ACCESS"] == "class" and config["API_TOKEN"]:
        raise ConfigError(
            "LANG_PORTAL_API_TOKEN is for the open mode; with LANG_PORTAL_ACCESS=class every account signs in "
            "for tokens of its own (docs/access.md): unset it."
        )


def trusted_hosts(config):
    """The hosts a request may name: the local ones, the public URL's, and those configured."""
    public = urlsplit(config["PUBLIC_URL"])
    host = public.hostname if ":" not in public.hostname else f"[{public.hostname}]"
    return frozenset({*LOCAL_HOSTS, host, *config["HOSTS"]})
