"""Reminders at login: what the employee must do today (or should have done), in a list with
done, snooze and open-the-customer keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label

from torgtui.customers.contacts import done, due_reminders, snooze
from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.models import Employee, Reminder
from torgtui.screens.customer_card_common import DbJobs, format_date, parse_date, run_db
from torgtui.screens.sale_dialogs import DIALOG_CSS, AskScreen

if TYPE_CHECKING:
    from torgtui.app import TorgApp

COLUMNS = ((_("Customer"), 22), (_("What"), 36), (_("Due"), 10))


@dataclass(frozen=True)
class DueReminder:
    """A reminder as read in the worker thread."""

    id: int
    customer_id: int | None
    customer: str
    text: str
    due_date: dt.date


def read_due(employee: Employee, today: dt.date) -> list[DueReminder]:
    return [
        DueReminder(
            r.id,
            r.customer_id,
            r.customer.name if r.customer_id else "",
            r.text,
            r.due_date,
        )
        for r in due_reminders(employee, today)
    ]


def show_due_reminders(app: TorgApp) -> None:
    """After a login: read the employee's due reminders in a worker; if any, show the list."""
    employee = app.employee
    if employee is None:
        return
    today = app.clock().date()
    url = app.settings.database.url

    def read() -> None:
        result = run_db(lambda: read_due(employee, today), url)
        app.call_from_thread(shown, result)

    def shown(result: object) -> None:
        if isinstance(result, list) and result and app.employee is employee:
            app.push_screen(RemindersScreen(result))

    app.run_worker(read, thread=True, group="reminders", exit_on_error=False)


class RemindersScreen(DbJobs, ModalScreen[None]):
    """Today's reminders: D done, S snooze, Enter open the customer's card, Escape close."""

    DEFAULT_CSS = DIALOG_CSS.format(name="RemindersScreen").replace("width: 64;", "width: 78;")
    AUTO_FOCUS = "#reminders-table"
    BINDINGS = [
        Binding("d", "done", _("Done"), id="reminders.done"),
        Binding("s", "snooze", _("Snooze"), id="reminders.snooze"),
        Binding("enter", "open", _("Open card"), priority=True, id="reminders.open"),
        Binding("escape", "close", _("Close"), id="reminders.close"),
    ]

    app: TorgApp

    def __init__(self, reminders: list[DueReminder]) -> None:
        super().__init__()
        self.reminders = list(reminders)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Reminders for today"), classes="dialog-title")
            yield DataTable(id="reminders-table", cursor_type="row")
            yield Label(
                _("D: done   S: snooze   Enter: open the card   Escape: close"), markup=False
            )
            yield Label("", classes="dialog-message", id="reminders-message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#reminders-table", DataTable)
        for title, width in COLUMNS:
            table.add_column(title, width=width)
        self.show_rows()

    def show_rows(self) -> None:
        table = self.query_one("#reminders-table", DataTable)
        table.clear()
        for r in self.reminders:
            cells = (r.customer or "-", r.text, format_date(r.due_date))
            table.add_row(*(Text(c, no_wrap=True) for c in cells), key=str(r.id), height=1)

    def show_error(self, text: str) -> None:
        self.query_one("#reminders-message", Label).update(text)

    def highlighted(self) -> DueReminder | None:
        table = self.query_one("#reminders-table", DataTable)
        if not table.row_count or not 0 <= table.cursor_row < len(self.reminders):
            return None
        return self.reminders[table.cursor_row]

    def forget(self, reminder_id: int) -> None:
        """The reminder is done or snoozed: off the list; the list closes when empty."""
        self.reminders = [r for r in self.reminders if r.id != reminder_id]
        if not self.reminders:
            self.dismiss(None)
            return
        self.show_rows()
        self.show_error("")

    def action_done(self) -> None:
        reminder = self.highlighted()
        if reminder is None:
            return
        by, clock, rid = self.app.employee, self.app.clock, reminder.id
        self.job(
            lambda: done(Reminder.get_by_id(rid), by=by, clock=clock), lambda _r: self.forget(rid)
        )

    def action_snooze(self) -> None:
        reminder = self.highlighted()
        if reminder is None:
            return
        tomorrow = self.app.clock().date() + dt.timedelta(days=1)
        rid = reminder.id

        def typed(text: str | None) -> None:
            if text is None:
                return
            try:
                until = parse_date(text, _("Snooze"))
            except TorgError as exc:
                self.show_error(exc.message)
                return
            if until is None:
                self.show_error(_("Snooze: give the day to be reminded again."))
                return
            by, clock = self.app.employee, self.app.clock
            self.job(
                lambda: snooze(Reminder.get_by_id(rid), until, by=by, clock=clock),
                lambda _r: self.forget(rid),
            )

        self.app.push_screen(
            AskScreen(_("Remind again on (DD.MM.YYYY):"), value=format_date(tomorrow)),
            typed,
        )

    def action_open(self) -> None:
        from torgtui.screens.customer_card import CustomerCardScreen

        if self.app.screen is not self:
            return
        reminder = self.highlighted()
        if reminder is None:
            return
        if reminder.customer_id is None:
            self.show_error(_("This reminder is not about a customer."))
            return
        self.app.push_screen(CustomerCardScreen(reminder.customer_id))

    def action_close(self) -> None:
        self.dismiss(None)
