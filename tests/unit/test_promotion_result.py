"""The real result of a promotion (torgtui.marketing.promotions.result): its goods' receipts
sold through the real register and checkout, during its run against as many days just before,
in exact kopecks; returns taken off; the effective cost after a cost document; a planned
promotion refused in words."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.unit import promotions_shop
from tests.unit.promotions_shop import customer, give_back, product, promo, sell
from torgtui.errors import AuthError, PermissionDenied, ValidationError
from torgtui.marketing import costs
from torgtui.marketing.promotions import deactivate_promotion
from torgtui.marketing.promotions.result import Period, real_result
from torgtui.sales.shifts import open_shift

ps = promotions_shop.ps  # fixture


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0)


@pytest.fixture
def history(staff, ps, clock):
    """SCARF (10% off the scarf, 300.00, cost 120.00) runs from 21 November; today is the
    22nd at 10:00, so it has run 2 days (21-22) against 19-20 November.

    19th: Оля (her first receipt ever) buys a scarf: 300.00.
    20th: a cream, nobody's: not its goods.
    21st: Оля buys two scarves and a cream: the scarves 600.00 - 60.00.
    22nd: Петро (his first receipt) buys two scarves (540.00) and brings one back (270.00).
    """
    clock.now = at(18)
    promo(staff, clock, "SCARF", name="Шарфи -10%", targets=product(ps.scarf), percent=10,
          starts_on=dt.date(2026, 11, 21))  # fmt: skip
    shift = open_shift(staff["cashier"], "till-1", ps.shop.location, 100000, clock=clock)
    olya = customer(name="Оля", card="2900000000013")
    petro = customer(name="Петро", card="2900000000020")
    clock.now = at(19)
    sell(staff, ps, shift, clock, [(ps.scarf, 1)], customer_id=olya.id)
    clock.now = at(20)
    sell(staff, ps, shift, clock, [(ps.cream, 1)])
    clock.now = at(21)
    sell(staff, ps, shift, clock, [(ps.scarf, 2), (ps.cream, 1)], customer_id=olya.id)
    clock.now = at(22, 9)
    sale = sell(staff, ps, shift, clock, [(ps.scarf, 2)], customer_id=petro.id)
    give_back(staff, shift, clock, sale, {"Шарф": 1})
    clock.now = at(22, 10)
    return shift


def test_during_against_the_days_before_in_kopecks(staff, history, clock) -> None:
    result = real_result("SCARF", by=staff["manager"], clock=clock)
    assert (result.code, result.name, result.status) == ("SCARF", "Шарфи -10%", "running")
    assert (result.first_day, result.last_day) == (dt.date(2026, 11, 21), dt.date(2026, 11, 22))
    assert (result.before_first_day, result.before_last_day) == (
        dt.date(2026, 11, 19),
        dt.date(2026, 11, 20),
    )
    assert result.during == Period(
        receipts=2,
        units=3000,  # 2 + 2 scarves, one back
        revenue=54000 + 54000 - 27000,
        discount=6000 + 6000 - 3000,  # its share of the returned scarf given back
        cost=3 * 12000,
        margin=81000 - 36000,
        customers=2,
        new_customers=1,  # Петро; Оля bought first on the 19th
        returns=27000,
        returned_units=1000,
    )
    assert result.before == Period(
        receipts=1,
        units=1000,
        revenue=30000,
        discount=0,
        cost=12000,
        margin=18000,
        customers=1,
        new_customers=1,
    )
    out = result.as_dict()
    assert out["change"]["revenue"] == 81000 - 30000
    assert out["during"]["discount"] == 9000 and out["days"] == 2
    assert "Today is counted so far." in result.notes


def test_a_cost_document_changes_the_margin_and_its_reversal_restores_it(
    staff, history, clock
) -> None:
    doc = costs.recalculate_costs("SCARF", by=staff["manager"], per_unit=2000, clock=clock)
    assert (doc.lines, doc.total) == (2, -8000)  # two lines of two scarves, 20.00 off each
    result = real_result("SCARF", by=staff["manager"], clock=clock)
    assert result.during.cost == 3 * 10000  # the returned scarf comes back at 100.00 too
    assert result.during.margin == 81000 - 30000
    assert result.before.cost == 12000  # the 19th's scarf was not sold in the promotion
    costs.reverse_cost_document(doc.number, by=staff["manager"], clock=clock)
    assert real_result("SCARF", by=staff["manager"], clock=clock).during.cost == 36000


def test_an_ended_or_stopped_promotion_counts_to_its_last_day(staff, history, clock) -> None:
    deactivate_promotion("SCARF", by=staff["manager"], clock=lambda: at(21, 20))
    result = real_result("SCARF", by=staff["manager"], clock=clock)
    assert result.status == "inactive"
    assert (result.first_day, result.last_day) == (dt.date(2026, 11, 21), dt.date(2026, 11, 21))
    assert (result.before_first_day, result.before_last_day) == (
        dt.date(2026, 11, 20),
        dt.date(2026, 11, 20),
    )
    assert (result.during.receipts, result.during.revenue, result.during.discount) == (
        1,
        54000,
        6000,
    )
    assert result.before == Period()  # the 20th sold only a cream
    assert any("stopped on 2026-11-21" in note for note in result.notes)


def test_a_planned_promotion_has_no_result_yet(staff, ps, clock) -> None:
    promo(staff, clock, "LATER", targets=product(ps.scarf), percent=10,
          starts_on=dt.date(2026, 12, 1))  # fmt: skip
    with pytest.raises(ValidationError, match="starts on 2026-12-01: it has no result yet"):
        real_result("LATER", by=staff["manager"], clock=clock)


def test_who_may_read_it_and_bad_ids(staff, history, clock) -> None:
    with pytest.raises(PermissionDenied):
        real_result("SCARF", by=staff["cashier"], clock=clock)
    with pytest.raises(AuthError):
        real_result("SCARF", by=None, clock=clock)
    assert real_result("SCARF", by=None, system=True, clock=clock).during.receipts == 2
    with pytest.raises(ValidationError, match="There is no promotion 'NOPE'"):
        real_result("NOPE", by=staff["manager"], clock=clock)
    with pytest.raises(ValidationError):
        real_result("", by=staff["manager"], clock=clock)
