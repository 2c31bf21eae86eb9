"""A 2-item sale at the till, keystroke by keystroke, as the cashier's terminal sees it (issue 11).

    python -m bench till [--sales 20] [--warmup 1] [--pause 0.3] [--strict] [--profile FILE]

The register runs in a real pseudo-terminal (80x24) over ``bench scan``'s shop with loyalty and
promotions (bench/scan.py ``build_shop``): 20 goods with ``bench promotions``' 200 active
promotions, 20 of them on those goods, and the bonus customer with a year of bonus history.
Each sale, as a cashier rings it up:

1. the bonus card is scanned into the code field (its customer attached; timed, no goal);
2. two entries: a product's barcode and CR written at once (a wedge scanner's burst); sale
   ``i`` takes goods ``2i`` and ``2i+1`` of the 20, so the sales go round all of them;
3. the payment, exact cash, in turns (``--pay``): odd sales by the payment panel (F12 opens
   it, timed until settled; Enter pays, the cash field empty: "Enter: exact"), even sales by
   End, the register's exact-cash key (no panel; quicktill's one-keystroke cash payment);
   each timed until "Receipt N paid" shows (the commit runs on the writer thread), then until
   settled.

Every figure is from the write of the keystrokes to a read of the pty: "first byte" to the
read that brought the first byte of output, "settled" to the last byte before ``--quiet``
(30 ms) of silence. Nothing is filtered out: the status line's 10-second refresh and the
cursor blink (on: the ``SSH_*`` variables are removed, so ``ui.cursor_blink = "auto"``
blinks) count when they fall into a measurement, as they would on the cashier's screen.
A whole sale is the sum of its steps' settled times (both entries, then F12 and Enter, or
End; not the card, not the silences that end each step); each way of paying is reported.
``--warmup`` sales first are not timed; ``--pause`` seconds pass between sales (the next
customer), the output drained meanwhile.

After the run every sale must be in the database exactly once: its receipt number, its two
lines (the goods scanned), the bonus customer on it; otherwise the run is broken (exit 1).

``--profile FILE``: the register runs under cProfile (``TORGTUI_PROFILE``) and its UI thread's
statistics are written to FILE when the run ends (docs/performance.md says how they were read).

Goals (issue 11): entry settled p50 <= 14 ms, p95 <= 18 ms; pay -> paid (the pay keystroke,
Enter in the panel or End, to "paid" visible; all payments) p50 <= 12 ms, p95 <= 20 ms, max <=
50 ms; whole 2-item sale p50 <= 40 ms (paid by End: the peer's whole sale is also entries and
one cash keystroke; the panel's is reported beside it); bytes per entry median <= 700.
``--strict``: exit 1 when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.goals import Goal, exit_status, report
from bench.scan import (
    BONUS_CARD,
    BONUS_NAME,
    build_shop,
    open_sale,
    p95,
    register_env,
)
from bench.startup import machine, reference_ms
from bench.terminal import PtySession, Update

GOODS = 20  # the goods the 20 applying promotions are on
F12 = b"\x1b[24~"  # xterm's F12: pay
END = b"\x1b[F"  # xterm's End: exact cash at once
DIALOG_MARKER = "Cash handed over"  # the payment dialog's cash field (placeholder)
GOALS = {
    "entry_p50": 14.0,
    "entry_p95": 18.0,
    "paid_p50": 12.0,
    "paid_p95": 20.0,
    "paid_max": 50.0,
    "sale_p50": 40.0,
    "entry_bytes": 700,
}


def stats(values: list[float]) -> dict[str, float]:
    """p50, p95 and max of ``values`` in ms (NaN for none: a goal on it is missed)."""
    if not values:
        return {"n": 0, "p50": math.nan, "p95": math.nan, "max": math.nan}
    return {
        "n": len(values),
        "p50": statistics.median(values),
        "p95": p95(values),
        "max": max(values),
    }


def ring_up(
    s: PtySession, number: int, goods: tuple[str, str], quiet: float, by_end: bool = False
) -> dict[str, Update | list[Update] | None]:
    """One sale: card, two entries, then F12 and Enter (or End: ``by_end``); each step's
    :class:`Update`. Raises RuntimeError when the customer, the dialog or the paid receipt
    does not show."""
    card = s.type_and_watch(BONUS_CARD.encode() + b"\r", quiet, 10.0, marker=BONUS_NAME)
    entries = [s.type_and_watch(code.encode() + b"\r", quiet, 5.0) for code in goods]
    steps = [("the customer", card)]
    dialog = None
    if not by_end:
        dialog = s.type_and_watch(F12, quiet, 10.0, marker=DIALOG_MARKER)
        steps.append(("the dialog", dialog))
    pay_key = END if by_end else b"\r"
    paid = s.type_and_watch(pay_key, quiet, 15.0, marker=f"Receipt {number} paid")
    steps.append(("paid", paid))
    for what, update in steps:
        if math.isnan(update.marker):
            raise RuntimeError(
                f"sale {number}: {what} did not show; last output: {s.last_output()}"
            )
    return {"card": card, "entries": entries, "dialog": dialog, "paid": paid}


def check_receipts(path: str, sold: list[tuple[str, str]]) -> list[str]:
    """What is wrong with the receipts in the database against the sales rung up ([]: none)."""
    from torgtui import db
    from torgtui.models import Customer, Receipt, ReceiptLine

    db.open_database(path)
    try:
        holder = Customer.get(Customer.card == BONUS_CARD).id
        receipts = list(Receipt.select().order_by(Receipt.number))
        wrong = []
        if [r.number for r in receipts] != list(range(1, len(sold) + 1)):
            wrong.append(f"receipt numbers {[r.number for r in receipts]}, {len(sold)} sales")
        for receipt, goods in zip(receipts, sold, strict=False):
            lines = sorted(
                ln.barcode for ln in ReceiptLine.select().where(ReceiptLine.receipt == receipt)
            )
            if lines != sorted(goods):
                wrong.append(f"receipt {receipt.number} has {lines}, rung up {list(goods)}")
            if receipt.customer_id != holder:
                wrong.append(f"receipt {receipt.number} without the bonus customer")
        return wrong
    finally:
        db.database.close()


def run(args: argparse.Namespace) -> dict[str, object]:
    """Build the shop, ring up the sales, check them; the summary written to the JSON file."""
    timed: list[dict[str, Update | list[Update]]] = []
    sold: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "till.sqlite")
        codes = build_shop(path, GOODS, bonus_customer=True, promotions=GOODS)
        env = register_env(tmp)
        for key in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
            env.pop(key, None)  # a local till: the cursor blinks
        # how fast the machine is, between the sales (bench.startup.reference_ms)
        speed: list[float] = []
        if args.profile:  # the register's UI thread under cProfile (docs/performance.md)
            env["TORGTUI_PROFILE"] = str(Path(args.profile).resolve())
        with PtySession([sys.executable, "-m", "torgtui", "--db", path], env=env) as s:
            open_sale(s)
            for i in range(args.warmup + args.sales):
                goods = (codes[(2 * i) % GOODS], codes[(2 * i + 1) % GOODS])
                by_end = args.pay == "end" or (args.pay == "both" and i % 2 == 1)
                steps = ring_up(s, len(sold) + 1, goods, args.quiet, by_end)
                sold.append(goods)
                if i >= args.warmup:
                    timed.append(steps)
                    speed.append(reference_ms(repeat=1))
                s.pump(args.pause)
            load = machine()  # the load average while the register was running
        load["reference_during_ms"] = stats(speed)
        wrong = check_receipts(path, sold)
    ms = 1000.0
    entries = [e for sale in timed for e in sale["entries"]]  # type: ignore[union-attr]
    panel = [sale for sale in timed if sale["dialog"] is not None]
    by_end = [sale for sale in timed if sale["dialog"] is None]

    def whole(sales: list) -> list[float]:
        return [
            ms
            * (
                sum(e.last for e in sale["entries"])
                + (sale["dialog"].last if sale["dialog"] is not None else 0.0)
                + sale["paid"].last
            )
            for sale in sales
        ]

    return {
        "sales": len(timed),
        "entries": len(entries),
        "entry_first_ms": stats([ms * e.first for e in entries]),
        "entry_settled_ms": stats([ms * e.last for e in entries]),
        "entry_bytes": stats([float(e.size) for e in entries]),
        "card_settled_ms": stats([ms * sale["card"].last for sale in timed]),  # type: ignore[union-attr]
        "dialog_settled_ms": stats([ms * sale["dialog"].last for sale in panel]),  # type: ignore[union-attr]
        "dialog_bytes": stats([float(sale["dialog"].size) for sale in panel]),  # type: ignore[union-attr]
        "paid_ms": stats([ms * sale["paid"].marker for sale in timed]),  # type: ignore[union-attr]
        "panel_paid_ms": stats([ms * sale["paid"].marker for sale in panel]),  # type: ignore[union-attr]
        "panel_paid_settled_ms": stats([ms * sale["paid"].last for sale in panel]),  # type: ignore[union-attr]
        "panel_paid_bytes": stats([float(sale["paid"].size) for sale in panel]),  # type: ignore[union-attr]
        "end_paid_ms": stats([ms * sale["paid"].marker for sale in by_end]),  # type: ignore[union-attr]
        "end_paid_settled_ms": stats([ms * sale["paid"].last for sale in by_end]),  # type: ignore[union-attr]
        "end_paid_bytes": stats([float(sale["paid"].size) for sale in by_end]),  # type: ignore[union-attr]
        "panel_sale_ms": stats(whole(panel)),
        "sale_ms": stats(whole(by_end)),
        "receipts": len(sold),
        "broken": wrong,
        "options": vars(args),
        "machine": load,
    }


def goals_of(result: dict[str, dict[str, float]]) -> list[Goal]:
    entry, paid = result["entry_settled_ms"], result["paid_ms"]
    return [
        Goal("entry settled: p50", entry["p50"], GOALS["entry_p50"]),
        Goal("entry settled: p95", entry["p95"], GOALS["entry_p95"]),
        Goal("pay -> paid: p50", paid["p50"], GOALS["paid_p50"]),
        Goal("pay -> paid: p95", paid["p95"], GOALS["paid_p95"]),
        Goal("pay -> paid: max", paid["max"], GOALS["paid_max"]),
        Goal("whole 2-item sale (End): p50", result["sale_ms"]["p50"], GOALS["sale_p50"]),
        Goal("bytes per entry: median", result["entry_bytes"]["p50"], GOALS["entry_bytes"], "B"),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench till", description=__doc__)
    parser.add_argument("--sales", type=int, default=20, help="timed 2-item sales (2 entries each)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed sales first")
    parser.add_argument("--pause", type=float, default=0.3, help="seconds between sales")
    parser.add_argument("--quiet", type=float, default=0.03, help="seconds of silence = settled")
    parser.add_argument(
        "--pay", choices=("both", "f12", "end"), default="both", help="how sales are paid"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--output")
    parser.add_argument(
        "--profile", metavar="FILE", help="profile the register (cProfile stats to FILE)"
    )
    args = parser.parse_args(argv)
    if args.sales < 1 or args.warmup < 0:
        parser.error("--sales must be 1 or more and --warmup 0 or more")
    result = run(args)
    here = result["machine"]
    load = ", ".join(f"{x:.2f}" for x in here["load_average"])  # type: ignore[index]
    print(
        f"till, 80x24 pty, {result['sales']} 2-item sales ({result['entries']} entries), "
        f"bonus card attached, 200 active promotions (20 on the goods); load {load}:"
    )
    speed = here["reference_during_ms"]  # type: ignore[index]
    print(
        f"  machine speed between the sales (bench.startup.reference_ms, lower is faster): "
        f"p50 {speed['p50']:.1f} ms, max {speed['max']:.1f} ms"
    )
    rows = [
        ("entry: first byte", "entry_first_ms", "ms"),
        ("entry: settled", "entry_settled_ms", "ms"),
        ("entry: bytes", "entry_bytes", "B"),
        ("bonus card: settled", "card_settled_ms", "ms"),
        ("F12 -> payment panel settled", "dialog_settled_ms", "ms"),
        ("panel: Enter -> paid on screen", "panel_paid_ms", "ms"),
        ("panel: Enter -> settled", "panel_paid_settled_ms", "ms"),
        ("panel: pay bytes", "panel_paid_bytes", "B"),
        ("End -> paid on screen", "end_paid_ms", "ms"),
        ("End -> settled", "end_paid_settled_ms", "ms"),
        ("End: pay bytes", "end_paid_bytes", "B"),
        ("pay keystroke -> paid (all)", "paid_ms", "ms"),
        ("whole sale, F12 + Enter", "panel_sale_ms", "ms"),
        ("whole sale, End", "sale_ms", "ms"),
    ]
    for label, key, unit in rows:
        st = result[key]
        print(
            f"  {label:<32} p50 {st['p50']:7.1f} {unit:<2}  p95 {st['p95']:7.1f} {unit:<2}  "
            f"max {st['max']:7.1f} {unit}"
        )
    broken = result["broken"]
    for what in broken:  # type: ignore[union-attr]
        print(f"  BROKEN: {what}")
    goals = goals_of(result)  # type: ignore[arg-type]
    report(goals)
    result["goals"] = [g.as_dict() for g in goals]
    out = Path(args.output or f"bench/results/till-{time.strftime('%Y%m%d-%H%M%S')}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    return exit_status(goals, strict=args.strict, broken=bool(broken))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
