"""How much of a product is left at the shift's location after the open receipt: the hint the
register shows for the selected line ("Left 12 pcs", "Left −2 pcs" when the receipt takes more
than the books hold: a warning, never a refusal).

Stock is the sum of the product's ledger (torgtui.catalog.stock); summing a product's whole
history on every scan costs as much as its history is long (20 ms for a product sold 20 000
times, on SQLite). So :class:`StockHints` keeps a snapshot of every product's stock at the
location, taken once off the scan path (:func:`take_snapshot`, one grouped query, in a worker),
and per scan reads only the movements written since: one query over an index range (about
0.02 ms on SQLite), which also says when enough has moved to take a new snapshot.

A product that never moved at the location has no stock kept there: it shows no hint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import peewee

from torgtui.db import database, sql
from torgtui.i18n import _
from torgtui.models import StockMovement
from torgtui.money import format_qty
from torgtui.sales.basket import Basket

# Movements with ids just below the snapshot's newest are read per scan rather than summed
# into the snapshot: on PostgreSQL a transaction may commit after one with a later id.
MARGIN_IDS = 100
# When more movements than this were written at all since the snapshot, take a new one: the
# per-scan read on PostgreSQL walks the ids written since it.
REFRESH_IDS = 2000
# Per scan, raw (peewee's query building costs ten times SQLite's work here): the product's
# movements since the snapshot, and the newest movement of all (to know when to refresh).
SINCE_SNAPSHOT = (
    'SELECT COALESCE(SUM("qty"), 0), COUNT(*), (SELECT MAX("id") FROM "stock_movement") '
    'FROM "stock_movement" WHERE "product_id" = ? AND "location_id" = ? AND "id" > ?'
)


def unit_label(unit: str) -> str:
    """A product's unit as the cashier reads it (stored as pcs, kg, g, l, m, pack)."""
    labels = {
        "pcs": _("pcs"),
        "kg": _("kg"),
        "g": _("g"),
        "l": _("l"),
        "m": _("m"),
        "pack": _("pack"),
    }
    return labels.get(unit, unit)


def left_text(left: int, unit: str) -> str:
    """ "Left 12 pcs", "Left 0.35 kg", "Left −2 pcs" (a true minus sign: it stands out)."""
    qty = format_qty(left).replace("-", "\u2212")
    return _("Left {qty} {unit}").format(qty=qty, unit=unit_label(unit))


@dataclass(frozen=True)
class Snapshot:
    """Every product's stock at one location, summed over the movements up to ``upto``
    (products that never moved there are absent)."""

    location_id: int
    upto: int
    levels: dict[int, int] = field(default_factory=dict)


def take_snapshot(location_id: int) -> Snapshot:
    """Sum the location's whole ledger per product (one grouped query: run it in a worker,
    never on a scan; about 0.1-0.6 s for 400 000 movements)."""
    newest = StockMovement.select(peewee.fn.MAX(StockMovement.id)).scalar() or 0
    upto = max(int(newest) - MARGIN_IDS, 0)
    rows = (
        StockMovement.select(StockMovement.product, peewee.fn.SUM(StockMovement.qty))
        .where((StockMovement.location == location_id) & (StockMovement.id <= upto))
        .group_by(StockMovement.product)
        .tuples()
    )
    return Snapshot(location_id, upto, {int(pid): int(qty) for pid, qty in rows})


class StockHints:
    """Stock at one location for the register's hint, cheap per scan (see the module doc).

    Not thread-safe: the snapshot is taken in a worker and handed over with :meth:`load`."""

    def __init__(self, location_id: int) -> None:
        self.location_id = location_id
        self.snapshot: Snapshot | None = None
        self.loading = False  # a snapshot is being taken (the screen starts one at a time)
        self.stale = False  # enough moved since the snapshot: take a new one
        self._memo: tuple[object, str] | None = None  # (what was asked, the answer)

    @property
    def ready(self) -> bool:
        return self.snapshot is not None

    def load(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.loading = self.stale = False
        self._memo = None

    def stock(self, product_id: int) -> int | None:
        """The product's stock at the location now (None: no snapshot yet, or the product
        never moved there). One query: the movements since the snapshot."""
        if self.snapshot is None:
            return None
        row = database.execute_sql(
            sql(SINCE_SNAPSHOT), (product_id, self.location_id, self.snapshot.upto)
        ).fetchone()
        moved, count, latest = row if row else (0, 0, 0)
        self.stale = int(latest or 0) - self.snapshot.upto > REFRESH_IDS
        base = self.snapshot.levels.get(product_id)
        if base is None and not count:
            return None
        return (base or 0) + int(moved)

    def left(self, product_id: int, on_receipt: int) -> int | None:
        """What stays of the product after this receipt's ``on_receipt`` thousandths."""
        stock = self.stock(product_id)
        return None if stock is None else stock - on_receipt

    def text_for(self, basket: Basket, index: int, receipt: str | None) -> str:
        """The hint for line ``index`` of ``basket`` ("" when there is none to show). The
        same receipt, product and quantity as last time give the last answer without a
        query (the header is redrawn for other reasons too)."""
        if not 0 <= index < len(basket.lines):
            return ""
        line = basket.lines[index]
        on_receipt = sum(ln.qty for ln in basket.lines if ln.product_id == line.product_id)
        key = (receipt, line.product_id, on_receipt)
        if self._memo is not None and self._memo[0] == key:
            return self._memo[1]
        left = self.left(line.product_id, on_receipt)
        text = "" if left is None else left_text(left, line.unit)
        self._memo = (key, text)
        return text
