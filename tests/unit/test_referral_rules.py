"""The rules file's ``[referral_campaign]``: the shop's default terms for a new campaign, imported
by permission and audited, exported canonically, a bad value refused with its line and nothing
written; a campaign made from the defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from torgtui.errors import TorgError
from torgtui.marketing.rules_file import import_rules, read_rules
from torgtui.marketing.rules_referral import ReferralDefaults, group_id_of, load_defaults
from torgtui.marketing.rules_toml import dumps
from torgtui.models import AuditEntry, ProductGroup, Setting

GOOD = """[referral_campaign]
bonus_amount = 10000
bonus_max = 15000
bonus_percent = 7.5
bonus_rule = "percent_max"
codes = 5
friend_percent = 15
group = "Care"
min_purchase = 50000
valid_days = 30
"""


def load(tmp_path: Path, text: str, staff, clock):
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return import_rules(read_rules(str(path)), employee=staff["manager"], clock=clock)


def test_defaults_round_trip_through_the_rules_file(db, staff, clock, tmp_path) -> None:
    care = ProductGroup.create(name="Care", path="Care")
    assert "referral_campaign" not in dumps()  # never set: the export stays as it was
    assert load_defaults() == ReferralDefaults()
    report = load(tmp_path, GOOD, staff, clock)
    assert report.created == {"referral_campaign": ["referral_campaign"]}
    got = load_defaults()
    assert (got.bonus_rule, got.bonus_percent, got.bonus_max, got.group, got.codes) == (
        "percent_max",
        Decimal("7.5"),
        15000,
        "Care",
        5,
    )
    assert GOOD in dumps()
    again = load(tmp_path, dumps(), staff, clock)
    assert not again.any
    terms = got.terms(dt.date(2026, 11, 22), group_id=group_id_of(got.group))
    assert (terms.group_id, terms.valid_days, terms.friend_percent) == (care.id, 30, Decimal(15))
    assert AuditEntry.select().where(AuditEntry.action == "referral.defaults").count() == 1


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ('bonus_rule = "double"', "The bonus rule is one of fixed, percent, percent_max"),
        ("friend_percent = 120", "The friend's discount is more than 0 and at most 100"),
        ('group = "Nowhere"', "There is no product group 'Nowhere'"),
    ],
)
def test_a_bad_value_is_refused_with_its_line(db, staff, clock, tmp_path, line, match) -> None:
    before = list(Setting.select().tuples())
    with pytest.raises(TorgError, match=match) as caught:
        load(tmp_path, f"[referral_campaign]\nvalid_days = 30\n{line}\n", staff, clock)
    assert "rules.toml:3" in caught.value.message
    assert list(Setting.select().tuples()) == before
