"""The demo's invoices (torgtui.demo_invoices) on a small shop: the wholesale customer's invoice
paid by transfer and shipped with a waybill; the credit customer's through the intermediary,
paid later and half paid since; the office's shift closed, nothing fiscalised."""

from __future__ import annotations

import datetime as dt

from torgtui.catalog.stock import post_movement
from torgtui.demo_invoices import WAYBILL, build
from torgtui.marketing import intermediaries, invoices, vip
from torgtui.models import Customer, FiscalJob, ReceiptLine, Shift
from torgtui.models.invoices import Invoice
from torgtui.models.partners import Partner, PartnerRate
from torgtui.models.prices import PriceType

TODAY = dt.date(2026, 11, 22)
NOW = dt.datetime(2026, 11, 1, 9, 0)


def test_the_demo_invoices(staff, shop, clock) -> None:
    for product in (shop.dress, shop.cream):
        post_movement(product, shop.location, 100_000, "inbound", system=True, clock=clock)
    wholesale = PriceType.create(code="WHOLESALE", name="Оптова")
    buyer = Customer.create(
        name="ТОВ Квітка-Опт",
        card="2900000000013",
        price_type=wholesale,
        phone="+380671112233",
        created_at=NOW,
        updated_at=NOW,
    )
    olya = Customer.create(name="Оля", card="2900000000020", created_at=NOW, updated_at=NOW)
    vip.set_vip(olya.id, "credit", limit=1_000_000, term_days=14, by=staff["manager"])
    ivan = Partner.create(code="FOREMAN-IVAN", kind="intermediary", name="Іван", created_at=NOW)
    PartnerRate.create(partner=ivan, kind="commission", group=None, percent_bp=300)
    build(TODAY, 1)
    shipped, later = list(Invoice.select().order_by(Invoice.id))
    assert (shipped.customer_id, shipped.payment, shipped.waybill) == (buyer.id, "now", WAYBILL)
    assert (shipped.city, shipped.branch, shipped.number, shipped.fiscal) == (
        "Львів",
        "15",
        1,
        False,
    )
    assert shipped.total > 0 and invoices.owed(shipped) == 0
    assert (later.customer_id, later.payment, later.partner_id, later.number) == (
        olya.id,
        "later",
        ivan.id,
        2,
    )
    assert invoices.owed(later) == later.total - later.total // 2 > 0
    assert intermediaries.balance_of(ivan.id) > 0
    assert Shift.get(Shift.register == "OFFICE").status == "closed"
    assert FiscalJob.select().where(FiscalJob.receipt.is_null(False)).count() == 0
    # the same seed, the same goods
    lines = [(ln.product_id, ln.qty) for ln in ReceiptLine.select().order_by(ReceiptLine.id)]
    assert lines and all(qty in (12_000, 2_000) for _p, qty in lines)
