"""Preparing a mailing to 100 000 recipients: segment, render, outbox rows.

    python -m bench mailing [--customers 100000] [--holdout 10] [--db PATH|URL] [--keep]
                            [--no-analyze] [--strict] [--output FILE]

The shop: ``--customers`` active cards (Ukrainian names, unique valid phones, four in five in
Ukrainian and the rest in English, one in a hundred with a broken phone, one in fifty opted
out, bonus balances), written with bulk inserts in 50 000-row transactions as bench customers
does, every card agreeing to SMS, and the planner's statistics gathered (ANALYZE; the app
never runs it on a SQLite file: ``--no-analyze`` measures that case). Then a mailing template
in both languages and a mailing to everyone over SMS with a ``--holdout`` % holdout is
started and prepared by
torgtui.marketing.mailings.prepare, with its progress callback; the goal is the issue's
<= 20 s. The run checks its own figures: one outbox row per sent recipient, none for the
holdout, the broken phones and opt-outs counted, and a second prepare writes nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import tempfile
import time
from pathlib import Path

from bench.goals import Goal, exit_status, report

GOAL_S = 20.0
CHUNK = 50_000
OPERATORS = ("67", "68", "96", "97", "98", "50", "66", "95", "99", "63", "73", "93")
NOW = dt.datetime(2026, 11, 22, 12, 0)


def build(url: str, count: int, seed: int = 5, *, analyze: bool = True) -> float:
    """A new database at ``url`` with ``count`` cards (see the module doc); seconds taken."""
    from torgtui import db
    from torgtui.catalog.barcodes import make_ean13
    from torgtui.customers.words import sort_key
    from torgtui.demodata import FEMALE_NAMES, MALE_NAMES, SURNAMES

    db.open_and_upgrade(url, create=True)
    rng = random.Random(seed)
    started = time.perf_counter()
    step = 7_919_113  # coprime with 10**7: every number once per operator
    created = str(NOW - dt.timedelta(days=400))
    for start in range(0, count, CHUNK):
        n = min(CHUNK, count - start)
        customers, consents, accounts, stops = [], [], [], []
        for i in range(start, start + n):
            cid = i + 1
            female = rng.random() < 0.62
            first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
            male_s, female_s = rng.choice(SURNAMES)
            name = f"{first} {female_s if female else male_s}"
            op = OPERATORS[i % len(OPERATORS)]
            phone = f"+380{op}{(i // len(OPERATORS)) * step % 10**7:07d}"
            if i % 100 == 99:
                phone = f"0{i % 1000}"  # a broken phone from an old import
            language = "en" if i % 5 == 4 else "uk"
            customers.append(
                (
                    cid,
                    name,
                    sort_key(name),
                    phone,
                    make_ean13("29", i + 1),
                    "",
                    created,
                    "active",
                    language,
                    "",
                    "",
                    False,
                    0,
                    0,
                    0,
                    "f" if female else "m",
                    "",
                )
            )
            consents.append((cid, "sms", True, created, "card"))
            if i % 3 == 0:
                accounts.append(("bonus", "customer", cid, rng.randrange(1, 500_00), 0, created))
            if i % 50 == 7:
                stops.append((cid, "", "asked at the till", created))
        with db.write_tx():
            _insert(
                "customer",
                ["id", "name", "name_sort", "phone", "card", "email", "created_at", "status",
                 "language", "attention_note", "social", "attention", "total_bought",
                 "total_returned", "receipts_count", "gender", "note"],
                customers,
            )  # fmt: skip
            _insert(
                "customer_consent", ["customer_id", "channel", "granted", "at", "how"], consents
            )
            _insert(
                "ledger_account",
                ["kind", "owner_type", "owner_id", "balance", "floor", "created_at"],
                accounts,
            )
            _insert("stop_list", ["customer_id", "address", "reason", "at"], stops)
    if not db.is_sqlite():
        db.database.execute_sql(
            "SELECT setval(pg_get_serial_sequence('customer', 'id'), "
            "(SELECT MAX(id) FROM customer))"
        )
    if analyze:
        db.database.execute_sql("ANALYZE")
    return time.perf_counter() - started


def _insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    """``db.insert_rows`` in slices PostgreSQL takes (at most 65 535 parameters a statement)."""
    from torgtui import db

    step = 60_000 // len(columns)
    for start in range(0, len(rows), step):
        db.insert_rows(table, columns, rows[start : start + step])


def run(count: int, holdout: str) -> dict:
    from torgtui import staff as st
    from torgtui.channels.templates import save_template
    from torgtui.marketing import mailings as ml
    from torgtui.models import Employee, OutboxMessage

    manager = Employee.create(name="Bench", role=st.Role.MANAGER.value, pin_hash="-",
                              created_at=NOW)  # fmt: skip
    kind = "mailing:Bench"
    save_template(
        kind,
        {"uk": "{first_name}, у вас {bonus_balance} бонусів. Весняний розпродаж у {shop}!",
         "en": "{first_name}, you have {bonus_balance} in bonuses. Spring sale at {shop}!"},
        by=manager,
        clock=lambda: NOW,
    )  # fmt: skip
    mailing = ml.create_mailing(
        ml.MailingData("Bench", kind, holdout_percent=holdout), by=manager, clock=lambda: NOW
    )
    ml.start(mailing.id, by=manager, clock=lambda: NOW)
    ticks: list[tuple[float, int, int]] = []
    t0 = time.perf_counter()

    def progress(done: int, total: int) -> None:
        ticks.append((time.perf_counter() - t0, done, total))

    prepared = ml.prepare(mailing.id, clock=lambda: NOW, progress=progress, shop="Квітка")
    seconds = time.perf_counter() - t0
    rows = OutboxMessage.select().where(OutboxMessage.mailing_id == mailing.id).count()
    again = ml.prepare(mailing.id, clock=lambda: NOW)
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(ticks)]
    broken = []
    if rows != prepared.sent or prepared.written != rows:
        broken.append(f"{rows} outbox rows for {prepared.sent} recipients")
    if prepared.sent + prepared.holdout + sum(prepared.skipped.values()) != count:
        broken.append("the groups do not add up to the segment")
    if again.written:
        broken.append(f"a second prepare wrote {again.written} rows")
    if not ticks or ticks[-1][1:] != (count, count):
        broken.append("the progress did not reach the total")
    return {
        "customers": count,
        "prepare_s": seconds,
        "rows_per_s": rows / seconds if seconds else 0.0,
        "outbox_rows": rows,
        "sent": prepared.sent,
        "holdout": prepared.holdout,
        "skipped": prepared.skipped,
        "progress_updates": len(ticks),
        "longest_gap_between_updates_s": max(gaps, default=0.0),
        "second_prepare_written": again.written,
        "broken": broken,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench mailing")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--holdout", default="10", help="holdout percentage (default 10)")
    parser.add_argument("--db", help="database file or URL to build (default: a temp file)")
    parser.add_argument("--keep", action="store_true", help="keep the temp database")
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="leave the planner without statistics, as the app leaves a SQLite file",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when the goal is missed")
    parser.add_argument("--output")
    args = parser.parse_args(argv)
    tmp = tempfile.mkdtemp()
    url = args.db or str(Path(tmp) / "mailing.sqlite")
    built = build(url, args.customers, analyze=not args.no_analyze)
    print(f"built {args.customers:,} customers in {built:.1f} s: {url}")
    results = {"build_s": built, **run(args.customers, args.holdout)}
    print(
        f"  prepared {results['outbox_rows']:,} outbox rows in {results['prepare_s']:.1f} s "
        f"({results['rows_per_s']:,.0f}/s); holdout {results['holdout']:,}; skipped "
        f"{results['skipped']}; {results['progress_updates']} progress updates, at most "
        f"{results['longest_gap_between_updates_s']:.2f} s apart"
    )
    for problem in results["broken"]:
        print(f"  BROKEN: {problem}")
    goal = GOAL_S * args.customers / 100_000 if args.customers != 100_000 else GOAL_S
    if args.customers != 100_000:
        print("  (not 100 000 recipients: the goal is scaled to the count)")
    goals = [Goal("prepare a mailing (segment, render, outbox)", results["prepare_s"], goal,
                  unit="s")]  # fmt: skip
    report(goals)
    results["goals"] = [g.as_dict() for g in goals]
    out = Path(args.output or f"bench/results/mailing-{time.strftime('%Y%m%d-%H%M%S')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    if not args.keep and not args.db:
        for f in Path(tmp).glob("*"):
            f.unlink()
    return exit_status(goals, strict=args.strict, broken=bool(results["broken"]))
