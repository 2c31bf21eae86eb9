"""The home menu after login: the areas the employee's role may open, by their key (1-9, 0) or
from the list. The others are not shown, and their keys do nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Label, OptionList
from textual.widgets.option_list import Option

from torgtui.i18n import _
from torgtui.screens.areas import area_by_id, areas, areas_for, may_open
from torgtui.widgets.status import StatusLine

if TYPE_CHECKING:
    from torgtui.app import TorgApp

AREA_KEYS = Binding.Group(_("Areas"), compact=True)


def _area_bindings() -> list[Binding]:
    return [
        Binding(
            area.key,
            f"open_area('{area.id}')",
            area.title,
            id=f"home.{area.id}",
            group=AREA_KEYS,
        )
        for area in areas()
    ]


class HomeScreen(Screen[None]):
    """The menu of areas. Opening one goes through ``TorgApp.open_area`` (permission check)."""

    CSS_PATH = "home.tcss"
    AUTO_FOCUS = "#home-areas"
    BINDINGS = _area_bindings()

    app: TorgApp

    def compose(self) -> ComposeResult:
        yield StatusLine()
        yield Label(
            _("Press an area's key, or choose it with the arrows and press Enter."),
            id="home-hint",
        )
        yield OptionList(
            *(
                Option(Content(f"{area.key}  {area.title}"), id=area.id)
                for area in areas_for(self.app.employee)
            ),
            id="home-areas",
            markup=False,
        )
        yield Label("", id="home-message", markup=False)
        yield Footer()

    def show_message(self, text: str) -> None:
        """Say why an area did not open (e.g. the role may not use it); empty clears it."""
        self.query_one("#home-message", Label).update(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#home-message", Label).content)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_area" and parameters:
            return may_open(area_by_id(str(parameters[0])), self.app.employee)
        return True

    def action_open_area(self, area_id: str) -> None:
        self.app.open_area(area_id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.app.open_area(event.option.id)
