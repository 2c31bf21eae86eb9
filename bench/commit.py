"""Receipt commit speed: one process (latency percentiles, receipts/s) and several register
processes committing on one database at once (waits, errors, and nothing lost).

    python -m bench commit [--receipts 2000] [--lines 20] [--strict]
    python -m bench commit --processes 4 --seconds 60 [--strict]
    python -m bench commit --db postgresql://postgres@127.0.0.1/test --processes 16
    python -m bench commit --loyalty [--receipts 2000] [--strict]

Every commit is a real ``commit_sale`` of a ``--lines``-line basket paid by card, with its
fiscal queue entry. With ``--loyalty`` each receipt is a bonus-card customer's (of
``LOYALTY_CUSTOMERS``, in turn) who is also a VIP on credit: it spends 10.00 in bonuses, puts
50.00 on account (a VIP charge due in 30 days) and pays the rest by card, and earns 5% bonuses
on what is not paid with bonuses -- the loyalty hooks' whole work in the same transaction.
The database is a new SQLite file in a temporary folder, or, with
``--db postgresql://...``, a new schema in that PostgreSQL database (dropped afterwards).
With ``--processes N`` the registers are N processes (spawned), each with its own employee,
shift and connection; they start together and commit back to back for ``--seconds``.

Afterwards every receipt a process reported committed is looked up in the database: its lines,
payment, stock movements and fiscal job are counted against what the process wrote, receipts
nobody reported are counted as extra, and receipt numbers must be unique per shop.

Goals (issue 3, issue 7): one process: p50 <= 5 ms, p95 <= 5 ms, >= 300 receipts/s; 4
processes: no error, max <= 500 ms, p99 <= 250 ms; always: nothing lost. ``--loyalty`` (issue
8): p50 <= 5 ms (p95 reported), no error, nothing lost, and every bonus and VIP account's books
prove out afterwards (balance = sum of entries, the VIP list's cache = the open debts).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import multiprocessing as mp
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from bench.goals import Goal, exit_status, report
from bench.startup import machine

GOALS = {
    "p50_ms": 5.0,
    "p95_ms": 5.0,
    "per_s": 300.0,
    "multi_max_ms": 500.0,
    "multi_p99_ms": 250.0,
    "loyalty_p50_ms": 5.0,
}
LOYALTY_CUSTOMERS = 200
BONUS_SPENT = 1000  # kopecks of bonuses each loyalty receipt spends
ON_ACCOUNT = 5000  # kopecks each loyalty receipt puts on the VIP account


def build_shop(url: str, products: int, registers: int, *, loyalty: bool = False) -> None:
    from torgtui import db
    from torgtui.models import Employee, Location, Product
    from torgtui.staff import Role, hash_pin

    db.open_and_upgrade(url, create=True)
    now = dt.datetime.now()
    pin = hash_pin("1111")
    with db.write_tx():
        Location.create(code="MAIN", name="Bench")
        Product.insert_many(
            [
                {
                    "sku": f"B{i:05d}",
                    "name": f"Товар {i}",
                    "price": 1000 + i * 37,
                    "cost": 500,
                    "unit": "pcs",
                    "weighed": False,
                    "tax_group": "A",
                    "active": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(products)
            ]
        ).execute()
        for r in range(registers):
            Employee.create(
                name=f"Cashier {r}", role=Role.CASHIER.value, pin_hash=pin, created_at=now
            )
    if loyalty:
        build_loyalty(now, pin)
    db.database.close()


def build_loyalty(now: dt.datetime, pin: str) -> None:
    """A 5% bonus card type and LOYALTY_CUSTOMERS customers on it, each with bonuses to spend
    and a VIP credit account (30 days, a limit no run reaches)."""
    from torgtui import db
    from torgtui.marketing import bonuses, ledger, vip
    from torgtui.marketing.cards import CardTypeData, save_card_type
    from torgtui.models import Customer, Employee
    from torgtui.staff import Role

    owner = Employee.create(name="Owner", role=Role.OWNER.value, pin_hash=pin, created_at=now)
    card_type = save_card_type(
        CardTypeData(code="bonus", name="Bonus", kind="bonus", bonus_percent=Decimal(5)),
        by=owner,
    )
    with db.write_tx():
        for n in range(LOYALTY_CUSTOMERS):
            customer = Customer.create(
                name=f"Клієнт {n}",
                card=f"29{n:011d}",
                card_type=card_type.id,
                created_at=now,
                updated_at=now,
            )
            ledger.post(bonuses.account_of(customer.id, now), 1_000_000, "earn", now=now)
            vip.set_vip(customer.id, "credit", limit=100_000_000, term_days=30, by=owner)


def check_loyalty_books(url: str) -> int:
    """Problems found in the bonus and VIP books of every loyalty customer (0: all prove)."""
    from torgtui import db
    from torgtui.marketing import bonuses, ledger, vip
    from torgtui.models import Customer

    db.open_database(url)
    problems = 0
    for customer in Customer.select(Customer.id):
        account = ledger.find_account(ledger.Kind.BONUS, bonuses.OWNER, customer.id)
        if account is not None:
            problems += len(ledger.check_account(account).problems)
        problems += len(vip.check(customer.id).problems)
    db.database.close()
    return problems


@contextlib.contextmanager
def bench_database(server: str | None, *, keep: bool = False) -> Iterator[str]:
    """A URL for a new, empty database: a SQLite file in a temporary folder, or a new schema
    in the PostgreSQL database ``server`` (dropped at the end unless ``keep``)."""
    if server is None or not server.startswith(("postgresql://", "postgres://")):
        with tempfile.TemporaryDirectory(prefix="torgtui-bench-") as tmp:
            yield server or str(Path(tmp) / "bench.sqlite")
        return
    import peewee

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = peewee.PostgresqlDatabase(server, prefer_psycopg3=True)
    admin.connect()
    admin.execute_sql(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in server else "?"
    try:
        yield f"{server}{sep}options=-csearch_path%3D{schema}"
    finally:
        if keep:
            print(f"kept schema {schema}")
        else:
            admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def _register(url: str, index: int, checkpointer: bool = True):
    """Open the database in this process, as the register app does (with its checkpointer),
    and a shift for register ``index``."""
    from torgtui import db
    from torgtui.models import Employee, Location
    from torgtui.sales.shifts import current_shift, open_shift

    db.open_database(url)
    if checkpointer and hasattr(db, "start_checkpointer"):
        db.start_checkpointer()
    employee = Employee.get(Employee.name == f"Cashier {index}")
    register = f"till-{index}"
    shift = current_shift(employee, register) or open_shift(employee, register, Location.get(), 0)
    return employee, shift


def _basket(products: list, lines: int, seed: int, customer_id: int | None = None):
    from torgtui.sales.basket import Basket
    from torgtui.sales.register import line_from_product

    chosen = [products[(seed * 7 + i * 13) % len(products)] for i in range(lines)]
    return Basket(
        [line_from_product(p, 1000 + (i % 3) * 1000) for i, p in enumerate(chosen)],
        customer_id=customer_id,
    )


def _tenders(total: int, loyalty: bool) -> list:
    """Card for everything; with ``loyalty`` bonuses and a VIP charge first."""
    from torgtui.sales.checkout import Tender

    if not loyalty:
        return [Tender("card", total)]
    return [
        Tender("bonus", BONUS_SPENT),
        Tender("credit", ON_ACCOUNT),
        Tender("card", total - BONUS_SPENT - ON_ACCOUNT),
    ]


def run_loop(
    url: str,
    index: int,
    lines: int,
    *,
    count: int | None,
    seconds: float | None,
    out: mp.Queue | None = None,
    start: mp.Event | None = None,
    checkpointer: bool = True,
    loyalty: bool = False,
) -> dict:
    """Commit receipts back to back; report each one committed with the rows it wrote."""
    from torgtui.models import Customer, Product
    from torgtui.sales.checkout import commit_sale

    employee, shift = _register(url, index, checkpointer)
    products = list(Product.select())
    customers = (
        [c.id for c in Customer.select(Customer.id).order_by(Customer.id)] if loyalty else []
    )
    latencies: list[float] = []
    committed: list[tuple[str, int, int, int, int]] = []  # uuid, lines, payments, moves, fiscal
    errors: dict[str, int] = {}
    samples: list[str] = []
    if out is not None:
        out.put(("ready", index))
    if start is not None:
        start.wait()
    deadline = time.perf_counter() + seconds if seconds else None
    n = 0
    while (count is None or n < count) and (deadline is None or time.perf_counter() < deadline):
        customer_id = customers[(n + index * 37) % len(customers)] if customers else None
        basket = _basket(products, lines, n + index * 100_000, customer_id)
        receipt_uuid = str(uuid.uuid4())
        tenders = _tenders(basket.total, loyalty)
        t0 = time.perf_counter()
        try:
            commit_sale(
                basket,
                tenders,
                uuid=receipt_uuid,
                employee=employee,
                shift=shift,
                cash_step=10,
            )
            latencies.append(time.perf_counter() - t0)
            nlines = len(basket.lines)
            committed.append((receipt_uuid, nlines, len(tenders), nlines, 1))
        except Exception as exc:  # counted and reported: the benchmark's point
            text = str(exc).lower()
            kind = next(
                (k for k in ("locked", "deadlock", "serializ", "duplicate", "unique") if k in text),
                type(exc).__name__,
            )
            errors[kind] = errors.get(kind, 0) + 1
            if len(samples) < 3:
                samples.append(f"{type(exc).__name__}: {exc}"[:300])
        n += 1
    result = {
        "register": index,
        "ok": len(latencies),
        "errors": errors,
        "error_samples": samples,
        "latencies": latencies,
        "committed": committed,
    }
    if out is not None:
        out.put(("done", result))
    from torgtui import db

    db.database.close()
    return result


def verify(url: str, committed: list[tuple[str, int, int, int, int]]) -> dict[str, int]:
    """Count, from the database, every row of every receipt reported committed."""
    from torgtui import db

    db.open_database(url)
    q = db.database.execute_sql

    def per_receipt(statement: str) -> dict[int, int]:
        return dict(q(statement).fetchall())

    receipts = dict(q('SELECT "uuid", "id" FROM "receipt"').fetchall())
    lines = per_receipt('SELECT "receipt_id", COUNT(*) FROM "receipt_line" GROUP BY "receipt_id"')
    payments = per_receipt('SELECT "receipt_id", COUNT(*) FROM "payment" GROUP BY "receipt_id"')
    moves = per_receipt(
        'SELECT l."receipt_id", COUNT(*) FROM "stock_movement" m '
        'JOIN "receipt_line" l ON m."receipt_line_id" = l."id" GROUP BY l."receipt_id"'
    )
    fiscal = per_receipt('SELECT "receipt_id", COUNT(*) FROM "fiscal_job" GROUP BY "receipt_id"')
    duplicate_numbers = q(
        'SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM "receipt" '
        'GROUP BY "location_id", "number") AS numbered'
    ).fetchone()[0]
    out = {
        "receipts_stored": len(receipts),
        "receipts_lost": 0,
        "receipts_extra": 0,
        "lines_lost": 0,
        "payments_lost": 0,
        "stock_movements_lost": 0,
        "fiscal_jobs_lost": 0,
        "rows_unexpected": 0,
        "duplicate_numbers": int(duplicate_numbers or 0),
    }
    reported = set()
    for receipt_uuid, nlines, npay, nmoves, nfiscal in committed:
        reported.add(receipt_uuid)
        rid = receipts.get(receipt_uuid)
        if rid is None:
            out["receipts_lost"] += 1
            out["lines_lost"] += nlines
            out["payments_lost"] += npay
            out["stock_movements_lost"] += nmoves
            out["fiscal_jobs_lost"] += nfiscal
            continue
        for key, want, table in (
            ("lines_lost", nlines, lines),
            ("payments_lost", npay, payments),
            ("stock_movements_lost", nmoves, moves),
            ("fiscal_jobs_lost", nfiscal, fiscal),
        ):
            have = table.get(rid, 0)
            if have < want:
                out[key] += want - have
            elif have > want:
                out["rows_unexpected"] += have - want
    out["receipts_extra"] = len(set(receipts) - reported)
    db.database.close()
    return out


def pct(values: list[float], p: float) -> float:
    """The ``p``-th percentile of ``values`` (seconds) in ms (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def _child(
    url: str,
    index: int,
    lines: int,
    seconds: float,
    out: mp.Queue,
    start: mp.Event,
    checkpointer: bool,
    loyalty: bool = False,
) -> None:
    run_loop(
        url,
        index,
        lines,
        count=None,
        seconds=seconds,
        out=out,
        start=start,
        checkpointer=checkpointer,
        loyalty=loyalty,
    )


def run_processes(
    url: str,
    processes: int,
    lines: int,
    seconds: float,
    checkpointer: bool = True,
    loyalty: bool = False,
) -> list[dict]:
    """``processes`` registers started together, each committing for ``seconds``."""
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    start = ctx.Event()
    procs = [
        ctx.Process(
            target=_child, args=(url, i, lines, seconds, queue, start, checkpointer, loyalty)
        )
        for i in range(processes)
    ]
    for p in procs:
        p.start()
    try:
        for _ in procs:
            kind, _index = queue.get(timeout=120)
            assert kind == "ready"
        start.set()
        results = []
        for _ in procs:
            kind, result = queue.get(timeout=seconds + 300)
            results.append(result)
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    return results


def latency_summary(lat: list[float]) -> dict[str, float]:
    return {
        "p50_ms": pct(lat, 50),
        "p95_ms": pct(lat, 95),
        "p99_ms": pct(lat, 99),
        "max_ms": max(lat) * 1000 if lat else float("nan"),
        "mean_ms": statistics.mean(lat) * 1000 if lat else float("nan"),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench commit", description=__doc__)
    parser.add_argument("--receipts", type=int, default=2000, help="one process: how many")
    parser.add_argument("--lines", type=int, default=20, help="lines per receipt")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=60.0, help="several processes: how long")
    parser.add_argument(
        "--db",
        help="postgresql://... to run on a new schema in that database (default: a SQLite file)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema")
    parser.add_argument(
        "--no-checkpointer",
        action="store_true",
        help="do not start the background WAL checkpointer (commits checkpoint themselves)",
    )
    parser.add_argument(
        "--loyalty",
        action="store_true",
        help="each receipt spends and earns bonuses and puts a part on a VIP credit account",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--output", help="JSON results file")
    args = parser.parse_args(argv)
    if args.db and not args.db.startswith(("postgresql://", "postgres://")):
        parser.error("--db takes a postgresql:// URL (SQLite runs on a temporary file)")
    backend = "postgresql" if args.db else "sqlite"
    with bench_database(args.db, keep=args.keep) as url:
        build_shop(url, 200, max(args.processes, 1), loyalty=args.loyalty)
        if args.processes <= 1:
            ckpt = not args.no_checkpointer
            common = dict(seconds=None, checkpointer=ckpt, loyalty=args.loyalty)
            warm = run_loop(url, 0, args.lines, count=50, **common)  # type: ignore[arg-type]
            t0 = time.perf_counter()
            res = run_loop(url, 0, args.lines, count=args.receipts, **common)  # type: ignore[arg-type]
            wall = time.perf_counter() - t0
            results = [warm, res]
            lat = res["latencies"]
            per_s = res["ok"] / wall
        else:
            results = run_processes(
                url,
                args.processes,
                args.lines,
                args.seconds,
                not args.no_checkpointer,
                args.loyalty,
            )
            lat = [x for r in results for x in r["latencies"]]
            per_s = sum(r["ok"] for r in results) / args.seconds
        stored = verify(url, [c for r in results for c in r["committed"]])
        books = check_loyalty_books(url) if args.loyalty else 0
    errors: dict[str, int] = {}
    for r in results:
        for kind, n in r["errors"].items():
            errors[kind] = errors.get(kind, 0) + n
    samples = [s for r in results for s in r["error_samples"]][:5]
    committed = sum(r["ok"] for r in results)
    lost = sum(v for k, v in stored.items() if k.endswith(("_lost", "_extra", "_unexpected")))
    summary = {
        "mode": "single" if args.processes <= 1 else "multi",
        "backend": backend,
        "processes": max(args.processes, 1),
        "lines": args.lines,
        "loyalty": args.loyalty,
        "loyalty_book_problems": books,
        "checkpointer": not args.no_checkpointer,
        "seconds": args.seconds if args.processes > 1 else wall,
        "committed": committed,
        "measured": len(lat),
        "per_s": per_s,
        **latency_summary(lat),
        "errors": errors,
        "error_samples": samples,
        **stored,
        "machine": machine(),
    }
    where = "PostgreSQL" if args.db else "one SQLite file"
    if args.loyalty:
        where += " (loyalty: bonuses spent and earned, a VIP charge)"
    if args.processes <= 1:
        print(f"{args.lines}-line receipt commit, one process on {where}, {len(lat)} receipts:")
    else:
        print(
            f"{args.processes} processes x {args.seconds:g} s on {where}, "
            f"{args.lines}-line receipts, {committed} committed:"
        )
    print(
        f"  p50 {summary['p50_ms']:.2f} ms, p95 {summary['p95_ms']:.2f} ms, "
        f"p99 {summary['p99_ms']:.2f} ms, max {summary['max_ms']:.1f} ms, "
        f"{per_s:.0f} receipts/s"
    )
    print(f"  errors: {errors or 'none'}")
    for sample in samples:
        print(f"    e.g. {sample}")
    print(
        f"  stored {stored['receipts_stored']} receipts; lost: receipts {stored['receipts_lost']}, "
        f"lines {stored['lines_lost']}, payments {stored['payments_lost']}, "
        f"stock movements {stored['stock_movements_lost']}, "
        f"fiscal jobs {stored['fiscal_jobs_lost']}; unreported receipts "
        f"{stored['receipts_extra']}; duplicate numbers {stored['duplicate_numbers']}"
    )
    goals = [Goal("errors", float(sum(errors.values())), 0, unit="")]
    if args.loyalty:
        goals += [
            Goal("loyalty commit p50", summary["p50_ms"], GOALS["loyalty_p50_ms"]),
            Goal("bonus and VIP books that do not prove", float(books), 0, unit=""),
        ]
        if args.processes > 1:
            goals += [Goal("slowest commit (max)", summary["max_ms"], GOALS["multi_max_ms"])]
    elif args.processes <= 1:
        goals += [
            Goal("commit p50", summary["p50_ms"], GOALS["p50_ms"]),
            Goal("commit p95", summary["p95_ms"], GOALS["p95_ms"]),
            Goal("receipts per second", per_s, GOALS["per_s"], unit="/s", at_least=True),
        ]
    else:
        goals += [
            Goal("slowest commit (max)", summary["max_ms"], GOALS["multi_max_ms"]),
            Goal("commit p99", summary["p99_ms"], GOALS["multi_p99_ms"]),
        ]
    goals += [
        Goal("rows lost or unexpected", float(lost), 0, unit=""),
        Goal("duplicate receipt numbers", float(stored["duplicate_numbers"]), 0, unit=""),
    ]
    report(goals)
    summary["goals"] = [g.as_dict() for g in goals]
    print(f"  machine: load {os.getloadavg()[0]:.2f}, commit {summary['machine']['commit']}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    variant = f"{summary['mode']}-loyalty" if args.loyalty else summary["mode"]
    out = Path(args.output or f"bench/results/commit-{backend}-{variant}-{stamp}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    broken = lost > 0 or stored["duplicate_numbers"] > 0 or books > 0
    return exit_status(goals, strict=args.strict, broken=broken)
