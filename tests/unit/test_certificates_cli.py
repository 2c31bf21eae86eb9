"""Gift certificates from scripts: ``torgtui price`` shows what ``"certificates"`` would pay
(and why one cannot), ``torgtui sell`` pays with them (refusing a sale whose certificate
cannot pay, nothing written), ``torgtui customer show`` lists a customer's certificates."""

from __future__ import annotations

import pytest

from tests.unit import test_certificates as base
from tests.unit.codes_shop import person
from tests.unit.test_certificates import balance, issue, paid, sale
from torgtui.config import Settings
from torgtui.customers.show import as_text, show
from torgtui.marketing import certificates as gc
from torgtui.marketing.certificates_sale import MARK
from torgtui.models import Receipt
from torgtui.money import format_money
from torgtui.sales.price_cli import CERTIFICATE_MARK, BasketError, price_basket, read_basket
from torgtui.sales.sell_cli import read_order, sell

kinds, shift = base.kinds, base.shift  # fixtures


class ShopSettings(Settings):
    def __init__(self) -> None:
        super().__init__()
        self.store.register, self.devices.fiscal = "till-1", "none"


def test_the_mark_is_one(db) -> None:
    assert CERTIFICATE_MARK == MARK


def test_price_shows_what_certificates_would_pay(staff, shop, shift, clock, kinds) -> None:
    money, _m = issue(staff, clock, kinds["money"])
    once, _o = issue(staff, clock, kinds["once"])
    for code in (money, once):
        sale(staff, shop, shift, clock, [code])
    result = price_basket(
        {"lines": [{"sku": "C-1"}], "certificates": [money, once], "at": "2026-11-22T11:00:00"}
    )
    assert result["total"] == 18990
    assert result["certificates"] == {
        "pay": 18990,
        "items": [{"code": money, "pays": 18990, "balance": 100000, "partial": True}],
    }
    assert [r["code"] for r in result["refused"]] == [once]
    assert "is used once" in result["refused"][0]["reason"]


def test_sell_pays_with_certificates_and_refuses_one_that_cannot(
    staff, shop, shift, clock, kinds
) -> None:
    code, _ = issue(staff, clock, kinds["money"])
    sale(staff, shop, shift, clock, [code])
    order = read_order({"lines": [{"sku": "C-1"}], "certificates": [code], "payments": []})
    receipt = sell(order, settings=ShopSettings(), employee=staff["cashier"], clock=clock)
    assert paid(receipt) == {"certificate": 18990} and balance(code) == 81010
    order = read_order(
        {
            "lines": [{"sku": "D-1"}],
            "certificates": [code],
            "payments": [{"kind": "card", "amount": 125000 - 81010}],
        }
    )
    receipt = sell(order, settings=ShopSettings(), employee=staff["cashier"], clock=clock)
    assert paid(receipt) == {"certificate": 81010, "card": 43990} and balance(code) == 0
    sales = Receipt.select().count()
    order = read_order({"lines": [{"sku": "C-1"}], "certificates": [code], "payments": []})
    with pytest.raises(BasketError, match=f'"certificates": Certificate {code} is used up'):
        sell(order, settings=ShopSettings(), employee=staff["cashier"], clock=clock)
    assert Receipt.select().count() == sales


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2700000000017", '"certificates" is a list of up to 20 gift certificate numbers'),
        (["27 00"], "codes have no spaces"),
    ],
)
def test_bad_certificates_in_a_basket_file(value, message) -> None:
    with pytest.raises(BasketError, match=message):
        read_basket({"lines": [], "certificates": value})


def test_customer_show_lists_the_certificates(staff, shop, shift, clock, kinds) -> None:
    olya = person()
    code, _ = issue(staff, clock, kinds["money"])
    reg = base.register(staff, shop, clock)
    reg.attach_customer(olya)
    reg.enter(code)
    base.pay(reg, shift, clock, [base.Tender("cash", 100000)])
    info = show(olya, by=staff["manager"], at=clock())
    (item,) = info["certificates"]
    assert (item["barcode"], item["status"], item["balance"], item["expires_at"]) == (
        code,
        "sold",
        100000,
        "2027-02-21T00:00:00",
    )
    assert (
        f"Certificate {code} (Сертифікат 1000): valid, holds {format_money(100000)}, "
        "valid through 2027-02-20"
    ) in as_text(info)
    assert gc.for_customer(olya.id, clock())[0].usable


def test_the_expiry_command_writes_lapsed_certificates_off(
    db, backend, staff, shop, shift, clock, kinds, capsys
) -> None:
    from torgtui.cli import main

    code, _ = issue(staff, clock, kinds["money"])
    sale(staff, shop, shift, clock, [code])
    db.close()
    assert main(["--db", backend, "certificates", "expire", "--at", "2027-02-20"]) == 0
    assert "2027-02-20 23:59:59: 0 written off" in capsys.readouterr().out
    assert main(["--db", backend, "certificates", "expire", "--at", "2027-02-21"]) == 0
    assert "1 written off" in capsys.readouterr().out
    assert (gc.find(code).status, balance(code)) == ("expired", 0)
