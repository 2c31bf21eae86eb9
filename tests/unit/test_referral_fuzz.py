"""Refer a Friend's boundaries take anything without a traceback and write nothing when they
refuse: the campaign's terms (any values of any type), and the register's code field (any text
that looks or nearly looks like a referral code)."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.codes_shop import person, register
from torgtui.errors import TorgError
from torgtui.marketing import referral
from torgtui.marketing.referral import CampaignTerms
from torgtui.models import AuditEntry, Customer
from torgtui.models.referral import ReferralCampaign, ReferralCode

ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.floats(),
    st.text(max_size=30),
    st.dates(),
)
_runs = itertools.count(1)
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    issued=st.one_of(st.dates(), ANY),
    days=ANY,
    friend=ANY,
    rule=st.one_of(st.sampled_from(["fixed", "percent", "percent_max"]), ANY),
    amount=ANY,
    percent=ANY,
    most=ANY,
    least=ANY,
    group=ANY,
    codes=ANY,
)
def test_any_terms_make_a_campaign_or_a_refusal(
    db, staff, clock, issued, days, friend, rule, amount, percent, most, least, group, codes
) -> None:
    who = Customer.get_or_none(Customer.card == "2900000000013") or person("Олена", "2900000000013")
    customer_id = who.id
    before = (ReferralCampaign.select().count(), ReferralCode.select().count())
    audits = AuditEntry.select().count()
    terms = CampaignTerms(issued, days, friend, rule, amount, percent, most, least, group, codes)
    try:
        made = referral.create_campaign(customer_id, terms, by=staff["manager"], clock=clock)
    except TorgError:
        assert (ReferralCampaign.select().count(), ReferralCode.select().count()) == before
        assert AuditEntry.select().count() == audits
    else:
        assert 1 <= len(made.codes) <= referral.MAX_CODES
        assert made.friend_percent > 0 and made.valid_days >= 1


@FUZZ
@given(
    text=st.one_of(
        st.text(max_size=40),
        st.from_regex(r"\A[rRфF][fFфF]-?[A-Za-z0-9а-яА-Я]{6,10}\Z"),
    )
)
def test_the_code_field_never_breaks(db, staff, shop, clock, text) -> None:
    if not ReferralCampaign.select().exists():
        owner = Customer.get_or_none(Customer.card == "2900000000013") or person(
            "Олена", "2900000000013"
        )
        terms = CampaignTerms(dt.date(2026, 11, 1), 30, Decimal(10), "fixed", bonus_amount=100)
        referral.create_campaign(owner.id, terms, by=staff["manager"], clock=clock)
    reg = register(staff, shop, clock)
    with contextlib.suppress(TorgError):
        reg.enter(text)
    assert all(c.startswith("RF-") is False for c in reg.basket.codes)  # no customer: refused
    reg.forget()


STEPS = st.lists(
    st.tuples(st.sampled_from(["buy", "return"]), st.integers(0, 3), st.integers(1, 3)),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rule=st.sampled_from(["fixed", "percent", "percent_max"]), steps=STEPS)
def test_any_sequence_keeps_codes_once_and_the_ledger_whole(
    db, staff, shop, clock, rule, steps
) -> None:
    """Friends buy with the codes (some twice), bring things back in any amounts: each code is
    used at most once, the referrer's referral entries are the codes' bonuses less what returns
    took, no reversal exceeds its bonus, and the bonus account proves out."""
    from tests.unit.codes_shop import give_back, pay
    from torgtui.marketing import ledger
    from torgtui.models import ReceiptLine
    from torgtui.sales.shifts import open_shift

    run = next(_runs)
    referrer = person(f"R{run}", f"29{run:05d}00010")
    shift = open_shift(staff["cashier"], f"till-{run}", shop.location, 0, clock=clock)
    terms = CampaignTerms(
        dt.date(2026, 11, 1), 30, Decimal(10), rule, bonus_amount=3000,
        bonus_percent=Decimal("7.5"), bonus_max=4000, codes=3,
    )  # fmt: skip
    made = referral.create_campaign(referrer.id, terms, by=staff["manager"], clock=clock)
    sold: list = []
    for n, (op, which, qty) in enumerate(steps):
        if op == "buy":
            friend = person(f"F{run}-{n}", f"29{run:05d}{n + 1:04d}1")
            reg = register(staff, shop, clock)
            reg.attach_customer(friend)
            reg.enter(f"{qty}*{shop.cream_code}")
            with contextlib.suppress(TorgError):
                reg.enter(made.codes[which % 3])
            sold.append(pay(staff, shift, clock, reg))
        elif sold:
            receipt = sold[which % len(sold)]
            line = ReceiptLine.get(ReceiptLine.receipt == receipt.id)
            left = line.qty - sum(
                b.qty for b in ReceiptLine.select().where(ReceiptLine.original_line == line.id)
            )
            if left > 0:
                give_back(staff, shift, clock, receipt, {"C-1": min(left, qty * 1000)})
    rows = list(ReferralCode.select().where(ReferralCode.referrer == referrer.id))
    used = [r for r in rows if r.used_at is not None]
    assert len({r.receipt_id for r in used}) == len(used)
    back = referral.reversed_by_code([r.id for r in used])
    assert all(0 <= back.get(r.id, 0) <= r.bonus for r in used)
    account = ledger.find_account(ledger.Kind.BONUS, "customer", referrer.id)
    assert ledger.balance(account) == sum(r.bonus - back.get(r.id, 0) for r in used)
    if account is not None:
        assert ledger.check_account(account).ok
