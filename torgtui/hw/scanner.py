"""Barcode scanners: telling a keyboard-wedge scan from typing, and a serial scanner's reader.

Neither imports Textual: the sale screen feeds :class:`WedgeDetector` its key events, and the
app wraps :class:`SerialScanner`'s callbacks to post messages to the screen.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import serial

from torgtui.i18n import _

ENDS = frozenset({"enter", "tab", "\r", "\n", "\t", "ctrl+m", "ctrl+j", "ctrl+i"})


class WedgeDetector:
    """Tells a keyboard-wedge scan from a person typing, by the timing of the keys.

    The rule (specs, "Scanners"): a *burst* is a run of printable characters where every gap
    between one key and the next is under ``max_gap_ms``. When Enter or Tab (or CR/LF) arrives
    under ``max_gap_ms`` after the last character of a burst of at least ``min_length``
    characters, :meth:`feed` returns the burst: that Enter ends a scan. Otherwise it returns
    None: the keys were typing and the Enter is the person's. A slower gap starts a new burst
    at that key; any other key (Backspace, arrows...) ends the burst. Over SSH a scan arrives as
    one read, so its keys carry nearly equal times: gaps of zero, which is a scan too.

    The screen adds every character to its code field as usual (:meth:`feed` returns None for
    them); at Enter a string means "this is a scan of X" (X is the burst alone, so text typed
    before it, like a quantity "3*", stays the screen's to interpret), None means "a person
    pressed Enter".
    """

    def __init__(self, max_gap_ms: int = 30, min_length: int = 6) -> None:
        self.max_gap = max_gap_ms / 1000
        self.min_length = min_length
        self._burst: list[str] = []
        self._last: float | None = None

    @property
    def burst(self) -> str:
        """The characters of the burst in progress (those a scan would return)."""
        return "".join(self._burst)

    def reset(self) -> None:
        """Forget the burst (the field was cleared or focus moved)."""
        self._burst.clear()
        self._last = None

    def feed(self, key: str, now: float) -> str | None:
        """Take one key (a character or a key name such as "enter") pressed at ``now``
        (monotonic seconds); return the scanned code when this key ends a scan, else None."""
        fast = self._last is not None and now - self._last < self.max_gap
        if key in ENDS or key.lower() in ENDS:
            code = self.burst if fast and len(self._burst) >= self.min_length else None
            self.reset()
            return code
        if len(key) == 1 and key.isprintable():
            if not fast:
                self._burst.clear()
            self._burst.append(key)
            self._last = now
            return None
        self.reset()
        return None


class SerialScanner:
    """A scanner on a serial port: a reader thread that calls ``on_scan(code)`` per barcode.

    A read or open failure (the scanner was unplugged) closes the port, reports
    "Scanner disconnected: reconnecting…" once through ``on_status`` and tries to open it again
    every ``reopen_interval`` seconds, reporting "Scanner connected" when it works again.
    Callbacks run on the reader thread: the app turns them into messages.
    """

    READ_TIMEOUT = 0.1  # seconds a read waits, so stop() is noticed quickly

    def __init__(
        self,
        port_url: str,
        baudrate: int,
        on_scan: Callable[[str], None],
        on_status: Callable[[str], None],
        *,
        suffix: bytes = b"\r",
        reopen_interval: float = 2.0,
        serial_for_url: Callable[..., Any] = serial.serial_for_url,
    ) -> None:
        self.port_url = port_url
        self.baudrate = baudrate
        self.on_scan = on_scan
        self.on_status = on_status
        self.suffix = suffix
        self.reopen_interval = reopen_interval
        self._serial_for_url = serial_for_url
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: Any = None
        self._disconnected = False

    def start(self) -> None:
        """Start the reader thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"scanner {self.port_url}", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """End the reader thread and close the port (returns within about a second)."""
        self._stop.set()
        port = self._port
        if port is not None and hasattr(port, "cancel_read"):
            with contextlib.suppress(serial.SerialException, OSError, AttributeError):
                port.cancel_read()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        buffer = b""
        try:
            while not self._stop.is_set():
                if self._port is None and not self._open():
                    self._stop.wait(self.reopen_interval)
                    continue
                try:
                    chunk = self._port.read_until(self.suffix)
                except (serial.SerialException, OSError, TypeError):
                    # TypeError: pyserial's posix read after the fd was closed under it
                    buffer = b""
                    self._drop_port()
                    continue
                buffer += chunk
                while self.suffix in buffer:
                    raw, buffer = buffer.split(self.suffix, 1)
                    code = decode(raw)
                    if code:
                        self.on_scan(code)
        finally:
            self._close_port()

    def _open(self) -> bool:
        try:
            self._port = self._serial_for_url(
                self.port_url, baudrate=self.baudrate, timeout=self.READ_TIMEOUT
            )
        except (serial.SerialException, OSError, ValueError):
            self._port = None
            self._report_lost()
            return False
        if self._disconnected:
            self._disconnected = False
            self.on_status(_("Scanner connected"))
        return True

    def _drop_port(self) -> None:
        self._close_port()
        self._report_lost()
        self._stop.wait(self.reopen_interval)

    def _report_lost(self) -> None:
        if not self._disconnected:
            self._disconnected = True
            self.on_status(_("Scanner disconnected: reconnecting…"))

    def _close_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()


def decode(raw: bytes) -> str:
    """A scanned code from raw bytes: CR/LF and blanks stripped, ASCII (else latin-1) text,
    control characters dropped."""
    text = raw.decode("latin-1").strip("\r\n\t ")
    return "".join(ch for ch in text if ch.isprintable())
