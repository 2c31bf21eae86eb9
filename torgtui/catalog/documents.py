"""Stock documents (issue 12.6): the goods receipt from a supplier, the stocktake and the
write-off. Each is numbered (one series), has one line per product, and goes draft -> posted
(or cancelled) once; posting writes its stock movements (torgtui.catalog.stock) in the same
transaction as the state change.

* A **goods receipt** (RECEIVE_GOODS) lists what came and its cost per unit. Posting adds
  ``inbound`` movements and sets each product's cost to the weighted average of what is in
  stock (all locations, at its old cost) and what came (at the supplier's), rounded half up
  (torgtui.money): receipt lines sold afterwards carry that cost, so margins and the cost
  recalculation (torgtui.marketing.costs) start from it.
* A **stocktake** (ADJUST_STOCK) counts a product group (None: every product) at a location:
  each scan adds one unit to the product's counted quantity. Posting compares what was
  counted with the books *at that moment* for every product of the group (not counted = 0,
  products scanned from outside the group too) and posts each difference as an ``adjust``
  movement with the reason. Certificates sold as products are ordinary products: counted too.
* A **write-off** (ADJUST_STOCK) takes goods away (``writeoff`` movements) for a reason.

Exactly once: posting (:func:`torgtui.catalog.documents_post.post_document`) first moves the
state with ``UPDATE ... WHERE state = 'draft'``; its row count decides, so a second press, or
another back office posting the same document at the same moment, writes nothing
(PostgreSQL's row lock makes the second wait for the first's commit, SQLite's immediate
transaction lets one writer in). Edits of the lines take the same row the same way, so no
line changes under a posting. Everything is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from torgtui.catalog.service import find_by_code
from torgtui.clock import Clock, system_clock
from torgtui.db import database, is_sqlite, query_value, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Employee, Location, Product, ProductGroup
from torgtui.models.stockdocs import StockDocument, StockDocumentLine
from torgtui.money import format_qty
from torgtui.staff import Permission, audit, can, require
from torgtui.values import MAX_QTY, check_count, check_id, check_kopecks, check_qty, check_text

KINDS = ("receipt", "count", "writeoff")
NUMBER_LOCK = 0x7467_7364  # "tgsd": PostgreSQL numbers stock documents one at a time
MAX_LINES = 5000
SCAN_QTY = 1000  # one scan: one unit
READ_PERMISSIONS = (Permission.RECEIVE_GOODS, Permission.ADJUST_STOCK, Permission.VIEW_REPORTS)


def kind_title(kind: str) -> str:
    return {
        "receipt": _("Goods receipt"),
        "count": _("Stocktake"),
        "writeoff": _("Write-off"),
    }.get(kind, kind)


def state_title(state: str) -> str:
    return {"draft": _("draft"), "posted": _("posted"), "cancelled": _("cancelled")}.get(
        state, state
    )


def permission_for(kind: str) -> Permission:
    """Who may make and post a document of ``kind``."""
    return Permission.RECEIVE_GOODS if kind == "receipt" else Permission.ADJUST_STOCK


def require_reader(by: Employee | None) -> Employee:
    """Anyone who makes stock documents or reads reports may read them."""
    if any(can(by, p) for p in READ_PERMISSIONS):
        return by  # type: ignore[return-value]
    return require(by, Permission.VIEW_REPORTS)  # raises, naming who may


def _check_kind(kind: Any) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationError(
            _("Unknown stock document kind {kind!r}: use receipt, count or writeoff.").format(
                kind=kind[:20] if isinstance(kind, str) else type(kind).__name__
            )
        )
    return kind


def _next_number() -> int:
    if not is_sqlite():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (NUMBER_LOCK,))
    return int(query_value('SELECT COALESCE(MAX("number"), 0) + 1 FROM "stock_document"'))  # type: ignore[call-overload]


def create_document(
    kind: str,
    *,
    by: Employee,
    location: Location | int,
    supplier: str = "",
    invoice: str = "",
    group: ProductGroup | int | None = None,
    reason: str = "",
    clock: Clock = system_clock,
) -> StockDocument:
    """A new draft: a goods receipt (``supplier`` required, ``invoice`` optional), a
    stocktake (of ``group``, None: every product; ``reason`` optional) or a write-off
    (``reason`` required). Audited."""
    kind = _check_kind(kind)
    require(by, permission_for(kind))
    location_id = check_id(getattr(location, "id", location), _("The location"))
    supplier = check_text(supplier, _("The supplier"), max_len=120, required=kind == "receipt")
    invoice = check_text(invoice, _("The invoice number"), max_len=40)
    reason = check_text(reason, _("The reason"), max_len=200, required=kind == "writeoff")
    group_id = None
    if group is not None:
        group_id = check_id(getattr(group, "id", group), _("The product group"))
    now = clock()
    with write_tx():
        if Location.get_or_none(Location.id == location_id) is None:
            raise ValidationError(_("There is no such location."))
        if group_id is not None and ProductGroup.get_or_none(ProductGroup.id == group_id) is None:
            raise ValidationError(_("There is no such product group."))
        doc = StockDocument.create(
            number=_next_number(),
            kind=kind,
            state="draft",
            location=location_id,
            supplier=supplier if kind == "receipt" else "",
            invoice=invoice if kind == "receipt" else "",
            group=group_id if kind == "count" else None,
            reason=reason if kind != "receipt" else "",
            employee=by.id,
            created_at=now,
            updated_at=now,
        )
        audit(
            f"stockdoc.create_{kind}",
            by,
            object_type="stock_document",
            object_id=doc.number,
            after={
                "location": location_id,
                "supplier": supplier,
                "group": group_id,
                "reason": reason,
            },
            clock=clock,
        )
    return doc


def find_document(number: Any) -> StockDocument:
    """The document numbered ``number``, or a ValidationError saying there is none."""
    number = check_count(number, _("The document's number"), minimum=1, maximum=2**31 - 1)
    doc = StockDocument.get_or_none(StockDocument.number == number)
    if doc is None:
        raise ValidationError(_("There is no stock document {number}.").format(number=number))
    return doc


def _not_draft(doc: StockDocument) -> ValidationError:
    state = query_value('SELECT "state" FROM "stock_document" WHERE "id" = ?', (doc.id,))
    return ValidationError(
        _("{kind} {number} is {state}: it can no longer be changed.").format(
            kind=kind_title(doc.kind), number=doc.number, state=state_title(str(state))
        )
    )


def _take_draft(doc: StockDocument, now: dt.datetime) -> None:
    """Inside a write transaction: lock the document's row while it is a draft, or refuse."""
    taken = (
        StockDocument.update(updated_at=now)
        .where((StockDocument.id == doc.id) & (StockDocument.state == "draft"))
        .execute()
    )
    if taken != 1:
        raise _not_draft(doc)


def _product(product: Any) -> Product:
    if isinstance(product, Product):
        product = product.id
    product_id = check_id(product, _("The product"))
    found = Product.get_or_none(Product.id == product_id)
    if found is None:
        raise ValidationError(
            _("There is no product {id}: scan its barcode or search it by name.").format(
                id=product_id
            )
        )
    return found


def _check_line_qty(doc: StockDocument, product: Product, qty: Any) -> int:
    if doc.kind == "count" and isinstance(qty, int) and not isinstance(qty, bool) and qty == 0:
        return 0  # counted: none there
    if isinstance(qty, int) and not isinstance(qty, bool) and qty < 0:
        raise ValidationError(
            _(
                "A quantity on a stock document is 0 or more: type how many came, were counted "
                "or go."
            )
        )
    return check_qty(qty, weighed=product.weighed, name=product.name)


@dataclass(frozen=True)
class LineChange:
    """A line after a change: the product and its quantity (and cost) on the document."""

    number: int
    product_id: int
    sku: str
    name: str
    qty: int
    unit_cost: int


def _write_line(
    doc: StockDocument,
    product: Product,
    qty: int,
    unit_cost: int | None,
    *,
    add: bool,
) -> LineChange:
    line = StockDocumentLine.get_or_none(
        (StockDocumentLine.document == doc.id) & (StockDocumentLine.product == product.id)
    )
    new_qty = qty + (line.qty if (add and line is not None) else 0)
    if new_qty > MAX_QTY:
        raise ValidationError(
            _("{qty} of {name} is too large a quantity (at most {max}).").format(
                qty=format_qty(new_qty), name=product.name, max=format_qty(MAX_QTY)
            )
        )
    if unit_cost is None:
        if line is not None:
            unit_cost = line.unit_cost
        else:
            unit_cost = product.cost if doc.kind == "receipt" else 0
    if line is None:
        if new_qty == 0 and doc.kind != "count":
            return LineChange(doc.number, product.id, product.sku, product.name, 0, unit_cost)
        count = StockDocumentLine.select().where(StockDocumentLine.document == doc.id).count()
        if count >= MAX_LINES:
            raise ValidationError(
                _(
                    "A stock document has at most {n} lines: post this one and start another."
                ).format(n=MAX_LINES)
            )
        StockDocumentLine.create(
            document=doc.id, product=product.id, qty=new_qty, unit_cost=unit_cost
        )
    elif new_qty == 0 and doc.kind != "count":
        StockDocumentLine.delete().where(StockDocumentLine.id == line.id).execute()
    else:
        StockDocumentLine.update(qty=new_qty, unit_cost=unit_cost).where(
            StockDocumentLine.id == line.id
        ).execute()
    return LineChange(doc.number, product.id, product.sku, product.name, new_qty, unit_cost)


def set_line(
    number: int,
    product: Product | int,
    qty: int,
    *,
    unit_cost: int | None = None,
    add: bool = False,
    by: Employee,
    clock: Clock = system_clock,
) -> LineChange:
    """Put ``qty`` thousandths of ``product`` on draft ``number`` (``add``: on top of what is
    there). A goods receipt's line has the supplier's ``unit_cost`` (kopecks; None keeps the
    line's, or starts from the product's current cost). 0 takes the line off (a stocktake
    keeps it: counted, none there)."""
    doc = find_document(number)
    require(by, permission_for(doc.kind))
    found = _product(product)
    qty = _check_line_qty(doc, found, qty)
    if unit_cost is not None:
        if doc.kind != "receipt":
            raise ValidationError(_("Only a goods receipt has costs on its lines."))
        unit_cost = check_kopecks(unit_cost, _("The cost per unit"), minimum=1)
    with write_tx():
        _take_draft(doc, clock())
        return _write_line(doc, found, qty, unit_cost, add=add)


def scan(number: int, code: str, *, by: Employee, clock: Clock = system_clock) -> LineChange:
    """A scanned (or typed) barcode or SKU on draft ``number``: one more unit of its product
    (the stocktake's count; a receipt's or write-off's quantity)."""
    doc = find_document(number)
    require(by, permission_for(doc.kind))
    code = check_text(code, _("The code"), max_len=40, required=True)
    product = find_by_code(code)
    if product is None:
        raise ValidationError(
            _("Unknown code {code}: search the product by name instead.").format(code=code)
        )
    with write_tx():
        _take_draft(doc, clock())
        return _write_line(doc, product, SCAN_QTY, None, add=True)


def remove_line(
    number: int, product: Product | int, *, by: Employee, clock: Clock = system_clock
) -> None:
    """Take ``product`` off draft ``number`` altogether."""
    doc = find_document(number)
    require(by, permission_for(doc.kind))
    found = _product(product)
    with write_tx():
        _take_draft(doc, clock())
        StockDocumentLine.delete().where(
            (StockDocumentLine.document == doc.id) & (StockDocumentLine.product == found.id)
        ).execute()


def cancel_document(number: int, *, by: Employee, clock: Clock = system_clock) -> bool:
    """Cancel a draft (nothing was posted); True when it was a draft. Audited."""
    doc = find_document(number)
    require(by, permission_for(doc.kind))
    now = clock()
    with write_tx():
        done = (
            StockDocument.update(state="cancelled", updated_at=now)
            .where((StockDocument.id == doc.id) & (StockDocument.state == "draft"))
            .execute()
        )
        if done:
            audit(
                "stockdoc.cancel",
                by,
                object_type="stock_document",
                object_id=doc.number,
                clock=clock,
            )
    return bool(done)


__all__ = [
    "KINDS",
    "LineChange",
    "cancel_document",
    "create_document",
    "find_document",
    "kind_title",
    "permission_for",
    "remove_line",
    "require_reader",
    "scan",
    "set_line",
    "state_title",
]
