"""Checking a PIN off the UI thread: ``staff.login`` (scrypt, ~50 ms) on its own connection.

Used by the login and lock screens from thread workers. Returns the employee or the message to
show; never touches widgets.
"""

from __future__ import annotations

import peewee

from torgtui import db, staff
from torgtui.clock import Clock
from torgtui.errors import TorgError
from torgtui.models import Employee


def check_pin(
    employee_id: int, pin: str, *, clock: Clock, terminal: str, url: str
) -> Employee | str:
    """Log ``employee_id`` in with ``pin``: the Employee, or a message saying what went wrong.

    Runs in a worker thread, so it opens (and closes) that thread's own database connection.
    """
    try:
        with db.database.connection_context():
            return staff.login(employee_id, pin, clock=clock, terminal=terminal)
    except TorgError as exc:
        return exc.message
    except peewee.DatabaseError as exc:
        return db.explain(exc, url).message
