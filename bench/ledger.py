"""The loyalty ledger with a long history: a customer whose bonus account has ``--entries``
entries (earnings, spends, expiries), and the reads and writes a register does with it.

    python -m bench ledger [--entries 10000] [--runs 2000] [--strict] [--db URL]

Timed in-process (``time.perf_counter``), after the history is written through the ledger
itself (every entry posted by ``ledger.post``, so the open items and matches are real):

* ``balance``: the card's balance (what the register and the customer card show);
* ``spendable``: what can be spent now (unexpired credits);
* ``summary``: balance, buckets with expiry and the soonest lapse (the customer card);
* ``spend``: a spend of 1.00 settling the oldest credit, in a write transaction (rolled back,
  so every run sees the same history).

The caches are checked against the entries at the end (``ledger.check_account``): a fast
figure over a wrong balance would mean nothing.

Goal (issue 8): the balance of a customer with 10 000 ledger entries <= 5 ms (p95).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path

from bench.commit import pct
from bench.goals import Goal, exit_status, report
from bench.startup import machine

GOALS = {"balance_p95_ms": 5.0}
T0 = dt.datetime(2025, 1, 1, 10, 0)


class Rollback(Exception):
    """Raised to undo a timed write."""


def build(url: str, entries: int) -> int:
    from torgtui import db
    from torgtui.marketing import ledger

    db.open_and_upgrade(url, create=True)
    account = ledger.account(ledger.Kind.BONUS, "customer", 1, now=T0)
    written = 0
    day = 0
    with db.write_tx():
        while written < entries:
            now = T0 + dt.timedelta(hours=day)
            ledger.post(account, 500, "earn", now=now, expires_at=now + dt.timedelta(days=365))
            written += 1
            if written % 3 == 0:
                ledger.post(account, -700, "spend", now=now, keep_open=False)
                written += 1
            day += 1
    return account


def timed(runs: int, call) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)  # seconds: pct() gives ms
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ledger")
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--db", help="postgresql://... (default: a new SQLite file)")
    parser.add_argument("--strict", action="store_true")
    args = parser.parse_args(argv)

    from torgtui import db
    from torgtui.marketing import bonuses, ledger

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or str(Path(tmp) / "ledger.sqlite")
        started = time.perf_counter()
        account = build(url, args.entries)
        built_s = time.perf_counter() - started
        now = T0 + dt.timedelta(days=400)

        def spend() -> None:
            try:
                with db.write_tx():
                    ledger.post(account, -100, "spend", now=T0, keep_open=False)
                    raise Rollback
            except Rollback:
                pass

        figures = {
            "balance": timed(args.runs, lambda: ledger.balance(account)),
            "spendable": timed(args.runs, lambda: ledger.spendable(account, T0)),
            "summary": timed(args.runs // 4, lambda: bonuses.summary(1, T0)),
            "spend": timed(args.runs // 4, spend),
        }
        check = ledger.check_account(account)
        entries = db.database.execute_sql(
            'SELECT COUNT(*) FROM "ledger_entry" WHERE "account_id" = ' + str(account)
        ).fetchone()[0]
        del now
    print(f"ledger: {entries} entries on one account (built in {built_s:.1f} s)")
    for name, values in figures.items():
        print(
            f"  {name:<10} p50 {pct(values, 50):6.3f} ms   p95 {pct(values, 95):6.3f} ms   "
            f"max {max(values) * 1000:6.3f} ms   ({len(values)} runs)"
        )
    if not check.ok:
        print("caches do not match the entries:", check.problems)
        return 1
    goals = [
        Goal("balance p95 (10 000 entries)", pct(figures["balance"], 95), GOALS["balance_p95_ms"])
    ]
    met = report(goals)
    out = Path(__file__).with_name("results")
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / f"ledger-{stamp}.json").write_text(
        json.dumps(
            {
                "entries": entries,
                "figures": figures,
                "goals": [g.as_dict() for g in goals],
                "machine": machine(),
                "pid": os.getpid(),
            }
        )
    )
    del met  # report() printed it; exit_status decides from the goals
    return exit_status(goals, strict=args.strict)
