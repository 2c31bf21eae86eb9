"""Loyalty at the register with exact kopecks: discount, one-time, accumulative and bonus
cards; bonuses earned, spent, expired, written off, kept as change; returns that reverse
every ledger in proportion, under each policy for bonuses already spent."""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuidlib
from decimal import Decimal

import pytest

from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import bonuses, cards, ledger, policy
from torgtui.marketing.cards import CardTypeData, save_card_type
from torgtui.models import (
    AuditEntry,
    CashMovement,
    Customer,
    LedgerEntry,
    OutboxMessage,
    Receipt,
    ReceiptLine,
)
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.returns import commit_return
from torgtui.sales.shifts import open_shift, x_report

NOW = dt.datetime(2026, 11, 22, 10, 0)


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, 100000, clock=clock)


def card_type(staff, clock, code: str, kind: str, **kw):
    return save_card_type(
        CardTypeData(code=code, name=code.title(), kind=kind, **kw),
        by=staff["manager"],
        clock=clock,
    )


def customer(card_type_id: int | None, name: str = "Оля", card: str = "2900000000013") -> Customer:
    return Customer.create(
        name=name, card=card, card_type=card_type_id, created_at=NOW, updated_at=NOW
    )


def sell(staff, shift, clock, customer_id, codes, tenders=None, **kw) -> Receipt:
    reg = Register(staff["cashier"], register="till-1", clock=clock)
    for code in codes:
        reg.scan(code)
    if customer_id is not None:
        reg.basket.customer_id = customer_id
        reg.save()
    priced = reg.priced()
    tenders = tenders or [Tender("card", priced.total)]
    receipt = commit_sale(
        reg.basket,
        tenders,
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
        **kw,
    )
    reg.forget()
    return receipt


def give_back(staff, shift, clock, receipt, qty_by_name: dict[str, int]) -> Receipt:
    lines = {ln.name: ln for ln in ReceiptLine.select().where(ReceiptLine.receipt == receipt.id)}
    return commit_return(
        receipt,
        {lines[name].id: qty for name, qty in qty_by_name.items()},
        uuid=str(uuidlib.uuid4()),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )


def info(receipt: Receipt) -> dict:
    return json.loads(Receipt.get_by_id(receipt.id).info or "{}")


# --- discount cards -----------------------------------------------------------------------


def test_a_discount_card_takes_its_percent_off_every_line(staff, shop, shift, clock) -> None:
    ct = card_type(staff, clock, "vip5", "discount", percent=Decimal(5))
    c = customer(ct.id)
    receipt = sell(staff, shift, clock, c.id, [shop.dress_code, shop.cream_code])
    # 1 250.00 -> 62.50 off; 189.90 -> 9.50 (9.495 half up)
    assert (receipt.subtotal, receipt.discount, receipt.total) == (143990, 7200, 136790)
    assert info(receipt)["card"]["type"] == "vip5"


def test_a_one_time_card_is_spent_by_its_first_purchase(staff, shop, shift, clock) -> None:
    ct = card_type(staff, clock, "welcome", "one_time", percent=Decimal(10))
    c = customer(ct.id)
    first = sell(staff, shift, clock, c.id, [shop.cream_code])
    assert first.discount == 1899
    assert Customer.get_by_id(c.id).card_spent_at == clock()
    second = sell(staff, shift, clock, c.id, [shop.cream_code])
    assert second.discount == 0


def test_accumulative_thresholds_move_up_and_back(staff, shop, shift, clock) -> None:
    ct = card_type(
        staff,
        clock,
        "accum",
        "accumulative",
        thresholds=[(500000, Decimal(3)), (1500000, Decimal(5)), (3000000, Decimal(7))],
    )
    c = customer(ct.id)
    Customer.update(total_bought=450000).where(Customer.id == c.id).execute()
    crossing = sell(staff, shift, clock, c.id, [shop.dress_code])  # 4 500 + 1 250 = 5 750
    assert crossing.discount == 0  # the new threshold applies from the next purchase
    assert info(crossing)["tier_up"] == {"card": "Accum", "percent": "3", "from": 500000}
    nxt = sell(staff, shift, clock, c.id, [shop.cream_code])
    assert nxt.discount == 570  # 3% of 189.90 = 5.697
    # the purchase that crossed comes back: the counted total drops below 5 000 again
    give_back(staff, shift, clock, crossing, {"Сукня літня": 1000})
    state = cards.card_state(c.id)
    assert state is not None and state.counted == 450000 + 18990 - 570
    again = sell(staff, shift, clock, c.id, [shop.cream_code])
    assert again.discount == 0


def test_an_accelerator_lifts_the_customer(staff, shop, shift, clock) -> None:
    from torgtui.marketing import rulecache
    from torgtui.models import CardAccelerator

    ct = card_type(staff, clock, "accum", "accumulative", thresholds=[(1500000, Decimal(5))])
    CardAccelerator.create(
        code="dress-vip", product=shop.dress, action="tier", card_type=ct, threshold=1500000
    )
    rulecache.clear()
    c = customer(ct.id)
    receipt = sell(staff, shift, clock, c.id, [shop.dress_code])
    assert info(receipt)["accelerated"] == [{"product": "Сукня літня", "threshold": 1500000}]
    assert sell(staff, shift, clock, c.id, [shop.cream_code]).discount == 950  # 5% of 189.90


def test_bad_card_types_are_refused(staff, clock) -> None:
    bad = [
        dict(code="x", name="X", kind="gold"),
        dict(code="x y", name="X", kind="discount", percent=Decimal(5)),
        dict(code="x", name="X", kind="discount", percent=Decimal(101)),
        dict(code="x", name="X", kind="accumulative"),
        dict(
            code="x",
            name="X",
            kind="accumulative",
            thresholds=[(100, Decimal(5)), (200, Decimal(3))],
        ),
        dict(code="x", name="X", kind="accumulative", thresholds=[(100, Decimal(5))] * 2),
        dict(code="x", name="X", kind="bonus", bonus_percent=Decimal(-1)),
    ]
    for data in bad:
        with pytest.raises(ValidationError):
            save_card_type(CardTypeData(**data), by=staff["manager"], clock=clock)
    with pytest.raises(PermissionDenied):
        save_card_type(
            CardTypeData("x", "X", "discount", Decimal(5)), by=staff["cashier"], clock=clock
        )


# --- bonuses ------------------------------------------------------------------------------


@pytest.fixture
def bonus_card(staff, clock):
    return card_type(staff, clock, "bonus", "bonus", bonus_percent=Decimal(5), bonus_expiry_days=30)


def test_bonuses_are_earned_on_the_paid_amount(staff, shop, shift, clock, bonus_card) -> None:
    c = customer(bonus_card.id)
    receipt = sell(staff, shift, clock, c.id, [shop.dress_code, shop.cream_code])
    assert receipt.total == 143990 and info(receipt)["bonus"]["earned"] == 7200  # 6250 + 950
    assert bonuses.balance_of(c.id) == 7200
    lines = {ln.name: ln.bonus_earned for ln in ReceiptLine.select()}
    assert lines == {"Сукня літня": 6250, "Крем для рук": 950}
    (bucket,) = bonuses.buckets_of(c.id, clock())
    assert bucket == (7200, clock() + dt.timedelta(days=30))


def test_paying_with_bonuses_earns_nothing_on_that_part(
    staff, shop, shift, clock, bonus_card
) -> None:
    c = customer(bonus_card.id)
    acct = bonuses.account_of(c.id, clock())
    ledger.post(acct, 10000, "earn", now=clock(), expires_at=clock() + dt.timedelta(days=30))
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [shop.cream_code],
        tenders=[Tender("bonus", 8990), Tender("card", 10000)],
    )
    assert info(receipt)["bonus"] == {"spent": 8990, "earned": 500, "change": 0, "balance": 1510}
    assert x_report(shift).by_tender == {"bonus": 8990, "card": 10000}


def test_the_register_pays_with_bonuses(staff, shop, shift, clock, bonus_card) -> None:
    c = customer(bonus_card.id)
    ledger.post(bonuses.account_of(c.id, NOW), 5000, "earn", now=NOW)
    reg = Register(staff["cashier"], register="till-1", clock=clock)
    reg.scan(shop.cream_code)
    with pytest.raises(ValidationError, match="Attach the customer's card"):
        reg.redeem_bonus("max")
    reg.attach_customer(c)
    with pytest.raises(ValidationError, match="Only 50.00 ₴ in bonuses can be spent"):
        reg.redeem_bonus(5001)
    assert reg.basket.bonus_redeem == 0
    assert reg.redeem_bonus("max") == 5000
    reg.set_qty(0, 1000)
    assert reg.redeem_bonus(1234) == 1234
    priced = reg.priced()
    assert priced.info["bonus"] == {"spend": 1234, "earn": 888}  # 5% of 189.90 - 12.34
    receipt = commit_sale(
        reg.basket,
        [Tender("bonus", reg.basket.bonus_redeem), Tender("card", 18990 - 1234)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    assert info(receipt)["bonus"]["balance"] == 5000 - 1234 + 888


def test_bonuses_beyond_the_balance_are_refused(staff, shop, shift, clock, bonus_card) -> None:
    c = customer(bonus_card.id)
    with pytest.raises(ValidationError, match="Only 0.00 ₴ in bonuses can be spent"):
        sell(
            staff,
            shift,
            clock,
            c.id,
            [shop.cream_code],
            tenders=[Tender("bonus", 100), Tender("card", 18890)],
        )
    assert Receipt.select().count() == 0 and LedgerEntry.select().count() == 0


def test_bonuses_need_a_customer(staff, shop, shift, clock) -> None:
    with pytest.raises(ValidationError, match="customer's card"):
        sell(
            staff,
            shift,
            clock,
            None,
            [shop.cream_code],
            tenders=[Tender("bonus", 100), Tender("card", 18890)],
        )


def test_change_to_the_card(staff, shop, shift, clock, bonus_card) -> None:
    c = customer(bonus_card.id)
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [shop.cream_code],
        tenders=[Tender("cash", 20000)],
        change_to_card=1010,
    )
    assert receipt.change == 0  # 200.00 for 189.90: all 10.10 of change onto the card
    assert bonuses.balance_of(c.id) == 1010 + 950
    report = x_report(shift)
    assert report.to_card == 1010 and report.cash_expected == 100000 + 18990 + 1010
    assert CashMovement.get(CashMovement.kind == "to_card").amount == 1010
    with pytest.raises(ValidationError, match="Only 10.10 ₴ of change"):
        sell(
            staff,
            shift,
            clock,
            c.id,
            [shop.cream_code],
            tenders=[Tender("cash", 20000)],
            change_to_card=1011,
        )
    assert bonuses.change_to_card_amount(1570, "coins") == 70
    assert bonuses.change_to_card_amount(1570, "all") == 1570
    assert bonuses.change_to_card_amount(1570, "off") == 0


# --- returns reverse every ledger in proportion -------------------------------------------


def test_a_partial_return_reverses_earned_and_gives_back_spent(
    staff, shop, shift, clock, bonus_card
) -> None:
    c = customer(bonus_card.id)
    acct = bonuses.account_of(c.id, clock())
    ledger.post(acct, 20000, "earn", now=clock(), expires_at=clock() + dt.timedelta(days=60))
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [f"3*{shop.cream_code}"],  # 569.70
        tenders=[Tender("bonus", 11394), Tender("card", 45576)],  # a fifth paid with bonuses
    )
    assert info(receipt)["bonus"]["earned"] == 2279  # 5% of 455.76 = 22.788
    back = give_back(staff, shift, clock, receipt, {"Крем для рук": 1000})
    pays = {p.tender: p.amount for p in back.payments}
    assert pays == {"bonus": 3798, "card": 15192}  # a third of each
    assert info(back)["bonus"] == {
        "returned": 3798,
        "reversed": 760,
        "balance": 20000 - 11394 + 2279 + 3798 - 760,
    }
    # the bonuses given back keep the expiry of the credit they were taken from
    expiries = {b[1] for b in bonuses.buckets_of(c.id, clock())}
    assert clock() + dt.timedelta(days=60) in expiries
    rest = give_back(staff, shift, clock, receipt, {"Крем для рук": 2000})
    assert {p.tender: p.amount for p in rest.payments} == {"bonus": 7596, "card": 30384}
    assert bonuses.balance_of(c.id) == 20000  # all of it back, nothing earned kept
    assert ledger.check_account(acct).ok


@pytest.mark.parametrize("rule", ["deduct", "negative", "forgive"])
def test_when_the_earned_bonuses_were_spent_already(
    staff, shop, shift, clock, bonus_card, rule
) -> None:
    policy.save(policy.LoyaltyPolicy(return_when_spent=rule), by=staff["manager"], clock=clock)
    c = customer(bonus_card.id)
    receipt = sell(staff, shift, clock, c.id, [shop.dress_code])  # earns 62.50
    acct = bonuses.account_of(c.id, clock())
    sell(
        staff,
        shift,
        clock,
        c.id,
        [shop.cream_code],
        tenders=[Tender("bonus", 6000), Tender("card", 12990)],
    )  # spends 60.00, earns 6.50
    assert bonuses.balance_of(c.id) == 6250 - 6000 + 650  # 9.00 left
    back = give_back(staff, shift, clock, receipt, {"Сукня літня": 1000})
    short = 6250 - 900
    refund = sum(p.amount for p in back.payments)
    if rule == "deduct":
        assert refund == 125000 - short and bonuses.balance_of(c.id) == 0
        assert back.total == 125000 - short
    elif rule == "negative":
        assert refund == 125000 and bonuses.balance_of(c.id) == -short
        # the next purchase's bonuses pay the debt first
        sell(staff, shift, clock, c.id, [shop.dress_code])
        assert bonuses.balance_of(c.id) == 6250 - short
    else:
        assert refund == 125000 and bonuses.balance_of(c.id) == 0
        assert AuditEntry.get(AuditEntry.action == "bonus.forgiven").after.count(str(short))
    assert ledger.check_account(acct).ok


# --- expiry, write-offs --------------------------------------------------------------------


def test_expiry_is_fifo_idempotent_and_tells_the_customer(
    staff, shop, shift, clock, bonus_card
) -> None:
    c = customer(bonus_card.id)
    acct = bonuses.account_of(c.id, NOW)
    ledger.post(acct, 1000, "earn", now=NOW, expires_at=NOW + dt.timedelta(days=10))
    ledger.post(acct, 2000, "earn", now=NOW, expires_at=NOW + dt.timedelta(days=40))
    ledger.post(acct, -1500, "spend", now=NOW, keep_open=False)  # all of the first, 5.00 of 2nd
    first = bonuses.expire(NOW + dt.timedelta(days=35), clock=clock)
    assert first.expired == 0 and first.notices == 1  # 15.00 lapse within 7 days: a notice
    run = bonuses.expire(NOW + dt.timedelta(days=40), clock=clock)
    assert (run.expired, run.cards) == (1500, 1) and bonuses.balance_of(c.id) == 0
    assert bonuses.expire(NOW + dt.timedelta(days=40), clock=clock).expired == 0  # idempotent
    kinds = sorted(m.kind for m in OutboxMessage.select())
    assert kinds == ["bonus_expired", "bonus_expiring"]
    assert ledger.check_account(acct).ok


def test_write_offs_by_hand_and_in_bulk(staff, shop, shift, clock, bonus_card) -> None:
    a, b = customer(bonus_card.id), customer(bonus_card.id, "Петро", "2900000000020")
    for c in (a, b):
        ledger.post(bonuses.account_of(c.id, NOW), 5000, "earn", now=NOW)
    with pytest.raises(PermissionDenied):
        bonuses.write_off(a.id, 100, "помилка", by=staff["cashier"], clock=clock)
    with pytest.raises(ValidationError, match="Only 50.00"):
        bonuses.write_off(a.id, 5001, "помилка", by=staff["manager"], clock=clock)
    assert bonuses.write_off(a.id, 1000, "помилка", by=staff["manager"], clock=clock) == 1000
    counted = bonuses.mass_write_off(
        inactive_days=30,
        card_type_id=bonus_card.id,
        reason="неактивні",
        by=staff["owner"],
        dry_run=True,
        clock=clock,
    )
    assert (counted.cards, counted.amount) == (2, 9000) and bonuses.balance_of(a.id) == 4000
    done = bonuses.mass_write_off(
        inactive_days=30, card_type_id=None, reason="неактивні", by=staff["owner"], clock=clock
    )
    assert (done.cards, done.amount) == (2, 9000)
    assert bonuses.balance_of(a.id) == bonuses.balance_of(b.id) == 0
    assert AuditEntry.select().where(AuditEntry.action == "bonus.mass_write_off").count() == 1


def test_why_this_price_names_every_step(staff, shop, shift, clock) -> None:
    from torgtui.sales.why import explain

    ct = card_type(staff, clock, "accum", "accumulative", thresholds=[(100000, Decimal(5))])
    c = customer(ct.id)
    Customer.update(total_bought=200000).where(Customer.id == c.id).execute()
    reg = Register(staff["cashier"], register="till-1", clock=clock)
    reg.scan(shop.cream_code)
    reg.attach_customer(c)
    why = explain(reg.priced())
    (line,) = why["lines"]
    assert line["adjustments"] == [
        {
            "step": "card",
            "rule": "accum",
            "reason": "Card Accum 5% (from 1\u202f000.00 ₴)",
            "amount": 950,
        }
    ]
    assert why["tier"]["percent"] == "5" and why["tier"]["counted"] == 200000
    assert why["total"] == 18040 and why["refused"] == []


def test_the_printed_receipt_tells_the_card_and_the_bonuses(staff, shop, shift, clock) -> None:
    from torgtui.config import Settings
    from torgtui.hw.fiscal.base import document_for
    from torgtui.hw.receipt_text import receipt_view, render_text

    ct = card_type(staff, clock, "bonus", "bonus", bonus_percent=Decimal(5))
    c = customer(ct.id)
    ledger.post(bonuses.account_of(c.id, NOW), 5000, "earn", now=NOW)
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [shop.cream_code],
        tenders=[Tender("bonus", 2000), Tender("card", 16990)],
    )
    text = "\n".join(render_text(receipt_view(Receipt.get_by_id(receipt.id), Settings()), 42))
    assert "Bonuses" in text and "20.00" in text  # the tender, by its feature's title
    assert "Bonuses earned" in text and "8.50" in text  # 5% of 169.90 = 8.495
    assert "Bonus balance" in text and "38.50" in text
    # the fiscal unit is told of money only: the bonus part is a discount on the lines
    doc = document_for(Receipt.get_by_id(receipt.id))
    assert doc.payments == (("card", 16990),)
    assert doc.total == 16990 and doc.lines[0].discount == 2000


def test_bonuses_given_back_cover_what_the_return_takes_back(
    staff, shop, shift, clock, bonus_card
) -> None:
    """A receipt paid mostly with bonuses comes back whole while the card holds little: the
    bonuses it gives back cover the bonuses it takes back, so nothing is deducted (found by
    the scripting contract's tests)."""
    c = customer(bonus_card.id)
    acct = bonuses.account_of(c.id, clock())
    ledger.post(acct, 10000, "earn", now=clock(), expires_at=clock() + dt.timedelta(days=60))
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [shop.cream_code],
        tenders=[Tender("bonus", 9000), Tender("card", 9990)],
    )
    earned = info(receipt)["bonus"]["earned"]  # 5% of 99.90 = 5.00 (4.995)
    assert earned == 500 and bonuses.balance_of(c.id) == 10000 - 9000 + 500
    ledger.post(acct, -1500, "write_off", now=clock(), keep_open=False)  # the card: 0.00
    back = give_back(staff, shift, clock, receipt, {"Крем для рук": 1000})
    assert {p.tender: p.amount for p in back.payments} == {"bonus": 9000, "card": 9990}
    assert back.total == 18990 and bonuses.balance_of(c.id) == 9000 - 500
    assert ledger.check_account(acct).ok
