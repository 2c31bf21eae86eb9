"""The acquisition channel's result with exact figures on both databases: uses, receipts,
revenue less returns, the promotions' discount and new customers, per batch and channel, for a
period; a receipt or customer counted once per channel."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.unit import codes_shop
from tests.unit.codes_shop import NOW, batch, give_back, make_codes, person, promotion, sell
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import codes
from torgtui.marketing.codes_report import channel_report

promo, shift = codes_shop.promo, codes_shop.shift  # fixtures


def test_the_channel_report(staff, shop, shift, clock, promo) -> None:
    dec = promotion("DEC10", "Грудень −10%")
    insta_promo = promotion("INSTA10", "Instagram −10%")
    nov = batch(staff, clock, promo, "FLY-NOV", channel="Flyer")
    decb = batch(staff, clock, dec, "FLY-DEC", channel="flyer")  # one channel, one spelling
    batch(
        staff,
        clock,
        insta_promo,
        "INSTA",
        channel="Instagram",
        style="given",
        given="SPRING25",
        uses_per_code=10,
    )
    a, b, c, d, e = make_codes(staff, clock, nov, 5)
    x, y = make_codes(staff, clock, decb, 2)
    olya, ivan = person(), person("Іван", "2900000000020")
    clock.now = dt.datetime(2026, 11, 10, 12, 0)
    sell(staff, shop, shift, clock, [shop.cream_code], customer=ivan)  # Ivan bought before
    clock.now = dt.datetime(2026, 11, 21, 18, 0)
    sell(staff, shop, shift, clock, [shop.cream_code, e])  # the day before the period
    clock.now = NOW
    # 1. Olya's first purchase ever, with a flyer code: 1 250.00 - 10% = 1 125.00
    sell(staff, shop, shift, clock, [shop.dress_code, a], customer=olya)
    # 2. Ivan, not new: 189.90 - 18.99 = 170.91
    sell(staff, shop, shift, clock, [shop.cream_code, b], customer=ivan)
    # 3. nobody: two flyer batches on one receipt (two promotions of 10% each, stacked)
    both = sell(staff, shop, shift, clock, [shop.dress_code, c, x])
    # 4. the Instagram code; the cream comes back later (revenue less what was paid back)
    part = sell(staff, shop, shift, clock, [shop.dress_code, shop.cream_code, "SPRING25"])
    give_back(staff, shift, clock, part, {"C-1": 1000})
    # 5. a flyer code whose whole receipt came back: the use is given back, not counted
    gone = sell(staff, shop, shift, clock, [shop.cream_code, d])
    give_back(staff, shift, clock, gone)
    # 6. Olya again, with a December code: not new any more
    sell(staff, shop, shift, clock, [shop.cream_code, y], customer=olya)
    assert both.total == 101250  # 1 250.00 - 125.00 - 112.50
    assert part.total == 112500 + 17091

    report = channel_report("2026-11-22", "2026-11-22", by=staff["manager"])
    rows = {(r.channel, r.batch): r.as_dict() for r in [*report.batches, *report.channels]}
    assert rows[("Flyer", "FLY-DEC")] == {
        "channel": "Flyer", "batch": "FLY-DEC", "name": "Fly-Dec", "uses": 2, "receipts": 2,
        "revenue": 101250 + 17091, "discount": 12500 + 1899, "new_customers": 0, "given_back": 0,
    }  # fmt: skip
    assert rows[("Flyer", "FLY-NOV")] == {
        "channel": "Flyer", "batch": "FLY-NOV", "name": "Fly-Nov", "uses": 3, "receipts": 3,
        "revenue": 112500 + 17091 + 101250, "discount": 12500 + 1899 + 11250,
        "new_customers": 1, "given_back": 1,
    }  # fmt: skip
    assert rows[("Flyer", "")] == {  # receipt 3 once: revenue, receipts; both discounts
        "channel": "Flyer", "batch": "", "name": "Flyer", "uses": 5, "receipts": 4,
        "revenue": 112500 + 17091 + 101250 + 17091,
        "discount": 12500 + 1899 + 12500 + 11250 + 1899, "new_customers": 1, "given_back": 1,
    }  # fmt: skip
    assert rows[("Instagram", "INSTA")] == {
        "channel": "Instagram", "batch": "INSTA", "name": "Insta", "uses": 1, "receipts": 1,
        "revenue": 112500 + 17091 - 17091, "discount": 12500 + 1899, "new_customers": 0,
        "given_back": 0,
    }  # fmt: skip
    assert rows[("Instagram", "")]["revenue"] == 112500
    total = report.total.as_dict()
    assert (total["uses"], total["receipts"], total["revenue"], total["new_customers"]) == (
        6,
        5,
        112500 + 17091 + 101250 + 17091 + 112500,
        1,
    )
    assert [r.batch for r in report.batches] == ["FLY-DEC", "FLY-NOV", "INSTA"]
    one = channel_report(
        dt.date(2026, 11, 21), dt.date(2026, 11, 22), by=staff["manager"], batch="FLY-NOV"
    )
    assert [(r.batch, r.uses, r.receipts) for r in one.batches] == [("FLY-NOV", 4, 4)]
    assert codes.channels() == ["Flyer", "Instagram"]


def test_the_report_refuses(staff, shop, promo) -> None:
    with pytest.raises(PermissionDenied):
        channel_report("2026-11-01", "2026-11-30", by=staff["cashier"])
    with pytest.raises(ValidationError, match="The last day is before the first"):
        channel_report("2026-11-30", "2026-11-01", by=staff["manager"])
    with pytest.raises(ValidationError, match="is not a date"):
        channel_report("yesterday", "2026-11-01", by=staff["manager"])
    empty = channel_report("2026-11-01", "2026-11-30", by=staff["manager"])
    assert (empty.batches, empty.channels, empty.total.uses) == ([], [], 0)
