"""Who may call each route: every view declares a policy with @allow, and a request to a
view without one is refused (tests/test_access.py fails first). docs/access.md says what
each policy lets each role do.

In the open mode (LANG_PORTAL_ACCESS=open, the default) every policy lets every request
through, as on one person's machine. In the class mode a request needs a signed-in
account unless its policy is PUBLIC, and a policy checks the account against what the
request names. Answers that a learner may not see are the answers for what does not
exist (404, the same body); what they may see but not do is a 403.
"""

import secrets

from flask import current_app, g, request
from werkzeug.exceptions import Forbidden

from lib.db import get_db
from lib.domain import MAX_ID, access, clock, jobs, learners
from lib.domain.errors import NotFound
from lib.web import auth, forms, ratelimit
from lib.web.auth import actor, class_mode
from lib.web.body import WRITE_METHODS, json_body
from lib.web.errors import ValidationError

# A session's id alone lets a study activity send answers to it (class mode): ids from
# CAPABILITY_IDS are drawn at random, below 2^53 (JavaScript's safe integers) with room to
# spare above them for ids counted up, should the server go back to the open mode.
CAPABILITY_IDS = (2**40, 2**52)
MISSES = "30 per minute"  # unknown session ids an address may send before it is refused a while


class Policy:
    """A rule of who may call a route: check(view_args) raises 401, 403 or 404, or returns.
    public: no account needed; read_token: a read token may call it even with a POST."""

    def __init__(self, name, check, public=False, read_token=False):
        self.name, self.check, self.public, self.read_token = name, check, public, read_token

    def __repr__(self):
        return f"<policy {self.name}>"


def allow(policy):
    """Declare who may call the view."""

    def declare(view):
        view.access = policy
        return view

    return declare


def enforce():
    """Before every request (app.guard): the view's policy, after the routing and the Host check."""
    if request.routing_exception is not None:
        return
    app = current_app._get_current_object()  # once: each look through the proxy costs
    policy = getattr(app.view_functions[request.endpoint], "access", None)
    if policy is None:
        raise Forbidden(f"{request.method} {request.path} declares no rule of who may call it, so nobody may.")
    if app.config["ACCESS"] != "class":
        return
    if policy.public:
        policy.check(request.view_args)  # a token is looked at only where the policy asks
        return
    who = auth.signed_in(app)
    if who is None:
        if not _capability(policy):
            raise auth.unauthorized("Sign in first (POST /api/auth/login) and send Authorization: Bearer <token>.")
    elif not who.writes and not policy.read_token and request.method in WRITE_METHODS:
        raise Forbidden("This token may only read; sign in with scope write to change anything.")
    if policy.check is not _nothing:
        policy.check(request.view_args)


# --- the learner a request is for ------------------------------------------------------


def default_learner_id():
    """The learner a request that names none is for: the signed-in learner's own, else learner 1."""
    who = actor()
    return who.learner_id if who is not None and who.learner_id is not None else learners.DEFAULT_LEARNER


def _query_learner_id():
    raw = request.args.get("learner_id")
    if raw is None:
        return default_learner_id()
    if len(raw) <= 19 and raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ID:
        return int(raw)
    return None  # not an id: lib/web/query.py answers the 400


def _see(learner_id):
    who = actor()
    if who is not None and learner_id is not None:
        access.require_seen(get_db(), who, learner_id)


def _change(learner_id):
    _see(learner_id)
    who = actor()
    if who is not None and learner_id is not None and not access.can_change(who, learner_id):
        raise Forbidden(f"This account may read learner {learner_id}'s history but not change it.")


def _learner_behind(learner_of, name, thing_id):
    """The learner of a session or a job (learner_of finds it), when the actor sees them;
    else the 404 of a name thing_id that does not exist."""
    learner_id = learner_of(get_db(), thing_id)
    try:
        _see(learner_id)
    except NotFound:
        raise NotFound(f"{name} {thing_id} not found.") from None
    return learner_id


def _session_learner(session_id):
    return _learner_behind(access.learner_of_session, "Study session", session_id)


# --- the policies --------------------------------------------------------------------


def _nothing(args):
    pass


def _admin(args):
    if actor().role != "admin":
        raise Forbidden("Only an admin account may do this.")


def _learner_in_query(args):
    _see(_query_learner_id())


def _group_words(args):
    if request.args.get("order") == "due":  # the order of one learner's memory: theirs to see
        if actor() is None:
            raise auth.unauthorized("The order due is a learner's: sign in and send Authorization: Bearer <token>.")
        _see(_query_learner_id())


def _learner_in_path(args):
    _see(args["learner_id"])


def _change_learner_in_path(args):
    _change(args["learner_id"])


def _start_session(args):
    body = json_body(required=False)
    learner_id = body.get("learner_id", default_learner_id())
    _change(learner_id if isinstance(learner_id, int) and not isinstance(learner_id, bool) else None)


def _read_session(args):
    _session_learner(args["session_id"])


def _change_session(args):
    if actor() is None:
        return  # the session's id alone (_capability)
    learner_id = _session_learner(args["session_id"])
    if not access.can_change(actor(), learner_id):
        raise Forbidden(f"This account may read study session {args['session_id']} but not write into it.")


def _read_job(args):
    _learner_behind(jobs.learner_of, "Job", args["job_id"])


def _change_job(args):
    learner_id = _learner_behind(jobs.learner_of, "Job", args["job_id"])
    if not access.can_change(actor(), learner_id):
        raise Forbidden(f"This account may read job {args['job_id']} but not cancel it.")


PUBLIC = Policy("public", _nothing, public=True)
SIGNED_IN = Policy("signed in", _nothing, read_token=True)
ADMIN = Policy("admin", _admin)
LEARNER_IN_QUERY = Policy("who sees the learner of ?learner_id=", _learner_in_query)
GROUP_WORDS = Policy("public; with ?order=due, who sees the learner", _group_words, public=True)
LEARNER_IN_PATH = Policy("who sees the learner", _learner_in_path)
CHANGE_LEARNER_IN_PATH = Policy("who changes the learner", _change_learner_in_path)
START_SESSION = Policy("who changes the body's learner", _start_session)
READ_SESSION = Policy("who sees the session's learner", _read_session)
CHANGE_SESSION = Policy("who changes the session's learner", _change_session)
READ_JOB = Policy("who sees the job's learner", _read_job)
CHANGE_JOB = Policy("who changes the job's learner", _change_job)
ANSWER_SESSION = Policy("who changes the session's learner, or its id alone for answers", _change_session)


# --- a study session's id alone ----------------------------------------------------------


def _capability(policy):
    """Whether a request without an account may go on on the strength of the session id in
    its path: only answers (no feedback) to a session with an id drawn at random, younger
    than LANG_PORTAL_SESSION_HOURS. A miss is a 404 like an unknown session, and an address
    that misses too often is refused every such request for a while."""
    if policy is not ANSWER_SESSION or request.method != "POST" or _is_feedback():
        return False
    address = request.remote_addr or "unknown"
    ratelimit.refuse_when_over(MISSES, "missed_sessions", address)
    session_id = request.view_args["session_id"]
    row = get_db().row("SELECT created_at FROM study_sessions WHERE id = ?", (session_id,))
    oldest = clock.ago(hours=current_app.config["SESSION_HOURS"])
    if row is None or not CAPABILITY_IDS[0] <= session_id < CAPABILITY_IDS[1] or row["created_at"] < oldest:
        ratelimit.count(MISSES, "missed_sessions", address)
        raise NotFound(f"Study session {session_id} not found.")
    g.capability = session_id
    return True


def _is_feedback():
    return request.endpoint == "study_sessions.record_review" and forms.is_feedback()


# --- what a request may carry ---------------------------------------------------------------


def visible():
    """The condition on learners AS l keeping the learners the request may see (all in the
    open mode)."""
    who = actor()
    return access.visible_learners(who) if who is not None else ("1 = 1", ())


def reviewer(values, body):
    """The feedback's reviewer: in the class mode the signed-in account (a reviewer_id in
    the body is a 400), in the open mode the body's."""
    if not class_mode():
        return values
    if "reviewer_id" in body:
        raise ValidationError({"reviewer_id": "is the signed-in account in the class mode; leave it out"})
    return {**values, "reviewer_id": actor().account_id}


def new_session(values):
    """A new session's values: the signed-in learner's own unless the body names a learner;
    in the class mode an id drawn at random from CAPABILITY_IDS (else ids count up)."""
    session_id = secrets.randbelow(CAPABILITY_IDS[1] - CAPABILITY_IDS[0]) + CAPABILITY_IDS[0] if class_mode() else None
    return {"learner_id": default_learner_id(), **values, "session_id": session_id}
