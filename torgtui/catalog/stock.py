"""The stock ledger: stock is the sum of append-only movements per product and location.

Quantities are thousandths of the unit (1000 = 1 pc, 1250 = 1.25 kg), signed: inbound goods,
returns and positive adjustments add; sales and write-offs subtract. Rows are never edited
(database triggers refuse it): a correction is another movement.

Part of the stock may be held for pre-orders (hard reserves, torgtui.marketing.preorders):
:func:`available` is what anyone else may buy, ``stock - reserved``, defined once here.
"""

from __future__ import annotations

from collections.abc import Iterable

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.db import query_value, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Employee, Location, Product, StockMovement
from torgtui.models.preorders import PreorderReserve
from torgtui.staff import Permission, audit, require
from torgtui.values import MAX_QTY, check_id, check_text

KINDS = ("import", "inbound", "sale", "return", "adjust", "writeoff")
MAX_NOTE = 200
_CHUNK = 500  # ids per IN (...) list


def location_by_code(code: str) -> Location:
    """The location with ``code``, or a ValidationError listing the known codes."""
    location = Location.get_or_none(Location.code == (code or "").strip())
    if location is None:
        known = ", ".join(loc.code for loc in Location.select().order_by(Location.code))
        raise ValidationError(
            _("Unknown location {code!r}: known locations are {known}.").format(
                code=code, known=known or _("(none yet)")
            )
        )
    return location


def _id(row: peewee.Model | int) -> int:
    return row if isinstance(row, int) else getattr(row, "id", None)  # type: ignore[return-value]


def post_movement(
    product: Product | int,
    location: Location | int,
    qty_milli: int,
    kind: str,
    employee: Employee | None = None,
    note: str = "",
    receipt_line_id: int | None = None,
    *,
    clock: Clock = system_clock,
    system: bool = False,
) -> StockMovement:
    """Append one movement of ``qty_milli`` (signed) to the ledger (in the caller's transaction).

    For people, stock is corrected through :func:`correct_stock` (a permission, a reason, the
    audit log). This low-level append is for the system's own documents (the CSV import run
    by the shop's administrator, the demo); it refuses to run unless told ``system=True``, or
    the employee may adjust stock."""
    if not system:
        require(employee, Permission.ADJUST_STOCK)
    if kind not in KINDS:
        raise ValidationError(
            _("Unknown stock movement kind {kind!r}: use one of {kinds}.").format(
                kind=kind, kinds=", ".join(KINDS)
            )
        )
    if (
        isinstance(qty_milli, bool)
        or not isinstance(qty_milli, int)
        or qty_milli == 0
        or abs(qty_milli) > MAX_QTY
    ):
        raise ValidationError(
            _(
                "A stock movement needs a non-zero whole number of thousandths, at most {max} "
                "units."
            ).format(max=MAX_QTY // 1000)
        )
    return StockMovement.create(
        product=_id(product),
        location=_id(location),
        qty=qty_milli,
        kind=kind,
        at=clock(),
        employee=employee,
        note=(note or "")[:MAX_NOTE],
        receipt_line_id=receipt_line_id,
    )


CORRECTION_KINDS = ("adjust", "writeoff")


def correct_stock(
    product: Product | int,
    location: Location | int,
    qty_milli: int,
    kind: str,
    reason: str,
    *,
    by: Employee,
    clock: Clock = system_clock,
) -> StockMovement:
    """A person corrects stock: ``adjust`` (a count found more or less, signed) or ``writeoff``
    (damaged, expired: taken away). Needs the adjust-stock permission and a reason, and is
    written to the audit log with the movement."""
    require(by, Permission.ADJUST_STOCK)
    if kind not in CORRECTION_KINDS:
        raise ValidationError(
            _("A stock correction is adjust or writeoff, not {kind!r}.").format(kind=str(kind)[:20])
        )
    reason = check_text(reason, _("The reason"), max_len=MAX_NOTE, required=True)
    product_id = check_id(_id(product) if not isinstance(product, bool) else None, _("The product"))
    location_id = check_id(
        _id(location) if not isinstance(location, bool) else None, _("The location")
    )
    if kind == "writeoff" and isinstance(qty_milli, int) and qty_milli > 0:
        qty_milli = -qty_milli  # a write-off takes away, however it was typed
    with write_tx():
        if Product.get_or_none(Product.id == product_id) is None:
            raise ValidationError(_("There is no such product."))
        if Location.get_or_none(Location.id == location_id) is None:
            raise ValidationError(_("There is no such location."))
        movement = post_movement(product_id, location_id, qty_milli, kind, by, reason, clock=clock)
        audit(
            f"stock.{kind}",
            by,
            object_type="product",
            object_id=product_id,
            after={"location": location_id, "qty": qty_milli, "reason": reason},
            clock=clock,
        )
    return movement


def stock_of(product: Product | int, location: Location | int) -> int:
    """Stock of one product at one location, in thousandths (0 when it never moved)."""
    total = (
        StockMovement.select(peewee.fn.COALESCE(peewee.fn.SUM(StockMovement.qty), 0))
        .where((StockMovement.product == _id(product)) & (StockMovement.location == _id(location)))
        .scalar()
    )
    return int(total or 0)


def stock_levels(
    location: Location | int, products: Iterable[Product | int] | None = None
) -> dict[int, int]:
    """{product id: stock in thousandths} at ``location``, in one grouped query.

    ``products`` limits the answer to those products (queried in chunks of ids); products that
    never moved are absent from the result (their stock is 0).
    """
    loc = _id(location)
    total = peewee.fn.SUM(StockMovement.qty)
    base = (
        StockMovement.select(StockMovement.product, total.alias("qty"))
        .where(StockMovement.location == loc)
        .group_by(StockMovement.product)
    )
    if products is None:
        return {row[0]: int(row[1]) for row in base.tuples()}
    ids = sorted({_id(p) for p in products})
    levels: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = base.where(StockMovement.product.in_(chunk))
        levels.update({row[0]: int(row[1]) for row in query.tuples()})
    return levels


def reserved_of(product: Product | int, location: Location | int) -> int:
    """Thousandths of a product held at a location for pre-orders (their hard reserves)."""
    total = query_value(  # on every scan (the register's line check): in SQL as written
        'SELECT COALESCE(SUM("qty"), 0) FROM "preorder_reserve" '
        'WHERE "product_id" = ? AND "location_id" = ? AND "status" = \'held\'',
        (_id(product), _id(location)),
    )
    return int(total or 0)


def available(product: Product | int, location: Location | int) -> int:
    """What other sales may take of a product at a location: its stock less what is held
    for pre-orders (may be below zero when stock went out from under a reserve: a write-off,
    a count). The one definition of "available"; the register's sales check it."""
    return stock_of(product, location) - reserved_of(product, location)


def reserved_levels(
    location: Location | int, products: Iterable[Product | int] | None = None
) -> dict[int, int]:
    """{product id: thousandths held for pre-orders} at ``location`` (products with nothing
    held are absent), in one grouped query per chunk of ids."""
    base = (
        PreorderReserve.select(
            PreorderReserve.product, peewee.fn.SUM(PreorderReserve.qty).alias("qty")
        )
        .where((PreorderReserve.location == _id(location)) & (PreorderReserve.status == "held"))
        .group_by(PreorderReserve.product)
    )
    if products is None:
        return {row[0]: int(row[1]) for row in base.tuples()}
    ids = sorted({_id(p) for p in products})
    levels: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        query = base.where(PreorderReserve.product.in_(chunk))
        levels.update({row[0]: int(row[1]) for row in query.tuples()})
    return levels
