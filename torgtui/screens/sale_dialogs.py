"""Small dialogs of the sale screen (and others): ask for a line of text, confirm, pick from
a list. A senior's PIN is :mod:`torgtui.screens.approval`.

Each is a ModalScreen: Escape goes back (dismissing with None or False); Enter takes what was
typed or chosen, but never answers a confirmation (Y or F2 does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from torgtui.errors import TorgError
from torgtui.i18n import _

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
{name} .-warning {{
    color: $warning;
    text-style: bold;
}}
{name} OptionList {{
    height: auto;
    max-height: 12;
}}
"""


class AskScreen(ModalScreen[Any]):
    """Ask for one line of text; dismisses with the text (Enter) or None (Escape).

    With ``parse``, Enter dismisses with ``parse(text)`` instead; when that raises a
    TorgError, its message shows under the field and the dialog stays open (nothing typed is
    ever dropped or changed on the way: a wrong value is refused in words)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="AskScreen")
    AUTO_FOCUS = "#ask-input"
    BINDINGS = [Binding("escape", "back", _("Back"), id="ask.back")]

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        placeholder: str = "",
        parse: Callable[[str], Any] | None = None,
        accepts_scans: bool = False,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.parse = parse
        self.accepts_scans = accepts_scans  # e.g. the customer field takes a scanned card

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Input(
                self.value,
                placeholder=self.placeholder,
                id="ask-input",
                select_on_focus=True,
            )
            yield Label("", classes="dialog-message", id="ask-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.parse is None:
            self.dismiss(event.value)
            return
        try:
            value = self.parse(event.value)
        except TorgError as exc:
            self.query_one("#ask-message", Label).update(exc.message)
            return
        self.dismiss(value)

    def action_back(self) -> None:
        self.dismiss(None)

    @property
    def message(self) -> str:
        return str(self.query_one("#ask-message", Label).content)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question about something that cannot be undone: Y or F2 says yes, Escape or N
    says no. Enter does not answer: a scanner ends every scan with Enter, and a stray one must
    never confirm (it only shows how to answer)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmScreen")
    BINDINGS = [
        Binding("f2", "answer(True)", _("Yes"), id="confirm.yes"),
        # Y, also in the Ukrainian layout (the same key types "н"): not shown, said in the hint
        Binding("y,н", "answer(True)", _("Yes"), show=False, id="confirm.yes_letter"),
        Binding("escape", "answer(False)", _("No"), id="confirm.no"),
        Binding("n,т", "answer(False)", _("No"), show=False, id="confirm.no_letter"),
        Binding("enter", "enter", show=False, id="confirm.enter"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, classes="dialog-title", markup=False)
            yield Label(confirm_hint(), id="confirm-hint")
        yield Footer(compact=True, show_command_palette=False)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def action_enter(self) -> None:
        hint = self.query_one("#confirm-hint", Label)
        hint.update(_("Enter does not answer here. Y or F2: yes    Escape: no"))
        hint.add_class("-warning")


def confirm_hint() -> str:
    return _("Y or F2: yes    Escape: no")


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


class ReceiptTextScreen(ModalScreen[None]):
    """A receipt as the ``screen`` printer "printed" it (F9 with ``devices.printer =
    "screen"``): the paper's lines, scrolling; Escape or Enter closes it."""

    DEFAULT_CSS = """
    ReceiptTextScreen {
        align: center middle;
    }
    ReceiptTextScreen > VerticalScroll {
        width: auto;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    ReceiptTextScreen #receipt-text {
        width: auto;
        text-wrap: nowrap;
    }
    """
    BINDINGS = [
        Binding("escape,enter", "close", _("Close"), id="receipt.close"),
        Binding("down", "scroll(1)", _("Down"), show=False, id="receipt.down"),
        Binding("up", "scroll(-1)", _("Up"), show=False, id="receipt.up"),
        Binding("pagedown", "scroll(10)", _("Page down"), show=False, id="receipt.pagedown"),
        Binding("pageup", "scroll(-10)", _("Page up"), show=False, id="receipt.pageup"),
    ]

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        with VerticalScroll(can_focus=False) as box:
            box.border_title = _("Receipt (screen printer)")
            yield Static("\n".join(self.lines), id="receipt-text", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def action_scroll(self, rows: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=rows, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
