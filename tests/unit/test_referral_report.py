"""Refer a Friend on paper, in the clipboard and in the reports: labels (TSPL, PDF) and the copied
text hold only the unused codes; OSC 52 carries the text; over SSH the copy is also a file; the
bonus movement names each accrual's source and the Refer a Friend tab sums what the codes
brought."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest

from tests.unit import codes_shop
from tests.unit.codes_shop import give_back, pay, person, register
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import referral, referral_print, referral_report
from torgtui.marketing.referral import CampaignTerms
from torgtui.models import AuditEntry

shift = codes_shop.shift  # fixture
DAY = dt.date(2026, 11, 22)


@pytest.fixture
def sold(staff, shop, shift, clock):
    """Олена's campaign of three codes; Ірина bought a dress and a cream with the first."""
    olena = person("Олена Referrer", "2900000000013")
    friend = person("Ірина Friend", "2900000000020")
    made = referral.create_campaign(
        olena.id,
        CampaignTerms(
            issued_on=dt.date(2026, 11, 1),
            valid_days=60,
            friend_percent=Decimal(10),
            bonus_rule="percent_max",
            bonus_percent=Decimal(5),
            bonus_max=10000,
            codes=3,
        ),
        by=staff["manager"],
        clock=clock,
    )
    reg = register(staff, shop, clock)
    reg.attach_customer(friend)
    reg.enter(shop.dress_code)
    reg.enter(shop.cream_code)
    reg.enter(made.codes[0])
    receipt = pay(staff, shift, clock, reg)
    return olena, friend, made, receipt


def test_labels_and_copies_hold_the_unused_codes(staff, clock, sold, tmp_path) -> None:
    olena, _friend, made, _receipt = sold
    unused = list(made.codes[1:])
    tspl = referral_print.label_bytes(olena.id, by=staff["senior_cashier"], clock=clock)
    assert [c for c in made.codes if c.encode() in tspl] == unused
    assert b"Refer a Friend -10%" in tspl
    zpl = referral_print.label_bytes(olena.id, by=staff["manager"], language="zpl", clock=clock)
    assert zpl.startswith(b"^XA") and unused[0].encode() in zpl
    pages = referral_print.labels_pdf(
        olena.id, tmp_path / "codes.pdf", by=staff["manager"], clock=clock
    )
    assert pages == 1 and (tmp_path / "codes.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(ValidationError, match="Some codes are used"):
        referral_print.label_bytes(olena.id, by=staff["manager"], codes=[made.codes[0]])
    with pytest.raises(PermissionDenied):
        referral_print.copy_text(olena.id, by=staff["cashier"])
    text = referral_print.copy_text(olena.id, by=staff["manager"], clock=clock)
    assert text.splitlines()[1:] == unused
    assert "codes of Олена Referrer for friends (valid until 30.12.2026)" in text
    seq = referral_print.osc52(text)
    assert seq.startswith("\x1b]52;c;") and seq.endswith("\a")
    assert base64.b64decode(seq[7:-1]).decode() == text
    saved = referral_print.save_copy(text, olena.id, folder=tmp_path / "copies")
    assert saved.read_text(encoding="utf-8") == text
    assert referral_print.over_ssh({"SSH_CONNECTION": "10.0.0.2 5000 10.0.0.1 22"})
    assert not referral_print.over_ssh({})
    audited = [
        e.action for e in AuditEntry.select().where(AuditEntry.action.startswith("referral."))
    ]
    assert audited == [
        "referral.campaign",
        "referral.labels",
        "referral.labels",
        "referral.labels",
        "referral.copy",
    ]
    assert all(c not in (e.after or "") for e in AuditEntry.select() for c in made.codes)


def test_the_bonus_movement_names_the_source_and_the_tab_sums(staff, shift, clock, sold) -> None:
    olena, friend, made, receipt = sold
    # dress 1 125.00 + cream 170.91 = 1 295.91; 5% = 64.80 (64.7955), under the 100.00 maximum
    give_back(staff, shift, clock, receipt, {"C-1": 1000})
    moves = referral_report.bonus_movement(DAY, DAY, by=staff["manager"], customer_id=olena.id)
    assert [(m.kind, m.amount) for m in moves] == [("referral_back", -855), ("referral", 6480)]
    assert moves[1].source == (
        f"Refer a Friend: code {made.codes[0]}, purchase of Ірина Friend (receipt {receipt.number})"
    )
    assert moves[0].source.startswith("Refer a Friend: return of Ірина Friend's purchase")
    tab = referral_report.referral_tab(DAY, DAY, by=staff["manager"])
    assert (tab.friends, tab.purchases, tab.bonuses) == (1, 129591, 6480 - 855)
    (row,) = tab.rows
    assert (row.referrer, row.friend, row.code, row.reversed) == (
        "Олена Referrer",
        "Ірина Friend",
        made.codes[0],
        855,
    )
    assert (
        referral_report.referral_tab(DAY, DAY, by=staff["manager"], referrer_id=friend.id).rows
        == []
    )
    with pytest.raises(PermissionDenied):
        referral_report.referral_tab(DAY, DAY, by=staff["cashier"])


def test_customer_show_lists_the_codes_and_who_brought_whom(staff, clock, sold) -> None:
    from torgtui.customers.show import as_text, show

    olena, friend, made, _receipt = sold
    shown = show(olena, by=None, at=clock())
    first, *rest = shown["referral"]["codes"]
    assert (first["code"], first["state"], first["friend"], first["bonus"]) == (
        made.codes[0],
        "paid",
        "Ірина Friend (2900000000020)",
        6480,
    )
    assert [c["state"] for c in rest] == ["unused", "unused"]
    text = as_text(shown)
    assert "Refer a Friend: 3 codes, 1 paid, bonuses 64.80 ₴" in text
    assert f"{made.codes[1]} unused, valid until 2026-12-30" in text
    assert show(friend, by=None, at=clock())["referral"]["referred_by"] == {
        "code": made.codes[0],
        "referrer": "Олена Referrer",
    }
