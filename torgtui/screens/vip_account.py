"""A VIP customer's statement: the account's terms and state, the unpaid items (what each
still owes, its due date and days overdue), and every entry newest first with the balance
after it (keyset pages from torgtui.marketing.vip_statement.entries_page).

Space marks unpaid items to pay first; F4 takes a payment, F5 a deposit (goods-and-cash
accounts), F6 writes the statement to a PDF or XLSX file, F7 changes the terms.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label

from torgtui.i18n import _
from torgtui.marketing import vip
from torgtui.marketing.vip import Mode, VipState
from torgtui.marketing.vip_export import export_statement
from torgtui.marketing.vip_statement import DebtItem, StatementEntry, debts_of, entries_page
from torgtui.money import format_money
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import Page, RowList, fit, parse_day
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.vip import VipActions, amount, state_lines
from torgtui.staff import Permission, can

HERE = Path(__file__).parent
# the mark, bought, what (the rest), charged, owes, due, days late
ITEM_WIDTHS = (1, 8, 0, 10, 10, 8, 4)
RIGHT = {3, 4, 6}  # amounts and days: aligned right
# when, what (the rest), amount, balance
ENTRY_WIDTHS = (14, 11, 11)


def day(moment: dt.datetime | None) -> str:
    return f"{moment:%d.%m.%y}" if moment else ""


def signed(kopecks: int) -> str:
    """An entry's amount with its sign: + money in, - bought on account."""
    text = format_money(abs(kopecks), symbol=False)
    return ("+" if kopecks > 0 else "-") + text if kopecks else text


def entry_cells(entry: StatementEntry) -> tuple[str, ...]:
    what = f"{entry.title}: {entry.detail}" if entry.detail else entry.title
    return (
        f"{entry.at:%d.%m.%y %H:%M}",
        what,
        signed(entry.amount),
        format_money(entry.balance, symbol=False),
    )


def entries_loader(customer_id: int, by: Any):
    """A forward-only PagedList loader over the entries, newest first (a worker thread)."""
    from torgtui import db

    def load(request: Any) -> Page:
        before = request.key if request.kind == "after" else None
        with db.database.connection_context():
            rows = entries_page(customer_id, by=by, before_id=before, limit=request.limit)
        full = len(rows) >= request.limit
        return Page(rows, rows[-1].entry_id if rows and full else None)

    return load


class ExportDialog(FormDialog):
    """Where to write the statement (.pdf or .xlsx) and, optionally, its period."""

    BINDINGS = [Binding("f2", "submit", _("Export"), id="vip_export.export")]


def export_dialog(name: str, default_path: str, export: Any) -> ExportDialog:
    def parse(values: dict[str, str]) -> tuple[str, dt.date | None, dt.date | None]:
        start = parse_day(values["start"], _("From"))
        end = parse_day(values["end"], _("To"))
        return values["path"].strip(), start, end

    return ExportDialog(
        _("Statement of {name} to a file").format(name=name),
        [
            FormField("path", _("File"), default_path, _("statement.pdf or .xlsx")),
            FormField("start", _("From"), "", _("DD.MM.YYYY or empty")),
            FormField("end", _("To"), "", _("DD.MM.YYYY or empty")),
        ],
        parse,
        lines=[_("A .pdf or .xlsx file; empty dates: from the first entry to today.")],
        label_width=8,
        save=export,
    )


class EntryRows(RowList):
    BINDINGS = [Binding("enter", "select", _("Open"), show=False, id="vip_statement.open")]


class VipStatementScreen(VipActions, AreaScreen):
    """One VIP account: its state, the unpaid items and the entries."""

    CSS_PATH = [HERE / "area.tcss", HERE / "vip.tcss"]
    AUTO_FOCUS = "#vip-items"
    BINDINGS = [
        Binding("f4", "pay", _("Pay"), id="vip_statement.pay"),
        Binding("f5", "deposit", _("Deposit"), id="vip_statement.deposit"),
        Binding("f6", "export", _("Export"), id="vip_statement.export"),
        Binding("f7", "terms", _("Terms"), id="vip_statement.terms"),
        Binding("space", "mark", _("Mark"), id="vip_statement.mark"),
    ]

    def __init__(self, area: Area, customer_id: int, name: str = "") -> None:
        super().__init__(area)
        self.customer_id = customer_id
        self.customer_name = name
        self.state: VipState | None = None
        self.items: list[DebtItem] = []
        self.marked: list[int] = []  # unpaid items to pay first, in the order marked

    def place(self) -> str:
        if not self.customer_name:
            return self.area.title
        return _("VIP: {name}").format(name=self.customer_name)

    def compose_body(self) -> ComposeResult:
        yield Label("", id="vip-state", markup=False)
        yield Label(
            _("Unpaid items, the first due first (Space: pay these first)"),
            classes="vip-heading",
            id="vip-items-heading",
        )
        yield DataTable(id="vip-items", cursor_type="row", zebra_stripes=True)
        yield Label(_("Entries, newest first"), classes="vip-heading")
        yield Label("", classes="vip-columns", id="vip-entries-header", markup=False)
        yield EntryRows(self.render_entry, row_id=lambda e: e.entry_id, id="vip-entries")
        yield Label("", id="vip-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#vip-items", DataTable)
        titles = ("", _("Bought"), _("What"), _("Charged"), _("Owes"), _("Due"), _("Late"))
        for n, (title, width) in enumerate(zip(titles, self.item_widths(), strict=True)):
            table.add_column(Text(title, justify="right" if n in RIGHT else "left"), width=width)
        self.show_entries_header()
        entries = self.query_one("#vip-entries", EntryRows)
        entries.empty_text = _("No entries on this account yet.")
        entries.show(entries_loader(self.customer_id, self.app.employee), backwards=False)
        self.read()

    def item_widths(self) -> tuple[int, ...]:
        fixed = sum(w for w in ITEM_WIDTHS) + 2 * len(ITEM_WIDTHS)
        room = max(10, min(self.app.size.width, 80) - 4 - fixed)
        return tuple(w or room for w in ITEM_WIDTHS)

    def show_entries_header(self) -> None:
        width = max(20, self.app.size.width - 1)
        titles = (_("When"), _("What"), _("Amount"), _("Balance"))
        self.query_one("#vip-entries-header", Label).update(" " + self.entry_line(titles, width))

    @staticmethod
    def entry_line(cells: tuple[str, ...], width: int) -> str:
        """When (fixed), what (the rest), amount and balance (right-aligned)."""
        when, what, money, balance = cells
        rest = max(6, width - ENTRY_WIDTHS[0] - ENTRY_WIDTHS[1] - ENTRY_WIDTHS[2] - 3)
        return " ".join(
            (
                fit(when, ENTRY_WIDTHS[0]),
                fit(what, rest),
                fit(money, ENTRY_WIDTHS[1], right=True),
                fit(balance, ENTRY_WIDTHS[2], right=True),
            )
        )

    def render_entry(self, entry: StatementEntry, width: int) -> str:
        return self.entry_line(entry_cells(entry), width)

    # --- reading --------------------------------------------------------------------------

    def read(self) -> None:
        employee, now = self.app.employee, self.app.clock()
        customer_id = self.customer_id

        def load() -> tuple[VipState | None, list[DebtItem]]:
            return (
                vip.summary(customer_id, by=employee, at=now),
                debts_of(customer_id, by=employee, at=now),
            )

        self.job(load, self.show)

    def show(self, found: tuple[VipState | None, list[DebtItem]]) -> None:
        self.state, self.items = found
        state_label = self.query_one("#vip-state", Label)
        if self.state is None:
            state_label.update(_("This customer is not VIP (any more)."))
        else:
            state_label.update("\n".join(state_lines(self.state)))
        state_label.set_class(bool(self.state and self.state.overdue), "-overdue")
        open_ids = {item.entry_id for item in self.items}
        self.marked = [i for i in self.marked if i in open_ids]
        self.fill_items()
        self.refresh_bindings()

    def fill_items(self) -> None:
        table = self.query_one("#vip-items", DataTable)
        row = table.cursor_row
        table.clear()
        widths = self.item_widths()
        for item in self.items:
            late = str(item.overdue_days) if item.overdue_days else ""
            cells = (
                "*" if item.entry_id in self.marked else " ",
                day(item.at),
                item.what,
                amount(item.charged),
                amount(item.owes),
                day(item.due_at),
                late,
            )
            styled = [
                Text(fit(cell, width, right=n in RIGHT), no_wrap=True)
                for n, (cell, width) in enumerate(zip(cells, widths, strict=True))
            ]
            if item.overdue_days:
                for text in styled:
                    text.stylize("bold")
            table.add_row(*styled, key=str(item.entry_id))
        if not self.items:
            table.add_row(" ", "", _("Nothing is owed."), "", "", "", "", key="none")
        elif row:
            table.move_cursor(row=min(row, table.row_count - 1))

    def changed(self) -> None:
        self.marked.clear()  # what was chosen is paid (or the terms changed): choose again
        self.read()
        self.query_one("#vip-entries", EntryRows).show(
            entries_loader(self.customer_id, self.app.employee), backwards=False
        )

    def say(self, text: str) -> None:
        message = self.query_one("#vip-message", Label)
        message.update(text)
        message.display = bool(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#vip-message", Label).content)

    # --- keys -----------------------------------------------------------------------------

    def action_back(self) -> None:
        """Back to the list, which reads its rows again (a payment changes them)."""
        if self.app.screen is self:
            self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        employee = self.app.employee
        if action in ("pay", "deposit") and not can(employee, Permission.SELL):
            return False
        if action == "deposit":
            return self.state is not None and self.state.mode == Mode.ACCOUNT
        if action == "terms":
            return can(employee, Permission.EDIT_VIP)
        if action == "mark":
            return bool(self.items) and can(employee, Permission.SELL)
        return True

    def action_mark(self) -> None:
        """Space on an unpaid item: pay it first (again: not any more)."""
        table = self.query_one("#vip-items", DataTable)
        if not self.items or not 0 <= table.cursor_row < len(self.items):
            return
        entry_id = self.items[table.cursor_row].entry_id
        if entry_id in self.marked:
            self.marked.remove(entry_id)
        else:
            self.marked.append(entry_id)
        self.fill_items()
        if table.cursor_row + 1 < table.row_count:
            table.move_cursor(row=table.cursor_row + 1)

    def action_pay(self) -> None:
        self.take_money(self.customer_id, "payment", list(self.marked))

    def action_deposit(self) -> None:
        self.take_money(self.customer_id, "deposit")

    def action_terms(self) -> None:
        name = self.state.name if self.state is not None else ""
        self.edit_terms(self.customer_id, name)

    def action_export(self) -> None:
        state = self.state
        if state is None:
            self.say(_("This customer has no VIP account to print."))
            return
        today = self.app.clock().date()
        tag = state.card or str(self.customer_id)
        default = str(Path.home() / f"vip-{tag}-{today.isoformat()}.pdf")
        employee, clock, customer_id = self.app.employee, self.app.clock, self.customer_id

        def export(answer: tuple[str, dt.date | None, dt.date | None]) -> str:
            path, start, end = answer
            export_statement(customer_id, path, by=employee, start=start, end=end, clock=clock)
            return path

        def written(path: str | None) -> None:
            if path is not None:
                self.app.notify(_("Statement written to {path}.").format(path=path), timeout=8)

        self.app.push_screen(export_dialog(state.name, default, export), written)
