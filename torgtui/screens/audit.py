"""The Audit log area: who did what and when, newest first, paged from the database.

Pages are read by id (keyset paging) in a thread worker; the next page loads when the cursor
reaches the last row. The highlighted entry is shown in full below the table.
"""

from __future__ import annotations

from dataclasses import dataclass

import peewee
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Label
from textual.worker import Worker, WorkerState

from torgtui import db, staff
from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.models import Employee
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area

PAGE_SIZE = 100
# time, employee, action, object; the change takes what is left of 80 columns
COLUMN_WIDTHS = (16, 12, 12, 10, 18)


@dataclass(frozen=True)
class AuditRow:
    """One audit entry as plain text, read in the worker thread."""

    id: int
    at: str
    employee: str
    action: str
    object: str
    before: str
    after: str
    terminal: str

    @property
    def change(self) -> str:
        if not self.before and not self.after:
            return ""
        return f"{self.before or '-'} -> {self.after or '-'}"


def read_audit_page(
    viewer: Employee, *, before_id: int | None, limit: int, url: str
) -> list[AuditRow] | str:
    """A page of the audit log as rows, or the message to show (no permission, database error).

    Runs in a worker thread on its own connection.
    """
    try:
        with db.database.connection_context():
            entries = staff.audit_page(viewer, before_id=before_id, limit=limit)
            return [
                AuditRow(
                    id=entry.id,
                    at=f"{entry.at:%Y-%m-%d %H:%M:%S}",
                    employee=entry.employee.name if entry.employee_id else "",
                    action=entry.action,
                    object=f"{entry.object_type} {entry.object_id}".strip(),
                    before=entry.before or "",
                    after=entry.after or "",
                    terminal=entry.terminal,
                )
                for entry in entries
            ]
    except TorgError as exc:
        return exc.message
    except peewee.DatabaseError as exc:
        return db.explain(exc, url).message


def _cell(text: str, width: int) -> Text:
    if len(text) > width:
        text = text[: width - 1] + "…"
    return Text(text, no_wrap=True)


class AuditTable(DataTable):
    """A row table where Home/End go to the first/last row and moving down at the last row asks
    for more (``ReachedEnd``), so the next page loads even when the cursor cannot move."""

    BINDINGS = [
        Binding("home", "scroll_top", _("First"), show=False, id="audit.first"),
        Binding("end", "scroll_bottom", _("Last"), show=False, id="audit.last"),
    ]

    class ReachedEnd(Message):
        """The cursor is on the last row and the user asked to go further."""

    def _check_end(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.ReachedEnd())

    def action_cursor_down(self) -> None:
        super().action_cursor_down()
        self._check_end()

    def action_page_down(self) -> None:
        super().action_page_down()
        self._check_end()

    def action_scroll_bottom(self) -> None:
        super().action_scroll_bottom()
        self._check_end()


class AuditScreen(AreaScreen):
    """The audit log in a table, newest first, loading older pages as the cursor goes down."""

    CSS_PATH = ["area.tcss", "audit.tcss"]

    def __init__(self, area: Area, *, page_size: int = PAGE_SIZE) -> None:
        super().__init__(area)
        self.page_size = page_size
        self.oldest_id: int | None = None
        self.exhausted = False
        self.reading = False
        self.rows: list[AuditRow] = []

    def compose_body(self) -> ComposeResult:
        yield AuditTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="audit-detail", markup=False)
        yield Label("", id="audit-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#audit-table", AuditTable)
        titles = (_("Time"), _("Employee"), _("Action"), _("Object"), _("Before -> after"))
        for title, width in zip(titles, COLUMN_WIDTHS, strict=True):
            table.add_column(title, width=width)
        table.focus()
        self.load_more()

    def load_more(self) -> None:
        """Read the next (older) page unless one is loading or the log has no more."""
        if self.reading or self.exhausted:
            return
        self.reading = True
        self.read_page(self.oldest_id)

    @work(thread=True, exclusive=True, group="audit", exit_on_error=False)
    def read_page(self, before_id: int | None) -> None:
        app = self.app
        result = read_audit_page(
            app.employee, before_id=before_id, limit=self.page_size, url=app.settings.database.url
        )
        app.call_from_thread(self.add_page, result)

    def add_page(self, result: list[AuditRow] | str) -> None:
        """Back on the UI thread: append the rows, or show why there are none."""
        self.reading = False
        if not self.is_attached:
            return
        if isinstance(result, str):
            self.exhausted = True
            self.query_one("#audit-message", Label).update(result)
            return
        if len(result) < self.page_size:
            self.exhausted = True
        if not result:
            if not self.rows:
                self.query_one("#audit-message", Label).update(_("The audit log is empty."))
            return
        table = self.query_one("#audit-table", AuditTable)
        for row in result:
            cells = (row.at[:16], row.employee or "-", row.action, row.object, row.change)
            table.add_row(
                *(_cell(text, width) for text, width in zip(cells, COLUMN_WIDTHS, strict=True)),
                key=str(row.id),
            )
        self.rows.extend(result)
        self.oldest_id = result[-1].id
        if len(self.rows) == len(result):
            self.show_detail(0)

    def show_detail(self, index: int) -> None:
        if not 0 <= index < len(self.rows):
            return
        row = self.rows[index]
        where = _(" at {terminal}").format(terminal=row.terminal) if row.terminal else ""
        head = f"#{row.id} {row.at} {row.employee or '-'}: {row.action} {row.object}{where}"
        self.query_one("#audit-detail", Label).update(f"{head}\n{row.change}".rstrip())

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.show_detail(event.cursor_row)
        if event.cursor_row >= event.data_table.row_count - 1:
            self.load_more()

    def on_audit_table_reached_end(self, event: AuditTable.ReachedEnd) -> None:
        event.stop()
        self.load_more()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.reading = False
            self.query_one("#audit-message", Label).update(
                _("Could not read the audit log: {error}").format(error=event.worker.error)
            )
