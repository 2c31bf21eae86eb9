"""The register's devices in one place: the receipt printer (and its drawer), a serial scanner
and the fiscal queue's count. Built from the settings at login, closed at logout and exit.

No Textual here: the app gives the scanner callbacks and turns them into messages itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from torgtui import db
from torgtui.config import Settings
from torgtui.errors import ConfigError
from torgtui.hw.printer import PrintOutcome, ReceiptPrinter, open_printer, print_committed
from torgtui.hw.printer import reprint as reprint_receipt
from torgtui.i18n import _
from torgtui.models import FiscalJob, Receipt

WAITING = ("pending", "sending", "error")


class DeviceHub:
    """The printer, the serial scanner (when set up) and the fiscal queue of one register.

    ``messages`` holds what went wrong while opening the devices (for the cashier to read);
    the register keeps selling without a printer. Print calls block: run them in a worker.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        on_scan: Callable[[str], None] | None = None,
        on_status: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.messages: list[str] = []
        self.printer: ReceiptPrinter | None = None
        self.scanner = None
        try:
            self.printer = open_printer(settings.devices)
        except ConfigError as exc:
            self.messages.append(
                _("{error} Selling without a receipt printer.").format(error=exc.message)
            )
        devices = settings.devices
        if devices.scanner == "serial":
            if not devices.scanner_port:
                self.messages.append(
                    _(
                        "Setting devices.scanner = serial needs devices.scanner_port, like "
                        "/dev/ttyACM0: scan with a keyboard-wedge scanner or type codes."
                    )
                )
            elif on_scan is not None:
                from torgtui.hw.scanner import SerialScanner

                self.scanner = SerialScanner(
                    devices.scanner_port,
                    devices.scanner_baudrate,
                    on_scan,
                    on_status or (lambda _text: None),
                )
                self.scanner.start()

    @property
    def has_printer(self) -> bool:
        return self.printer is not None

    def print_receipt(self, receipt: Receipt, cash: bool) -> PrintOutcome:
        """Print a just-committed receipt (and open the drawer for cash). Never raises."""
        return print_committed(receipt, self.printer, self.settings, cash=cash)

    def reprint(self, receipt: Receipt) -> PrintOutcome:
        """Print ``receipt`` again (F9): a copy, or its first print if that failed."""
        return reprint_receipt(receipt, self.printer, self.settings)

    def fiscal_waiting(self) -> int:
        """How many fiscal jobs wait to be sent (pending, being sent or failed)."""
        return FiscalJob.select().where(FiscalJob.status.in_(WAITING)).count()

    def fiscal_waiting_in_thread(self) -> int | None:
        """:meth:`fiscal_waiting` on the calling thread's own connection; None on a DB error."""
        try:
            with db.database.connection_context():
                return self.fiscal_waiting()
        except Exception:  # the header shows nothing rather than failing the register
            return None

    def close(self) -> None:
        """Stop the scanner thread and release the printer."""
        if self.scanner is not None:
            self.scanner.stop()
            self.scanner = None
        if self.printer is not None:
            with contextlib.suppress(Exception):
                self.printer.close()
            self.printer = None
