"""Birthdays and the Nth receipt, conditions of the one promotion engine: windows over the year
end and 29 February, family members, once per person per year (two registers cannot both give
it), every Nth receipt per day at a location, and the Nth receipt from two processes at once:
exactly one receipt gets it."""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest

from tests.unit import promotions_shop
from tests.unit.promotions_shop import customer, info, priced, promo, register, sell
from torgtui.errors import ValidationError
from torgtui.marketing.promotions import PromotionMoved, step
from torgtui.marketing.promotions.festive import celebrated
from torgtui.models import Draft, FamilyMember, LineAdjustment, Receipt, ReceiptLine
from torgtui.models.promotions import PromotionCounter, PromotionGrant
from torgtui.sales.basket import Basket, BasketLine
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.extensions import SaleEvent
from torgtui.sales.pricing import PricingContext, price

ps, shift = promotions_shop.ps, promotions_shop.shift  # fixtures


# --- birthdays ---------------------------------------------------------------------------------


def test_the_birthday_of_a_year_and_its_window() -> None:
    jan2, dec30, feb29 = dt.date(1990, 1, 2), dt.date(1990, 12, 30), dt.date(2000, 2, 29)
    day = dt.date
    # five days before 2 January reaches back into December: the next year's birthday
    assert celebrated(jan2, day(2026, 12, 28), 5, 5) == 2027
    assert celebrated(jan2, day(2026, 12, 27), 5, 5) is None
    # five days after 30 December reaches into January: last year's birthday
    assert celebrated(dec30, day(2027, 1, 4), 5, 5) == 2026
    assert celebrated(dec30, day(2027, 1, 5), 5, 5) is None
    # 29 February is kept on 28 February in a year without it
    assert celebrated(feb29, day(2027, 2, 28), 0, 0) == 2027
    assert celebrated(feb29, day(2027, 3, 1), 0, 0) is None
    assert celebrated(feb29, day(2028, 2, 28), 0, 0) is None
    assert celebrated(feb29, day(2028, 2, 29), 0, 0) == 2028
    assert celebrated(feb29, day(2028, 3, 1), 0, 1) == 2028


@pytest.fixture
def birthday(staff, ps, clock):
    return promo(
        staff,
        clock,
        "BDAY",
        name="З днем народження",
        percent=10,
        birthday="both",
        birthday_before=5,
        birthday_after=5,
        festive=True,
    )


def test_a_birthday_over_the_year_end_once_per_year(staff, ps, shift, clock, birthday) -> None:
    c = customer(birth_date=dt.date(1990, 1, 2))
    clock.now = dt.datetime(2026, 12, 27, 12, 0)  # six days before: not yet
    assert priced(staff, ps, clock, [(ps.scarf, 1)], c.id).discount == 0
    clock.now = dt.datetime(2026, 12, 28, 12, 0)
    shown = priced(staff, ps, clock, [(ps.scarf, 1)], c.id)
    assert shown.discount == 3000
    assert shown.info["festive"] == [
        {
            "code": "BDAY",
            "name": "З днем народження",
            "why": "birthday of Оля",
            "sound": True,
            "may_be": False,
        }
    ]
    receipt = sell(staff, ps, shift, clock, [(ps.scarf, 1)], customer_id=c.id)
    assert receipt.discount == 3000
    assert info(receipt)["festive"][0]["why"] == "birthday of Оля"
    (gift,) = PromotionGrant.select()
    assert (gift.customer_id, gift.member_id, gift.year, gift.receipt_id) == (
        c.id,
        0,
        2027,
        receipt.id,
    )
    # the birthday itself, in the new year: given already for this birthday
    clock.now = dt.datetime(2027, 1, 2, 12, 0)
    again = priced(staff, ps, clock, [(ps.scarf, 1)], c.id)
    assert again.discount == 0
    assert {
        "rule": "BDAY",
        "reason": "З днем народження: given for the birthday of Оля this year already.",
    } in again.info["refused"]
    # a year on: the next birthday
    clock.now = dt.datetime(2027, 12, 30, 12, 0)
    assert priced(staff, ps, clock, [(ps.scarf, 1)], c.id).discount == 3000


def test_the_29th_of_february_in_a_year_without_it(staff, ps, shift, clock) -> None:
    promo(staff, clock, "LEAP", percent=10, birthday="customer")
    c = customer(birth_date=dt.date(2000, 2, 29))
    clock.now = dt.datetime(2027, 3, 1, 12, 0)
    assert priced(staff, ps, clock, [(ps.scarf, 1)], c.id).discount == 0
    clock.now = dt.datetime(2027, 2, 28, 12, 0)
    assert sell(staff, ps, shift, clock, [(ps.scarf, 1)], customer_id=c.id).discount == 3000
    assert PromotionGrant.get().year == 2027


def test_a_family_members_birthday_is_a_gift_of_its_own(staff, ps, shift, clock, birthday) -> None:
    c = customer(birth_date=dt.date(1990, 12, 1))
    spouse = FamilyMember.create(
        customer=c, relation="spouse", name="Петро", birth_date=dt.date(1988, 11, 25)
    )
    receipt = sell(staff, ps, shift, clock, [(ps.scarf, 1)], customer_id=c.id)  # 22 November
    assert receipt.discount == 3000
    assert info(receipt)["promotions"][0]["why"] == "birthday of Петро, spouse"
    assert [(g.member_id, g.year) for g in PromotionGrant.select()] == [(spouse.id, 2026)]
    assert priced(staff, ps, clock, [(ps.scarf, 1)], c.id).discount == 0
    clock.now = dt.datetime(2026, 11, 30, 12, 0)  # and her own, a week later
    assert sell(staff, ps, shift, clock, [(ps.scarf, 1)], customer_id=c.id).discount == 3000
    assert sorted((g.member_id, g.year) for g in PromotionGrant.select()) == [
        (0, 2026),
        (spouse.id, 2026),
    ]


def test_two_registers_give_one_birthday_gift(staff, ps, shift, clock, birthday) -> None:
    """Both show the gift; the first to commit gives it, the second is refused with nothing
    written (the register then prices it again: no gift)."""
    c = customer(birth_date=dt.date(1990, 11, 22))
    ctx = PricingContext(at=clock(), customer_id=c.id, location_id=ps.location_id)
    basket = Basket([BasketLine(ps.scarf.id, "", "", 1000, 0)], customer_id=c.id)
    price(basket, ctx)  # the second register shows the gift ...
    assert basket.discount == 3000
    first = sell(staff, ps, shift, clock, [(ps.scarf, 1)], customer_id=c.id)  # ... the first sells
    assert first.discount == 3000
    with pytest.raises(PromotionMoved, match="given for this birthday a moment ago"):
        _commit_hook(basket, ctx, staff, shift, first.id, clock)
    assert PromotionGrant.select().count() == 1
    assert priced(staff, ps, clock, [(ps.scarf, 1)], c.id).discount == 0


# --- every Nth receipt -------------------------------------------------------------------------


@pytest.fixture
def lottery(staff, ps, clock):
    return promo(
        staff,
        clock,
        "LOTTERY",
        name="Кожен третій",
        reward="amount",
        amount=10000,
        on="receipt",
        nth_receipt=3,
        nth_period="day",
        festive=True,
    )


def test_every_third_receipt_of_the_day(staff, ps, shift, clock, lottery) -> None:
    sold = [sell(staff, ps, shift, clock, [(ps.scarf, 1)]) for _ in range(2)]
    assert [r.discount for r in sold] == [0, 0]
    reg = register(staff, ps, clock, [(ps.scarf, 1)])
    shown = reg.priced()
    assert shown.discount == 10000
    assert shown.info["festive"][0]["may_be"] is True
    assert shown.info["festive"][0]["why"] == "this may be receipt No. 3 today"
    third = commit_sale(
        reg.basket,
        [Tender("card", shown.total)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    reg.forget()
    assert third.total == 20000
    assert info(third)["festive"] == [
        {
            "code": "LOTTERY",
            "name": "Кожен третій",
            "why": "receipt No. 3 today",
            "sound": True,
            "may_be": False,
        }
    ]
    assert sell(staff, ps, shift, clock, [(ps.scarf, 1)]).discount == 0  # the 4th
    clock.now = dt.datetime(2026, 11, 23, 9, 0)  # a new day counts from one
    assert [sell(staff, ps, shift, clock, [(ps.scarf, 1)]).discount for _ in range(3)] == [
        0,
        0,
        10000,
    ]
    counts = sorted((c.period, c.count) for c in PromotionCounter.select())
    assert counts == [("2026-11-22", 4), ("2026-11-23", 3)]


def test_the_hook_refuses_a_receipt_the_counter_went_past(staff, ps, shift, clock, lottery):
    """The price said "may be the 3rd"; another register's receipt was the 3rd between this
    pricing and its commit: refused, nothing written. And the other way round."""
    first = sell(staff, ps, shift, clock, [(ps.scarf, 1)])
    sell(staff, ps, shift, clock, [(ps.scarf, 1)])
    ctx = PricingContext(at=clock(), location_id=ps.location_id)
    basket = Basket([BasketLine(ps.scarf.id, "", "", 1000, 0)])
    price(basket, ctx)
    assert basket.discount == 10000  # "may be the 3rd" ...
    assert sell(staff, ps, shift, clock, [(ps.scarf, 1)]).discount == 10000  # ... another was
    with pytest.raises(PromotionMoved, match=r"receipt was No\. 3 a moment ago"):
        _commit_hook(basket, ctx, staff, shift, first.id, clock)
    assert PromotionCounter.get().count == 3  # the increment was rolled back
    sell(staff, ps, shift, clock, [(ps.scarf, 1)])  # the 4th
    ctx = PricingContext(at=clock(), location_id=ps.location_id)
    price(basket, ctx)
    assert basket.discount == 0  # priced as the 5th ...
    sell(staff, ps, shift, clock, [(ps.scarf, 1)])  # ... another register sold the 5th
    with pytest.raises(PromotionMoved, match=r"This receipt is No\. 6: Кожен третій applies"):
        _commit_hook(basket, ctx, staff, shift, first.id, clock)
    assert PromotionCounter.get().count == 5


def _commit_hook(basket, ctx, staff, shift, receipt_id, clock) -> None:
    """The promotions' sale hook as checkout runs it, in a write transaction."""
    from torgtui.db import write_tx

    event = SaleEvent(
        receipt_id=receipt_id,
        uuid="",
        basket=basket,
        ctx=ctx,
        payments=[],
        employee=staff["cashier"],
        shift=shift,
        now=clock(),
    )
    with write_tx():
        step.on_sale(event)


# --- the Nth receipt from two processes at once -----------------------------------------------


def _commit_in_a_process(url: str, employee_id: int, shift_id: int, uuids: list, barrier, out):
    from torgtui import db
    from torgtui.clock import FixedClock
    from torgtui.errors import TorgError
    from torgtui.models import Draft, Employee, Shift
    from torgtui.sales.register import basket_from_json

    db.open_database(url)
    clock = FixedClock(dt.datetime(2026, 11, 22, 10, 0))
    employee, shift = Employee.get_by_id(employee_id), Shift.get_by_id(shift_id)
    baskets = {d.uuid: basket_from_json(d.data) for d in Draft.select()}
    for uuid in uuids:
        barrier.wait(timeout=60)
        for _attempt in range(3):
            try:
                receipt = commit_sale(
                    baskets[uuid],
                    [Tender("cash", 30000)],
                    uuid=uuid,
                    employee=employee,
                    shift=shift,
                    cash_step=10,
                    clock=clock,
                )
                out.put(("ok", uuid, receipt.id))
                break
            except PromotionMoved as exc:  # priced again at the next attempt
                out.put(("moved", uuid, exc.message))
            except TorgError as exc:
                out.put(("error", uuid, exc.message))
                break
            except Exception as exc:  # a raw driver error (deadlock, unique violation)
                out.put(("raw", uuid, f"{type(exc).__name__}: {exc}"))
                break
    db.database.close()


def test_the_nth_receipt_from_two_processes_at_once(
    db, backend, staff, ps, shift, clock, lottery
) -> None:
    """Every 2nd receipt: rounds of two registers paying at the same moment, the counter at an
    odd number before each: exactly one receipt of each round is the 2nd and has the discount."""
    from torgtui.marketing.promotions import PromotionData, get_promotion, save_promotion
    from torgtui.sales.register import basket_to_json

    data: PromotionData = get_promotion("LOTTERY")
    data.nth_receipt = 2
    save_promotion(data, by=staff["manager"], clock=clock)
    sell(staff, ps, shift, clock, [(ps.scarf, 1)])  # the 1st
    rounds = 6
    uuids: list[list[str]] = [[], []]
    import uuid as uuidlib

    for _round in range(rounds):
        for side in (0, 1):
            uuid = str(uuidlib.uuid4())
            Draft.create(
                uuid=uuid,
                employee=staff["cashier"],
                register=f"till-{side}",
                status="held",
                data=basket_to_json(Basket([BasketLine(ps.scarf.id, "S-1", "Шарф", 1000, 30000)])),
                created_at=clock(),
                updated_at=clock(),
            )
            uuids[side].append(uuid)
    db.close()
    mp = multiprocessing.get_context("spawn")
    barrier, out = mp.Barrier(2), mp.Queue()
    procs = [
        mp.Process(
            target=_commit_in_a_process,
            args=(backend, staff["cashier"].id, shift.id, uuids[side], barrier, out),
        )
        for side in (0, 1)
    ]
    for p in procs:
        p.start()
    results = []
    while sum(1 for r in results if r[0] != "moved") < 2 * rounds:
        results.append(out.get(timeout=120))
    for p in procs:
        p.join(timeout=60)
    db.connect(reuse_if_open=True)
    assert [r for r in results if r[0] not in ("ok", "moved")] == []
    moved = [r for r in results if r[0] == "moved"]
    assert all("moment ago" in r[2] or "This receipt is No." in r[2] for r in moved)
    assert len(moved) <= rounds  # the loser of a round, priced again, is not refused twice
    won = (
        Receipt.select()
        .join(ReceiptLine)
        .join(LineAdjustment)
        .where(LineAdjustment.rule == "LOTTERY")
        .distinct()
        .count()
    )
    assert won == rounds  # one of each round, never two, never none
    assert Receipt.select().where(Receipt.kind == "sale").count() == 1 + 2 * rounds
    assert PromotionCounter.get().count == 1 + 2 * rounds


def test_a_lottery_needs_no_customer_but_a_bonus_one_does(staff, ps, clock) -> None:
    with pytest.raises(ValidationError, match="Bonuses go onto a card"):
        promo(staff, clock, "LOT-B", reward="bonus_amount", amount=5000, nth_receipt=10)
