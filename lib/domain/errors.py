"""What a rule answers when a request cannot be carried out; each says why, in a sentence
a person can act on. The web layer answers NotFound with 404, Conflict with 409,
Unprocessable with 422 and Busy with 503 and Retry-After; the command line prints the
sentence."""


class DomainError(Exception):
    """A rule refused; str() is the sentence, extra what the answer adds beside it."""

    extra = {}


class NotFound(DomainError):
    """Something the request names does not exist."""


class Conflict(DomainError):
    """The request clashes with what is stored."""

    def __init__(self, sentence, **extra):
        super().__init__(sentence)
        self.extra = extra


class Unprocessable(DomainError):
    """The request is well formed, but what is stored does not allow it."""


class Busy(DomainError):
    """The work is refused for now (a queue is full): try again after retry_after seconds."""

    def __init__(self, sentence, retry_after):
        super().__init__(sentence)
        self.retry_after = retry_after
