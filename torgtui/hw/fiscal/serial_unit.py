"""A Datecs-style fiscal printer on a serial port, as a :class:`FiscalUnit`.

Commands from our spec: 48 open receipt, 49 sale, 51 subtotal, 53 payment. Not found in our
spec, standard Datecs and marked as assumptions: 56 close fiscal receipt (answers the receipt
number, used as the fiscal code), 60 cancel an open fiscal receipt, 69 daily report ("2" = X,
"0" = Z), 70 cash in/out, 74 read status. Answer fields start with an error code (X-series).

Exactly-once over a serial line cannot come from the device: it keeps no receipt UUIDs. So the
unit is conservative. Inside one run it remembers the receipts it printed and answers a repeat
from memory; a failure before the printer opened the receipt is retryable (nothing printed);
a silence or paper out *after* it opened the receipt is not retryable and says to check the
printer's last receipt, so the queue stops until a person confirms instead of printing twice.
Returns are refused in words: our spec names no return (storno) command for these printers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import serial

from torgtui.hw.fiscal import datecs
from torgtui.hw.fiscal.base import FiscalError, FiscalReceipt, FiscalResult
from torgtui.i18n import _

OPEN_RECEIPT, SALE, SUBTOTAL, PAYMENT, CLOSE_RECEIPT = 48, 49, 51, 53, 56
CANCEL_RECEIPT, REPORT, CASH_IN_OUT, READ_STATUS = 60, 69, 70, 74
PAID_MODES = {
    "cash": "0",
    "card": "1",
    "cashless": "1",
    "credit": "1",
    "prepayment": "1",
    "certificate": "1",
}  # not found in spec: X-series modes
NAME_LENGTH = 72  # not found in spec: the longest item name X-series printers take
PORT_READ_TIMEOUT = 0.02  # seconds per read; the link's own deadline is what counts


def money_text(kopecks: int) -> str:
    """Kopecks as the printer's decimal text: 1250 -> "12.50"."""
    sign = "-" if kopecks < 0 else ""
    whole, part = divmod(abs(kopecks), 100)
    return f"{sign}{whole}.{part:02d}"


def quantity(thousandths: int) -> str:
    """Thousandths as decimal text: 1250 -> "1.250"."""
    whole, part = divmod(thousandths, 1000)
    return f"{whole}.{part:03d}"


class SerialFiscalUnit:
    """The fiscal printer at ``port`` (a device path or any pyserial URL), 8N1 at ``baudrate``."""

    name = "serial"

    def __init__(
        self,
        port: str,
        baudrate: int,
        *,
        serial_for_url: Callable[..., Any] = serial.serial_for_url,
        timeout: float = datecs.TIMEOUT,
        retries: int = datecs.RETRIES,
        operator: str = "1",
        operator_password: str = "1",
        till: str = "1",
    ) -> None:
        self.port_url = port
        self.baudrate = baudrate
        self._serial_for_url = serial_for_url
        self._timeout = timeout
        self._retries = retries
        self._operator = (operator, operator_password, till)  # not found in spec: 48's fields
        self._link: datecs.Link | None = None
        self._printed: dict[str, FiscalResult] = {}

    # -- the link ---------------------------------------------------------------------------
    def _connect(self) -> datecs.Link:
        if self._link is None:
            try:
                port = self._serial_for_url(
                    self.port_url, baudrate=self.baudrate, timeout=PORT_READ_TIMEOUT
                )
            except (serial.SerialException, OSError, ValueError) as exc:
                raise FiscalError(
                    _("Cannot open the fiscal printer port {port} ({error}): check the cable "
                      "and devices.fiscal_port; it will be sent again.").format(
                        port=self.port_url, error=exc
                    ),
                    retryable=True,
                ) from None  # fmt: skip
            self._link = datecs.Link(port, timeout=self._timeout, retries=self._retries)
        return self._link

    def _run(self, cmd: int, data: bytes = b"") -> list[str]:
        """Run a command and return its answer fields after the error code; raise in words."""
        link = self._connect()
        try:
            response = link.execute(cmd, data)
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise FiscalError(
                _("Lost the fiscal printer port ({error}): check the cable; it will be sent "
                  "again.").format(error=exc),
                retryable=True,
            ) from None  # fmt: skip
        error = datecs.status_error(response)
        if error is not None:
            raise error
        parts = response.fields()
        return parts[1:] if parts and parts[0].lstrip("-").isdigit() else parts

    def close(self) -> None:
        if self._link is not None:
            port, self._link = self._link.port, None
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    # -- the FiscalUnit protocol ------------------------------------------------------------
    def open_shift(self) -> FiscalResult:
        """The printer opens its day with the first receipt; this only checks it answers."""
        self._run(READ_STATUS)
        return FiscalResult(fiscal_code="")

    def close_shift(self) -> FiscalResult:
        return self._report("0")

    def x_report(self) -> FiscalResult:
        return self._report("2")

    def _report(self, kind: str) -> FiscalResult:
        parts = self._run(REPORT, datecs.params(kind))
        return FiscalResult(fiscal_code=parts[0] if parts else "", extra={"fields": parts})

    def service(self, amount: int, *, uuid: str = "") -> FiscalResult:
        """Cash in (> 0) or out (< 0) with command 70: type 0 = in, 1 = out. The printer keeps
        no ids, so ``uuid`` cannot make a resend idempotent here (see the module doc)."""
        if amount == 0:
            raise FiscalError(_("A cash in or out must not be zero."), retryable=False)
        parts = self._run(CASH_IN_OUT, datecs.params("0" if amount > 0 else "1",
                                                     money_text(abs(amount))))  # fmt: skip
        return FiscalResult(fiscal_code="", extra={"fields": parts})

    def receipt(self, doc: FiscalReceipt) -> FiscalResult:
        """Print a sale: 48 open, 49 per line, 51 subtotal, 53 per payment, 56 close."""
        if doc.uuid in self._printed:
            return self._printed[doc.uuid]
        if doc.kind != "sale":
            raise FiscalError(
                _("Receipt {number} is a return: this serial fiscal printer driver has no return "
                  "(storno) command in its protocol notes. Register the return on the printer "
                  "itself or use the Checkbox fiscal unit.").format(number=doc.number),
                retryable=False,
            )  # fmt: skip
        operator, password, till = self._operator
        self._run(OPEN_RECEIPT, datecs.params(operator, password, till))
        try:
            self._print_body(doc)
            parts = self._run(CLOSE_RECEIPT)
        except FiscalError as exc:
            raise self._after_open(doc, exc) from None
        result = FiscalResult(fiscal_code=parts[0] if parts else "", extra={"fields": parts})
        self._printed[doc.uuid] = result
        return result

    def _print_body(self, doc: FiscalReceipt) -> None:
        paying = False
        try:
            for line in doc.lines:
                discount = ("4", money_text(line.discount)) if line.discount else ("0", "")
                self._run(SALE, datecs.params(line.name[:NAME_LENGTH], line.tax_group.upper(),
                                              money_text(line.price), quantity(line.qty),
                                              *discount))  # fmt: skip
            self._run(SUBTOTAL, datecs.params("1", "0"))
            paying = True
            for tender, paid in self._payments(doc):
                self._run(PAYMENT, datecs.params(PAID_MODES.get(tender, "0"), money_text(paid)))
        except FiscalError as exc:
            if not paying and not isinstance(exc, datecs.Unreachable):
                self._cancel()
            raise

    @staticmethod
    def _payments(doc: FiscalReceipt) -> list[tuple[str, int]]:
        """Payments toward the lines' total: cash rounding is taken back off the cash payment,
        since the printer sums the lines itself (its own rounding is not driven from here)."""
        payments = [(t, a) for t, a in doc.payments if t != "cash"]
        cash = sum(a for t, a in doc.payments if t == "cash")
        if cash:
            payments.append(("cash", cash - doc.rounding))
        return payments

    def _cancel(self) -> None:
        """Cancel the open receipt (command 60) after a refused line; failure is not fatal."""
        with contextlib.suppress(FiscalError):
            self._run(CANCEL_RECEIPT)

    def _after_open(self, doc: FiscalReceipt, exc: FiscalError) -> FiscalError:
        """A failure once the receipt was open: an outage must not be retried blindly."""
        if not exc.retryable:
            return exc
        return FiscalError(
            _("The fiscal printer failed while printing receipt {number}: {error} "
              "Check the printer's last receipt before retrying: if it was printed, mark the "
              "receipt as fiscalized; if not, send it again.").format(
                number=doc.number, error=exc.message
            ),
            retryable=False,
        )  # fmt: skip
