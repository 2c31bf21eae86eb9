"""Pre-orders (in the Loyalty and promotions area): the open ones, newest first (F3: every
status), a page at a time; a new one for a customer found by card or phone (its lines: a
product by barcode or SKU, the quantity, a price agreed below the catalog's if any); one
pre-order's card with its lines, what is held and what has arrived for each, and what is
prepaid; a prepayment in cash or by card into this register's open shift (F4); holding what
has arrived (F5); cancelling it with the prepayment given back (F8).

A price below the catalog's and a cancellation ask a senior's PIN when the employee may not do
it alone (torgtui.screens.approval.with_approval, as the service says); the sale itself is made
at the register by the pre-order's code (PO-12). torgtui.marketing.preorders checks, writes
and audits everything.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label

from torgtui.catalog.service import find_by_code
from torgtui.catalog.stock import location_by_code
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import preorders
from torgtui.marketing.preorder_common import ACTIVE, Status, status_title
from torgtui.marketing.preorders import Listed, OrderLine, View
from torgtui.money import format_money, format_qty, line_amount
from torgtui.sales import shifts
from torgtui.screens.approval import with_approval
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import Failed, OfficeJobs, Page, RowList, fit
from torgtui.screens.office_dialogs import FormDialog, FormField, MoneyDialog, MoneyTaken
from torgtui.screens.promotions_message import PromotionsMessage
from torgtui.screens.vip import FindCustomerDialog
from torgtui.values import parse_money, parse_qty
from torgtui.widgets.status import StatusLine

HERE = Path(__file__).parent
CSS = [HERE / "area.tcss", HERE / "promotions.tcss"]
# code, customer (the rest), status, total, prepaid, taken
WIDTHS = (7, 0, 17, 10, 10, 8)


def listed_cells(row: Listed) -> tuple[str, ...]:
    return (
        row.code,
        row.customer,
        status_title(row.status),
        format_money(row.total, symbol=False),
        format_money(row.prepaid, symbol=False) if row.prepaid else "",
        f"{row.created_at:%d.%m.%y}",
    )


def list_line(cells: tuple[str, ...], width: int) -> str:
    rest = max(6, width - sum(WIDTHS) - len(WIDTHS))
    widths = tuple(w or rest for w in WIDTHS)
    return " ".join(
        fit(c, w, right=n in (3, 4)) for n, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def preorders_loader(by: Any, every_status: bool):
    """A forward-only PagedList loader over the pre-orders, newest first."""
    from torgtui import db

    statuses = tuple(Status) if every_status else ACTIVE

    def load(request: Any) -> Page:
        before = request.key if request.kind == "after" else None
        with db.database.connection_context():
            rows = preorders.open_preorders(
                by=by, statuses=statuses, before_id=before, limit=request.limit
            )
        full = len(rows) >= request.limit
        return Page(rows, rows[-1].id if rows and full else None, rows[0].id if rows else None)

    return load


class PreorderRows(RowList):
    BINDINGS = [Binding("enter", "select", _("Open"), show=False, id="preorders.open")]


class PreordersScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """The pre-orders still to finish (F3: every status), newest first."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#preorders"
    BINDINGS = [
        Binding("insert", "new", _("New"), id="preorders.new"),
        Binding("f3", "statuses", _("All/open"), id="preorders.statuses"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.every_status = False

    def place(self) -> str:
        return _("Pre-orders")

    def compose_body(self) -> ComposeResult:
        yield Label("", id="preorders-info", markup=False)
        yield Label("", id="preorders-header", markup=False)
        yield PreorderRows(self.render_row, row_id=lambda r: r.id, id="preorders")
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        width = max(20, self.app.size.width - 1)
        titles = (_("Code"), _("Customer"), _("Status"), _("Total"), _("Prepaid"), _("Taken"))
        self.query_one("#preorders-header", Label).update(" " + list_line(titles, width))
        self.show_list()

    def render_row(self, row: Listed, width: int) -> str:
        return list_line(listed_cells(row), width)

    def show_list(self) -> None:
        listing = self.query_one("#preorders", PreorderRows)
        listing.empty_text = (
            _("No pre-orders yet: press Insert to take one.")
            if self.every_status
            else _("No open pre-orders: press Insert to take one, F3 for every status.")
        )
        listing.show(preorders_loader(self.app.employee, self.every_status), backwards=False)
        self.query_one("#preorders-info", Label).update(
            _("Every pre-order, newest first · Enter: open · F3: open ones")
            if self.every_status
            else _("Pre-orders to finish, newest first · Enter: open · F3: every status")
        )

    def changed(self) -> None:
        self.query_one("#preorders", PreorderRows).reload()

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def on_paged_list_selected(self, event: RowList.Selected) -> None:
        event.stop()
        self.app.push_screen(PreorderScreen(self.area, event.row.id), lambda _r: self.changed())

    def on_paged_list_failed(self, event: RowList.Failed) -> None:
        event.stop()
        self.say(getattr(event.error, "message", "") or str(event.error))

    def action_statuses(self) -> None:
        self.every_status = not self.every_status
        self.show_list()

    def action_new(self) -> None:
        def found(result: tuple[int, str] | None) -> None:
            if result is not None:
                customer_id, name = result
                screen = NewPreorderScreen(self.area, customer_id, name)
                self.app.push_screen(screen, self.taken)

        self.app.push_screen(FindCustomerDialog(_("A pre-order for")), found)

    def taken(self, preorder_id: int | None) -> None:
        if preorder_id is not None:
            self.changed()
            self.app.push_screen(PreorderScreen(self.area, preorder_id), lambda _r: self.changed())


# --- a new pre-order -----------------------------------------------------------------------


@dataclass(frozen=True)
class NewLine:
    product_id: int
    sku: str
    name: str
    qty: int
    price: int  # the catalog's
    agreed: int | None  # None: the catalog's price

    @property
    def total(self) -> int:
        return line_amount(self.price if self.agreed is None else self.agreed, self.qty)


class NewPreorderScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """The lines of a new pre-order (Insert adds, Enter changes, Delete removes) and a note;
    F2 takes it."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#preorder-lines"
    BINDINGS = [
        Binding("f2", "take", _("Take"), id="new_preorder.take"),
        Binding("insert", "add_line", _("Add"), id="new_preorder.add"),
        Binding("delete", "delete_line", _("Remove"), id="new_preorder.delete"),
    ]

    def __init__(self, area: Area, customer_id: int, name: str) -> None:
        super().__init__(area)
        self.customer_id = customer_id
        self.customer_name = name
        self.lines: list[NewLine] = []
        self.uuid = str(uuidlib.uuid4())  # made when the form opens: a retry takes one order
        self.busy = False

    def place(self) -> str:
        return _("New pre-order")

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("For {name}").format(name=self.customer_name), id="preorder-title", markup=False
        )
        yield Label(
            _("Goods ordered (Insert adds, Enter changes, Delete removes); F2 takes the order."),
            classes="promo-line",
        )
        yield DataTable(id="preorder-lines", cursor_type="row", zebra_stripes=True)
        yield Label("", id="preorder-total", classes="promo-heading", markup=False)
        with Horizontal(classes="set-row"):
            yield Label(_("Note"), classes="pb-label")
            yield Input(placeholder=_("optional"), compact=True, id="preorder-note")
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#preorder-lines", DataTable)
        self.room = max(16, min(self.app.size.width, 80) - 3 - 8 - 11 - 11 - 8)
        table.add_column(_("Product"), width=self.room)
        table.add_column(Text(_("Qty"), justify="right"), width=8)
        table.add_column(Text(_("Price"), justify="right"), width=11)
        table.add_column(Text(_("Total"), justify="right"), width=11)
        self.fill()

    def fill(self) -> None:
        table = self.query_one("#preorder-lines", DataTable)
        table.clear()
        for line in self.lines:
            price = line.price if line.agreed is None else line.agreed
            table.add_row(
                Text(fit(f"{line.sku} {line.name}", self.room), no_wrap=True),
                Text(format_qty(line.qty), justify="right"),
                Text(
                    format_money(price, symbol=False) + ("*" if line.agreed is not None else ""),
                    justify="right",
                ),
                Text(format_money(line.total, symbol=False), justify="right"),
            )
        total = sum(line.total for line in self.lines)
        self.query_one("#preorder-total", Label).update(
            _("Total {total} (* a price agreed below the catalog's)").format(
                total=format_money(total)
            )
        )

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.lines):
            self.edit_line(event.cursor_row)

    def action_add_line(self) -> None:
        self.edit_line(None)

    def action_delete_line(self) -> None:
        table = self.query_one("#preorder-lines", DataTable)
        if table.has_focus and 0 <= table.cursor_row < len(self.lines):
            del self.lines[table.cursor_row]
            self.fill()

    def edit_line(self, index: int | None) -> None:
        current = self.lines[index] if index is not None else None

        def parse(values: dict[str, str]) -> tuple[str, int, int | None]:
            code = values["product"].strip()
            if not code:
                raise ValidationError(_("Scan or type the product's barcode or SKU."))
            agreed = values["price"].strip()
            return (
                code,
                parse_qty(values["qty"] or "1"),
                parse_money(agreed, _("The agreed price")) if agreed else None,
            )

        def resolve(value: tuple[str, int, int | None]) -> NewLine:
            code, qty, agreed = value
            product = find_by_code(code)
            if product is None:
                raise ValidationError(
                    _("No active product has the barcode or SKU {code!r}.").format(code=code[:40])
                )
            if not product.weighed and qty % 1000:
                raise ValidationError(
                    _("{name} is sold by the piece: the quantity must be whole.").format(
                        name=product.name
                    )
                )
            if agreed == product.price:
                agreed = None
            return NewLine(product.id, product.sku, product.name, qty, product.price, agreed)

        def done(line: NewLine | None) -> None:
            if line is None:
                return
            if any(x.product_id == line.product_id for n, x in enumerate(self.lines) if n != index):
                self.say(_("{name} is ordered already: change its line.").format(name=line.name))
                return
            if index is None:
                self.lines.append(line)
            else:
                self.lines[index] = line
            self.say("")
            self.fill()

        agreed = ""
        if current is not None and current.agreed is not None:
            agreed = format_money(current.agreed, symbol=False).replace("\u202f", "")
        dialog = FormDialog(
            _("A product ordered"),
            [
                FormField(
                    "product", _("Product"), current.sku if current else "", _("barcode or SKU")
                ),
                FormField("qty", _("Quantity"), format_qty(current.qty) if current else "1"),
                FormField("price", _("Agreed price"), agreed, _("empty: the catalog's")),
            ],
            parse,
            lines=[_("A price below the catalog's may need a senior's PIN.")],
            label_width=14,
            save=resolve,
        )
        self.app.push_screen(dialog, done)

    def action_take(self) -> None:
        if self.busy:
            return
        if not self.lines:
            self.say(_("Add the goods ordered first (Insert)."))
            return
        self.busy = True

        def located(result: int | Failed) -> None:
            self.busy = False
            if isinstance(result, Failed):
                self.say(result.message)
            else:
                self.take(result)

        code = self.app.settings.store.location
        self.job(lambda: location_by_code(code).id, located, failures=True)

    def take(self, location_id: int) -> None:
        employee, clock, terminal = self.app.employee, self.app.clock, self.app.terminal
        lines = [OrderLine(x.product_id, x.qty, x.agreed) for x in self.lines]
        note = self.query_one("#preorder-note", Input).value

        def call(approval: Any) -> int:
            return preorders.create(
                self.customer_id,
                location_id,
                lines,
                by=employee,
                uuid=self.uuid,
                note=note,
                approval=approval,
                clock=clock,
                terminal=terminal,
            ).id

        def done(preorder_id: int) -> None:
            self.app.notify(_("Pre-order taken."))
            self.dismiss(preorder_id)

        with_approval(self.app, call, done=done, fail=self.say)


# --- one pre-order -------------------------------------------------------------------------


class PreorderScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """One pre-order: its lines, what is held, what is prepaid; F4 prepay, F5 reserve what
    has arrived, F8 cancel."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#preorder-lines"
    BINDINGS = [
        Binding("f4", "prepay", _("Prepay"), id="preorder.prepay"),
        Binding("f5", "reserve", _("Reserve"), id="preorder.reserve"),
        Binding("f8", "cancel_order", _("Cancel"), id="preorder.cancel"),
    ]

    def __init__(self, area: Area, preorder_id: int) -> None:
        super().__init__(area)
        self.preorder_id = preorder_id
        self.view: View | None = None

    def place(self) -> str:
        if self.view is None:
            return _("Pre-order")
        return _("Pre-order {code}").format(code=self.view.head.code)

    def compose_body(self) -> ComposeResult:
        yield Label("", id="preorder-title", markup=False)
        yield Label("", id="preorder-money", classes="promo-line", markup=False)
        yield DataTable(id="preorder-lines", cursor_type="row", zebra_stripes=True)
        yield Label("", id="preorder-hint", classes="promo-line", markup=False)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#preorder-lines", DataTable)
        self.room = max(14, min(self.app.size.width, 80) - 3 - 7 - 11 - 7 - 7 - 10)
        table.add_column(_("Product"), width=self.room)
        for title, width in ((_("Qty"), 7), (_("Price"), 11), (_("Held"), 7), (_("Free"), 7)):
            table.add_column(Text(title, justify="right"), width=width)
        self.read()

    def read(self) -> None:
        employee, preorder_id = self.app.employee, self.preorder_id
        self.job(lambda: preorders.show(preorder_id, by=employee), self.show)

    def show(self, view: View) -> None:
        self.view = view
        h = view.head
        status = self.query_one(StatusLine)
        status.place = self.place()
        status.refresh_line()
        self.query_one("#preorder-title", Label).update(
            f"{h.code} · {view.customer} · {view.status_title}"
        )
        held = ", ".join(
            f"{(_('cash') if t == 'cash' else _('card'))} {format_money(a, symbol=False)}"
            for t, a in view.prepaid_by.items()
            if a
        )
        money = _("Total {total} · prepaid {prepaid} · to pay {left}").format(
            total=format_money(h.total),
            prepaid=format_money(view.prepaid),
            left=format_money(view.to_pay),
        )
        if held:
            money += f" ({held})"
        self.query_one("#preorder-money", Label).update(money)
        table = self.query_one("#preorder-lines", DataTable)
        table.clear()
        for line in view.lines:
            price = format_money(line.unit_price, symbol=False)
            if line.unit_price < line.list_price:
                price += "*"
            table.add_row(
                Text(fit(line.name, self.room), no_wrap=True),
                *(
                    Text(text, justify="right")
                    for text in (
                        format_qty(line.qty),
                        price,
                        format_qty(line.held),
                        format_qty(line.free),
                    )
                ),
            )
        if h.status in ACTIVE:
            hint = _("At the till: type or scan {code} to sell it (the prepayment pays first).")
        elif h.status == Status.SOLD and view.receipt_number:
            hint = _("Sold on receipt No. {n}.")
        else:
            hint = _("Cancelled: the prepayment was given back.")
        self.query_one("#preorder-hint", Label).update(
            hint.format(code=h.code, n=view.receipt_number)
        )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("prepay", "reserve", "cancel_order"):
            return self.view is not None and self.view.head.status in ACTIVE
        return True

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def action_prepay(self) -> None:
        view = self.view
        if view is None:
            return
        if view.to_pay <= 0:
            self.say(_("Pre-order {code} is prepaid in full.").format(code=view.head.code))
            return
        employee, terminal = self.app.employee, self.app.terminal

        def ask(shift: Any) -> None:
            if shift is None:
                self.say(
                    _("No open shift on this register: open one at the sale screen (1, then F10).")
                )
                return
            dialog = MoneyDialog(
                _("Prepayment for {code}").format(code=view.head.code),
                [
                    _("{name}: to pay {left}.").format(
                        name=view.customer, left=format_money(view.to_pay)
                    )
                ],
                value=format_money(view.to_pay, symbol=False).replace("\u202f", ""),
            )
            self.app.push_screen(dialog, lambda money: self.prepay(money, shift))

        self.job(lambda: shifts.current_shift(employee, terminal), ask)

    def prepay(self, money: MoneyTaken | None, shift: Any) -> None:
        if money is None:
            return
        employee, clock, preorder_id = self.app.employee, self.app.clock, self.preorder_id
        fiscal = self.app.settings.devices.fiscal != "none"

        def call() -> preorders.Prepaid:
            return preorders.take_prepayment(
                preorder_id,
                money.amount,
                money.tender,
                uuid=money.uuid,
                by=employee,
                shift=shift,
                clock=clock,
                fiscal=fiscal,
            )

        def done(paid: preorders.Prepaid) -> None:
            how = _("in cash") if paid.tender == "cash" else _("by card")
            self.app.notify(
                _("{amount} {how} taken; to pay now {left}.").format(
                    amount=format_money(paid.amount), how=how, left=format_money(paid.to_pay)
                ),
                timeout=8,
            )
            self.read()

        self.job(call, done)

    def action_reserve(self) -> None:
        if self.view is None:
            return
        employee, clock, terminal = self.app.employee, self.app.clock, self.app.terminal
        preorder_id = self.preorder_id

        def done(result: preorders.Reserved) -> None:
            held = sum(q for _line, q in result.held)
            text = _("{qty} held; the pre-order is {status}.").format(
                qty=format_qty(held), status=status_title(result.status)
            )
            self.app.notify(text, timeout=8)
            self.read()

        self.job(
            lambda: preorders.reserve(preorder_id, by=employee, clock=clock, terminal=terminal),
            done,
        )

    def action_cancel_order(self) -> None:
        view = self.view
        if view is None:
            return
        employee, terminal = self.app.employee, self.app.terminal

        def parse(values: dict[str, str]) -> str:
            return values["reason"]

        def asked(reason: str | None) -> None:
            if reason is not None:
                self.job(
                    lambda: shifts.current_shift(employee, terminal),
                    lambda shift: self.cancel(reason, shift),
                )

        lines = [_("Its goods are let go and nothing more is held for it.")]
        if view.prepaid:
            lines.append(
                _("{amount} prepaid is given back the way it was paid.").format(
                    amount=format_money(view.prepaid)
                )
            )
        dialog = FormDialog(
            _("Cancel pre-order {code}?").format(code=view.head.code),
            [FormField("reason", _("Reason"), "", _("why, for the audit log"))],
            parse,
            lines=lines,
            label_width=8,
        )
        self.app.push_screen(dialog, asked)

    def cancel(self, reason: str, shift: Any) -> None:
        employee, clock = self.app.employee, self.app.clock
        fiscal = self.app.settings.devices.fiscal != "none"
        preorder_id = self.preorder_id

        def call(approval: Any) -> preorders.Cancelled:
            return preorders.cancel(
                preorder_id,
                by=employee,
                reason=reason,
                shift=shift,
                approval=approval,
                clock=clock,
                fiscal=fiscal,
            )

        def done(result: preorders.Cancelled) -> None:
            back = sum(a for _t, a in result.given_back)
            text = _("Pre-order cancelled.")
            if back:
                text += " " + _("{amount} given back.").format(amount=format_money(back))
            self.app.notify(text, timeout=8)
            self.read()

        with_approval(self.app, call, done=done, fail=self.say)


__all__ = ["NewPreorderScreen", "PreorderScreen", "PreordersScreen"]
