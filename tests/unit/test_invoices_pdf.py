"""The invoice on paper: what the page says, word for word and kopeck for kopeck, and the PDF
file written whole (or not at all)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from torgtui.customers.delivery import add_address
from torgtui.errors import ValidationError
from torgtui.marketing import invoices, vip
from torgtui.marketing.invoices_draft import InvoiceDraft
from torgtui.marketing.invoices_pdf import contents, export_pdf
from torgtui.models import Customer
from torgtui.models.invoices import Invoice
from torgtui.models.partners import Partner
from torgtui.sales.checkout import Tender
from torgtui.sales.shifts import open_shift

NOW = dt.datetime(2026, 11, 22, 10, 0)


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, 0, clock=clock)


def issue(staff, shift, clock, customer, codes, discount=None, **kw) -> Invoice:
    form = InvoiceDraft(staff["manager"], register="office", clock=clock)
    for code in codes:
        form.enter(code)
    if discount is not None:
        form.manual_discount(percent=discount)
    return invoices.issue(
        form.basket,
        customer_id=customer.id,
        uuid=form.uuid,
        by=staff["manager"],
        shift=shift,
        clock=clock,
        **kw,
    )


def test_an_invoice_paid_later_through_an_intermediary_with_a_waybill(
    staff, shop, shift, clock, tmp_path
) -> None:
    buyer = Customer.create(
        name="ТОВ Квітка-Опт",
        card="2900000000013",
        phone="+380671234567",
        created_at=NOW,
        updated_at=NOW,
    )
    vip.set_vip(buyer.id, "credit", limit=1_000_000, term_days=14, by=staff["manager"], clock=clock)
    dealer = Partner.create(code="D-1", kind="intermediary", name="Агент Петро", created_at=NOW)
    address = add_address(
        buyer,
        "nova_poshta",
        city="Львів",
        branch="15",
        recipient="Коваль Іван",
        phone="0671234567",
        by=staff["cashier"],
        clock=clock,
    )
    inv = issue(
        staff,
        shift,
        clock,
        buyer,
        ["2*" + shop.dress_code, shop.cream_code],
        discount=Decimal("10"),
        payment="later",
        partner_id=dealer.id,
        address_id=address.id,
    )
    Invoice.update(waybill="59000000000001").where(Invoice.id == inv.id).execute()
    page = contents(Invoice.get_by_id(inv.id))
    assert page.title == "Invoice 2026-00001 of 2026-11-22"
    assert page.parties == [
        "Seller: Квітка",
        "Buyer: ТОВ Квітка-Опт, +380671234567",
        "Customer through intermediary: Агент Петро",
    ]
    # 2 x 1 250.00 = 2 500.00 - 10 % = 2 250.00; 189.90 - 10 % (18.99) = 170.91
    assert page.rows == [
        ["1", "Сукня літня", "2", "1\u202f250.00", "250.00", "2\u202f250.00"],
        ["2", "Крем для рук", "1", "189.90", "18.99", "170.91"],
    ]
    assert page.totals == [
        "Subtotal: 2\u202f689.90 ₴",
        "Discount: 268.99 ₴",
        "Total: 2\u202f420.91 ₴",
    ]
    assert page.payment == ["To be paid by 2026-12-06; owed 2\u202f420.91 ₴"]
    assert page.delivery == [
        "Delivery: Nova Poshta, Львів, 15",
        "Recipient: Коваль Іван +380671234567",
        "Waybill: 59000000000001",
    ]
    assert page.signatures[0].startswith("Issued by: Maria Manager")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "invoice.pdf"
    export_pdf(inv.id, target, by=staff["cashier"])
    assert target.read_bytes().startswith(b"%PDF") and target.stat().st_size > 5000
    assert [p.name for p in out.iterdir()] == ["invoice.pdf"]


def test_paid_now_says_how_and_bad_paths_write_nothing(staff, shop, shift, clock, tmp_path) -> None:
    buyer = Customer.create(name="Оля", card="2900000000020", created_at=NOW, updated_at=NOW)
    inv = issue(
        staff,
        shift,
        clock,
        buyer,
        [shop.cream_code],
        payment="now",
        tenders=[Tender("card", 10000), Tender("cash", 9000)],
    )
    page = contents(inv)
    assert page.payment == ["Paid: card 100.00 ₴; cash 89.90 ₴"]
    assert page.delivery == ["Collected at the shop."]
    out = tmp_path / "out"
    out.mkdir()
    for bad in ("x.txt", "missing/x.pdf"):
        with pytest.raises(ValidationError):
            export_pdf(inv.id, out / bad, by=staff["cashier"])
    with pytest.raises(ValidationError, match="No invoice 42"):
        export_pdf(42, out / "x.pdf", by=staff["cashier"])
    assert list(out.iterdir()) == []
