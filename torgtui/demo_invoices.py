"""The demo shop's invoices ("Trade with invoice issuance", issue 12.5), made through the real
services after the history, the price policy and the partners are written:

* **to the wholesale customer** (the one with the wholesale price type, torgtui.demo_loyalty):
  a dozen each of three goods (its prices and quantity breaks apply), paid by bank transfer,
  shipped by Nova Poshta to a branch from its address history, with a waybill;
* **to the customer buying on credit** (the history's credit VIP), through the intermediary
  Бригадир Іван (torgtui.demo_partners: his commission lands on his balance), paid later on
  the customer's account, half of it paid by bank transfer since.

All this morning, before the shop opens (the history ends yesterday, and its receipt numbers
run in time order). The office's shift they are sold in is opened and closed around them
(nothing goes to the fiscal unit: transfers and sales on account are not fiscalised, see
docs/invoices.md). The waybill is written as Nova Poshta's answer would be stored (the demo
has no network): number, ref and cost. Deterministic: the goods are drawn from a
``random.Random`` seeded from the demo's seed.
"""

from __future__ import annotations

import datetime as dt
import random

from torgtui.catalog.stock import available
from torgtui.customers.delivery import add_address
from torgtui.errors import ValidationError
from torgtui.marketing import invoices
from torgtui.marketing.invoices_draft import InvoiceDraft
from torgtui.marketing.ledger import InsufficientBalance
from torgtui.models import Customer, Draft, Employee, Location, Product
from torgtui.models.invoices import Invoice
from torgtui.models.partners import Partner
from torgtui.models.prices import PriceType
from torgtui.sales.checkout import Tender

REGISTER = "OFFICE"
WAYBILL = "59000123400017"  # as Nova Poshta numbers waybills made through its API


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def _wholesale_customer() -> Customer | None:
    kind = PriceType.get_or_none(PriceType.code == "WHOLESALE")
    if kind is None:
        return None
    return (
        Customer.select()
        .where((Customer.price_type == kind.id) & (Customer.status == "active"))
        .order_by(Customer.id)
        .first()
    )


def _goods(rng: random.Random, count: int, location: Location, qty: int) -> list[Product]:
    """``count`` piece goods with at least ``qty`` available at ``location``."""
    piece = [
        p
        for p in Product.select()
        .where(Product.active & ~Product.weighed & (Product.price > 0))
        .order_by(Product.id)
        .limit(400)
        if available(p.id, location.id) >= qty
    ]
    return rng.sample(piece, min(count, len(piece)))


def _form(
    by: Employee, clock, location: Location, customer: Customer, goods: list[Product], qty: int
) -> InvoiceDraft:
    form = InvoiceDraft(
        by, register=REGISTER, location_id=location.id, below_cost="never", clock=clock
    )
    form.basket.customer_id = customer.id  # its prices: the wholesale type, its discounts
    for product in goods:
        try:
            form.add(product, qty)
        except ValidationError:  # held for a pre-order, or not enough: the next one
            continue
    return form


def build(today: dt.date, seed: int) -> None:
    """Add the demo invoices (inside the demo's write transaction)."""
    from torgtui.sales.shifts import close_shift, open_shift, x_report

    rng = random.Random(f"invoices-{seed}")
    location = Location.select().order_by(Location.id).first()
    manager = Employee.get_or_none(Employee.role == "manager")
    buyer = _wholesale_customer()
    if location is None or manager is None or buyer is None:
        return
    day = today  # after the history (its receipt numbers run in time order), before opening
    now = _at(day, 8, 30)

    def clock() -> dt.datetime:
        return now

    address = add_address(
        buyer,
        "nova_poshta",
        city="Львів",
        branch="15",
        recipient=buyer.name,
        phone=buyer.phone or "+380671234567",
        by=manager,
        clock=clock,
    )
    shift = open_shift(manager, REGISTER, location, 0, clock=clock, fiscal=False)
    form = _form(manager, clock, location, buyer, _goods(rng, 3, location, 12_000), 12_000)
    if form.basket.lines:
        shipped = invoices.issue(
            form.basket,
            customer_id=buyer.id,
            payment=invoices.NOW,
            tenders=[Tender("cashless", form.priced().total)],
            uuid=form.uuid,
            by=manager,
            shift=shift,
            address_id=address.id,
            note="Замовлення телефоном, оплата за рахунком",
            below_cost="never",  # the wholesale discounts never take a line below its cost
            clock=clock,
        )
        form.forget()
        Invoice.update(
            waybill=WAYBILL,
            waybill_ref="5f0c2a1e-0000-4000-8000-000000000017",
            waybill_cost=11500,
            waybill_state="done",
            waybill_at=_at(day, 8, 40),
        ).where(Invoice.id == shipped.id).execute()
    now = _at(day, 8, 50)
    dealer = Partner.get_or_none((Partner.code == "FOREMAN-IVAN") & Partner.active)
    on_credit = (  # the history's customer buying on credit (torgtui.demo_loyalty)
        Customer.select()
        .where((Customer.vip_mode == "credit") & (Customer.status == "active"))
        .order_by(Customer.id)
        .first()
    )
    if on_credit is not None:
        form = _form(manager, clock, location, on_credit, _goods(rng, 2, location, 2_000), 2_000)
        later = None
        if form.basket.lines:
            try:
                later = invoices.issue(
                    form.basket,
                    customer_id=on_credit.id,
                    payment=invoices.LATER,
                    uuid=form.uuid,
                    by=manager,
                    shift=shift,
                    partner_id=dealer.id if dealer else None,
                    below_cost="never",
                    clock=clock,
                )
            except InsufficientBalance:  # the history left no room under the credit limit
                Draft.delete().where(Draft.uuid == form.uuid).execute()
            form.forget()
        if later is not None:
            now = _at(day, 9)
            invoices.pay(
                later.id,
                later.total // 2,
                "transfer",
                uuid=f"00000000-0000-4000-8000-{seed % 10**12:012d}",
                by=manager,
                clock=clock,
            )
    now = _at(day, 9, 10)
    close_shift(shift, manager, x_report(shift).cash_expected, clock=clock, fiscal=False)


__all__ = ["build"]
