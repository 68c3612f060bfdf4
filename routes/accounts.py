"""Accounts: signing in for a token, signing out, and who is signed in (docs/access.md)."""

from flask import Blueprint, current_app, request
from werkzeug.exceptions import NotFound

from lib.db import get_db, transaction
from lib.domain import accounts
from lib.web import auth, forms, ratelimit
from lib.web.access import PUBLIC, SIGNED_IN, allow
from lib.web.body import json_body
from lib.web.idempotency import idempotent_transaction

bp = Blueprint("accounts", __name__, url_prefix="/api/auth")


@bp.record_once
def prepare(state):
    if state.app.config["ACCESS"] == "class":
        accounts.unknown_user_hash()  # made now, so that the first unknown username costs one hash, as the others


@bp.before_request
def only_in_class_mode():
    if not auth.class_mode():
        raise NotFound("This server runs in the open mode, without accounts (LANG_PORTAL_ACCESS=class has them).")


@bp.post("/login")
@allow(PUBLIC)
def sign_in():
    """A token for the right username and password; every attempt counts against the
    limits per username and per address."""
    values = forms.login(json_body())
    config = current_app.config
    ratelimit.refuse_when_over(config["LOGIN_ADDRESS_RATE_LIMIT"], "login_address", request.remote_addr or "unknown")
    ratelimit.refuse_when_over(config["LOGIN_RATE_LIMIT"], "login", values["username"].lower())
    ratelimit.count(config["LOGIN_ADDRESS_RATE_LIMIT"], "login_address", request.remote_addr or "unknown")
    ratelimit.count(config["LOGIN_RATE_LIMIT"], "login", values["username"].lower())
    # Not an idempotent write: a stored answer would keep the token itself in the database.
    with transaction() as conn:
        token = accounts.sign_in(conn, values["username"], values["password"], values["scope"], config["TOKEN_HOURS"])
    if token is None:
        raise auth.unauthorized("The username or the password is wrong.")
    return token


@bp.post("/logout")
@allow(SIGNED_IN)
def sign_out():
    """End the token this request sends."""
    forms.empty()
    who = auth.actor()
    with idempotent_transaction() as write:
        accounts.sign_out(write.conn, who.token_id)
        auth.forget(auth.bearer_token())
        return write.answer({"success": True, "message": "Signed out: this token is revoked."})


@bp.get("/me")
@allow(SIGNED_IN)
def show_me():
    who = auth.actor()
    return {
        "username": who.username,
        "role": who.role,
        "learner_id": who.learner_id,
        "scope": who.scope,
        "classes": accounts.classes_of(get_db(), who.account_id),
    }
