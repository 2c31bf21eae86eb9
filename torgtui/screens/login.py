"""The login screen: choose your name, type your PIN, press Enter.

The PIN is checked by ``staff.login`` in a thread worker (scrypt is slow on purpose); wrong PINs
and lockouts are shown as the service words them. Every login starts with nobody chosen (unless
the shop has a single employee): a PIN typed after someone else's session never counts as a
wrong PIN against them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from torgtui.i18n import _
from torgtui.screens.pin import PinCheck
from torgtui.staff import active_employees, role_title

if TYPE_CHECKING:
    from torgtui.app import TorgApp
    from torgtui.models import Employee


class LoginScreen(PinCheck, Screen[None]):
    """The first screen: the list of active employees and a PIN field."""

    PIN_INPUT = "#login-pin"

    CSS_PATH = "login.tcss"
    AUTO_FOCUS = "#login-pin"
    BINDINGS = [
        Binding("up", "move(-1)", _("Previous name"), show=False, id="login.up"),
        Binding("down", "move(1)", _("Next name"), show=False, id="login.down"),
    ]

    app: TorgApp

    def __init__(self) -> None:
        super().__init__()
        self.checking = False

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Label(self.app.title, id="login-title", markup=False)
            yield Label(
                _("Choose your name with the arrows, type your PIN and press Enter."),
                id="login-hint",
            )
            yield OptionList(id="login-employees", markup=False)
            yield Input(
                password=True,
                placeholder=_("PIN"),
                restrict=r"[0-9]*",
                max_length=12,
                id="login-pin",
            )
            yield Label("", id="login-message", markup=False)
        yield Footer()

    def on_screen_resume(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Reload the employees (someone may have been added), choose nobody (the only one in
        a one-person shop), and clear the PIN and message."""
        employees = active_employees()
        options = self.query_one("#login-employees", OptionList)
        options.clear_options()
        options.add_options(
            Option(Content(f"{e.name}  ·  {role_title(e.role)}"), id=str(e.id)) for e in employees
        )
        pin = self.query_one("#login-pin", Input)
        pin.value = ""
        self.checking = False
        if not employees:
            options.display = False
            pin.display = False
            self.query_one("#login-hint", Label).display = False
            self.show_message(
                _(
                    "There are no employees in this database yet. Quit with Ctrl+Q, then run "
                    "`torgtui init --owner NAME --pin PIN` for a new shop, or "
                    "`torgtui staff add NAME --role owner --pin PIN`."
                ),
                error=False,
            )
            return
        options.highlighted = 0 if len(employees) == 1 else None
        self.show_message("")
        pin.focus()

    def show_message(self, text: str, *, error: bool = True) -> None:
        message = self.query_one("#login-message", Label)
        message.update(text)
        message.set_class(error, "-error")

    def action_move(self, step: int) -> None:
        options = self.query_one("#login-employees", OptionList)
        if not options.option_count:
            return
        if options.highlighted is None:  # nobody chosen yet: down is the first, up the last
            options.highlighted = 0 if step > 0 else options.option_count - 1
            return
        current = options.highlighted
        options.highlighted = max(0, min(options.option_count - 1, current + step))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#login-pin", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.checking:
            return
        option = self.query_one("#login-employees", OptionList).highlighted_option
        if not event.value:
            self.show_message(_("Type your PIN, then press Enter."))
            return
        if option is None or option.id is None:
            self.show_message(_("Choose your name with the arrows first, then press Enter."))
            return
        self.show_message(_("Checking the PIN..."), error=False)
        self.start_check(int(option.id), event.value)

    def pin_accepted(self, employee: Employee) -> None:
        self.show_message("")
        self.app.logged_in(employee)

    def pin_refused(self, message: str) -> None:
        self.show_message(message)
