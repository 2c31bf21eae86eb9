"""Taking payment (F12 or "+" on the sale screen): cash, card, or card and cash together.

The change is worked out live by ``checkout.settle``; Enter commits the sale in a thread worker
with the draft's UUID, so pressing Enter twice, or retrying after an error, never makes two
receipts. Dismisses with the committed Receipt, or None when the cashier goes back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label

from torgtui import db
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.models import Receipt, Shift
from torgtui.money import format_money, round_cash
from torgtui.sales.aftersale import after_sale
from torgtui.sales.basket import Basket
from torgtui.sales.checkout import Settlement, Tender, commit_sale, settle
from torgtui.values import parse_money

if TYPE_CHECKING:
    from torgtui.app import TorgApp

MODES = ("cash", "card", "mixed")


class PaymentScreen(ModalScreen[Receipt | None]):
    """Pay ``basket`` (already priced): F2 cash, F3 card, F4 card and cash; Enter pays."""

    DEFAULT_CSS = """
    PaymentScreen {
        align: center middle;
    }
    PaymentScreen > Vertical {
        width: 60;
        max-width: 100%;
        height: auto;
        border: round $success;
        background: $surface;
        padding: 0 1;
    }
    PaymentScreen #pay-total {
        text-style: bold;
        color: $success;
    }
    PaymentScreen #pay-mode {
        text-style: bold;
    }
    PaymentScreen #pay-change {
        text-style: bold;
    }
    PaymentScreen #pay-message {
        color: $error;
        text-style: bold;
    }
    PaymentScreen Input {
        margin: 0;
    }
    """
    AUTO_FOCUS = "#pay-cash"
    BINDINGS = [
        Binding("f2", "mode('cash')", _("Cash"), id="pay.cash"),
        Binding("f3", "mode('card')", _("Card"), id="pay.card"),
        Binding("f4", "mode('mixed')", _("Card+cash"), id="pay.mixed"),
        Binding("escape", "back", _("Back"), id="pay.back"),
    ]

    app: TorgApp

    def __init__(self, basket: Basket, *, uuid: str, shift: Shift) -> None:
        super().__init__()
        self.basket = basket
        self.uuid = uuid
        self.shift = shift
        self.total = basket.total
        self.mode = "cash"
        self.committing = False
        self.receipt: Receipt | None = None

    @property
    def cash_step(self) -> int:
        return self.app.settings.money.cash_rounding

    def compose(self) -> ComposeResult:
        due_cash = round_cash(self.total, self.cash_step)
        total = _("To pay: {total}").format(total=format_money(self.total))
        if due_cash != self.total:
            total += "  " + _("(in cash {cash})").format(cash=format_money(due_cash))
        with Vertical():
            yield Label(total, id="pay-total", markup=False)
            yield Label("", id="pay-mode", markup=False)
            yield Input(placeholder=_("Card part"), id="pay-card")
            yield Input(placeholder=_("Cash handed over (Enter: exact)"), id="pay-cash")
            yield Label("", id="pay-change", markup=False)
            yield Label("", id="pay-message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.action_mode("cash")

    # --- modes and the live change -------------------------------------------------------

    def action_mode(self, mode: str) -> None:
        if self.committing:
            return
        self.mode = mode
        titles = {
            "cash": _("Cash: type what is handed over, or just Enter"),
            "card": _("Card: the whole amount; Enter once the terminal approves"),
            "mixed": _("Card and cash: the card part, Enter, then the cash"),
        }
        self.query_one("#pay-mode", Label).update(titles[mode])
        card = self.query_one("#pay-card", Input)
        cash = self.query_one("#pay-cash", Input)
        card.display = mode == "mixed"
        cash.display = mode != "card"
        (card if mode == "mixed" else cash).focus()
        if mode == "card":
            self.set_focus(None)
        self.show_change()

    def card_part(self) -> int:
        """The card part typed in card + cash (0 when empty); ValidationError if unreadable or
        not less than the total (then it is a card payment: F3)."""
        text = self.query_one("#pay-card", Input).value
        card = parse_money(text, _("The card part")) if text.strip() else 0
        if card >= self.total:
            message = _("The card part must be less than {total}: for all of it by card, F3.")
            raise ValidationError(message.format(total=format_money(self.total)))
        return card

    def tenders(self) -> list[Tender]:
        """The tenders the fields describe; raises ValidationError for what cannot be read."""
        if self.total <= 0:
            return []
        if self.mode == "card":
            return [Tender("card", self.total)]
        card = self.card_part() if self.mode == "mixed" else 0
        tenders = [Tender("card", card)] if card else []
        cash_text = self.query_one("#pay-cash", Input).value
        if cash_text.strip():
            given = parse_money(cash_text, _("The cash handed over"))
        else:
            given = round_cash(max(0, self.total - card), self.cash_step)
        if given or not tenders:
            tenders.append(Tender("cash", given))
        return tenders

    def settlement(self) -> Settlement:
        return settle(self.total, self.tenders(), self.cash_step)

    def show_change(self) -> Settlement | None:
        """Show the change, or (on the one message line) what is wrong; returns the settlement
        when it adds up."""
        label = self.query_one("#pay-change", Label)
        try:
            result = self.settlement()
        except TorgError as exc:
            label.update("")
            self.say(exc.message)
            return None
        label.update(_("Change: {change}").format(change=format_money(result.change)))
        if not self.committing:
            self.say("")
        return result

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.show_change()

    # --- paying --------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "pay-card":
            try:
                self.card_part()
            except TorgError as exc:  # stay on the card part: it is what must change
                self.say(exc.message)
                event.input.focus()
                event.input.select_all()
                return
            if not self.query_one("#pay-cash", Input).value:
                self.query_one("#pay-cash", Input).focus()
                self.show_change()
                return
        self.pay()

    def key_enter(self) -> None:
        """Enter with no field focused (card mode) pays too."""
        if self.focused is None:
            self.pay()

    def pay(self) -> None:
        """Commit once: a second Enter while committing is ignored."""
        if self.committing or self.receipt is not None:
            return
        try:
            tenders = self.tenders()
            settle(self.total, tenders, self.cash_step)
        except TorgError as exc:
            self.say(exc.message)
            return
        self.committing = True
        self.say(_("Saving the sale..."), error=False)
        self.commit(tenders)

    @work(thread=True, exclusive=True, group="commit", exit_on_error=False)
    def commit(self, tenders: list[Tender]) -> None:
        app = self.app
        settings = app.settings
        try:
            with db.database.connection_context():
                result: Receipt | str = commit_sale(
                    self.basket,
                    tenders,
                    uuid=self.uuid,
                    employee=app.employee,
                    shift=self.shift,
                    cash_step=settings.money.cash_rounding,
                    clock=app.clock,
                    fiscal=settings.devices.fiscal != "none",
                    below_cost=settings.register.below_cost,
                )
                after_sale(result, settings, clock=app.clock)
        except TorgError as exc:
            result = exc.message
        except peewee.DatabaseError as exc:
            result = db.explain(exc, settings.database.url).message
        app.call_from_thread(self.committed, result)

    def committed(self, result: Receipt | str) -> None:
        self.committing = False
        if isinstance(result, str):
            self.say(_("Not paid: {error} The receipt is as it was.").format(error=result))
            return
        self.receipt = result
        self.dismiss(result)

    def say(self, text: str, *, error: bool = True) -> None:
        label = self.query_one("#pay-message", Label)
        label.update(text)
        label.set_class(not error, "-info")

    def action_back(self) -> None:
        if not self.committing:
            self.dismiss(None)
