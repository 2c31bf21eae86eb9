"""Small dialogs of the sale screen: ask for a line of text, confirm, pick from a list, and a
senior employee's PIN to confirm what the cashier may not do alone.

Each is a ModalScreen: Enter confirms, Escape goes back (dismissing with None or False).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from torgtui.i18n import _
from torgtui.screens.pin import PinCheck
from torgtui.staff import Permission, active_employees, can, role_title

if TYPE_CHECKING:
    from torgtui.app import TorgApp
    from torgtui.models import Employee

DIALOG_CSS = """
{name} {{
    align: center middle;
}}
{name} > Vertical {{
    width: 64;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    border: round $primary;
    padding: 0 1;
    background: $surface;
}}
{name} .dialog-title {{
    width: 100%;
    text-style: bold;
}}
{name} .dialog-message {{
    width: 100%;
    color: $error;
}}
{name} OptionList {{
    height: auto;
    max-height: 12;
}}
"""


class AskScreen(ModalScreen[str | None]):
    """Ask for one line of text; dismisses with the text (Enter) or None (Escape)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="AskScreen")
    AUTO_FOCUS = "#ask-input"
    BINDINGS = [Binding("escape", "back", _("Back"), id="ask.back")]

    def __init__(
        self, title: str, *, value: str = "", placeholder: str = "", restrict: str | None = None
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.restrict = restrict

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Input(
                self.value,
                placeholder=self.placeholder,
                restrict=self.restrict,
                id="ask-input",
                select_on_focus=True,
            )
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_back(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: Enter (or Y) confirms, Escape (or N) does not."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmScreen")
    BINDINGS = [
        Binding("enter,y", "answer(True)", _("Yes"), id="confirm.yes"),
        Binding("escape,n", "answer(False)", _("No"), id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, classes="dialog-title", markup=False)
            yield Label(_("Enter: yes    Escape: no"))
        yield Footer()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class PickScreen(ModalScreen[str | None]):
    """Choose one of ``options`` (id, text) with the arrows and Enter; None on Escape."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PickScreen")
    AUTO_FOCUS = "#pick-list"
    BINDINGS = [Binding("escape", "back", _("Back"), id="pick.back")]

    def __init__(self, title: str, options: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(
                *(Option(Content(text), id=key) for key, text in self.options),
                id="pick-list",
                markup=False,
            )
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_back(self) -> None:
        self.dismiss(None)


class SeniorPinScreen(PinCheck, ModalScreen["Employee | None"]):
    """A senior employee confirms with their PIN: choose the name, type the PIN, Enter.

    Dismisses with the employee after a right PIN (checked by ``staff.login`` in a worker, so
    wrong PINs count toward the lockout), or None on Escape.
    """

    PIN_INPUT = "#senior-pin"

    DEFAULT_CSS = DIALOG_CSS.format(name="SeniorPinScreen")
    AUTO_FOCUS = "#senior-pin"
    BINDINGS = [
        Binding("up", "move(-1)", _("Previous name"), show=False, id="senior.up"),
        Binding("down", "move(1)", _("Next name"), show=False, id="senior.down"),
        Binding("escape", "back", _("Back"), id="senior.back"),
    ]

    app: TorgApp

    def __init__(self, reason: str, permission: Permission) -> None:
        super().__init__()
        self.reason = reason
        self.permission = permission
        self.checking = False

    def compose(self) -> ComposeResult:
        people = [e for e in active_employees() if can(e, self.permission)]
        with Vertical():
            yield Label(self.reason, classes="dialog-title", markup=False)
            yield Label(_("A senior employee: choose your name, type your PIN, press Enter."))
            yield OptionList(
                *(
                    Option(Content(f"{e.name} · {role_title(e.role)}"), id=str(e.id))
                    for e in people
                ),
                id="senior-list",
                markup=False,
            )
            yield Input(password=True, placeholder=_("PIN"), restrict=r"[0-9]*", id="senior-pin")
            yield Label("", classes="dialog-message", id="senior-message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one("#senior-list", OptionList)
        if options.option_count:
            options.highlighted = 0

    def action_move(self, step: int) -> None:
        options = self.query_one("#senior-list", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_back(self) -> None:
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#senior-pin", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        option = self.query_one("#senior-list", OptionList).highlighted_option
        if self.checking or option is None or option.id is None or not event.value:
            return
        self.start_check(int(option.id), event.value)

    def pin_accepted(self, employee: Employee) -> None:
        self.dismiss(employee)

    def pin_refused(self, message: str) -> None:
        self.query_one("#senior-message", Label).update(message)
