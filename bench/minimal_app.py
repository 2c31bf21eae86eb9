"""The yardstick: the smallest Textual app, one label saying "ready".

The startup benchmark starts it exactly as it starts torgtui (``python -m bench.minimal_app`` in
the same kind of pty) and reports torgtui's time as a multiple of this one.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Label


class MinimalApp(App[None]):
    """One label and nothing else."""

    def compose(self) -> ComposeResult:
        yield Label("ready")


if __name__ == "__main__":
    MinimalApp().run()
