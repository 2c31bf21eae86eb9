"""A small shop with VIP customers in each mode, made through the real register (sales on
account, a payment), for the VIP area's tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from torgtui.catalog.barcodes import make_ean13
from torgtui.clock import FixedClock
from torgtui.marketing import vip
from torgtui.models import Barcode, Customer, Employee, Location, Product, Shift
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift

T0 = dt.datetime(2026, 11, 22, 10, 0)


@dataclass
class VipShop:
    location: Location
    credit: Customer  # on credit, 14 days, one debt 30 days old (overdue) and one new
    items: Customer  # item-level: one receipt of two lines on account
    account: Customer  # goods-and-cash, nothing owed
    plain: Customer  # not VIP
    codes: dict[str, str]


def _sell(cashier: Employee, shift: Shift, clock: FixedClock, customer_id, codes, tenders):
    reg = Register(cashier, register="till-1", clock=clock)
    for code in codes:
        reg.scan(code)
    reg.basket.customer_id = customer_id
    reg.save()
    try:
        return commit_sale(
            reg.basket,
            tenders,
            uuid=reg.uuid,
            employee=cashier,
            shift=shift,
            cash_step=10,
            clock=clock,
            fiscal=False,
        )
    finally:
        reg.forget()


def build_vip_shop(staff: dict[str, Employee], clock: FixedClock) -> VipShop:
    """VIP customers with debts; ``clock`` is left where it was, the cashier's shift open."""
    now = clock.now
    loc = Location.create(code="MAIN", name="Квітка")
    codes = {}
    for n, (sku, name, price) in enumerate(
        (("D-1", "Сукня літня", 125000), ("C-1", "Крем для рук", 18990)), start=1
    ):
        product = Product.create(
            sku=sku, name=name, price=price, cost=price // 2, created_at=now, updated_at=now
        )
        codes[sku] = make_ean13("21", n)
        Barcode.create(code=codes[sku], product=product)

    def customer(name: str, n: int) -> Customer:
        return Customer.create(name=name, card=make_ean13("29", n), created_at=now, updated_at=now)

    credit = customer("Коваленко Ольга", 1)
    items = customer("Шевченко Тарас", 2)
    account = customer("Бондаренко Ірина", 3)
    plain = customer("Мельник Петро", 4)
    manager, cashier = staff["manager"], staff["cashier"]
    vip.set_vip(credit.id, "credit", limit=500000, term_days=14, by=manager, clock=clock)
    vip.set_vip(items.id, "items", limit=500000, term_days=30, by=manager, clock=clock)
    vip.set_vip(account.id, "account", limit=100000, term_days=30, by=manager, clock=clock)
    past = FixedClock(now - dt.timedelta(days=30))
    old_shift = open_shift(cashier, "till-1", loc, 0, clock=past, fiscal=False)
    _sell(cashier, old_shift, past, credit.id, [codes["D-1"]], [Tender("credit", 125000)])
    # yesterday's shift, closed (its Z report is not what these tests are about)
    Shift.update(status="closed", closed_at=past.now).where(Shift.id == old_shift.id).execute()
    shift = open_shift(cashier, "till-1", loc, 100000, clock=clock, fiscal=False)
    _sell(cashier, shift, clock, credit.id, [codes["C-1"]], [Tender("credit", 18990)])
    _sell(
        cashier,
        shift,
        clock,
        items.id,
        [codes["D-1"], codes["C-1"]],
        [Tender("credit", 143990)],
    )
    return VipShop(loc, credit, items, account, plain, codes)
