"""What can go wrong when a driver asks a question, in the domain's words (no HTTP here).

The services raise these; the HTTP layer maps each class to a status once (``parking_api.api.errors``).
"""

from __future__ import annotations


class DomainError(Exception):
    """A question the service cannot answer as asked; ``detail`` says why, for the person asking."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError):
    """A value the driver gave (``name``) that the question cannot take, ``reason`` why, and a ``code`` for
    programs (``invalid_value`` unless a caller says more)."""

    def __init__(self, name: str, reason: str, code: str = "invalid_value") -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
        self.code = code


class InvalidBody(InvalidInput):
    """A request body that is not what the operation takes at all (nothing in it was used)."""


class NotFound(DomainError):
    """The thing asked about is not (or no longer) in the data."""


class UnknownBay(NotFound):
    """No live bay with this source and reference."""


class UnknownZone(NotFound):
    """No live zone polygon with this code."""


class UnknownSuspension(NotFound):
    """No suspension with this id."""


class NotAuthenticated(DomainError):
    """No API key, or one that is unknown or revoked."""


class NotPermitted(DomainError):
    """The key is valid but its role or its sources do not allow this."""


class Conflict(DomainError):
    """The request contradicts the data's state (e.g. deleting a suspension a file owns)."""


class TooLarge(DomainError):
    """A request body with more items than one request may carry."""


class RateLimited(DomainError):
    """The key has used its requests for now; ``retry_after`` seconds until the next one is allowed."""

    def __init__(self, detail: str, *, limit: int, remaining: int, reset: int, retry_after: int) -> None:
        super().__init__(detail)
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
        self.retry_after = retry_after
