"""Barcode scanners: the wedge detector on synthetic key timings, and the serial reader over
pyserial's ``loop://`` and a pty, including an unplug and reconnect."""

from __future__ import annotations

import os
import queue
import threading
import tty
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import serial

from torgtui.hw.scanner import SerialScanner, WedgeDetector, decode

CODE = "4820000000017"
WAIT = 5.0  # seconds to wait for the reader thread: an upper bound, not a timing under test


def feed_all(det: WedgeDetector, keys: list[str], times: list[float]) -> list[str | None]:
    return [det.feed(k, t) for k, t in zip(keys, times, strict=True)]


def keys_of(code: str, end: str = "enter") -> list[str]:
    return [*code, end]


# -- keyboard wedge ------------------------------------------------------------------------


def test_a_fast_burst_ending_in_enter_is_a_scan() -> None:
    det = WedgeDetector(max_gap_ms=30, min_length=6)
    times = [1.0 + i * 0.012 for i in range(len(CODE) + 1)]  # 12 ms apart, like a scanner
    results = feed_all(det, keys_of(CODE), times)
    assert results[:-1] == [None] * len(CODE)
    assert results[-1] == CODE


@pytest.mark.parametrize("end", ["tab", "\r", "\n"])
def test_tab_cr_and_lf_end_a_scan_too(end: str) -> None:
    det = WedgeDetector()
    assert feed_all(det, keys_of(CODE, end), [i * 0.01 for i in range(14)])[-1] == CODE


def test_slow_typing_is_not_a_scan() -> None:
    det = WedgeDetector()
    times = [i * 0.15 for i in range(len(CODE) + 1)]  # 150 ms apart: a person
    assert feed_all(det, keys_of(CODE), times) == [None] * (len(CODE) + 1)


def test_a_short_burst_is_not_a_scan() -> None:
    det = WedgeDetector(min_length=6)
    assert feed_all(det, keys_of("12345"), [i * 0.01 for i in range(6)])[-1] is None


def test_over_ssh_the_whole_scan_arrives_at_once() -> None:
    det = WedgeDetector()
    assert feed_all(det, keys_of(CODE), [5.0] * (len(CODE) + 1))[-1] == CODE


def test_a_burst_broken_by_a_pause_is_not_a_scan() -> None:
    det = WedgeDetector()
    times = [i * 0.01 for i in range(len(CODE) + 1)]
    times[8:] = [t + 0.2 for t in times[8:]]  # a 200 ms pause after 8 characters
    assert feed_all(det, keys_of(CODE), times)[-1] is None  # only 5 fast keys after the pause


def test_a_slow_enter_after_a_fast_burst_is_the_persons() -> None:
    det = WedgeDetector()
    times = [i * 0.01 for i in range(len(CODE))] + [2.0]
    assert feed_all(det, keys_of(CODE), times)[-1] is None


def test_typed_prefix_then_scan_returns_the_burst_and_other_keys_reset() -> None:
    det = WedgeDetector()
    feed_all(det, ["3", "*"], [0.0, 0.4])  # typed by hand
    times = [1.0 + i * 0.01 for i in range(len(CODE) + 1)]
    assert feed_all(det, keys_of(CODE), times)[-1] == CODE
    feed_all(det, list("123456"), [3.0 + i * 0.01 for i in range(6)])
    assert det.burst == "123456"
    det.feed("backspace", 3.065)
    assert det.burst == "" and det.feed("enter", 3.07) is None


def test_decode_strips_line_ends_and_survives_any_byte() -> None:
    assert decode(b"\n4820000000017\r") == CODE
    assert decode(b"AB\xe9\x00C") == "ABéC"
    assert decode(b"\r\n") == ""


# -- serial scanner ------------------------------------------------------------------------


class Recorder:
    """Collects callbacks from the reader thread into queues the test can wait on."""

    def __init__(self) -> None:
        self.scans: queue.Queue[str] = queue.Queue()
        self.statuses: queue.Queue[str] = queue.Queue()

    def scan(self, timeout: float = WAIT) -> str:
        return self.scans.get(timeout=timeout)

    def status(self, timeout: float = WAIT) -> str:
        return self.statuses.get(timeout=timeout)


def opener(*ports: Any) -> Callable[..., Any]:
    """A serial_for_url stand-in that hands out ``ports`` in turn; an exception is raised."""
    pending = list(ports)

    def open_port(url: str, **kwargs: Any) -> Any:
        item = pending.pop(0) if len(pending) > 1 else pending[0]
        if isinstance(item, Exception):
            raise item
        if callable(item):
            return item(url, **kwargs)
        return item

    return open_port


@pytest.fixture
def loop_port() -> Iterator[Any]:
    port = serial.serial_for_url("loop://", timeout=0.1)
    yield port
    port.close()


def start(rec: Recorder, open_port: Callable[..., Any], **kw: Any) -> SerialScanner:
    scanner = SerialScanner("loop://", 9600, rec.scans.put, rec.statuses.put,
                            serial_for_url=open_port, **kw)  # fmt: skip
    scanner.start()
    return scanner


def test_a_code_over_loop_arrives_once(loop_port: Any) -> None:
    rec = Recorder()
    scanner = start(rec, opener(loop_port))
    try:
        loop_port.write(CODE.encode() + b"\r")
        assert rec.scan() == CODE
        loop_port.write(b"\r\n")  # an empty read: ignored
        loop_port.write(b"4820000000024\r")
        assert rec.scan() == "4820000000024"
        assert rec.scans.empty()
    finally:
        scanner.stop()
    assert not scanner.running


def test_two_codes_in_one_write_and_a_code_completed_later(loop_port: Any) -> None:
    rec = Recorder()
    scanner = start(rec, opener(loop_port))
    try:
        loop_port.write(b"4820000000017\r\n4820000000024\r\n")
        assert [rec.scan(), rec.scan()] == [CODE, "4820000000024"]
        loop_port.write(b"48200")
        with pytest.raises(queue.Empty):
            rec.scan(timeout=0.3)  # half a code is not a scan
        loop_port.write(b"00000031\r")
        assert rec.scan() == "4820000000031"
    finally:
        scanner.stop()


def test_unplugged_scanner_reports_and_reconnects(loop_port: Any) -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    rec = Recorder()
    opened = threading.Event()

    def open_pty(url: str, **kw: Any) -> Any:
        port = serial.serial_for_url(path, **kw)  # opening flushes input: write after this
        opened.set()
        return port

    unplugged = serial.SerialException("could not open port: no such device")
    open_port = opener(
        open_pty,  # the real pty, first
        unplugged, unplugged, unplugged,  # then the device is gone for a while
        loop_port,  # then it is back
    )  # fmt: skip
    scanner = start(rec, open_port, reopen_interval=0.01)
    try:
        assert opened.wait(WAIT)
        os.write(master, CODE.encode() + b"\r")
        assert rec.scan() == CODE
        os.close(master)  # unplug: reads on the slave side now fail
        os.close(slave)
        assert rec.status() == "Scanner disconnected: reconnecting…"
        assert rec.status() == "Scanner connected"
        assert rec.statuses.empty()  # "disconnected" was said once, not per retry
        loop_port.write(b"4820000000024\r")
        assert rec.scan() == "4820000000024"
    finally:
        scanner.stop()
    assert not scanner.running


def test_a_scanner_missing_at_start_is_reported_then_found(loop_port: Any) -> None:
    rec = Recorder()
    scanner = start(rec, opener(OSError("no /dev/ttyUSB0"), loop_port), reopen_interval=0.01)
    try:
        assert rec.status() == "Scanner disconnected: reconnecting…"
        assert rec.status() == "Scanner connected"
        loop_port.write(CODE.encode() + b"\r")
        assert rec.scan() == CODE
    finally:
        scanner.stop()
