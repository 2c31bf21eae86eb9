"""The customer list over many cards, as the terminal sees it: PageDown latency and bytes.

    python -m bench customer_list [--customers 1000000] [--pages 50] [--db PATH] [--strict]

Builds ``--customers`` cards with :func:`bench.customers.generate` (or reuses ``--db``), runs
torgtui in an 80x24 pty, logs in as an owner made for the bench, opens the Customers area and
presses PageDown ``--pages`` times. Latency is from the key to the last byte of the update
(the terminal quiet for ``--quiet`` s); bytes are what was written for that key. Then End (the
last page) is timed the same way, and the process's VmRSS is read with the list open.
In-process, ``list_page`` is timed at random depths in each sort order.

Goals (customers issue): p95 <= 30 ms per page read in-process (each sort order), <= 8 KB
written per PageDown (the largest), RSS <= 70 MB with the list open. ``--strict``: exit 1 when
a goal is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.customers import generate, p95, timed
from bench.goals import Goal, exit_status, report
from bench.terminal import PtySession, child_environment

GOALS = {"page_p95_ms": 30.0, "bytes": 8 * 1024, "rss_mb": 70.0}
PAGE_DOWN = b"\x1b[6~"
END = b"\x1b[F"
OWNER_PIN = "1111"


def add_owner(path: str) -> None:
    from torgtui import db
    from torgtui.models import Employee
    from torgtui.staff import Role, hash_pin

    db.open_and_upgrade(path)
    with db.write_tx():
        Employee.create(
            name="Bench Owner",
            role=Role.OWNER.value,
            pin_hash=hash_pin(OWNER_PIN),
            created_at=dt.datetime.now(),
        )
    db.database.close()


def in_process(path: str, count: int, samples: int = 200, seed: int = 5) -> dict[str, float]:
    """p95 of one page read (``list_page``, 19 rows) after a random card, per sort order."""
    from torgtui import db
    from torgtui.customers import listing
    from torgtui.models import Customer

    db.open_database(path)
    rng = random.Random(seed)
    ids = [rng.randrange(1, count + 1) for _ in range(samples)]
    rows = list(
        Customer.select(Customer.id, Customer.name_sort, Customer.last_visit, Customer.total_bought)
        .where(Customer.id.in_(ids))
        .tuples()
    )
    out = {}
    for sort in listing.SORTS:
        times = []
        for cid, name_sort, last_visit, total in rows:
            value = {"name": name_sort, "last_visit": last_visit, "total_bought": total}[sort]
            phase = 1 if sort == "last_visit" and last_visit is None else 0
            key = listing.PageKey(value, cid, phase)
            ms, _page = timed(listing.list_page, sort=sort, after=key, limit=19)
            times.append(ms)
        out[f"page_{sort}_p95_ms"] = p95(times)
    db.database.close()
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench customer_list")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--db", help="an existing bench database (from bench customers --keep)")
    parser.add_argument("--quiet", type=float, default=0.03, help="seconds of silence = settled")
    parser.add_argument("--area-key", default="2", help="home key of the Customers area")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--output")
    args = parser.parse_args(argv)
    tmp = tempfile.TemporaryDirectory()
    with tmp:
        path = args.db or str(Path(tmp.name) / "customers.sqlite")
        if not args.db:
            seconds = generate(path, args.customers)
            print(f"built {args.customers:,} customers in {seconds:.1f} s")
        add_owner(path)
        env = child_environment(rows=24, cols=80)
        env.update(
            TORGTUI_STORE_REGISTER="bench-till",
            TORGTUI_DEVICES_PRINTER="none",
            TORGTUI_DEVICES_FISCAL="none",
            TORGTUI_UI_IDLE_LOCK_SECONDS="0",
            TORGTUI_CONFIG=str(Path(tmp.name) / "none.toml"),
        )
        Path(env["TORGTUI_CONFIG"]).write_text("")
        with PtySession([sys.executable, "-m", "torgtui", "--db", path], env=env) as s:
            s.read_until("PIN", 30)
            s.settle()
            s.write(OWNER_PIN.encode() + b"\r")
            s.read_until("Customers", 30, since=len(s.visible))
            s.settle(0.2, 3)
            mark = len(s.visible)
            s.write(args.area_key.encode())
            s.read_until("Sorted by", 30, since=mark)
            s.settle(0.3, 5)
            s.write(b"\t")  # from the search box to the list
            s.settle(0.2, 3)
            lat, sizes = [], []
            for _ in range(args.pages):
                seconds, size = s.type_and_settle(PAGE_DOWN, args.quiet, 3.0)
                lat.append(seconds * 1000)
                sizes.append(size)
                s.settle(0.05, 1)  # let the prefetch of the next page finish
            end_seconds, end_bytes = s.type_and_settle(END, args.quiet, 10.0)
            s.settle(0.3, 3)
            rss_kb = s.rss_kb()
            tail = s.visible[-2000:]
        pages = in_process(path, args.customers)
    lat.sort()
    summary = {
        "customers": args.customers,
        "pagedowns": args.pages,
        "pty_p50_ms": statistics.median(lat),
        "pty_p95_ms": p95(lat),
        "pty_max_ms": lat[-1],
        "bytes_median": statistics.median(sizes),
        "bytes_max": max(sizes),
        "end_ms": end_seconds * 1000,
        "end_bytes": end_bytes,
        "rss_mb": rss_kb / 1024,
        **pages,
    }
    print(f"customer list, {args.customers:,} cards, {args.pages} x PageDown in an 80x24 pty:")
    print(
        f"  to settled: p50 {summary['pty_p50_ms']:.1f} ms, p95 {summary['pty_p95_ms']:.1f} ms, "
        f"max {summary['pty_max_ms']:.1f} ms"
    )
    print(
        f"  bytes per PageDown: median {summary['bytes_median']:.0f}, max {summary['bytes_max']} "
        f"(goal <= {GOALS['bytes']})"
    )
    print(f"  End (last page): {summary['end_ms']:.1f} ms, {end_bytes} bytes")
    print(f"  RSS with the list open: {summary['rss_mb']:.1f} MB (goal <= {GOALS['rss_mb']:.0f})")
    for sort in ("name", "last_visit", "total_bought"):
        value = summary[f"page_{sort}_p95_ms"]
        print(f"  in-process page read, {sort}: p95 {value:.2f} ms (goal <= 30)")
    if "Sorted by" not in tail and not tail.strip():
        print("  warning: the list did not show at the end")
    goals = [
        Goal("bytes per PageDown, max", float(summary["bytes_max"]), GOALS["bytes"], unit="B"),
        Goal("RSS with the list open", summary["rss_mb"], GOALS["rss_mb"], unit="MB"),
    ]
    goals += [
        Goal(f"page read by {sort} p95", summary[f"page_{sort}_p95_ms"], GOALS["page_p95_ms"])
        for sort in ("name", "last_visit", "total_bought")
    ]
    report(goals)
    summary["goals"] = [g.as_dict() for g in goals]
    out = Path(args.output or f"bench/results/customer_list-{time.strftime('%Y%m%d-%H%M%S')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    return exit_status(goals, strict=args.strict)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
