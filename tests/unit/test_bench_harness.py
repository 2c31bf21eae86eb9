"""The benchmarks' own checks (not timings): goals decide the exit status, and the commit
benchmark's count of stored rows notices a receipt or a row that is missing."""

from __future__ import annotations

from pathlib import Path

from bench import commit
from bench.goals import Goal, exit_status
from torgtui import db as dbmod


def test_goals_decide_the_exit_status() -> None:
    met = Goal("p95", 4.0, 5.0)
    missed = Goal("receipts per second", 250.0, 300.0, unit="/s", at_least=True)
    assert met.met and not missed.met
    assert not Goal("p95", float("nan"), 5.0).met  # no samples is not a pass
    assert "MISSED" in missed.line() and "met" in met.line()
    assert exit_status([met, missed], strict=False) == 0
    assert exit_status([met, missed], strict=True) == 1
    assert exit_status([met], strict=True) == 0
    assert exit_status([met], strict=False, broken=True) == 1


def test_commit_benchmark_counts_every_row_it_reported(tmp_path: Path) -> None:
    url = str(tmp_path / "bench.sqlite")
    commit.build_shop(url, 30, 1)
    result = commit.run_loop(url, 0, 3, count=4, seconds=None, checkpointer=False)
    assert result["ok"] == 4 and result["errors"] == {}
    reported = result["committed"]
    clean = commit.verify(url, reported)
    assert clean["receipts_stored"] == 4 and clean["duplicate_numbers"] == 0
    assert all(v == 0 for k, v in clean.items() if k.endswith(("_lost", "_extra", "_unexpected")))

    dbmod.open_database(url)
    first, second = (u for u, *_rest in reported[:2])
    of_receipt = '"receipt_id" = (SELECT "id" FROM "receipt" WHERE "uuid" = ?)'
    dbmod.database.execute_sql(f'DELETE FROM "payment" WHERE {of_receipt}', (first,))
    dbmod.database.execute_sql(f'DELETE FROM "fiscal_job" WHERE {of_receipt}', (second,))
    dbmod.database.close()
    broken = commit.verify(url, reported)
    assert (broken["payments_lost"], broken["fiscal_jobs_lost"]) == (1, 1)
    never_reported = commit.verify(url, reported[1:])
    assert never_reported["receipts_extra"] == 1
    lost = commit.verify(url, [*reported, ("00000000-0000-4000-8000-000000000000", 3, 1, 3, 1)])
    assert (lost["receipts_lost"], lost["lines_lost"], lost["stock_movements_lost"]) == (1, 3, 3)
