"""The faults of a database or its disk, not of the request, in kinds every engine shares.

Each engine turns its own errors (SQLite's result codes, PostgreSQL's SQLSTATEs) into one
of these kinds (Engine.classify); the web layer answers each kind with one status and the
command line with its sentence, whichever engine raised it.
"""


class Fault(Exception):
    """A fault of the database; str() is a sentence a person can act on, and retry_after
    the seconds after which sending the same request again may work (None: it may not)."""

    retry_after = 2

    def __init__(self, sentence, retry_after=None):
        super().__init__(sentence)
        if retry_after is not None:
            self.retry_after = retry_after


class Busy(Fault):
    """Other writes hold the database; the request wrote nothing and can be sent again."""


class Full(Fault):
    """The disk holding the database is full; nothing was written."""

    retry_after = None


class Unavailable(Fault):
    """The database cannot be read, written or reached now; nothing was written."""

    retry_after = 30


class NotDurable(Fault):
    """A commit was made but the disk did not confirm that it is stored; a retry without an
    Idempotency-Key would make the write twice, so there is no retry_after."""

    retry_after = None


FULL_SENTENCE = (
    "The disk holding the database is full: nothing was written. Send the request again once space is freed."
)
