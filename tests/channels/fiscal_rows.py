"""Rows for fiscal tests: a shop with goods, a shift, and committed receipts with their
fiscal jobs, written straight through the models (as checkout does, in one transaction)."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass

from torgtui.clock import Clock
from torgtui.db import write_tx
from torgtui.models import (
    Employee,
    FiscalJob,
    Location,
    Payment,
    Product,
    Receipt,
    ReceiptLine,
    Shift,
)
from torgtui.sales.shifts import enqueue_fiscal, open_shift

REGISTER = "R1"


@dataclass
class Shop:
    location: Location
    shift: Shift
    employee: Employee
    tea: Product  # 55.00, tax A
    cup: Product  # 152.00, tax B
    soap: Product  # weighed, 320.00 per kg, tax C


def make_shop(employee: Employee, clock: Clock, *, opening_float: int = 0) -> Shop:
    now = clock()
    location = Location.create(code="MAIN", name="Квітка")

    def product(sku: str, name: str, price: int, tax: str, **kw: object) -> Product:
        return Product.create(
            sku=sku, name=name, price=price, tax_group=tax, created_at=now, updated_at=now, **kw
        )

    tea = product("T-1", "Чай зелений", 5500, "A")
    cup = product("C-7", "Чашка керамічна", 15200, "B")
    soap = product("00042", "Мило на вагу", 32000, "C", unit="kg", weighed=True)
    shift = open_shift(employee, REGISTER, location, opening_float, clock=clock)
    return Shop(location, shift, employee, tea, cup, soap)


def sell(
    shop: Shop,
    lines: Sequence[tuple[Product, int, int]],  # (product, qty in thousandths, discount)
    payments: Sequence[tuple[str, int]],
    clock: Clock,
    *,
    kind: str = "sale",
    original: Receipt | None = None,
    rounding: int = 0,
    uuid: str | None = None,
) -> Receipt:
    """Commit a receipt with its lines, payments and fiscal job; returns the receipt."""
    now = clock()
    with write_tx():
        last = Receipt.select(Receipt.number).order_by(Receipt.number.desc()).scalar() or 0
        subtotal = sum(p.price * q // 1000 for p, q, _d in lines)
        discount = sum(d for _p, _q, d in lines)
        receipt = Receipt.create(
            uuid=uuid or str(uuidlib.uuid4()),
            number=last + 1,
            kind=kind,
            location=shop.location,
            shift=shop.shift,
            employee=shop.employee,
            original=original,
            created_at=now,
            closed_at=now,
            subtotal=subtotal,
            discount=discount,
            total=subtotal - discount,
            rounding=rounding,
            fiscal_status="pending",
        )
        for i, (product, qty, disc) in enumerate(lines, 1):
            amount = product.price * qty // 1000
            ReceiptLine.create(
                receipt=receipt,
                position=i,
                product=product,
                barcode="482000000000" + str(i),
                name=product.name,
                qty=qty,
                unit_price=product.price,
                subtotal=amount,
                discount=disc,
                total=amount - disc,
            )
        for tender, amount in payments:
            Payment.create(receipt=receipt, tender=tender, amount=amount, tendered=amount)
        enqueue_fiscal(kind, shift=shop.shift, receipt=receipt, now=now)
    return receipt


def job_of(receipt: Receipt) -> FiscalJob:
    return FiscalJob.get(FiscalJob.receipt == receipt.id)


def jobs() -> list[FiscalJob]:
    return list(FiscalJob.select().order_by(FiscalJob.id))
