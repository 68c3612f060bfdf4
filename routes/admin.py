"""Housekeeping: the API's index, its health, clearing the history, and a full reset to the
seed data."""

from flask import Blueprint, current_app

from lib import backups, db, schema
from lib.domain import resets
from lib.files import seed
from lib.web import forms
from lib.web.access import ADMIN, PUBLIC, SIGNED_IN, allow
from lib.web.errors import Unavailable
from lib.web.idempotency import idempotent_transaction

bp = Blueprint("admin", __name__, url_prefix="/api")


@bp.get("")
@allow(SIGNED_IN)
def index():
    return {"name": "lang-portal", "docs": "/api/docs", "openapi": "/api/openapi.json", "health": "/api/health"}


@bp.get("/health")
@allow(PUBLIC)
def health():
    """ok, or 503 saying what is wrong with the database (never where it lives)."""
    try:
        conn = db.get_db()
    except db.DATABASE_ERRORS:  # it cannot even be opened or reached: say why
        raise Unavailable(db.unreachable(current_app), retry_after=30) from None
    problem = conn.problem()
    if problem:
        raise Unavailable(problem, retry_after=30)
    return {"status": "ok", "schema_version": schema.version(conn), "engine": conn.engine.NAME, **conn.settings()}


@bp.post("/reset_history")
@bp.post("/study_sessions/reset")
@allow(ADMIN)
def reset_history():
    """Clear the study history; takes no body (the frontend sends a JSON content type with none)."""
    forms.empty()
    with idempotent_transaction(alone=True) as write:
        made = resets.clear_history(write.conn, backup=_backup("before-reset-history"))
        return write.answer(
            {
                "success": True,
                "message": "Study history cleared; words, groups and activities kept.",
                "backup": made["name"],
            }
        )


@bp.post("/full_reset")
@allow(ADMIN)
def full_reset():
    forms.empty()
    seed_data = seed.read(current_app.config["SEED_DIR"])
    with idempotent_transaction(alone=True) as write:
        made = resets.reset_to_seed(write.conn, seed_data, backup=_backup("before-full-reset"))
        return write.answer(
            {"success": True, "message": "Every table emptied and the seed data loaded again.", "backup": made["name"]}
        )


def _backup(reason):
    """The backup a reset takes before it deletes anything (lib/backups.py); without one
    the reset is refused with a 503 and nothing is changed."""
    config = current_app.config
    return lambda: backups.take(config, reason)
