"""Gift certificates on both databases: each mode (money in parts and one-time, product,
deferred discount) through issue, sale, payment, partial use, return and reissue with exact
amounts and stock; blocking, expiry, the analysis with exact figures, and every bad input
refused in words with nothing written."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from decimal import Decimal

import pytest

from tests.unit.codes_shop import NOW, register
from torgtui.catalog.stock import post_movement, stock_of
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import certificates as gc
from torgtui.marketing import ledger
from torgtui.models import AuditEntry, Draft, Payment, Product, Receipt, ReceiptLine
from torgtui.models.certificates import Certificate, CertificateUse
from torgtui.money import format_money
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.returns import commit_return
from torgtui.sales.shifts import open_shift


@pytest.fixture
def shift(staff, shop, clock):
    clock.now = NOW
    return open_shift(staff["cashier"], "till-1", shop.location, 100000, clock=clock)


def _product(sku: str, name: str, price: int) -> Product:
    return Product.create(sku=sku, name=name, price=price, cost=0, created_at=NOW, updated_at=NOW)


@pytest.fixture
def kinds(db, shop, staff, clock):
    """Four types: money in parts (1 000.00), money once (500.00), a product certificate
    (500.00, a stocked set) and a deferred 10% discount from 500.00."""
    clock.now = NOW
    _product("GC-1000", "Аванс: подарунковий сертифікат 1000 грн", 100000)
    _product("GC-500", "Аванс: подарунковий сертифікат 500 грн", 50000)
    care = _product("GCP-CARE", "Сертифікат «Догляд»", 50000)
    _product("GCD-10", "Сертифікат −10%", 5000)
    post_movement(care, shop.location, 5000, "inbound", system=True, clock=clock)
    by = staff["manager"]
    made = {
        "money": gc.save_type(
            gc.TypeData(
                "GIFT1000",
                "Сертифікат 1000",
                "money",
                "GC-1000",
                face_value=100000,
                partial=True,
                prefix="27",
                valid_days=90,
            ),
            by=by,
            clock=clock,
        ),
        "once": gc.save_type(
            gc.TypeData(
                "ONCE500",
                "Сертифікат 500",
                "money",
                "GC-500",
                face_value=50000,
                prefix="26",
                valid_days=90,
            ),
            by=by,
            clock=clock,
        ),
        "product": gc.save_type(
            gc.TypeData("CARE", "Догляд", "product", "GCP-CARE", face_value=50000, prefix="25"),
            by=by,
            clock=clock,
        ),
        "discount": gc.save_type(
            gc.TypeData(
                "MINUS10",
                "−10%",
                "discount",
                "GCD-10",
                discount_percent=Decimal(10),
                min_total=50000,
                prefix="24",
                valid_until=dt.date(2026, 12, 31),
            ),
            by=by,
            clock=clock,
        ),
    }
    return made


def issue(staff, clock, kind, n: int = 2) -> list[str]:
    batch = gc.issue_batch(kind.code, n, by=staff["manager"], clock=clock)
    return [
        c.barcode
        for c in Certificate.select()
        .where(Certificate.batch == batch.id)
        .order_by(Certificate.barcode)
    ]


def drop(reg) -> None:
    """Throw the open receipt away (its draft too), as if cancelled."""
    Draft.delete().where(Draft.uuid == reg.uuid).execute()
    reg.forget()


def pay(reg, shift, clock, tenders):
    receipt = commit_sale(
        reg.basket,
        tenders,
        uuid=reg.uuid,
        employee=reg.employee,
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    reg.forget()
    return receipt


def sale(staff, shop, shift, clock, scans, tenders=None, *, who="cashier"):
    """Scan, then pay: the certificates' part with the ``certificate`` tender as the pricing
    says, the rest by card (or the tenders given)."""
    reg = register(staff, shop, clock, who)
    for code in scans:
        reg.enter(code)
    priced = reg.priced()
    if tenders is None:
        covered = int((priced.info.get("certificates") or {}).get("pay", 0))
        tenders = [Tender("certificate", covered)] if covered else []
        if priced.total - covered:
            tenders.append(Tender("card", priced.total - covered))
    return pay(reg, shift, clock, tenders)


def give_back(staff, shift, clock, receipt, qty_by_sku=None):
    lines = list(ReceiptLine.select().where(ReceiptLine.receipt == receipt.id))
    sku = {ln.product.sku: ln for ln in lines}
    wanted = (
        {ln.id: ln.qty for ln in lines}
        if qty_by_sku is None
        else {sku[s].id: q for s, q in qty_by_sku.items()}
    )
    return commit_return(
        receipt,
        wanted,
        uuid=str(uuidlib.uuid4()),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )


def paid(receipt) -> dict[str, int]:
    return {p.tender: p.amount for p in Payment.select().where(Payment.receipt == receipt.id)}


def balance(code: str) -> int:
    return gc.balance_of(gc.find(code))


def status(code: str) -> str:
    return gc.find(code).status


# --- money, in parts -------------------------------------------------------------------------


def test_money_certificate_sold_spent_in_parts_returned_pro_rata(
    staff, shop, shift, clock, kinds
) -> None:
    first, _second = issue(staff, clock, kinds["money"])
    assert status(first) == "issued" and balance(first) == 0
    money_product = Product.get(Product.sku == "GC-1000")
    sold = sale(staff, shop, shift, clock, [first])
    assert sold.total == 100000 and paid(sold) == {"card": 100000}
    line = ReceiptLine.get(ReceiptLine.receipt == sold.id)
    name = f"Аванс: подарунковий сертифікат 1000 грн №{first}"  # an advance, with its number
    assert (line.barcode, line.name) == (first, name)
    cert = gc.find(first)
    assert (cert.status, cert.sale_receipt_id) == ("sold", sold.id)
    assert cert.expires_at == dt.datetime(2027, 2, 21)  # 90 days from 22.11, the last 20.02
    assert balance(first) == 100000
    assert stock_of(money_product, shop.location) == 0  # not goods: the sale's movement undone

    # the cream (189.90): the certificate pays it all, 810.10 stays on it
    cream = sale(staff, shop, shift, clock, [shop.cream_code, first])
    assert paid(cream) == {"certificate": 18990}
    assert balance(first) == 81010 and status(first) == "sold"
    from torgtui.hw.receipt_text import loyalty_lines

    printed = loyalty_lines(Receipt.get_by_id(cream.id).info)
    assert (f"Left on certificate {first}", "810.10") in printed

    # the dress (1 250.00) and the cream: the certificate pays 810.10, the card the rest
    both = sale(staff, shop, shift, clock, [shop.dress_code, shop.cream_code, first])
    assert paid(both) == {"certificate": 81010, "card": 62980}
    assert balance(first) == 0 and status(first) == "used"
    with pytest.raises(ValidationError, match="is used up"):
        sale(staff, shop, shift, clock, [shop.cream_code, first])

    # the cream comes back: the certificate gets its share, 81010 x 18990 / 143990 = 106.84
    back = give_back(staff, shift, clock, both, {"C-1": 1000})
    assert paid(back) == {"certificate": 10684, "card": 8306}
    assert balance(first) == 10684 and status(first) == "sold"  # valid again
    printed = loyalty_lines(Receipt.get_by_id(back.id).info)
    assert (f"Back to certificate {first}", "106.84") in printed
    back_use = CertificateUse.get(CertificateUse.receipt == back.id)
    assert (back_use.kind, back_use.amount) == ("back", -10684)
    assert ledger.check_account(gc.account_of(gc.find(first))).ok
    # the fiscal unit: goods at full price, the certificate's part as labelled cashless
    label = "Подарунковий сертифікат"
    assert fiscal_payments(both) == [
        {"type": "CARD", "value": 62980},
        {"type": "CASHLESS", "value": 81010, "label": label},
    ]
    assert fiscal_payments(back) == [
        {"type": "CASHLESS", "value": 10684, "label": label},
        {"type": "CARD", "value": 8306},
    ]


def fiscal_payments(receipt) -> list[dict]:
    from torgtui.hw.fiscal.base import document_for
    from torgtui.hw.fiscal.checkbox import CheckboxUnit

    doc = document_for(Receipt.get_by_id(receipt.id))
    unit = CheckboxUnit("http://127.0.0.1:9", "key", "1234")
    try:
        return unit.sell_payload(doc)["payments"]
    finally:
        unit.close()


def test_a_certificate_paying_more_than_the_receipt_pays_only_the_receipt(
    staff, shop, shift, clock, kinds
) -> None:
    (code, _) = issue(staff, clock, kinds["money"])
    sale(staff, shop, shift, clock, [code])
    reg = register(staff, shop, clock)
    reg.enter(shop.cream_code)
    entered = reg.enter(code)
    assert entered.kind == "certificate"
    assert entered.message == f"Certificate {code}: Сертифікат 1000, holds {format_money(100000)}"
    assert reg.priced().info["certificates"]["pay"] == 18990
    # asking it to pay more than it covers is refused, nothing written
    with pytest.raises(ValidationError, match="more than the amount to pay"):
        pay(reg, shift, clock, [Tender("certificate", 18990 + 1)])


# --- money, once ------------------------------------------------------------------------------


def test_a_one_time_certificate_is_spent_whole_or_not_at_all(
    staff, shop, shift, clock, kinds
) -> None:
    code, _ = issue(staff, clock, kinds["once"])
    sale(staff, shop, shift, clock, [code])
    # worth more than the cream: refused, nothing written
    reg = register(staff, shop, clock)
    reg.enter(shop.cream_code)
    reg.enter(code)
    priced = reg.priced()
    assert priced.info["certificates"]["pay"] == 0
    assert "is worth 500.00 ₴ and is used once" in priced.info["refused"][0]["reason"]
    with pytest.raises(ValidationError, match="is used once"):
        pay(reg, shift, clock, [Tender("certificate", 18990)])
    drop(reg)
    # a part of it is refused too (a partial use of a one-time certificate)
    reg = register(staff, shop, clock)
    reg.enter(shop.dress_code)
    reg.enter(code)
    with pytest.raises(ValidationError, match="used once, whole: pay 500.00"):
        pay(reg, shift, clock, [Tender("certificate", 30000), Tender("card", 95000)])
    assert balance(code) == 50000 and status(code) == "sold"
    dress = pay(reg, shift, clock, [Tender("certificate", 50000), Tender("card", 75000)])
    assert paid(dress) == {"certificate": 50000, "card": 75000}
    assert (balance(code), status(code)) == (0, "used")
    assert [(u.kind, u.amount, u.slot) for u in gc.uses(gc.find(code))] == [("pay", 50000, 1)]
    # the whole dress comes back: the certificate is valid again, for its 500.00
    back = give_back(staff, shift, clock, dress)
    assert paid(back) == {"certificate": 50000, "card": 75000}
    assert (balance(code), status(code)) == (50000, "sold")
    assert [u.slot for u in gc.uses(gc.find(code))] == [None, None]


# --- product ------------------------------------------------------------------------------


def test_product_certificate_is_stock_sold_as_goods_and_exchanged_for_goods(
    staff, shop, shift, clock, kinds
) -> None:
    care = Product.get(Product.sku == "GCP-CARE")
    code, _ = issue(staff, clock, kinds["product"])
    assert stock_of(care, shop.location) == 5000
    sold = sale(staff, shop, shift, clock, [code])
    assert sold.total == 50000 and stock_of(care, shop.location) == 4000
    assert balance(code) == 50000
    dress = sale(staff, shop, shift, clock, [shop.dress_code, code])
    assert paid(dress) == {"certificate": 50000, "card": 75000}
    assert status(code) == "used" and stock_of(care, shop.location) == 4000
    # an unused certificate comes back; a used one does not
    other = issue(staff, clock, kinds["product"], 1)[0]
    sold_other = sale(staff, shop, shift, clock, [other])
    assert stock_of(care, shop.location) == 3000
    back = give_back(staff, shift, clock, sold_other)
    assert paid(back) == {"card": 50000}
    assert (status(other), balance(other), stock_of(care, shop.location)) == ("issued", 0, 4000)
    with pytest.raises(ValidationError, match="has been used"):
        give_back(staff, shift, clock, sold)
    # the used card is reissued and sold again: one more set leaves the stock
    gc.reissue(code, by=staff["manager"], clock=clock)
    sale(staff, shop, shift, clock, [code])
    assert (gc.find(code).generation, balance(code), stock_of(care, shop.location)) == (
        2,
        50000,
        3000,
    )


# --- deferred discount ------------------------------------------------------------------------


def test_discount_certificate_takes_ten_percent_once_and_a_whole_return_gives_it_back(
    staff, shop, shift, clock, kinds
) -> None:
    code, _ = issue(staff, clock, kinds["discount"])
    discount_product = Product.get(Product.sku == "GCD-10")
    sold = sale(staff, shop, shift, clock, [code])
    assert sold.total == 5000 and stock_of(discount_product, shop.location) == 0
    assert gc.find(code).expires_at == dt.datetime(2027, 1, 1)  # the fixed last day 31.12
    # below the least receipt (500.00): kept, no discount, not spent
    cream = sale(staff, shop, shift, clock, [shop.cream_code, code])
    assert cream.total == 18990 and status(code) == "sold"
    dress = sale(staff, shop, shift, clock, [shop.dress_code, code])
    assert dress.total == 112500 and status(code) == "used"
    (use,) = gc.uses(gc.find(code))
    assert (use.kind, use.amount, use.slot, use.receipt_id) == ("discount", 12500, 1, dress.id)
    with pytest.raises(ValidationError, match="is used up"):
        register(staff, shop, clock).enter(code)
    give_back(staff, shift, clock, dress)
    assert status(code) == "sold"
    sale(staff, shop, shift, clock, [shop.dress_code, code])
    new = gc.reissue(code, by=staff["manager"], clock=clock)  # used again, then a new life
    assert (new.generation, new.status, new.expires_at) == (2, "issued", None)
    sale(staff, shop, shift, clock, [code])
    assert gc.find(code).status == "sold" and len(gc.uses(gc.lives(code)[0])) == 2


def test_an_amount_off_certificate_given_free_to_a_customer(
    staff, shop, shift, clock, kinds
) -> None:
    from tests.unit.codes_shop import person

    _product("GCD-100", "Сертифікат −100 ₴", 0)
    gc.save_type(
        gc.TypeData("OFF100", "−100 ₴", "discount", "GCD-100", discount_amount=10000, prefix="23"),
        by=staff["manager"],
        clock=clock,
    )
    code, _ = issue(staff, clock, gc.type_of("OFF100"))
    olya = person()
    with pytest.raises(PermissionDenied):
        gc.give(code, olya.id, by=staff["cashier"], clock=clock)
    given = gc.give(code, olya.id, by=staff["manager"], clock=clock)
    assert (given.status, given.customer_id, given.sale_receipt_id) == ("sold", olya.id, None)
    assert [s.barcode for s in gc.for_customer(olya.id, clock())] == [code]
    with pytest.raises(ValidationError, match="only a new one can be given"):
        gc.give(code, olya.id, by=staff["manager"], clock=clock)
    dress = sale(staff, shop, shift, clock, [shop.dress_code, code])
    assert dress.total == 115000 and status(code) == "used"
    assert AuditEntry.select().where(AuditEntry.action == "certificate.give").count() == 1


# --- reissue, block, expiry ---------------------------------------------------------------------


def test_reissue_starts_a_new_life_and_keeps_the_history(staff, shop, shift, clock, kinds) -> None:
    code, _ = issue(staff, clock, kinds["once"])
    with pytest.raises(ValidationError, match="only a used-up or expired"):
        gc.reissue(code, by=staff["manager"], clock=clock)
    sale(staff, shop, shift, clock, [code])
    sale(staff, shop, shift, clock, [shop.dress_code, code])
    with pytest.raises(PermissionDenied):
        gc.reissue(code, by=staff["cashier"], clock=clock)
    new = gc.reissue(code, by=staff["manager"], clock=clock)
    assert (new.generation, new.status, new.previous_id) == (2, "issued", gc.lives(code)[0].id)
    assert [c.status for c in gc.lives(code)] == ["reissued", "issued"]
    sale(staff, shop, shift, clock, [code])
    assert balance(code) == 50000 and status(code) == "sold"
    assert len(gc.uses(gc.lives(code)[0])) == 1  # the first life's use stays with it
    assert AuditEntry.select().where(AuditEntry.action == "certificate.reissue").count() == 1


def test_the_share_of_a_reissued_certificate_comes_back_as_money(
    staff, shop, shift, clock, kinds
) -> None:
    code, _ = issue(staff, clock, kinds["once"])
    sale(staff, shop, shift, clock, [code])
    dress = sale(staff, shop, shift, clock, [shop.dress_code, code])
    assert paid(dress) == {"certificate": 50000, "card": 75000}
    gc.reissue(code, by=staff["manager"], clock=clock)
    back = give_back(staff, shift, clock, dress)
    assert paid(back) == {"card": 75000, "cash": 50000}
    first, second = gc.lives(code)
    assert (gc.balance_of(first), first.status) == (0, "reissued")
    assert (gc.balance_of(second), second.status) == (0, "issued")


def test_block_needs_the_right_a_reason_and_refuses_the_certificate(
    staff, shop, shift, clock, kinds
) -> None:
    code, _ = issue(staff, clock, kinds["money"])
    sale(staff, shop, shift, clock, [code])
    with pytest.raises(PermissionDenied):
        gc.block(code, by=staff["cashier"], reason="lost", clock=clock)
    with pytest.raises(ValidationError):
        gc.block(code, by=staff["senior_cashier"], reason="", clock=clock)
    gc.block(code, by=staff["senior_cashier"], reason="загубила", clock=clock)
    assert AuditEntry.select().where(AuditEntry.action == "certificate.block").count() == 1
    with pytest.raises(ValidationError, match=r"is blocked \(загубила\): keep it"):
        register(staff, shop, clock).enter(code)
    gc.unblock(code, by=staff["manager"], clock=clock)
    assert status(code) == "sold" and balance(code) == 100000


def test_expired_certificate_is_refused_and_written_off(staff, shop, shift, clock, kinds) -> None:
    code, _ = issue(staff, clock, kinds["money"])
    sale(staff, shop, shift, clock, [code])
    clock.now = dt.datetime(2027, 2, 21, 0, 0)  # the day after the last
    with pytest.raises(ValidationError, match="expired after 2027-02-20"):
        register(staff, shop, clock).enter(code)
    assert gc.expire_due(now=clock.now) == 1
    assert (status(code), balance(code)) == ("expired", 0)
    assert gc.reissue(code, by=staff["manager"], clock=clock).generation == 2


# --- bad input ---------------------------------------------------------------------------------


def test_bad_certificates_at_the_register_are_refused_in_words(
    staff, shop, shift, clock, kinds
) -> None:
    code, _ = issue(staff, clock, kinds["money"])
    reg = register(staff, shop, clock)
    unknown = "2700000999998"
    with pytest.raises(ValidationError, match=f"Certificate {unknown} is unknown"):
        reg.enter(unknown)
    with pytest.raises(ValidationError, match="without a quantity"):
        reg.enter(f"2*{code}")
    reg.enter(code)
    with pytest.raises(ValidationError, match="on this receipt already"):
        reg.enter(code)
    drop(reg)
    # the certificate's article typed by hand is not a certificate sale
    reg = register(staff, shop, clock)
    reg.enter("GC-1000")
    with pytest.raises(ValidationError, match="scanning the certificate's own barcode"):
        pay(reg, shift, clock, [Tender("card", 100000)])
    drop(reg)
    # a certificate tender without a certificate
    reg = register(staff, shop, clock)
    reg.enter(shop.cream_code)
    with pytest.raises(ValidationError, match="Scan the gift certificate"):
        pay(reg, shift, clock, [Tender("certificate", 18990)])
    # never sold
    reg.enter(shop.dress_code)
    assert Receipt.select().count() == 0
    assert ledger.balance(gc.account_of(gc.find(code))) == 0


def test_bad_types_are_refused_and_nothing_written(staff, clock, kinds) -> None:
    by = staff["manager"]
    bad = [
        (gc.TypeData("X", "X", "gold", "GC-1000", face_value=1), "Unknown certificate mode"),
        (gc.TypeData("X", "X", "money", "NOPE", face_value=1, prefix="23"), "no product"),
        (gc.TypeData("X", "X", "money", "D-1", face_value=0, prefix="23"), "face value"),
        (gc.TypeData("X", "X", "money", "D-1", face_value=1, prefix="29"), "loyalty cards"),
        (gc.TypeData("X", "X", "money", "D-1", face_value=1, prefix="27"), "GIFT1000"),
        (gc.TypeData("X", "X", "money", "D-1", face_value=1, prefix="21"), "Products have"),
        (gc.TypeData("X", "X", "money", "GC-500", face_value=1, prefix="23"), "ONCE500"),
        (gc.TypeData("X", "X", "discount", "D-1", prefix="23"), "a percent or an amount"),
    ]
    for data, match in bad:
        with pytest.raises(ValidationError, match=match):
            gc.save_type(data, by=by, clock=clock)
    shop_cards = gc.TypeData("X", "X", "money", "D-1", face_value=1, prefix="23")
    with pytest.raises(ValidationError, match="loyalty cards' \\(23\\)"):
        gc.save_type(shop_cards, by=by, clock=clock, card_prefix="23")  # the shop's setting
    with pytest.raises(PermissionDenied):
        gc.save_type(gc.type_data("GIFT1000"), by=staff["cashier"], clock=clock)
    assert len(gc.types()) == 4
    issue(staff, clock, kinds["money"], 1)
    changed = gc.type_data("GIFT1000")
    changed.face_value = 200000
    with pytest.raises(ValidationError, match="cannot change"):
        gc.save_type(changed, by=by, clock=clock)
    issue(staff, clock, kinds["discount"], 1)  # a new name is fine; 10 is 10.00
    renamed = gc.type_data("MINUS10")
    renamed.name, renamed.discount_percent = "Мінус 10%", Decimal(10)
    assert gc.save_type(renamed, by=by, clock=clock).name == "Мінус 10%"
    with pytest.raises(ValidationError):
        gc.issue_batch("GIFT1000", 0, by=by, clock=clock)


# --- analysis ----------------------------------------------------------------------------------


def test_analysis_counts_exact_figures(staff, shop, shift, clock, kinds) -> None:
    a, b, _c = issue(staff, clock, kinds["money"], 3)
    sale(staff, shop, shift, clock, [a])
    sale(staff, shop, shift, clock, [b])
    sale(staff, shop, shift, clock, [shop.cream_code, a])  # 189.90 of a
    give_back(staff, shift, clock, sale(staff, shop, shift, clock, [shop.cream_code, b]))
    d, e = issue(staff, clock, kinds["discount"])
    sale(staff, shop, shift, clock, [d])
    sale(staff, shop, shift, clock, [e])  # never used: it lapses after 31.12
    sale(staff, shop, shift, clock, [shop.dress_code, d])  # 125.00 off
    clock.now = dt.datetime(2027, 3, 1, 10, 0)
    gc.expire_due(now=clock.now)  # a and b lapsed on 21.02: 810.10 + 1 000.00 written off
    november = {
        f.type_code: f
        for f in gc.analysis(dt.date(2026, 11, 1), dt.date(2026, 11, 30), by=staff["manager"])
    }
    money = november["GIFT1000"]
    assert (money.issued, money.sold_count, money.sold_value) == (3, 2, 200000)
    assert (money.redeemed_count, money.redeemed_value, money.returned_value) == (2, 37980, 18990)
    assert (money.expired_count, money.outstanding_count, money.outstanding_value) == (0, 2, 181010)
    disc = november["MINUS10"]
    assert (disc.sold_count, disc.redeemed_count, disc.redeemed_value) == (2, 1, 12500)
    assert (disc.outstanding_count, disc.expired_count) == (1, 0)
    later = {
        f.type_code: f
        for f in gc.analysis(dt.date(2026, 12, 1), dt.date(2027, 3, 31), by=staff["manager"])
    }
    assert (later["GIFT1000"].expired_count, later["GIFT1000"].expired_value) == (2, 181010)
    assert later["GIFT1000"].outstanding_value == 0 and later["GIFT1000"].issued == 0
    assert (later["MINUS10"].expired_count, later["MINUS10"].outstanding_count) == (1, 0)
    with pytest.raises(PermissionDenied):
        gc.analysis(dt.date(2026, 11, 1), dt.date(2026, 11, 30), by=staff["cashier"])


# --- the demo ----------------------------------------------------------------------------------


def test_the_demo_makes_every_mode_sold_partly_used_and_expired(db, shop, staff) -> None:
    from torgtui.catalog.barcodes import make_ean13
    from torgtui.demo_certificates import build
    from torgtui.models import Barcode

    for n in range(10):
        product = _product(f"G-{n}", f"Товар {n}", 20000 + 15000 * n)
        Barcode.create(code=make_ean13("22", n + 1), product=product)
    build(dt.date(2026, 11, 22), 7)
    statuses = {c.status for c in Certificate.select()}
    assert statuses == {"issued", "sold", "used", "expired", "reissued"}
    modes = {t.mode for t in gc.types()}
    assert modes == {"money", "product", "discount"}
    partly = [
        c
        for c in Certificate.select().where(Certificate.status == "sold")
        if 0 < gc.balance_of(c) < c.value
    ]
    assert partly  # a money certificate spent in part
    for cert in Certificate.select():
        account = gc.account_of(cert)
        assert account is None or ledger.check_account(account).ok


def test_a_money_certificate_is_sold_at_its_face_value_whatever_the_card(
    staff, shop, shift, clock, kinds
) -> None:
    from torgtui.marketing.cards import CardTypeData, save_card_type
    from torgtui.models import Customer

    gold = save_card_type(
        CardTypeData(code="gold", name="Gold", kind="discount", percent=Decimal(5)),
        by=staff["manager"],
        clock=clock,
    )
    olya = Customer.create(
        name="Оля", card="2900000000013", card_type=gold.id, created_at=NOW, updated_at=NOW
    )
    code, _ = issue(staff, clock, kinds["money"])
    reg = register(staff, shop, clock)
    reg.attach_customer(olya)
    reg.enter(code)
    reg.enter(shop.cream_code)
    priced = reg.priced()
    assert [ln.total for ln in priced.lines] == [100000, 18040]  # the cream gets its 5%
    assert any(r["rule"] == "certificate_face" for r in priced.info["refused"])
    receipt = pay(reg, shift, clock, [Tender("card", 118040)])
    assert receipt.total == 118040 and balance(code) == 100000


def test_buying_a_money_certificate_earns_no_bonuses_the_goods_do(
    staff, shop, shift, clock, kinds
) -> None:
    """5% bonuses: the cream earns 9.50 on 189.90, the certificate's 1 000.00 nothing (the
    goods it pays for later earn them: no bonus twice on the same money)."""
    from torgtui.marketing.cards import CardTypeData, save_card_type
    from torgtui.models import Customer

    bonus = save_card_type(
        CardTypeData(code="bonus", name="Bonus", kind="bonus", bonus_percent=Decimal(5)),
        by=staff["manager"],
        clock=clock,
    )
    olya = Customer.create(
        name="Оля", card="2900000000013", card_type=bonus.id, created_at=NOW, updated_at=NOW
    )
    code, _ = issue(staff, clock, kinds["money"])
    reg = register(staff, shop, clock)
    reg.attach_customer(olya)
    reg.enter(code)
    reg.enter(shop.cream_code)
    priced = reg.priced()
    assert [ln.bonus_earn for ln in priced.lines] == [0, 950]
    assert priced.info["bonus"]["earn"] == 950
    receipt = pay(reg, shift, clock, [Tender("card", priced.total)])
    lines = ReceiptLine.select().where(ReceiptLine.receipt == receipt.id)
    assert sorted(ln.bonus_earned for ln in lines) == [0, 950]
