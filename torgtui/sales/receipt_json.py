"""A committed receipt (sale or return) as the JSON ``torgtui sell`` and ``torgtui return``
print: read back from the database, so a retried command (the same uuid) prints the same
receipt. Money in kopecks, quantities in units, moments in ISO 8601.

Lines are as ``torgtui price`` gives them (torgtui.sales.why.explain_line), plus their
``position`` on the receipt (what ``torgtui return --line`` takes) and, on a return, the
``original_position`` they come back from. A line's share of the bonuses paid is worked out
as the pricing step split them (in proportion to the lines' totals).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from torgtui.models import (
    Employee,
    LineAdjustment,
    Location,
    Payment,
    Product,
    Receipt,
    ReceiptLine,
    Shift,
)
from torgtui.money import line_amount
from torgtui.sales.pricing import split_proportionally
from torgtui.sales.why import qty_units


def _lines(receipt: Receipt, bonus_paid: int) -> list[dict[str, Any]]:
    rows = list(
        ReceiptLine.select().where(ReceiptLine.receipt == receipt.id).order_by(ReceiptLine.position)
    )
    ids = [r.id for r in rows]
    adjustments: dict[int, list[dict[str, Any]]] = {}
    for a in (
        LineAdjustment.select().where(LineAdjustment.line.in_(ids)).order_by(LineAdjustment.id)
    ):
        adjustments.setdefault(a.line_id, []).append(
            {"step": a.step, "rule": a.rule, "reason": a.reason, "amount": a.amount}
        )
    skus = dict(
        Product.select(Product.id, Product.sku)
        .where(Product.id.in_([r.product_id for r in rows]))
        .tuples()
    )
    originals = dict(
        ReceiptLine.select(ReceiptLine.id, ReceiptLine.position)
        .where(ReceiptLine.id.in_([r.original_line_id for r in rows if r.original_line_id]))
        .tuples()
    )
    spent = split_proportionally(bonus_paid, [max(r.total, 0) for r in rows])
    out = []
    for row, share in zip(rows, spent, strict=True):
        line: dict[str, Any] = {
            "position": row.position,
            "product_id": row.product_id,
            "sku": skus.get(row.product_id, ""),
            "name": row.name,
            "qty": qty_units(row.qty),
            "unit_price": row.unit_price,
            "subtotal": row.subtotal,
            "discount": row.discount,
            "total": row.total,
            "adjustments": adjustments.get(row.id, []),
            "bonus_earned": row.bonus_earned,
            "bonus_spent": share,
            "below_cost": max(min(line_amount(row.unit_cost, row.qty), row.subtotal) - row.total, 0)
            if row.unit_cost > 0
            else 0,
        }
        if row.original_line_id is not None:
            line["original_position"] = originals.get(row.original_line_id)
        out.append(line)
    return out


def receipt_json(receipt: Receipt, *, balances: dict[str, Any] | None = None) -> dict[str, Any]:
    """``receipt`` as the contract prints it (see the module doc); ``balances`` are the
    customer's after it (torgtui.customers.show.balances), read by the caller."""
    receipt = Receipt.get_by_id(receipt.id)  # as stored, whatever the caller holds
    payments = list(Payment.select().where(Payment.receipt == receipt.id).order_by(Payment.id))
    tenders = [{"kind": p.tender, "amount": p.amount} for p in payments]
    bonus = sum(p.amount for p in payments if p.tender == "bonus")
    lines = _lines(receipt, bonus)
    shift = Shift.get_or_none(Shift.id == receipt.shift_id) if receipt.shift_id else None
    info = json.loads(receipt.info) if receipt.info else {}
    out: dict[str, Any] = {
        "uuid": receipt.uuid,
        "number": receipt.number,
        "kind": receipt.kind,
        "created_at": _iso(receipt.created_at),
        "location": Location.get_by_id(receipt.location_id).code,
        "register": shift.register if shift is not None else None,
        "employee": Employee.get_by_id(receipt.employee_id).name,
        "customer_id": receipt.customer_id,
    }
    if receipt.kind == "sale":
        out.update(
            subtotal=receipt.subtotal,
            discount=receipt.discount,
            total=receipt.total,
            rounding=receipt.rounding,
            lines=lines,
            payments=[
                {**t, "tendered": p.tendered} for t, p in zip(tenders, payments, strict=True)
            ],
            change=sum(p.tendered - p.amount for p in payments if p.tender == "cash")
            - int((info.get("bonus") or {}).get("change") or 0),
            bonus_earned=sum(line["bonus_earned"] for line in lines),
            bonus_spent=bonus,
        )
    else:
        original = Receipt.get_by_id(receipt.original_id)
        out.update(
            original=original.number,
            subtotal=receipt.subtotal,
            discount=receipt.discount,
            total=receipt.total,
            rounding=receipt.rounding,
            lines=lines,
            refunds=tenders,
            bonus_returned=bonus,
            bonus_reversed=-sum(line["bonus_earned"] for line in lines),
        )
    out["loyalty"] = info
    out["balances"] = balances
    return out


def _iso(moment: Any) -> Any:
    return moment.isoformat() if isinstance(moment, dt.datetime) else moment
