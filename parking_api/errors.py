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
    """A value the driver gave (``name``) that the question cannot take, and ``reason`` why."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class NotFound(DomainError):
    """The thing asked about is not (or no longer) in the data."""


class UnknownBay(NotFound):
    """No live bay with this source and reference."""


class UnknownZone(NotFound):
    """No live zone polygon with this code."""
