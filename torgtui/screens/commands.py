"""The command palette's one provider: the areas the employee may open, the back-office
sections inside them (the loyalty rules, the role settings) the role may use, Lock and Log out
(only while logged in)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from torgtui.i18n import _
from torgtui.screens.areas import areas_for
from torgtui.staff import Permission, can

if TYPE_CHECKING:
    from torgtui.app import TorgApp


class AreaCommands(Provider):
    """Open an area, lock the register or log out, by name."""

    def commands(self) -> list[tuple[str, Callable[[], object], str]]:
        """(name, callback, help) for what the logged-in employee can ask for now."""
        app: TorgApp = self.app  # type: ignore[assignment]
        if getattr(app, "employee", None) is None or app.is_locked:
            return []
        found: list[tuple[str, Callable[[], object], str]] = [
            (
                area.title,
                partial(app.open_area, area.id),
                _("Open {area} (key {key})").format(area=area.title, key=area.key),
            )
            for area in areas_for(app.employee)
        ]
        found.extend(self.sections(app))
        found.append((_("Lock"), app.action_lock, _("Hide the screen until your PIN is typed")))
        found.append((_("Log out"), app.logout, _("Back to the login screen")))
        return found

    def sections(self, app: TorgApp) -> list[tuple[str, Callable[[], object], str]]:
        """The sections of the areas open to the employee that their role may use."""
        from torgtui.screens.loyalty import sections

        ids = {area.id for area in areas_for(app.employee)}
        found: list[tuple[str, Callable[[], object], str]] = []
        if "loyalty" in ids:
            for section in sections():
                if can(app.employee, section.permission):
                    found.append(
                        (
                            section.title,
                            partial(open_section, app, "loyalty", "action_open", section.id),
                            _("Loyalty and promotions, key {key}").format(key=section.key),
                        )
                    )
        if "mailings" in ids and can(app.employee, Permission.SEND_MAILINGS):
            found.append(
                (
                    _("Message templates"),
                    partial(open_templates, app),
                    _("The texts of notices and mailings to customers (Mailings)"),
                )
            )
        if "settings" in ids and can(app.employee, Permission.MANAGE_STAFF):
            found.append(
                (
                    _("Role settings"),
                    partial(open_section, app, "settings", "action_roles"),
                    _("Which role may do what (Settings, F2)"),
                )
            )
        if can(app.employee, Permission.CREATE_CUSTOMERS):
            found.extend(call_commands(app))
        return found

    async def discover(self) -> Hits:
        for name, callback, help_text in self.commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)


def open_section(app: TorgApp, area_id: str, action: str, *args: str) -> None:
    """Open ``area_id`` (through home, with its permission check), then its section."""
    app.open_area(area_id)
    screen = app.screen
    if getattr(getattr(screen, "area", None), "id", None) == area_id:
        getattr(screen, action)(*args)


def call_commands(app: TorgApp) -> list[tuple[str, Callable[[], object], str]]:
    """The call journal and the missed calls to call back (torgtui.screens.calls)."""

    def open_calls(missed_only: bool) -> None:
        from torgtui.screens.calls import CallsScreen

        app.push_screen(CallsScreen(missed_only=missed_only))

    return [
        (
            _("Call journal"),
            partial(open_calls, False),
            _("Binotel calls in and out, newest first"),
        ),
        (
            _("Missed calls"),
            partial(open_calls, True),
            _("Missed calls to call back; F5 marks one called back"),
        ),
    ]


def open_templates(app: TorgApp) -> None:
    """The message templates (torgtui.screens.templates), over the current screen."""
    from torgtui.screens.areas import area_by_id
    from torgtui.screens.templates import TemplatesScreen

    app.push_screen(TemplatesScreen(area_by_id("mailings")))
