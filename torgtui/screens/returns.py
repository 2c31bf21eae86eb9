"""The return screen (F7 on the sale screen): find the sale by its number or pick it from
today's sales here, choose what comes back line by line, confirm, and give the money back.

The return is written by :func:`torgtui.sales.returns.commit_return` in one transaction. Its
UUID is made once per attempt and kept until it succeeds, so a confirm pressed again after a
lost answer returns the receipt already written instead of a second refund.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label
from textual.worker import Worker, WorkerState

from torgtui.catalog.stock import location_by_code
from torgtui.errors import ValidationError
from torgtui.i18n import _, ngettext
from torgtui.models import Location, Payment, Receipt
from torgtui.money import format_money, format_qty
from torgtui.sales import returns, shifts
from torgtui.sales.scan import parse_qty
from torgtui.screens.approval import with_approval
from torgtui.screens.till import (
    cut_cell,
    devices_of,
    problem,
    right_cell,
    tender_name,
    todays_sales,
)
from torgtui.screens.till_dialogs import ValueDialog
from torgtui.values import check_count
from torgtui.widgets.status import StatusLine

if TYPE_CHECKING:
    from torgtui.app import TorgApp
    from torgtui.approvals import Approval
    from torgtui.hw.printer import PrintOutcome

# item, price, sold, returned, left, to return: 77 columns with the table's cell padding, so
# "Returned" and "To return" (and their Ukrainian words) are whole
LINE_COLUMNS = (("item", 19), ("price", 10), ("sold", 8), ("back", 10), ("left", 8), ("qty", 10))
SALE_COLUMNS = (("number", 8), ("time", 6), ("total", 14), ("cashier", 24))


def no_shift_message() -> str:
    """What to do when there is no open shift to take the refund from."""
    return _("No open shift: open a shift first (F10 on the sale screen).")


class ReturnScreen(Screen[None]):
    """Find a sale, choose the lines and quantities that come back, refund them."""

    CSS_PATH = "returns.tcss"
    AUTO_FOCUS = "#return-number"
    BINDINGS = [
        Binding("escape", "back", _("Back"), id="returns.back"),
        Binding("q", "quantity", _("Quantity"), id="returns.quantity"),
        Binding("a", "all_of_line", _("All"), id="returns.line_all"),
        Binding("w", "whole_receipt", _("All lines"), id="returns.all"),
        Binding("delete", "clear_line", _("None"), show=False, id="returns.clear"),
        Binding("f2", "confirm", _("Refund"), id="returns.confirm"),
    ]

    app: TorgApp

    def __init__(self) -> None:
        super().__init__()
        self.location: Location | None = None
        self.original: Receipt | None = None
        self.items: list[returns.Returnable] = []
        self.quantities: dict[int, int] = {}  # original line id -> thousandths coming back
        self.return_uuid: str | None = None
        self.done: Receipt | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine(_("Return"))
        with Vertical(id="return-find"):
            yield Label(
                _(
                    "Type the sale receipt number and press Enter, or press Tab and pick one "
                    "of today's sales with the arrows and Enter."
                ),
                id="return-find-hint",
            )
            yield Input(placeholder=_("Receipt number"), max_length=12, id="return-number")
            yield DataTable(id="return-sales", cursor_type="row", zebra_stripes=True)
        with Vertical(id="return-lines"):
            yield Label("", id="return-head", markup=False)
            yield DataTable(id="return-table", cursor_type="row", zebra_stripes=True)
            yield Label("", id="return-total", markup=False)
        yield Label("", id="return-result", markup=False)
        yield Label("", id="return-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        sales = self.query_one("#return-sales", DataTable)
        titles = {
            "number": _("No."),
            "time": _("Time"),
            "total": _("Total"),
            "cashier": _("Cashier"),
        }
        for key, width in SALE_COLUMNS:
            sales.add_column(titles[key], width=width, key=key)
        table = self.query_one("#return-table", DataTable)
        titles = {
            "item": _("Item"),
            "price": _("Price"),
            "sold": _("Sold"),
            "back": _("Returned"),
            "left": _("Left"),
            "qty": _("To return"),
        }
        for key, width in LINE_COLUMNS:
            table.add_column(titles[key], width=width, key=key)
        try:
            self.location = location_by_code(self.app.settings.store.location)
            self.load_sales()
            if shifts.current_shift(self.app.employee, self.app.terminal) is None:
                self.show_message(no_shift_message())
            elif not self.query_one("#return-sales", DataTable).row_count:
                self.show_message(_("No sales yet today here: type the receipt number."))
        except Exception as exc:
            if (text := problem(exc, self.url)) is None:
                raise
            self.show_message(text)
        self.show_phase()

    # --- state ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.app.settings.database.url

    @property
    def phase(self) -> str:
        """The phase: "find" (no sale chosen), "lines" (choosing what comes back) or "done"."""
        if self.done is not None:
            return "done"
        return "lines" if self.original is not None else "find"

    def show_message(self, text: str) -> None:
        self.query_one("#return-message", Label).update(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#return-message", Label).content)

    def show_phase(self) -> None:
        phase = self.phase
        self.query_one("#return-find").display = phase == "find"
        self.query_one("#return-lines").display = phase != "find"
        self.query_one("#return-result").display = phase == "done"
        self.query_one("#return-total").display = phase == "lines"
        if phase == "find":
            self.query_one("#return-number", Input).focus()
        else:
            self.query_one("#return-table", DataTable).focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("quantity", "all_of_line", "whole_receipt", "clear_line", "confirm"):
            return self.phase == "lines"
        return True

    # --- finding the sale -------------------------------------------------------------------

    def load_sales(self) -> None:
        """Fill the list with today's sales at this location (at most TODAY_LIMIT)."""
        if self.location is None:
            return
        table = self.query_one("#return-sales", DataTable)
        table.clear()
        for receipt_id, number, at, total, cashier in todays_sales(
            self.location.id, self.app.clock().date()
        ):
            table.add_row(
                right_cell(str(number)),
                Text(f"{at:%H:%M}"),
                right_cell(format_money(total)),
                cut_cell(cashier, 24),
                key=str(receipt_id),
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.location is None:
            return
        text = event.value.strip()
        if not text:
            self.show_message(_("Type the number printed on the sale receipt."))
            return
        try:
            number = check_count(text, _("The receipt number"), minimum=1, maximum=10**9)
            receipt = returns.find_receipt(number, self.location.id)
        except Exception as exc:
            if (message := problem(exc, self.url)) is None:
                raise
            self.show_message(message)
            return
        event.input.value = ""
        self.open_receipt(receipt)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.data_table.id == "return-table":
            self.action_quantity()
            return
        if event.row_key.value is None:
            return
        try:
            receipt = Receipt.get_by_id(int(event.row_key.value))
        except Exception as exc:
            if (message := problem(exc, self.url)) is None:
                raise
            self.show_message(message)
            return
        self.open_receipt(receipt)

    def open_receipt(self, receipt: Receipt) -> None:
        """Show the sale's lines; a new sale is a new attempt (a new UUID at confirm)."""
        self.original = receipt
        self.quantities = {}
        self.return_uuid = None
        self.done = None
        self.reload_lines()
        self.show_phase()
        if self.items and not any(item.left for item in self.items):
            self.show_message(_("Everything on this receipt has been returned already."))
        else:
            self.show_message("")

    def reload_lines(self) -> None:
        if self.original is None:
            return
        try:
            self.items = returns.returnable(self.original)
        except Exception as exc:
            if (message := problem(exc, self.url)) is None:
                raise
            self.show_message(message)
            return
        receipt = self.original
        head = _("Sale No. {number} of {at:%d.%m.%Y %H:%M}, total {total}.").format(
            number=receipt.number, at=receipt.created_at, total=format_money(receipt.total)
        )
        paid = [
            f"{tender_name(p.tender)} {format_money(p.amount)}"
            for p in Payment.select().where(Payment.receipt == receipt.id)
        ]
        if paid:
            head += "\n" + _("Paid: {tenders}.").format(tenders=", ".join(paid))
        self.query_one("#return-head", Label).update(head)
        table = self.query_one("#return-table", DataTable)
        row = table.cursor_row
        table.clear()
        for item in self.items:
            ln = item.line
            table.add_row(
                cut_cell(ln.name, LINE_COLUMNS[0][1]),
                right_cell(format_money(ln.unit_price, symbol=False)),
                right_cell(format_qty(item.sold)),
                right_cell(format_qty(item.returned)),
                right_cell(format_qty(item.left)),
                self.qty_cell(ln.id),
                key=str(ln.id),
            )
        if self.items:
            table.move_cursor(row=min(max(row, 0), len(self.items) - 1))
        self.show_total()

    def qty_cell(self, line_id: int) -> Text:
        qty = self.quantities.get(line_id, 0)
        return Text(format_qty(qty) if qty else "", justify="right", style="bold")

    def show_total(self) -> None:
        chosen = [(item, self.quantities.get(item.line.id, 0)) for item in self.items]
        chosen = [(item, qty) for item, qty in chosen if qty]
        label = self.query_one("#return-total", Label)
        if not chosen:
            label.update(
                _(
                    "Choose what comes back: Q quantity, A all of the line, W all lines, "
                    "Delete none."
                )
            )
            return
        refund = returns.refund_total(chosen)
        label.update(
            ngettext(
                "Coming back: {n} line, refund {amount}. Press F2 to refund.",
                "Coming back: {n} lines, refund {amount}. Press F2 to refund.",
                len(chosen),
            ).format(n=len(chosen), amount=format_money(refund))
        )

    # --- choosing what comes back -----------------------------------------------------------

    def current_item(self) -> returns.Returnable | None:
        table = self.query_one("#return-table", DataTable)
        if not self.items or not 0 <= table.cursor_row < len(self.items):
            return None
        return self.items[table.cursor_row]

    def set_qty(self, item: returns.Returnable, qty: int) -> None:
        self.quantities[item.line.id] = qty
        table = self.query_one("#return-table", DataTable)
        table.update_cell(str(item.line.id), "qty", self.qty_cell(item.line.id))
        self.show_total()

    def action_quantity(self) -> None:
        item = self.current_item()
        if item is None or self.phase != "lines":
            return
        if not item.left:
            self.show_message(_("{name}: nothing left to return.").format(name=item.line.name))
            return

        by_piece = not item.line.product.weighed

        def parse(text: str) -> int:
            qty = parse_qty(text)
            if by_piece and qty % 1000:
                raise ValidationError(
                    _("{name} is sold by the piece: type a whole number.").format(
                        name=item.line.name
                    )
                )
            if qty > item.left:
                raise ValidationError(
                    _("Only {left} of {name} can still be returned.").format(
                        left=format_qty(item.left), name=item.line.name
                    )
                )
            return qty

        current = self.quantities.get(item.line.id, 0)
        self.app.push_screen(
            ValueDialog(
                _("How many of {name} come back?").format(name=item.line.name),
                _("Up to {left}. Type the quantity and press Enter.").format(
                    left=format_qty(item.left)
                ),
                parse,
                value=format_qty(current) if current else "",
            ),
            lambda qty: self.qty_typed(item, qty),
        )

    def qty_typed(self, item: returns.Returnable, qty: int | None) -> None:
        if qty is not None:
            self.show_message("")
            self.set_qty(item, qty)

    def action_all_of_line(self) -> None:
        item = self.current_item()
        if item is None:
            return
        if not item.left:
            self.show_message(_("{name}: nothing left to return.").format(name=item.line.name))
            return
        self.set_qty(item, item.left)

    def action_whole_receipt(self) -> None:
        for item in self.items:
            if item.left:
                self.set_qty(item, item.left)

    def action_clear_line(self) -> None:
        item = self.current_item()
        if item is not None:
            self.set_qty(item, 0)

    # --- the refund -------------------------------------------------------------------------

    def action_confirm(self) -> None:
        """Write the return (once, whatever happens to the answer) and show the refund. A
        receipt older than ``register.return_days_without_approval`` needs someone who may
        take it back: the service says so and one of them confirms with their PIN."""
        if self.phase != "lines" or self.original is None:
            return
        wanted = {line_id: qty for line_id, qty in self.quantities.items() if qty}
        if not wanted:
            self.show_message(_("Choose what comes back first: Q sets a line's quantity."))
            return
        app = self.app
        try:
            shift = shifts.current_shift(app.employee, app.terminal)
        except Exception as exc:
            if (message := problem(exc, self.url)) is None:
                raise
            self.show_message(message)
            return
        if shift is None:
            self.show_message(no_shift_message())
            return
        if self.return_uuid is None:
            self.return_uuid = str(uuidlib.uuid4())
        original, uuid = self.original, self.return_uuid

        def commit(approval: Approval | None) -> Receipt:
            return returns.commit_return(
                original,
                wanted,
                uuid=uuid,
                employee=app.employee,
                shift=shift,
                cash_step=app.settings.money.cash_rounding,
                clock=app.clock,
                fiscal=app.settings.devices.fiscal != "none",
                max_age_days=app.settings.register.return_days_without_approval,
                approval=approval,
            )

        def refused(message: str) -> None:
            self.show_message(message)
            self.reload_lines()

        with_approval(app, commit, done=self.returned, fail=refused)

    def returned(self, receipt: Receipt) -> None:
        self.done = receipt
        self.show_refund(receipt)
        self.show_phase()
        self.print_return(receipt)

    def show_refund(self, receipt: Receipt) -> None:
        payments = list(Payment.select().where(Payment.receipt == receipt.id))
        parts = []
        for p in payments:
            if p.tender == "cash":
                parts.append(_("cash back {amount}").format(amount=format_money(p.amount)))
            elif p.tender == "card":
                parts.append(_("back to the card {amount}").format(amount=format_money(p.amount)))
            else:
                parts.append(
                    _("{tender} back {amount}").format(
                        tender=tender_name(p.tender), amount=format_money(p.amount)
                    )
                )
        text = _("Return No. {number} written: refund {total}: {parts}.").format(
            number=receipt.number,
            total=format_money(receipt.total + receipt.rounding),
            parts=", ".join(parts) or "-",
        )
        if receipt.rounding:
            text += " " + _("(cash rounded by {amount})").format(
                amount=format_money(receipt.rounding)
            )
        self.query_one("#return-result", Label).update(text)
        self.show_message(_("Press Escape to go back."))
        self.reload_lines()

    def print_return(self, receipt: Receipt) -> None:
        devices = devices_of(self.app)
        if devices is None:
            self.app.notify(_("No printer: the return receipt was not printed."))
            return
        cash = any(
            p.tender == "cash" for p in Payment.select().where(Payment.receipt == receipt.id)
        )
        self.print_worker(devices, receipt, cash)

    @work(thread=True, group="return-print", exit_on_error=False)
    def print_worker(self, devices: object, receipt: Receipt, cash: bool) -> None:
        from torgtui import db

        with db.database.connection_context():
            outcome: PrintOutcome = devices.print_receipt(receipt, cash=cash)  # type: ignore[attr-defined]
        self.app.call_from_thread(self.printed, outcome.ok, outcome.message)

    def printed(self, ok: bool, message: str) -> None:
        if ok:
            self.app.notify(_("Return receipt printed."))
        else:
            self.app.notify(message, severity="error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.app.notify(
                _("Could not print: {error}. The return is saved.").format(
                    error=event.worker.error
                ),
                severity="error",
            )

    def action_back(self) -> None:
        """From the lines back to finding a sale; from there back to the sale screen."""
        if self.phase == "lines":
            self.original = None
            self.items = []
            self.quantities = {}
            self.return_uuid = None
            self.show_message("")
            self.load_sales()
            self.show_phase()
            return
        if self.app.screen is self:
            self.app.pop_screen()
