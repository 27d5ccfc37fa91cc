"""Errors that a user can act on."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal with a Chinese message that says what is wrong and what to do.

    ``field`` names the form field at fault (``None`` when the refusal concerns the whole
    request); ``code`` is a stable machine-readable reason for tests and scripts.
    """

    def __init__(self, message: str, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class NotFound(DomainError):
    """The thing asked for does not exist (or is outside what the actor may see)."""


class Forbidden(DomainError):
    """The acting administrator may not do this."""


class Conflict(DomainError):
    """The record changed or was taken meanwhile (a lost update or a race was prevented)."""


class Busy(DomainError):
    """The database stayed locked beyond the retry bound."""
