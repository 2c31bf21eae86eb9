"""Dialogs of the back-office screens: a small form (lines of text fields and choices; Enter
goes to the next line, F2 saves) and the money dialog of a VIP payment or deposit (the amount,
then F2 cash or F3 card).

Each is a ``ModalScreen`` that dismisses with its value, or None on Escape. What the form's
``parse`` refuses (a TorgError from the value checks) is shown under the fields, and the
dialog stays open: nothing typed is dropped or changed on the way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Select

from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.screens.office import Failed, OfficeJobs
from torgtui.values import parse_money


@dataclass(frozen=True)
class FormField:
    """One line of a :class:`FormDialog`: a text field, or a choice when ``choices`` is given
    as (value, title) pairs."""

    key: str
    label: str
    value: str = ""
    placeholder: str = ""
    choices: tuple[tuple[str, str], ...] = ()


class FormDialog(OfficeJobs, ModalScreen[Any]):
    """A title, a few lines of text above the fields, the fields, and the message line.
    Enter goes to the next field (and saves on the last), F2 saves, Escape goes back. A
    subclass names what F2 does by binding "f2" again ("Export", "Count").

    ``parse`` turns the fields into a value (or refuses them in words). With ``save``, the
    value goes to that service call in a worker and the dialog closes with its result only
    once the service took it; a refusal is shown here and the fields stay as typed."""

    CSS_PATH = "office.tcss"
    BINDINGS = [
        Binding("f2", "submit", _("Save"), id="form_dialog.save"),
        Binding("escape", "back", _("Back"), id="form_dialog.back"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[FormField],
        parse: Callable[[dict[str, str]], Any],
        *,
        lines: Sequence[str] = (),
        label_width: int = 18,
        save: Callable[[Any], Any] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.parse = parse
        self.lines = list(lines)
        self.label_width = label_width
        self.save = save
        self.saving = False
        self.done = False  # saved (a service may answer None: tell it from Escape by this)

    def compose(self) -> ComposeResult:
        with Vertical(classes="office-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            for line in self.lines:
                yield Label(line, classes="dialog-line", markup=False)
            with Vertical(classes="form-fields"):
                for f in self.fields:
                    with Horizontal(classes="form-row"):
                        label = Label(f.label, classes="form-label", markup=False)
                        label.styles.width = self.label_width
                        yield label
                        yield self.field_widget(f)
            yield Label("", id="form-message", classes="dialog-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def field_widget(self, f: FormField) -> Input | Select:
        if f.choices:
            known = {value for value, _title in f.choices}
            return Select(
                [(title, value) for value, title in f.choices],
                value=f.value if f.value in known else f.choices[0][0],
                allow_blank=False,
                compact=True,
                id=f"form-{f.key}",
            )
        return Input(
            f.value,
            placeholder=f.placeholder,
            compact=True,
            select_on_focus=True,
            id=f"form-{f.key}",
        )

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#form-{self.fields[0].key}").focus()

    def values(self) -> dict[str, str]:
        out = {}
        for f in self.fields:
            widget = self.query_one(f"#form-{f.key}")
            value = widget.value if isinstance(widget, (Input, Select)) else ""
            out[f.key] = "" if value is Select.NULL else str(value)
        return out

    def say(self, text: str) -> None:
        self.query_one("#form-message", Label).update(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#form-message", Label).content)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        keys = [f.key for f in self.fields]
        index = keys.index(str(event.input.id).removeprefix("form-"))
        if index + 1 < len(keys):
            self.query_one(f"#form-{keys[index + 1]}").focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        if self.saving:
            return
        try:
            value = self.parse(self.values())
        except TorgError as exc:
            self.say(exc.message)
            return
        if self.save is None:
            self.done = True
            self.dismiss(value)
            return
        save = self.save
        self.saving = True
        self.say("")

        def done(result: Any) -> None:
            self.saving = False
            if isinstance(result, Failed):
                self.say(result.message)
            else:
                self.done = True
                self.dismiss(result)

        self.job(lambda: save(value), done, failures=True)

    def action_back(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class MoneyTaken:
    """What the money dialog gives back: the amount, ``cash`` or ``card``, and the payment's
    id (made when the dialog opened, so a retried call is the same payment)."""

    amount: int
    tender: str
    uuid: str


class MoneyDialog(ModalScreen[MoneyTaken | None]):
    """Money for a VIP account: type the amount, then F2 (cash) or F3 (card). Enter only
    says so: a scanner's Enter must never take money."""

    CSS_PATH = "office.tcss"
    AUTO_FOCUS = "#money-amount"
    BINDINGS = [
        Binding("f2", "take('cash')", _("Cash"), id="money.cash"),
        Binding("f3", "take('card')", _("Card"), id="money.card"),
        Binding("escape", "back", _("Back"), id="money.back"),
    ]

    def __init__(self, title: str, lines: Sequence[str], *, value: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.lines = list(lines)
        self.value = value
        self.uuid = str(uuid.uuid4())

    def compose(self) -> ComposeResult:
        with Vertical(classes="office-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            for line in self.lines:
                yield Label(line, classes="dialog-line", markup=False)
            with Horizontal(classes="form-row form-fields"):
                yield Label(_("Amount"), classes="form-label", markup=False)
                yield Input(
                    self.value,
                    placeholder=_("e.g. 500.00"),
                    compact=True,
                    select_on_focus=True,
                    id="money-amount",
                )
            yield Label(_("F2: in cash    F3: by card    Escape: back"), classes="dialog-line")
            yield Label("", id="money-message", classes="dialog-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    @property
    def message(self) -> str:
        return str(self.query_one("#money-message", Label).content)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#money-message", Label).update(
            _("Press F2 if it is paid in cash, F3 if by card.")
        )

    def action_take(self, tender: str) -> None:
        try:
            amount = parse_money(self.query_one("#money-amount", Input).value)
            if amount <= 0:
                raise ValidationError(_("The amount must be more than zero."))
        except TorgError as exc:
            self.query_one("#money-message", Label).update(exc.message)
            return
        self.dismiss(MoneyTaken(amount, tender, self.uuid))

    def action_back(self) -> None:
        self.dismiss(None)
