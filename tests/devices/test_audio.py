"""Sound without the optional simpleaudio: aplay when present, else the terminal bell."""

from __future__ import annotations

import importlib.util
import struct
import time
import wave
from pathlib import Path

import pytest

from torgtui.hw.audio import Player, choose_backend

HAS_SIMPLEAUDIO = importlib.util.find_spec("simpleaudio") is not None


def tone(path: Path) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", (i % 16 - 8) * 1000) for i in range(800)))
    return path


@pytest.mark.skipif(HAS_SIMPLEAUDIO, reason="this machine has simpleaudio: the fallback path")
def test_choice_without_simpleaudio() -> None:
    assert choose_backend("auto", which=lambda name: "/usr/bin/aplay") == "aplay"
    assert choose_backend("auto", which=lambda name: None) == "bell"
    assert choose_backend("off") == "off"


def test_bell_when_nothing_can_play(tmp_path: Path) -> None:
    rings: list[int] = []
    player = Player("bell", bell=lambda: rings.append(1))
    assert player.play(tone(tmp_path / "t.wav")) == "bell"
    assert Player("off", bell=lambda: rings.append(1)).play(tmp_path / "t.wav") == "off"
    assert rings == [1]


def test_missing_file_rings_the_bell(tmp_path: Path) -> None:
    rings: list[int] = []
    assert Player("aplay", bell=lambda: rings.append(1)).play(tmp_path / "none.wav") == "bell"
    assert rings == [1]


def test_aplay_failure_falls_back_to_the_bell(tmp_path: Path, monkeypatch) -> None:
    """A machine whose aplay cannot play (no sound card here): the cashier hears the bell."""
    rings: list[int] = []
    monkeypatch.setenv("PATH", str(tmp_path))  # no aplay at all on PATH: OSError when run
    player = Player("aplay", bell=lambda: rings.append(1))
    assert player.play(tone(tmp_path / "t.wav")) == "aplay"
    deadline = time.monotonic() + 5
    while not rings and time.monotonic() < deadline:
        time.sleep(0.01)
    assert rings == [1]


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown audio backend"):
        Player("gramophone")
