"""The real result of a promotion during (and after) its run, against the same number of days
just before it started (issue 9 section 6; the promotion's card shows it, ``torgtui
promotions result`` prints it).

What is counted, in both periods alike: the closed sale receipts' lines of the promotion's
goods (what it covers and what it gives, as coverage.hit_sql says, now) plus every line it
discounted (its price adjustments, ``line_adjustment`` step "promotion", rule its code: the
index by rule of migration 0014 finds them), at its locations when it names some. Its
weekdays and hours do not narrow the periods: a happy hour is judged by the whole day's sales
of its goods.

* ``during``: from its first day (its start; the day it was saved when it has none) to today
  (today so far) or its last day (its end, or the day it was stopped, the earlier);
* ``before``: as many days, ending the day before its first day.

Per period (money in kopecks, units in thousandths): ``receipts`` (with such a line),
``units``, ``revenue`` (what those lines took), ``discount`` (what this promotion took off
them: its own price adjustments), ``cost`` (their goods' effective cost: the unit cost as sold
plus every cost document, torgtui.marketing.costs), ``margin`` (revenue less cost),
``customers`` (named on those receipts), ``new_customers`` (of those, the ones whose first
receipt ever is in the period) and ``returns`` (what was refunded for those lines since,
whenever they came back). Returns are taken off: units, revenue, discount (its share of each
returned line) and cost are net of them.

A planned promotion (it has not started) has no result: refused in words (see its backtest).
Nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from torgtui.clock import Clock, system_clock
from torgtui.db import database, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import costs
from torgtui.marketing.promotions import coverage, store
from torgtui.marketing.promotions.model import PromotionData
from torgtui.marketing.promotions.service import get_promotion
from torgtui.models import Employee
from torgtui.money import round_kopecks
from torgtui.sales.checkout import stamp
from torgtui.staff import Permission, require

PROMOTION = "promotion"  # the pricing step's name on its adjustments
FIELDS = (
    "receipts",
    "units",
    "revenue",
    "discount",
    "cost",
    "margin",
    "customers",
    "new_customers",
    "returns",
)


@dataclass
class Period:
    """One period's figures (money in kopecks, units in thousandths; net of returns)."""

    receipts: int = 0
    units: int = 0
    revenue: int = 0
    discount: int = 0
    cost: int = 0
    margin: int = 0
    customers: int = 0
    new_customers: int = 0
    returns: int = 0  # refunded for these lines (already taken off revenue)
    returned_units: int = 0  # ... their units (already taken off units)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class Result:
    """A promotion's real result (see the module doc)."""

    code: str
    name: str
    status: str  # running, ended, inactive (stopped)
    first_day: dt.date
    last_day: dt.date
    before_first_day: dt.date
    before_last_day: dt.date
    during: Period
    before: Period
    notes: list[str] = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def change(self) -> dict[str, int]:
        """During less before, per figure."""
        return {k: getattr(self.during, k) - getattr(self.before, k) for k in FIELDS}

    def as_dict(self) -> dict[str, Any]:
        return {
            "promotion": {"code": self.code, "name": self.name},
            "status": self.status,
            "days": self.days,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "before_first_day": self.before_first_day.isoformat(),
            "before_last_day": self.before_last_day.isoformat(),
            "during": self.during.as_dict(),
            "before": self.before.as_dict(),
            "change": self.change(),
            "notes": list(self.notes),
        }


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


class _Lines:
    """The WHERE clause of the lines counted in one period (receipt "r", line "l", product
    "p")."""

    def __init__(self, data: PromotionData, start: dt.datetime, end: dt.datetime) -> None:
        hit, hit_params = coverage.hit_sql(data, coverage.group_tree())
        self.where = (
            '"r"."kind" = ? AND "r"."status" = ? AND "r"."created_at" >= ? '
            'AND "r"."created_at" < ? AND '
            f'({hit} OR "l"."id" IN (SELECT "a"."line_id" FROM "line_adjustment" "a" '
            'WHERE "a"."rule" = ? AND "a"."step" = ?))'
        )
        self.params: list[object] = [
            "sale",
            "closed",
            stamp(start),
            stamp(end),
            *hit_params,
            data.code,
            PROMOTION,
        ]
        if data.locations:
            self.where += f' AND "r"."location_id" IN ({", ".join("?" * len(data.locations))})'
            self.params.extend(data.locations)
        self.start = start

    FROM = (
        'FROM "receipt" "r" JOIN "receipt_line" "l" ON "l"."receipt_id" = "r"."id" '
        'JOIN "product" "p" ON "p"."id" = "l"."product_id" '
    )


def _period(data: PromotionData, first: dt.date, last: dt.date) -> Period:
    lines = _Lines(data, _moment(first), _moment(last + dt.timedelta(days=1)))
    effective = costs.effective_cost_sql("l")
    receipts, units, revenue, cost, customers = database.execute_sql(
        sql(
            'SELECT COUNT(DISTINCT "r"."id"), COALESCE(SUM("l"."qty"), 0), '
            f'COALESCE(SUM("l"."total"), 0), COALESCE(SUM({effective}), 0), '
            'COUNT(DISTINCT "r"."customer_id") '
            f"{lines.FROM}WHERE {lines.where}"
        ),
        lines.params,
    ).fetchone()
    out = Period(
        receipts=int(receipts),
        units=int(units),
        revenue=int(revenue),
        cost=int(cost),
        customers=int(customers),
    )
    # what it took off those lines (its own adjustments, through the index by rule)
    discounts: dict[int, int] = {}
    for line_id, amount in database.execute_sql(
        sql(
            'SELECT "a"."line_id", SUM("a"."amount") FROM "line_adjustment" "a" '
            'JOIN "receipt_line" "l" ON "l"."id" = "a"."line_id" '
            'JOIN "receipt" "r" ON "r"."id" = "l"."receipt_id" '
            'JOIN "product" "p" ON "p"."id" = "l"."product_id" '
            f'WHERE "a"."rule" = ? AND "a"."step" = ? AND {lines.where} GROUP BY "a"."line_id"'
        ),
        [data.code, PROMOTION, *lines.params],
    ).fetchall():
        discounts[int(line_id)] = int(amount)
    out.discount = sum(discounts.values())
    # returns of those lines, whenever they came back: taken off
    returned = database.execute_sql(
        sql(
            'SELECT "l"."id", "l"."qty", SUM("b"."qty"), SUM("b"."total"), '
            f"SUM({costs.effective_cost_sql('b')}) {lines.FROM}"
            'JOIN "receipt_line" "b" ON "b"."original_line_id" = "l"."id" '
            'JOIN "receipt" "x" ON "x"."id" = "b"."receipt_id" '
            f'WHERE "x"."kind" = ? AND "x"."status" = ? AND {lines.where} '
            'GROUP BY "l"."id", "l"."qty"'
        ),
        ["return", "closed", *lines.params],
    ).fetchall()
    for line_id, qty, back_qty, back_total, back_cost in returned:
        back_qty, back_total = int(back_qty), int(back_total)
        out.returned_units += back_qty
        out.returns += back_total
        out.units -= back_qty
        out.revenue -= back_total
        out.cost -= int(back_cost)
        own = discounts.get(int(line_id), 0)
        if own and int(qty):
            out.discount -= round_kopecks(Decimal(own) * back_qty / int(qty))
    out.margin = out.revenue - out.cost
    # customers whose first receipt ever is in this period
    out.new_customers = int(
        database.execute_sql(
            sql(
                'SELECT COUNT(*) FROM (SELECT DISTINCT "r"."customer_id" AS "c" '
                f'{lines.FROM}WHERE {lines.where} AND "r"."customer_id" IS NOT NULL) "n" '
                'WHERE NOT EXISTS (SELECT 1 FROM "receipt" "o" WHERE "o"."customer_id" = "n"."c" '
                'AND "o"."kind" = ? AND "o"."status" = ? AND "o"."created_at" < ?)'
            ),
            [*lines.params, "sale", "closed", stamp(lines.start)],
        ).fetchone()[0]
    )
    return out


def _first_receipt_day() -> dt.date | None:
    row = database.execute_sql(
        sql('SELECT MIN("created_at") FROM "receipt" WHERE "kind" = ? AND "status" = ?'),
        ("sale", "closed"),
    ).fetchone()
    if row is None or row[0] is None:
        return None
    at = row[0]
    return at.date() if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(str(at)).date()


def real_result(
    code: str, *, by: Employee | None, system: bool = False, clock: Clock = system_clock
) -> Result:
    """The real result of promotion ``code`` so far against as many days just before it
    (VIEW_REPORTS unless ``system``); see the module doc."""
    if not system:
        require(by, Permission.VIEW_REPORTS)
    data = get_promotion(code)
    found = store.find(data.code)
    row = found[0] if found is not None else None
    today = clock().date()
    notes: list[str] = []
    if data.starts_on is not None and data.starts_on > today:
        raise ValidationError(
            _(
                "{name} starts on {day}: it has no result yet. See its forecast (the backtest "
                "over past receipts) instead."
            ).format(name=data.name, day=data.starts_on.isoformat())
        )
    first = data.starts_on
    if first is None:
        created = getattr(row, "created_at", None)
        first = created.date() if isinstance(created, dt.datetime) else today
        notes.append(
            _("It has no start date: counted from the day it was saved, {day}.").format(
                day=first.isoformat()
            )
        )
    last = today
    status = "running"
    if data.ends_on is not None and data.ends_on < today:
        last, status = data.ends_on, "ended"
    if not data.active:
        status = "inactive"
        stopped = getattr(row, "updated_at", None)
        if isinstance(stopped, dt.datetime) and first <= stopped.date() < last:
            last = stopped.date()
            notes.append(
                _("It was stopped on {day}: counted up to that day.").format(day=last.isoformat())
            )
    if last == today:
        notes.append(_("Today is counted so far."))
    days = (last - first).days + 1
    before_last = first - dt.timedelta(days=1)
    before_first = first - dt.timedelta(days=days)
    during = _period(data, first, last)
    before = _period(data, before_first, before_last)
    opened = _first_receipt_day()
    if opened is not None and opened > before_first:
        notes.append(
            _("The shop's first receipt is of {day}: the days before it count as no sales.").format(
                day=opened.isoformat()
            )
        )
    notes.append(
        _(
            "Both periods count the lines of its goods (and any line it discounted) at its "
            "places, all day: its weekdays and hours do not narrow them."
        )
    )
    notes.append(_("Returns of those lines are taken off, whenever they came back."))
    return Result(
        data.code,
        data.name,
        status,
        first,
        last,
        before_first,
        before_last,
        during,
        before,
        notes,
    )


__all__ = ["FIELDS", "Period", "Result", "real_result"]
