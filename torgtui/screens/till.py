"""What the shift and return screens share: turning service failures into words, the shift
report as text (screen and paper), printing through the app's devices when there are any, and
today's sales for the return screen's list.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee
from rich.text import Text

from torgtui import db
from torgtui.errors import TorgError
from torgtui.i18n import _, ngettext
from torgtui.models import Employee, Receipt
from torgtui.money import format_money
from torgtui.sales.shifts import ShiftReport, payout_title

TENDER_ORDER = ("cash", "card", "cashless")
TODAY_LIMIT = 200


def tender_name(tender: str) -> str:
    names = {"cash": _("Cash"), "card": _("Card"), "cashless": _("Cashless")}
    return names.get(tender, tender)


def problem(exc: BaseException, url: str) -> str | None:
    """The message for a service failure the cashier can act on; None for a real bug."""
    if isinstance(exc, TorgError):
        return exc.message
    if isinstance(exc, peewee.DatabaseError):
        return db.explain(exc, url).message
    return None


def pair(left: str, right: str, width: int) -> str:
    """``left`` and ``right`` on one line of ``width`` characters (the left side cut if long)."""
    room = max(width - len(right) - 1, 1)
    if len(left) > room:
        left = left[: room - 1] + "…"
    return left.ljust(room) + " " + right


def _tender_key(tender: str) -> tuple[int, str]:
    order = TENDER_ORDER.index(tender) if tender in TENDER_ORDER else len(TENDER_ORDER)
    return order, tender


def sales_rows(report: ShiftReport) -> list[tuple[str, str]]:
    """Receipts, returns, discounts and the takings by tender (sales less refunds)."""
    rows = [
        (
            ngettext("Sales: {n} receipt", "Sales: {n} receipts", report.receipts).format(
                n=report.receipts
            ),
            format_money(report.sales_total),
        ),
        (_("Returns: {n}").format(n=report.returns), format_money(-report.returns_total)),
        (_("Net takings"), format_money(report.sales_total - report.returns_total)),
        (_("Discounts given"), format_money(report.discounts)),
        (_("Cash rounding"), format_money(report.rounding)),
    ]
    tenders = dict(report.by_tender)
    for tender in TENDER_ORDER[:2]:
        tenders.setdefault(tender, 0)
    for tender in sorted(tenders, key=_tender_key):
        rows.append((tender_name(tender), format_money(tenders[tender])))
    return rows


def drawer_rows(report: ShiftReport, counted: int | None = None) -> list[tuple[str, str]]:
    """The cash drawer: float, cash in and out, cash takings and what should be there."""
    rows = [
        (_("Float"), format_money(report.cash_float)),
        (_("Cash in"), format_money(report.cash_in)),
        (_("Cash out"), format_money(-report.cash_out)),
        *((payout_title(what), format_money(-amount)) for what, amount in report.payouts.items()),
        (_("Cash takings"), format_money(report.by_tender.get("cash", 0))),
        (_("Expected in drawer"), format_money(report.cash_expected)),
    ]
    if counted is not None:
        rows.append((_("Counted"), format_money(counted)))
        rows.append((_("Difference"), format_money(counted - report.cash_expected)))
    return rows


def difference_words(counted: int, expected: int) -> str:
    """How the counted cash compares with what should be in the drawer, in words."""
    diff = counted - expected
    if diff == 0:
        return _("The drawer matches: no difference.")
    if diff < 0:
        return _("The drawer is short by {amount}.").format(amount=format_money(-diff))
    return _("The drawer is over by {amount}.").format(amount=format_money(diff))


def report_text(
    title: str, report: ShiftReport, width: int, *, counted: int | None = None
) -> list[str]:
    """The X or Z report as plain lines of at most ``width`` characters, for the printer."""
    width = max(width, 24)
    rule = "-" * width
    lines = [title[:width], rule]
    lines += [pair(left, right, width) for left, right in sales_rows(report)]
    lines.append(rule)
    lines += [pair(left, right, width) for left, right in drawer_rows(report, counted)]
    lines.append(rule)
    return lines


def devices_of(app: Any) -> Any | None:
    """The app's device hub when it has a receipt printer, else None (tests, no printer)."""
    devices = getattr(app, "devices", None)
    if devices is None or getattr(devices, "printer", None) is None:
        return None
    return devices


def print_lines(printer: Any, lines: list[str]) -> tuple[bool, str]:
    """Print plain text lines and cut: (ok, message). Runs in a worker thread."""
    from torgtui.hw.printer import PrinterError

    try:
        printer.print_text(lines)
    except PrinterError as exc:
        return False, exc.message
    return True, ""


def todays_sales(location_id: int, day: dt.date, limit: int = TODAY_LIMIT) -> list[tuple]:
    """(id, number, time, total, cashier) of the day's sales at a location, newest first."""
    start = dt.datetime.combine(day, dt.time())
    end = start + dt.timedelta(days=1)
    return list(
        Receipt.select(Receipt.id, Receipt.number, Receipt.created_at, Receipt.total, Employee.name)
        .join(Employee)
        .where(
            (Receipt.location == location_id)
            & (Receipt.kind == "sale")
            & (Receipt.created_at >= start)
            & (Receipt.created_at < end)
        )
        .order_by(Receipt.created_at.desc(), Receipt.id.desc())
        .limit(limit)
        .tuples()
    )


def right_cell(text: str) -> Text:
    return Text(text, justify="right", no_wrap=True)


def cut_cell(text: str, width: int) -> Text:
    if len(text) > width:
        text = text[: width - 1] + "…"
    return Text(text, no_wrap=True)
