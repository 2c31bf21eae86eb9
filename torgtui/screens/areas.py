"""The back-office areas of the home menu: their keys, titles and who may open them.

Plain data without Textual, so the app, the home screen and the command palette share one list.
"""

from __future__ import annotations

from dataclasses import dataclass

from torgtui.i18n import _
from torgtui.models import Employee
from torgtui.staff import Permission, can, require


@dataclass(frozen=True)
class Area:
    """One area: its id (``home.<id>`` is its binding id), key, title and the permission it
    needs (or any one of ``also``: the VIP balances are for who sells or reads reports)."""

    id: str
    key: str
    title: str
    permission: Permission | None
    pending: str = ""  # what to say while the area is not built; empty when it is
    also: tuple[Permission, ...] = ()


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
        Area("vip", "3", _("VIP balances"), Permission.SELL, also=(Permission.VIEW_REPORTS,)),
        # card types, accelerators, the loyalty policy and bonus write-offs; the promotions
        # issue adds its rules here too
        Area(
            "loyalty",
            "4",
            _("Loyalty and promotions"),
            Permission.EDIT_PRICES,
            also=(Permission.WRITE_OFF_BONUSES,),
        ),
        Area(
            "certificates",
            "5",
            _("Certificates"),
            # everyone may look a certificate up; its sections (types and batches, blocking,
            # the analysis) show to the roles that may use them
            None,
        ),
        # referrers and intermediaries: anyone may look the list up; changing their terms
        # needs edit_prices, the report view_reports (the services refuse the others)
        Area(
            "partners",
            "6",
            _("Partners"),
            None,
        ),
        Area(
            "mailings",
            "7",
            _("Mailings"),
            Permission.SEND_MAILINGS,
        ),
        Area(
            "reports",
            "8",
            _("Reports"),
            Permission.VIEW_REPORTS,
            _("Reports: reports are not built yet. They come with the reports issue."),
        ),
        # the settings file (change_settings) and the role settings (manage_staff)
        Area(
            "settings",
            "9",
            _("Settings"),
            Permission.CHANGE_SETTINGS,
            also=(Permission.MANAGE_STAFF,),
        ),
        Area("audit", "0", _("Audit log"), Permission.VIEW_AUDIT),
        # trade with invoice issuance: wholesale and intermediaries' customers (issue 12.5)
        Area("invoices", "i", _("Invoices"), Permission.SELL),
        # goods receipts, stocktakes and write-offs (torgtui.catalog.documents)
        Area(
            "stock",
            "s",
            _("Stock documents"),
            Permission.RECEIVE_GOODS,
            also=(Permission.ADJUST_STOCK, Permission.VIEW_REPORTS),
        ),
    ]


def may_open(area: Area, employee: Employee | None) -> bool:
    """Whether ``employee`` may open ``area`` (the home menu and the palette show only those)."""
    if employee is None:
        return False
    if area.permission is None:
        return True
    return any(can(employee, p) for p in (area.permission, *area.also))


def require_open(area: Area, employee: Employee | None) -> None:
    """Raise the staff service's PermissionDenied (or AuthError) unless ``employee`` may open
    ``area``; the message names its first permission."""
    if area.permission is not None and not may_open(area, employee):
        require(employee, area.permission)


def areas_for(employee: Employee | None) -> list[Area]:
    """The areas ``employee`` may open, in menu order."""
    return [area for area in areas() if may_open(area, employee)]


def area_by_id(area_id: str) -> Area:
    """The area named ``area_id``; KeyError for an unknown one (a programming error)."""
    for area in areas():
        if area.id == area_id:
            return area
    raise KeyError(area_id)
