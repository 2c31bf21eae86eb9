"""Each main screen at 80x24, in English and Ukrainian: nothing on it is cut off, and it looks
as the reviewed golden text in ``tests/ui/snapshots/`` says.

The screens are drawn by ``python -m tests.ui.snapshots --lang LANG`` in a fresh interpreter
per language (key labels are translated when screens are imported). After a deliberate change
of a screen (or of its translations), regenerate the goldens and review the diff:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/ui/test_snapshots.py
    git diff tests/ui/snapshots/

A language is compared with goldens once its files exist; the fit check runs in both always
(strings not translated yet show in English, and must fit as well).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDENS = Path(__file__).with_name("snapshots")
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"


@pytest.fixture(scope="module", params=("en", "uk"))
def shots(request: pytest.FixtureRequest) -> tuple[str, dict[str, dict]]:
    lang = request.param
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TORGTUI_", "TEXTUAL"))}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.snapshots", "--lang", lang],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return lang, json.loads(done.stdout)


def test_nothing_on_a_main_screen_is_cut(shots: tuple[str, dict[str, dict]]) -> None:
    lang, screens = shots
    cut = {name: shot["cuts"] for name, shot in screens.items() if shot["cuts"]}
    assert cut == {}, f"cut off at 80x24 in {lang}:\n" + "\n\n".join(
        f"{name}: {', '.join(cuts)}\n{screens[name]['text']}" for name, cuts in cut.items()
    )


def test_screens_match_their_goldens(shots: tuple[str, dict[str, dict]]) -> None:
    lang, screens = shots
    assert len(screens) >= 12
    if UPDATE:
        GOLDENS.mkdir(exist_ok=True)
        for name, shot in screens.items():
            (GOLDENS / f"{name}.{lang}.txt").write_text(shot["text"], encoding="utf-8")
        return
    goldens = sorted(GOLDENS.glob(f"*.{lang}.txt"))
    if not goldens:
        pytest.skip(f"no {lang} goldens yet: make them with UPDATE_SNAPSHOTS=1")
    differ = []
    for name, shot in screens.items():
        path = GOLDENS / f"{name}.{lang}.txt"
        if not path.exists() or path.read_text(encoding="utf-8") != shot["text"]:
            differ.append(f"--- {path.name} now:\n{shot['text']}")
    assert not differ, "screens differ from their goldens (see the module docstring):\n" + (
        "\n".join(differ)
    )
