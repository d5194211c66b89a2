"""One domain error type, mapped to HTTP in exactly one place (app.main)."""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. `status` is the HTTP status the web layer answers with."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """Missing, or not yours to see: both answer 404 so nothing leaks."""

    status = 404


class Denied(NotFound):
    """It exists but is not this user's to reach: still a 404, and kept in the security log."""


class Forbidden(DomainError):
    status = 403


class Invalid(DomainError):
    status = 422


class Conflict(DomainError):
    """The object is in a state that does not allow this (e.g. a submitted visit)."""

    status = 409


class OutOfSpace(DomainError):
    """The server's disk (or store) is full: the client should keep its data and retry."""

    status = 507


class TooManyAttempts(DomainError):
    status = 429
