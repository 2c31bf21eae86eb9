"""The unfinished receipts (F8 on an empty sale screen): every held receipt, and the cashier's
own receipts left open in another session (a second login, a lost SSH link), each with what it
costs after its discounts. Choose one to carry on with it here."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from torgtui.errors import TorgError
from torgtui.i18n import _, ngettext
from torgtui.models import Draft, Employee
from torgtui.money import format_money
from torgtui.sales.pricing import PricingContext, price
from torgtui.sales.register import basket_from_json


def held_summary(draft: Draft, now: dt.datetime) -> str:
    """One line for an unfinished receipt: when, who, where it is open (for one left open in
    another session), how many lines and what it costs now, after its discounts."""
    basket = basket_from_json(draft.data)
    employee = Employee.get_or_none(Employee.id == draft.employee_id)
    who = employee.name if employee else "-"
    first = basket.lines[0].name if basket.lines else ""
    count = len(basket.lines)
    try:
        priced = price(basket, PricingContext(at=now, customer_id=basket.customer_id))
        amount = format_money(priced.total)
    except TorgError:  # a product withdrawn since: it is said when the receipt is recalled
        amount = "?"
    where = (
        _("open on {register}").format(register=draft.register)
        if draft.status == "open"
        else _("held")
    )
    return _("{at}  {who}  {where}  {lines}  {amount}  {first}").format(
        at=f"{draft.updated_at:%H:%M}",
        who=who,
        where=where,
        lines=ngettext("{n} line", "{n} lines", count).format(n=count),
        amount=amount,
        first=first,
    )


class HeldScreen(ModalScreen[str | None]):
    """Unfinished receipts, oldest first; Enter dismisses with the chosen one's uuid, Escape
    with None."""

    DEFAULT_CSS = """
    HeldScreen {
        align: center middle;
    }
    HeldScreen > Vertical {
        width: 78;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
    }
    HeldScreen #held-title {
        width: 100%;
        padding: 0 1;
    }
    HeldScreen OptionList {
        height: auto;
        max-height: 16;
    }
    """
    AUTO_FOCUS = "#held-list"
    BINDINGS = [Binding("escape", "back", _("Back"), id="held.back")]

    def __init__(self, drafts: list[Draft], now: dt.datetime) -> None:
        super().__init__()
        self.drafts = drafts
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                _("Unfinished receipts: choose one with the arrows and press Enter."),
                id="held-title",
            )
            yield OptionList(
                *(Option(Content(held_summary(d, self.now)), id=d.uuid) for d in self.drafts),
                id="held-list",
                markup=False,
            )
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        options = self.query_one("#held-list", OptionList)
        if options.option_count:
            options.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_back(self) -> None:
        self.dismiss(None)
