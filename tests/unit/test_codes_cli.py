"""Promo codes from scripts: ``torgtui price`` takes ``"codes"`` and reports the refused ones
with a reason; ``torgtui sell`` spends them, and refuses a sale whose code is refused."""

from __future__ import annotations

import pytest

from tests.unit import codes_shop
from tests.unit.codes_shop import batch, make_codes, person
from torgtui.config import Settings
from torgtui.marketing import codes
from torgtui.models import Receipt
from torgtui.models.codes import PromoCode
from torgtui.sales.price_cli import BasketError, price_basket, read_basket
from torgtui.sales.sell_cli import Order, sell

promo, shift = codes_shop.promo, codes_shop.shift  # fixtures


def test_price_takes_codes_and_says_why_one_is_refused(staff, shop, clock, promo) -> None:
    a, b = make_codes(staff, clock, batch(staff, clock, promo), 2)
    codes.block_code(b, by=staff["manager"], clock=clock)
    result = price_basket(
        {
            "lines": [{"sku": "D-1"}],
            "codes": [a.lower(), b, "NOPE2026", a],
            "at": "2026-11-22T10:00:00",
        }
    )
    assert result["total"] == 112500
    assert [x["rule"] for x in result["lines"][0]["adjustments"]] == ["FLY10"]
    assert result["refused"] == [
        {"rule": "FLY-NOV", "code": b, "reason": f"Code {b} is blocked: sell without it."},
        {
            "rule": "code",
            "code": "NOPE2026",
            "reason": "Code NOPE2026 is not known: check it (codes never use 0, O, 1, I or L), "
            "or sell without it.",
        },
        {"rule": "FLY-NOV", "code": a, "reason": f"Code {a} is on this receipt already."},
    ]


def test_a_code_for_a_customer_is_priced_for_that_customer(staff, shop, clock, promo) -> None:
    olya = person()
    vip = batch(staff, clock, promo, "VIP", personal=True)
    code = codes.issue_codes(vip, [olya.id], by=staff["manager"], clock=clock)[olya.id]
    basket = {"lines": [{"sku": "C-1"}], "codes": [code], "at": "2026-11-22T10:00:00"}
    alone = price_basket(basket)
    assert alone["total"] == 18990 and "issued to a customer" in alone["refused"][0]["reason"]
    with_card = price_basket({**basket, "customer": {"card": olya.card}})
    assert with_card["total"] == 17091 and with_card["refused"] == []


@pytest.mark.parametrize(
    ("codes_value", "message"),
    [
        ("K7M2QX9PRT", '"codes" is a list of up to 20 promo codes'),
        (["A"] * 21, '"codes" is a list of up to 20 promo codes'),
        (["A B"], "codes have no spaces"),
        ([5], "must be text"),
    ],
)
def test_bad_codes_in_a_basket_file(codes_value, message) -> None:
    with pytest.raises(BasketError, match=message):
        read_basket({"lines": [], "codes": codes_value})


class ShopSettings(Settings):
    def __init__(self) -> None:
        super().__init__()
        self.store.register, self.devices.fiscal = "till-1", "none"


def test_sell_spends_the_code_and_refuses_a_refused_one(staff, shop, shift, clock, promo) -> None:
    a, b = make_codes(staff, clock, batch(staff, clock, promo), 2)
    codes.block_code(b, by=staff["manager"], clock=clock)
    order = Order(read_basket({"lines": [{"sku": "D-1"}], "codes": [a]}), [("card", 112500)])
    receipt = sell(order, settings=ShopSettings(), employee=staff["cashier"], clock=clock)
    assert receipt.total == 112500 and PromoCode.get(PromoCode.code == a).used == 1
    sales = Receipt.select().count()
    for code, reason in ((b, f"Code {b} is blocked"), (a, f"Code {a} was used already")):
        order = Order(read_basket({"lines": [{"sku": "D-1"}], "codes": [code]}), [("card", 112500)])
        with pytest.raises(BasketError, match=f'"codes": {reason}'):
            sell(order, settings=ShopSettings(), employee=staff["cashier"], clock=clock)
    assert Receipt.select().count() == sales
