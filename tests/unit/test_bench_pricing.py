"""The pricing benchmark measures what it claims: every step of the price policy and the card
applies to its basket, and the same basket always prices to the same total."""

from __future__ import annotations

from pathlib import Path

from bench import pricing


def test_every_step_applies_to_the_benchmark_basket(tmp_path: Path) -> None:
    url = str(tmp_path / "bench.sqlite")
    ids = pricing.build_shop(url, 1000)
    result = pricing.run(url, ids, 20, runs=3, warmup=1)
    assert result["missing_steps"] == []
    assert result["steps_used"] == ["card", "manufacturer", "price_type", "qty_breaks"]
    assert len(result["totals_seen"]) == 1 and result["total"] < result["subtotal"]
    assert len(result["latencies"]) == 3
