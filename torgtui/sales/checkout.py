"""Taking payment and committing a receipt: one immediate transaction that writes the receipt,
its lines, adjustments, payments, stock movements and the fiscal queue entry, idempotent by
the receipt's UUID (a retried commit returns the receipt already written, never a second one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.db import is_sqlite, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import (
    Draft,
    Employee,
    LineAdjustment,
    Location,
    Payment,
    Receipt,
    ReceiptLine,
    Shift,
    StockMovement,
)
from torgtui.money import format_money, round_cash
from torgtui.sales.basket import Basket
from torgtui.sales.pricing import PricingContext, price
from torgtui.sales.shifts import _check_open, enqueue_fiscal
from torgtui.staff import Permission, audit, require

TENDERS = ("cash", "card", "cashless")
MAX_CHANGE = 100_000  # 1 000 UAH: more change than the largest note means a typing slip


@dataclass(frozen=True)
class Tender:
    kind: str  # cash, card, cashless
    amount: int  # cash: handed over; card/cashless: charged


@dataclass(frozen=True)
class Settlement:
    payments: list[tuple[str, int, int]]  # (tender, amount paid toward the receipt, tendered)
    rounding: int  # cash rounding: paid = total + rounding
    change: int


def settle(total: int, tenders: Sequence[Tender], cash_step: int) -> Settlement:
    """Check the tenders cover ``total``; work out cash rounding and change."""
    for t in tenders:
        if t.kind not in TENDERS:
            raise ValidationError(_("Unknown way to pay: {kind}.").format(kind=t.kind))
        if t.amount <= 0:
            raise ValidationError(_("A payment must be more than zero."))
    noncash = [t for t in tenders if t.kind != "cash"]
    noncash_sum = sum(t.amount for t in noncash)
    if noncash_sum > total:
        raise ValidationError(
            _("The card payment is more than the amount to pay ({total}).").format(
                total=format_money(total)
            )
        )
    cash_due = total - noncash_sum
    cash_given = sum(t.amount for t in tenders if t.kind == "cash")
    rounding = 0
    if cash_given:
        rounded = round_cash(cash_due, cash_step)
        rounding, cash_due = rounded - cash_due, rounded
    if cash_given < cash_due:
        raise ValidationError(
            _("{left} still to pay.").format(left=format_money(cash_due - cash_given))
        )
    change = cash_given - cash_due
    if change > MAX_CHANGE:
        raise ValidationError(
            _("The change would be {change}: check the amount typed.").format(
                change=format_money(change)
            )
        )
    payments: list[tuple[str, int, int]] = []
    for kind in ("card", "cashless"):
        amount = sum(t.amount for t in noncash if t.kind == kind)
        if amount:
            payments.append((kind, amount, amount))
    if cash_given:
        payments.append(("cash", cash_due, cash_given))
    return Settlement(payments, rounding, change)


def next_number(location_id: int) -> int:
    """The next receipt number at a location, inside the caller's write transaction (SQLite's
    immediate transaction serialises writers; PostgreSQL locks the location row)."""
    if not is_sqlite():
        Location.select(Location.id).where(Location.id == location_id).for_update().execute()
    last = (
        Receipt.select(peewee.fn.MAX(Receipt.number)).where(Receipt.location == location_id)
    ).scalar()
    return (last or 0) + 1


def write_lines(
    receipt: Receipt,
    basket: Basket,
    *,
    sign: int,
    now: dt.datetime,
    location_id: int,
    employee_id: int,
    originals: Sequence[int | None] = (),
) -> list[int]:
    """Insert the lines, their adjustments and stock movements; returns the line ids."""
    rows = [
        {
            "receipt": receipt.id,
            "position": i,
            "product": line.product_id,
            "barcode": line.barcode,
            "name": line.name,
            "qty": line.qty,
            "unit_price": line.unit_price,
            "unit_cost": line.unit_cost,
            "subtotal": line.subtotal,
            "discount": line.discount,
            "total": line.total,
            "original_line": originals[i - 1] if originals else None,
        }
        for i, line in enumerate(basket.lines, 1)
    ]
    ids = [r[0] for r in ReceiptLine.insert_many(rows).returning(ReceiptLine.id).tuples()]
    adjustments = [
        {
            "line": line_id,
            "step": a.step,
            "rule": a.rule,
            "reason": a.reason[:200],
            "amount": a.amount,
            "employee": a.employee_id,
        }
        for line_id, line in zip(ids, basket.lines, strict=True)
        for a in line.adjustments
    ]
    if adjustments:
        LineAdjustment.insert_many(adjustments).execute()
    StockMovement.insert_many(
        [
            {
                "product": line.product_id,
                "location": location_id,
                "qty": -sign * line.qty,
                "kind": "sale" if sign > 0 else "return",
                "at": now,
                "employee": employee_id,
                "note": "",
                "receipt_line_id": line_id,
            }
            for line_id, line in zip(ids, basket.lines, strict=True)
        ]
    ).execute()
    return ids


def commit_sale(
    basket: Basket,
    tenders: Sequence[Tender],
    *,
    uuid: str,
    employee: Employee,
    shift: Shift,
    cash_step: int,
    clock: Clock = system_clock,
    fiscal: bool = True,
) -> Receipt:
    """Write the sale. Calling it again with the same ``uuid`` returns the same receipt."""
    require(employee, Permission.SELL)
    if not basket.lines:
        raise ValidationError(_("The receipt is empty: scan something first."))
    existing = Receipt.get_or_none(Receipt.uuid == uuid)
    if existing is not None:
        return existing
    now = clock()
    priced = price(basket, PricingContext(at=now, customer_id=basket.customer_id))
    settlement = settle(priced.total, tenders, cash_step)
    with write_tx():
        existing = Receipt.get_or_none(Receipt.uuid == uuid)
        if existing is not None:  # committed by a retry that won the race
            return existing
        _check_open(shift)
        receipt = Receipt.create(
            uuid=uuid,
            number=next_number(shift.location_id),
            kind="sale",
            status="closed",
            location=shift.location_id,
            shift=shift.id,
            employee=employee.id,
            customer=priced.customer_id,
            created_at=now,
            closed_at=now,
            subtotal=priced.subtotal,
            discount=priced.discount,
            total=priced.total,
            rounding=settlement.rounding,
            fiscal_status="pending" if fiscal else "",
        )
        write_lines(
            receipt, priced, sign=1, now=now, location_id=shift.location_id, employee_id=employee.id
        )
        Payment.insert_many(
            [
                {"receipt": receipt.id, "tender": t, "amount": a, "tendered": g}
                for t, a, g in settlement.payments
            ]
        ).execute()
        if fiscal:
            enqueue_fiscal("sale", shift=shift, receipt=receipt, now=now)
        Draft.delete().where(Draft.uuid == uuid).execute()
        manual = [a for ln in priced.lines for a in ln.adjustments if a.step == "manual"]
        if manual:
            audit(
                "discount.manual",
                employee,
                object_type="receipt",
                object_id=receipt.id,
                after={
                    "amount": sum(a.amount for a in manual),
                    "by": sorted({a.employee_id for a in manual if a.employee_id}),
                },
                terminal=shift.register,
                clock=clock,
            )
    receipt.change = settlement.change  # type: ignore[attr-defined]
    return receipt
