"""A program running in its own pseudo-terminal, read until some text shows on its screen.

The benchmark starts every program the way a person would in an 80x24 terminal: a fresh pty is
the program's controlling terminal, ``TERM=xterm-256color``, and the window size is set with
``TIOCSWINSZ``. Output is drained continuously (so the program never blocks on a full pty),
escape sequences are stripped, and the visible text is searched for a marker.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import fcntl
import math
import os
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# CSI, OSC, DCS/SOS/PM/APC strings, charset selection, then any other two-byte escape.
ESCAPE = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]"
    r"|\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|[PX^_][^\x1b]*\x1b\\"
    r"|[()*+][ -~]"
    r"|[0-OQ-WYZ\\`-~])"
)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]")
MAX_CARRY = 4096


@dataclass(frozen=True)
class Update:
    """What one write brought: seconds to the first byte, to the marker and to the last byte
    of the update (NaN when it never came), and the bytes written."""

    first: float
    marker: float
    last: float
    size: int


class MarkerTimeout(Exception):
    """The marker never showed: the program hung, crashed or shows something else."""


def _take_terminal() -> None:  # pragma: no cover - runs in the child between fork and exec
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def child_environment(
    base: Mapping[str, str] | None = None, rows: int = 24, cols: int = 80
) -> dict[str, str]:
    """The environment every benchmarked program gets: a plain 80x24 xterm, no torgtui settings."""
    env = {
        k: v
        for k, v in (os.environ if base is None else base).items()
        if not k.startswith(("TORGTUI_", "TEXTUAL"))
    }
    env.update(TERM="xterm-256color", COLUMNS=str(cols), LINES=str(rows))
    env.pop("NO_COLOR", None)
    return env


class PtySession:
    """``argv`` running in a new pty; use as a context manager so the process is always reaped."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | Path | None = None,
        rows: int = 24,
        cols: int = 80,
    ) -> None:
        master, slave = os.openpty()
        size = struct.pack("HHHH", rows, cols, 0, 0)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, size)
        self.argv = list(argv)
        self.raw = bytearray()
        self.visible = ""
        self._carry = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._eof = False
        self.started = time.perf_counter()
        try:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                cwd=cwd,
                env=dict(env) if env is not None else child_environment(rows=rows, cols=cols),
                start_new_session=True,
                preexec_fn=_take_terminal,  # safe: the harness runs no threads
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self.fd: int | None = master

    @property
    def pid(self) -> int:
        return self.proc.pid

    def __enter__(self) -> PtySession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ----------------------------------------------------------------------------

    def _read_some(self, timeout: float) -> bool:
        """Read what is available within ``timeout``; False once the program closed the pty."""
        if self.fd is None or self._eof:
            return False
        ready, _w, _x = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            chunk = b""
        if not chunk:
            self._eof = True
            return False
        self.raw += chunk
        self._feed(self._decoder.decode(chunk))
        return True

    def _feed(self, text: str) -> None:
        text = self._carry + text
        cut = len(text)
        last = text.rfind("\x1b")
        if last != -1 and not ESCAPE.match(text, last) and len(text) - last < MAX_CARRY:
            cut = last  # an escape sequence split across reads: finish it next time
        self._carry = text[cut:]
        self.visible += CONTROL.sub("", ESCAPE.sub("", text[:cut]))

    def read_until(self, marker: str, timeout: float, *, since: int = 0) -> float:
        """Seconds from spawn until ``marker`` is visible (looking from ``visible[since:]``).

        Raises :class:`MarkerTimeout` with the tail of the output when it does not show within
        ``timeout`` seconds or the program exits first.
        """
        deadline = time.perf_counter() + timeout
        while True:
            if self.visible.find(marker, since) != -1:
                return time.perf_counter() - self.started
            left = deadline - time.perf_counter()
            if left <= 0:
                raise MarkerTimeout(self._explain(f"{marker!r} did not show within {timeout:g} s"))
            if not self._read_some(min(left, 0.05)) and self.proc.poll() is not None:
                raise MarkerTimeout(
                    self._explain(
                        f"the program exited (status {self.proc.returncode}) "
                        f"before {marker!r} showed"
                    )
                )

    def pump(self, seconds: float) -> None:
        """Keep draining the output for ``seconds`` (so the program never blocks writing)."""
        deadline = time.perf_counter() + seconds
        while (left := deadline - time.perf_counter()) > 0:
            if not self._read_some(min(left, 0.05)):
                time.sleep(min(left, 0.05))

    def settle(self, quiet: float = 0.05, limit: float = 1.0) -> None:
        """Read until the program has written nothing for ``quiet`` s (at most ``limit`` s).

        A frame reaches the pty in several reads, so this finishes the frame the marker is in.
        """
        deadline = time.perf_counter() + limit
        while (left := deadline - time.perf_counter()) > 0:
            before = len(self.raw)
            if not self._read_some(min(left, quiet)) or len(self.raw) == before:
                return

    def last_output(self, size: int = 500) -> str:
        """The last ``size`` bytes the program wrote, decoded, escapes shown readably."""
        tail = bytes(self.raw[-size:]).decode("utf-8", "replace")
        return tail.replace("\x1b", "\\e")

    def _explain(self, what: str) -> str:
        command = " ".join(self.argv)
        return (
            f"{command}: {what}.\n"
            f"Last {min(500, len(self.raw))} bytes of its terminal output:\n"
            f"{self.last_output()}\n"
            f"Visible text at the end: {self.visible[-300:]!r}"
        )

    # --- writing and inspecting -------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Type ``data`` into the program's terminal."""
        if self.fd is None:
            raise OSError("the session is closed")
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]

    def type_and_settle(self, data: bytes, quiet: float, limit: float) -> tuple[float, int]:
        """Write ``data`` and read until the screen settles (``quiet`` s with no output after
        some came, at most ``limit`` s): (seconds to the last byte of the update, bytes)."""
        update = self.type_and_watch(data, quiet, limit)
        return update.last, update.size

    def type_and_watch(
        self, data: bytes, quiet: float, limit: float, *, marker: str | None = None
    ) -> Update:
        """Write ``data`` and read until the screen settles, as :meth:`type_and_settle`; with
        ``marker``, not before that text is visible in what came after the write (a worker's
        result may follow a silence). Times are from the write to the read that brought the
        first byte, the marker and the last byte before the silence (NaN: never came)."""
        start_bytes, since = len(self.raw), len(self.visible)
        t0 = time.perf_counter()
        self.write(data)
        first = found = math.nan
        last = t0
        deadline = t0 + limit
        while (now := time.perf_counter()) < deadline:
            before = len(self.raw)
            self._read_some(min(quiet, deadline - now))
            if len(self.raw) != before:
                last = time.perf_counter()
                if math.isnan(first):
                    first = last - t0
                seen = marker is not None and self.visible.find(marker, since) != -1
                if seen and math.isnan(found):
                    found = last - t0
            elif (
                len(self.raw) > start_bytes
                and (marker is None or not math.isnan(found))
                and time.perf_counter() - last >= quiet
            ):
                break
        return Update(first, found, last - t0, len(self.raw) - start_bytes)

    def rss_kb(self) -> int:
        """The program's resident set size (VmRSS) in kB, from /proc."""
        status = Path(f"/proc/{self.pid}/status").read_text(encoding="ascii", errors="replace")
        match = re.search(r"^VmRSS:\s+(\d+)\s+kB", status, re.MULTILINE)
        if match is None:
            raise OSError(f"no VmRSS in /proc/{self.pid}/status (has the program exited?)")
        return int(match.group(1))

    # --- stopping ---------------------------------------------------------------------------

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def close(self, grace: float = 3.0) -> None:
        """SIGTERM the program's group, SIGKILL it after ``grace`` s, reap it, close the pty."""
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            deadline = time.perf_counter() + grace
            while self.proc.poll() is None and time.perf_counter() < deadline:
                if not self._read_some(0.02):
                    time.sleep(0.02)
            if self.proc.poll() is None:
                self._signal(signal.SIGKILL)
        self.proc.wait()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
