"""The VIP balances area (key 3): every VIP customer with mode, limit, debt and what is overdue,
the most overdue first, keyset-paged over the VIP list (torgtui.marketing.vip_statement.debtors).

Enter opens the customer's statement (torgtui.screens.vip_account). From the list or the
statement: F4 takes a payment (cash or card, into this register's open shift), F7 changes the
mode, limit and term (the VIP permission), Insert makes another customer VIP. Reading needs the
right to sell or to view reports; every service checks its own permission again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Label

from torgtui.customers.service import customers_by_phone_or_card
from torgtui.i18n import _, ngettext
from torgtui.marketing import vip, vip_checkout
from torgtui.marketing.vip import Mode, VipState, mode_title
from torgtui.marketing.vip_statement import Debtor, debtors
from torgtui.money import format_money
from torgtui.sales import shifts
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import OfficeJobs, Page, RowList, money_field, row_text
from torgtui.screens.office_dialogs import FormDialog, FormField, MoneyDialog, MoneyTaken
from torgtui.staff import Permission, can
from torgtui.values import check_count, parse_money

HERE = Path(__file__).parent
# mode, limit, debt, overdue, days; the name takes the rest
WIDTHS = (8, 11, 11, 11, 4)


def mode_short(mode: str) -> str:
    """The mode in one short word, for the list's column."""
    return {
        Mode.CREDIT: _("credit"),
        Mode.ACCOUNT: _("account"),
        Mode.ITEMS: _("items"),
    }.get(mode, mode)


def amount(kopecks: int) -> str:
    """An amount in a column: without the sign, empty for nothing."""
    return format_money(kopecks, symbol=False) if kopecks else ""


def debtor_cells(row: Debtor) -> tuple[str, ...]:
    name = ("! " if row.overdue else "  ") + row.name
    days = str(row.overdue_days) if row.overdue_days else ""
    return (
        name,
        mode_short(row.mode),
        amount(row.limit),
        amount(row.debt),
        amount(row.overdue),
        days,
    )


def header_cells() -> tuple[str, ...]:
    return ("  " + _("Name"), _("Mode"), _("Limit"), _("Debt"), _("Overdue"), _("Days"))


def debtors_loader(by: Any, at: dt.datetime, debts_only: bool):
    """A forward-only PagedList loader over the VIP list (runs in a worker thread)."""
    from torgtui import db

    def load(request: Any) -> Page:
        after = request.key if request.kind == "after" else None
        with db.database.connection_context():
            rows = debtors(by=by, at=at, after=after, limit=request.limit, debts_only=debts_only)
        full = len(rows) >= request.limit
        return Page(rows, rows[-1].key if rows and full else None, rows[0].key if rows else None)

    return load


def state_lines(state: VipState) -> list[str]:
    """Two lines on a VIP account: its terms; what is owed (and overdue) and may be bought."""
    terms = (
        ngettext("{days} day to pay", "{days} days to pay", state.term_days).format(
            days=state.term_days
        )
        if state.term_days
        else _("no payment term")
    )
    first = _("Card {card} · {mode} · limit {limit} · {terms}").format(
        card=state.card or "-",
        mode=mode_short(state.mode),  # the list's word: the long title does not fit in Ukrainian
        limit=format_money(state.limit),
        terms=terms,
    )
    return [first, owes_text(state)]


def owes_text(state: VipState) -> str:
    """What is owed (and overdue), or on the account, and what may still be bought."""
    if state.overdue:
        owes = ngettext(
            "Owes {debt}, overdue {amount} for {days} day",
            "Owes {debt}, overdue {amount} for {days} days",
            state.overdue_days,
        ).format(
            debt=format_money(state.debt),
            amount=format_money(state.overdue),
            days=state.overdue_days,
        )
    elif state.debt:
        owes = _("Owes {debt}").format(debt=format_money(state.debt))
    elif state.deposit:
        owes = _("Held on account {amount}").format(amount=format_money(state.deposit))
    else:
        owes = _("Owes nothing")
    return _("{owes} · may buy {available}").format(
        owes=owes, available=format_money(state.available)
    )


def parse_terms(values: dict[str, str]) -> tuple[str, int, int]:
    """The terms dialog's fields as set_vip takes them (checked by the VIP service's rules)."""
    limit_text = values["limit"].strip() or "0"
    term_text = values["term"].strip() or "0"
    limit = parse_money(limit_text, _("The credit limit"))
    term = check_count(term_text, _("The payment term (days)"), maximum=vip.MAX_TERM_DAYS)
    mode, limit, term = vip.check_terms(values["mode"], limit, term)
    return str(mode), limit, term


def terms_dialog(name: str, state: VipState | None, save: Any) -> FormDialog:
    choices = (
        (str(Mode.NONE), mode_title(Mode.NONE)),
        *((str(m), mode_title(m)) for m in vip.MODES),
    )
    mode = state.mode if state is not None else str(Mode.CREDIT)
    limit = money_field(state.limit) if state else ""
    term = str(state.term_days) if state is not None else "30"
    return FormDialog(
        _("VIP terms: {name}").format(name=name),
        [
            FormField("mode", _("Mode"), mode, choices=choices),
            FormField("limit", _("Credit limit"), limit, _("e.g. 20000.00")),
            FormField("term", _("Days to pay"), term, _("e.g. 30")),
        ],
        parse_terms,
        lines=[_("A sale on credit needs days to pay. Not VIP: only once nothing is owed.")],
        save=save,
    )


class VipActions(OfficeJobs):
    """What the list and the statement both do for one customer: take a payment or a deposit
    and change the VIP terms. ``changed()`` is called after anything was written."""

    def changed(self) -> None:
        """Read again what the screen shows (after a payment or new terms)."""

    def _employee(self) -> Any:
        return self.app.employee

    def take_money(self, customer_id: int, kind: str, items: Sequence[int] = ()) -> None:
        """Ask for the amount and the tender, then take a payment or a deposit into this
        register's open shift."""
        employee, now = self._employee(), self.app.clock()
        terminal = self.app.terminal

        def read() -> tuple[VipState | None, Any]:
            state = vip.summary(customer_id, by=employee, at=now)
            return state, shifts.current_shift(employee, terminal)

        self.job(read, lambda found: self._ask_money(customer_id, kind, items, *found))

    def _ask_money(
        self, customer_id: int, kind: str, items: Sequence[int], state: VipState | None, shift: Any
    ) -> None:
        if state is None:
            self.say(_("That customer is not VIP: press F7 to set the terms first."))
            return
        if shift is None:
            self.say(
                _("No open shift on this register: open one at the sale screen (1, then F10).")
            )
            return
        if kind == "deposit" and state.mode != Mode.ACCOUNT:
            self.say(
                _("Deposits go onto a goods-and-cash account; {name} buys by {mode}.").format(
                    name=state.name, mode=mode_title(state.mode)
                )
            )
            return
        lines = [owes_text(state)]
        if items:
            lines.append(
                ngettext(
                    "{n} chosen item is paid first, then the oldest.",
                    "{n} chosen items are paid first, then the oldest.",
                    len(items),
                ).format(n=len(items))
            )
        title = (
            _("Payment from {name}") if kind == "payment" else _("Deposit from {name}")
        ).format(name=state.name)
        value = ""
        if kind == "payment" and state.debt and not items:
            value = money_field(state.debt)

        def taken(money: MoneyTaken | None) -> None:
            if money is not None:
                self._take(customer_id, kind, money, shift, tuple(items), state.name)

        self.app.push_screen(MoneyDialog(title, lines, value=value), taken)

    def _take(
        self,
        customer_id: int,
        kind: str,
        money: MoneyTaken,
        shift: Any,
        items: tuple[int, ...],
        name: str,
    ) -> None:
        employee, clock = self._employee(), self.app.clock
        fiscal = self.app.settings.devices.fiscal != "none"  # cash in: a service cash-in

        def take() -> vip_checkout.Received:
            if kind == "deposit":
                return vip_checkout.deposit(
                    customer_id,
                    money.amount,
                    money.tender,
                    uuid=money.uuid,
                    by=employee,
                    shift=shift,
                    clock=clock,
                    fiscal=fiscal,
                )
            return vip_checkout.take_payment(
                customer_id,
                money.amount,
                money.tender,
                uuid=money.uuid,
                by=employee,
                shift=shift,
                items=items,
                clock=clock,
                fiscal=fiscal,
            )

        def done(received: vip_checkout.Received) -> None:
            self.app.notify(received_text(name, received), timeout=8)
            self.changed()

        self.job(take, done)

    def edit_terms(self, customer_id: int, name: str) -> None:
        """F7: the VIP mode, credit limit and days to pay of one customer."""
        employee, now, clock = self._employee(), self.app.clock(), self.app.clock

        def save(terms: tuple[str, int, int]) -> VipState | None:
            mode, limit, term = terms
            return vip.set_vip(
                customer_id, mode, limit=limit, term_days=term, by=employee, clock=clock
            )

        def ask(state: VipState | None) -> None:
            dialog = terms_dialog(name, state, save)  # set_vip gives None for "not VIP"
            self.app.push_screen(
                dialog, lambda _r: self._terms_saved(name) if dialog.done else None
            )

        self.job(lambda: vip.summary(customer_id, by=employee, at=now), ask)

    def _terms_saved(self, name: str) -> None:
        self.app.notify(_("VIP terms of {name} saved.").format(name=name))
        self.changed()


def received_text(name: str, received: vip_checkout.Received) -> str:
    """What was taken, how, and what is owed now."""
    how = _("in cash") if received.tender == "cash" else _("by card")
    text = _("{amount} {how} taken from {name}; owes now {debt}.").format(
        amount=format_money(received.amount), how=how, name=name, debt=format_money(received.debt)
    )
    if received.advance:
        text += " " + _("{amount} stays on the account.").format(
            amount=format_money(received.advance)
        )
    return text


def find_customer(text: str) -> list[tuple[int, str]]:
    """Active cards named by a card number or phone, as (id, "name, card")."""
    return [(c.id, f"{c.name}, {c.card or '-'}") for c in customers_by_phone_or_card(text)]


class VipRows(RowList):
    # said on the info line: the footer has no room for it at 80 columns
    BINDINGS = [Binding("enter", "select", _("Statement"), show=False, id="vip.statement")]


class VipListScreen(VipActions, AreaScreen):
    """The VIP customers, most overdue first; all of them or (F3) only those who owe."""

    CSS_PATH = [HERE / "area.tcss", HERE / "vip.tcss"]
    AUTO_FOCUS = "#vip-list"
    BINDINGS = [
        Binding("f3", "owing", _("Owing"), id="vip.owing"),
        Binding("f4", "pay", _("Pay"), id="vip.pay"),
        Binding("f7", "terms", _("Terms"), id="vip.terms"),
        Binding("insert", "add", _("Add"), id="vip.add"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.debts_only = False

    def compose_body(self) -> ComposeResult:
        yield Label("", id="vip-info", markup=False)
        yield Label("", id="vip-header", markup=False)
        yield VipRows(self.render_row, row_id=lambda row: row.customer_id, id="vip-list")
        yield Label("", id="vip-message", markup=False)

    @property
    def listing(self) -> VipRows:
        return self.query_one("#vip-list", VipRows)

    def on_mount(self) -> None:
        self.show_header()
        self.show_list()

    def on_resize(self) -> None:
        self.show_header()

    def show_header(self) -> None:
        width = max(20, self.app.size.width - 1)
        self.query_one("#vip-header", Label).update(
            " " + row_text(header_cells(), WIDTHS, width, right=2)
        )

    def render_row(self, row: Debtor, width: int) -> str:
        return row_text(debtor_cells(row), WIDTHS, width, right=2)

    def show_list(self) -> None:
        self.say("")
        paged = self.listing
        paged.empty_text = (
            _("Nobody owes anything on account.")
            if self.debts_only
            else _("No VIP customers yet: press Insert to make a customer VIP.")
        )
        paged.show(
            debtors_loader(self.app.employee, self.app.clock(), self.debts_only), backwards=False
        )
        self.query_one("#vip-info", Label).update(
            _("Those who owe, most overdue first · Enter: statement")
            if self.debts_only
            else _("All VIP customers, most overdue first · Enter: statement")
        )
        self.refresh_bindings()

    def changed(self) -> None:
        self.listing.reload()

    def say(self, text: str) -> None:
        message = self.query_one("#vip-message", Label)
        message.update(text)
        message.display = bool(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#vip-message", Label).content)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        employee = self.app.employee
        if action in ("terms", "add"):
            return can(employee, Permission.EDIT_VIP)
        if action == "pay":
            return can(employee, Permission.SELL)
        return True

    def on_paged_list_failed(self, event: RowList.Failed) -> None:
        event.stop()
        error = event.error
        text = getattr(error, "message", "")
        self.say(text or _("Could not read the VIP list: {error}").format(error=error))

    def on_paged_list_selected(self, event: RowList.Selected) -> None:
        event.stop()
        self.open_statement(event.row.customer_id, event.row.name)

    def open_statement(self, customer_id: int, name: str) -> None:
        from torgtui.screens.vip_account import VipStatementScreen

        screen = VipStatementScreen(self.area, customer_id, name)
        self.app.push_screen(screen, lambda _result: self.changed())

    def action_owing(self) -> None:
        self.debts_only = not self.debts_only
        self.show_list()

    def action_pay(self) -> None:
        row = self.listing.cursor_row
        if row is None:
            self.say(_("Choose a customer in the list first."))
            return
        self.take_money(row.customer_id, "payment")

    def action_terms(self) -> None:
        row = self.listing.cursor_row
        if row is None:
            self.say(_("Choose a customer in the list first."))
            return
        self.edit_terms(row.customer_id, row.name)

    def action_add(self) -> None:
        """Insert: find a customer by card or phone and set their VIP terms."""

        def found(result: tuple[int, str] | None) -> None:
            if result is not None:
                self.edit_terms(*result)

        self.app.push_screen(FindCustomerDialog(), found)


class FindCustomerDialog(FormDialog):
    """A card number (scanned or typed) or a phone; several cards on one phone are offered
    to choose from. Dismisses with (customer id, name)."""

    BINDINGS = [Binding("f2", "submit", _("Find"), id="find_customer.find")]

    def __init__(self, title: str = "") -> None:
        super().__init__(
            title or _("Make a customer VIP"),
            [FormField("text", _("Card or phone"), "", _("scan the card or type the phone"))],
            lambda values: values["text"],
            lines=[_("Find the customer by their card number or phone.")],
        )

    def action_submit(self) -> None:
        text = self.values()["text"].strip()
        if not text:
            self.say(_("Scan the card or type the phone, then press Enter."))
            return
        self.job(lambda: find_customer(text), self.found)

    def found(self, rows: list[tuple[int, str]]) -> None:
        if not rows:
            self.say(_("No active card has that number or phone."))
        elif len(rows) == 1:
            customer_id, label = rows[0]
            self.dismiss((customer_id, label.rsplit(", ", 1)[0]))
        else:
            from torgtui.screens.sale_dialogs import PickScreen

            def picked(choice: str | None) -> None:
                if choice is not None:
                    label = dict(rows)[int(choice)]
                    self.dismiss((int(choice), label.rsplit(", ", 1)[0]))

            self.app.push_screen(
                PickScreen(
                    _("Several cards have this phone: choose one"),
                    [(str(cid), label) for cid, label in rows],
                ),
                picked,
            )


__all__ = ["VipActions", "VipListScreen", "state_lines"]
