"""Price policy with exact kopecks: price types (the customer's card's or the location's, by
the trade type priority), quantity breaks by product and group, a customer's manufacturer
discounts on top, and the services that change them refusing bad input with nothing written."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from dataclasses import dataclass
from decimal import Decimal

import pytest

from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import pricerules as pr
from torgtui.marketing.cards import CardTypeData, save_card_type
from torgtui.marketing.pricerules import PriceTypeData, QtyBreakData
from torgtui.models import (
    AuditEntry,
    Customer,
    LineAdjustment,
    Location,
    Manufacturer,
    Product,
    ProductGroup,
    Setting,
)
from torgtui.models.prices import ManufacturerDiscount, PriceType, ProductPrice, QtyBreak
from torgtui.sales.basket import Basket, BasketLine, PriceOverride
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.pricing import PricingContext, price
from torgtui.sales.shifts import open_shift

T0 = dt.datetime(2026, 11, 1, 9, 0)
AT = dt.datetime(2026, 11, 22, 12, 0)


@dataclass
class Goods:
    loc: Location
    cosmetics: ProductGroup
    creams: ProductGroup  # a subgroup of cosmetics
    garnier: Manufacturer
    nivea: Manufacturer
    shampoo: Product  # 120.00 retail, 100.00 wholesale, Garnier, cosmetics
    cream: Product  # 189.90 retail, 159.90 wholesale, Nivea, cosmetics/creams
    soap: Product  # weighed, 320.00 per kg, no wholesale price, no group


@pytest.fixture
def goods(db, staff, clock) -> Goods:
    loc = Location.create(code="MAIN", name="Квітка")
    cosmetics = ProductGroup.create(name="Cosmetics", path="Cosmetics")
    creams = ProductGroup.create(name="Creams", parent=cosmetics, path="Cosmetics/Creams")
    garnier = Manufacturer.create(name="Garnier")
    nivea = Manufacturer.create(name="Nivea")

    def product(sku: str, name: str, price_k: int, **kw) -> Product:
        return Product.create(
            sku=sku, name=name, price=price_k, cost=1000, created_at=T0, updated_at=T0, **kw
        )

    shampoo = product("SH-1", "Шампунь", 12000, group=cosmetics, manufacturer=garnier)
    cream = product("CR-1", "Крем", 18990, group=creams, manufacturer=nivea)
    soap = product("SO-1", "Мило", 32000, unit="kg", weighed=True)
    pr.save_price_type(PriceTypeData("wholesale", "Опт"), by=staff["manager"], clock=clock)
    pr.set_type_prices(
        "wholesale", {shampoo.id: 10000, cream.id: 15990}, by=staff["manager"], clock=clock
    )
    return Goods(loc, cosmetics, creams, garnier, nivea, shampoo, cream, soap)


def wholesale_customer(staff, clock, name: str = "ТОВ Опт") -> Customer:
    c = Customer.create(name=name, created_at=T0, updated_at=T0)
    pr.set_customer_price_type(c.id, "wholesale", by=staff["manager"], clock=clock)
    return c


def priced(
    lines: list[tuple[Product, float]],
    *,
    customer: Customer | None = None,
    location: Location | None = None,
    **extra: object,
) -> Basket:
    basket = Basket(
        [
            BasketLine(p.id, p.sku, p.name, round(qty * 1000), 0, weighed=p.weighed)
            for p, qty in lines
        ],
        customer_id=customer.id if customer else None,
    )
    ctx = PricingContext(
        at=AT,
        customer_id=basket.customer_id,
        location_id=location.id if location else None,
        extra=dict(extra),
    )
    return price(basket, ctx)


def steps(line: BasketLine) -> list[tuple[str, str, int]]:
    return [(a.step, a.rule, a.amount) for a in line.adjustments]


def reasons(basket: Basket) -> list[str]:
    return [r["reason"] for r in basket.info.get("refused", [])]


# --- price types and the priority ----------------------------------------------------------


def test_a_wholesale_card_at_a_retail_location_by_priority(goods, staff, clock) -> None:
    pr.set_location_price_type(goods.loc.id, "retail", by=staff["manager"], clock=clock)
    c = wholesale_customer(staff, clock)
    # the default: the customer's card wins
    b = priced([(goods.shampoo, 2)], customer=c, location=goods.loc)
    assert (b.subtotal, b.total) == (24000, 20000)
    assert steps(b.lines[0]) == [("price_type", "wholesale", 4000)]
    assert b.lines[0].adjustments[0].reason == "Опт price"
    assert b.info["price_type"] == {
        "code": "wholesale",
        "name": "Опт",
        "source": "customer",
        "instead_of": "retail",
    }
    # the location's type first: retail, and the card's type is named as not used
    pr.set_priority("location", by=staff["manager"], clock=clock)
    b = priced([(goods.shampoo, 2)], customer=c, location=goods.loc)
    assert (b.subtotal, b.total) == (24000, 24000)
    assert b.info["price_type"]["source"] == "location"
    assert "Price type Опт not used: Retail wins (the location's first)." in reasons(b)
    # a location without a type set does not compete: the card's type applies
    pr.set_location_price_type(goods.loc.id, None, by=staff["manager"], clock=clock)
    assert priced([(goods.shampoo, 2)], customer=c, location=goods.loc).total == 20000
    assert Setting.get_by_id("prices.priority").value == "location"
    assert pr.priority() == "location"


def test_the_location_type_for_everybody_else(goods, staff, clock) -> None:
    pr.set_location_price_type(goods.loc.id, "wholesale", by=staff["manager"], clock=clock)
    b = priced([(goods.cream, 3)], location=goods.loc)
    assert (b.subtotal, b.total) == (56970, 47970)
    assert b.info["price_type"]["source"] == "location"
    # a basket that names its type (``torgtui price`` with "price_type") gets it
    b = priced([(goods.cream, 3)], location=goods.loc, price_type="retail")
    assert b.total == 56970
    with pytest.raises(ValidationError, match="no price type 'gold'"):
        priced([(goods.cream, 1)], price_type="gold")


def test_a_product_without_a_type_price_sells_at_retail_and_says_so(goods, staff, clock) -> None:
    c = wholesale_customer(staff, clock)
    b = priced([(goods.soap, 1.25), (goods.shampoo, 1)], customer=c)
    assert b.lines[0].total == 40000 and b.lines[0].adjustments == []
    assert b.lines[1].total == 10000
    assert b.info["price_type"]["retail"] == ["SO-1"]
    assert "SO-1 has no Опт price: sold at retail." in reasons(b)


def test_a_price_set_by_hand_is_kept(goods, staff, clock) -> None:
    c = wholesale_customer(staff, clock)
    basket = Basket(
        [BasketLine(goods.shampoo.id, "", "", 1000, 0)],
        customer_id=c.id,
        overrides=[PriceOverride(0, goods.shampoo.id, 11000, staff["manager"].id)],
    )
    b = price(basket, PricingContext(at=AT, customer_id=c.id))
    assert [a.step for a in b.lines[0].adjustments] == ["override"]
    assert b.total == 11000


def test_a_blocked_card_gets_neither_type_nor_discounts(goods, staff, clock) -> None:
    c = wholesale_customer(staff, clock)
    pr.set_manufacturer_discount(c.id, goods.garnier.id, Decimal(5), by=staff["manager"])
    Customer.update(card_status="blocked").where(Customer.id == c.id).execute()
    b = priced([(goods.shampoo, 1)], customer=c)
    assert b.total == 12000
    assert "The card is blocked: its price type and discounts are not given." in reasons(b)


# --- quantity breaks -------------------------------------------------------------------------


def test_breaks_switch_at_10_and_100_units(goods, staff, clock) -> None:
    m = staff["manager"]
    pr.save_qty_break(
        QtyBreakData("sh10", 10000, product_id=goods.shampoo.id, price=9000), by=m, clock=clock
    )
    pr.save_qty_break(
        QtyBreakData("sh100", 100000, product_id=goods.shampoo.id, price=8000), by=m, clock=clock
    )
    totals = {n: priced([(goods.shampoo, n)]).total for n in (9, 10, 99, 100)}
    assert totals == {9: 108000, 10: 90000, 99: 891000, 100: 800000}
    b = priced([(goods.shampoo, 10)])
    assert steps(b.lines[0]) == [("qty_breaks", "sh10", 30000)]
    assert b.lines[0].adjustments[0].reason == "From 10 pcs: 90.00 ₴ each"


def test_lines_of_one_product_count_together(goods, staff, clock) -> None:
    pr.save_qty_break(
        QtyBreakData("soap1kg", 1000, product_id=goods.soap.id, percent=Decimal(10)),
        by=staff["manager"],
        clock=clock,
    )
    b = priced([(goods.soap, 0.6), (goods.soap, 0.5)])  # 1.1 kg on two weighed lines
    assert [ln.total for ln in b.lines] == [17280, 14400]  # 192.00 - 19.20; 160.00 - 16.00
    assert priced([(goods.soap, 0.6)]).total == 19200


def test_a_group_break_reaches_a_subgroup_and_a_product_break_wins_a_tie(
    goods, staff, clock
) -> None:
    m = staff["manager"]
    pr.save_qty_break(
        QtyBreakData("cosm5", 5000, group_id=goods.cosmetics.id, percent=Decimal(10)),
        by=m,
        clock=clock,
    )
    b = priced([(goods.cream, 5), (goods.shampoo, 4)])
    assert b.lines[0].total == 94950 - 9495  # cream (cosmetics/creams): 10% off
    assert b.lines[1].total == 48000  # 4 shampoos: each product counts its own quantity
    pr.save_qty_break(
        QtyBreakData("sh5", 5000, product_id=goods.shampoo.id, price=11500), by=m, clock=clock
    )
    b = priced([(goods.shampoo, 5)])
    assert steps(b.lines[0]) == [("qty_breaks", "sh5", 2500)]


def test_a_group_made_after_the_rules_were_cached_is_reached(goods, staff, clock) -> None:
    pr.save_qty_break(
        QtyBreakData("cosm5", 5000, group_id=goods.cosmetics.id, percent=Decimal(10)),
        by=staff["manager"],
        clock=clock,
    )
    assert priced([(goods.cream, 5)]).total == 85455  # the rules are cached now
    # an import makes a subgroup and a product in it without touching the rules version
    masks = ProductGroup.create(name="Masks", parent=goods.cosmetics, path="Cosmetics/Masks")
    mask = Product.create(
        sku="MA-1", name="Маска", price=5000, group=masks, created_at=T0, updated_at=T0
    )
    assert priced([(mask, 5)]).total == 22500


def test_breaks_by_price_type_and_never_above_the_type_price(goods, staff, clock) -> None:
    m = staff["manager"]
    c = wholesale_customer(staff, clock)
    pr.save_qty_break(
        QtyBreakData(
            "opt-cream", 10000, product_id=goods.cream.id, price_type="wholesale", price=14990
        ),
        by=m,
        clock=clock,
    )
    pr.save_qty_break(
        QtyBreakData("all-sh", 10000, product_id=goods.shampoo.id, price=11000), by=m, clock=clock
    )
    retail = priced([(goods.cream, 10), (goods.shampoo, 10)])
    assert [ln.total for ln in retail.lines] == [189900, 110000]  # cream: wholesale break only
    opt = priced([(goods.cream, 10), (goods.shampoo, 10)], customer=c)
    assert steps(opt.lines[0]) == [
        ("price_type", "wholesale", 30000),
        ("qty_breaks", "opt-cream", 10000),
    ]
    assert opt.lines[0].total == 149900
    assert opt.lines[1].total == 100000  # 110.00 is above the wholesale 100.00: not used
    assert any("not below" in r for r in reasons(opt))


def test_a_changed_break_applies_at_once(goods, staff, clock) -> None:
    m = staff["manager"]
    data = QtyBreakData("sh10", 10000, product_id=goods.shampoo.id, price=9000)
    pr.save_qty_break(data, by=m, clock=clock)
    assert priced([(goods.shampoo, 10)]).total == 90000
    pr.save_qty_break(QtyBreakData("sh10", 10000, product_id=goods.shampoo.id, price=9500), by=m)
    assert priced([(goods.shampoo, 10)]).total == 95000
    pr.save_qty_break(
        QtyBreakData("sh10", 10000, product_id=goods.shampoo.id, price=9500, active=False), by=m
    )
    assert priced([(goods.shampoo, 10)]).total == 120000
    pr.delete_qty_break("sh10", by=m, clock=clock)
    assert pr.list_qty_breaks() == []


# --- manufacturer discounts, and everything together ------------------------------------------


def test_manufacturer_discount_on_top_of_type_break_and_card(goods, staff, clock) -> None:
    m = staff["manager"]
    c = wholesale_customer(staff, clock)
    pr.save_qty_break(
        QtyBreakData("cosm5", 5000, group_id=goods.cosmetics.id, percent=Decimal(10)),
        by=m,
        clock=clock,
    )
    disc = pr.set_manufacturer_discount(c.id, goods.nivea.id, Decimal(5), by=m, clock=clock)
    card = save_card_type(CardTypeData("d3", "Знижка 3", "discount", Decimal(3)), by=m, clock=clock)
    Customer.update(card_type=card.id, card="2900000000013").where(Customer.id == c.id).execute()
    b = priced([(goods.cream, 10), (goods.shampoo, 1)], customer=c)
    cream, shampoo = b.lines
    # 10 x 189.90 = 1 899.00 -> wholesale 1 599.00 -> 10% break 1 439.10 -> Nivea 5%
    # (71.955 -> 71.96) 1 367.14 -> card 3% (41.0142 -> 41.01) 1 326.13
    assert steps(cream) == [
        ("price_type", "wholesale", 30000),
        ("qty_breaks", "cosm5", 15990),
        ("manufacturer", str(disc.id), 7196),
        ("card", "d3", 4101),
    ]
    assert cream.total == 132613
    assert cream.adjustments[2].reason == "Nivea 5% (personal)"
    # Garnier has no discount for this customer: type and card only (100.00 - 3.00)
    assert [a.step for a in shampoo.adjustments] == ["price_type", "card"]
    assert shampoo.total == 9700


def test_checkout_keeps_each_adjustment_with_its_rule(goods, staff, clock) -> None:
    c = wholesale_customer(staff, clock)
    pr.set_manufacturer_discount(c.id, goods.garnier.id, Decimal("2.5"), by=staff["manager"])
    shift = open_shift(staff["cashier"], "till-1", goods.loc, 0, clock=clock)
    basket = Basket([BasketLine(goods.shampoo.id, "", "", 3000, 0)], customer_id=c.id)
    receipt = commit_sale(
        basket,
        [Tender("card", 29250)],
        uuid=str(uuidlib.uuid4()),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    assert (receipt.subtotal, receipt.total) == (36000, 29250)  # 300.00 - 7.50
    rows = [(a.step, a.rule, a.amount) for a in LineAdjustment.select().order_by(LineAdjustment.id)]
    discount_id = ManufacturerDiscount.get().id
    assert rows == [("price_type", "wholesale", 6000), ("manufacturer", str(discount_id), 750)]


# --- the services: permission, audit, bad input with nothing written ---------------------------


def _counts() -> tuple[int, ...]:
    return (
        PriceType.select().count(),
        ProductPrice.select().count(),
        QtyBreak.select().count(),
        ManufacturerDiscount.select().count(),
        AuditEntry.select().count(),
        Setting.select().where(Setting.key == "prices.priority").count(),
    )


def test_changes_are_audited(goods, staff, clock) -> None:
    actions = [a.action for a in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions[-2:] == ["price_type.save", "product_price.set"]
    pr.set_priority("location", by=staff["owner"], clock=clock)
    last = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    assert (last.action, last.employee_id) == ("prices.priority", staff["owner"].id)


def test_type_prices_change_and_go(goods, staff, clock) -> None:
    m = staff["manager"]
    g = goods
    assert pr.set_type_prices("wholesale", [(g.shampoo.id, 9900), (g.soap.id, 30000)], by=m) == 2
    assert pr.type_prices("wholesale") == {g.shampoo.id: 9900, g.cream.id: 15990, g.soap.id: 30000}
    pr.set_type_prices("wholesale", {g.cream.id: None}, by=m, clock=clock)
    assert pr.type_prices("wholesale") == {g.shampoo.id: 9900, g.soap.id: 30000}
    c = wholesale_customer(staff, clock)
    assert priced([(g.cream, 1), (g.shampoo, 1)], customer=c).total == 18990 + 9900


def test_cashiers_may_not_change_prices(goods, staff, clock) -> None:
    before = _counts()
    cashier = staff["cashier"]
    calls = [
        lambda: pr.save_price_type(PriceTypeData("vip", "VIP"), by=cashier),
        lambda: pr.set_type_prices("wholesale", {goods.soap.id: 1}, by=cashier),
        lambda: pr.set_priority("location", by=cashier),
        lambda: pr.save_qty_break(QtyBreakData("x", 1000, product_id=1, price=1), by=cashier),
        lambda: pr.set_manufacturer_discount(1, goods.nivea.id, Decimal(5), by=cashier),
        lambda: pr.set_location_price_type(goods.loc.id, "wholesale", by=cashier),
        lambda: pr.delete_price_type("wholesale", by=cashier),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert _counts() == before


def test_bad_input_is_refused_with_nothing_written(goods, staff, clock) -> None:
    m = staff["manager"]
    c = wholesale_customer(staff, clock)
    pr.save_qty_break(
        QtyBreakData("sh10", 10000, product_id=goods.shampoo.id, price=9000), by=m, clock=clock
    )
    before = _counts()
    sh = goods.shampoo.id
    bad: list[tuple[object, str]] = [
        (lambda: pr.save_price_type(PriceTypeData("retail", "R"), by=m), "always there"),
        (lambda: pr.save_price_type(PriceTypeData("a b", "R"), by=m), "no spaces"),
        (lambda: pr.save_price_type(PriceTypeData("vip", " "), by=m), "is empty"),
        (lambda: pr.set_type_prices("wholesale", {sh: -1}, by=m), "less than"),
        (lambda: pr.set_type_prices("wholesale", {sh: 1.5}, by=m), "whole number of kopecks"),
        (lambda: pr.set_type_prices("wholesale", {999999: 100}, by=m), "no product 999999"),
        (lambda: pr.set_type_prices("gold", {sh: 100}, by=m), "no price type 'gold'"),
        (lambda: pr.set_type_prices("retail", {sh: 100}, by=m), "catalog's"),
        (lambda: pr.set_priority("cheapest", by=m), "customer or location"),
        (lambda: pr.set_location_price_type(999, "wholesale", by=m), "no location 999"),
        (lambda: pr.set_customer_price_type(c.id, "gold", by=m), "no price type"),
        (lambda: pr.delete_price_type("retail", by=m), "catalog's"),
        (
            lambda: pr.save_qty_break(QtyBreakData("z", 0, product_id=sh, price=1), by=m),
            "more than zero units",
        ),
        (
            lambda: pr.save_qty_break(QtyBreakData("z", -5, product_id=sh, price=1), by=m),
            "more than zero units",
        ),
        (
            lambda: pr.save_qty_break(QtyBreakData("z", 1000, product_id=sh, price=-1), by=m),
            "more than zero",
        ),
        (
            lambda: pr.save_qty_break(
                QtyBreakData("z", 1000, product_id=sh, percent=Decimal(101)), by=m
            ),
            "at most 100",
        ),
        (
            lambda: pr.save_qty_break(
                QtyBreakData("z", 1000, product_id=sh, percent=Decimal(0)), by=m
            ),
            "more than 0",
        ),
        (
            lambda: pr.save_qty_break(
                QtyBreakData("z", 1000, product_id=sh, price=1, percent=Decimal(1)), by=m
            ),
            "give one of them",
        ),
        (lambda: pr.save_qty_break(QtyBreakData("z", 1000, price=1), by=m), "product or"),
        (
            lambda: pr.save_qty_break(QtyBreakData("z", 1000, product_id=999999, price=1), by=m),
            "no product 999999",
        ),
        (
            lambda: pr.save_qty_break(QtyBreakData("z", 1000, group_id=999999, price=1), by=m),
            "no product group 999999",
        ),
        (
            lambda: pr.save_qty_break(
                QtyBreakData("z", 1000, product_id=sh, price=1, price_type="gold"), by=m
            ),
            "no price type",
        ),
        (
            lambda: pr.save_qty_break(QtyBreakData("z", 10000, product_id=sh, price=8000), by=m),
            "already starts at 10",
        ),
        (
            lambda: pr.save_qty_break(QtyBreakData("z", 20000, product_id=sh, price=9500), by=m),
            "Breaks overlap",
        ),
        (
            lambda: pr.set_manufacturer_discount(c.id, 999999, Decimal(5), by=m),
            "no manufacturer 999999",
        ),
        (
            lambda: pr.set_manufacturer_discount(999999, goods.nivea.id, Decimal(5), by=m),
            "no customer 999999",
        ),
        (
            lambda: pr.set_manufacturer_discount(c.id, goods.nivea.id, Decimal(-1), by=m),
            "more than 0",
        ),
        (
            lambda: pr.set_manufacturer_discount(c.id, goods.nivea.id, Decimal("100.5"), by=m),
            "at most 100",
        ),
        (
            lambda: pr.set_manufacturer_discount(c.id, goods.nivea.id, 5.0, by=m),  # a float
            "a number like",
        ),
        (lambda: pr.delete_qty_break("nope", by=m), "no quantity break"),
        (lambda: pr.delete_manufacturer_discount(999, by=m), "no manufacturer discount"),
    ]
    for call, message in bad:
        with pytest.raises(ValidationError, match=message):
            call()  # type: ignore[operator]
    assert _counts() == before
    assert QtyBreak.get(QtyBreak.code == "sh10").price == 9000


def test_a_type_in_use_is_not_deleted(goods, staff, clock) -> None:
    m = staff["manager"]
    c = wholesale_customer(staff, clock)
    with pytest.raises(ValidationError, match="used by a customer's card"):
        pr.delete_price_type("wholesale", by=m, clock=clock)
    pr.set_customer_price_type(c.id, None, by=m, clock=clock)
    pr.delete_price_type("wholesale", by=m, clock=clock)
    assert ProductPrice.select().count() == 0
    assert pr.list_price_types() == []
