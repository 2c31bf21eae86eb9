"""The frame of every area screen (header, body, footer, Escape back home), and the plain
screen for an area that is not built yet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Label

from torgtui.i18n import _
from torgtui.screens.areas import Area
from torgtui.widgets.status import StatusLine

if TYPE_CHECKING:
    from torgtui.app import TorgApp


class AreaScreen(Screen[None]):
    """Base of the area screens: subclasses yield their body from ``compose_body``."""

    CSS_PATH = "area.tcss"
    # Ctrl+L and Ctrl+O work everywhere; the home screen lists them, an area's footer leaves
    # them out so its own keys fit 80 columns in Ukrainian (as the register's footer does)
    BINDINGS = [
        Binding("escape", "back", _("Back"), id="area.back"),
        Binding("ctrl+l", "app.lock", _("Lock"), show=False, priority=True, id="area.lock"),
        Binding("ctrl+o", "app.logout", _("Log out"), show=False, id="area.logout"),
    ]

    app: TorgApp

    def __init__(self, area: Area) -> None:
        super().__init__()
        self.area = area

    def place(self) -> str:
        """Where we are, for the header line (the area's title; a sub-screen adds to it)."""
        return self.area.title

    def compose(self) -> ComposeResult:
        yield StatusLine(self.place())
        yield from self.compose_body()
        # compact and without the palette key (home shows it): Ukrainian labels fit 80 columns
        yield Footer(compact=True, show_command_palette=False)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def action_back(self) -> None:
        """Back to the home menu."""
        if self.app.screen is self:
            self.app.pop_screen()


class PendingAreaScreen(AreaScreen):
    """An area whose screens come with a later issue: says so plainly, shows no data."""

    def compose_body(self) -> ComposeResult:
        yield Label(self.area.pending, id="area-pending", markup=False)
        yield Label(_("Press Escape to go back."), id="area-hint")
