"""Promo codes at the register on both databases: the code field names the promotion a code
activates, every refusal in words with nothing changed, a use spent only when the promotion
gave something, N uses, the per-customer limit, a whole return giving the use back, and a
single-use code from two processes at once (exactly one receipt uses it)."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing

import pytest

from tests.unit import codes_shop
from tests.unit.codes_shop import (
    NOW,
    batch,
    give_back,
    make_codes,
    pay,
    person,
    promotion,
    register,
    sell,
)
from torgtui.errors import ValidationError
from torgtui.marketing import codes
from torgtui.models import Draft, Location, Receipt
from torgtui.models.codes import PromoCode, PromoCodeUse, PromoCustomerUse

promo, shift = codes_shop.promo, codes_shop.shift  # fixtures


def state(code: str) -> tuple[int, list[tuple[int, int | None]]]:
    found = PromoCode.get(PromoCode.code == code)
    uses = [
        (u.receipt_id, u.slot)
        for u in PromoCodeUse.select()
        .where(PromoCodeUse.code == found.id)
        .order_by(PromoCodeUse.id)
    ]
    return found.used, uses


def test_a_scanned_code_names_its_promotion_and_is_spent_by_the_sale(
    staff, shop, shift, clock, promo
) -> None:
    found = batch(staff, clock, promo)
    (code,) = make_codes(staff, clock, found, 1)
    reg = register(staff, shop, clock)
    reg.enter(shop.dress_code)
    entered = reg.enter(code.lower())  # typed by hand, in small letters
    assert entered.kind == "promo_code"
    assert entered.message == f"Code {code}: Листівка −10%"
    assert entered.details["promotion_id"] == promo.id
    assert json.loads(Draft.get(Draft.uuid == reg.uuid).data)["codes"] == [code]
    priced = reg.priced()
    assert priced.total == 112500  # 1 250.00 less 10%
    assert priced.info["codes"] == [
        {"code": code, "batch": "FLY-NOV", "promotion": "Листівка −10%", "applied": True}
    ]
    receipt = pay(staff, shift, clock, reg)
    assert receipt.total == 112500
    assert state(code) == (1, [(receipt.id, 1)])
    assert json.loads(Receipt.get_by_id(receipt.id).info)["codes"] == [
        {"code": code, "batch": "FLY-NOV", "promotion": "Листівка −10%"}
    ]
    with pytest.raises(ValidationError, match=f"Code {code} was used already: sell without it"):
        register(staff, shop, clock).enter(code)


def test_cyrillic_look_alikes_typed_by_hand(staff, shop, clock, promo) -> None:
    batch(staff, clock, promo, "INSTA", style="given", given="CAT25", uses_per_code=100)
    reg = register(staff, shop, clock)
    assert reg.enter("сат25").kind == "promo_code"  # Cyrillic с, а, т
    assert reg.basket.codes == ["CAT25"]


@pytest.fixture
def flyer(staff, clock, promo):
    return batch(
        staff, clock, promo, valid_from=dt.date(2026, 11, 1), valid_until=dt.date(2026, 11, 30)
    )


def refused(reg, code: str, match: str, qty: int | None = None) -> None:
    before = list(reg.basket.codes)
    with pytest.raises(ValidationError, match=match):
        reg.enter(code, qty)
    assert reg.basket.codes == before


def test_every_refusal_says_what_to_do(staff, shop, shift, clock, promo, flyer) -> None:
    a, b, c, d = make_codes(staff, clock, flyer, 4)
    reg = register(staff, shop, clock)
    refused(reg, "ABCDEFGHJK", "Code ABCDEFGHJK is not known: check it")
    codes.block_code(a, by=staff["manager"], reason="stolen", clock=clock)
    refused(reg, a, f"Code {a} is blocked: sell without it")
    refused(reg, b, f"{b} is a promo code: scan it without a quantity", qty=2000)
    clock.now = dt.datetime(2026, 10, 31, 18, 0)
    refused(reg, b, f"Code {b} is valid from 2026-11-01: sell without it today")
    clock.now = dt.datetime(2026, 12, 1, 9, 0)
    refused(reg, b, f"Code {b} expired on 2026-11-30: sell without it")
    clock.now = NOW
    reg.enter(b)
    refused(reg, b, f"Code {b} is on this receipt already")
    refused(reg, c, "Another code for Листівка −10% is on this receipt already")
    codes.block_batch(flyer, by=staff["manager"], clock=clock)
    refused(register(staff, shop, clock, "senior_cashier"), d, "The codes of FLY-NOV are blocked")
    # what the receipt kept is checked again at every pricing: refused now, in words
    priced = reg.priced()
    assert [(r["code"], r["rule"]) for r in priced.info["refused"]] == [(b, "FLY-NOV")]
    assert "blocked" in priced.info["refused"][0]["reason"]


def test_a_code_of_a_promotion_not_running(staff, shop, clock, promo) -> None:
    from torgtui.marketing.promotions.service import deactivate_promotion

    (code,) = make_codes(staff, clock, batch(staff, clock, promo), 1)
    reg = register(staff, shop, clock)
    deactivate_promotion("FLY10", by=staff["manager"], clock=clock)
    refused(reg, code, f"Листівка −10% is stopped: code {code} gives nothing now")
    later = promotion("LATER", "Зимова", starts_on=dt.date(2026, 12, 1))
    (code,) = make_codes(staff, clock, batch(staff, clock, later, "WINTER"), 1)
    refused(reg, code, f"Зимова starts on 2026-12-01: sell without code {code} today")


def test_codes_for_a_customer_and_for_a_location(staff, shop, clock, promo) -> None:
    olya, ivan = person(), person("Іван", "2900000000020")
    personal = batch(staff, clock, promo, "VIP", personal=True)
    issued = codes.issue_codes(personal, [olya.id], by=staff["manager"], clock=clock)
    reg = register(staff, shop, clock)
    refused(reg, issued[olya.id], "was issued to a customer: scan their card first")
    reg.attach_customer(ivan)
    refused(reg, issued[olya.id], "issued to another customer: it works only with that")
    reg.attach_customer(olya)
    reg.enter(issued[olya.id])
    kyiv = Location.create(code="KYIV", name="Київ")
    other = promotion("K5", "Київ −5%")
    local = batch(staff, clock, other, "LOCAL", location_ids=(kyiv.id,))
    (code,) = make_codes(staff, clock, local, 1)
    refused(reg, code, f"Code {code} is not valid here: it works at Київ")


def test_a_code_whose_promotion_gives_nothing_is_kept_and_not_spent(
    staff, shop, shift, clock
) -> None:
    big = promotion("BIG", "Від 2 000", least=200000)
    (code,) = make_codes(staff, clock, batch(staff, clock, big, "BIG"), 1)
    reg = register(staff, shop, clock)
    reg.enter(shop.cream_code)
    reg.enter(code)
    priced = reg.priced()
    assert priced.total == 18990 and priced.info["codes"][0]["applied"] is False
    assert priced.info["refused"] == [
        {
            "rule": "BIG",
            "code": code,
            "reason": "Від 2 000 gives nothing on this receipt yet: its conditions are not met. "
            "The code is kept and used only if it does.",
        }
    ]
    pay(staff, shift, clock, reg)
    assert state(code) == (0, [])


def test_n_uses_and_the_per_customer_limit(staff, shop, shift, clock, promo) -> None:
    insta = batch(
        staff,
        clock,
        promo,
        "INSTA",
        style="given",
        given="SPRING25",
        uses_per_code=3,
        per_customer=1,
    )
    olya, ivan, petro, anna = (
        person(),
        person("Іван", "2900000000020"),
        person("Петро", "2900000000037"),
        person("Анна", "2900000000044"),
    )
    reg = register(staff, shop, clock)
    reg.enter(shop.cream_code)
    refused(reg, "SPRING25", "limited per customer: scan the customer's card first")
    for who in (olya, ivan, petro):
        sell(staff, shop, shift, clock, [shop.cream_code, "SPRING25"], customer=who)
    used, uses = state("SPRING25")
    assert used == 3 and [slot for _r, slot in uses] == [1, 2, 3]
    reg = register(staff, shop, clock)
    reg.attach_customer(anna)
    refused(reg, "SPRING25", "Code SPRING25 was used all 3 times: sell without it")
    # the per-customer limit counts the batch, whatever its code
    second = batch(staff, clock, promo, "FLY-LIMIT", per_customer=1)
    a, b = make_codes(staff, clock, second, 2)
    sell(staff, shop, shift, clock, [shop.cream_code, a], customer=olya)
    reg = register(staff, shop, clock)
    reg.attach_customer(olya)
    refused(reg, b, "This customer has used a code of FLY-LIMIT 1 time already")
    assert PromoCustomerUse.get(customer=olya.id, batch=second.id).used == 1
    assert insta.per_customer == 1


def test_a_whole_return_gives_the_use_back_a_partial_one_does_not(
    staff, shop, shift, clock, promo
) -> None:
    found = batch(staff, clock, promo)
    (code,) = make_codes(staff, clock, found, 1)
    olya = person()
    receipt = sell(
        staff, shop, shift, clock, [shop.dress_code, shop.cream_code, code], customer=olya
    )
    assert receipt.total == 112500 + 17091  # 10% off each line: 1 125.00 + 170.91
    give_back(staff, shift, clock, receipt, {"C-1": 1000})
    assert state(code) == (1, [(receipt.id, 1)])  # the dress kept its discount: still used
    back = give_back(staff, shift, clock, receipt, {"D-1": 1000})
    use = PromoCodeUse.get(PromoCodeUse.receipt == receipt.id)
    assert (use.slot, use.return_receipt_id, use.returned_at) == (None, back.id, NOW)
    assert state(code)[0] == 0 and PromoCustomerUse.get(customer=olya.id).used == 0
    assert json.loads(Receipt.get_by_id(back.id).info)["codes_back"] == [code]
    again = sell(staff, shop, shift, clock, [shop.cream_code, code], customer=olya)
    assert state(code) == (1, [(receipt.id, None), (again.id, 1)])


def test_a_use_given_back_frees_its_slot_for_the_next(staff, shop, shift, clock, promo) -> None:
    batch(staff, clock, promo, "INSTA", style="given", given="SPRING25", uses_per_code=3)
    first, second, third = (
        sell(staff, shop, shift, clock, [shop.cream_code, "SPRING25"]) for _ in range(3)
    )
    give_back(staff, shift, clock, first)
    assert state("SPRING25") == (2, [(first.id, None), (second.id, 2), (third.id, 1)])
    fourth = sell(staff, shop, shift, clock, [shop.cream_code, "SPRING25"])
    assert state("SPRING25")[1][-1] == (fourth.id, 3)
    with pytest.raises(ValidationError, match="used all 3 times"):
        register(staff, shop, clock).enter("SPRING25")


def test_a_code_used_on_another_register_meanwhile(staff, shop, shift, clock, promo) -> None:
    """Two registers have the code on their receipt. Once one has paid, the other's receipt is
    priced without it (refused in words); a register that priced it before and commits after
    is refused by the conditional update, and nothing of its sale is written."""
    from torgtui.db import write_tx
    from torgtui.marketing.codes_sale import load_states, spend

    (code,) = make_codes(staff, clock, batch(staff, clock, promo), 1)
    one, two = register(staff, shop, clock), register(staff, shop, clock, "senior_cashier")
    for reg in (one, two):
        reg.enter(shop.cream_code)
        reg.enter(code)
    stale = load_states([code])[code]
    pay(staff, shift, clock, one)
    priced = two.priced()
    assert priced.total == 18990
    assert priced.info["refused"][0]["reason"] == f"Code {code} was used already: sell without it."
    with (
        pytest.raises(ValidationError, match="was used on another register a moment ago"),
        write_tx(),
    ):
        spend(stale, receipt_id=1, customer_id=None, now=NOW)
    assert state(code)[0] == 1
    receipt = pay(staff, shift, clock, two)  # at the full price: the code stays as it was
    assert receipt.total == 18990 and state(code)[0] == 1


def test_remove_code_takes_it_off(staff, shop, clock, promo) -> None:
    from torgtui.marketing.codes_sale import remove_code

    (code,) = make_codes(staff, clock, batch(staff, clock, promo), 1)
    reg = register(staff, shop, clock)
    reg.enter(code)
    assert remove_code(reg, code.lower()) and reg.basket.codes == []
    assert not remove_code(reg, code)


# --- two registers, one single-use code, the same moment ------------------------------------


def _sell_in_a_process(url: str, employee_id: int, shift_id: int, uuids: list[str], barrier, out):
    from torgtui import db
    from torgtui.clock import FixedClock
    from torgtui.errors import TorgError
    from torgtui.models import Draft, Employee, Shift
    from torgtui.sales.checkout import Tender, commit_sale
    from torgtui.sales.register import basket_from_json

    db.open_database(url)
    clock = FixedClock(NOW)
    employee, open_shift = Employee.get_by_id(employee_id), Shift.get_by_id(shift_id)
    drafts = {d.uuid: d.data for d in Draft.select()}
    for uuid in uuids:
        barrier.wait(timeout=60)
        try:
            receipt = commit_sale(
                basket_from_json(drafts[uuid]),
                [Tender("card", 17091)],
                uuid=uuid,
                employee=employee,
                shift=open_shift,
                cash_step=10,
                clock=clock,
            )
            out.put((uuid, "sold", receipt.id))
        except TorgError as exc:
            out.put((uuid, "refused", exc.message))
        except Exception as exc:  # a raw driver error (deadlock, unique violation) is the finding
            out.put((uuid, "raw", f"{type(exc).__name__}: {exc}"))
    db.database.close()


def test_a_single_use_code_from_two_processes_at_once(
    db, backend, staff, shop, shift, clock, promo
) -> None:
    """Ten codes; for each, two registers (two processes) pay a receipt with it at the same
    moment: exactly one receipt uses it, the other is refused in words, never a raw error."""
    found = batch(staff, clock, promo)
    pairs = []
    for code in make_codes(staff, clock, found, 10):
        pair = []
        for who in ("cashier", "senior_cashier"):
            reg = register(staff, shop, clock, who)
            reg.enter(shop.cream_code)
            reg.enter(code)
            pair.append(reg.uuid)
            reg.draft = None  # the next receipt of this employee is a new draft
            Draft.update(status="held").where(Draft.uuid == pair[-1]).execute()
        pairs.append((code, pair))
    db.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(
            target=_sell_in_a_process,
            args=(backend, staff["cashier"].id, shift.id, [p[n] for _c, p in pairs], barrier, out),
        )
        for n in (0, 1)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in range(2 * len(pairs))]
    for p in procs:
        p.join(timeout=60)
    db.connect(reuse_if_open=True)
    by_uuid = {uuid: (outcome, detail) for uuid, outcome, detail in results}
    for code, (first, second) in pairs:
        outcomes = sorted([by_uuid[first][0], by_uuid[second][0]])
        assert outcomes == ["refused", "sold"], (code, by_uuid[first], by_uuid[second])
        loser = by_uuid[first] if by_uuid[first][0] == "refused" else by_uuid[second]
        # priced before the other paid: the conditional update refuses it; priced after: the
        # code no longer takes 10% off, and the card payment of the old total falls short
        assert f"Code {code} was used on another register" in loser[1] or (
            "still to pay" in loser[1]
        ), loser
        winner = by_uuid[first] if by_uuid[first][0] == "sold" else by_uuid[second]
        assert state(code) == (1, [(winner[1], 1)])
    assert Receipt.select().where(Receipt.kind == "sale").count() == len(pairs)
