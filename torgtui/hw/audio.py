"""Sounds at the register: a festive tune for a birthday or an anniversary customer, a short
signal for an unknown barcode.

simpleaudio is an optional extra (it compiles against ALSA: ``apt-get install
libasound2-dev`` then ``pip install 'torgtui[audio]'``). Without it a WAV file is played with
``aplay`` when the system has it, else the caller rings the terminal bell; a register never
fails to sell because it cannot make a sound. ``devices.audio = "off"`` silences it all.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

BACKENDS = ("simpleaudio", "aplay", "bell", "off")


def choose_backend(
    setting: str = "auto", *, which: Callable[[str], str | None] = shutil.which
) -> str:
    """The backend to use for ``devices.audio`` ("auto" or "off")."""
    if setting == "off":
        return "off"
    try:
        import simpleaudio  # noqa: F401
    except ImportError:
        return "aplay" if which("aplay") else "bell"
    return "simpleaudio"


class Player:
    """Plays WAV files without blocking the register (a thread per sound, never waited on)."""

    def __init__(self, backend: str, bell: Callable[[], None] = lambda: None) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"unknown audio backend {backend!r}")
        self.backend = backend
        self.bell = bell

    def play(self, path: Path | str) -> str:
        """Start playing ``path``; returns how ("simpleaudio", "aplay", "bell" or "off")."""
        path = Path(path)
        if self.backend == "off":
            return "off"
        if self.backend == "bell" or not path.is_file():
            self.bell()
            return "bell"
        threading.Thread(target=self._play, args=(path,), name="audio", daemon=True).start()
        return self.backend

    def _play(self, path: Path) -> None:
        try:
            if self.backend == "simpleaudio":
                import simpleaudio

                simpleaudio.WaveObject.from_wave_file(str(path)).play()
            else:
                subprocess.run(
                    ["aplay", "-q", str(path)],
                    check=False,
                    timeout=30,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
        except (OSError, subprocess.SubprocessError, ValueError):
            self.bell()  # a broken sound device must never reach the cashier as an error
