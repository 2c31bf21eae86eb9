"""Errors a person can act on. Each carries a message that says what happened and what to do."""

from __future__ import annotations


class TorgError(Exception):
    """Base for every error that is shown to a person instead of a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(TorgError):
    """A settings file or variable is unreadable or has a bad value."""


class DatabaseError(TorgError):
    """The database cannot be opened, read, written or upgraded."""


class PermissionDenied(TorgError):
    """The employee's role does not allow the action."""


class AuthError(TorgError):
    """Wrong PIN, a locked employee, or nobody logged in."""


class ValidationError(TorgError):
    """Input that cannot be accepted (a bad barcode, price, quantity...)."""
