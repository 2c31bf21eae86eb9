"""The held receipts (F8 on an empty sale screen): choose one to carry on with it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from torgtui.i18n import _, ngettext
from torgtui.models import Draft, Employee
from torgtui.money import format_money
from torgtui.sales.register import basket_from_json


def held_summary(draft: Draft) -> str:
    """One line for a held receipt: when, who, how many lines and the amount before discounts."""
    basket = basket_from_json(draft.data)
    employee = Employee.get_or_none(Employee.id == draft.employee_id)
    who = employee.name if employee else "-"
    first = basket.lines[0].name if basket.lines else ""
    count = len(basket.lines)
    return _("{at}  {who}  {lines}  {amount}  {first}").format(
        at=f"{draft.updated_at:%H:%M}",
        who=who,
        lines=ngettext("{n} line", "{n} lines", count).format(n=count),
        amount=format_money(basket.subtotal),
        first=first,
    )


class HeldScreen(ModalScreen[str | None]):
    """Held receipts, oldest first; Enter dismisses with the chosen one's uuid, Escape with None."""

    DEFAULT_CSS = """
    HeldScreen {
        align: center middle;
    }
    HeldScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
    }
    HeldScreen OptionList {
        height: auto;
        max-height: 16;
    }
    """
    AUTO_FOCUS = "#held-list"
    BINDINGS = [Binding("escape", "back", _("Back"), id="held.back")]

    def __init__(self, drafts: list[Draft]) -> None:
        super().__init__()
        self.drafts = drafts

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Held receipts: choose one with the arrows and press Enter."))
            yield OptionList(
                *(Option(Content(held_summary(d)), id=d.uuid) for d in self.drafts),
                id="held-list",
                markup=False,
            )
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one("#held-list", OptionList)
        if options.option_count:
            options.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_back(self) -> None:
        self.dismiss(None)
