"""Datecs-style framing for serial fiscal printers: frames, checksums, status bytes and the link.

From ``../shared/specs/README.md`` ("Hardware fiscal printers (serial)"):

* host -> printer ``01 LEN SEQ CMD DATA 05 BCC 03``;
  printer -> host ``01 LEN SEQ CMD DATA 04 STATUS(8) 05 BCC 03``;
* LEN, CMD and BCC are 4 bytes, one per nibble (most significant first), each nibble + 0x30;
  LEN carries a +0x20 offset; SEQ runs 0x20..0xFF;
* NAK 0x15 = resend with the same SEQ; SYN 0x16 every 60 ms while the printer is busy;
  the host waits 500 ms; parameters are tab-separated.

Not found in our spec, taken from Datecs' published X-series protocol (FP-700X programmer's
manual) and marked as such: LEN counts the bytes after 01 up to and including 05; BCC is the
16-bit sum of the same bytes; a resend with the same SEQ makes the printer repeat its last answer
instead of running the command twice; the meaning of the status bits (:class:`Status`); answers
starting with an error-code field (0 = done, negative = refused); text in code page 1251.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from torgtui.hw.fiscal.base import FiscalError
from torgtui.i18n import _

PRE, EOT, PST, ETX = 0x01, 0x04, 0x05, 0x03
NAK, SYN = 0x15, 0x16
SEQ_FIRST, SEQ_LAST = 0x20, 0xFF
LEN_OFFSET = 0x20
TIMEOUT = 0.5  # seconds the host waits for an answer (or the next SYN)
RETRIES = 3  # sends of one frame before the printer counts as unreachable
ENCODING = "cp1251"  # not found in spec: the code page Datecs printers use for Cyrillic
MAX_FRAME = 2048


class FrameError(ValueError):
    """Bytes that are not a well-formed frame (bad length, markers or checksum)."""


def nibbles(value: int) -> bytes:
    """``value`` (0..0xFFFF) as 4 bytes, one per nibble, most significant first, each + 0x30."""
    if not 0 <= value <= 0xFFFF:
        raise FrameError(f"{value} does not fit in 4 nibbles")
    return bytes(((value >> shift) & 0xF) + 0x30 for shift in (12, 8, 4, 0))


def from_nibbles(raw: bytes) -> int:
    """The value of 4 nibble bytes written by :func:`nibbles`."""
    if len(raw) != 4 or any(not 0x30 <= b <= 0x3F for b in raw):
        raise FrameError(f"{raw!r} are not 4 nibble bytes")
    value = 0
    for b in raw:
        value = (value << 4) | (b - 0x30)
    return value


def checksum(body: bytes) -> bytes:
    """BCC: the 16-bit sum of the bytes after 01 up to and including 05, as 4 nibbles."""
    return nibbles(sum(body) & 0xFFFF)


def next_seq(seq: int) -> int:
    """The sequence number after ``seq``: 0x20..0xFF, wrapping back to 0x20."""
    return SEQ_FIRST if seq >= SEQ_LAST else seq + 1


def encode_request(seq: int, cmd: int, data: bytes = b"") -> bytes:
    """A host -> printer frame ``01 LEN SEQ CMD DATA 05 BCC 03``."""
    if not SEQ_FIRST <= seq <= SEQ_LAST:
        raise FrameError(f"sequence number {seq:#x} is outside 0x20..0xFF")
    length = 4 + 1 + 4 + len(data) + 1 + LEN_OFFSET
    body = nibbles(length) + bytes([seq]) + nibbles(cmd) + data + bytes([PST])
    return bytes([PRE]) + body + checksum(body) + bytes([ETX])


def encode_response(seq: int, cmd: int, data: bytes, status: bytes) -> bytes:
    """A printer -> host frame ``01 LEN SEQ CMD DATA 04 STATUS(8) 05 BCC 03`` (for fakes)."""
    if len(status) != 8:
        raise FrameError("the status is 8 bytes")
    length = 4 + 1 + 4 + len(data) + 1 + 8 + 1 + LEN_OFFSET
    body = nibbles(length) + bytes([seq]) + nibbles(cmd) + data + bytes([EOT]) + status
    body += bytes([PST])
    return bytes([PRE]) + body + checksum(body) + bytes([ETX])


def _split(frame: bytes, fixed: int) -> tuple[bytes, int, int, bytes]:
    """Check markers, LEN and BCC of a frame; return (body, seq, cmd, rest between CMD and 05)."""
    if len(frame) < 1 + fixed + 4 + 1 or frame[0] != PRE or frame[-1] != ETX:
        raise FrameError("missing 01 or 03 marker")
    body, bcc = frame[1:-5], frame[-5:-1]
    if body[-1] != PST:
        raise FrameError("missing 05 marker")
    if checksum(body) != bcc:
        raise FrameError("checksum mismatch")
    if from_nibbles(body[:4]) - LEN_OFFSET != len(body):
        raise FrameError("length mismatch")
    return body, body[4], from_nibbles(body[5:9]), body[9:-1]


def decode_request(frame: bytes) -> tuple[int, int, bytes]:
    """(seq, cmd, data) of a host -> printer frame."""
    _body, seq, cmd, data = _split(frame, 10)
    return seq, cmd, data


@dataclass(frozen=True)
class Response:
    seq: int
    cmd: int
    data: bytes
    status: Status

    def fields(self) -> list[str]:
        """The tab-separated answer fields (the trailing empty one dropped)."""
        return fields(self.data)


def decode_response(frame: bytes) -> Response:
    """The :class:`Response` in a printer -> host frame; FrameError if it is damaged."""
    _body, seq, cmd, rest = _split(frame, 19)
    if len(rest) < 9 or rest[-9] != EOT:
        raise FrameError("missing 04 separator before the status")
    return Response(seq, cmd, rest[:-9], Status(rest[-8:]))


def params(*values: Any) -> bytes:
    """Tab-separated parameters, each followed by a tab, in the printer's code page."""
    out = []
    for value in values:
        text = "" if value is None else str(value)
        text = "".join(" " if ch in "\t\r\n" or not ch.isprintable() else ch for ch in text)
        out.append(text.encode(ENCODING, errors="replace") + b"\t")
    return b"".join(out)


def fields(data: bytes) -> list[str]:
    """Split answer data on tabs, dropping the empty field after a trailing tab."""
    parts = data.decode(ENCODING, errors="replace").split("\t")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


class Status:
    """The 8 status bytes of an answer.

    Bit positions are not found in our spec: they follow the Datecs X-series manual
    (byte.bit): 0.0 syntax error, 0.1 invalid command, 0.5 general error, 0.6 cover open,
    1.0 overflow, 1.1 command not permitted, 2.0 end of paper, 2.1 near paper end,
    2.3 fiscal receipt open, 4.0 fiscal memory access error, 4.4 fiscal memory full.
    """

    FLAGS = {
        "syntax_error": (0, 0),
        "invalid_command": (0, 1),
        "general_error": (0, 5),
        "cover_open": (0, 6),
        "overflow": (1, 0),
        "not_permitted": (1, 1),
        "end_of_paper": (2, 0),
        "near_paper_end": (2, 1),
        "fiscal_receipt_open": (2, 3),
        "fiscal_memory_error": (4, 0),
        "fiscal_memory_full": (4, 4),
    }

    def __init__(self, raw: bytes) -> None:
        self.raw = bytes(raw)

    def flag(self, name: str) -> bool:
        byte, bit = self.FLAGS[name]
        return bool(self.raw[byte] & (1 << bit))

    def __getattr__(self, name: str) -> bool:
        if name in Status.FLAGS:
            return self.flag(name)
        raise AttributeError(name)

    def set_flags(self) -> list[str]:
        return [name for name in self.FLAGS if self.flag(name)]

    @staticmethod
    def build(*names: str) -> bytes:
        """8 status bytes with the named flags set (bit 7 is always 1, as printers send)."""
        raw = bytearray([0x80] * 8)
        for name in names:
            byte, bit = Status.FLAGS[name]
            raw[byte] |= 1 << bit
        return bytes(raw)

    def __repr__(self) -> str:
        return f"Status({', '.join(self.set_flags()) or 'ok'})"


def status_error(response: Response) -> FiscalError | None:
    """The error an answer reports, in words, or None when the command was done.

    Paper and cover problems are retryable (fix the printer, the queue sends again); command
    errors and a full fiscal memory are not.
    """
    st, cmd = response.status, response.cmd
    code = _error_code(response)
    if st.end_of_paper:
        return FiscalError(
            _("The fiscal printer is out of paper: load a new roll; it will be sent again."),
            retryable=True,
        )
    if st.cover_open:
        return FiscalError(
            _("The fiscal printer's cover is open: close it; it will be sent again."),
            retryable=True,
        )
    if st.fiscal_memory_full or st.fiscal_memory_error:
        return FiscalError(
            _("The fiscal printer's fiscal memory is full or unreadable: call its service centre."),
            retryable=False,
        )
    if st.syntax_error or st.invalid_command or st.overflow or st.not_permitted or code < 0:
        what = [n.replace("_", " ") for n in ("syntax_error", "invalid_command", "overflow",
                                              "not_permitted") if st.flag(n)]  # fmt: skip
        if code < 0:
            what.append(f"code {code}")
        hint = (
            _("a fiscal receipt is still open on it: finish or cancel it on the printer.")
            if st.fiscal_receipt_open and cmd == 48
            else _("check the receipt data and the printer's settings.")
        )
        return FiscalError(
            _("The fiscal printer refused command {cmd} ({what}): {hint}").format(
                cmd=cmd, what=", ".join(what), hint=hint
            ),
            retryable=False,
        )
    if st.general_error:
        return FiscalError(
            _("The fiscal printer reports an error on command {cmd}: check the printer.").format(
                cmd=cmd
            ),
            retryable=False,
        )
    return None


def _error_code(response: Response) -> int:
    """The leading error-code field (X-series answers; not found in spec), 0 if there is none."""
    parts = response.fields()
    if parts and parts[0].lstrip("-").isdigit():
        return min(int(parts[0]), 0)
    return 0


class Unreachable(FiscalError):
    """No usable answer after every retry: the printer is off, unplugged or busy for too long."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


class Link:
    """Send commands over an open port and wait for their answers, by the spec's rules.

    A NAK, a damaged answer or a silence of ``timeout`` (SYN bytes restart the wait) makes the
    link send the same frame again with the same SEQ, up to ``retries`` times in all.
    """

    def __init__(self, port: Any, *, timeout: float = TIMEOUT, retries: int = RETRIES) -> None:
        self.port = port
        self.timeout = timeout
        self.retries = retries
        self.seq = SEQ_FIRST

    def execute(self, cmd: int, data: bytes = b"") -> Response:
        """Run one command; the answer's status is checked by the caller (:func:`status_error`)."""
        seq, self.seq = self.seq, next_seq(self.seq)
        frame = encode_request(seq, cmd, data)
        self.port.reset_input_buffer()
        for _attempt in range(self.retries):
            self.port.write(frame)
            self.port.flush()
            response = self._await(seq, cmd)
            if response is not None:
                return response
        raise Unreachable(
            _("The fiscal printer does not answer: check power and cable; it will be retried.")
        )

    def _await(self, seq: int, cmd: int) -> Response | None:
        """The answer to ``seq``; None to resend (NAK, silence or a damaged frame)."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            byte = self.port.read(1)
            if not byte:
                continue
            if byte[0] == SYN:
                deadline = time.monotonic() + self.timeout
            elif byte[0] == NAK:
                return None
            elif byte[0] == PRE:
                frame = self._read_frame(deadline)
                if frame is None:
                    return None
                try:
                    response = decode_response(frame)
                except FrameError:
                    return None
                if response.seq == seq and response.cmd == cmd:
                    return response
                # an answer to an earlier frame that came late: keep waiting for ours
        return None

    def _read_frame(self, deadline: float) -> bytes | None:
        frame = bytearray([PRE])
        while time.monotonic() < deadline + self.timeout and len(frame) < MAX_FRAME:
            chunk = self.port.read(1)
            if chunk:
                frame += chunk
                if chunk[0] == ETX:
                    return bytes(frame)
        return None
