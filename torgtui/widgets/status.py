"""The one-line header: store, where we are, who is logged in (and their role) and the time.

It writes to the terminal only when its text changes and its screen is the one shown: a screen
under the current one still counts as its background in Textual, so a repaint there repaints
the whole screen on top (1.8 KB on the sale screen, every 10 seconds, for an unchanged line).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Label

from torgtui.staff import role_title

STATUS_REFRESH_SECONDS = 10.0


class StatusLine(Widget):
    """Store name and place on the left; employee, role and the app clock's time on the right."""

    DEFAULT_CSS = """
    StatusLine {
        dock: top;
        height: 1;
        layout: horizontal;
        background: $primary;
        color: $text;
    }
    StatusLine > #status-left {
        width: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
    }
    StatusLine > #status-right {
        width: auto;
        padding: 0 1;
    }
    """

    def __init__(self, place: str = "") -> None:
        super().__init__()
        self.place = place

    def compose(self) -> ComposeResult:
        yield Label("", id="status-left", markup=False)
        yield Label("", id="status-right", markup=False)

    def on_mount(self) -> None:
        self.refresh_line()
        self.set_interval(STATUS_REFRESH_SECONDS, self.refresh_line)
        self.app.screen_change_signal.subscribe(self, self.screen_changed)

    def screen_changed(self, screen: object) -> None:
        if screen is self.screen:  # back on top: catch up with the clock at once
            self.refresh_line()

    def refresh_line(self) -> None:
        """Redraw from the app's state (cheap: two labels, no database), when shown."""
        if self.app.screen is not self.screen:  # not is_current: that counts the one under it
            return
        app = self.app
        left = app.title if not self.place else f"{app.title} · {self.place}"
        employee = getattr(app, "employee", None)
        clock = getattr(app, "clock", None)
        right = ""
        if employee is not None:
            right = f"{employee.name} ({role_title(employee.role)})"
        if clock is not None:
            right = f"{right}  {clock():%H:%M}".strip()
        for selector, text in (("#status-left", left), ("#status-right", right)):
            label = self.query_one(selector, Label)
            old = str(label.content)
            if old != text:  # a layout pass (a full repaint) only when the width changes
                label.update(text, layout=len(old) != len(text))
