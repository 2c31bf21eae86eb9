"""The shift screen (F10 on the sale screen): open a shift with the cash float, cash in and out,
the X report kept up to date, and the Z report that closes the shift after the cash is counted.

Every write goes through :mod:`torgtui.sales.shifts`, which checks permissions and refuses what
cannot be done (a Z report while receipts are held, more cash out than the drawer holds); its
message is shown here in words. Reports are printed in a thread worker when there is a printer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Label
from textual.worker import Worker, WorkerState

from torgtui.catalog.stock import location_by_code
from torgtui.i18n import _
from torgtui.money import format_money
from torgtui.sales import shifts
from torgtui.screens.till import (
    devices_of,
    difference_words,
    drawer_rows,
    pair,
    print_lines,
    problem,
    report_text,
    sales_rows,
)
from torgtui.screens.till_dialogs import CashMoveDialog, ConfirmDialog, ValueDialog
from torgtui.values import parse_money
from torgtui.widgets.status import StatusLine

if TYPE_CHECKING:
    from torgtui.app import TorgApp
    from torgtui.models import Shift

COLUMN_WIDTH = 36  # each report column inside its border at 80 columns
REFRESH_SECONDS = 15.0


def parse_counted(text: str) -> int:
    """Counted cash: an amount of money, zero or more (bounded by values.parse_money)."""
    return parse_money(text, _("The counted cash"))


class StateLabel:
    """A label updated only when its text changes (the screen redraws every few seconds)."""

    def __init__(self, label: Label) -> None:
        self.label = label

    def update(self, text: str) -> None:
        if str(self.label.content) != text:
            self.label.update(text)


class ShiftScreen(Screen[None]):
    """Open, watch and close this employee's shift on this register."""

    CSS_PATH = "shift.tcss"
    AUTO_FOCUS = "#shift-float"
    BINDINGS = [
        Binding("escape", "back", _("Back"), id="shift.back"),
        Binding("f2", "cash('in')", _("Cash in"), id="shift.cash_in"),
        Binding("f3", "cash('out')", _("Cash out"), id="shift.cash_out"),
        Binding("f5", "x_report", _("X report"), id="shift.x_report"),
        Binding("f7", "bonus_cash_out", _("Bonus cash-out"), id="shift.bonus_cash_out"),
        Binding("f8", "close_shift", _("Z report"), id="shift.close"),
        # Ctrl+L and Ctrl+O work here too, out of the footer (as in the areas): the keys fit 80
        Binding("ctrl+l", "app.lock", _("Lock"), show=False, priority=True, id="shift.lock"),
        Binding("ctrl+o", "app.logout", _("Log out"), show=False, id="shift.logout"),
    ]

    app: TorgApp

    def __init__(self) -> None:
        super().__init__()
        self.shift: Shift | None = None
        self.report: shifts.ShiftReport | None = None
        self.z_report: shifts.ShiftReport | None = None
        self.counted: int | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine(_("Shift"))
        yield Label("", id="shift-state", markup=False)
        with Vertical(id="shift-open"):
            yield Label(
                _("Count the cash in the drawer, type it as the float and press Enter."),
                id="shift-open-hint",
            )
            yield Input(placeholder=_("Float, e.g. 500.00 (0 if none)"), id="shift-float")
        with Horizontal(id="shift-report"):
            yield Label("", id="shift-sales", markup=False)
            yield Label("", id="shift-drawer", markup=False)
        yield Label("", id="shift-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#shift-sales").border_title = _("Sales")
        self.query_one("#shift-drawer").border_title = _("Cash drawer")
        self.reload()
        self.set_interval(REFRESH_SECONDS, self.refresh_report)

    def on_screen_resume(self) -> None:
        if self.z_report is None:
            self.refresh_report()

    # --- state ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.app.settings.database.url

    @property
    def fiscal(self) -> bool:
        return self.app.settings.devices.fiscal != "none"

    def show_message(self, text: str) -> None:
        self.query_one("#shift-message", Label).update(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#shift-message", Label).content)

    def reload(self) -> None:
        """Find this employee's open shift on this register and show it (or the open form)."""
        try:
            self.shift = shifts.current_shift(self.app.employee, self.app.terminal)
        except Exception as exc:
            if (text := problem(exc, self.url)) is None:
                raise
            self.shift = None
            self.show_message(text)
        self.refresh_report()

    def refresh_report(self) -> None:
        """Read the X report again and redraw (also every few seconds while open)."""
        if self.z_report is not None or not self.is_attached:
            return
        self.report = None
        if self.shift is not None:
            try:
                self.report = shifts.x_report(self.shift)
            except Exception as exc:
                if (text := problem(exc, self.url)) is None:
                    raise
                self.show_message(text)
        self.redraw()

    def redraw(self) -> None:
        state = StateLabel(self.query_one("#shift-state", Label))
        form = self.query_one("#shift-open")
        if self.z_report is not None and self.shift is not None:
            state.update(
                _("Shift {id} is closed. Z report (press Escape to go back):").format(
                    id=self.shift.id
                )
            )
            form.display = False
            self.show_columns(self.z_report, self.counted)
        elif self.shift is not None:
            state.update(
                _("Shift {id} is open on {register} since {at:%d.%m %H:%M}.").format(
                    id=self.shift.id, register=self.shift.register, at=self.shift.opened_at
                )
            )
            form.display = False
            self.show_columns(self.report, None)
        else:
            state.update(
                _("No shift is open for you on {register}.").format(register=self.app.terminal)
            )
            form.display = True
            self.show_columns(None, None)
            self.query_one("#shift-float", Input).focus()
        self.refresh_bindings()

    def show_columns(self, report: shifts.ShiftReport | None, counted: int | None) -> None:
        box = self.query_one("#shift-report")
        box.display = report is not None
        if report is None:
            return
        sales = [pair(a, b, COLUMN_WIDTH) for a, b in sales_rows(report)]
        drawer = [pair(a, b, COLUMN_WIDTH) for a, b in drawer_rows(report, counted)]
        # the report is read again every few seconds: unchanged text is not drawn again
        for selector, text in (
            ("#shift-sales", "\n".join(sales)),
            ("#shift-drawer", "\n".join(drawer)),
        ):
            label = self.query_one(selector, Label)
            if str(label.content) != text:
                label.update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("cash", "x_report", "close_shift", "bonus_cash_out"):
            return self.shift is not None and self.z_report is None
        return True

    # --- opening ----------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.shift is not None:
            return
        text = event.value.strip()
        if not text:
            self.show_message(_("Type the cash float (0 if the drawer is empty) and press Enter."))
            return
        app = self.app
        try:
            amount = parse_money(text, _("The float"))
            location = location_by_code(app.settings.store.location)
            self.shift = shifts.open_shift(
                app.employee,
                app.terminal,
                location,
                amount,
                clock=app.clock,
                fiscal=self.fiscal,
            )
        except Exception as exc:
            if (message := problem(exc, self.url)) is None:
                raise
            self.show_message(message)
            return
        event.input.value = ""
        self.show_message(
            _("Shift {id} is open with a float of {amount}.").format(
                id=self.shift.id, amount=format_money(amount)
            )
        )
        self.refresh_report()

    # --- while open -------------------------------------------------------------------------

    def action_cash(self, kind: str) -> None:
        title = (
            _("Cash in: money put into the drawer")
            if kind == "in"
            else _("Cash out: money taken from the drawer")
        )
        self.app.push_screen(CashMoveDialog(title), lambda answer: self.cash_moved(kind, answer))

    def cash_moved(self, kind: str, answer: tuple[int, str] | None) -> None:
        if answer is None or self.shift is None:
            return
        amount, note = answer
        app = self.app
        try:
            shifts.cash_move(
                self.shift, app.employee, kind, amount, note, clock=app.clock, fiscal=self.fiscal
            )
        except Exception as exc:
            if (message := problem(exc, self.url)) is None:
                raise
            self.show_message(message)
            self.reload()
            return
        done = _("Cash in: {amount}.") if kind == "in" else _("Cash out: {amount}.")
        self.show_message(done.format(amount=format_money(amount)))
        self.refresh_report()

    def action_bonus_cash_out(self) -> None:
        """A customer's bonuses paid out in cash (torgtui.screens.cashout)."""
        from torgtui.screens.cashout import CashOutDialog

        if self.shift is not None:
            self.app.push_screen(CashOutDialog(self.shift, fiscal=self.fiscal), self.cashed_out)

    def cashed_out(self, done: object) -> None:
        if done is None:
            return
        self.show_message(
            _("Bonus cash-out: {amount} paid; {left} in bonuses left on the card.").format(
                amount=format_money(done.amount),  # type: ignore[attr-defined]
                left=format_money(done.balance),  # type: ignore[attr-defined]
            )
        )
        self.refresh_report()

    def action_x_report(self) -> None:
        """Read the totals again and print them when there is a printer."""
        self.refresh_report()
        if self.report is None or self.shift is None:
            return
        title = _("X report, shift {id}, {register}").format(
            id=self.shift.id, register=self.shift.register
        )
        self.print_report(title, self.report, None)

    def print_report(self, title: str, report: shifts.ShiftReport, counted: int | None) -> None:
        devices = devices_of(self.app)
        if devices is None:
            self.app.notify(_("No printer: the report is on the screen only."))
            return
        width = self.app.settings.devices.printer_width
        stamp = _("{at:%d.%m.%Y %H:%M}, {name}").format(
            at=self.app.clock(), name=self.app.employee.name
        )
        lines = [title, stamp, *report_text("", report, width, counted=counted)[1:]]
        self.print_worker(devices.printer, lines)

    @work(thread=True, group="shift-print", exit_on_error=False)
    def print_worker(self, printer: object, lines: list[str]) -> None:
        ok, message = print_lines(printer, lines)
        self.app.call_from_thread(self.printed, ok, message)

    def printed(self, ok: bool, message: str) -> None:
        if ok:
            self.app.notify(_("Report printed."))
        else:
            self.app.notify(message, severity="error")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.app.notify(
                _("Could not print the report: {error}").format(error=event.worker.error),
                severity="error",
            )

    # --- closing ----------------------------------------------------------------------------

    def action_close_shift(self) -> None:
        """Ask the counted cash, show the difference, confirm, then close (the Z report)."""
        self.refresh_report()
        if self.shift is None or self.report is None:
            return
        try:  # open or held receipts first: nobody counts the drawer for a refused Z report
            shifts.check_nothing_unfinished(self.shift)
        except Exception as exc:
            if (message := problem(exc, self.url)) is None:
                raise
            self.show_message(message)
            return
        self.app.push_screen(
            ValueDialog(
                _("Z report: close shift {id}").format(id=self.shift.id),
                _("Count the cash in the drawer, type it and press Enter."),
                parse_counted,
            ),
            self.counted_typed,
        )

    def counted_typed(self, counted: int | None) -> None:
        if counted is None or self.shift is None:
            return
        self.refresh_report()
        if self.report is None:
            return
        expected = self.report.cash_expected
        text = "\n".join(
            [
                _("Expected in the drawer: {amount}").format(amount=format_money(expected)),
                _("Counted: {amount}").format(amount=format_money(counted)),
                difference_words(counted, expected),
                _("Close the shift and print the Z report?"),
            ]
        )
        self.app.push_screen(
            ConfirmDialog(_("Close shift {id}?").format(id=self.shift.id), text),
            lambda yes: self.close_confirmed(counted, yes),
        )

    def close_confirmed(self, counted: int, yes: bool | None) -> None:
        if not yes or self.shift is None:
            self.show_message(_("The shift stays open."))
            return
        app = self.app
        try:
            report = shifts.close_shift(
                self.shift, app.employee, counted, clock=app.clock, fiscal=self.fiscal
            )
        except Exception as exc:
            if (message := problem(exc, self.url)) is None:
                raise
            self.show_message(message)
            return
        self.z_report, self.counted = report, counted
        self.show_message(difference_words(counted, report.cash_expected))
        self.redraw()
        title = _("Z report, shift {id}, {register}").format(
            id=self.shift.id, register=self.shift.register
        )
        self.print_report(title, report, counted)

    def action_back(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()
