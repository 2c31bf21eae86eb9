"""The back-office areas of the home menu: their keys, titles and who may open them.

Plain data without Textual, so the app, the home screen and the command palette share one list.
"""

from __future__ import annotations

from dataclasses import dataclass

from torgtui.i18n import _
from torgtui.models import Employee
from torgtui.staff import Permission, can


@dataclass(frozen=True)
class Area:
    """One area: its id (``home.<id>`` is its binding id), key, title and required permission."""

    id: str
    key: str
    title: str
    permission: Permission | None
    pending: str = ""  # what to say while the area is not built; empty when it is


def areas() -> list[Area]:
    """All areas in menu order, with titles in the current language."""
    return [
        Area(
            "sale",
            "1",
            _("Sale"),
            Permission.SELL,
        ),
        Area(
            "customers",
            "2",
            _("Customers"),
            None,
        ),
        Area(
            "vip",
            "3",
            _("VIP balances"),
            None,
            _("VIP balances: the VIP ledger is not built yet. It comes with the VIP issue."),
        ),
        Area(
            "promotions",
            "4",
            _("Promotions"),
            None,
            _("Promotions: promotions are not built yet. They come with the promotions issue."),
        ),
        Area(
            "certificates",
            "5",
            _("Certificates"),
            None,
            _(
                "Certificates: gift certificates are not built yet. They come with the "
                "certificates issue."
            ),
        ),
        Area(
            "partners",
            "6",
            _("Partners"),
            None,
            _("Partners: the partner program is not built yet. It comes with the partners issue."),
        ),
        Area(
            "mailings",
            "7",
            _("Mailings"),
            Permission.SEND_MAILINGS,
            _("Mailings: mailings are not built yet. They come with the mailings issue."),
        ),
        Area(
            "reports",
            "8",
            _("Reports"),
            Permission.VIEW_REPORTS,
            _("Reports: reports are not built yet. They come with the reports issue."),
        ),
        Area("settings", "9", _("Settings"), Permission.CHANGE_SETTINGS),
        Area("audit", "0", _("Audit log"), Permission.VIEW_AUDIT),
    ]


def may_open(area: Area, employee: Employee | None) -> bool:
    """Whether ``employee`` may open ``area`` (the home menu and the palette show only those)."""
    if employee is None:
        return False
    return area.permission is None or can(employee, area.permission)


def areas_for(employee: Employee | None) -> list[Area]:
    """The areas ``employee`` may open, in menu order."""
    return [area for area in areas() if may_open(area, employee)]


def area_by_id(area_id: str) -> Area:
    """The area named ``area_id``; KeyError for an unknown one (a programming error)."""
    for area in areas():
        if area.id == area_id:
            return area
    raise KeyError(area_id)
