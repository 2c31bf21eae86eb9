"""The sale screen's receipt as a whole: paying (F12: lines below cost confirmed first, then
the payment dialog), hold and recall (F8), the banner after payment (the
change, what the sale did to the customer's card, the festive promotions it confirmed and a
pre-order's prepayment given back), printing in a worker and reprinting
(F9). A mixin of :class:`~torgtui.screens.sale.SaleScreen`, apart to keep both short."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import peewee
from textual import work

from torgtui import approvals, db
from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.models import Receipt
from torgtui.money import format_money
from torgtui.sales import shifts
from torgtui.screens.sale_dialogs import ConfirmScreen, PickScreen
from torgtui.screens.sale_loyalty import paid_words, receipt_info
from torgtui.screens.sale_promotions import paid_promotion_words
from torgtui.widgets.receipt_view import ReceiptLines

if TYPE_CHECKING:
    from torgtui.app import TorgApp
    from torgtui.hw.printer import PrintOutcome
    from torgtui.models import Shift
    from torgtui.sales.basket import Basket
    from torgtui.sales.register import Register

CHANGE_SECONDS = 6.0


class ReceiptActions:
    """Hold, recall, after payment and printing (needs the SaleScreen's helpers)."""

    app: TorgApp
    register: Register | None
    selected: int | None
    shift: Shift | None
    last_receipt: Receipt | None
    change_timer: Any  # the paid banner's (see paid)
    is_attached: bool
    code: Any

    if TYPE_CHECKING:

        def say(self, text: str, *, severity: str = "error", bell: bool = False) -> None: ...
        def run(self, change: Callable[[], object]) -> bool: ...
        def show_receipt(self) -> None: ...
        def add_code(self, text: str) -> None: ...
        def fiscal_counted(self, waiting: int) -> None: ...
        def approved(self, change: Callable[..., object], then: Any = None) -> None: ...
        def facts_for(self, customer_id: int | None) -> Any: ...
        def query_one(self, selector: str, expect_type: Any = None) -> Any: ...
        def set_timer(self, delay: float, callback: Callable[[], object]) -> Any: ...

    def action_pay_exact(self) -> None:
        """End: paid in exact cash at once, without the payment panel (the quick path of a
        busy till). Whatever needs a word first (a line below cost, a pre-order's
        prepayment, a VIP who may buy on account) opens the panel as F12 does."""
        self.action_pay(exact=True)

    def action_pay(self, exact: bool = False) -> None:
        """F12: lines below cost are confirmed first (which line, by how much), then pay."""
        assert self.register is not None
        if self.shift is None:
            self.say(_("No open shift: press F10 to open one (with the cash float)."))
            return
        if not self.register.basket.lines or self.register.uuid is None:
            self.say(_("The receipt is empty: scan something first."))
            return
        self.code.value = ""
        reg = self.register
        try:
            # what the screen shows (priced when the receipt last changed): the check and
            # the payment take the same, and the checkout prices it again in its transaction
            priced = reg.priced_as_shown()
            needed = reg.below_cost_needed(priced)
        except TorgError as exc:
            self.say(exc.message)
            return
        if needed is None:
            self.open_payment(exact=exact, priced=priced)
            return
        confirm = partial(
            self.approved, reg.confirm_below_cost, partial(self.open_payment, exact=exact)
        )
        if not approvals.may(self.app.employee, needed.action, needed.facts):
            confirm()  # the service's message names the lines; someone who may confirms
            return
        priced = reg.priced()
        lines = ", ".join(
            f"{ln.name} −{format_money(ln.below_cost)}" for ln in priced.lines if ln.below_cost
        )
        question = _("This receipt sells below cost by {amount} ({lines}). Sell it so?").format(
            amount=format_money(priced.below_cost), lines=lines
        )
        self.app.push_screen(ConfirmScreen(question), lambda yes: confirm() if yes else None)

    def open_payment(self, exact: bool = False, priced: Basket | None = None) -> None:
        """The payment panel over the receipt's lines (see :mod:`.payment`); ``exact``: paid
        in exact cash at once, the panel shown only if something needs the cashier."""
        from torgtui.screens.payment import PaymentPanel

        assert self.register is not None and self.register.uuid is not None
        if self.shift is None:
            return
        priced = priced if priced is not None else self.register.priced()
        facts = self.facts_for(priced.customer_id)
        panel = self.query_one("#sale-pay", PaymentPanel)
        panel.start(
            priced,
            uuid=self.register.uuid,
            shift=self.shift,
            customer=facts,
            reprice=self.register.priced,
            done=self.payment_closed,
            exact=exact,
        )

    def payment_closed(self, receipt: Receipt | None) -> None:
        """The panel closed: paid (a new receipt) or back to this one; then the scans it held,
        in the order they came (the next customer's goods, or this one's after Escape)."""
        from torgtui.screens.payment import PaymentPanel

        if receipt is not None:
            self.paid(receipt)
        if self.app.focused is not self.code:  # after End it never left: focus() repaints
            # the field, and that repaint came as a frame of its own after the paid one
            self.code.focus()
        for code in self.query_one("#sale-pay", PaymentPanel).take_held_scans():
            self.add_code(code)

    def action_hold(self) -> None:
        """F8: hold the receipt; on an empty one, list every unfinished receipt to recall."""
        assert self.register is not None
        reg = self.register
        if reg.basket.lines:
            if self.run(reg.hold):
                self.selected = None
                self.say(
                    _("Receipt held: press F8 on an empty receipt to recall it."),
                    severity="information",
                )
            return
        try:
            drafts = self.unfinished()
        except peewee.DatabaseError as exc:
            self.say(db.explain(exc, self.app.settings.database.url).message)
            return
        if not drafts:
            self.say(_("No receipts are held."), severity="warning")
            return
        from torgtui.screens.held import HeldScreen

        by_uuid = {d.uuid: d for d in drafts}

        def recall(uuid: str) -> None:
            if by_uuid[uuid].status == "open":  # own, left open in another session
                shifts.hold_left_open(uuid, self.app.employee, clock=self.app.clock)
            reg.recall(uuid)

        def chosen(uuid: str | None) -> None:
            if uuid in by_uuid and self.run(lambda: recall(uuid)):
                self.selected = len(reg.basket.lines) - 1 if reg.basket.lines else None
                self.show_receipt()

        self.app.push_screen(HeldScreen(drafts, self.app.clock()), chosen)

    def unfinished(self) -> list:
        """Held receipts (anyone's) and this cashier's receipts open in another session."""
        assert self.register is not None
        mine = self.register.draft.uuid if self.register.draft is not None else None
        held = {d.uuid: d for d in self.register.held()}
        for draft in shifts.unfinished_receipts(self.app.employee.id):
            if draft.uuid != mine:
                held.setdefault(draft.uuid, draft)
        return sorted(held.values(), key=lambda d: (d.updated_at, d.id))

    def paid(self, receipt: Receipt | None) -> None:
        """After the commit: a new receipt, the change shown big, the print in a worker."""
        if receipt is None or self.register is None:
            return
        self.register.forget()
        self.selected = None
        self.last_receipt = receipt
        change = int(getattr(receipt, "change", 0) or 0)
        text = _("Receipt {number} paid.  CHANGE {change}").format(
            number=receipt.number, change=format_money(change)
        )
        info = receipt_info(receipt)
        to_card, loyalty = paid_words(info)  # bonuses, tier, on account
        if to_card:
            text += f"  ({to_card})"
        promotions = paid_promotion_words(info, getattr(receipt, "given_back", ()))
        lines = self.query_one("#sale-lines", ReceiptLines)
        lines.show([], None)  # the paid receipt's lines go, the banner takes their place
        lines.show_banner([text, *loyalty, *promotions])
        if self.app.settings.register.lock_after_receipt:
            self.show_receipt()  # all of it before the lock screen covers it
        else:  # "paid" first, in a frame of the receipt area alone (the totals, the customer's
            # and the state lines of the new receipt rendered with it were two thirds of that
            # frame, docs/performance.md), the rest with the next frame, as the panel does
            self.call_after_refresh(self.show_receipt)
        # the last payment's banner stays its full time: the timer of the one before is
        # stopped (it hid this one a few seconds early when two sales came close together)
        previous = getattr(self, "change_timer", None)
        if previous is not None:
            previous.stop()
        self.change_timer = self.set_timer(CHANGE_SECONDS, self.hide_change)
        if self.app.devices is not None:  # after the paid frame: the print thread's Python
            # (the receipt's text, the fiscal queue) took the GIL from the frame (5 ms stalls)
            self.call_after_refresh(self.print_receipt, receipt)
        if self.app.settings.register.lock_after_receipt:  # a shared till (docs/till.md)
            self.app.action_lock()

    def hide_change(self) -> None:
        self.change_timer = None
        if self.is_attached:
            self.query_one("#sale-lines", ReceiptLines).show_banner([])

    @work(thread=True, group="sale-print", exit_on_error=False)
    def print_receipt(self, receipt: Receipt, again: bool = False) -> None:
        from torgtui.hw.printer import paid_in_cash

        devices = self.app.devices
        if devices is None:
            return
        with db.database.connection_context():
            if again:
                outcome = devices.reprint(receipt)
            else:
                outcome = devices.print_receipt(receipt, paid_in_cash(receipt))
            waiting = devices.fiscal_waiting()
        printer = devices.printer
        screen_printer = again and printer is not None and printer.screen
        shown = list(printer.screen_text) if screen_printer else []
        self.app.call_from_thread(self.printed, outcome, waiting, shown)

    def printed(self, outcome: PrintOutcome, waiting: int, shown: list[str] | None = None) -> None:
        """After a print: a failure in words; F9 on the ``screen`` printer shows the receipt."""
        if not outcome.ok:
            self.say(outcome.message, severity="warning")
        elif shown and self.is_attached:
            from torgtui.screens.sale_dialogs import ReceiptTextScreen

            self.app.push_screen(ReceiptTextScreen(shown))
        self.fiscal_counted(waiting)

    def action_reprint(self) -> None:
        from torgtui.hw.printer import unprinted_receipts

        if self.app.devices is None:
            self.say(_("No receipt printer is set up on this register."))
            return
        location = self.shift.location_id if self.shift is not None else None
        failed = unprinted_receipts(location=location)
        choices = list(failed)
        last = self.last_receipt
        if last is not None and all(r.id != last.id for r in choices):
            choices.insert(0, last)
        if not choices:
            self.say(_("No receipt to reprint yet: sell one first."), severity="warning")
            return
        if len(choices) == 1:
            self.print_receipt(choices[0], again=True)
            return
        by_id = {str(r.id): r for r in choices}

        def chosen(key: str | None) -> None:
            if key in by_id:
                self.print_receipt(by_id[key], again=True)

        options = [
            (
                str(r.id),
                f"N {r.number}  {r.created_at:%H:%M}  {format_money(r.total)}  "
                + (_("not printed") if r.print_status == "failed" else ""),
            )
            for r in choices
        ]
        self.app.push_screen(PickScreen(_("Reprint which receipt?"), options), chosen)
