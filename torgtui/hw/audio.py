"""Sounds at the register: a festive tune for a birthday or an anniversary customer, a short
signal for an unknown barcode.

simpleaudio is an optional extra (it compiles against ALSA: ``apt-get install
libasound2-dev`` then ``pip install 'torgtui[audio]'``). Without it a WAV file is played with
``aplay`` when the system has it, else the caller rings the terminal bell; a register never
fails to sell because it cannot make a sound. ``devices.audio = "off"`` silences it all.

The festive sound is the WAV file ``devices.festive_sound`` names; when it names none, a short
chime torgtui writes itself (:func:`chime_bytes`, with the standard ``wave`` module) into the
user's cache folder the first time it is played (:func:`builtin_festive`): no sound file is
shipped in the package or kept in git.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import wave
from collections.abc import Callable
from pathlib import Path

CHIME_RATE = 22050  # frames a second, 16-bit mono
CHIME_NOTES = (1046.5, 1318.5, 1568.0, 2093.0)  # C6 E6 G6 C7: a rising major chord
CHIME_NOTE_SECONDS = 0.14
CHIME_FILE = "festive-chime.wav"

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


# --- the built-in festive chime --------------------------------------------------------------


def chime_bytes() -> bytes:
    """The built-in festive chime as a WAV file: four notes of a rising chord, each fading
    out, about 0.7 s (30 KB). The same bytes every time (so a cached copy is checked by
    comparing them)."""
    frames = bytearray()
    per_note = int(CHIME_RATE * CHIME_NOTE_SECONDS)
    for k, freq in enumerate(CHIME_NOTES):
        length = per_note * (3 if k == len(CHIME_NOTES) - 1 else 1)  # the last note rings on
        for i in range(length):
            t = i / CHIME_RATE
            fade = math.exp(-4.0 * i / length) * min(1.0, i / 80)  # no click at the start
            sample = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
            frames += struct.pack("<h", int(9000 * fade * sample))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(CHIME_RATE)
        w.writeframes(bytes(frames))
    return out.getvalue()


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/torgtui`` (``~/.cache/torgtui``) on Linux; the platform's own place
    elsewhere (platformdirs is imported only there)."""
    if os.name == "posix" and not hasattr(os, "startfile") and os.uname().sysname == "Linux":
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "torgtui"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("torgtui"))


def builtin_festive(folder: Path | None = None) -> Path:
    """The built-in chime's file, written first when it is missing or not the chime (into
    ``folder``, else the user's cache folder, else the temporary folder). Blocks for the
    write: call it from a worker. Returns a path that may not exist when nothing could be
    written (the player then rings the bell)."""
    data = chime_bytes()
    places = [folder] if folder is not None else [cache_dir(), Path(tempfile.gettempdir())]
    path = places[0] / CHIME_FILE
    for place in places:
        path = place / CHIME_FILE
        try:
            if path.is_file() and path.read_bytes() == data:
                return path
            place.mkdir(parents=True, exist_ok=True)
            fd, partial = tempfile.mkstemp(dir=place, prefix=".chime-", suffix=".wav")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(partial, path)  # whole or not at all: two registers may write at once
            return path
        except OSError:
            continue
    return path
