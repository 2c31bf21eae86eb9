"""``bench scan --promotions`` measures what it claims: its shop holds the promotions bench's 200
active promotions, and a receipt of the goods it scans gets exactly the 20 that apply (the card
holders' one only with the bonus card), whatever the time of day of the run."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from bench import pricing, promotions, scan


def _open_receipt(path: str, units: int, with_card: bool) -> None:
    """An open draft of the first 20 goods scanned, ``units`` of each (as the register saves
    it), with the bonus customer attached or not."""
    from torgtui import db
    from torgtui.models import Customer, Draft, Employee, Product
    from torgtui.sales.basket import Basket, BasketLine
    from torgtui.sales.register import basket_to_json

    db.open_database(path)
    ids = [pid for (pid,) in Product.select(Product.id).order_by(Product.id).limit(20).tuples()]
    customer = Customer.get(Customer.card == scan.BONUS_CARD).id if with_card else None
    basket = Basket([BasketLine(pid, "", "", units * 1000, 0) for pid in ids], customer_id=customer)
    now = dt.datetime.now()
    with db.write_tx():
        Draft.create(
            uuid=str(uuid.uuid4()),
            employee=Employee.get().id,
            register=scan.REGISTER,
            data=basket_to_json(basket),
            created_at=now,
            updated_at=now,
        )
    db.database.close()


@pytest.mark.parametrize("with_card", [True, False])
def test_scanned_goods_get_their_twenty_promotions(tmp_path: Path, with_card: bool) -> None:
    path = str(tmp_path / "scan.sqlite")
    codes = scan.build_shop(path, 30, bonus_customer=with_card, promotions=20)
    assert len(codes) == 30  # the 120 goods that carry other promotions are never scanned
    _open_receipt(path, 3, with_card)
    applied = scan.applied_promotions(path)
    expected = {"CHEAPEST", "B2G1-9", "HALF6", "EXCL5", "BEST14", "TOTAL", "HAPPY", "FIXED"}
    assert expected <= set(applied)
    assert len(applied) == (20 if with_card else 19)
    assert ("BONUS" in applied) is with_card


@pytest.mark.parametrize("hour, minute", [(0, 10), (16, 30), (23, 40)])
def test_hours_follow_the_time_of_the_run(tmp_path: Path, hour: int, minute: int) -> None:
    """The happy hours hold the run's time and the evening ones do not, at any hour (a window
    over midnight would be refused by the service)."""
    url = str(tmp_path / "bench.sqlite")
    ids = pricing.build_shop(url, 1000)
    at = dt.datetime(2026, 12, 2, hour, minute)
    saved = promotions.add_promotions(url, ids["first"], 20, at=at)
    assert saved == {"applying": 20, "other": 180}
    from torgtui import db
    from torgtui.marketing.promotions import store
    from torgtui.marketing.promotions.engine import Rule, TargetSet
    from torgtui.models.promotions import Promotion

    db.open_database(url)
    by_code = {
        d.code: Rule(row.id, d, TargetSet.of(d.targets), None)
        for row, d in store.read(Promotion.select())
    }
    db.database.close()
    assert by_code["HAPPY"].in_force(at, None)
    assert not by_code["EVENING0"].in_force(at, None)
    assert not by_code["ENDED0"].in_force(at, None)
