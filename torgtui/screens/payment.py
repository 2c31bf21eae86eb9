"""Taking payment (F12 or "+" on the sale screen): cash, card, card and cash together, or for a
VIP customer on account (F5, within what their account still allows). The part paid with
bonuses (F2 at the register) is a tender of its own, shown above the rest; so is a
pre-order's prepayment (fixed: the whole of it pays first). A receipt that comes to less than
the prepayment is finished through ``preorders.finish``, which gives the difference back (the
way it was paid) in the same transaction.

When the commit is refused because the price moved under it (``PromotionMoved``: another
register took the Nth receipt or the birthday gift a moment ago; a promo code used elsewhere),
nothing was written: the receipt is priced again, the new total and why are shown, and the
cashier takes payment again with the same receipt UUID (never a second receipt).

The change is worked out live by ``checkout.settle``; with a customer attached, F6 puts the
change (or its coins, as the shop's policy says) on their card as bonuses
(``bonuses.change_to_card_amount``). Enter commits the sale in a thread worker with the
draft's UUID, so pressing Enter twice, or retrying after an error, never makes two receipts.
Closes with the committed Receipt (its ``info`` read back: bonuses, tier, on account), or
None when the cashier goes back.

A panel of the sale screen, not a screen of its own (issue 11, docs/performance.md): composed
once with the sale screen and shown over the receipt's lines, so opening it draws only its own
rows and paying redraws only what the sale changed. A modal screen was mounted (compose and
CSS) on every F12 and its closing repainted all 24 rows (15-20 KB): 30-100 ms of a cashier's
sale. Scans that arrive while it is open are held and entered when it closes (see
:meth:`PaymentPanel.hold_scan`): on the next receipt after a payment, on this one after Escape.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

import peewee
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import Input, Label

from torgtui import db
from torgtui.crashlog import write_crash_log
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.marketing.bonuses import change_to_card_amount
from torgtui.models import Receipt, Shift
from torgtui.money import format_money, round_cash
from torgtui.sales.aftersale import after_sale
from torgtui.sales.basket import Basket
from torgtui.sales.checkout import Settlement, Tender, commit_sale, settle
from torgtui.sales.why import explain
from torgtui.values import parse_money

if TYPE_CHECKING:
    from torgtui.app import TorgApp
    from torgtui.screens.sale_loyalty import CustomerFacts

MODES = ("cash", "card", "mixed", "account")
_WRITER: ThreadPoolExecutor | None = None


def till_writer() -> ThreadPoolExecutor:
    """The one thread that writes the register's sales, started on the first payment and
    kept: its database connection stays open and warm between receipts. A Textual thread
    worker per payment opened a connection (1.7 ms on SQLite, a cold page and statement
    cache after it) and cost a thread start and a round of messages (docs/performance.md);
    the UI thread never waits on the database meanwhile."""
    global _WRITER
    if _WRITER is None:
        _WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="till-writer")
    return _WRITER


def close_writer_connection() -> None:
    """Close the writer thread's connection (the app is ending; a test opens another shop)."""
    if _WRITER is not None:
        with contextlib.suppress(Exception):
            _WRITER.submit(_close_connection).result(timeout=5)


def _close_connection() -> None:
    if not db.database.is_closed():
        db.database.close()


@contextmanager
def writer_connection() -> Iterator[None]:
    """The writer thread's own connection, opened once and kept; closed after an error (the
    next payment opens a fresh one)."""
    db.database.connect(reuse_if_open=True)
    try:
        yield
    except BaseException:
        if not db.database.in_transaction():
            db.database.close()
        raise


AFTER_SALE_AFTER = 0.05  # s: the after-sale work waits for the paid frame
SAVING_SAYS_AFTER = 0.15  # seconds of commit before "Saving the sale..." shows
PREPAYMENT = "prepayment"  # the pre-order's tender (torgtui.marketing.preorder_checkout)


class PaymentPanel(Vertical, can_focus=True):
    """Pay the open receipt (already priced): F2 cash, F3 card, F4 card and cash, F5 on account
    (VIP); F6 change to the card; Enter pays; Escape goes back. Hidden until :meth:`start`."""

    DEFAULT_CSS = """
    PaymentPanel {
        display: none;
        layer: payment;  /* laid out apart: the sale screen's rows stay where they are */
        offset: 10 2;
        width: 60;
        max-width: 100%;
        height: auto;
        border: round $success;
        background: $surface;
        padding: 0 1;
    }
    PaymentPanel Label {
        width: 100%;
    }
    PaymentPanel #pay-total {
        text-style: bold;
        color: $success;
    }
    PaymentPanel #pay-bonus {
        display: none;
        color: $success;
    }
    PaymentPanel #pay-prepaid {
        display: none;
        color: $success;
    }
    PaymentPanel #pay-note {
        display: none;
        color: $warning;
        text-style: bold;
    }
    PaymentPanel #pay-mode {
        text-style: bold;
    }
    PaymentPanel #pay-change {
        text-style: bold;
    }
    PaymentPanel #pay-message {
        color: $error;
        text-style: bold;
    }
    PaymentPanel #pay-message.-info {
        color: $text;
    }
    PaymentPanel Input {
        margin: 0;
    }
    """
    BINDINGS = [
        Binding("f2", "mode('cash')", _("Cash"), id="pay.cash"),
        Binding("f3", "mode('card')", _("Card"), id="pay.card"),
        Binding("f4", "mode('mixed')", _("Card+cash"), id="pay.mixed"),
        Binding("f5", "mode('account')", _("On account"), id="pay.account"),
        Binding("f6", "to_card", _("To card"), id="pay.to_card"),
        Binding("escape", "back", _("Back"), id="pay.back"),
    ]

    app: TorgApp

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.is_open = False
        self.uuid = ""
        self.shift: Shift | None = None
        self.reprice: Callable[[], Basket] | None = None
        self.customer: CustomerFacts | None = None
        self.vip: Any = None
        self.mode = "cash"
        self.to_card = False  # F6: the change goes on the card
        self.committing = False
        self.receipt: Receipt | None = None
        self.done: Callable[[Receipt | None], object] | None = None
        self.held_scans: list[str] = []  # scanned while open (see hold_scan)
        self.saying_timer: Timer | None = None

    def start(
        self,
        basket: Basket,
        *,
        uuid: str,
        shift: Shift,
        customer: CustomerFacts | None = None,
        reprice: Callable[[], Basket] | None = None,
        done: Callable[[Receipt | None], object] | None = None,
        exact: bool = False,
    ) -> None:
        """Open for ``basket``: ``done`` gets the paid Receipt, or None when the cashier goes
        back (then the held scans, see :meth:`hold_scan`).

        ``exact`` (End at the register): pay it in exact cash at once, the panel not shown
        (no layout pass, no redraw of what it covers: docs/performance.md). It is shown when
        the cashier must decide something first (a pre-order's prepayment, a VIP who may buy
        on account) or when the payment is refused (the reason, and the keys to go on)."""
        self.uuid = uuid
        self.shift = shift
        self.reprice = reprice  # the register's pricing, after a refused commit
        self.take(basket)
        self.customer = customer  # the attached customer's facts (VIP, change policy)
        self.vip = customer.vip if customer is not None and customer.vip else None
        self.mode = "cash"
        self.to_card = False
        self.committing = False
        self.receipt = None
        self.done = done
        for selector in ("#pay-card", "#pay-account", "#pay-cash"):
            self.query_one(selector, Input).value = ""
        self.query_one("#pay-note", Label).display = False
        self.is_open = True
        if exact and self.preorder is None and not self.on_account:
            self.mode = "cash"
            self.pay()  # hidden; holds scans and refuses a second key as the panel does
            if self.committing:
                return
        self.show()

    def show(self) -> None:
        """The panel on screen, in cash mode (or the mode it was in)."""
        self.display = True
        self.show_amounts()
        self.action_mode(self.mode)
        self.screen.refresh_bindings()

    def dismiss(self, result: Receipt | None) -> None:
        """Close with ``result`` (the paid receipt, or None: back to the receipt)."""
        if not self.is_open:
            return
        self.is_open = False
        self.committing = False
        self.display = False
        done, self.done = self.done, None
        self.screen.refresh_bindings()
        if done is not None:
            done(result)

    def hold_scan(self, code: str) -> None:
        """A scan while the panel is open (a scanner's burst, told from typing by the app's
        scan guard): never typed into an amount and never lost. It is kept and entered into
        the code field when the panel closes: on the next receipt after a payment (the next
        customer's goods), on this receipt after Escape."""
        self.held_scans.append(code)
        if not self.committing:
            self.say(self.held_words(), error=False)

    def held_words(self) -> str:
        """What the message line says of the scans held ("" for none)."""
        if not self.held_scans:
            return ""
        return _("Scan {code} kept: it goes on the next receipt (Escape: on this one).").format(
            code=", ".join(self.held_scans)
        )

    def take_held_scans(self) -> list[str]:
        held, self.held_scans = self.held_scans, []
        return held

    def take(self, basket: Basket) -> None:
        """The amounts of ``basket`` (priced): its total, what bonuses and the pre-order's
        prepayment pay of it, what goes back of the prepayment and what is left to pay."""
        self.basket = basket
        self.total = basket.total
        self.bonus = int((basket.info.get("bonus") or {}).get("spend", 0))  # paid with bonuses
        preorder: Any = basket.info.get("preorder")
        self.preorder = dict(preorder) if isinstance(preorder, dict) else None
        self.prepaid = int(self.preorder.get("prepaid", 0)) if self.preorder else 0
        self.from_prepayment = min(self.prepaid, self.total)
        self.given_back = self.prepaid - self.from_prepayment  # finish gives it back first
        to_pay = explain(basket)["to_pay"] if self.bonus else self.total
        # what the gift certificates scanned pay (torgtui.marketing.certificates_sale)
        self.certificate = int((basket.info.get("certificates") or {}).get("pay", 0))
        self.due = to_pay - self.from_prepayment - self.certificate  # the rest
        self.promotions = [p.get("name", "") for p in basket.info.get("promotions") or []]

    @property
    def cash_step(self) -> int:
        return self.app.settings.money.cash_rounding

    @property
    def on_account(self) -> bool:
        """Whether the attached customer may buy on account (a VIP in any mode)."""
        return self.vip is not None and bool(self.vip.mode)

    def compose(self) -> ComposeResult:
        yield Label("", id="pay-total", markup=False)
        yield Label("", id="pay-bonus", markup=False)
        yield Label("", id="pay-prepaid", markup=False)
        yield Label("", id="pay-mode", markup=False)
        yield Input(placeholder=_("Card part"), id="pay-card", compact=True)
        yield Input(placeholder=_("On account (Enter: all)"), id="pay-account", compact=True)
        yield Input(placeholder=_("Cash handed over (Enter: exact)"), id="pay-cash", compact=True)
        yield Label("", id="pay-change", markup=False)
        yield Label("", id="pay-note", markup=False)
        yield Label("", id="pay-message", markup=False)

    def show_amounts(self) -> None:
        """What is left to pay (and in cash, rounded), the bonuses and the prepayment."""
        due = max(self.due, 0)
        due_cash = round_cash(due, self.cash_step)
        total = _("To pay: {total}").format(total=format_money(due))
        if due_cash != due:
            total += "  " + _("(in cash {cash})").format(cash=format_money(due_cash))
        self.query_one("#pay-total", Label).update(total)
        bonus = self.query_one("#pay-bonus", Label)
        paid_by = []
        if self.bonus:
            paid_by.append(
                _("Bonuses pay {bonus} of {total}").format(
                    bonus=format_money(self.bonus), total=format_money(self.total)
                )
            )
        if self.certificate:
            paid_by.append(
                _("Gift certificates pay {amount} of {total}").format(
                    amount=format_money(self.certificate), total=format_money(self.total)
                )
            )
        bonus.update("; ".join(paid_by))
        bonus.display = bool(paid_by)
        prepaid = self.query_one("#pay-prepaid", Label)
        prepaid.display = self.preorder is not None
        if self.preorder is None:
            return
        code = self.preorder.get("code", "")
        if self.given_back:
            text = _(
                "Prepaid {prepaid} for {code}; the receipt is {total}: {back} goes back"
            ).format(
                prepaid=format_money(self.prepaid),
                code=code,
                total=format_money(self.total),
                back=format_money(self.given_back),
            )
        else:
            text = _("Prepayment for {code}: {prepaid} of {total}, paid first").format(
                code=code, prepaid=format_money(self.prepaid), total=format_money(self.total)
            )
        prepaid.update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """On account only for a VIP customer; change to the card only with a customer and
        when the shop's policy allows it (both hidden from the footer otherwise)."""
        if not self.is_open:
            return False
        if action == "mode" and parameters == ("account",):
            return self.on_account
        if action == "to_card":
            return self.customer is not None and self.customer.change_to_card != "off"
        return True

    # --- modes and the live change -------------------------------------------------------

    def action_mode(self, mode: str) -> None:
        if self.committing:
            return
        self.mode = mode
        if mode == "account" and not self.on_account:
            return
        titles = {
            "cash": _("Cash: type what is handed over, or just Enter"),
            "card": _("Card: the whole amount; Enter once the terminal approves"),
            "mixed": _("Card and cash: the card part, Enter, then the cash"),
            "account": _("On account, up to {available}: the part (Enter: all), then cash"),
        }
        available = format_money(self.vip.available) if self.vip is not None else ""
        title = titles[mode].format(available=available)
        if self.due <= 0 and self.given_back:
            title = _("The prepayment pays it all, {back} goes back: press Enter.").format(
                back=format_money(self.given_back)
            )
        elif self.due <= 0 and self.prepaid:
            title = _("The prepayment pays it all: press Enter.")
        elif self.due <= 0 and self.certificate:
            title = _("Paid with gift certificates in full: press Enter.")
        elif self.due <= 0:
            title = _("Paid with bonuses in full: press Enter.")
        self.query_one("#pay-mode", Label).update(title)
        card = self.query_one("#pay-card", Input)
        account = self.query_one("#pay-account", Input)
        cash = self.query_one("#pay-cash", Input)
        card.display = mode == "mixed"
        account.display = mode == "account"
        cash.display = mode != "card"
        vip = self.vip
        if mode == "account" and not account.value and vip and self.due > vip.available:
            account.value = format_money(vip.available, symbol=False)  # the rest in cash
        self.focus_field()
        self.show_change()

    def focus_field(self) -> None:
        """The mode's field takes the keys; in card mode the panel itself (Enter pays)."""
        fields = {"mixed": "#pay-card", "account": "#pay-account", "card": None}
        selector = fields.get(self.mode, "#pay-cash")
        if selector is None:
            self.focus()
        else:
            self.query_one(selector, Input).focus()

    def action_to_card(self) -> None:
        """F6: the change goes on the customer's card as bonuses (again: handed over)."""
        if self.committing or not self.check_action("to_card", ()):
            return
        self.to_card = not self.to_card
        self.show_change()

    def change_to_card(self, settlement: Settlement) -> int:
        """What of the change goes on the card (the shop's policy decides: all or coins)."""
        if not self.to_card or self.customer is None:
            return 0
        return change_to_card_amount(settlement.change, self.customer.change_to_card)

    def card_part(self) -> int:
        """The card part typed in card + cash (0 when empty); ValidationError if unreadable or
        not less than the total (then it is a card payment: F3)."""
        text = self.query_one("#pay-card", Input).value
        card = parse_money(text, _("The card part")) if text.strip() else 0
        if card >= self.due:
            message = _("The card part must be less than {total}: for all of it by card, F3.")
            raise ValidationError(message.format(total=format_money(self.due)))
        return card

    def account_part(self) -> int:
        """The part on account (empty: all that is due); ValidationError beyond what is due or
        what the customer's account still allows (the service decides again at commit)."""
        text = self.query_one("#pay-account", Input).value
        part = parse_money(text, _("The part on account")) if text.strip() else self.due
        if part > self.due:
            raise ValidationError(
                _("At most {total} can go on account: that is all there is to pay.").format(
                    total=format_money(self.due)
                )
            )
        available = self.vip.available if self.vip is not None else 0
        if part > available:
            raise ValidationError(
                _("{name} may buy at most {available} on account: type that or less.").format(
                    name=self.vip.name if self.vip is not None else "",
                    available=format_money(available),
                )
            )
        return part

    def tenders(self) -> list[Tender]:
        """The tenders the fields describe (the bonuses and the prepayment first); raises
        ValidationError for what cannot be read."""
        tenders = [Tender("bonus", self.bonus)] if self.bonus else []
        if self.certificate:
            tenders.append(Tender("certificate", self.certificate))
        if self.prepaid:
            if self.bonus and (self.given_back or self.due < 0):
                raise ValidationError(
                    _(
                        "The prepayment pays {prepaid} of this receipt: pay at most {most} with "
                        "bonuses (0 then F2 at the register: none)."
                    ).format(
                        prepaid=format_money(self.from_prepayment),
                        most=format_money(max(self.total - self.from_prepayment, 0)),
                    )
                )
            if self.from_prepayment:
                tenders.append(Tender(PREPAYMENT, self.from_prepayment))
        if self.due <= 0:
            return tenders
        if self.mode == "card":
            return [*tenders, Tender("card", self.due)]
        part, kind = 0, "card"
        if self.mode == "mixed":
            part = self.card_part()
        elif self.mode == "account":
            part, kind = self.account_part(), "credit"
        money = [Tender(kind, part)] if part else []
        cash_text = self.query_one("#pay-cash", Input).value
        if cash_text.strip():
            given = parse_money(cash_text, _("The cash handed over"))
        else:
            given = round_cash(max(0, self.due - part), self.cash_step)
        if given or not money:
            money.append(Tender("cash", given))
        return [*tenders, *money]

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
        text = _("Change: {change}").format(change=format_money(result.change))
        to_card = self.change_to_card(result)
        if to_card:
            text += " · " + _("{amount} to the card (F6: undo)").format(
                amount=format_money(to_card)
            )
        elif self.to_card:
            text += " · " + _("nothing to put on the card")
        elif result.change and self.check_action("to_card", ()):
            text += " · " + _("F6: onto the card")
        label.update(text)
        if not self.committing:
            self.say(self.held_words(), error=False)  # an error said before is over
        return result

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.show_change()

    # --- paying --------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id in ("pay-card", "pay-account"):
            try:
                part = self.card_part() if event.input.id == "pay-card" else self.account_part()
            except TorgError as exc:  # stay on the part: it is what must change
                self.say(exc.message)
                event.input.focus()
                event.input.select_all()
                return
            if part < self.due and not self.query_one("#pay-cash", Input).value:
                self.query_one("#pay-cash", Input).focus()
                self.show_change()
                return
        self.pay()

    def key_enter(self) -> None:
        """Enter on the panel itself (card mode: no field) pays too."""
        if self.screen.focused is self:
            self.pay()

    def pay(self) -> None:
        """Commit once: a second Enter while committing is ignored."""
        if self.committing or self.receipt is not None:
            return
        try:
            tenders = self.tenders()
            to_card = self.change_to_card(settle(self.total, tenders, self.cash_step))
        except TorgError as exc:
            self.say(exc.message)
            return
        self.committing = True
        # said only when the commit is slow (a busy database): a message that came and went
        # in a few ms cost a layout pass and a frame of its own
        self.saying_timer = self.set_timer(SAVING_SAYS_AFTER, self.say_saving)
        # the focus stays where it is: moving it restyled the panel and all its fields twice
        # (6-8 ms); a second Enter is ignored (committing) and scans are held (hold_scan)
        self.commit(tenders, to_card)

    def commit(self, tenders: list[Tender], to_card: int = 0) -> None:
        """Commit on the register's writer thread (see :func:`till_writer`); the result comes
        back to :meth:`committed` on the UI thread."""
        context = contextvars.copy_context()  # the active app, as Textual's workers have it
        future = asyncio.get_running_loop().run_in_executor(
            till_writer(), context.run, self.commit_in_thread, tenders, to_card
        )
        # an async worker (no thread of its own): the app knows a commit is under way, as
        # tests and a quitting app wait for workers
        self.run_worker(self.wait_commit(future), group="commit", exit_on_error=False)

    async def wait_commit(self, future: asyncio.Future[Receipt | str]) -> None:
        try:
            result = await future
        except Exception:  # a bug: written down, said, and the receipt stays open to retry
            path = write_crash_log(["pay"])
            result = _("Not saved: an error in the register ({log}). Try again.").format(
                log=path or "-"
            )
        self.committed(result)
        if not isinstance(result, str):  # the customer's interests: after the sale is on screen
            # a few ms of Python on the writer thread: started at once, it took the GIL from
            # the frame that shows "paid" (End -> paid 11 -> 20 ms); so it waits for a frame
            context = contextvars.copy_context()
            self.app.set_timer(
                AFTER_SALE_AFTER,
                partial(till_writer().submit, context.run, self.after_sale_in_thread, result),
            )

    def after_sale_in_thread(self, receipt: Receipt) -> None:
        """What follows the sale outside its transaction (torgtui.sales.aftersale), on the
        writer thread after the sale is on screen: the cashier never waits for it, and the
        next payment's commit queues behind it."""
        app = self.app
        with contextlib.suppress(Exception), writer_connection():
            after_sale(receipt, app.settings, clock=app.clock)

    def commit_in_thread(self, tenders: list[Tender], to_card: int = 0) -> Receipt | str:
        app = self.app
        settings = app.settings
        try:
            with writer_connection():
                if self.given_back:
                    result: Receipt | str = self.finish_preorder(tenders)
                else:
                    result = commit_sale(
                        self.basket,
                        tenders,
                        uuid=self.uuid,
                        employee=app.employee,
                        shift=self.shift,
                        cash_step=settings.money.cash_rounding,
                        clock=app.clock,
                        fiscal=settings.devices.fiscal != "none",
                        below_cost=settings.register.below_cost,
                        change_to_card=to_card,
                        verification=settings.verification,
                    )
                # what the sale hooks said (bonuses, a tier moved up, on account), for the
                # banner after payment: written in the commit, not on the returned receipt
                result.info = (
                    Receipt.select(Receipt.info).where(Receipt.id == result.id).scalar() or ""
                )
        except TorgError as exc:
            result = exc.message
        except peewee.DatabaseError as exc:
            result = db.explain(exc, settings.database.url).message
        return result

    def finish_preorder(self, tenders: list[Tender]) -> Receipt:
        """A receipt cheaper than its pre-order's prepayment: ``preorders.finish`` gives the
        difference back first and pays the receipt with the rest of it (on the worker's
        thread). The receipt carries what went back (``given_back``) for the banner."""
        from torgtui.marketing import preorders
        from torgtui.marketing.preorder_common import by_number, number_of

        code = str((self.preorder or {}).get("code", ""))
        number = number_of(code)
        found = by_number(number) if number is not None else None
        if found is None:
            raise ValidationError(
                _("There is no pre-order {code}: delete its code.").format(code=code)
            )
        settings = self.app.settings
        done = preorders.finish(
            found.id,
            [t for t in tenders if t.kind != PREPAYMENT],
            uuid=self.uuid,
            employee=self.app.employee,
            shift=self.shift,
            cash_step=settings.money.cash_rounding,
            basket=self.basket,
            clock=self.app.clock,
            fiscal=settings.devices.fiscal != "none",
            below_cost=settings.register.below_cost,
        )
        receipt = done.receipt
        receipt.given_back = done.given_back  # type: ignore[attr-defined]
        receipt.change = done.change  # type: ignore[attr-defined]
        return receipt

    def say_saving(self) -> None:
        if self.committing and self.display:
            self.say(_("Saving the sale..."), error=False)
        elif self.committing:  # End: the panel is not shown
            self.screen.say(_("Saving the sale..."), severity="information")  # type: ignore[attr-defined]

    def committed(self, result: Receipt | str) -> None:
        if self.saying_timer is not None:
            self.saying_timer.stop()
            self.saying_timer = None
        if not self.is_open:
            return
        self.committing = False
        if isinstance(result, str):
            if not self.display:  # End: refused, so the cashier sees why and the keys
                self.show()
            self.not_paid(result)
            self.focus_field()  # back to the field that was being typed
            return
        self.receipt = result
        if not self.display:  # End: the paid banner on the receipt is the message
            self.dismiss(result)
            return
        # "paid" first where the cashier looks, in one row of this panel (no layout), then the
        # panel closes on the next frame: closing reflows the screen and redraws what it
        # covered, and the paid banner, the customer's card and the new receipt come with it
        change = format_money(int(getattr(result, "change", 0) or 0))
        message = self.query_one("#pay-message", Label)
        message.update(
            _("Receipt {number} paid.  CHANGE {change}").format(
                number=result.number, change=change
            ),
            layout=False,
        )
        message.set_class(True, "-info")
        self.call_after_refresh(self.dismiss, result)

    def not_paid(self, error: str) -> None:
        """Nothing was written. When the price moved under the commit (a promotion's Nth
        receipt or birthday gift taken by another register, a code used elsewhere), price the
        receipt again and show the new total and what changed: Enter pays again, with the
        same receipt UUID."""
        before, names = self.total, self.promotions
        if self.reprice is not None:
            try:
                self.take(self.reprice())
            except TorgError as exc:
                self.say(_("Not paid: {error}").format(error=exc.message))
                return
        if self.total == before and self.promotions == names:
            self.say(_("Not paid: {error} The receipt is as it was.").format(error=error))
            return
        self.show_amounts()
        note = _("Priced again: {total} now, was {before}.").format(
            total=format_money(self.total), before=format_money(before)
        )
        gone = [n for n in names if n not in self.promotions]
        new = [n for n in self.promotions if n not in names]
        if gone:
            note += " " + _("Not now: {names}.").format(names=", ".join(gone))
        if new:
            note += " " + _("Now: {names}.").format(names=", ".join(new))
        label = self.query_one("#pay-note", Label)
        label.update(note + " " + _("Take payment again: Enter."))
        label.display = True
        self.action_mode(self.mode)
        self.say(_("Not paid: {error}").format(error=error))

    def say(self, text: str, *, error: bool = True) -> None:
        label = self.query_one("#pay-message", Label)
        label.update(text)
        label.set_class(not error, "-info")

    def action_back(self) -> None:
        if self.is_open and not self.committing:
            self.dismiss(None)
