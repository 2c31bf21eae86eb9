"""The backtest of one promotion over real past receipts (issue 9, section 6).

    python -m bench backtest [--lines 1000000] [--weeks 8] [--db PATH] [--keep] [--strict]

The shop is built in a new SQLite file in a temporary folder (or ``--db``, kept with
``--keep``): 5 000 products in groups two levels deep from ten manufacturers, 20 000
customers of whom a third hold a 5% discount card, and ``--lines`` receipt lines over
``--weeks`` + 1 weeks ending yesterday, bulk-inserted as torgtui.demo does (ids computed here,
secondary indexes built once at the end). The receipts look like a shop's: 1 to 6 lines
(2.4 on average) of goods chosen by popularity (a few sell much more than most), one or two
units, a weighed product now and then; 40% have a customer, whose card's 5% is on every line;
in the last three weeks a running promotion ("OTHER", 10% off one top group, saved through the
service) is on its lines, so the backtest meets receipts where another promotion applied.

Then ``torgtui.marketing.promotions.backtest.backtest`` of a new promotion, 15% off everything
of one manufacturer (about 10% of the products), over the last ``--weeks`` weeks, with a
progress callback (it must fire, and end at its total) -- timed from the call to its return,
on a connection opened for it (a cold page cache is the OS's business: the file was just
written). The figures it reports are printed with the time.

Goal (issue 9): a backtest of one promotion over 8 weeks of a shop with 1 000 000 receipt
lines <= 3 s, with a progress bar.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from bench.goals import Goal, exit_status, report
from bench.startup import machine

GOALS = {"backtest_s": 3.0}
TODAY = dt.date(2026, 11, 22)
PRODUCTS = 5000
CUSTOMERS = 20_000
LINE_COUNTS, LINE_WEIGHTS = (1, 2, 3, 4, 5, 6), (34, 26, 18, 11, 7, 4)
CARD_BP = 500  # the discount card's 5%
OTHER_BP = 1000  # the running promotion's 10%
CHUNK = 50_000


def _drop_indexes(tables: tuple[str, ...]) -> list[str]:
    """Drop the secondary indexes of ``tables`` (a bulk load builds each once at the end);
    returns the statements that make them again. SQLite only."""
    from torgtui import db

    db.database.execute_sql("PRAGMA cache_size = -262144")
    marks = ", ".join("?" * len(tables))
    rows = db.database.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND "
        f"tbl_name IN ({marks})",
        tables,
    ).fetchall()
    for name, _sql in rows:
        db.database.execute_sql(f'DROP INDEX "{name}"')
    return [statement for _name, statement in rows]


def _round(value: int) -> int:
    """``value`` thousandths of a kopeck to kopecks, half up (torgtui.money's rule)."""
    return (value + 500) // 1000


def build_shop(url: str, lines: int, weeks: int, seed: int = 5) -> dict[str, object]:
    """The shop described in the module doc; returns what the run needs and what was made."""
    from torgtui import db
    from torgtui.marketing.cards import CardTypeData, save_card_type
    from torgtui.marketing.promotions import PromotionData, Target, save_promotion
    from torgtui.models import Employee, Location, Manufacturer, ProductGroup
    from torgtui.staff import Role, create_employee

    started = time.perf_counter()
    db.open_and_upgrade(url, create=True)
    rng = random.Random(seed)
    setup = dt.datetime.combine(TODAY - dt.timedelta(days=7 * (weeks + 2)), dt.time(8))
    with db.write_tx():
        location = Location.create(code="MAIN", name="Bench")
        cashier = create_employee(
            "Каса", Role.CASHIER, "3333", by=None, clock=lambda: setup, system=True
        )
        tops, subs = [], []
        for g in range(5):
            top = ProductGroup.create(name=f"Група {g}", path=f"Група {g}")
            tops.append(top.id)
            for s in range(4):
                sub = ProductGroup.create(
                    name=f"Підгрупа {s}", parent=top.id, path=f"Група {g}/Підгрупа {s}"
                )
                subs.append(sub.id)
        makers = [Manufacturer.create(name=f"Виробник {m}").id for m in range(10)]
    owner = Employee.get_by_id(cashier.id)
    del owner
    items = []  # (id, price, cost, weighed, group, top, maker)
    rows = []
    for i in range(PRODUCTS):
        weighed = i % 97 == 0
        price = 5000 + (i * 7919) % 95000
        cost = price * (45 + i % 20) // 100
        sub = subs[i % len(subs)]
        items.append((i + 1, price, cost, weighed, sub, tops[(i % len(subs)) // 4], makers[i % 10]))
        rows.append(
            (i + 1, f"P{i:05d}", f"Товар {i}", sub, makers[i % 10], "kg" if weighed else "pcs",
             weighed, price, cost, "A", True, str(setup), str(setup))
        )  # fmt: skip
    with db.write_tx():
        db.insert_rows(
            "product",
            [
                "id",
                "sku",
                "name",
                "group_id",
                "manufacturer_id",
                "unit",
                "weighed",
                "price",
                "cost",
                "tax_group",
                "active",
                "created_at",
                "updated_at",
            ],
            rows,
        )
    card = save_card_type(
        CardTypeData("disc", "Дисконтна", "discount", Decimal(5)),
        by=None,
        system=True,
        clock=lambda: setup,
    )
    people, holders = [], set()
    for c in range(1, CUSTOMERS + 1):
        holder = c % 3 == 0
        if holder:
            holders.add(c)
        people.append(
            (c, f"Покупець {c}", f"+38067{c:07d}", f"29{c:011d}" if holder else None, "",
             dt.date(1960 + c % 45, 1 + c % 12, 1 + c % 28), "f", "", str(setup),
             card.id if holder else None)
        )  # fmt: skip
    with db.write_tx():
        db.insert_rows(
            "customer",
            [
                "id",
                "name",
                "phone",
                "card",
                "email",
                "birth_date",
                "gender",
                "note",
                "created_at",
                "card_type_id",
            ],
            people,
        )
    other_start = TODAY - dt.timedelta(days=21)
    save_promotion(
        PromotionData(
            "OTHER",
            "Група 4 -10%",
            targets=(Target(group_id=tops[4]),),
            percent=Decimal(10),
            starts_on=other_start,
        ),
        by=None,
        system=True,
        clock=lambda: setup,
    )
    db.database.close()
    db.open_database(url)
    indexes = _drop_indexes(("receipt", "receipt_line", "line_adjustment"))
    # popularity: a few goods sell much more than most (weights 1/(rank + 20))
    order = list(range(PRODUCTS))
    rng.shuffle(order)
    weights = [0.0] * PRODUCTS
    for rank, n in enumerate(order):
        weights[n] = 1 / (rank + 20)
    cum, acc = [], 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    days = 7 * (weeks + 1)
    first_day = TODAY - dt.timedelta(days=days)
    mean_lines = sum(c * w for c, w in zip(LINE_COUNTS, LINE_WEIGHTS, strict=True)) / sum(
        LINE_WEIGHTS
    )
    per_day = lines / mean_lines / days
    receipt_rows: list[tuple] = []
    line_rows: list[tuple] = []
    adj_rows: list[tuple] = []
    made = {"receipts": 0, "lines": 0, "adjustments": 0}
    rid = lid = aid = 0

    def flush() -> None:
        with db.write_tx():
            db.insert_rows(
                "receipt",
                [
                    "id",
                    "uuid",
                    "number",
                    "kind",
                    "status",
                    "location_id",
                    "employee_id",
                    "customer_id",
                    "created_at",
                    "closed_at",
                    "subtotal",
                    "discount",
                    "total",
                ],
                receipt_rows,
            )
            db.insert_rows(
                "receipt_line",
                [
                    "id",
                    "receipt_id",
                    "position",
                    "product_id",
                    "barcode",
                    "name",
                    "qty",
                    "unit_price",
                    "unit_cost",
                    "subtotal",
                    "discount",
                    "total",
                ],
                line_rows,
            )
            db.insert_rows(
                "line_adjustment", ["id", "line_id", "step", "rule", "reason", "amount"], adj_rows
            )
        receipt_rows.clear()
        line_rows.clear()
        adj_rows.clear()

    for d in range(days):
        day = first_day + dt.timedelta(days=d)
        other = day >= other_start
        count = int(per_day * (1.2 if day.weekday() >= 5 else 0.92) + rng.random())
        for k in range(count):
            if made["lines"] >= lines:
                break
            seconds = 9 * 3600 + (11 * 3600 * k) // max(count, 1) + rng.randrange(60)
            at = dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)
            customer = rng.randrange(1, CUSTOMERS + 1) if rng.random() < 0.4 else None
            carded = customer in holders
            rid += 1
            n = rng.choices(LINE_COUNTS, LINE_WEIGHTS)[0]
            picks = dict.fromkeys(rng.choices(range(PRODUCTS), cum_weights=cum, k=n))
            subtotal = discount = 0
            for position, p in enumerate(picks, 1):
                pid, unit_price, unit_cost, weighed, _sub, top, _maker = items[p]
                qty = (
                    rng.randrange(150, 1500, 5)
                    if weighed
                    else (2000 if rng.random() < 0.12 else 1000)
                )
                line_sub = _round(unit_price * qty)
                lid += 1
                left = line_sub
                if other and top == tops[4]:
                    off = (left * OTHER_BP + 5000) // 10000
                    aid += 1
                    adj_rows.append((aid, lid, "promotion", "OTHER", "Група 4 -10%", off))
                    left -= off
                if carded:
                    off = (left * CARD_BP + 5000) // 10000
                    aid += 1
                    adj_rows.append((aid, lid, "card", "disc", "Дисконтна 5%", off))
                    left -= off
                line_rows.append(
                    (lid, rid, position, pid, "", f"Товар {pid - 1}", qty, unit_price, unit_cost,
                     line_sub, line_sub - left, left)
                )  # fmt: skip
                subtotal += line_sub
                discount += line_sub - left
            made["lines"] += len(picks)
            receipt_rows.append(
                (rid, f"00000000-0000-4000-8000-{rid:012d}", rid, "sale", "closed", location.id,
                 cashier.id, customer, str(at), str(at), subtotal, discount, subtotal - discount)
            )  # fmt: skip
            if len(line_rows) >= CHUNK:
                flush()
    flush()
    made["receipts"], made["adjustments"] = rid, aid
    for statement in indexes:
        db.database.execute_sql(statement)
    db.database.execute_sql("ANALYZE")
    db.database.close()
    made["build_s"] = round(time.perf_counter() - started, 1)
    return {"maker": makers[0], "made": made}


def run(url: str, maker: int, weeks: int) -> dict[str, object]:
    """One backtest of 15% off ``maker``'s goods; returns its figures and timing."""
    from torgtui import db
    from torgtui.clock import FixedClock
    from torgtui.marketing.promotions import PromotionData, Target
    from torgtui.marketing.promotions.backtest import backtest

    db.open_database(url)
    data = PromotionData(
        "BENCH", "Виробник 0 -15%", targets=(Target(manufacturer_id=maker),), percent=Decimal(15)
    )
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))

    clock = FixedClock(dt.datetime.combine(TODAY, dt.time(9)))
    t0 = time.perf_counter()
    result = backtest(data, weeks=weeks, clock=clock, progress=progress, system=True)
    elapsed = time.perf_counter() - t0
    db.database.close()
    return {
        "elapsed_s": elapsed,
        "progress_calls": len(calls),
        "progress_last": list(calls[-1]) if calls else None,
        "result": result.as_dict(),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench backtest", description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000, help="receipt lines to build")
    parser.add_argument("--weeks", type=int, default=8, help="weeks the backtest looks back")
    parser.add_argument("--db", help="build into this SQLite file (must not exist)")
    parser.add_argument("--keep", action="store_true", help="keep the --db file")
    parser.add_argument("--reuse", action="store_true", help="run on an existing --db file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--output", help="JSON results file")
    args = parser.parse_args(argv)
    if args.lines < 10_000 or not 1 <= args.weeks <= 52:
        parser.error("--lines is at least 10 000 and --weeks from 1 to 52")
    if (args.keep or args.reuse) and not args.db:
        parser.error("--keep and --reuse need --db")
    with tempfile.TemporaryDirectory(prefix="torgtui-bench-") as tmp:
        url = args.db or str(Path(tmp) / "backtest.sqlite")
        if args.reuse:
            from torgtui import db
            from torgtui.models import Manufacturer

            db.open_database(url)
            built = {"maker": Manufacturer.get(Manufacturer.name == "Виробник 0").id, "made": {}}
            db.database.close()
        else:
            if Path(url).exists():
                parser.error(f"{url} exists: give a new file (or --reuse it)")
            built = build_shop(url, args.lines, args.weeks)
        res = run(url, int(built["maker"]), args.weeks)  # type: ignore[call-overload]
        if args.db and not (args.keep or args.reuse):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{url}{suffix}").unlink(missing_ok=True)
    figures = res["result"]
    made = built["made"]
    print(
        f"shop: {made.get('lines', '?')} receipt lines in {made.get('receipts', '?')} receipts "
        f"over {args.weeks + 1} weeks (built in {made.get('build_s', '?')} s)"
    )
    print(
        f"backtest of 15% off one manufacturer over {args.weeks} weeks: "
        f"{res['elapsed_s']:.2f} s; progress called {res['progress_calls']} times, last "
        f"{res['progress_last']}"
    )
    total = figures["total"]  # type: ignore[index]
    print(
        f"  replayed {total['replayed']} receipts, touched {total['touched']} "  # type: ignore[index]
        f"({total['customers']} customers), discount {total['discount']} kopecks"  # type: ignore[index]
    )
    broken = not res["progress_calls"] or (
        res["progress_last"] is None or res["progress_last"][0] != res["progress_last"][1]  # type: ignore[index]
    )
    if broken:
        print("  BROKEN: the progress callback did not run to its total")
    goals = [Goal("backtest of one promotion, 8 weeks", res["elapsed_s"], GOALS["backtest_s"], "s")]  # type: ignore[arg-type]
    report(goals)
    summary = {
        "lines": args.lines,
        "weeks": args.weeks,
        "made": made,
        **res,
        "goals": [g.as_dict() for g in goals],
        "machine": machine(),
    }
    print(f"  machine: load {os.getloadavg()[0]:.2f}, commit {summary['machine']['commit']}")  # type: ignore[index]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(args.output or f"bench/results/backtest-{stamp}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2, default=str))
    return exit_status(goals, strict=args.strict, broken=broken)
