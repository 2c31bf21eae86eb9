"""Merging duplicate cards: the cards side by side, the cursor picks the one to keep, Enter asks
to confirm what moves, then ``merge_customers`` runs in a worker."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from torgtui.customers.merge import merge_customers
from torgtui.customers.service import shown_phone
from torgtui.i18n import _, ngettext
from torgtui.models import Customer, Employee
from torgtui.money import format_money
from torgtui.screens.customer_card_common import DbJobs
from torgtui.screens.sale_dialogs import ConfirmScreen
from torgtui.widgets.status import StatusLine

if TYPE_CHECKING:
    from torgtui.app import TorgApp

# 66 columns of text and 10 of cell padding: a card number (13) and a masked phone (16) whole
COLUMNS = ((_("Name"), 20), (_("Phone"), 16), (_("Card"), 13), (_("Bought"), 12), (_("Rcpt"), 5))


@dataclass(frozen=True)
class MergeRow:
    id: int
    name: str
    phone: str
    card: str
    bought: int
    receipts: int
    status: str


def read_cards(ids: list[int], viewer: Employee | None) -> list[MergeRow]:
    """The cards in the order given (missing ones left out), phones as ``viewer`` may see them."""
    found = {c.id: c for c in Customer.select().where(Customer.id.in_(ids))}
    return [
        MergeRow(
            c.id,
            c.name,
            shown_phone(c.phone, viewer),
            c.card or "",
            c.total_bought,
            c.receipts_count,
            c.status,
        )
        for c in (found[i] for i in ids if i in found)
    ]


def cut_text(text: str, width: int) -> Text:
    """A cell's text, cut with "…" (never silently) when longer than its column."""
    if len(text) > width:
        text = text[: width - 1] + "…"
    return Text(text, no_wrap=True)


class MergeScreen(DbJobs, Screen["int | None"]):
    """Merge ``customer_ids`` into one; dismisses with the kept card's id, or None."""

    CSS_PATH = "customer_card.tcss"
    AUTO_FOCUS = "#merge-table"
    BINDINGS = [Binding("escape", "back", _("Back"), id="merge.back")]

    app: TorgApp

    def __init__(self, customer_ids: list[int]) -> None:
        super().__init__()
        self.customer_ids = list(dict.fromkeys(customer_ids))
        self.rows: list[MergeRow] = []
        self.merging = False

    def compose(self) -> ComposeResult:
        yield StatusLine(_("Merge cards"))
        yield Label(
            _("Move the cursor to the card to KEEP and press Enter; Escape: back."),
            id="merge-hint",
        )
        yield DataTable(id="merge-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="merge-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one("#merge-table", DataTable)
        for title, width in COLUMNS:
            table.add_column(title, width=width)
        ids, viewer = self.customer_ids, self.app.employee
        self.job(lambda: read_cards(ids, viewer), self.show_rows)

    def show_error(self, text: str) -> None:
        self.query_one("#merge-message", Label).update(text)

    def show_rows(self, rows: list[MergeRow]) -> None:
        self.rows = rows
        table = self.query_one("#merge-table", DataTable)
        table.clear()
        for r in rows:
            name = r.name if r.status == "active" else f"{r.name} ({r.status})"
            cells = (name, r.phone, r.card, format_money(r.bought), str(r.receipts))
            table.add_row(
                *(cut_text(c, w) for c, (_t, w) in zip(cells, COLUMNS, strict=True)),
                key=str(r.id),
            )
        if len(rows) < 2:
            self.show_error(_("Choose at least two cards to merge (in the customer list)."))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.merging or len(self.rows) < 2:
            return
        keep = next((r for r in self.rows if str(r.id) == event.row_key.value), None)
        if keep is None:
            return
        others = [r.id for r in self.rows if r.id != keep.id]
        question = ngettext(
            "Merge {n} card into {name}: history, phones, family, interests and totals move to "
            "{name}; the others are closed. This cannot be undone.",
            "Merge {n} cards into {name}: history, phones, family, interests and totals move to "
            "{name}; the others are closed. This cannot be undone.",
            len(self.rows),
        ).format(n=len(self.rows), name=keep.name)

        def answered(yes: bool | None) -> None:
            if yes:
                self.merge(keep.id, others)

        self.app.push_screen(ConfirmScreen(question), answered)

    def merge(self, target: int, others: list[int]) -> None:
        by, clock = self.app.employee, self.app.clock
        self.merging = True
        self.show_error(_("Merging..."))
        self.job(lambda: merge_customers(target, others, by=by, clock=clock).id, self.merged)

    def _job_done(self, result: object, done: object) -> None:
        self.merging = False
        super()._job_done(result, done)  # type: ignore[arg-type]

    def merged(self, target: int) -> None:
        self.app.notify(_("Cards merged."))
        self.dismiss(target)

    def action_back(self) -> None:
        if self.app.screen is self and not self.merging:
            self.dismiss(None)
