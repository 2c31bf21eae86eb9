"""Refer a Friend on both databases: a campaign on the referrer's card with N codes; the friend's
code at the register (every refusal in words, nothing changed); the discount on the campaign's
goods; the referrer's bonus by each rule in exact kopecks, accrued once on payment; a return of
the friend's purchase taking it back in proportion; a code from two processes at once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from decimal import Decimal

import pytest

from tests.unit import codes_shop
from tests.unit.codes_shop import NOW, give_back, pay, person, register
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import bonuses, ledger, referral
from torgtui.marketing.ledger import Kind
from torgtui.marketing.referral import CampaignTerms
from torgtui.models import Draft, LedgerEntry, LineAdjustment, ProductGroup, Receipt, ReceiptLine
from torgtui.models.referral import ReferralCode
from torgtui.sales.basket import Basket
from torgtui.sales.checkout import Tender, commit_sale

shift = codes_shop.shift  # fixture


def terms(**kw) -> CampaignTerms:
    base = dict(
        issued_on=dt.date(2026, 11, 1),
        valid_days=60,
        friend_percent=Decimal(10),
        bonus_rule="fixed",
        bonus_amount=5000,
        codes=3,
    )
    base.update(kw)
    return CampaignTerms(**base)  # type: ignore[arg-type]


@pytest.fixture
def olena(db):
    return person("Олена Referrer", "2900000000013")


@pytest.fixture
def friend(db):
    return person("Ірина Friend", "2900000000020")


def campaign(staff, clock, who, **kw) -> referral.Campaign:
    return referral.create_campaign(who.id, terms(**kw), by=staff["manager"], clock=clock)


def friend_buys(staff, shop, shift, clock, friend, code: str, scans: list[str]) -> Receipt:
    reg = register(staff, shop, clock)
    reg.attach_customer(friend)
    for scan in scans:
        reg.enter(scan)
    reg.enter(code)
    return pay(staff, shift, clock, reg)


def referral_entries(customer_id: int) -> list[tuple[str, int, str]]:
    account_id = ledger.find_account(Kind.BONUS, "customer", customer_id)
    return [
        (e.kind, e.amount, e.document)
        for e in LedgerEntry.select()
        .where(LedgerEntry.account == account_id)
        .order_by(LedgerEntry.id)
    ]


def test_a_campaign_makes_unguessable_individual_codes(staff, clock, olena) -> None:
    made = campaign(staff, clock, olena, codes=5)
    assert len(made.codes) == len(set(made.codes)) == 5
    for code in made.codes:
        assert code.startswith("RF-") and len(code) == 11
        assert referral.referral_code_of(code.lower().replace("-", "")) == code
    assert made.valid_until == dt.date(2026, 12, 30)  # 60 days, the issue day included
    rows = referral.codes_of(olena.id)
    assert [r.code for r in rows] == list(made.codes)
    assert {r.state for r in rows} == {"unused"}
    with pytest.raises(PermissionDenied):
        referral.create_campaign(olena.id, terms(), by=staff["cashier"], clock=clock)
    with pytest.raises(ValidationError, match="The friend's discount is more than 0"):
        referral.create_campaign(
            olena.id, terms(friend_percent=Decimal(0)), by=staff["manager"], clock=clock
        )
    with pytest.raises(ValidationError, match="The most bonus per purchase"):
        referral.create_campaign(
            olena.id,
            terms(bonus_rule="percent_max", bonus_percent=Decimal(5)),
            by=staff["manager"],
            clock=clock,
        )
    assert ReferralCode.select().count() == 5  # the refused ones wrote nothing


def test_fixed_bonus_on_the_friends_first_purchase(
    staff, shop, shift, clock, olena, friend
) -> None:
    code = campaign(staff, clock, olena).codes[0]
    reg = register(staff, shop, clock)
    reg.attach_customer(friend)
    reg.enter(shop.dress_code)
    entered = reg.enter(code.lower())
    assert entered.kind == "referral"
    assert "10% off everything for a friend of Олена Referrer" in entered.message
    priced = reg.priced()
    assert priced.total == 112500
    assert priced.info["referral"]["discount"] == 12500
    receipt = pay(staff, shift, clock, reg)
    (adj,) = LineAdjustment.select().where(LineAdjustment.step == "referral")
    assert (adj.rule, adj.amount) == (code, 12500)
    assert "Refer a Friend −10% (code " in adj.reason
    used = ReferralCode.get(ReferralCode.code == code)
    assert (used.friend_id, used.receipt_id, used.purchase, used.bonus) == (
        friend.id,
        receipt.id,
        112500,
        5000,
    )
    assert referral_entries(olena.id) == [("referral", 5000, f"referral:{used.id}")]
    assert bonuses.balance_of(olena.id) == 5000
    row = next(r for r in referral.codes_of(olena.id) if r.code == code)
    assert (row.state, row.friend, row.purchase, row.bonus) == (
        "paid",
        "Ірина Friend (2900000000020)",
        112500,
        5000,
    )


@pytest.mark.parametrize(
    ("rule", "kw", "bonus"),
    [
        ("percent", {"bonus_percent": Decimal("3.33")}, 3746),  # 1 125.00 x 3.33% = 37.4625
        ("percent_max", {"bonus_percent": Decimal(10), "bonus_max": 10000}, 10000),  # 112.50
        ("percent_max", {"bonus_percent": Decimal(5), "bonus_max": 10000}, 5625),  # under max
    ],
)
def test_percentage_bonuses_in_exact_kopecks(
    staff, shop, shift, clock, olena, friend, rule, kw, bonus
) -> None:
    code = campaign(staff, clock, olena, bonus_rule=rule, **kw).codes[0]
    friend_buys(staff, shop, shift, clock, friend, code, [shop.dress_code])
    assert ReferralCode.get(ReferralCode.code == code).bonus == bonus
    assert bonuses.balance_of(olena.id) == bonus


def test_below_the_minimum_purchase_nothing_is_given_and_the_code_stays(
    staff, shop, shift, clock, olena, friend
) -> None:
    code = campaign(staff, clock, olena, min_purchase=50000).codes[0]
    reg = register(staff, shop, clock)
    reg.attach_customer(friend)
    reg.enter(shop.cream_code)
    reg.enter(code)
    priced = reg.priced()
    assert priced.total == 18990
    (why,) = [r for r in priced.info["refused"] if r["code"] == code]
    assert (
        "needs a purchase of 500.00 ₴ of goods; this one is 189.90 ₴: add 310.10 ₴"
        in (why["reason"])
    )
    reg.enter(shop.dress_code)  # now it is enough
    assert reg.priced().total == 129591  # (1 250.00 + 189.90) less 10%, line by line
    pay(staff, shift, clock, reg)
    assert ReferralCode.get(ReferralCode.code == code).purchase == 129591


def test_the_product_group_and_its_subgroups(staff, shop, shift, clock, olena, friend) -> None:
    care = ProductGroup.create(name="Care", path="Care")
    hands = ProductGroup.create(name="Hands", parent=care, path="Care/Hands")
    shop.cream.group = hands
    shop.cream.save()
    code = campaign(staff, clock, olena, group_id=care.id, bonus_rule="percent",
                    bonus_percent=Decimal(10)).codes[0]  # fmt: skip
    reg = register(staff, shop, clock)
    reg.attach_customer(friend)
    reg.enter(shop.dress_code)
    reg.enter(code)
    (why,) = [r for r in reg.priced().info["refused"] if r["code"] == code]
    assert "is for goods of Care: there are none on the receipt" in why["reason"]
    reg.enter(shop.cream_code)
    priced = reg.priced()
    assert [ln.discount for ln in priced.lines] == [0, 1899]  # the dress is not in the group
    pay(staff, shift, clock, reg)
    used = ReferralCode.get(ReferralCode.code == code)
    assert (used.purchase, used.bonus) == (17091, 1709)  # 10% of 170.91 = 17.091


def refused(reg, code: str, match: str) -> None:
    before = list(reg.basket.codes)
    with pytest.raises(ValidationError, match=match):
        reg.enter(code)
    assert reg.basket.codes == before


def test_every_refusal_says_why(staff, shop, shift, clock, olena, friend) -> None:
    first, second, third = campaign(staff, clock, olena).codes
    reg = register(staff, shop, clock)
    reg.enter(shop.dress_code)
    refused(reg, "RF-ABCDEFGH", "Referral code RF-ABCDEFGH is not known")
    refused(reg, first, "attach the friend's card first")
    reg.attach_customer(olena)
    refused(reg, first, "is this customer's own: nobody can refer themselves")
    reg.forget()
    friend_buys(staff, shop, shift, clock, friend, first, [shop.cream_code])
    other = person("Петро", "2900000000037")
    reg = register(staff, shop, clock)
    reg.attach_customer(other)
    reg.enter(shop.dress_code)
    refused(reg, first, "was used already: each one gives its discount once")
    reg.forget()
    # the friend has bought here now: not a new customer for another code
    reg = register(staff, shop, clock)
    reg.attach_customer(friend)
    reg.enter(shop.dress_code)
    refused(reg, second, "is for a new customer's first purchase, and this customer has bought")
    reg.forget()
    clock.now = dt.datetime(2026, 12, 31, 9, 0)
    reg = register(staff, shop, clock)
    reg.attach_customer(other)
    refused(reg, third, "expired on 2026-12-30")
    clock.now = NOW
    reg.enter(second)
    refused(reg, third, "one per receipt")
    referral.block_campaign(ReferralCode.get(ReferralCode.code == second).campaign_id,
                            by=staff["manager"], clock=clock)  # fmt: skip
    (why,) = [r for r in reg.priced().info["refused"] if r["code"] == second]
    assert "is stopped" in why["reason"]


def test_a_returning_customer_is_refused_by_the_sale_too(
    staff, shop, shift, clock, olena, friend
) -> None:
    """The code went on while the friend was new; another register sold to them before this
    payment: the sale is refused in words, nothing written, the code still unused."""
    code = campaign(staff, clock, olena).codes[0]
    reg = register(staff, shop, clock)
    reg.attach_customer(friend)
    reg.enter(shop.dress_code)
    reg.enter(code)
    basket, uuid = reg.priced(), reg.uuid
    other = register(staff, shop, clock, "senior_cashier")
    other.attach_customer(friend)
    other.enter(shop.cream_code)
    pay(staff, shift, clock, other)
    with pytest.raises(ValidationError, match="bought here before"):
        commit_sale(
            basket,
            [Tender("card", 112500)],
            uuid=uuid,
            employee=staff["cashier"],
            shift=shift,
            cash_step=10,
            clock=clock,
        )
    assert ReferralCode.get(ReferralCode.code == code).used_at is None
    assert bonuses.balance_of(olena.id) == 0


def test_a_return_takes_the_bonus_back_in_proportion(
    staff, shop, shift, clock, olena, friend
) -> None:
    code = campaign(staff, clock, olena, bonus_rule="percent", bonus_percent=Decimal(10)).codes[0]
    receipt = friend_buys(
        staff, shop, shift, clock, friend, code, [shop.dress_code, "3*" + shop.cream_code]
    )
    used = ReferralCode.get(ReferralCode.code == code)
    # dress 1 125.00 + 3 creams 512.73 (569.70 less 56.97) = 1 637.73; 10%: 163.77
    assert (used.purchase, used.bonus) == (163773, 16377)
    give_back(staff, shift, clock, receipt, {"C-1": 1000})  # one cream: 170.91 of 1 637.73
    assert referral_entries(olena.id)[-1] == ("referral_back", -1709, f"referral:{used.id}")
    give_back(staff, shift, clock, receipt, {"C-1": 2000, "D-1": 1000})  # the rest
    back = [e for e in referral_entries(olena.id) if e[0] == "referral_back"]
    assert sum(a for _k, a, _d in back) == -16377  # exactly the bonus, no kopeck left over
    assert bonuses.balance_of(olena.id) == 0
    row = next(r for r in referral.codes_of(olena.id) if r.code == code)
    assert (row.bonus, row.reversed) == (16377, 16377)
    assert ledger.check_account(ledger.find_account(Kind.BONUS, "customer", olena.id)).ok


def test_a_bonus_spent_before_the_return_stays_as_a_debt(
    staff, shop, shift, clock, olena, friend
) -> None:
    code = campaign(staff, clock, olena).codes[0]
    receipt = friend_buys(staff, shop, shift, clock, friend, code, [shop.dress_code])
    bonuses.write_off(olena.id, None, "spent", by=staff["manager"], clock=clock)
    give_back(staff, shift, clock, receipt)
    assert bonuses.balance_of(olena.id) == -5000
    assert ledger.check_account(ledger.find_account(Kind.BONUS, "customer", olena.id)).ok


def test_a_code_in_a_scripted_sale(staff, shop, shift, clock, olena, friend) -> None:
    """``torgtui sell`` and ``price`` put "codes" into the basket as they are: the same path."""
    code = campaign(staff, clock, olena).codes[0]
    basket = Basket(customer_id=friend.id, codes=[code])
    reg = register(staff, shop, clock)
    reg.enter(shop.dress_code)
    basket.lines = reg.basket.lines
    receipt = commit_sale(
        basket,
        [Tender("card", 112500)],
        uuid="6f1c1a5e-0000-4000-8000-000000000001",
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    assert ReferralCode.get(ReferralCode.code == code).receipt_id == receipt.id
    assert ReceiptLine.get(ReceiptLine.receipt == receipt.id).total == 112500


# --- two registers, one code, the same moment -------------------------------------------------


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


def test_one_code_from_two_processes_at_once(db, backend, staff, shop, shift, clock, olena) -> None:
    """Five codes; for each, two registers (two processes) pay a friend's receipt with it at the
    same moment: exactly one receipt uses it and one bonus is accrued; the other is refused in
    words, never a raw error."""
    codes = campaign(staff, clock, olena, codes=5).codes
    pairs = []
    n = 0
    for code in codes:
        pair = []
        for who in ("cashier", "senior_cashier"):
            n += 1
            reg = register(staff, shop, clock, who)
            reg.attach_customer(person(f"Friend {n}", f"29000001{n:04d}0"))
            reg.enter(shop.cream_code)
            reg.enter(code)
            pair.append(reg.uuid)
            reg.draft = None
            Draft.update(status="held").where(Draft.uuid == pair[-1]).execute()
        pairs.append((code, pair))
    db.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(
            target=_sell_in_a_process,
            args=(backend, staff["cashier"].id, shift.id, [p[i] for _c, p in pairs], barrier, out),
        )
        for i in (0, 1)
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
        assert f"Referral code {code} was used" in loser[1] or "still to pay" in loser[1], loser
        winner = by_uuid[first] if by_uuid[first][0] == "sold" else by_uuid[second]
        assert ReferralCode.get(ReferralCode.code == code).receipt_id == winner[1]
    entries = [e for e in referral_entries(olena.id) if e[0] == "referral"]
    assert len(entries) == len(pairs) and {e[1] for e in entries} == {5000}


def test_torgtui_price_takes_a_referral_code_in_codes(staff, clock, shop, olena, friend) -> None:
    from torgtui.sales.price_cli import price_basket

    code = campaign(staff, clock, olena).codes[0]
    basket = {
        "lines": [{"sku": "D-1"}],
        "customer": {"card": friend.card},
        "codes": [code],
        "location": "MAIN",
        "at": "2026-11-22T12:00:00",
    }
    result = price_basket(basket)
    assert result["total"] == 112500
    (adj,) = result["lines"][0]["adjustments"]
    assert (adj["step"], adj["rule"], adj["amount"]) == ("referral", code, 12500)
    result = price_basket({**basket, "customer": {"card": olena.card}})
    assert result["total"] == 125000
    assert [r["code"] for r in result["refused"]] == [code]
    assert "nobody can refer themselves" in result["refused"][0]["reason"]
