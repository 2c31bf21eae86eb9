"""Refer a Friend's boundaries take anything without a traceback and write nothing when they
refuse: the campaign's terms (any values of any type), and the register's code field (any text
that looks or nearly looks like a referral code)."""

from __future__ import annotations

import contextlib
import datetime as dt
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
