"""The call journal and the missed calls to call back (torgtui.channels.call_journal), newest
first, paged from the database as the cursor nears the end of what is shown.

F2 switches between every call and the missed calls still to call back; F5 marks the
highlighted missed call (and that number's earlier ones) called back by the logged-in
employee; Enter opens the caller's card; F4 reads the list again; Escape goes back. Reached
from the command palette ("Call journal", "Missed calls").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label

from torgtui.channels.call_journal import (
    JournalRow,
    disposition_title,
    journal_page,
    mark_called_back,
    missed_count,
)
from torgtui.customers.service import shown_phone
from torgtui.i18n import _
from torgtui.screens.customer_card_common import DbJobs
from torgtui.widgets.status import StatusLine

if TYPE_CHECKING:
    from torgtui.app import TorgApp

PAGE = 100


def columns() -> tuple[tuple[str, int], ...]:
    return (
        (_("When"), 11),
        (_("Dir"), 3),
        (_("Number"), 14),
        (_("Customer"), 14),
        (_("Result"), 9),
        (_("Talk"), 5),
        (_("Call back"), 9),
    )


def direction_title(direction: str) -> str:
    return {"in": _("in"), "out": _("out")}.get(direction, direction)


def callback_cell(row: JournalRow) -> Text:
    if row.callback == "due":
        return Text(_("to call"), style="bold yellow", no_wrap=True)
    if row.callback == "done":
        return Text(row.callback_by or _("done"), no_wrap=True)
    return Text("")


def fitted(text: str, width: int) -> str:
    """``text`` in ``width`` columns: a long name ends in "…" rather than mid-letter."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def row_cells(row: JournalRow, viewer: object) -> tuple[Text, ...]:
    talk = f"{row.talk_seconds // 60}:{row.talk_seconds % 60:02d}" if row.talk_seconds else ""
    result = disposition_title(row.disposition)
    return (
        Text(f"{row.started_at:%d.%m %H:%M}", no_wrap=True),
        Text(direction_title(row.direction), no_wrap=True),
        Text(shown_phone(row.external_number, viewer), no_wrap=True),  # type: ignore[arg-type]
        Text(fitted(row.customer or "-", 14), no_wrap=True),
        Text(result, style="" if row.disposition == "answered" else "red", no_wrap=True),
        Text(talk, no_wrap=True),
        callback_cell(row),
    )


class CallsScreen(DbJobs, Screen[None]):
    """The journal (or the missed calls only), with keys to call back and open the card."""

    DEFAULT_CSS = """
    CallsScreen #calls-title { width: 100%; padding: 0 1; text-style: bold; }
    CallsScreen #calls-table { height: 1fr; }
    CallsScreen #calls-message { width: 100%; padding: 0 1; color: $warning; }
    """
    AUTO_FOCUS = "#calls-table"
    BINDINGS = [
        Binding("f2", "switch_list", _("All/missed"), id="calls.toggle"),
        Binding("f5", "called_back", _("Called back"), id="calls.done"),
        Binding("f4", "refresh", _("Refresh"), id="calls.refresh"),
        Binding("enter", "open_card", _("Open card"), priority=True, id="calls.open"),
        Binding("escape", "back", _("Back"), id="calls.back"),
        # as on the area screens: they work, the footer leaves them out (80 columns)
        Binding("ctrl+l", "app.lock", _("Lock"), show=False, priority=True, id="calls.lock"),
        Binding("ctrl+o", "app.logout", _("Log out"), show=False, id="calls.logout"),
    ]

    app: TorgApp

    def __init__(self, *, missed_only: bool = False) -> None:
        super().__init__()
        self.missed_only = missed_only
        self.rows: list[JournalRow] = []
        self.exhausted = False
        self.reading = False
        self.missed = 0

    def compose(self) -> ComposeResult:
        yield StatusLine(_("Call journal"))
        yield Label("", id="calls-title", markup=False)
        yield DataTable(id="calls-table", cursor_type="row")
        yield Label("", id="calls-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one("#calls-table", DataTable)
        for title, width in columns():
            table.add_column(title, width=width)
        self.reload()

    # --- reading ----------------------------------------------------------------------------

    def reload(self) -> None:
        self.rows, self.exhausted, self.reading = [], False, False
        self.query_one("#calls-table", DataTable).clear()
        self.more()

    def more(self) -> None:
        if self.reading or self.exhausted:
            return
        self.reading = True
        missed_only = self.missed_only
        before = (self.rows[-1].started_at, self.rows[-1].id) if self.rows else None
        self.job(
            lambda: (
                journal_page(missed_only=missed_only, before=before, limit=PAGE),
                missed_count(),
            ),
            self.add_page,
        )

    def add_page(self, result: tuple[list[JournalRow], int]) -> None:
        rows, self.missed = result
        self.reading = False
        self.exhausted = len(rows) < PAGE
        table = self.query_one("#calls-table", DataTable)
        for row in rows:
            table.add_row(*row_cells(row, self.app.employee), key=str(row.id), height=1)
        self.rows.extend(rows)
        self.show_title()

    def show_title(self) -> None:
        what = _("Missed calls to call back") if self.missed_only else _("Call journal")
        self.query_one("#calls-title", Label).update(
            _("{what}: {missed} to call back").format(what=what, missed=self.missed)
        )
        if not self.rows:
            self.say(
                _("No missed calls wait for a call back.")
                if self.missed_only
                else _("No calls yet: they come from Binotel (see docs/binotel.md).")
            )

    def say(self, text: str) -> None:
        self.query_one("#calls-message", Label).update(text)

    def show_error(self, text: str) -> None:
        self.say(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self.rows) - 5:
            self.more()

    def highlighted(self) -> JournalRow | None:
        table = self.query_one("#calls-table", DataTable)
        if not table.row_count or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    # --- keys -------------------------------------------------------------------------------

    def action_switch_list(self) -> None:
        self.missed_only = not self.missed_only
        self.say("")
        self.reload()

    def action_refresh(self) -> None:
        self.say("")
        self.reload()

    def action_called_back(self) -> None:
        row = self.highlighted()
        if row is None:
            return
        if row.callback != "due":
            self.say(_("This call does not wait for a call back: choose one marked 'to call'."))
            return
        by, clock, call_id = self.app.employee, self.app.clock, row.id

        def marked(count: int) -> None:
            self.say(_("Marked called back: {n} call(s).").format(n=count))
            self.reload()

        self.job(lambda: mark_called_back(call_id, by=by, clock=clock), marked)

    def action_open_card(self) -> None:
        from torgtui.screens.customer_card import CustomerCardScreen

        row = self.highlighted()
        if row is None:
            return
        if row.customer_id is None:
            self.say(_("No card has this number: add the customer in Customers (key 2)."))
            return
        self.app.push_screen(CustomerCardScreen(row.customer_id))

    def action_back(self) -> None:
        self.dismiss(None)
