"""A fake Datecs-style fiscal printer on a pseudo-terminal, speaking the framing byte by byte.

The unit under test opens :attr:`FakeFiscalPrinter.path` with pyserial like a real port; a
thread reads the master side, parses frames and answers with framed responses and status
bytes. It can be told to SYN for a while first, NAK frames, drop answers, report paper out or
fall silent from a given command on.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty

from torgtui.hw.fiscal import datecs

ANSWERS = {48: "0\t{slip}\t", 49: "0\t", 51: "0\t", 53: "0\t", 56: "0\t{slip}\t",
           60: "0\t", 69: "0\t{report}\t", 70: "0\t", 74: "0\t"}  # fmt: skip


class FakeFiscalPrinter:
    """Answers commands like a printer; ``executed`` lists (cmd, data) it ran, ``frames`` every
    frame it received as (seq, cmd, data), retries included."""

    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self.executed: list[tuple[int, bytes]] = []
        self.frames: list[tuple[int, int, bytes]] = []
        self.syn_count = 0  # SYN bytes (60 ms apart) before the next answer
        self.nak_frames = 0  # NAK this many frames
        self.drop_answers = 0  # run the command but lose this many answers
        self.paper_out = False
        self.silent_from: int | None = None  # never answer this command or anything after it
        self.slip = 100
        self.report = 7
        self._last: tuple[int, bytes] | None = None  # (seq, answer frame) for repeats
        self._silent = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def commands(self) -> list[int]:
        return [cmd for cmd, _data in self.executed]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            ready, _w, _x = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                buffer += os.read(self.master, 1024)
            except OSError:
                return
            while datecs.ETX in buffer:
                frame, buffer = buffer.split(bytes([datecs.ETX]), 1)
                start = frame.rfind(bytes([datecs.PRE]))
                if start >= 0:
                    self._answer(frame[start:] + bytes([datecs.ETX]))

    def _answer(self, frame: bytes) -> None:
        try:
            seq, cmd, data = datecs.decode_request(frame)
        except datecs.FrameError:
            os.write(self.master, bytes([datecs.NAK]))
            return
        self.frames.append((seq, cmd, data))
        if self.silent_from is not None and cmd == self.silent_from:
            self._silent = True
        if self._silent:
            return
        if self.nak_frames:
            self.nak_frames -= 1
            os.write(self.master, bytes([datecs.NAK]))
            return
        for _ in range(self.syn_count):
            os.write(self.master, bytes([datecs.SYN]))
            time.sleep(0.06)
        self.syn_count = 0
        if self._last is not None and self._last[0] == seq:
            answer = self._last[1]  # a repeat of the last frame: answer again, do not run it
        else:
            answer = self._run(seq, cmd, data)
            self._last = (seq, answer)
        if self.drop_answers:
            self.drop_answers -= 1
            return
        os.write(self.master, answer)

    def _run(self, seq: int, cmd: int, data: bytes) -> bytes:
        if self.paper_out:
            status = datecs.Status.build("end_of_paper", "general_error")
            return datecs.encode_response(seq, cmd, b"", status)
        if cmd not in ANSWERS:
            status = datecs.Status.build("invalid_command", "general_error")
            return datecs.encode_response(seq, cmd, b"-111\t", status)
        self.executed.append((cmd, data))
        if cmd == 48:
            self.slip += 1
        if cmd == 69:
            self.report += 1
        text = ANSWERS[cmd].format(slip=self.slip, report=self.report)
        return datecs.encode_response(seq, cmd, text.encode(), datecs.Status.build())
