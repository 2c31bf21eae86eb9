"""The register's devices in one place: the receipt printer (and its drawer), a serial scanner,
the fiscal unit with its sender thread and the audio player (the festive sound of a birthday
or an Nth-receipt promotion). Built from the settings at login, closed at logout and exit.

No Textual here: the app gives the scanner callbacks (and the terminal bell the player falls
back to) and turns them into messages itself.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import peewee

from torgtui import db
from torgtui.clock import Clock, system_clock
from torgtui.config import Settings
from torgtui.errors import ConfigError
from torgtui.hw import audio
from torgtui.hw.fiscal.queue import FiscalSender, QueueState, waiting_count
from torgtui.hw.printer import PrintOutcome, ReceiptPrinter, open_printer, print_committed
from torgtui.hw.printer import reprint as reprint_receipt
from torgtui.i18n import _
from torgtui.models import Receipt


class DeviceHub:
    """The printer, the serial scanner (when set up), the fiscal queue and the audio player
    of one register.

    ``messages`` holds what went wrong while opening the devices (for the cashier to read);
    the register keeps selling without a printer. Print calls block: run them in a worker.
    ``player`` is the audio player (``devices.audio``; tests give a fake); ``on_bell`` rings
    the terminal bell when no sound can be played (called from a thread of the player).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        on_scan: Callable[[str], None] | None = None,
        on_status: Callable[[str], None] | None = None,
        on_fiscal: Callable[[QueueState], None] | None = None,
        on_bell: Callable[[], None] | None = None,
        player: audio.Player | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.settings = settings
        self.messages: list[str] = []
        self.printer: ReceiptPrinter | None = None
        self.scanner = None
        self.fiscal: FiscalSender | None = None
        self.player = player or audio.Player(
            audio.choose_backend(settings.devices.audio), bell=on_bell or (lambda: None)
        )
        self._check_festive_sound()
        self._start_fiscal(on_fiscal, clock)
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

    def _start_fiscal(self, on_state: Callable[[QueueState], None] | None, clock: Clock) -> None:
        """Start sending the fiscal queue in the background (sale, return, shift, cash jobs
        are queued in the same transaction as what they record)."""
        from torgtui.hw.fiscal.factory import open_fiscal_unit

        try:
            unit = open_fiscal_unit(self.settings.devices)
        except ConfigError as exc:
            self.messages.append(
                _("{error} Receipts wait in the fiscal queue until it is set up.").format(
                    error=exc.message
                )
            )
            return
        if unit is None:
            return
        register = self.settings.register
        self.fiscal = FiscalSender(
            unit,
            clock=clock,
            on_state=on_state,
            header=register.receipt_header,
            footer=register.receipt_footer,
            register=self.settings.store.register,
        ).start()

    def _check_festive_sound(self) -> None:
        """A festive sound file that is not there is said at login (the bell rings instead)."""
        named = self.settings.devices.festive_sound
        if (
            named
            and self.settings.devices.audio != "off"
            and not Path(named).expanduser().is_file()
        ):
            self.messages.append(
                _(
                    "Setting devices.festive_sound = {path}: there is no such file. Festive "
                    "promotions ring the bell instead: fix the path, or leave it empty for the "
                    "built-in chime."
                ).format(path=named)
            )

    def festive_sound(self) -> Path:
        """The festive sound's WAV file: the setting's, else the built-in chime (written into
        the cache folder the first time: blocks, so call it from a worker)."""
        named = self.settings.devices.festive_sound
        return Path(named).expanduser() if named else audio.builtin_festive()

    def play_festive(self) -> str:
        """Play the festive sound without waiting for it; returns how ("simpleaudio",
        "aplay", "bell", "off", or what a test's player says). Never raises: a register never
        stops selling for a sound. Call it from a worker (the first call writes the chime)."""
        if self.settings.devices.audio == "off":
            return "off"
        try:
            return self.player.play(self.festive_sound())
        except (OSError, ValueError):
            return "off"

    def fiscal_notify(self) -> None:
        """Something was queued: send it now rather than at the next periodic pass."""
        if self.fiscal is not None:
            self.fiscal.notify()

    @property
    def has_printer(self) -> bool:
        return self.printer is not None

    def print_receipt(self, receipt: Receipt, cash: bool) -> PrintOutcome:
        """Print a just-committed receipt (and open the drawer for cash). Never raises."""
        self.fiscal_notify()
        return print_committed(receipt, self.printer, self.settings, cash=cash)

    def reprint(self, receipt: Receipt) -> PrintOutcome:
        """Print ``receipt`` again (F9): a copy, or its first print if that failed."""
        return reprint_receipt(receipt, self.printer, self.settings)

    def fiscal_waiting(self) -> int:
        """How many of this register's fiscal jobs wait (pending, being sent or refused)."""
        return waiting_count(self.settings.store.register)

    def fiscal_waiting_in_thread(self) -> int | None:
        """:meth:`fiscal_waiting` on the calling thread's own connection; None on a DB error."""
        try:
            with db.database.connection_context():
                return self.fiscal_waiting()
        except (peewee.PeeweeException, sqlite3.Error):  # the header shows nothing instead
            return None

    def close(self) -> None:
        """Stop the fiscal sender (after its current send) and the scanner; release the
        printer."""
        if self.fiscal is not None:
            self.fiscal.stop(timeout=5.0)
            with contextlib.suppress(Exception):
                self.fiscal.unit.close()
            self.fiscal = None
        if self.scanner is not None:
            self.scanner.stop()
            self.scanner = None
        if self.printer is not None:
            with contextlib.suppress(Exception):
                self.printer.close()
            self.printer = None
