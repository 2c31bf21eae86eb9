"""The register's one code field (Register.enter): products as before, loyalty cards attach
their customer, each refusal says what to do and leaves the receipt as it was, and a feature
adds a code kind with one decorator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from torgtui.catalog.barcodes import gtin_check_digit
from torgtui.errors import ValidationError
from torgtui.marketing.cards import CardTypeData, save_card_type
from torgtui.marketing.numbering import in_card_range
from torgtui.models import Barcode, Customer, Draft
from torgtui.sales import codes
from torgtui.sales.codes import Entered, NotMine, code_kind
from torgtui.sales.register import Register, WeightNeeded

NOW = dt.datetime(2026, 11, 22, 10, 0)


def scale_code(plu: str, grams: int, prefix: str = "20") -> str:
    body = f"{prefix}{plu}{grams:05d}"
    return body + str(gtin_check_digit(body))


@pytest.fixture
def reg(staff, shop, clock) -> Register:
    return Register(staff["cashier"], register="till-1", clock=clock)


@pytest.fixture
def five(staff, clock):
    return save_card_type(
        CardTypeData(code="five", name="П'ять", kind="discount", percent=Decimal(5)),
        by=staff["manager"],
        clock=clock,
    )


def person(name: str, card: str | None, card_type=None, **kw) -> Customer:
    return Customer.create(
        name=name, card=card, card_type=card_type, created_at=NOW, updated_at=NOW, **kw
    )


def saved_customer(reg: Register) -> int | None:
    import json

    return json.loads(Draft.get(Draft.uuid == reg.uuid).data)["customer_id"]


# --- products, as Register.scan ------------------------------------------------------------


def test_products_by_barcode_article_and_scale_label(reg: Register, shop) -> None:
    first = reg.enter(shop.dress_code)
    assert (first.kind, first.line.sku, first.line.qty) == ("product", "D-1", 1000)
    reg.enter(f"3*{shop.dress_code}")
    reg.enter("C-1", qty=2000)
    reg.enter(scale_code("00042", 1250))
    assert [(ln.sku, ln.qty) for ln in reg.basket.lines] == [
        ("D-1", 4000),
        ("C-1", 2000),
        ("00042", 1250),
    ]
    assert reg.priced().total == 4 * 125000 + 2 * 18990 + 40000
    with pytest.raises(WeightNeeded):
        reg.enter("00042")  # a weighed product by its article: the weight is asked


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("4820000000001", "wrong check digit"),
        ("2100000009992", "Unknown barcode 2100000009992: press F3"),
        ("", "Scan a barcode"),
        ("0*D-1", "more than zero"),
        ("1.5*D-1", "sold by the piece"),
        (scale_code("00042", 0), "shows no weight"),
    ],
)
def test_bad_product_codes_say_the_same_as_scan(reg: Register, code, message) -> None:
    with pytest.raises(ValidationError, match=message):
        reg.enter(code)
    assert reg.basket.lines == [] and reg.uuid is None


# --- cards ---------------------------------------------------------------------------------


def test_a_card_attaches_its_customer_and_prices_its_discount(reg: Register, shop, five) -> None:
    olya = person("Оля", "2900000000018", five.id)
    reg.enter(shop.dress_code)
    got = reg.enter("2900000000018")
    assert (got.kind, got.customer_id, got.message) == ("card", olya.id, "Card 2900000000018: Оля")
    assert reg.basket.customer_id == olya.id and saved_customer(reg) == olya.id
    assert reg.priced().total == 125000 - 6250
    again = reg.enter("2900000000018")  # scanned twice: no harm, no refusal
    assert again.customer_id == olya.id and "already" in again.message


def test_a_card_first_then_goods(reg: Register, shop, five) -> None:
    olya = person("Оля", "2900000000018", five.id)
    assert reg.enter("2900000000018").customer_id == olya.id
    reg.enter(shop.cream_code)
    assert reg.priced().total == 18990 - 950


def test_cards_in_a_card_types_own_range(reg: Register, staff, clock) -> None:
    gold = save_card_type(
        CardTypeData(
            code="gold",
            name="Gold",
            kind="discount",
            percent=Decimal(7),
            prefix="25",
            range_from=100,
            range_to=199,
        ),
        by=staff["manager"],
        clock=clock,
    )
    ann = person("Анна", "2500000001000", gold.id)
    assert reg.enter("2500000001000").customer_id == ann.id
    reg.enter("2500000001000")
    with pytest.raises(ValidationError, match="Card 2500000001017 was never issued"):
        reg.enter("2500000001017")  # 101: in the range, on nobody's card
    with pytest.raises(ValidationError, match="Unknown barcode 2500000002007"):
        reg.enter("2500000002007")  # 200: outside every card range, so a product code


def test_an_old_card_without_the_shops_prefix(reg: Register) -> None:
    old = person("Стара", "C100")
    assert not in_card_range("C100")
    assert reg.enter("C100").customer_id == old.id


def test_a_product_with_a_number_in_the_card_range_is_still_sold(reg: Register, shop) -> None:
    Barcode.create(code="2900000000032", product=shop.cream)
    got = reg.enter("2900000000032")
    assert (got.kind, got.line.sku, reg.basket.customer_id) == ("product", "C-1", None)


@pytest.mark.parametrize(
    ("setup", "code", "message"),
    [
        ("none", "2900000000025", "Card 2900000000025 was never issued: issue it"),
        ("blocked", "2900000000018", "Card 2900000000018 is blocked"),
        ("cleaned", "2900000000018", "no longer in use"),
        ("other", "2900000000025", "This receipt is for Оля already: card 2900000000025 is"),
        ("none", "2*2900000000018", "is a customer card: scan it without a quantity"),
        ("none", "2900000000011", "wrong check digit"),
    ],
)
def test_card_refusals_change_nothing(reg: Register, shop, setup, code, message) -> None:
    olya = person("Оля", "2900000000018")
    reg.enter(shop.dress_code)
    if setup == "blocked":
        Customer.update(card_status="blocked").where(Customer.id == olya.id).execute()
    elif setup == "cleaned":
        Customer.update(status="cleaned").where(Customer.id == olya.id).execute()
    elif setup == "other":
        person("Петро", "2900000000025")
        reg.enter("2900000000018")
    before = reg.basket.customer_id
    with pytest.raises(ValidationError, match=message):
        reg.enter(code)
    assert reg.basket.customer_id == before and saved_customer(reg) == before
    assert [(ln.sku, ln.qty) for ln in reg.basket.lines] == [("D-1", 1000)]


def test_scan_is_unchanged(reg: Register) -> None:
    person("Оля", "2900000000018")
    with pytest.raises(ValidationError, match="Unknown barcode 2900000000018"):
        reg.scan("2900000000018")  # the screens' old path: products only


# --- the registry --------------------------------------------------------------------------


def test_kinds_run_in_their_fixed_order(db) -> None:
    codes.enter  # noqa: B018  (the registry is filled when the features load)
    from torgtui.sales import extensions

    extensions.load()
    names = [k.name for k in codes.KINDS]
    assert names.index("card") < names.index("product") < names.index("card_number")
    assert [k.order for k in codes.KINDS] == sorted(k.order for k in codes.KINDS)


def test_a_feature_adds_a_code_kind_with_one_decorator(reg: Register, shop) -> None:
    saved = list(codes.KINDS)
    seen: list[str] = []

    def claims(code: str, register: Register) -> bool:
        seen.append(code)
        return code.startswith("PROMO")

    try:

        @code_kind(20, "promo", claims=claims)
        def enter_promo(register: Register, code: str, qty: int | None) -> Entered:
            if code == "PROMOOLD":
                raise NotMine("Promo code PROMOOLD has expired.")
            return Entered("promo", f"{code} accepted", details={"code": code})

        assert reg.enter("PROMO10").details == {"code": "PROMO10"}
        assert reg.enter(shop.cream_code).kind == "product"
        with pytest.raises(ValidationError, match="PROMOOLD has expired"):
            reg.enter("PROMOOLD")  # the first refusal is what the cashier reads
        assert seen == ["PROMO10", shop.cream_code, "PROMOOLD"]
    finally:
        codes.KINDS[:] = saved
    with pytest.raises(ValidationError, match="Unknown barcode PROMO10"):
        reg.enter("PROMO10")
