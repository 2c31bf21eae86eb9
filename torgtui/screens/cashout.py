"""The bonus cash-out dialog (F7 on the shift screen): the customer's card scanned or their phone
typed, what of their bonuses can be paid out shown, then the amount; Enter pays it out of this
shift's drawer through torgtui.marketing.cashout (which checks the permission, the bonuses and
the cash in the drawer, and refuses in words with nothing written)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label

from torgtui.customers.service import find_by_phone_or_card
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.marketing import cashout
from torgtui.money import format_money
from torgtui.screens.office import Failed, OfficeJobs
from torgtui.values import parse_money

if TYPE_CHECKING:
    from torgtui.models import Shift


class CashOutDialog(OfficeJobs, ModalScreen["cashout.CashOut | None"]):
    """Customer, then amount; dismisses with the :class:`~torgtui.marketing.cashout.CashOut`
    done, or None on Escape."""

    DEFAULT_CSS = """
    CashOutDialog { align: center middle; }
    CashOutDialog .dialog-box {
        width: 64; max-width: 100%; height: auto; border: round $primary;
        background: $surface; padding: 0 1;
    }
    CashOutDialog .dialog-title { width: 100%; text-style: bold; color: $primary; }
    CashOutDialog .dialog-hint { width: 100%; color: $text-muted; }
    CashOutDialog #cashout-message { width: 100%; color: $error; text-style: bold; }
    """
    AUTO_FOCUS = "#cashout-customer"
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="cashout.cancel")]

    def __init__(self, shift: Shift, *, fiscal: bool) -> None:
        super().__init__()
        self.shift = shift
        self.fiscal = fiscal
        self.customer_id: int | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(_("Bonus cash-out: bonuses paid in cash"), classes="dialog-title")
            yield Label(
                _("Scan the card or type the phone, Enter; then the amount, Enter."),
                classes="dialog-hint",
            )
            yield Input(placeholder=_("Card or phone"), id="cashout-customer")
            yield Label("", id="cashout-customer-info", markup=False)
            yield Input(placeholder=_("Amount, e.g. 500.00"), id="cashout-amount")
            yield Label("", id="cashout-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def say(self, text: str) -> None:
        self.query_one("#cashout-message", Label).update(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#cashout-message", Label).content)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.busy:
            return
        if event.input.id == "cashout-customer":
            self.find(event.value)
        else:
            self.pay(event.value)

    def find(self, text: str) -> None:
        now = self.app.clock()

        def look() -> tuple[int, str, int]:
            customer = find_by_phone_or_card(text)
            if customer is None:
                raise ValidationError(
                    _("No active card has the number or phone {text!r}.").format(text=text[:40])
                )
            return customer.id, customer.name, cashout.cashable(customer.id, now)

        def found(result: tuple[int, str, int]) -> None:
            self.customer_id, name, have = result
            self.query_one("#cashout-customer-info", Label).update(
                _("{name}: {have} in bonuses can be paid out.").format(
                    name=name, have=format_money(have)
                )
            )
            self.say("")
            self.query_one("#cashout-amount", Input).focus()

        self.customer_id = None
        self.job(look, found)

    def pay(self, text: str) -> None:
        if self.customer_id is None:
            self.say(_("Find the customer first: scan the card or type the phone, Enter."))
            self.query_one("#cashout-customer", Input).focus()
            return
        try:
            amount = parse_money(text, _("The amount"))
        except TorgError as exc:
            self.say(exc.message)
            return
        customer_id, shift, by, clock = (
            self.customer_id,
            self.shift,
            self.app.employee,
            self.app.clock,
        )
        fiscal = self.fiscal
        self.busy = True

        def done(result: object) -> None:
            self.busy = False
            if isinstance(result, Failed):
                self.say(result.message)
                return
            self.dismiss(result)  # type: ignore[arg-type]

        self.job(
            lambda: cashout.cash_out_bonuses(
                customer_id, amount, shift=shift, by=by, clock=clock, fiscal=fiscal
            ),
            done,
            failures=True,
        )

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)
