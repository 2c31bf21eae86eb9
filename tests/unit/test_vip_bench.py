"""The commit benchmark's loyalty variant runs what it claims: each receipt spends and earns
bonuses and puts a part on a VIP credit account, and the books prove out afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import commit


def test_the_loyalty_variant_charges_bonuses_and_vip(tmp_path: Path, monkeypatch) -> None:
    from torgtui import db
    from torgtui.marketing import bonuses, vip

    monkeypatch.setattr(commit, "LOYALTY_CUSTOMERS", 3)
    url = str(tmp_path / "bench.sqlite")
    commit.build_shop(url, 30, 1, loyalty=True)
    result = commit.run_loop(url, 0, 3, count=6, seconds=None, checkpointer=False, loyalty=True)
    assert result["ok"] == 6 and not result["errors"], result["error_samples"]
    assert all(payments == 3 for _u, _l, payments, _m, _f in result["committed"])
    stored = commit.verify(url, result["committed"])
    assert stored["receipts_lost"] == stored["payments_lost"] == stored["rows_unexpected"] == 0
    assert commit.check_loyalty_books(url) == 0
    db.open_database(url)
    try:
        from torgtui.models import Customer

        for customer in Customer.select():
            state = vip.state_of(customer.id, customer.created_at)
            assert state is not None and state.debt == 2 * commit.ON_ACCOUNT
            spent_and_earned = bonuses.balance_of(customer.id) - 1_000_000
            assert spent_and_earned > -2 * commit.BONUS_SPENT  # bonuses were earned, too
    finally:
        db.database.close()


@pytest.mark.parametrize("loyalty", [False, True])
def test_tenders_by_variant(loyalty: bool) -> None:
    tenders = commit._tenders(100000, loyalty)
    assert sum(t.amount for t in tenders) == 100000
    assert [t.kind for t in tenders] == (["bonus", "credit", "card"] if loyalty else ["card"])
