"""Taking payment and committing a receipt: one immediate transaction that writes the receipt,
its lines, adjustments, payments, stock movements and the fiscal queue entry, idempotent by
the receipt's UUID (a retried commit returns the receipt already written, never a second one).
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass

from torgtui.clock import Clock, system_clock
from torgtui.db import database, insert_rows, is_sqlite, query_value, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Employee, Receipt, Shift
from torgtui.money import format_money, round_cash
from torgtui.sales.basket import Basket
from torgtui.sales.pricing import PricingContext, price
from torgtui.sales.shifts import _check_open
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
        query_value('SELECT "id" FROM "location" WHERE "id" = ? FOR UPDATE', (location_id,))
    last = query_value(
        'SELECT MAX("number") FROM "receipt" WHERE "location_id" = ?', (location_id,)
    )
    return int(last or 0) + 1  # type: ignore[call-overload]


def stamp(moment: dt.datetime) -> dt.datetime | str:
    """A timestamp for raw statements, stored exactly as Peewee stores it."""
    return str(moment) if is_sqlite() else moment


def write_lines(
    receipt_id: int,
    basket: Basket,
    *,
    sign: int,
    now: dt.datetime,
    location_id: int,
    employee_id: int,
    originals: Sequence[int | None] = (),
) -> list[int]:
    """Insert the lines, their adjustments and stock movements; returns the line ids.

    This is the register's hot path, so it uses prepared statements (see db.insert_rows)."""
    ids = insert_rows(
        "receipt_line",
        [
            "receipt_id",
            "position",
            "product_id",
            "barcode",
            "name",
            "qty",
            "unit_price",
            "unit_cost",
            "subtotal",
            "discount",
            "total",
            "original_line_id",
        ],
        [
            (
                receipt_id,
                i,
                ln.product_id,
                ln.barcode,
                ln.name,
                ln.qty,
                ln.unit_price,
                ln.unit_cost,
                ln.subtotal,
                ln.discount,
                ln.total,
                originals[i - 1] if originals else None,
            )
            for i, ln in enumerate(basket.lines, 1)
        ],
        ids=True,
    )
    insert_rows(
        "line_adjustment",
        ["line_id", "step", "rule", "reason", "amount", "employee_id"],
        [
            (line_id, a.step, a.rule, a.reason[:200], a.amount, a.employee_id)
            for line_id, ln in zip(ids, basket.lines, strict=True)
            for a in ln.adjustments
        ],
    )
    at = stamp(now)
    insert_rows(
        "stock_movement",
        [
            "product_id",
            "location_id",
            "qty",
            "kind",
            "at",
            "employee_id",
            "note",
            "receipt_line_id",
        ],
        [
            (
                ln.product_id,
                location_id,
                -sign * ln.qty,
                "sale" if sign > 0 else "return",
                at,
                employee_id,
                "",
                line_id,
            )
            for line_id, ln in zip(ids, basket.lines, strict=True)
        ],
    )
    return ids


def write_receipt(
    *,
    uuid: str,
    kind: str,
    basket: Basket,
    payments: Sequence[tuple[str, int, int]],
    rounding: int,
    shift: Shift,
    employee: Employee,
    now: dt.datetime,
    fiscal: bool,
    original_id: int | None = None,
    originals: Sequence[int | None] = (),
) -> Receipt:
    """Write one receipt with everything hanging off it (inside the caller's write_tx)."""
    try:
        uuidlib.UUID(uuid)
    except (TypeError, ValueError):  # it becomes the fiscal unit's receipt id, which is a UUID
        raise ValidationError(
            _("{uuid!r} is not a receipt id (a UUID): the receipt was not saved.").format(uuid=uuid)
        ) from None
    number = next_number(shift.location_id)
    fields = dict(
        uuid=uuid,
        number=number,
        kind=kind,
        status="closed",
        location_id=shift.location_id,
        shift_id=shift.id,
        employee_id=employee.id,
        customer_id=basket.customer_id,
        original_id=original_id,
        created_at=now,
        closed_at=now,
        subtotal=basket.subtotal,
        discount=basket.discount,
        total=basket.total,
        rounding=rounding,
        fiscal_status="pending" if fiscal else "",
        fiscal_code="",
        print_status="",
    )
    row = {k: (stamp(v) if isinstance(v, dt.datetime) else v) for k, v in fields.items()}
    (receipt_id,) = insert_rows("receipt", list(row), [tuple(row.values())], ids=True)
    write_lines(
        receipt_id,
        basket,
        sign=1 if kind == "sale" else -1,
        now=now,
        location_id=shift.location_id,
        employee_id=employee.id,
        originals=originals,
    )
    insert_rows(
        "payment",
        ["receipt_id", "tender", "amount", "tendered"],
        [(receipt_id, t, a, g) for t, a, g in payments],
    )
    if basket.customer_id is not None:
        _count_on_card(basket.customer_id, kind, basket.total, now)
    if fiscal:
        at = stamp(now)
        insert_rows(
            "fiscal_job",
            [
                "kind",
                "receipt_id",
                "shift_id",
                "payload",
                "status",
                "attempts",
                "created_at",
                "updated_at",
                "last_error",
                "remote_id",
                "fiscal_code",
            ],
            [(kind, receipt_id, shift.id, "{}", "pending", 0, at, at, "", "", "")],
        )
    return Receipt(id=receipt_id, **fields)


def _count_on_card(customer_id: int, kind: str, total: int, now: dt.datetime) -> None:
    """Keep the card's totals (bought, returned, visits) with the receipt, so the customer
    list can sort a million cards by them without summing receipts."""
    if kind == "sale":
        database.execute_sql(
            sql(
                'UPDATE "customer" SET "total_bought" = "total_bought" + ?, '
                '"receipts_count" = "receipts_count" + 1, "last_visit" = ? WHERE "id" = ?'
            ),
            (total, stamp(now), customer_id),
        )
    else:
        database.execute_sql(
            sql('UPDATE "customer" SET "total_returned" = "total_returned" + ? WHERE "id" = ?'),
            (total, customer_id),
        )


def receipt_by_uuid(uuid: str) -> Receipt | None:
    receipt_id = query_value('SELECT "id" FROM "receipt" WHERE "uuid" = ?', (uuid,))
    return Receipt.get_by_id(receipt_id) if receipt_id is not None else None


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
    now = clock()
    priced = price(basket, PricingContext(at=now, customer_id=basket.customer_id))
    settlement = settle(priced.total, tenders, cash_step)
    with write_tx():
        existing = receipt_by_uuid(uuid)
        if existing is not None:  # a retried commit: the receipt is already written
            return existing
        _check_open(shift)
        receipt = write_receipt(
            uuid=uuid,
            kind="sale",
            basket=priced,
            payments=settlement.payments,
            rounding=settlement.rounding,
            shift=shift,
            employee=employee,
            now=now,
            fiscal=fiscal,
        )
        database.execute_sql(sql('DELETE FROM "draft" WHERE "uuid" = ?'), (uuid,))
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
