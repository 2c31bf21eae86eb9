"""``bench till`` (issue 11) reports what it claims: a tiny run in a real pty rings up two sales
(card, two entries, then F12 and Enter, or End) and reports every step's figures with the
goals, checked against the receipts in the database; the goals decide ``--strict``'s exit
status."""

from __future__ import annotations

import json
import math
from pathlib import Path

from bench import scan, till
from bench.goals import exit_status


def test_a_tiny_run_reports_every_step(tmp_path: Path) -> None:
    out = tmp_path / "till.json"
    assert till.main(["--sales", "2", "--warmup", "0", "--pause", "0", "--output", str(out)]) == 0
    result = json.loads(out.read_text())
    assert (result["sales"], result["entries"], result["receipts"]) == (2, 4, 2)
    assert result["broken"] == []
    keys = ("entry_first_ms", "entry_settled_ms", "dialog_settled_ms", "paid_ms", "sale_ms")
    keys += ("panel_paid_ms", "panel_paid_settled_ms", "end_paid_ms", "end_paid_settled_ms")
    for key in (*keys, "panel_sale_ms"):
        figures = result[key]
        assert set(figures) == {"n", "p50", "p95", "max"}
        assert 0 < figures["p50"] <= figures["max"] < 15_000, key
    entry = result["entry_settled_ms"]
    assert entry["n"] == 4 and result["entry_first_ms"]["max"] <= entry["max"]
    assert result["paid_ms"]["n"] == 2  # one sale paid each way
    assert result["panel_paid_ms"]["n"] == result["end_paid_ms"]["n"] == 1
    assert result["panel_paid_ms"]["max"] <= result["panel_paid_settled_ms"]["max"]
    assert result["end_paid_ms"]["max"] <= result["end_paid_settled_ms"]["max"]
    assert result["entry_bytes"]["p50"] > 0
    assert [g["name"] for g in result["goals"]] == [
        "entry settled: p50",
        "entry settled: p95",
        "pay -> paid: p50",
        "pay -> paid: p95",
        "pay -> paid: max",
        "whole 2-item sale (End): p50",
        "bytes per entry: median",
    ]
    assert result["machine"]["load_average"]


def _figures(ms: float, size: float) -> dict[str, dict[str, float]]:
    one = {"n": 1, "p50": ms, "p95": ms, "max": ms}
    return {
        "entry_settled_ms": one,
        "paid_ms": one,
        "sale_ms": one,
        "entry_bytes": {"n": 1, "p50": size, "p95": size, "max": size},
    }


def test_the_goals_decide_strict() -> None:
    met = till.goals_of(_figures(10.0, 600))
    assert all(g.met for g in met) and exit_status(met, strict=True) == 0
    slow = till.goals_of(_figures(30.0, 600))
    missed = {g.name for g in slow if not g.met}
    # 30 ms: within the max and the whole sale's limit, not the rest
    assert missed == {
        "entry settled: p50",
        "entry settled: p95",
        "pay -> paid: p50",
        "pay -> paid: p95",
    }
    assert exit_status(slow, strict=True) == 1 and exit_status(slow, strict=False) == 0
    nothing = till.goals_of(_figures(math.nan, math.nan))
    assert not any(g.met for g in nothing)  # no samples is not a pass


def test_a_sale_missing_from_the_database_is_found(tmp_path: Path) -> None:
    path = str(tmp_path / "till.sqlite")
    codes = scan.build_shop(path, 4, bonus_customer=True)
    wrong = till.check_receipts(path, [(codes[0], codes[1])])
    assert wrong == ["receipt numbers [], 1 sales"]
