"""The demo's Refer a Friend (torgtui.demo_referral, SQLite only): three campaigns, five friends'
first purchases with their codes, the referrers' bonuses on the ledger proving out, one return
reversing its share, and receipt numbers still in the order of time."""

from __future__ import annotations

import datetime as dt

from torgtui import db as dbmod
from torgtui.demo import build_demo
from torgtui.marketing import ledger, referral
from torgtui.models import Receipt
from torgtui.models.referral import ReferralCampaign, ReferralCode

TODAY = dt.date(2026, 11, 22)


def test_the_demo_campaigns_and_their_friends(tmp_path) -> None:
    url = str(tmp_path / "demo.sqlite")
    build_demo(url, customers=50, months=1, today=TODAY, seed=7)  # as test_demo: with it
    dbmod.open_and_upgrade(url)
    try:
        assert ReferralCampaign.select().count() == 3
        used = list(ReferralCode.select().where(ReferralCode.used_at.is_null(False)))
        assert len(used) == 5 and ReferralCode.select().count() == 9
        assert all(u.bonus > 0 and u.purchase > 0 for u in used)
        back = referral.reversed_by_code([u.id for u in used])
        assert len(back) == 1 and 0 < next(iter(back.values())) < used[0].bonus
        for referrer in {u.referrer_id for u in used}:
            account = ledger.find_account(ledger.Kind.BONUS, "customer", referrer)
            assert ledger.check_account(account).ok
        # the friends' purchases come after the history, numbered in the order of time
        receipts = sorted(
            Receipt.select().where(Receipt.id.in_([u.receipt_id for u in used])),
            key=lambda r: (r.created_at, r.id),
        )
        assert [r.number for r in receipts] == sorted(r.number for r in receipts)
    finally:
        dbmod.database.close()
