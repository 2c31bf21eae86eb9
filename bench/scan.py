"""Scan to line on screen, measured the way a cashier's terminal sees it.

    python -m bench scan [--scans 100] [--lines 20] [--big 100] [--strict]
                         [--bonus-customer [--pay-bonuses]] [--promotions]

The register runs in a real pseudo-terminal (80x24). A scan is the barcode's bytes and a CR
written at once (as a wedge scanner's burst arrives over SSH). Latency is from that write to
the last byte of the screen update (the terminal has been quiet for ``--quiet`` ms after it);
bytes are everything written to the terminal for that scan. Four kinds of scan are timed, in
this order, on one receipt:

1. new lines: ``--lines`` different products, each adding a line (0 -> 20 lines);
2. repeat scans: ``--scans`` more scans of those products (each adds to its line);
3. new lines into a long receipt: more different products until it has ``--big`` lines;
4. repeat scans on the ``--big``-line receipt: ``--scans`` scans spread over all its lines.

After the run the open receipt in the database must hold every scan (nothing dropped).

``--bonus-customer``: before the first scan, a bonus card is scanned into the code field (issue
8), attaching a customer with a year of bonus history (150 accruals lapsing after 180 days,
18 spends taken oldest first, the lapsed ones written off by the expiry job), so every scan
prices the card (its rule, what the receipt earns) and redraws the bonus line.
``--pay-bonuses`` also presses F2 after the first kind of scan (pay all the bonuses the card
has), so the rest are priced with the card's spendable bonuses looked up on every scan.

``--promotions`` (issue 9): before the register starts, ``bench promotions``' 200 active
promotions are saved (bench/promotions.py, ``add_promotions``), 20 of them on the first 20
products scanned: every mechanic and way to combine, a receipt total, bonuses for card holders
and happy hours around the time of the run; the 180 others are on 120 products never scanned
(the shop gets them, and groups for its goods), and on the scanned goods or their groups
outside their hours, ended, or for another card type. Every scan then prices the receipt with
all 200 active. After the run the open receipt, priced again, must get exactly those 20 (19
without ``--bonus-customer``: the card holders' one needs a card), or the run fails. Goes with
``--bonus-customer`` (and ``--pay-bonuses``).

Goals (issue 3, issue 7; issue 9 with ``--promotions``), for every kind: p95 <= 50 ms and
p95 <= 8 KB written per scan; no scan lost. ``--strict``: exit 1 when a goal is missed (a lost
scan always exits 1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.goals import Goal, exit_status, report
from bench.startup import machine
from bench.terminal import PtySession, child_environment

GOALS = {"p95_ms": 50.0, "bytes": 8 * 1024}
REGISTER = "bench-till"
BONUS_CARD = "2900000000018"  # make_ean13("29", 1): the shop's card numbering
BONUS_NAME = "Bench Bonus"
F2 = b"\x1bOQ"  # xterm's F2: pay with bonuses
PROMO_OTHERS = 120  # --promotions: products never scanned, each with a promotion of its own


def add_bonus_customer(now: dt.datetime, *, visits: int = 150, seed: int = 8) -> int:
    """A bonus-card customer with a year of history on the real ledger: an accrual per visit
    (lapsing after 180 days), every eighth visit a spend of a little of it (oldest first), then
    the expiry job writes off what lapsed. Returns the customer's id."""
    import random
    from decimal import Decimal

    from torgtui import db
    from torgtui.marketing import bonuses, ledger
    from torgtui.marketing.cards import CardTypeData, save_card_type
    from torgtui.models import Customer

    rng = random.Random(seed)
    rule = CardTypeData("bench-bonus", "Bonus 5%", "bonus", Decimal(0), Decimal(5), 180)
    card_type = save_card_type(rule, by=None, system=True)
    customer = Customer.create(
        name=BONUS_NAME, card=BONUS_CARD, card_type=card_type.id, created_at=now, updated_at=now
    )
    start = now - dt.timedelta(days=365)
    with db.write_tx():
        account = bonuses.account_of(customer.id, start)
        for i in range(visits):
            at = start + dt.timedelta(days=365 * i / visits, hours=rng.randint(9, 19))
            earned = rng.randint(500, 15000)  # 5% of a 100-3 000 UAH purchase
            ledger.post(account, earned, "earn", now=at, expires_at=at + dt.timedelta(days=180))
            if i % 8 == 7:  # now and then a little of what is there pays a purchase
                have = ledger.spendable(account, at)
                if have > 300:
                    spend = -rng.randint(100, have // 10)
                    ledger.post(account, spend, "spend", now=at, keep_open=False)
    bonuses.expire(now)
    return customer.id


def build_shop(
    path: str, products: int, *, bonus_customer: bool = False, promotions: int = 0
) -> list[str]:
    """The shop; ``promotions``: the basket's lines, for which bench promotions' 200 are added
    (the goods then get groups, and 120 more products that are never scanned)."""
    from torgtui import db
    from torgtui.catalog.barcodes import make_ean13
    from torgtui.models import Barcode, Employee, Location, Product, ProductGroup
    from torgtui.sales.shifts import open_shift
    from torgtui.staff import Role, hash_pin

    db.open_and_upgrade(path, create=True)
    now = dt.datetime.now()
    codes = []
    with db.write_tx():
        loc = Location.create(code="MAIN", name="Bench shop")
        cashier = Employee.create(
            name="Bench Cashier", role=Role.CASHIER.value, pin_hash=hash_pin("3333"), created_at=now
        )
        subs: list[int | None] = [None]
        if promotions:  # as bench promotions' shop: 5 groups of 4 subgroups
            subs = []
            for g in range(5):
                top = ProductGroup.create(name=f"Група {g}", path=f"Група {g}")
                for k in range(4):
                    subs.append(
                        ProductGroup.create(
                            name=f"Підгрупа {k}", parent=top.id, path=f"Група {g}/Підгрупа {k}"
                        ).id
                    )
        for i in range(products + (PROMO_OTHERS if promotions else 0)):
            p = Product.create(
                sku=f"S{i:04d}",
                name=f"Товар номер {i} розмір M",
                group=subs[i % len(subs)],
                price=1990 + i,
                cost=900,
                created_at=now,
                updated_at=now,
            )
            codes.append(make_ean13("21", 1000 + i))
            Barcode.create(code=codes[-1], product=p)
    open_shift(cashier, REGISTER, loc, 0, fiscal=False)
    if bonus_customer:
        add_bonus_customer(now)
    first = Product.get(Product.sku == "S0000").id
    db.database.close()
    if promotions:  # 20 on the first goods scanned; at now, so the happy hours hold
        from bench.promotions import add_promotions

        add_promotions(path, first, promotions, step=1, at=now)
    return codes[:products]


def applied_promotions(path: str) -> list[str]:
    """The promotions the open receipt gets when priced again as the register prices it."""
    from torgtui import db
    from torgtui.models import Draft, Location
    from torgtui.sales.pricing import PricingContext, price
    from torgtui.sales.register import basket_from_json

    db.open_database(path)
    codes = []
    for draft in Draft.select().where(Draft.status == "open"):
        basket = basket_from_json(draft.data)
        ctx = PricingContext(
            at=dt.datetime.now(),
            customer_id=basket.customer_id,
            location_id=Location.get(Location.code == "MAIN").id,
        )
        price(basket, ctx)
        codes += [p["code"] for p in basket.info.get("promotions", [])]  # type: ignore[union-attr]
    db.database.close()
    return sorted(codes)


def register_env(folder: str) -> dict[str, str]:
    """The register's environment in the benchmarks: the bench till, no printer or fiscal
    unit, no idle lock, an empty settings file in ``folder`` (no personal settings)."""
    env = child_environment(rows=24, cols=80)
    env.update(
        TORGTUI_STORE_REGISTER=REGISTER,
        TORGTUI_DEVICES_PRINTER="none",
        TORGTUI_DEVICES_FISCAL="none",
        TORGTUI_UI_IDLE_LOCK_SECONDS="0",
        TORGTUI_CONFIG=str(Path(folder) / "none.toml"),
    )
    Path(env["TORGTUI_CONFIG"]).write_text("")
    return env


def open_sale(s: PtySession, sale_key: str = "1", sale_marker: str = "To pay") -> None:
    """Log the shop's cashier in (PIN 3333) and open the sale screen; returns once it settled."""
    s.read_until("PIN", 30)
    s.settle()
    s.write(b"3333\r")
    s.read_until("Sale", 30, since=len(s.visible))
    s.settle()
    mark = len(s.visible)
    s.write(sale_key.encode())
    s.read_until(sale_marker, 30, since=mark)
    s.settle(0.2, 3)


def attach_card(s: PtySession) -> None:
    """The bonus card through the code field, as a cashier scans it; returns once settled."""
    mark = len(s.visible)
    s.write(BONUS_CARD.encode() + b"\r")
    s.read_until(BONUS_NAME, 10, since=mark)
    s.settle(0.3, 3)


def scan_once(session: PtySession, code: str, quiet: float, limit: float) -> tuple[float, int]:
    """Write one scan (the code and CR at once, as a wedge burst over SSH)."""
    return session.type_and_settle(code.encode() + b"\r", quiet, limit)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


def phase_summary(lat: list[float], sizes: list[int]) -> dict[str, float]:
    return {
        "scans": len(lat),
        "p50_ms": statistics.median(lat),
        "p95_ms": p95(lat),
        "max_ms": max(lat),
        "bytes_median": statistics.median(sizes),
        "bytes_p95": p95([float(n) for n in sizes]),
        "bytes_max": max(sizes),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench scan", description=__doc__)
    parser.add_argument("--scans", type=int, default=100, help="repeat scans per receipt size")
    parser.add_argument("--lines", type=int, default=20, help="the basket's lines")
    parser.add_argument("--big", type=int, default=100, help="lines of the long receipt")
    parser.add_argument("--quiet", type=float, default=0.03, help="seconds of silence = settled")
    parser.add_argument("--sale-key", default="1", help="home key that opens the sale screen")
    parser.add_argument("--sale-marker", default="To pay")
    parser.add_argument("--fps", type=int, help="TEXTUAL_FPS for the register (default 60)")
    parser.add_argument(
        "--bonus-customer",
        action="store_true",
        help="scan a bonus card (a customer with a year of bonus history) before the first scan",
    )
    parser.add_argument(
        "--pay-bonuses",
        action="store_true",
        help="with --bonus-customer: F2 (pay with bonuses) after the first kind of scan",
    )
    parser.add_argument(
        "--promotions",
        action="store_true",
        help="200 active promotions, 20 of them on the goods scanned (bench promotions' set)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--output")
    args = parser.parse_args(argv)
    if not 0 < args.lines <= args.big:
        parser.error("--lines must be 1 or more and no more than --big")
    if args.pay_bonuses and not args.bonus_customer:
        parser.error("--pay-bonuses needs --bonus-customer")
    if args.promotions and args.big < 20:
        parser.error("--promotions needs --big 20 or more (20 promotions on 20 products)")
    scanned_codes: list[str] = []
    phases: dict[str, tuple[list[float], list[int]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "scan.sqlite")
        codes = build_shop(
            path,
            args.big,
            bonus_customer=args.bonus_customer,
            promotions=args.lines if args.promotions else 0,
        )
        env = register_env(tmp)
        if args.fps:
            env["TEXTUAL_FPS"] = str(args.fps)
        with PtySession([sys.executable, "-m", "torgtui", "--db", path], env=env) as s:
            open_sale(s, args.sale_key, args.sale_marker)
            if args.bonus_customer:
                attach_card(s)

            def timed(name: str, batch: list[str]) -> None:
                lat, sizes = phases.setdefault(name, ([], []))
                for code in batch:
                    seconds, size = scan_once(s, code, args.quiet, 2.0)
                    lat.append(seconds * 1000)
                    sizes.append(size)
                    scanned_codes.append(code)
                s.settle(0.2, 3)

            small = codes[: args.lines]
            timed(f"new line, 0-{args.lines} lines", small)
            if args.pay_bonuses:
                mark = len(s.visible)
                s.write(F2)
                s.read_until("paying", 10, since=mark)
                s.settle(0.3, 3)
            timed(
                f"repeat scan, {args.lines}-line receipt",
                [small[i % len(small)] for i in range(args.scans)],
            )
            timed(f"new line, {args.lines}-{args.big} lines", codes[args.lines :])
            # spread over the receipt: every 7th line, so the highlight jumps as at a real till
            timed(
                f"repeat scan, {args.big}-line receipt",
                [codes[(i * 7) % len(codes)] for i in range(args.scans)],
            )
            s.settle(0.3, 3)
        applied = applied_promotions(path) if args.promotions else []
        from torgtui import db
        from torgtui.models import Customer, Draft

        db.open_database(path)
        drafts = list(Draft.select())
        customers = {json.loads(d.data).get("customer_id") for d in drafts}
        holder = Customer.get_or_none(Customer.card == BONUS_CARD)
        wanted = {holder.id if holder is not None else None}
        per_code: dict[str, int] = {}
        for d in drafts:
            for ln in json.loads(d.data)["lines"]:
                per_code[ln["barcode"]] = per_code.get(ln["barcode"], 0) + ln["qty"] // 1000
        db.database.close()
    expected: dict[str, int] = {}
    for code in scanned_codes:
        expected[code] = expected.get(code, 0) + 1
    short = {
        c: (want, per_code.get(c, 0)) for c, want in expected.items() if per_code.get(c, 0) != want
    }
    on_receipt = sum(per_code.values())
    summary: dict[str, object] = {
        "bonus_customer": args.bonus_customer,
        "pay_bonuses": args.pay_bonuses,
        "promotions": args.promotions,
        "promotions_applied": applied,
        "phases": {name: phase_summary(*data) for name, data in phases.items()},
        "units_on_receipt": on_receipt,
        "units_scanned": len(scanned_codes),
        "machine": machine(),
    }
    with_card = ""
    if args.bonus_customer:
        with_card = ", a bonus card attached"
        with_card += " and its bonuses paid" if args.pay_bonuses else ""
    if args.promotions:
        with_card += ", 200 active promotions"
    print(
        f"scan -> line on screen, 80x24 pty, {len(scanned_codes)} scans on one receipt{with_card}:"
    )
    goals = []
    for name, ph in summary["phases"].items():  # type: ignore[union-attr]
        print(
            f"  {name:<34} p50 {ph['p50_ms']:5.1f} ms, p95 {ph['p95_ms']:5.1f} ms, "
            f"max {ph['max_ms']:6.1f} ms; bytes median {ph['bytes_median']:.0f}, "
            f"p95 {ph['bytes_p95']:.0f}, max {ph['bytes_max']}"
        )
        goals.append(Goal(f"{name}: p95", ph["p95_ms"], GOALS["p95_ms"]))
        goals.append(Goal(f"{name}: bytes p95", ph["bytes_p95"], GOALS["bytes"], unit="B"))
    print(f"  units on the open receipt: {on_receipt} of {len(scanned_codes)} scanned")
    if args.promotions:
        # the one for card holders (BONUS) needs the card; the rest apply to the goods scanned
        wanted_promotions = 20 if args.bonus_customer else 19
        print(f"  promotions on the final receipt: {len(applied)} ({', '.join(applied)})")
        if len(applied) != wanted_promotions:
            print(f"  BROKEN: {len(applied)} promotions applied, not {wanted_promotions}")
            short = short or {"promotions": (wanted_promotions, len(applied))}
    if short:
        print(f"  MISSING: barcode -> (scanned, on receipt): {short}")
    goals.append(Goal("scans lost", float(len(scanned_codes) - on_receipt), 0, unit=""))
    if args.bonus_customer and customers != wanted:
        print(f"  the bonus customer is not on the open receipt: {customers}")
        short = short or {"customer": (1, 0)}
    report(goals)
    summary["goals"] = [g.as_dict() for g in goals]
    out = Path(args.output or f"bench/results/scan-{time.strftime('%Y%m%d-%H%M%S')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    return exit_status(goals, strict=args.strict, broken=bool(short))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
