"""The lock screen: hides everything until the logged-in employee types their PIN.

The PIN goes through ``staff.login``, so wrong PINs here count toward the five-try lockout.
Another employee takes the register with "switch employee" (a log out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label

from torgtui.i18n import _
from torgtui.screens.pin import PinCheck

if TYPE_CHECKING:
    from torgtui.app import TorgApp
    from torgtui.models import Employee


class LockScreen(PinCheck, ModalScreen[None]):
    """Opaque modal over the whole app; dismissed by the right PIN."""

    PIN_INPUT = "#lock-pin"

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
        self.show_message(_("Checking the PIN..."))
        self.start_check(self.employee.id, event.value)

    def pin_accepted(self, employee: Employee) -> None:
        self.app.unlocked(employee)

    def pin_refused(self, message: str) -> None:
        self.show_message(message)
