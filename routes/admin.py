"""Housekeeping: health, clearing the history, and a full reset to the seed data."""

from flask import Blueprint, current_app

from lib import db, schema, seed
from lib.errors import Unavailable
from lib.idempotency import idempotent_transaction
from lib.validation import fields, json_body

bp = Blueprint("admin", __name__, url_prefix="/api")


@bp.get("")
def index():
    return {"name": "lang-portal", "docs": "/api/docs", "openapi": "/api/openapi.json", "health": "/api/health"}


@bp.get("/health")
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
def reset_history():
    """Clear the study history; takes no body (the frontend sends a JSON content type with none)."""
    fields(json_body(required=False), {})
    with idempotent_transaction() as write:
        seed.clear_history(write.conn)
        return write.answer({"success": True, "message": "Study history cleared; words, groups and activities kept."})


@bp.post("/full_reset")
def full_reset():
    fields(json_body(required=False), {})
    with idempotent_transaction() as write:
        seed.reset_to_seed(write.conn, current_app.config["SEED_DIR"])
        return write.answer({"success": True, "message": "Every table emptied and the seed data loaded again."})
