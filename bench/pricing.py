"""Pricing a basket in-process: the whole pipeline (catalog, context loaders, every step) for a
customer with an accumulative card (thresholds), a wholesale price type, quantity breaks and
manufacturer discounts all applying.

    python -m bench pricing [--runs 3000] [--lines 20] [--products 5000] [--strict]

The shop is built in a new SQLite file in a temporary folder: ``--products`` goods in groups
two levels deep, ten manufacturers, a wholesale price for every other product, breaks per
product and per top group (reaching the subgroups), a customer on the wholesale type with
discounts on three manufacturers and an accumulative card past its second threshold. The
basket holds ``--lines`` products with quantities that cross the breaks. After ``--warmup``
untimed pricings, each of ``--runs`` pricings of a fresh copy of the basket is timed
(``time.perf_counter``), with the rules cached as a register has them. The thread's CPU time
per pricing is reported beside it: on a busy machine the wall-clock tail is time spent waiting
for a core, which the CPU time leaves out (the goal is on the wall clock all the same).

Every pricing must give the same total, and the first is checked to have used each step
(price type, quantity break, manufacturer, card): otherwise the figure would not measure what
it claims, and the run fails whatever the options.

Goal (issue 8): p95 <= 2 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from bench.commit import pct
from bench.goals import Goal, exit_status, report
from bench.startup import machine

GOALS = {"p95_ms": 2.0}
AT = dt.datetime(2026, 11, 22, 12, 0)
STEPS = ("price_type", "qty_breaks", "manufacturer", "card")


def build_shop(url: str, products: int) -> dict[str, int]:
    """The shop described above; returns the ids the basket needs."""
    from torgtui import db
    from torgtui.marketing import pricerules as pr
    from torgtui.marketing.cards import CardTypeData, save_card_type
    from torgtui.models import Customer, Location, Manufacturer, Product, ProductGroup

    db.open_and_upgrade(url, create=True)
    now = dt.datetime(2026, 1, 1)
    with db.write_tx():
        location = Location.create(code="MAIN", name="Bench")
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
        Product.insert_many(
            [
                {
                    "sku": f"P{i:05d}",
                    "name": f"Товар {i}",
                    "group": subs[i % len(subs)],
                    "manufacturer": makers[i % len(makers)],
                    "price": 5000 + (i * 137) % 95000,
                    "cost": 1000,
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
        ids = [p for (p,) in Product.select(Product.id).order_by(Product.id).tuples()]
        prices = dict(Product.select(Product.id, Product.price).tuples())
        customer = Customer.create(name="Опт ТОВ", card="2900000000013", created_at=now)
    system = {"by": None, "system": True}
    pr.save_price_type(pr.PriceTypeData("wholesale", "Опт"), **system)
    pr.set_type_prices("wholesale", {p: prices[p] * 85 // 100 for p in ids[::2]}, **system)
    for n, p in enumerate(ids[:400]):
        pr.save_qty_break(
            pr.QtyBreakData(f"b{n}-10", 10000, product_id=p, percent=Decimal(3)), **system
        )
        pr.save_qty_break(
            pr.QtyBreakData(f"b{n}-100", 100000, product_id=p, percent=Decimal(6)), **system
        )
    for g in tops:
        pr.save_qty_break(
            pr.QtyBreakData(f"g{g}-5", 5000, group_id=g, percent=Decimal(2)), **system
        )
    for m in makers[:3]:
        pr.set_manufacturer_discount(customer.id, m, Decimal("4.5"), **system)
    pr.set_customer_price_type(customer.id, "wholesale", **system)
    card = save_card_type(
        CardTypeData(
            "accum",
            "Накопичувальна",
            "accumulative",
            thresholds=[(500000, Decimal(3)), (1500000, Decimal(5)), (3000000, Decimal(7))],
        ),
        by=None,
        system=True,
    )
    with db.write_tx():
        Customer.update(card_type=card.id, total_bought=2000000).where(
            Customer.id == customer.id
        ).execute()
    db.database.close()
    return {"customer": customer.id, "location": location.id, "first": ids[0]}


def basket_lines(first: int, lines: int) -> list[tuple[int, int]]:
    """(product id, qty in thousandths): products with breaks and without, some past 10 and
    100 units, some past the group's 5."""
    qtys = [1, 3, 6, 10, 12, 100, 2, 7, 150, 1]
    step = 37  # spreads the products over groups, manufacturers and priced/unpriced
    return [(first + (i * step) % 800, qtys[i % len(qtys)] * 1000) for i in range(lines)]


def run(url: str, ids: dict[str, int], lines: int, runs: int, warmup: int) -> dict[str, object]:
    from torgtui import db
    from torgtui.sales.basket import Basket, BasketLine
    from torgtui.sales.pricing import PricingContext, price

    db.open_database(url)
    spec = basket_lines(ids["first"], lines)
    cpu: list[float] = []  # this thread's CPU time per pricing (without time preempted)

    def once() -> tuple[float, Basket]:
        basket = Basket(
            [BasketLine(pid, "", "", qty, 0) for pid, qty in spec], customer_id=ids["customer"]
        )
        ctx = PricingContext(at=AT, customer_id=ids["customer"], location_id=ids["location"])
        c0, t0 = time.thread_time(), time.perf_counter()
        price(basket, ctx)
        t1, c1 = time.perf_counter(), time.thread_time()
        cpu.append(c1 - c0)
        return t1 - t0, basket

    _t, first = once()
    used = {a.step for ln in first.lines for a in ln.adjustments}
    for _ in range(warmup):
        once()
    cpu.clear()
    latencies, totals = [], set()
    for _ in range(runs):
        elapsed, basket = once()
        latencies.append(elapsed)
        totals.add(basket.total)
    db.database.close()
    return {
        "latencies": latencies,
        "cpu_p95_ms": pct(cpu, 95),
        "subtotal": first.subtotal,
        "total": first.total,
        "totals_seen": sorted(totals),
        "steps_used": sorted(used),
        "missing_steps": [s for s in STEPS if s not in used],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench pricing", description=__doc__)
    parser.add_argument("--runs", type=int, default=3000, help="timed pricings")
    parser.add_argument("--warmup", type=int, default=200, help="untimed pricings first")
    parser.add_argument("--lines", type=int, default=20, help="lines in the basket")
    parser.add_argument("--products", type=int, default=5000, help="products in the catalog")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--output", help="JSON results file")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.lines < 1 or args.products < 1000:
        parser.error("--runs and --lines are at least 1, --products at least 1000")
    with tempfile.TemporaryDirectory(prefix="torgtui-bench-") as tmp:
        url = str(Path(tmp) / "pricing.sqlite")
        ids = build_shop(url, args.products)
        res = run(url, ids, args.lines, args.runs, args.warmup)
    lat = res.pop("latencies")
    summary = {
        "lines": args.lines,
        "products": args.products,
        "runs": len(lat),
        "p50_ms": pct(lat, 50),
        "p95_ms": pct(lat, 95),
        "p99_ms": pct(lat, 99),
        "max_ms": max(lat) * 1000,
        **res,
        "machine": machine(),
    }
    print(
        f"{args.lines}-line basket priced in-process ({len(lat)} runs, SQLite, "
        f"card + thresholds, wholesale type, breaks, manufacturer discounts):"
    )
    print(
        f"  p50 {summary['p50_ms']:.3f} ms, p95 {summary['p95_ms']:.3f} ms, "
        f"p99 {summary['p99_ms']:.3f} ms, max {summary['max_ms']:.2f} ms"
    )
    print(
        f"  this thread's CPU time p95 {res['cpu_p95_ms']:.3f} ms (far below the p95 above: "
        "the process waited for a core, see the load)"
        if res["cpu_p95_ms"] * 2 < summary["p95_ms"]  # type: ignore[operator]
        else f"  this thread's CPU time p95 {res['cpu_p95_ms']:.3f} ms"
    )
    print(
        f"  subtotal {res['subtotal']}, total {res['total']} kopecks; steps used: "
        f"{', '.join(res['steps_used'])}"  # type: ignore[arg-type]
    )
    broken = bool(res["missing_steps"]) or len(res["totals_seen"]) != 1  # type: ignore[arg-type]
    if res["missing_steps"]:
        print(f"  BROKEN: steps that did not apply: {res['missing_steps']}")
    if len(res["totals_seen"]) != 1:  # type: ignore[arg-type]
        print(f"  BROKEN: the same basket priced to different totals: {res['totals_seen']}")
    goals = [Goal("pricing p95", summary["p95_ms"], GOALS["p95_ms"])]
    report(goals)
    summary["goals"] = [g.as_dict() for g in goals]
    print(f"  machine: load {os.getloadavg()[0]:.2f}, commit {summary['machine']['commit']}")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(args.output or f"bench/results/pricing-{stamp}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    return exit_status(goals, strict=args.strict, broken=broken)
