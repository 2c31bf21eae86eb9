"""The lock screen: hides everything until the logged-in employee types their PIN.

The PIN goes through ``staff.login``, so wrong PINs here count toward the five-try lockout.
Another employee takes the register with "switch employee" (a log out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label
from textual.worker import Worker, WorkerState

from torgtui.i18n import _
from torgtui.screens.pin import check_pin

if TYPE_CHECKING:
    from torgtui.app import TorgApp
    from torgtui.models import Employee


class LockScreen(ModalScreen[None]):
    """Opaque modal over the whole app; dismissed by the right PIN."""

    CSS_PATH = "lock.tcss"
    AUTO_FOCUS = "#lock-pin"
    BINDINGS = [
        Binding("ctrl+o", "app.logout", _("Switch employee"), id="lock.switch"),
    ]

    app: TorgApp

    def __init__(self, employee: Employee) -> None:
        super().__init__()
        self.employee = employee
        self.checking = False

    def compose(self) -> ComposeResult:
        with Vertical(id="lock-box"):
            yield Label(_("The register is locked"), id="lock-title")
            yield Label(
                _(
                    "{name}, type your PIN and press Enter to unlock. Someone else: "
                    "press Ctrl+O to switch employee."
                ).format(name=self.employee.name),
                id="lock-hint",
                markup=False,
            )
            yield Input(
                password=True,
                placeholder=_("PIN"),
                restrict=r"[0-9]*",
                max_length=12,
                id="lock-pin",
            )
            yield Label("", id="lock-message", markup=False)
        yield Footer()

    def show_message(self, text: str) -> None:
        self.query_one("#lock-message", Label).update(text)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.checking:
            return
        if not event.value:
            self.show_message(_("Type your PIN, then press Enter."))
            return
        self.checking = True
        self.show_message(_("Checking the PIN..."))
        self.check(self.employee.id, event.value)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False)
    def check(self, employee_id: int, pin: str) -> None:
        """Check the PIN off the UI thread and hand the result back to it."""
        app = self.app
        result = check_pin(
            employee_id,
            pin,
            clock=app.clock,
            terminal=app.terminal,
            url=app.settings.database.url,
        )
        app.call_from_thread(self.checked, result)

    def checked(self, result: Employee | str) -> None:
        """Back on the UI thread: unlock, or say why not."""
        self.checking = False
        if not self.is_attached:
            return
        pin = self.query_one("#lock-pin", Input)
        pin.value = ""
        if isinstance(result, str):
            self.show_message(result)
            pin.focus()
            return
        self.app.unlocked(result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.checking = False
            self.show_message(
                _("Could not check the PIN: {error}. Try again or call support.").format(
                    error=event.worker.error
                )
            )
