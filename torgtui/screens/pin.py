"""Checking a PIN off the UI thread: ``staff.login`` (scrypt, ~50 ms) on its own connection.

Used by the login, lock and senior-PIN screens through :class:`PinCheck`; :func:`check_pin`
returns the employee or the message to show and never touches widgets.
"""

from __future__ import annotations

import peewee
from textual import work
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from torgtui import db, staff
from torgtui.clock import Clock
from torgtui.errors import TorgError
from torgtui.i18n import _
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


class PinCheck:
    """Mixin for a screen that checks a PIN: ``start_check`` runs :func:`check_pin` in a
    thread worker; the result comes back on the UI thread to :meth:`pin_accepted` or, as a
    message, to :meth:`pin_refused`. ``PIN_INPUT`` is the selector of the PIN field, cleared
    after every try."""

    PIN_INPUT = "#pin"
    checking = False

    def start_check(self, employee_id: int, pin: str) -> None:
        self.checking = True
        self._check_pin(employee_id, pin)

    @work(thread=True, exclusive=True, group="pin-check", exit_on_error=False)
    def _check_pin(self, employee_id: int, pin: str) -> None:
        app = self.app  # type: ignore[attr-defined]
        result = check_pin(
            employee_id,
            pin,
            clock=app.clock,
            terminal=app.terminal,
            url=app.settings.database.url,
        )
        app.call_from_thread(self._pin_checked, result)

    def _pin_checked(self, result: Employee | str) -> None:
        self.checking = False
        if not self.is_attached:  # type: ignore[attr-defined]
            return
        field = self.query_one(self.PIN_INPUT, Input)  # type: ignore[attr-defined]
        field.value = ""
        if isinstance(result, str):
            self.pin_refused(result)
            field.focus()
            return
        self.pin_accepted(result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "pin-check" and event.state == WorkerState.ERROR:
            self.checking = False
            self.pin_refused(
                _("Could not check the PIN: {error}. Try again or call support.").format(
                    error=event.worker.error
                )
            )

    def pin_accepted(self, employee: Employee) -> None:
        raise TypeError(f"{type(self).__name__} must define pin_accepted")

    def pin_refused(self, message: str) -> None:
        raise TypeError(f"{type(self).__name__} must define pin_refused")
