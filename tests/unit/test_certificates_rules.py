"""The rules file's ``[[certificate_type]]``: imported by permission through the service,
exported canonically (export -> import changes nothing), a bad value refused with its line and
nothing written, ``--replace`` making a type left out inactive."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from torgtui.errors import TorgError
from torgtui.marketing import certificates as gc
from torgtui.marketing.rules_file import import_rules, read_rules
from torgtui.marketing.rules_toml import dumps
from torgtui.models import Product

NOW = dt.datetime(2026, 11, 22, 10, 0)

GOOD = """[[certificate_type]]
code = "GIFT1000"
face_value = 100000
mode = "money"
name = "Сертифікат 1000"
partial = true
prefix = "27"
product = "GC-1000"
template = "gift-a6"
valid_days = 365

[[certificate_type]]
code = "MINUS10"
discount_percent = 10
min_total = 50000
mode = "discount"
name = "−10%"
prefix = "24"
product = "GCD-10"
valid_until = "2026-12-31"
"""


@pytest.fixture
def goods(db):
    for sku, price in (("GC-1000", 100000), ("GCD-10", 5000)):
        Product.create(sku=sku, name=sku, price=price, created_at=NOW, updated_at=NOW)


def load(tmp_path: Path, text: str, staff, clock, **kw):
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return import_rules(read_rules(str(path)), employee=staff["manager"], clock=clock, **kw)


def test_types_round_trip_through_the_rules_file(db, goods, staff, clock, tmp_path) -> None:
    report = load(tmp_path, GOOD, staff, clock)
    assert report.created == {"certificate_type": ["GIFT1000", "MINUS10"]}
    money = gc.type_data("GIFT1000")
    assert (money.mode, money.face_value, money.partial, money.valid_days) == (
        "money",
        100000,
        True,
        365,
    )
    discount = gc.type_data("MINUS10")
    assert (discount.discount_percent, discount.valid_until) == (Decimal(10), dt.date(2026, 12, 31))
    assert GOOD in dumps()
    assert not load(tmp_path, dumps(), staff, clock).any
    # --replace: a type the file leaves out is no longer sold (its certificates stay valid)
    only_money = GOOD.split("\n\n")[0] + "\n"
    report = load(tmp_path, only_money, staff, clock, replace=True)
    assert report.retired == {"certificate_type": ["MINUS10"]}
    assert gc.type_data("MINUS10").active is False


@pytest.mark.parametrize(
    ("change", "line", "match"),
    [
        ('mode = "money"', 4, "mode is money, product or discount"),
        ('product = "GC-1000"', 8, "no product with the article NOPE"),
        ("face_value = 100000", 3, "The face value"),
        ('prefix = "27"', 7, "loyalty cards"),
    ],
)
def test_a_bad_type_is_refused_with_its_line(
    db, goods, staff, clock, tmp_path, change, line, match
) -> None:
    bad = {
        'mode = "money"': 'mode = "gold"',
        'product = "GC-1000"': 'product = "NOPE"',
        "face_value = 100000": "face_value = 0",
        'prefix = "27"': 'prefix = "29"',
    }[change]
    with pytest.raises(TorgError, match=match) as caught:
        load(tmp_path, GOOD.replace(change, bad, 1), staff, clock)
    assert f"rules.toml:{line}:" in caught.value.message, caught.value.message
    assert gc.types() == []
