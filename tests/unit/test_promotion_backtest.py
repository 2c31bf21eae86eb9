"""The backtest of a promotion over real past receipts (torgtui.marketing.promotions.backtest):
exact kopecks on a small history sold through the real register and checkout, its hours, its
own earlier discounts taken out, progress and cancel (nothing written), bad input in words;
and the backtest on the demo shop, checked against the receipts line by line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from tests.unit import promotions_shop
from tests.unit.promotions_shop import customer, product, promo, sell
from torgtui import db as dbmod
from torgtui.clock import FixedClock
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing.promotions import PromotionData, Target
from torgtui.marketing.promotions.backtest import BacktestCancelled, backtest, forecast
from torgtui.models import AuditEntry, LineAdjustment, Receipt, ReceiptLine
from torgtui.money import percent_of
from torgtui.sales.shifts import open_shift

ps = promotions_shop.ps  # fixture


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, 0)


@pytest.fixture
def history(staff, ps, clock):
    """Today is 22 November, 10:00: one week back is 15-21 November.

    16th 10:00: two scarves (300.00, cost 120.00) and a cream (189.90, cost 90.00), nobody's;
    17th: Оля buys the dress (1 250.00, cost 600.00);
    18th 09:00: a cream;
    14th: a scarf, before the week (not counted).
    """
    clock.now = at(14)
    shift = open_shift(staff["cashier"], "till-1", ps.shop.location, 100000, clock=clock)
    olya = customer(name="Оля", card="2900000000013")
    for now, items, who in [
        (at(14), [(ps.scarf, 1)], None),
        (at(16), [(ps.scarf, 2), (ps.cream, 1)], None),
        (at(17), [(ps.dress, 1)], olya.id),
        (at(18, 9), [(ps.cream, 1)], None),
    ]:
        clock.now = now
        sell(staff, ps, shift, clock, items, customer_id=who)
    clock.now = at(22)
    return shift


def clothes(**kw) -> PromotionData:
    kw.setdefault("percent", Decimal(20))
    return PromotionData("CLOTHES", "Одяг -20%", targets=(Target(group_id=kw.pop("group")),), **kw)


def test_a_group_at_20_percent_over_one_week_in_kopecks(staff, ps, history, clock) -> None:
    seen: list[tuple[int, int]] = []
    run = backtest(
        clothes(group=ps.clothes.id),
        1,
        by=staff["manager"],
        clock=clock,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert (run.code, run.weeks, run.first_day, run.last_day) == (
        "CLOTHES",
        1,
        dt.date(2026, 11, 15),
        dt.date(2026, 11, 21),
    )
    t = run.total
    assert (t.receipts, t.revenue, t.cost) == (3, 60000 + 18990 + 125000 + 18990, 102000)
    # the scarves and the dress (a subgroup): 120.00 + 250.00 off
    assert (t.replayed, t.touched, t.customers, t.anonymous) == (2, 2, 1, 1)
    assert (t.lines, t.units, t.discount, t.bonus, t.displaced) == (2, 3000, 37000, 0, 0)
    assert (t.revenue_without, t.revenue_with) == (222980, 222980 - 37000)
    assert (t.margin_without, t.margin_with) == (222980 - 102000, 222980 - 37000 - 102000)
    assert (t.goods_revenue_without, t.goods_revenue_with, t.goods_cost) == (
        185000,
        148000,
        84000,
    )
    assert (t.goods_margin_without, t.goods_margin_with) == (101000, 64000)
    assert (t.below_cost_lines, t.below_cost) == (0, 0)
    assert [w.as_dict() for w in run.by_week] == [t.as_dict()]
    assert seen == [(n, 7) for n in range(1, 8)]
    out = run.as_dict()
    assert out["total"]["discount"] == 37000 and out["promotion"]["name"] == "Одяг -20%"
    assert forecast is backtest


def test_happy_hours_take_only_the_receipts_in_them(staff, ps, history, clock) -> None:
    happy = PromotionData(
        "HAPPY",
        "Крем 10:00-12:00",
        targets=product(ps.cream),
        percent=Decimal(10),
        hours=(600, 720),
    )
    t = backtest(happy, 1, by=staff["manager"], clock=clock).total
    # the cream of the 16th at 10:00 (18.99 off), not the one of the 18th at 09:00
    assert (t.touched, t.discount, t.units) == (1, 1899, 1000)


def test_a_saved_promotion_with_its_own_discounts_on_the_receipts(
    staff, ps, history, clock
) -> None:
    """SCARF ran on the 19th and took 30.00 off a scarf: its backtest replays that receipt
    without it (300.00) and with it (270.00); its own dates are ignored, so the scarves of the
    16th count too."""
    clock.now = at(19)
    promo(staff, clock, "SCARF", targets=product(ps.scarf), percent=10,
          starts_on=dt.date(2026, 11, 19), ends_on=dt.date(2026, 11, 19))  # fmt: skip
    sell(staff, ps, history, clock, [(ps.scarf, 1)])
    clock.now = at(22)
    t = backtest("SCARF", 1, by=staff["manager"], clock=clock).total
    assert (t.receipts, t.touched, t.units, t.discount) == (4, 2, 3000, 6000 + 3000)
    assert t.revenue == 222980 + 27000  # as sold
    assert (t.revenue_without, t.revenue_with) == (222980 + 30000, 222980 + 30000 - 9000)


def test_progress_ends_at_its_total_and_cancel_writes_nothing(staff, ps, history, clock) -> None:
    tables = (Receipt, ReceiptLine, LineAdjustment, AuditEntry)
    before = [m.select().count() for m in tables]
    seen: list[tuple[int, int]] = []
    backtest(
        clothes(group=ps.clothes.id),
        2,
        by=staff["manager"],
        clock=clock,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (14, 14) and len(seen) == 14
    asked: list[int] = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) > 3  # stop before the 4th day

    with pytest.raises(BacktestCancelled, match="stopped: nothing was changed"):
        backtest(clothes(group=ps.clothes.id), 2, by=staff["manager"], clock=clock, cancel=cancel)
    assert len(asked) == 4
    assert [m.select().count() for m in tables] == before


@pytest.mark.parametrize(
    ("code", "weeks", "words"),
    [
        ("NOPE", 8, "There is no promotion 'NOPE'"),
        ("", 8, "The promotion's id"),
        (None, 8, "Give a promotion's id"),
        ("SCARF", 0, "Weeks must be from 1 to 104"),
        ("SCARF", 500, "Weeks must be from 1 to 104"),
        ("SCARF", "8", "Weeks must be"),
    ],
)
def test_bad_input_is_refused_in_words(staff, ps, clock, code, weeks, words) -> None:
    promo(staff, clock, "SCARF", targets=product(ps.scarf), percent=10)
    with pytest.raises(ValidationError, match=words):
        backtest(code, weeks, by=staff["manager"], clock=clock)


def test_who_may_run_it(staff, ps, clock) -> None:
    promo(staff, clock, "SCARF", targets=product(ps.scarf), percent=10)
    with pytest.raises(PermissionDenied):
        backtest("SCARF", by=staff["cashier"], clock=clock)
    with pytest.raises(ValidationError, match="Progress is a function"):
        backtest("SCARF", by=staff["manager"], clock=clock, progress=5)
    with pytest.raises(ValidationError, match="Cancel is a function"):
        backtest("SCARF", by=staff["manager"], clock=clock, cancel=5)
    assert backtest("SCARF", system=True, clock=clock).weeks == 8


# --- the demo shop ----------------------------------------------------------------------

TODAY = dt.date(2026, 11, 22)
BEFORE = ("override", "price_type", "qty_breaks", "manufacturer", "bundle")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from torgtui.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "shop.sqlite"
    build_demo(str(path), customers=5, months=1, today=TODAY, seed=7)  # the smallest it makes
    dbmod.database.close()
    return path


def test_the_backtest_on_the_demo_shop(demo: Path) -> None:
    """15% off one manufacturer's goods over the demo's last four weeks: every figure
    agrees with the receipts read line by line."""
    database = dbmod.open_database(str(demo))
    try:
        from torgtui.models import Product

        maker = Product.select().where(Product.manufacturer.is_null(False)).first().manufacturer_id
        data = PromotionData(
            "MAKER", "Виробник -15%", targets=(Target(manufacturer_id=maker),), percent=Decimal(15)
        )
        seen: list[tuple[int, int]] = []
        run = backtest(
            data,
            4,
            system=True,
            clock=FixedClock(dt.datetime(2026, 11, 23, 8, 0)),
            progress=lambda done, total: seen.append((done, total)),
        )
        assert seen[-1] == (28, 28)
        since, until = "2026-10-26 00:00:00", "2026-11-23 00:00:00"
        sales = (
            Receipt.select()
            .where(
                (Receipt.kind == "sale")
                & (Receipt.status == "closed")
                & (Receipt.created_at >= since)
                & (Receipt.created_at < until)
            )
        )  # fmt: skip
        lines = list(
            ReceiptLine.select(ReceiptLine, Product.manufacturer)
            .join_from(ReceiptLine, Product)
            .where(ReceiptLine.receipt.in_(sales))
        )
        t = run.total
        assert t.receipts == sales.count() > 100
        assert t.revenue == sum(ln.total for ln in lines)
        ours = [ln for ln in lines if ln.product.manufacturer_id == maker]
        assert t.replayed == len({ln.receipt_id for ln in ours}) > 0
        assert t.touched == t.replayed and t.lines == len(ours)
        assert t.units == sum(ln.qty for ln in ours)
        # 15% of what each line cost when the promotions step starts (the steps before it out)
        before = {}
        for adj in LineAdjustment.select().where(
            LineAdjustment.line.in_([ln.id for ln in ours]) & LineAdjustment.step.in_(BEFORE)
        ):
            before[adj.line_id] = before.get(adj.line_id, 0) + adj.amount
        expected = sum(
            percent_of(ln.subtotal - before.get(ln.id, 0), Decimal(15)) for ln in ours
        )  # fmt: skip
        assert t.discount == expected
        # replayed without it, every receipt takes what it took
        assert t.revenue_without == t.revenue
        # the card's discount is worked out again on the lower prices (a little comes back);
        # a manual discount keeps its amount, but a line never goes below zero: at most the
        # manual discounts of its lines come back that way
        manual = sum(
            adj.amount
            for adj in LineAdjustment.select().where(
                LineAdjustment.line.in_([ln.id for ln in ours]) & (LineAdjustment.step == "manual")
            )
        )
        excess = t.revenue_with - (t.revenue - t.discount + t.card_back)
        assert 0 <= excess <= manual
        assert 0 <= t.card_back < t.discount
        assert (t.margin_without, t.margin_with) == (t.revenue - t.cost, t.revenue_with - t.cost)
        assert sum(w.discount for w in run.by_week) == t.discount
        assert sum(w.receipts for w in run.by_week) == t.receipts
    finally:
        database.close()
