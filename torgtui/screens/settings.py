"""The Settings area: the effective settings, read-only, and the file they came from; F2
opens the role settings (who may do what: torgtui.screens.roles) for whoever manages staff.

Settings are edited in the TOML file; secrets (passwords, licence keys, PINs) are never shown.
A role that may manage staff but not change settings sees only the way to the roles.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from torgtui.config import Settings, secret_setting
from torgtui.db import redact
from torgtui.i18n import _
from torgtui.screens.area import AreaScreen
from torgtui.staff import Permission, can

HIDDEN = "***"


def _value(section: str, key: str, value: Any) -> str:
    if secret_setting(section, key):  # config.SECRET: keys, tokens, passwords, PINs
        return HIDDEN if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def settings_sections(settings: Settings) -> list[tuple[str, list[str]]]:
    """(section, ``key = value`` lines) for every section, secrets hidden, DB password redacted."""
    sections: list[tuple[str, list[str]]] = []
    for section in dataclasses.fields(settings):
        if section.name == "source":
            continue
        table = getattr(settings, section.name)
        lines = []
        for item in dataclasses.fields(table):
            value = getattr(table, item.name)
            if section.name == "tax" and item.name == "groups":
                for group in value:
                    lines.append(
                        _("group {code} = {name}, {rate}%").format(
                            code=group.code, name=group.name, rate=format(group.rate, "f")
                        )
                    )
                continue
            if section.name == "database" and item.name == "url":
                value = redact(value)
            lines.append(f"{item.name} = {_value(section.name, item.name, value)}")
        sections.append((section.name, lines))
    return sections


class SettingsScreen(AreaScreen):
    """Read-only view of the settings this register runs with."""

    CSS_PATH = ["area.tcss", "settings.tcss"]
    BINDINGS = [Binding("f2", "roles", _("Roles"), id="settings.roles")]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "roles":
            return can(self.app.employee, Permission.MANAGE_STAFF)
        return True

    def action_roles(self) -> None:
        from torgtui.screens.roles import RolesScreen

        self.app.push_screen(RolesScreen(self.area))

    def compose_body(self) -> ComposeResult:
        if not can(self.app.employee, Permission.CHANGE_SETTINGS):
            yield Label(_("Press F2 for the role settings."), id="settings-hint")
            return
        settings = self.app.settings
        source = settings.source or _("no settings file: built-in defaults and environment")
        with VerticalScroll(id="settings-body"):
            yield Label(
                _("Settings file: {source}").format(source=source),
                id="settings-source",
                markup=False,
            )
            yield Label(
                _(
                    "Read-only here: edit the settings file (TOML) or TORGTUI_* variables, "
                    "then restart torgtui."
                ),
                id="settings-hint",
            )
            for name, lines in settings_sections(settings):
                yield Label(f"[{name}]", classes="settings-section", markup=False)
                yield Static("\n".join(lines), classes="settings-lines", markup=False)
