"""The promotions benchmark measures what it claims: of its 200 active promotions exactly 20
apply to its basket, every mechanic among them, and the same basket always prices the same."""

from __future__ import annotations

from pathlib import Path

from bench import pricing, promotions


def test_twenty_of_two_hundred_promotions_apply(tmp_path: Path) -> None:
    url = str(tmp_path / "bench.sqlite")
    ids = pricing.build_shop(url, 1000)
    saved = promotions.add_promotions(url, ids["first"], 20)
    assert saved == {"applying": 20, "other": 180}
    result = promotions.run(url, ids, 20, runs=3, warmup=1)
    assert len(result["applied"]) == 20 and result["applied_counts_seen"] == [20]
    assert {"CHEAPEST", "B2G1-9", "HALF6", "EXCL5", "BEST14", "TOTAL", "BONUS", "HAPPY"} <= set(
        result["applied"]
    )
    assert len(result["totals_seen"]) == 1 and result["promotion_discount"] > 0
    assert result["bonus_earned"] > 0
