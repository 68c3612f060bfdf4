"""Who may see and change whose history, in a class deployment (docs/access.md).

An actor is the signed-in account of a request: an admin sees and changes everything; a
teacher sees the learners of their classes and changes none; a learner sees and changes
their own learner only. A read token changes nothing, whatever its account's role. Where
a learner cannot be seen, the answer is the one for a learner that does not exist, so
that ids tell nobody who is there.
"""

from dataclasses import dataclass

from lib.domain.errors import NotFound


@dataclass(frozen=True)
class Actor:
    account_id: int
    username: str
    role: str  # learner, teacher or admin
    learner_id: int | None  # the learner a learner account owns
    scope: str  # write or read
    token_id: int

    @property
    def writes(self):
        return self.scope == "write"


def can_see(conn, actor, learner_id):
    """Whether the actor may read the learner's history."""
    if actor.role == "admin" or learner_id == actor.learner_id:
        return True
    if actor.role != "teacher":
        return False
    return (
        conn.row(
            """
            SELECT 1
            FROM accounts AS a
            JOIN class_members AS theirs ON theirs.account_id = a.id
            JOIN class_members AS mine ON mine.class_id = theirs.class_id
            WHERE a.learner_id = ? AND mine.account_id = ?
            LIMIT 1
            """,
            (learner_id, actor.account_id),
        )
        is not None
    )


def can_change(actor, learner_id):
    """Whether the actor may write into the learner's history (their account permitting)."""
    return actor.role == "admin" or (actor.role == "learner" and learner_id == actor.learner_id)


def require_seen(conn, actor, learner_id):
    """NotFound, worded as for a learner that does not exist, unless the actor may see it."""
    if not can_see(conn, actor, learner_id):
        raise NotFound(f"Learner {learner_id} not found.")


def learner_of_session(conn, session_id):
    """The id of the session's learner, or NotFound."""
    learner_id = conn.scalar("SELECT learner_id FROM study_sessions WHERE id = ?", (session_id,))
    if learner_id is None:
        raise NotFound(f"Study session {session_id} not found.")
    return learner_id


def visible_learners(actor):
    """(SQL condition on learners AS l, its parameters) keeping the learners the actor sees."""
    if actor.role == "admin":
        return "1 = 1", ()
    if actor.role == "learner":
        return "l.id = ?", (actor.learner_id,)
    return (
        """l.id IN (
            SELECT a.learner_id
            FROM accounts AS a
            JOIN class_members AS theirs ON theirs.account_id = a.id
            JOIN class_members AS mine ON mine.class_id = theirs.class_id
            WHERE mine.account_id = ? AND a.learner_id IS NOT NULL
        )""",
        (actor.account_id,),
    )
