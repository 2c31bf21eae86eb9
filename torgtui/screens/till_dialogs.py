"""Small dialogs of the shift and return screens: one value typed and checked, cash in or out
with a note, and a yes/no confirmation. Each is a ``ModalScreen`` that dismisses with its value
(None or False when the cashier presses Escape)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.screens.sale_dialogs import confirm_hint
from torgtui.values import parse_money

T = TypeVar("T")


class ValueDialog(ModalScreen[T | None], Generic[T]):
    """Ask for one value: ``parse`` turns the text into it or raises a TorgError whose message
    is shown under the field (the dialog stays open until the value is right or Escape)."""

    CSS_PATH = "till_dialogs.tcss"
    AUTO_FOCUS = "#dialog-input"
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="dialog.cancel")]

    def __init__(
        self, title: str, hint: str, parse: Callable[[str], T], *, value: str = ""
    ) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.parse = parse
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Label(self.hint, classes="dialog-hint", markup=False)
            yield Input(self.value, id="dialog-input", select_on_focus=True)
            yield Label("", id="dialog-message", classes="dialog-message", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            value = self.parse(event.value)
        except TorgError as exc:
            self.query_one("#dialog-message", Label).update(exc.message)
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CashMoveDialog(ModalScreen[tuple[int, str] | None]):
    """Cash in or out: the amount (Enter goes on to the note) and a note (Enter finishes)."""

    CSS_PATH = "till_dialogs.tcss"
    AUTO_FOCUS = "#cash-amount"
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="dialog.cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Label(
                _("Type the amount and press Enter, then a note (why) and Enter again."),
                classes="dialog-hint",
            )
            yield Input(placeholder=_("Amount, e.g. 500.00"), id="cash-amount")
            yield Input(placeholder=_("Note"), max_length=200, id="cash-note")
            yield Label("", id="dialog-message", classes="dialog-message", markup=False)

    def amount(self) -> int | None:
        try:
            amount = parse_money(self.query_one("#cash-amount", Input).value)
        except TorgError as exc:
            self.query_one("#dialog-message", Label).update(exc.message)
            self.query_one("#cash-amount", Input).focus()
            return None
        if amount <= 0:
            self.query_one("#dialog-message", Label).update(_("The amount must be more than zero."))
            self.query_one("#cash-amount", Input).focus()
            return None
        return amount

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        amount = self.amount()
        if amount is None:
            return
        if event.input.id == "cash-amount":
            self.query_one("#dialog-message", Label).update("")
            self.query_one("#cash-note", Input).focus()
            return
        self.dismiss((amount, self.query_one("#cash-note", Input).value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    """A decision that cannot be undone (closing the shift): Y or F2 says yes, Escape or N says
    no. Enter does not answer: a scanner's Enter must never close a shift."""

    CSS_PATH = "till_dialogs.tcss"
    BINDINGS = [
        Binding("f2", "answer(True)", _("Yes"), id="dialog.yes"),
        Binding("y,н", "answer(True)", _("Yes"), show=False, id="dialog.yes_letter"),
        Binding("escape", "answer(False)", _("No"), id="dialog.no"),
        Binding("n,т", "answer(False)", _("No"), show=False, id="dialog.no_letter"),
        Binding("enter", "enter", show=False, id="dialog.enter"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Label(self.text, id="confirm-text", markup=False)
            yield Label(confirm_hint(), id="confirm-hint", classes="dialog-hint", markup=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_enter(self) -> None:
        hint = self.query_one("#confirm-hint", Label)
        hint.update(_("Enter does not answer here. Y or F2: yes    Escape: no"))
        hint.add_class("-warning")
