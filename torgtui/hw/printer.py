"""The receipt printer and the cash drawer behind it, over python-escpos.

* :func:`open_printer` builds the backend the settings name (network, serial, USB, a file, the
  screen) without touching the device: connecting happens per print job, in the caller's
  worker thread, with a short connect timeout, so a dead printer never holds up the register.
* Each job starts from a clean state (``ESC @``, then ``ESC t`` selecting the configured
  Cyrillic code page) because a printer may have been switched off since the last one.
* :func:`print_committed` prints a committed receipt and records ``print_status``; any device
  failure becomes a message for the cashier (the sale is already saved), never an exception.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy, File, Network, Serial, Usb

from torgtui.config import DeviceSettings, Settings
from torgtui.db import write_tx
from torgtui.errors import ConfigError, TorgError
from torgtui.hw.receipt_text import PrintLine, ReceiptView, layout, receipt_view, render_text
from torgtui.i18n import _
from torgtui.models import Payment, Receipt

CONNECT_TIMEOUT_S = 2.0  # opening a network or serial printer
STATUS_TIMEOUT_S = 0.5  # waiting for a status answer; silence means "unknown", not "broken"
WRITE_TIMEOUT_S = 5.0  # a serial write stuck on flow control
DRAWER_PIN = 2
PAPER_OUT = 0

# Characters a code page lacks, replaced by ones that read the same on paper.
SUBSTITUTES = {
    "\u202f": " ",  # thousands separator of format_money
    "\u00a0": " ",
    "—": "-",
    "–": "-",
    "«": '"',
    "»": '"',
    "’": "'",
    "₴": "грн",
    "№": "N",
    "і": "i",  # CP866 has no Ukrainian і/ґ: the Latin i and г look right
    "І": "I",
    "ґ": "г",
    "Ґ": "Г",
}


class PrinterError(TorgError):
    """The printer could not print. ``reason``: "no_answer", "no_paper" or "device"."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class AppendFile(File):
    """The escpos File backend, appending: a receipts file keeps every receipt printed."""

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = open(self.devfile, "ab")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            self.device = None
            if raise_not_found:
                raise DeviceNotFoundError(f"Could not open {self.devfile}: {exc}") from None


class ReceiptPrinter:
    """Prints receipt views on one ESC/POS device and kicks the drawer wired to it."""

    def __init__(
        self,
        device: Escpos,
        *,
        codepage: str = "CP866",
        width: int = 42,
        screen: bool = False,
        status_timeout: float = STATUS_TIMEOUT_S,
    ) -> None:
        self.device = device
        self.codepage = codepage.upper()
        self.width = width
        self.screen = screen  # the "screen" printer: the app shows ``screen_text``
        self.status_timeout = status_timeout
        self.screen_text: list[str] = []

    @property
    def reads_status(self) -> bool:
        """Whether the backend can answer status queries (DLE EOT): network and serial only."""
        return isinstance(self.device, (Network, Serial))

    def print_receipt(self, view: ReceiptView, *, kick_drawer: bool = False) -> None:
        """Print ``view`` and cut; open the drawer after it when asked. Raises PrinterError."""
        self._print(view, kick_drawer=kick_drawer, copy=False)

    def reprint(self, view: ReceiptView) -> None:
        """Print ``view`` again, marked as a copy; the drawer stays shut. Raises PrinterError."""
        self._print(view, kick_drawer=False, copy=True)

    def print_text(self, lines: list[str]) -> None:
        """Print plain lines (an X or Z report) and cut. Raises PrinterError."""
        with self._job():
            self._check_paper()
            self._write([PrintLine(line) for line in lines])
            self.device.cut()
        if self.screen:
            self.screen_text = list(lines)

    def kick_drawer(self) -> None:
        """Open the cash drawer (pin 2 of the printer's drawer port). Raises PrinterError."""
        with self._job():
            self.device.cashdraw(DRAWER_PIN)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.device.close()

    def _print(self, view: ReceiptView, *, kick_drawer: bool, copy: bool) -> None:
        lines = layout(view, self.width, copy=copy)
        with self._job():
            self._check_paper()
            self._write(lines)
            if view.qr:
                self._qr(view.qr)
            self.device.cut()
            if kick_drawer:
                self.device.cashdraw(DRAWER_PIN)
        if self.screen:
            self.screen_text = render_text(view, self.width, copy=copy)

    @contextlib.contextmanager
    def _job(self) -> Iterator[None]:
        """Open the device, reset it and select the code page; close it whatever happens."""
        if self.screen and isinstance(self.device, Dummy):
            self.device.clear()
        try:
            self.device.open()
            self._after_open()
            self.device.hw("INIT")
            self.device.magic.encoding = None  # ESC @ reset the printer's code page
            self.device.charcode(self.codepage)
            yield
        except PrinterError:
            raise
        except (DeviceNotFoundError, OSError) as exc:
            raise PrinterError(
                _("Printer does not answer: check that it is on and connected ({detail}).").format(
                    detail=_detail(exc)
                ),
                reason="no_answer",
            ) from None
        except Exception as exc:  # any other driver failure: the register must keep selling
            raise PrinterError(
                _("Printer error: {detail}.").format(detail=_detail(exc)), reason="device"
            ) from None
        finally:
            if not isinstance(self.device, Dummy):
                self.close()

    def _after_open(self) -> None:
        handle: Any = self.device._device
        if isinstance(self.device, Serial) and handle:
            handle.write_timeout = WRITE_TIMEOUT_S

    def _check_paper(self) -> None:
        """Refuse to print on a printer that reports no paper (where status can be read)."""
        if not self.reads_status:
            return
        handle: Any = self.device._device
        with _read_timeout(self.device, handle, self.status_timeout):
            try:
                status = self.device.paper_status()
            except TimeoutError:  # no answer to DLE EOT: the printer does not report status
                return
        if status == PAPER_OUT:
            raise PrinterError(_("Printer has no paper: load a new roll."), reason="no_paper")

    def _printable(self, text: str) -> str:
        encoder = self.device.magic.encoder
        return "".join(
            SUBSTITUTES.get(ch, ch) if not encoder.can_encode(self.codepage, ch) else ch
            for ch in text
        )

    def _write(self, lines: list[PrintLine]) -> None:
        """Send the lines, switching alignment and emphasis only where they change."""
        device = self.device
        align, bold, big = "left", False, False
        device.set(align=align, bold=bold, normal_textsize=True)
        for line in lines:
            if line.align != align:
                device.set(align=line.align)
            if line.bold != bold:
                device.set(bold=line.bold)
            if line.big != big:
                device.set(double_height=line.big, normal_textsize=not line.big)
            align, bold, big = line.align, line.bold, line.big
            device.text(self._printable(line.text) + "\n")
        device.set(align="left", bold=False, normal_textsize=True)

    def _qr(self, payload: str) -> None:
        self.device.set(align="center")
        if self.device.profile.supports("qrCode"):
            self.device.qr(payload, size=4, native=True)
        else:
            self.device.qr(payload, size=4, center=True)
        self.device.set(align="left")


@contextlib.contextmanager
def _read_timeout(device: Escpos, handle: Any, seconds: float) -> Iterator[None]:
    """Wait at most ``seconds`` for a status answer, then restore the I/O timeout."""
    if isinstance(device, Network) and handle:
        before = handle.gettimeout()
        handle.settimeout(seconds)
        try:
            yield
        finally:
            handle.settimeout(before)
    elif isinstance(device, Serial) and handle:
        before = handle.timeout
        handle.timeout = seconds
        try:
            yield
        finally:
            handle.timeout = before
    else:
        yield


def _detail(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def open_printer(devices: DeviceSettings) -> ReceiptPrinter | None:
    """The receipt printer the settings name, not yet connected; None for ``printer = "none"``.

    Raises ConfigError when the settings cannot name a device (no host, no USB ids, pyusb
    missing): the app shows it and sells without a printer.
    """
    kind = devices.printer
    options = {"codepage": devices.printer_codepage, "width": devices.printer_width}
    device: Escpos
    if kind == "none":
        return None
    if kind == "screen":
        return ReceiptPrinter(Dummy(), screen=True, **options)
    if kind == "file":
        device = AppendFile(str(Path(devices.printer_path).expanduser()))
    elif kind == "network":
        if not devices.printer_host:
            raise ConfigError(
                _(
                    "Setting devices.printer = network needs devices.printer_host: the "
                    "printer's address, like 192.168.1.50."
                )
            )
        device = Network(devices.printer_host, devices.printer_port, timeout=CONNECT_TIMEOUT_S)
    elif kind == "serial":
        if not devices.printer_path:
            raise ConfigError(
                _("Setting devices.printer = serial needs devices.printer_path, like /dev/ttyUSB0.")
            )
        device = Serial(
            devfile=devices.printer_path,
            baudrate=devices.printer_baudrate,
            timeout=CONNECT_TIMEOUT_S,
        )
    elif kind == "usb":
        if not (devices.printer_usb_vendor and devices.printer_usb_product):
            raise ConfigError(
                _(
                    "Setting devices.printer = usb needs devices.printer_usb_vendor and "
                    "devices.printer_usb_product (see `lsusb`, e.g. 0x0416 and 0x5011)."
                )
            )
        if not Usb.is_usable():
            raise ConfigError(
                _("USB receipt printers need pyusb: pip install pyusb, or use serial or network.")
            )
        device = Usb(
            devices.printer_usb_vendor,
            devices.printer_usb_product,
            timeout=int(CONNECT_TIMEOUT_S * 1000),
        )
    else:
        raise ConfigError(_("Unknown printer kind {kind!r}.").format(kind=kind))
    return ReceiptPrinter(device, **options)


@dataclass(frozen=True)
class PrintOutcome:
    """What became of a print: ``ok``, or a message telling the cashier what to do."""

    ok: bool
    message: str = ""


def _set_print_status(receipt: Receipt, status: str) -> None:
    with write_tx():
        Receipt.update(print_status=status).where(Receipt.id == receipt.id).execute()
    receipt.print_status = status


def _failure_message(exc: PrinterError) -> str:
    if exc.reason == "no_paper":
        return _("Printer has no paper: the sale is saved; load paper and press F9 to reprint.")
    if exc.reason == "no_answer":
        return _("Printer does not answer: the sale is saved; press F9 to reprint.")
    return _("{error} The sale is saved; check the printer and press F9 to reprint.").format(
        error=exc.message
    )


def print_committed(
    receipt: Receipt, printer: ReceiptPrinter | None, settings: Settings, *, cash: bool
) -> PrintOutcome:
    """Print a committed receipt (and open the drawer for cash when the settings say so).

    Records ``print_status`` "printed" or "failed"; a device failure is returned as a
    message, never raised: the sale is saved whatever the printer does. Also serves F9 on a
    receipt whose print failed (pass ``cash=False`` so the drawer stays shut).
    """
    if printer is None:
        return PrintOutcome(True)
    view = receipt_view(receipt, settings)
    try:
        printer.print_receipt(view, kick_drawer=cash and settings.devices.drawer)
    except PrinterError as exc:
        _set_print_status(receipt, "failed")
        return PrintOutcome(False, _failure_message(exc))
    _set_print_status(receipt, "printed")
    return PrintOutcome(True)


def reprint(receipt: Receipt, printer: ReceiptPrinter | None, settings: Settings) -> PrintOutcome:
    """Print a receipt again: a copy when it was printed before, else its first print (F9)."""
    if printer is None:
        return PrintOutcome(False, _("No receipt printer is set up on this register."))
    if receipt.print_status != "printed":
        return print_committed(receipt, printer, settings, cash=False)
    try:
        printer.reprint(receipt_view(receipt, settings))
    except PrinterError as exc:
        return PrintOutcome(False, _failure_message(exc))
    return PrintOutcome(True)


def paid_in_cash(receipt: Receipt) -> bool:
    """Whether any of the receipt's payments was cash (the drawer opens for those)."""
    return Payment.select().where(Payment.receipt == receipt.id, Payment.tender == "cash").exists()


def unprinted_receipts(limit: int = 20, *, location: int | None = None) -> list[Receipt]:
    """Receipts whose print failed, newest first: the list F9 offers to reprint."""
    query = Receipt.select().where(Receipt.print_status == "failed")
    if location is not None:
        query = query.where(Receipt.location == location)
    return list(query.order_by(Receipt.created_at.desc(), Receipt.id.desc()).limit(limit))
