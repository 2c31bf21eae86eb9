"""Posting a stock document (torgtui.catalog.documents): its movements, and a goods receipt's
new costs, in the transaction that moves its state from draft to posted, exactly once (see
torgtui.catalog.documents for what each kind posts and why)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import peewee

from torgtui.catalog.documents import find_document, kind_title, permission_for
from torgtui.catalog.stock import post_movement, stock_levels
from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Employee, Product, ProductGroup, StockMovement
from torgtui.models.stockdocs import StockDocument, StockDocumentLine
from torgtui.money import format_money, line_amount, round_kopecks
from torgtui.staff import audit, require


@dataclass(frozen=True)
class Posting:
    """What :func:`post_document` did: ``posted`` False when the document was posted (or
    cancelled) already, by this or another back office, and nothing was written now."""

    number: int
    kind: str
    posted: bool
    movements: int = 0
    qty: int = 0  # the sum of the movements, thousandths (signed)
    total_cost: int = 0  # kopecks: the goods received, or what was found or lost at cost


def group_products(group_id: int | None) -> list[int]:
    """The active products of a group and every group under it (None: every product)."""
    query = Product.select(Product.id).where(Product.active == True)  # noqa: E712
    if group_id is not None:
        root = ProductGroup.get_by_id(group_id)
        ids = [
            gid
            for gid, path in ProductGroup.select(ProductGroup.id, ProductGroup.path).tuples()
            if path == root.path or path.startswith(root.path + "/")
        ]
        query = query.where(Product.group.in_(ids))
    return [pid for (pid,) in query.tuples()]


def _stock_everywhere(product_id: int) -> int:
    total = (
        StockMovement.select(peewee.fn.COALESCE(peewee.fn.SUM(StockMovement.qty), 0))
        .where(StockMovement.product == product_id)
        .scalar()
    )
    return int(total or 0)


def average_cost(on_hand: int, old_cost: int, received: int, cost: int) -> int:
    """The weighted average cost after ``received`` thousandths came at ``cost``: what is
    on hand (none counted when below zero) at ``old_cost``, rounded half up. No old cost
    known (0): the new cost."""
    on_hand = max(on_hand, 0)
    if old_cost <= 0 or on_hand == 0:
        return cost
    total = Decimal(on_hand) * old_cost + Decimal(received) * cost
    return round_kopecks(total / (on_hand + received))


def _lines(doc: StockDocument) -> list[StockDocumentLine]:
    return list(
        StockDocumentLine.select()
        .where(StockDocumentLine.document == doc.id)
        .order_by(StockDocumentLine.id)
    )


def _post_receipt(doc: StockDocument, by: Employee, now: dt.datetime, clock: Clock) -> Posting:
    lines = _lines(doc)
    costs: dict[int, list[int]] = {}
    total = qty = 0
    for line in lines:
        product = Product.get_by_id(line.product_id)
        if line.unit_cost <= 0:
            raise ValidationError(
                _("Give the cost of {name} on the receipt before posting it.").format(
                    name=product.name
                )
            )
        new_cost = average_cost(
            _stock_everywhere(product.id), product.cost, line.qty, line.unit_cost
        )
        post_movement(
            product.id,
            doc.location_id,
            line.qty,
            "inbound",
            by,
            _note(doc, doc.supplier),
            clock=clock,
            system=True,
        )
        if new_cost != product.cost:
            Product.update(cost=new_cost, updated_at=now).where(Product.id == product.id).execute()
        costs[product.id] = [product.cost, new_cost]
        StockDocumentLine.update(posted_qty=line.qty).where(
            StockDocumentLine.id == line.id
        ).execute()
        total += line_amount(line.unit_cost, line.qty)
        qty += line.qty
    audit(
        "product.cost_from_receipt",
        by,
        object_type="stock_document",
        object_id=doc.number,
        after={"costs": costs},
        clock=clock,
    )
    return Posting(doc.number, doc.kind, True, len(lines), qty, total)


def _note(doc: StockDocument, text: str) -> str:
    head = {"receipt": "receipt", "count": "stocktake", "writeoff": "writeoff"}[doc.kind]
    return f"{head} {doc.number}: {text}" if text else f"{head} {doc.number}"


def _post_count(doc: StockDocument, by: Employee, clock: Clock) -> Posting:
    lines = {line.product_id: line for line in _lines(doc)}
    products = sorted(set(group_products(doc.group_id)) | set(lines))
    books = stock_levels(doc.location_id, products)
    costs: dict[int, int] = {}
    for start in range(0, len(products), 500):
        chunk = products[start : start + 500]
        query = Product.select(Product.id, Product.cost).where(Product.id.in_(chunk))
        costs.update(query.tuples())
    moved = total = qty = 0
    for product_id in products:
        expected = books.get(product_id, 0)
        line = lines.get(product_id)
        counted = line.qty if line is not None else 0
        diff = counted - expected
        if line is None and expected == 0:
            continue
        if diff:
            post_movement(
                product_id,
                doc.location_id,
                diff,
                "adjust",
                by,
                _note(doc, doc.reason),
                clock=clock,
                system=True,
            )
            moved += 1
            qty += diff
            total += line_amount(int(costs.get(product_id, 0)), diff)
        if line is None:
            StockDocumentLine.create(
                document=doc.id, product=product_id, qty=0, expected=expected, posted_qty=diff
            )
        else:
            StockDocumentLine.update(expected=expected, posted_qty=diff).where(
                StockDocumentLine.id == line.id
            ).execute()
    return Posting(doc.number, doc.kind, True, moved, qty, total)


def _post_writeoff(doc: StockDocument, by: Employee, clock: Clock) -> Posting:
    lines = _lines(doc)
    total = qty = 0
    for line in lines:
        product = Product.get_by_id(line.product_id)
        post_movement(
            product.id,
            doc.location_id,
            -line.qty,
            "writeoff",
            by,
            _note(doc, doc.reason),
            clock=clock,
            system=True,
        )
        StockDocumentLine.update(posted_qty=-line.qty, unit_cost=product.cost).where(
            StockDocumentLine.id == line.id
        ).execute()
        total -= line_amount(product.cost, line.qty)
        qty -= line.qty
    return Posting(doc.number, doc.kind, True, len(lines), qty, total)


def post_document(number: int, *, by: Employee, clock: Clock = system_clock) -> Posting:
    """Post draft ``number``: its movements (and a receipt's new costs) in one transaction,
    audited. Posting it again, here or elsewhere, writes nothing (``posted`` False)."""
    doc = find_document(number)
    require(by, permission_for(doc.kind))
    now = clock()
    with write_tx():
        has_lines = StockDocumentLine.select().where(StockDocumentLine.document == doc.id).exists()
        if doc.kind != "count" and not has_lines:
            raise ValidationError(
                _("{kind} {number} has no lines: add the goods first.").format(
                    kind=kind_title(doc.kind), number=doc.number
                )
            )
        taken = (
            StockDocument.update(state="posted", posted_by=by.id, posted_at=now, updated_at=now)
            .where((StockDocument.id == doc.id) & (StockDocument.state == "draft"))
            .execute()
        )
        if taken != 1:
            return Posting(doc.number, doc.kind, False)
        if doc.kind == "receipt":
            result = _post_receipt(doc, by, now, clock)
        elif doc.kind == "count":
            result = _post_count(doc, by, clock)
        else:
            result = _post_writeoff(doc, by, clock)
        StockDocument.update(total_cost=result.total_cost).where(
            StockDocument.id == doc.id
        ).execute()
        audit(
            f"stockdoc.post_{doc.kind}",
            by,
            object_type="stock_document",
            object_id=doc.number,
            after={
                "movements": result.movements,
                "qty": result.qty,
                "total_cost": result.total_cost,
                "reason": doc.reason,
            },
            clock=clock,
        )
    return result


def posting_words(result: Posting) -> str:
    """What a screen or the CLI says after :func:`post_document`."""
    if not result.posted:
        return _("Document {number} was posted already: nothing was written again.").format(
            number=result.number
        )
    return _("{kind} {number} posted: stock movements {n}, {amount} at cost.").format(
        kind=kind_title(result.kind),
        number=result.number,
        n=result.movements,
        amount=format_money(result.total_cost),
    )


__all__ = ["Posting", "average_cost", "group_products", "post_document", "posting_words"]
