"""The invoices list (torgtui.marketing.invoices re-exports it): newest first, keyset-paged,
with what each still owes read for the whole page in one query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee

from torgtui.db import database, sql
from torgtui.i18n import _
from torgtui.marketing.invoices_common import LATER, MAX_PAGE, label
from torgtui.models import Customer, Employee
from torgtui.models.invoices import Invoice
from torgtui.models.partners import Partner
from torgtui.money import format_money
from torgtui.staff import Permission, require
from torgtui.values import check_id


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    label: str
    created_at: dt.datetime
    customer: str
    partner: str
    total: int
    payment: str
    owed: int
    waybill: str


def page(
    *,
    by: Employee,
    customer_id: int | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[InvoiceRow]:
    """Invoices newest first, keyset-paged (``before_id``: the last id of the page before)."""
    require(by, Permission.SELL)
    limit = max(1, min(int(limit), MAX_PAGE))
    query = (
        Invoice.select(
            Invoice, Customer.name.alias("customer_name"), Partner.name.alias("partner_name")
        )
        .join(Customer, on=(Invoice.customer == Customer.id))
        .switch(Invoice)
        .join(Partner, peewee.JOIN.LEFT_OUTER, on=(Invoice.partner == Partner.id))
        .order_by(Invoice.id.desc())
        .limit(limit)
        .objects()
    )
    if customer_id is not None:
        query = query.where(Invoice.customer == check_id(customer_id, _("The customer")))
    if before_id is not None:
        query = query.where(Invoice.id < check_id(before_id, _("The page")))
    found = list(query)
    still = _owed_by_receipt([inv.receipt_id for inv in found if inv.payment == LATER])
    rows = []
    for inv in found:
        rows.append(
            InvoiceRow(
                id=inv.id,
                label=label(inv),
                created_at=inv.created_at,
                customer=inv.customer_name,
                partner=inv.partner_name or "",
                total=inv.total,
                payment=inv.payment,
                owed=still.get(inv.receipt_id, 0),
                waybill=inv.waybill,
            )
        )
    return rows


def _owed_by_receipt(receipt_ids: list[int]) -> dict[int, int]:
    """{receipt id: what is open of its charges} for a page of invoices, in one query."""
    if not receipt_ids:
        return {}
    marks = ", ".join("?" * len(receipt_ids))
    rows = database.execute_sql(
        sql(
            'SELECT e."receipt_id", SUM(o."amount") FROM "ledger_open" o JOIN "ledger_entry" e '
            f'ON e."id" = o."entry_id" WHERE e."receipt_id" IN ({marks}) AND o."sign" = -1 '
            'GROUP BY e."receipt_id"'
        ),
        receipt_ids,
    ).fetchall()
    return {int(r[0]): int(r[1]) for r in rows}


def for_customer(customer_id: int, *, limit: int = 5) -> list[dict[str, object]]:
    """The customer's latest invoices for ``torgtui customer show``: number, date, total, how
    paid, what is still owed, the waybill (money in kopecks, dates in ISO 8601)."""
    found = list(
        Invoice.select()
        .where(Invoice.customer == check_id(customer_id, _("The customer")))
        .order_by(Invoice.id.desc())
        .limit(max(1, min(int(limit), MAX_PAGE)))
    )
    still = _owed_by_receipt([inv.receipt_id for inv in found if inv.payment == LATER])
    return [
        {
            "number": label(inv),
            "date": inv.created_at.date().isoformat(),
            "total": inv.total,
            "payment": inv.payment,
            "owed": still.get(inv.receipt_id, 0),
            "waybill": inv.waybill,
        }
        for inv in found
    ]


def show_lines(items: list[dict[str, object]]) -> list[str]:
    """What ``customer show`` prints of :func:`for_customer`."""
    lines = []
    for item in items:
        line = _("Invoice {number} of {date}: {total}").format(
            number=item["number"],
            date=item["date"],
            total=format_money(int(item["total"])),  # type: ignore[call-overload]
        )
        if item["owed"]:
            line += _("; owes {amount}").format(amount=format_money(int(item["owed"])))  # type: ignore[call-overload]
        if item["waybill"]:
            line += _("; waybill {number}").format(number=item["waybill"])
        lines.append(line)
    return lines


__all__ = ["InvoiceRow", "for_customer", "page", "show_lines"]
