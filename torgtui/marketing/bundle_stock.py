"""A set sold as one article, in the stock ledger: disassembled into its parts at the sale and
put back together by a return (sale and return hooks, inside the receipt's transaction).

Checkout writes the article's own ``sale`` movement for every line. When the article's bundle
says ``disassemble``, the hook here turns that into movements of the parts, all linked to the
article's receipt line (``receipt_line_id``) and named in their note:

* the article gets its units back (``+sets``, note ``bundle:CODE:set``), so it nets to zero;
* each part goes out (``-sets x its quantity``, note ``bundle:CODE:part``), kind ``sale``.

**Parts missing in stock.** The till never refuses a sale for stock (no product does), so:
the sets whose parts are all in stock at the shift's location are disassembled; for the rest
the article's own stock is used first when it has some (sets packed in advance), and whatever
is still missing is disassembled anyway: those parts go below zero, like any product sold
beyond what the ledger holds, for the next count to settle. ``receipt.info["disassembled"]``
lists each line's sets and the parts that went short.

**Returns.** A return of the article reverses what its sale did, in proportion to the units
coming back and cumulatively over several returns (disassembled units first): the parts come
back into stock (``return``) and the article's own ``return`` movement is taken off again
(note ``bundle:CODE:set``), so the goods are counted once, as parts.
"""

from __future__ import annotations

import peewee

from torgtui.catalog.stock import post_movement, stock_levels
from torgtui.marketing.bundle_pricing import Rule, bundle_rules
from torgtui.models import Product, ReceiptLine, StockMovement
from torgtui.money import format_qty
from torgtui.sales import extensions
from torgtui.sales.extensions import ReturnEvent, SaleEvent

SET, PART = "set", "part"


def _note(rule_code: str, what: str) -> str:
    return f"bundle:{rule_code}:{what}"


@extensions.sale_hook
def disassemble_on_sale(event: SaleEvent) -> None:
    """The parts of every disassembling set article the receipt sells leave stock instead."""
    rules = bundle_rules()
    if not rules.by_article:
        return
    day = event.now.date()
    sold: list[tuple[int, int, Rule]] = []  # (position, thousandths, rule)
    for position, line in enumerate(event.basket.lines, 1):
        rule = rules.by_article.get(line.product_id)
        if rule is not None and rule.disassemble and rule.valid_on(day):
            sold.append((position, line.qty, rule))
    if not sold:
        return
    line_ids = dict(
        ReceiptLine.select(ReceiptLine.position, ReceiptLine.id)
        .where(ReceiptLine.receipt == event.receipt_id)
        .tuples()
    )
    location = event.shift.location_id
    products = {r.article_id for _p, _q, r in sold} | {p for _, _, r in sold for p, _ in r.parts}
    levels = stock_levels(location, products)  # this receipt's own movements included

    def move(product_id: int, qty: int, note: str, line_id: int) -> None:
        post_movement(
            product_id,
            location,
            qty,
            "sale",
            event.employee,
            note,
            line_id,
            clock=lambda: event.now,
            system=True,
        )
        levels[product_id] = levels.get(product_id, 0) + qty

    facts = []
    for position, qty, rule in sold:
        units = qty // 1000
        covered = units  # sets whose parts are all in stock
        for product_id, part_qty in rule.parts:
            covered = min(covered, max(levels.get(product_id, 0), 0) // part_qty)
        own = max(levels.get(rule.article_id, 0) + qty, 0) // 1000  # before this line's sale
        sets = units - min(units - covered, own)
        if not sets:
            continue
        line_id = line_ids[position]
        move(rule.article_id, sets * 1000, _note(rule.code, SET), line_id)  # type: ignore[arg-type]
        short: dict[int, int] = {}
        for product_id, part_qty in rule.parts:
            move(product_id, -sets * part_qty, _note(rule.code, PART), line_id)
            if levels[product_id] < 0:
                short[product_id] = -levels[product_id]
        fact: dict[str, object] = {"line": position, "bundle": rule.code, "sets": sets}
        if short:  # what the ledger did not have: by SKU, in units
            names = dict(
                Product.select(Product.id, Product.sku).where(Product.id.in_(list(short))).tuples()
            )
            fact["short"] = {names[p]: format_qty(q) for p, q in sorted(short.items())}
        facts.append(fact)
    if facts:
        event.info["disassembled"] = facts


@extensions.return_hook
def reassemble_on_return(event: ReturnEvent) -> None:
    """Returned set articles: their parts come back into stock, as the sale took them."""
    wanted = {original.id: qty for original, qty, _refund in event.lines}
    moves = list(
        StockMovement.select(
            StockMovement.receipt_line_id,
            StockMovement.product,
            StockMovement.qty,
            StockMovement.note,
        )
        .where(
            StockMovement.receipt_line_id.in_(list(wanted))
            & StockMovement.note.startswith("bundle:")
            & (StockMovement.kind == "sale")
        )
        .tuples()
    )
    if not moves:
        return
    by_line: dict[int, dict[str, object]] = {}
    for line_id, product_id, qty, note in moves:
        _prefix, code, what = note.split(":", 2)
        entry = by_line.setdefault(line_id, {"code": code, "sets": 0, "parts": {}, "article": 0})
        if what == SET:
            entry["sets"] = int(entry["sets"]) + qty  # type: ignore[call-overload]
            entry["article"] = product_id
        else:
            parts: dict[int, int] = entry["parts"]  # type: ignore[assignment]
            parts[product_id] = parts.get(product_id, 0) - qty
    earlier = dict(
        ReceiptLine.select(ReceiptLine.original_line, peewee.fn.SUM(ReceiptLine.qty))
        .where(
            ReceiptLine.original_line.in_(list(by_line)) & (ReceiptLine.receipt != event.receipt_id)
        )
        .group_by(ReceiptLine.original_line)
        .tuples()
    )
    refund_ids = dict(
        ReceiptLine.select(ReceiptLine.original_line, ReceiptLine.id)
        .where(ReceiptLine.receipt == event.receipt_id)
        .tuples()
    )
    location = event.shift.location_id
    facts = []
    for line_id, entry in by_line.items():
        done = int(entry["sets"])  # type: ignore[call-overload]
        if done <= 0:
            continue
        before = int(earlier.get(line_id) or 0)
        after = before + wanted[line_id]
        back = min(done, after) - min(done, before)
        if back <= 0:
            continue
        code = str(entry["code"])

        def move(product_id: int, qty: int, what: str) -> None:
            post_movement(
                product_id,
                location,
                qty,
                "return",
                event.employee,
                _note(code, what),  # noqa: B023  (used at once, in this iteration)
                refund_ids[line_id],  # noqa: B023
                clock=lambda: event.now,
                system=True,
            )

        move(int(entry["article"]), -back, SET)  # type: ignore[call-overload]
        parts: dict[int, int] = entry["parts"]  # type: ignore[assignment]
        for product_id, total in sorted(parts.items()):
            part = total * min(done, after) // done - total * min(done, before) // done
            if part:
                move(product_id, part, PART)
        facts.append({"bundle": code, "sets": back // 1000})
    if facts:
        event.info["reassembled"] = facts
