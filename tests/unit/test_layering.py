"""Domain packages never import Textual: the register can be driven without a screen."""

from __future__ import annotations

import subprocess
import sys

import pytest

DOMAIN = [
    "torgtui.models",
    "torgtui.sales",
    "torgtui.marketing",
    "torgtui.channels",
    "torgtui.hw",
    "torgtui.catalog",
    "torgtui.staff",
    "torgtui.db",
    "torgtui.config",
    "torgtui.money",
]


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_does_not_import_textual(module: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"m = importlib.import_module({module!r})\n"
        "for info in pkgutil.walk_packages(getattr(m, '__path__', []), m.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.')"
        " or n.startswith('torgtui.screens') or n.startswith('torgtui.widgets'))\n"
        "print(','.join(bad[:5]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulls in {out.stdout.strip()}"
