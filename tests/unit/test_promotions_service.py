"""Saving promotions: bad input refused with a clear message and nothing written (no goods, an
end before the start, a percentage over 100, a fixed price above the regular one unless
confirmed, overlapping exclusive promotions named with a product they share), by permission,
audited; copy, stop, the list by status; and the rules file round trip with promotions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tests.unit import promotions_shop
from tests.unit.promotions_shop import card_type, discounts, priced, product, promo
from torgtui.errors import PermissionDenied, TorgError, ValidationError
from torgtui.marketing import rulecache
from torgtui.marketing.promotions import (
    PromotionData,
    Target,
    copy_promotion,
    covered_products,
    deactivate_promotion,
    get_promotion,
    list_promotions,
    save_promotion,
)
from torgtui.marketing.rules_file import import_rules, read_rules
from torgtui.marketing.rules_toml import dumps
from torgtui.models import AuditEntry, Location, ProductGroup
from torgtui.models.promotions import Promotion, PromotionTarget

ps = promotions_shop.ps  # fixture


def written() -> tuple[int, int, int, str]:
    return (
        Promotion.select().count(),
        PromotionTarget.select().count(),
        AuditEntry.select().count(),
        rulecache.version(),
    )


def refused(staff, clock, match: str, **kw) -> None:
    before = written()
    with pytest.raises(ValidationError, match=match):
        promo(staff, clock, kw.pop("code", "BAD"), **kw)
    assert written() == before


def test_bad_promotions_are_refused_with_nothing_written(staff, ps, clock) -> None:
    empty = ProductGroup.create(name="Порожня", path="Порожня")
    refused(staff, clock, "has no goods", targets=(), percent=10)
    refused(staff, clock, "has no goods", targets=(Target(exclude=False, product_id=None),)[:0])
    refused(staff, clock, "covers no product on sale", targets=(Target(group_id=empty.id),),
            percent=10)  # fmt: skip
    refused(
        staff,
        clock,
        "ends on 2026-11-01 before it starts on 2026-11-30",
        starts_on=dt.date(2026, 11, 30),
        ends_on=dt.date(2026, 11, 1),
        percent=10,
    )
    refused(staff, clock, "at most 100, not 150", percent=150)
    refused(staff, clock, "hours end at 10:00 before they start at 12:00", hours=(720, 600),
            percent=5)  # fmt: skip
    refused(staff, clock, "N is 2 or more", mechanic="nth", n=1, percent=50)
    refused(staff, clock, "Bonuses go onto a card", reward="bonus_percent", percent=5)
    refused(staff, clock, "Name the group", stacking="best_of", percent=5)
    refused(staff, clock, "no card type 'GOLD'", customers="card_type", card_type="GOLD",
            percent=5)  # fmt: skip
    refused(staff, clock, "There is no product 9999", targets=(Target(product_id=9999),),
            percent=5)  # fmt: skip
    refused(staff, clock, "There is no location 9999", locations=(9999,), percent=5)
    refused(staff, clock, "no spaces", code="A B", percent=5)
    refused(staff, clock, "is for a percentage or an amount", mechanic="cheapest", on="receipt",
            percent=5)  # fmt: skip
    acc = card_type(staff, clock, "acc", "accumulative", thresholds=[(500000, Decimal(3))])
    assert acc.id
    refused(staff, clock, r"is not a tier of Acc: choose one of 5\s000.00", customers="tier",
            card_type="acc", tier_from=100000, percent=5)  # fmt: skip
    assert Promotion.select().count() == 0


def test_by_permission_only(staff, ps, clock) -> None:
    with pytest.raises(PermissionDenied, match="may not edit prices and promotions"):
        save_promotion(
            PromotionData("X", "X", targets=(Target(),), percent=Decimal(5)),
            by=staff["cashier"],
            clock=clock,
        )


def test_a_fixed_price_above_the_regular_one_needs_confirming(staff, ps, clock) -> None:
    group = (Target(group_id=ps.cosmetics.id), Target(product_id=ps.dress.id))
    before = written()
    with pytest.raises(ValidationError) as refusal:
        promo(staff, clock, "AT200", targets=group, reward="price", price=20000)
    assert refusal.value.message == (
        "The fixed price 200.00 ₴ is above the regular price of C-1 Крем для рук (189.90 ₴): "
        "customers would pay more. Confirm it if that is meant, or lower the price."
    )
    assert written() == before
    promo(
        staff, clock, "AT200", targets=group, reward="price", price=20000,
        confirm_above_regular=True,
    )  # fmt: skip
    assert get_promotion("AT200").above_regular is True
    # at the till a fixed price never raises one: the dress is 200.00, the cream stays 189.90
    basket = priced(staff, ps, clock, [(ps.dress, 1), (ps.cream, 1)])
    assert discounts(basket) == {"Сукня літня": 105000, "Крем для рук": 0}


def test_overlapping_exclusive_promotions_are_refused(staff, ps, clock) -> None:
    promo(staff, clock, "DRESSES", name="Сукні", targets=(Target(group_id=ps.dresses.id),),
          percent=10, stacking="exclusive", weekdays=(0, 1, 2, 3, 4), hours=(600, 1080),
          ends_on=dt.date(2026, 12, 31))  # fmt: skip
    before = written()
    with pytest.raises(ValidationError) as refusal:
        promo(staff, clock, "CLOTHES", name="Одяг", targets=(Target(group_id=ps.clothes.id),),
              percent=15, stacking="exclusive", hours=(1000, 1100))  # fmt: skip
    assert refusal.value.message == (
        "CLOTHES (Одяг) and DRESSES (Сукні) are both exclusive with priority 0 and can apply to "
        "the same line at the same time, for example D-1 Сукня літня: give one another "
        "priority, or make their dates, days, hours, locations, customers or goods not overlap."
    )
    assert written() == before
    clothes = (Target(group_id=ps.clothes.id),)
    apart = {  # what keeps each apart from DRESSES
        "NO-DRESS": {"targets": (*clothes, Target(group_id=ps.dresses.id, exclude=True))},
        "EVENING": {"hours": (1080, 1320)},
        "WEEKEND": {"weekdays": (5, 6)},
        "NEXT-YEAR": {"starts_on": dt.date(2027, 1, 1)},
        "HIGHER": {"priority": 1},
    }
    for code, kw in apart.items():
        promo(staff, clock, code, **{"targets": clothes, "percent": 15, "stacking": "exclusive",
                                     **kw})  # fmt: skip
        deactivate_promotion(code, by=staff["manager"], clock=clock)
    # customers: two card types never meet; card holders meet both
    card_type(staff, clock, "vip", "discount", percent=Decimal(5))
    card_type(staff, clock, "acc", "accumulative", thresholds=[(500000, Decimal(3))])
    for code, kind in (("VIP", "vip"), ("ACC", "acc")):
        promo(staff, clock, code, targets=clothes, percent=5, stacking="exclusive", priority=2,
              customers="card_type", card_type=kind)  # fmt: skip
    with pytest.raises(ValidationError, match=r"CARD \(CARD\) and ACC \(ACC\)"):
        promo(staff, clock, "CARD", targets=clothes, percent=5, stacking="exclusive",
              priority=2, customers="card")  # fmt: skip
    # an inactive one conflicts with nothing, until it is made active
    promo(staff, clock, "LATER", targets=clothes, percent=5, stacking="exclusive", active=False)
    with pytest.raises(ValidationError, match="LATER .* and DRESSES"):
        save_promotion(
            dataclasses.replace(get_promotion("LATER"), active=True),
            by=staff["manager"],
            clock=clock,
        )


def test_saving_is_audited_and_the_list_says_what_runs(staff, ps, clock) -> None:
    promo(staff, clock, "NOW", name="Зараз", percent=5)
    promo(staff, clock, "SOON", name="Скоро", percent=5, starts_on=dt.date(2026, 12, 1))
    promo(staff, clock, "PAST", name="Минула", percent=5, ends_on=dt.date(2026, 11, 1))
    promo(staff, clock, "NOW", name="Зараз!", percent=7)
    entries = list(AuditEntry.select().where(AuditEntry.action == "promotion.save"))
    assert len(entries) == 4
    assert '"percent": "5"' in entries[3].before and '"percent": "7"' in entries[3].after
    copy_promotion("NOW", "NOW-2", by=staff["manager"], clock=clock)
    assert get_promotion("NOW-2").active is False and get_promotion("NOW-2").percent == 7
    assert deactivate_promotion("PAST", by=staff["manager"], clock=clock) is True
    assert deactivate_promotion("PAST", by=staff["manager"], clock=clock) is False
    day = clock().date()
    assert [(s.code, s.status) for s in list_promotions(day=day)] == [
        ("NOW", "running"),
        ("SOON", "planned"),
        ("NOW-2", "inactive"),
        ("PAST", "inactive"),
    ]
    assert [s.code for s in list_promotions(day=day, status="planned")] == ["SOON"]
    assert [s.code for s in list_promotions(day=day, search="зараз")] == ["NOW", "NOW-2"]
    with pytest.raises(ValidationError, match="already"):
        copy_promotion("NOW", "SOON", by=staff["manager"], clock=clock)


def test_the_products_a_promotion_covers(staff, ps, clock) -> None:
    promo(staff, clock, "CLOTHES", targets=(
        Target(group_id=ps.clothes.id), Target(product_id=ps.socks.id, exclude=True)
    ), percent=5)  # fmt: skip
    assert covered_products("CLOTHES") == [ps.dress.id, ps.scarf.id]  # by SKU: D-1, S-1


# --- the rules file -----------------------------------------------------------------------------


def _shop_rules(staff, ps, clock) -> None:
    Location.create(code="SHOP2", name="Друга")
    card_type(staff, clock, "acc", "accumulative", thresholds=[(500000, Decimal(3))])
    promo(staff, clock, "HAPPY", name="Щасливі години", targets=product(ps.dress),
          weekdays=(0, 1, 2, 3, 4), hours=(600, 720), percent=10,
          locations=(ps.location_id,))  # fmt: skip
    promo(staff, clock, "3FOR2", name="3 за 2", targets=(
        Target(group_id=ps.cosmetics.id), Target(manufacturer_id=ps.flora.id, exclude=True),
    ), mechanic="nth", n=3, of="product", percent=100, max_times=2)  # fmt: skip
    promo(staff, clock, "GIFT", name="Крем у подарунок", targets=product(ps.dress),
          mechanic="buy_get", buy=1, get=1, get_targets=product(ps.cream), percent=100,
          customers="tier", card_type="acc", tier_from=500000, stacking="best_of",
          best_of="autumn", priority=5, with_card="replaces")  # fmt: skip
    promo(staff, clock, "BDAY", name="День народження", reward="bonus_amount", amount=5000,
          birthday="both", birthday_before=3, birthday_after=7, festive=True,
          starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31))  # fmt: skip
    promo(staff, clock, "LOTTERY", name="Кожен сотий", reward="amount", amount=10000,
          on="receipt", nth_receipt=100, nth_period="ever", min_total=50000,
          total_basis="before", cap=10000, requires_code=True)  # fmt: skip
    promo(staff, clock, "AT200", name="Все по 200", targets=(Target(group_id=ps.cosmetics.id),),
          reward="price", price=20000, confirm_above_regular=True, min_qty=Decimal(0) or 2500,
          stacking="exclusive", active=False)  # fmt: skip


HAPPY = """[[promotion]]
code = "HAPPY"
active = true
hours = "10:00-12:00"
locations = "MAIN"
mechanic = "all"
name = "Щасливі години"
percent = 10
reward = "percent"
weekdays = "mon,tue,wed,thu,fri"

[[promotion.target]]
product = "D-1"
"""


def test_the_rules_file_round_trip(staff, ps, clock, tmp_path: Path) -> None:
    _shop_rules(staff, ps, clock)
    text = dumps()
    assert HAPPY in text
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    report = import_rules(read_rules(str(path)), employee=staff["manager"], clock=clock)
    assert not report.any and report.unchanged >= 6
    assert dumps() == text
    changed = text.replace("percent = 10\nreward", "percent = 12\nreward").replace(
        'hours = "10:00-12:00"', 'hours = "10:00-13:30"'
    )
    changed += '\n[[promotion]]\ncode = "NEW"\nmechanic = "cheapest"\nname = "Нова"\n'
    changed += (
        'min_qty = 3\npercent = 100\nreward = "percent"\n\n[[promotion.target]]\nall = true\n'
    )
    path.write_text(changed, encoding="utf-8")
    report = import_rules(read_rules(str(path)), employee=staff["manager"], clock=clock)
    assert report.changed == {"promotion": ["HAPPY"]} and report.created == {"promotion": ["NEW"]}
    assert get_promotion("HAPPY").hours == (600, 810)
    again = dumps()
    path.write_text(again, encoding="utf-8")
    assert not import_rules(read_rules(str(path)), employee=staff["manager"], clock=clock).any
    assert dumps() == again
    # --replace stops the promotions the file leaves out (receipts name them)
    path.write_text(HAPPY, encoding="utf-8")
    report = import_rules(
        read_rules(str(path)), employee=staff["manager"], clock=clock, replace=True
    )
    # the one stopped already (AT200) is left as it is
    assert report.retired == {"promotion": ["3FOR2", "BDAY", "GIFT", "LOTTERY", "NEW"]}
    assert [s.code for s in list_promotions(day=clock().date(), status="running")] == ["HAPPY"]


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ('percent = 150\nreward = "percent"\n', 5, "at most 100, not 150"),
        ('percent = 10\nreward = "percent"\nweekdays = "mon-sunday"\n', 7, "weekdays are like"),
        ('hours = "12:00-10:00"\npercent = 10\nreward = "percent"\n', 6, "hours end at 10:00"),
        ('percent = 10\nreward = "percent"\nlocations = "NOPE"\n', 7, "no location 'NOPE'"),
        ('percent = 10\nreward = "percent"\nto = "2026-13-01"\n', 7, "not a date like"),
    ],
)
def test_a_bad_promotion_in_the_file(staff, ps, clock, tmp_path, body, line, message) -> None:
    text = f'[[promotion]]\ncode = "X"\nmechanic = "all"\nname = "X"\n{body}\n'
    text += '[[promotion.target]]\nproduct = "D-1"\n'
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    before = written()
    with pytest.raises(TorgError, match=rf"bad.toml:{line}: \[\[promotion\]\] X: .*{message}"):
        import_rules(read_rules(str(path)), employee=staff["manager"], clock=clock)
    assert written() == before


def test_an_unknown_product_in_a_target_row(staff, ps, clock, tmp_path) -> None:
    text = '[[promotion]]\ncode = "X"\nmechanic = "all"\nname = "X"\npercent = 5\n'
    text += 'reward = "percent"\n\n[[promotion.target]]\nproduct = "NOPE"\n'
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TorgError, match=r"bad.toml:9: .*no product with SKU 'NOPE'"):
        import_rules(read_rules(str(path)), employee=staff["manager"], clock=clock)
