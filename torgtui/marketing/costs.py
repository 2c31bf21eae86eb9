"""Cost recalculation after promotions (seed 000 section 5, issue 9 section 7): after a mass
promotion the supplier pays back part of the cost of the goods sold in it (so much per unit,
or a percentage of the unit cost), and the net profit of those receipts is only right once the
cost is recalculated. This module writes that as a document and answers, for any receipt
line, what it really cost.

* :func:`recalculate_costs` (EDIT_PRICES): a document over the sale lines a promotion
  discounted (``line_adjustment`` step "promotion", rule its code) sold on the days given
  (default: the promotion's dates), optionally only some products. Each line's unit cost goes
  down by the compensation: ``per_unit`` kopecks, or ``percent`` of the unit cost (rounded half
  up to the kopeck per unit, torgtui.money). Refused, nothing written: a compensation over a
  line's cost (the goods would cost less than nothing), a line another document recalculated
  already and that was not reversed (reverse it first: one document per compensation), no
  line to change. :func:`preview_costs` says what it would do, writing nothing.
* :func:`reverse_cost_document` (EDIT_PRICES): the reversing document (the opposite change on
  every line); a document is reversed once (the unique index on ``reverses_id`` decides, even
  between two back offices at once), a reversal is never reversed (make a new document).
* :func:`get_cost_document`, :func:`list_cost_documents`, :func:`cost_document_lines`
  (VIEW_REPORTS): what the screens show.
* :func:`unit_cost_changes`, :func:`effective_unit_costs`, :func:`effective_line_costs`,
  :func:`changes_between` and :func:`effective_cost_sql`: a line's effective cost for reports
  (its ``unit_cost`` plus the changes of every document, reversals included, so a reversed
  document adds up to nothing). A return line takes its original sale line's changes: the
  goods come back at the cost they were sold at.

Both tables are append-only (migration 0014); every document is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.db import database, insert_rows, is_sqlite, query_value, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.promotions.service import get_promotion
from torgtui.models import Employee
from torgtui.models.costs import CostDocument
from torgtui.models.promotions import Promotion
from torgtui.money import format_money, line_amount, percent_of
from torgtui.sales.checkout import stamp
from torgtui.staff import Permission, audit, require
from torgtui.values import (
    check_count,
    check_date,
    check_id,
    check_kopecks,
    check_percent,
    check_text,
)

BASES = ("per_unit", "percent")
NUMBER_LOCK = 0x7467_636F  # "tgco": PostgreSQL numbers documents one at a time
MAX_PRODUCTS = 5000
_CHUNK = 500


@dataclass(frozen=True)
class PlannedLine:
    line_id: int
    product_id: int
    sku: str
    name: str
    qty: int
    unit_cost: int
    unit_change: int  # kopecks per unit (negative: cheaper)
    change: int  # for the line's quantity, kopecks


@dataclass
class CostPlan:
    """What a recalculation would write (or wrote)."""

    promotion: str
    basis: str
    amount: int
    percent: Decimal | None
    first_day: dt.date | None
    last_day: dt.date | None
    products: tuple[int, ...]
    note: str
    lines: list[PlannedLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(ln.change for ln in self.lines)

    @property
    def units(self) -> int:
        return sum(ln.qty for ln in self.lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "promotion": self.promotion,
            "basis": self.basis,
            "amount": self.amount,
            "percent": None if self.percent is None else str(self.percent),
            "first_day": _iso(self.first_day),
            "last_day": _iso(self.last_day),
            "products": list(self.products),
            "note": self.note,
            "lines": len(self.lines),
            "units": self.units,
            "total": self.total,
        }


@dataclass(frozen=True)
class CostDocumentInfo:
    """A document as the screens and the CLI show it (money in kopecks)."""

    number: int
    kind: str  # recalc, reversal
    promotion: str  # its code ("" when none)
    promotion_name: str
    basis: str
    amount: int
    percent: Decimal | None
    first_day: dt.date | None
    last_day: dt.date | None
    products: tuple[int, ...]
    note: str
    reverses: int | None  # the number of the document it undoes
    reversed_by: int | None  # the number of the document that undid it
    lines: int
    total: int
    employee: str
    created_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            k: getattr(self, k) for k in self.__dataclass_fields__ if k not in ("percent",)
        }
        out["percent"] = None if self.percent is None else str(self.percent)
        out["first_day"], out["last_day"] = _iso(self.first_day), _iso(self.last_day)
        out["products"] = list(self.products)
        out["created_at"] = self.created_at.isoformat(sep=" ", timespec="seconds")
        return out


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _marks(items: Sequence[object]) -> str:
    return ", ".join("?" * len(items))


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


# --- a line's effective cost (for reports) ----------------------------------------------------


def unit_cost_changes(line_ids: Iterable[int]) -> dict[int, int]:
    """{line id: the sum of its unit cost changes} for the lines that have any (a return line
    takes its original sale line's)."""
    out: dict[int, int] = {}
    for chunk in _chunks(line_ids):
        rows = database.execute_sql(
            sql(
                'SELECT "l"."id", SUM("c"."unit_change") FROM "receipt_line" "l" '
                'JOIN "cost_line" "c" ON "c"."line_id" = COALESCE("l"."original_line_id", '
                f'"l"."id") WHERE "l"."id" IN ({_marks(chunk)}) GROUP BY "l"."id"'
            ),
            chunk,
        ).fetchall()
        out.update((int(lid), int(total)) for lid, total in rows if total)
    return out


def effective_unit_costs(line_ids: Iterable[int]) -> dict[int, int]:
    """{line id: its unit cost after every cost document} (lines that do not exist: absent)."""
    ids = list(line_ids)
    changes = unit_cost_changes(ids)
    out: dict[int, int] = {}
    for chunk in _chunks(ids):
        for lid, cost in database.execute_sql(
            sql(f'SELECT "id", "unit_cost" FROM "receipt_line" WHERE "id" IN ({_marks(chunk)})'),
            chunk,
        ).fetchall():
            out[int(lid)] = int(cost) + changes.get(int(lid), 0)
    return out


def effective_line_costs(line_ids: Iterable[int]) -> dict[int, int]:
    """{line id: what its quantity cost the shop, kopecks, after every cost document}."""
    ids = list(line_ids)
    changes = unit_cost_changes(ids)
    out: dict[int, int] = {}
    for chunk in _chunks(ids):
        for lid, qty, cost in database.execute_sql(
            sql(
                'SELECT "id", "qty", "unit_cost" FROM "receipt_line" '
                f'WHERE "id" IN ({_marks(chunk)})'
            ),
            chunk,
        ).fetchall():
            out[int(lid)] = line_amount(int(cost) + changes.get(int(lid), 0), int(qty))
    return out


def line_cost(qty: int, unit_cost: int, unit_change: int = 0) -> int:
    """What ``qty`` thousandths cost at ``unit_cost`` changed by ``unit_change`` (kopecks)."""
    return line_amount(unit_cost + unit_change, qty)


@dataclass(frozen=True)
class ChangedLine:
    line_id: int
    receipt_id: int
    created_at: dt.datetime  # the receipt's
    qty: int
    unit_cost: int
    unit_change: int

    @property
    def correction(self) -> int:
        """What the documents change this line's cost by, kopecks."""
        return line_cost(self.qty, self.unit_cost, self.unit_change) - line_amount(
            self.unit_cost, self.qty
        )


def changes_between(
    since: dt.datetime, until: dt.datetime, kind: str = "sale"
) -> list[ChangedLine]:
    """The lines of closed receipts of ``kind`` made in [since, until) whose cost documents
    change their cost (for aggregates: add each one's ``correction`` to the plain cost sum)."""
    if query_value('SELECT 1 FROM "cost_line" LIMIT 1') is None:
        return []  # no document yet: no reading of the period's receipts for nothing
    if kind == "sale":  # from the documents' lines (CROSS JOIN: SQLite keeps that order)
        source = (
            'FROM "cost_line" "c" CROSS JOIN "receipt_line" "l" CROSS JOIN "receipt" "r" '
            'WHERE "l"."id" = "c"."line_id" AND "r"."id" = "l"."receipt_id" AND '
        )
    else:  # a return line takes its sale line's changes
        source = (
            'FROM "cost_line" "c" JOIN "receipt_line" "l" ON COALESCE("l"."original_line_id", '
            '"l"."id") = "c"."line_id" JOIN "receipt" "r" ON "r"."id" = "l"."receipt_id" WHERE '
        )
    rows = database.execute_sql(
        sql(
            'SELECT "l"."id", "r"."id", "r"."created_at", "l"."qty", "l"."unit_cost", '
            f'SUM("c"."unit_change") {source}'
            '"r"."kind" = ? AND "r"."status" = ? AND "r"."created_at" >= ? '
            'AND "r"."created_at" < ? '
            'GROUP BY "l"."id", "r"."id", "r"."created_at", "l"."qty", "l"."unit_cost"'
        ),
        [kind, "closed", stamp(since), stamp(until)],
    ).fetchall()
    out = []
    for lid, rid, at, qty, cost, change in rows:
        if change:
            at = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
            out.append(ChangedLine(int(lid), int(rid), at, int(qty), int(cost), int(change)))
    return out


def effective_cost_sql(line: str = "l") -> str:
    """An SQL expression for the effective cost (kopecks) of the ``receipt_line`` aliased
    ``line``: its quantity at its unit cost plus its documents' changes, rounded half up (the
    one rule of torgtui.money; effective unit costs are never below zero). For reports over a
    few thousand lines; over a million, sum the plain cost and add :func:`changes_between`."""
    ref = f'COALESCE("{line}"."original_line_id", "{line}"."id")'
    change = (  # CAST: PostgreSQL sums BIGINT as NUMERIC, and "/" would not truncate then
        'CAST(COALESCE((SELECT SUM("c"."unit_change") FROM "cost_line" "c" '
        f'WHERE "c"."line_id" = {ref}), 0) AS BIGINT)'
    )
    return f'(("{line}"."qty" * ("{line}"."unit_cost" + {change}) + 500) / 1000)'


# --- the recalculation -------------------------------------------------------------------


def _basis(per_unit: Any, percent: Any) -> tuple[str, int, Decimal | None]:
    if (per_unit is None) == (percent is None):
        raise ValidationError(
            _(
                "Give the supplier's compensation either per unit (an amount) or as a "
                "percentage of the cost, not both and not neither."
            )
        )
    if per_unit is not None:
        return "per_unit", check_kopecks(per_unit, _("The compensation per unit"), minimum=1), None
    return "percent", 0, check_percent(percent, _("The compensation's percentage"))


def _days(first: Any, last: Any, promotion: Any) -> tuple[dt.date | None, dt.date | None]:
    first_day = check_date(first, _("The first day")) if first is not None else promotion.starts_on
    last_day = check_date(last, _("The last day")) if last is not None else promotion.ends_on
    if first_day and last_day and last_day < first_day:
        raise ValidationError(
            _("The last day {last} is before the first {first}: swap them.").format(
                last=last_day, first=first_day
            )
        )
    return first_day, last_day


def _products(products: Any) -> tuple[int, ...]:
    if products is None:
        return ()
    if not isinstance(products, (list, tuple)):
        raise ValidationError(_("Products: give a list of products."))
    if len(products) > MAX_PRODUCTS:
        raise ValidationError(_("Products: at most {n} in one document.").format(n=MAX_PRODUCTS))
    return tuple(sorted({check_id(p, _("A product")) for p in products}))


def _promotion_lines(
    code: str, first_day: dt.date | None, last_day: dt.date | None, products: tuple[int, ...]
) -> list[tuple[int, int, int, int, str, str]]:
    """(line id, qty, unit cost, product id, sku, name) of the closed sale lines the promotion
    discounted, in the days given, by line id."""
    where = [
        '"a"."rule" = ?',
        '"a"."step" = ?',
        '"r"."kind" = ?',
        '"r"."status" = ?',
    ]
    params: list[object] = [code, "promotion", "sale", "closed"]
    if first_day is not None:
        where.append('"r"."created_at" >= ?')
        params.append(stamp(dt.datetime.combine(first_day, dt.time())))
    if last_day is not None:
        where.append('"r"."created_at" < ?')
        params.append(stamp(dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())))
    if products:
        where.append(f'"l"."product_id" IN ({_marks(products)})')
        params.extend(products)
    rows = database.execute_sql(
        sql(
            'SELECT DISTINCT "l"."id", "l"."qty", "l"."unit_cost", "p"."id", "p"."sku", '
            '"p"."name" FROM "line_adjustment" "a" '
            'JOIN "receipt_line" "l" ON "l"."id" = "a"."line_id" '
            'JOIN "receipt" "r" ON "r"."id" = "l"."receipt_id" '
            'JOIN "product" "p" ON "p"."id" = "l"."product_id" '
            f'WHERE {" AND ".join(where)} ORDER BY "l"."id"'
        ),
        params,
    ).fetchall()
    return [(int(a), int(b), int(c), int(d), e, f) for a, b, c, d, e, f in rows]


def _recalculated_by(line_ids: list[int]) -> tuple[int, int] | None:
    """(line id, document number) of a line that a document not reversed changes already."""
    changed = unit_cost_changes(line_ids)
    if not changed:
        return None
    line_id = min(changed)
    number = query_value(
        'SELECT MAX("d"."number") FROM "cost_line" "c" JOIN "cost_document" "d" '
        'ON "d"."id" = "c"."document_id" WHERE "c"."line_id" = ? AND "d"."kind" = ?',
        (line_id, "recalc"),
    )
    return line_id, int(number or 0)  # type: ignore[call-overload]


def _plan(
    promotion: Any,
    *,
    per_unit: Any,
    percent: Any,
    first_day: Any,
    last_day: Any,
    products: Any,
    note: Any,
) -> CostPlan:
    basis, amount, pct = _basis(per_unit, percent)
    data = get_promotion(promotion)
    first, last = _days(first_day, last_day, data)
    chosen = _products(products)
    text = check_text(note, _("The note"), max_len=200)
    plan = CostPlan(data.code, basis, amount, pct, first, last, chosen, text)
    rows = _promotion_lines(data.code, first, last, chosen)
    if not rows:
        raise ValidationError(
            _(
                "{name} discounted no sale line on those days{only}: there is no cost to "
                "recalculate. Check the promotion, the days and the products."
            ).format(name=data.name, only=_(" of those products") if chosen else "")
        )
    found = _recalculated_by([r[0] for r in rows])
    if found is not None:
        raise ValidationError(
            _(
                "Some of these lines were recalculated already by cost document {number}: "
                "reverse it first and make one document with the whole compensation, or "
                "choose other days or products."
            ).format(number=found[1])
        )
    for line_id, qty, unit_cost, product_id, sku, name in rows:
        if basis == "per_unit":
            if amount > unit_cost:
                raise ValidationError(
                    _(
                        "The compensation {amount} per unit is more than the cost of {product} "
                        "({cost}): the goods would cost less than nothing. Give a smaller "
                        "amount, or limit the document to other products."
                    ).format(
                        amount=format_money(amount),
                        product=f"{sku} {name}",
                        cost=format_money(unit_cost),
                    )
                )
            unit_change = -amount
        else:
            unit_change = -percent_of(unit_cost, pct or Decimal(0))
        if not unit_change:
            continue
        change = line_cost(qty, unit_cost, unit_change) - line_amount(unit_cost, qty)
        plan.lines.append(
            PlannedLine(line_id, product_id, sku, name, qty, unit_cost, unit_change, change)
        )
    if not plan.lines:
        raise ValidationError(
            _(
                "The compensation changes no line's cost (the goods cost nothing, or the "
                "percentage of their cost is less than a kopeck): nothing to write."
            )
        )
    return plan


def preview_costs(
    promotion: str,
    *,
    by: Employee | None,
    per_unit: int | None = None,
    percent: Decimal | str | None = None,
    first_day: dt.date | str | None = None,
    last_day: dt.date | str | None = None,
    products: Sequence[int] | None = None,
    note: str = "",
) -> CostPlan:
    """What :func:`recalculate_costs` would write, writing nothing (EDIT_PRICES)."""
    require(by, Permission.EDIT_PRICES)
    return _plan(
        promotion,
        per_unit=per_unit,
        percent=percent,
        first_day=first_day,
        last_day=last_day,
        products=products,
        note=note,
    )


def _lock() -> None:
    """One writer of cost documents at a time (inside the caller's write_tx): SQLite's write
    transaction is that already; PostgreSQL takes an advisory lock until the commit, so two
    back offices never both plan the same lines and write two compensations for them."""
    if not is_sqlite():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (NUMBER_LOCK,))


def _next_number() -> int:
    _lock()
    return int(query_value('SELECT COALESCE(MAX("number"), 0) + 1 FROM "cost_document"'))  # type: ignore[call-overload]


def _write_document(
    *,
    kind: str,
    promotion_id: int | None,
    plan: CostPlan,
    reverses: int | None,
    by: Employee | None,
    now: dt.datetime,
) -> int:
    """Insert the document and its lines (inside the caller's write_tx); returns its id."""
    number = _next_number()
    (doc_id,) = insert_rows(
        "cost_document",
        [
            "number",
            "kind",
            "promotion_id",
            "basis",
            "amount",
            "percent_bp",
            "first_day",
            "last_day",
            "products",
            "note",
            "reverses_id",
            "lines_count",
            "total",
            "employee_id",
            "created_at",
        ],
        [
            (
                number,
                kind,
                promotion_id,
                plan.basis,
                plan.amount,
                int((plan.percent or 0) * 100),
                plan.first_day,
                plan.last_day,
                json.dumps(list(plan.products)) if plan.products else "",
                plan.note,
                reverses,
                len(plan.lines),
                plan.total,
                by.id if by is not None else None,
                stamp(now),
            )
        ],
        ids=True,
    )
    insert_rows(
        "cost_line",
        ["document_id", "line_id", "unit_change", "change"],
        [(doc_id, ln.line_id, ln.unit_change, ln.change) for ln in plan.lines],
    )
    return doc_id


def recalculate_costs(
    promotion: str,
    *,
    by: Employee | None,
    per_unit: int | None = None,
    percent: Decimal | str | None = None,
    first_day: dt.date | str | None = None,
    last_day: dt.date | str | None = None,
    products: Sequence[int] | None = None,
    note: str = "",
    clock: Clock = system_clock,
) -> CostDocumentInfo:
    """Write a cost document for the goods sold in ``promotion`` (see the module doc)."""
    require(by, Permission.EDIT_PRICES)
    args = {
        "per_unit": per_unit,
        "percent": percent,
        "first_day": first_day,
        "last_day": last_day,
        "products": products,
        "note": note,
    }
    _plan(promotion, **args)  # refuse bad input before taking the write lock
    now = clock()
    with write_tx():
        _lock()
        plan = _plan(promotion, **args)  # again under the lock: what is written is what holds
        row = Promotion.get(Promotion.code == plan.promotion)
        doc_id = _write_document(
            kind="recalc", promotion_id=row.id, plan=plan, reverses=None, by=by, now=now
        )
        info = _info(doc_id)
        audit(
            "cost.recalculate",
            by,
            object_type="cost_document",
            object_id=info.number,
            after=info.as_dict(),
            clock=clock,
        )
    return info


def _reversal_message(number: int) -> str:
    by_number = query_value(
        'SELECT "r"."number" FROM "cost_document" "r" JOIN "cost_document" "d" '
        'ON "d"."id" = "r"."reverses_id" WHERE "d"."number" = ?',
        (number,),
    )
    return _(
        "Cost document {number} was reversed already by document {by}: it cannot be reversed "
        "twice. Make a new recalculation if the cost should change again."
    ).format(number=number, by=by_number)


def reverse_cost_document(
    number: int, *, by: Employee | None, note: str = "", clock: Clock = system_clock
) -> CostDocumentInfo:
    """The reversing document of document ``number`` (see the module doc)."""
    require(by, Permission.EDIT_PRICES)
    number = check_count(number, _("The document's number"), minimum=1, maximum=2**31 - 1)
    text = check_text(note, _("The note"), max_len=200)
    now = clock()
    with write_tx():
        _lock()
        doc = CostDocument.get_or_none(CostDocument.number == number)
        if doc is None:
            raise ValidationError(_("There is no cost document {number}.").format(number=number))
        if CostDocument.get_or_none(CostDocument.reverses == doc.id) is not None:
            raise ValidationError(_reversal_message(number))
        if doc.kind == "reversal":
            raise ValidationError(
                _(
                    "Cost document {number} is itself a reversal: it cannot be reversed. Make a "
                    "new recalculation instead."
                ).format(number=number)
            )
        lines = [
            PlannedLine(int(lid), 0, "", "", 0, 0, -int(unit), -int(change))
            for lid, unit, change in database.execute_sql(
                sql(
                    'SELECT "line_id", "unit_change", "change" FROM "cost_line" '
                    'WHERE "document_id" = ? ORDER BY "line_id"'
                ),
                (doc.id,),
            ).fetchall()
        ]
        plan = CostPlan(
            "",
            doc.basis,
            doc.amount,
            Decimal(doc.percent_bp) / 100 if doc.basis == "percent" else None,
            doc.first_day,
            doc.last_day,
            tuple(json.loads(doc.products)) if doc.products else (),
            text or _("Reverses cost document {number}").format(number=number),
            lines,
        )
        try:
            with database.atomic():  # a savepoint: the unique index decides, the rest goes on
                doc_id = _write_document(
                    kind="reversal",
                    promotion_id=doc.promotion_id,
                    plan=plan,
                    reverses=doc.id,
                    by=by,
                    now=now,
                )
        except peewee.IntegrityError:
            raise ValidationError(_reversal_message(number)) from None
        info = _info(doc_id)
        audit(
            "cost.reverse",
            by,
            object_type="cost_document",
            object_id=info.number,
            before={"number": number},
            after=info.as_dict(),
            clock=clock,
        )
    return info


# --- reading --------------------------------------------------------------------------------

_SELECT = (
    'SELECT "d"."id", "d"."number", "d"."kind", COALESCE("p"."code", \'\'), '
    'COALESCE("p"."name", \'\'), "d"."basis", "d"."amount", "d"."percent_bp", "d"."first_day", '
    '"d"."last_day", "d"."products", "d"."note", "o"."number", "x"."number", '
    '"d"."lines_count", "d"."total", COALESCE("e"."name", \'\'), "d"."created_at" '
    'FROM "cost_document" "d" LEFT JOIN "promotion" "p" ON "p"."id" = "d"."promotion_id" '
    'LEFT JOIN "cost_document" "o" ON "o"."id" = "d"."reverses_id" '
    'LEFT JOIN "cost_document" "x" ON "x"."reverses_id" = "d"."id" '
    'LEFT JOIN "employee" "e" ON "e"."id" = "d"."employee_id" '
)


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _row_info(row: Sequence[Any]) -> CostDocumentInfo:
    (_id, number, kind, code, name, basis, amount, bp, first, last, products, note, reverses,
     reversed_by, lines, total, employee, created) = row  # fmt: skip
    created = created if isinstance(created, dt.datetime) else dt.datetime.fromisoformat(created)
    return CostDocumentInfo(
        int(number),
        kind,
        code,
        name,
        basis,
        int(amount),
        Decimal(int(bp)) / 100 if basis == "percent" else None,
        _day(first),
        _day(last),
        tuple(json.loads(products)) if products else (),
        note,
        int(reverses) if reverses is not None else None,
        int(reversed_by) if reversed_by is not None else None,
        int(lines),
        int(total),
        employee,
        created,
    )


def _info(doc_id: int) -> CostDocumentInfo:
    row = database.execute_sql(sql(_SELECT + 'WHERE "d"."id" = ?'), (doc_id,)).fetchone()
    return _row_info(row)


def get_cost_document(number: int, *, by: Employee | None) -> CostDocumentInfo:
    """One document by its number (VIEW_REPORTS)."""
    require(by, Permission.VIEW_REPORTS)
    number = check_count(number, _("The document's number"), minimum=1, maximum=2**31 - 1)
    row = database.execute_sql(sql(_SELECT + 'WHERE "d"."number" = ?'), (number,)).fetchone()
    if row is None:
        raise ValidationError(_("There is no cost document {number}.").format(number=number))
    return _row_info(row)


def list_cost_documents(
    *,
    by: Employee | None,
    promotion: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[CostDocumentInfo]:
    """The documents, newest first (VIEW_REPORTS); ``before``: a page after the one ending at
    that number (keyset paging); ``promotion``: only that promotion's."""
    require(by, Permission.VIEW_REPORTS)
    limit = check_count(limit, _("The page size"), minimum=1, maximum=1000, text=False)
    where, params = ["1 = 1"], []
    if promotion is not None:
        where.append('"p"."code" = ?')
        params.append(get_promotion(promotion).code)
    if before is not None:
        where.append('"d"."number" < ?')
        params.append(check_count(before, _("The document's number"), maximum=2**31, text=False))
    rows = database.execute_sql(
        sql(_SELECT + f'WHERE {" AND ".join(where)} ORDER BY "d"."number" DESC LIMIT {limit}'),
        params,
    ).fetchall()
    return [_row_info(r) for r in rows]


@dataclass(frozen=True)
class CostLineInfo:
    line_id: int
    receipt_number: int
    sold_at: dt.datetime
    sku: str
    name: str
    qty: int
    unit_cost: int  # as sold
    unit_change: int  # by this document
    change: int  # for the line's quantity

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["sold_at"] = self.sold_at.isoformat(sep=" ", timespec="seconds")
        return out


def cost_document_lines(
    number: int, *, by: Employee | None, after: int | None = None, limit: int = 100
) -> list[CostLineInfo]:
    """A page of a document's lines by line id (VIEW_REPORTS; ``after``: the last line id of
    the page before)."""
    info = get_cost_document(number, by=by)
    limit = check_count(limit, _("The page size"), minimum=1, maximum=1000, text=False)
    params: list[object] = [info.number]
    extra = ""
    if after is not None:
        extra = ' AND "c"."line_id" > ?'
        params.append(check_id(after, _("A line")))
    rows = database.execute_sql(
        sql(
            'SELECT "c"."line_id", "r"."number", "r"."created_at", "p"."sku", "l"."name", '
            '"l"."qty", "l"."unit_cost", "c"."unit_change", "c"."change" FROM "cost_line" "c" '
            'JOIN "cost_document" "d" ON "d"."id" = "c"."document_id" '
            'JOIN "receipt_line" "l" ON "l"."id" = "c"."line_id" '
            'JOIN "receipt" "r" ON "r"."id" = "l"."receipt_id" '
            'JOIN "product" "p" ON "p"."id" = "l"."product_id" '
            f'WHERE "d"."number" = ?{extra} ORDER BY "c"."line_id" LIMIT {limit}'
        ),
        params,
    ).fetchall()
    out = []
    for lid, rnum, at, sku, name, qty, cost, unit, change in rows:
        at = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at))
        out.append(
            CostLineInfo(int(lid), int(rnum), at, sku, name, int(qty), int(cost), int(unit),
                         int(change))
        )  # fmt: skip
    return out


__all__ = [
    "ChangedLine",
    "CostDocumentInfo",
    "CostLineInfo",
    "CostPlan",
    "changes_between",
    "cost_document_lines",
    "effective_cost_sql",
    "effective_line_costs",
    "effective_unit_costs",
    "get_cost_document",
    "line_cost",
    "list_cost_documents",
    "preview_costs",
    "recalculate_costs",
    "reverse_cost_document",
    "unit_cost_changes",
]
