"""The backtest of a promotion over real past receipts: how many receipts and customers it
would have touched, the discount it would have cost, revenue and margin with and without it,
per week and in total (issue 9 section 6; the screen shows it while a promotion is edited,
``torgtui promotions backtest`` prints it).

What is replayed and how (exactly what each figure assumes) is in
torgtui.marketing.promotions.replay; in short: every closed sale receipt of the last
``weeks`` whole weeks (up to yesterday) is taken as it was sold, and the ones it could change
are replayed at the promotions step without and with it, everything else as sold.

Speed: the database finds the receipts it could change (each day's receipts within its hours
and locations, holding a product it covers, through coverage.coverage_sql) and sums the rest
of each day itself (receipts, revenue, cost); only those receipts come to Python, and a basket
seen before is not evaluated again. Progress is reported after every day (``progress(done,
total)``), and ``cancel()`` is asked before every day: true stops it with
:class:`BacktestCancelled`. Nothing is written.

Money is kopecks; ``revenue`` is what the receipts took (line totals), ``cost`` their goods'
effective cost (torgtui.marketing.costs), ``margin`` revenue less cost. Returns are not taken
off (the backtest asks what the promotion would have given at the till; the real result,
torgtui.marketing.promotions.result, takes them off).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torgtui.clock import Clock, system_clock
from torgtui.db import database, sql
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.marketing import costs
from torgtui.marketing.promotions import coverage, store
from torgtui.marketing.promotions.festive import Person
from torgtui.marketing.promotions.model import PromotionData, clean_promotion
from torgtui.marketing.promotions.replay import (
    BEFORE,
    CARD,
    PROMOTION,
    Effect,
    Line,
    Replayer,
    Sale,
    card_state,
)
from torgtui.marketing.promotions.service import get_promotion
from torgtui.models import Employee
from torgtui.sales.checkout import stamp
from torgtui.staff import Permission, require
from torgtui.values import check_count

MAX_WEEKS = 104
DEFAULT_WEEKS = 8
_CHUNK = 500
Progress = Callable[[int, int], None]


class BacktestCancelled(TorgError):
    """The caller asked the backtest to stop (nothing was written)."""


@dataclass
class Figures:
    """The backtest's figures for a week or the whole period (money in kopecks)."""

    first_day: dt.date
    last_day: dt.date
    receipts: int = 0  # closed sale receipts in the period
    revenue: int = 0  # what they took, as sold
    cost: int = 0  # their goods' effective cost
    replayed: int = 0  # receipts it could change (its goods, hours, places, customers)
    touched: int = 0  # receipts it would have given a discount or bonuses on
    customers: int = 0  # the customers of those (each once)
    anonymous: int = 0  # touched receipts without a customer
    lines: int = 0  # lines it would have discounted or rewarded
    units: int = 0  # their quantity, thousandths
    discount: int = 0  # what it would have taken off
    bonus: int = 0  # bonuses it would have given instead
    displaced: int = 0  # what other promotions would no longer have taken off
    card_back: int = 0  # card discounts smaller on a lower price, or replaced
    revenue_without: int = 0
    revenue_with: int = 0
    goods_revenue_without: int = 0  # the touched receipts' lines of its goods
    goods_revenue_with: int = 0
    goods_cost: int = 0
    below_cost_lines: int = 0  # lines it would have taken below their cost
    below_cost: int = 0
    _customers: set[int] = field(default_factory=set, repr=False)

    @property
    def margin_without(self) -> int:
        return self.revenue_without - self.cost

    @property
    def margin_with(self) -> int:
        return self.revenue_with - self.cost

    @property
    def goods_margin_without(self) -> int:
        return self.goods_revenue_without - self.goods_cost

    @property
    def goods_margin_with(self) -> int:
        return self.goods_revenue_with - self.goods_cost

    def add_day(self, receipts: int, revenue: int, cost: int) -> None:
        self.receipts += receipts
        self.revenue += revenue
        self.cost += cost
        self.revenue_without += revenue
        self.revenue_with += revenue

    def add(self, sale: Sale, effect: Effect) -> None:
        self.revenue_without += effect.without
        self.revenue_with += effect.with_it
        if not effect.applied:
            return
        self.touched += 1
        if sale.customer_id is None:
            self.anonymous += 1
        elif sale.customer_id not in self._customers:
            self._customers.add(sale.customer_id)
            self.customers += 1
        self.lines += effect.lines
        self.units += effect.units
        self.discount += effect.discount
        self.bonus += effect.bonus
        self.displaced += effect.displaced
        self.card_back += effect.card_back
        self.goods_revenue_without += effect.goods_without
        self.goods_revenue_with += effect.goods_with
        self.goods_cost += effect.goods_cost
        self.below_cost_lines += effect.below_cost_lines
        self.below_cost += effect.below_cost

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            k: getattr(self, k) for k in self.__dataclass_fields__ if not k.startswith("_")
        }
        out["first_day"], out["last_day"] = self.first_day.isoformat(), self.last_day.isoformat()
        for name in ("margin_without", "margin_with", "goods_margin_without", "goods_margin_with"):
            out[name] = getattr(self, name)
        return out


@dataclass
class Backtest:
    """The backtest of one promotion (see the module doc)."""

    code: str
    name: str
    weeks: int
    first_day: dt.date
    last_day: dt.date
    total: Figures
    by_week: list[Figures]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "promotion": {"code": self.code, "name": self.name},
            "weeks": self.weeks,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "notes": list(self.notes),
            "total": self.total.as_dict(),
            "by_week": [w.as_dict() for w in self.by_week],
        }


def _promotion(code_or_data: Any) -> tuple[PromotionData, int]:
    """The promotion and the id its rule goes by (-1 for one not saved)."""
    if isinstance(code_or_data, PromotionData):
        data = clean_promotion(code_or_data)
    elif isinstance(code_or_data, str):
        data = get_promotion(code_or_data)
    else:
        raise ValidationError(_("Give a promotion's id or the promotion being edited."))
    found = store.find(data.code)
    return data, found[0].id if found is not None else -1


def _stopper(cancel: Any) -> Callable[[], bool]:
    if cancel is None:
        return lambda: False
    if callable(cancel):
        return cancel
    is_set = getattr(cancel, "is_set", None)
    if callable(is_set):
        return is_set
    raise ValidationError(_("Cancel is a function that says whether to stop, or an event."))


def notes_for(data: PromotionData, own_before: bool) -> list[str]:
    """What the figures assume about this promotion, in words for the screen."""
    out = [
        _(
            "Past receipts as sold, with this promotion added at its place; its own dates are "
            "ignored, its days, hours, places and customers are the receipts'."
        )
    ]
    if own_before:
        out.append(_("Its own discounts on those receipts are taken out for 'without it'."))
    if data.requires_code:
        out.append(_("Needs a promo code: counted as if every receipt that qualified had one."))
    if data.customers == "partner":
        out.append(
            _("For a partner's customers: the history does not say whose they were: none count.")
        )
    elif data.customers != "anyone":
        out.append(_("Customers' cards as they are now (the history does not keep them)."))
    if data.birthday:
        out.append(_("Birthdays as the customers' cards give them now; once a year per person."))
    if data.nth_receipt:
        out.append(_("Every Nth receipt is counted from the backtest's first day."))
    if data.gives_bonus:
        out.append(_("Bonuses instead of a discount: revenue stays, the bonuses are owed."))
    return out


def backtest(
    code_or_data: str | PromotionData,
    weeks: int = DEFAULT_WEEKS,
    *,
    by: Employee | None = None,
    system: bool = False,
    clock: Clock = system_clock,
    progress: Progress | None = None,
    cancel: Any = None,
) -> Backtest:
    """Replay the last ``weeks`` weeks of receipts with and without the promotion (a saved
    one's id, or the PromotionData being edited); VIEW_REPORTS unless ``system``."""
    if not system:
        require(by, Permission.VIEW_REPORTS)
    weeks = check_count(weeks, _("Weeks"), minimum=1, maximum=MAX_WEEKS, text=False)
    if progress is not None and not callable(progress):
        raise ValidationError(_("Progress is a function of (done, total)."))
    stop = _stopper(cancel)
    data, rule_id = _promotion(code_or_data)
    today = clock().date()
    first_day = today - dt.timedelta(days=7 * weeks)
    run = _Driver(data, rule_id, first_day, today)
    days = 7 * weeks
    for n in range(days):
        if stop():
            raise BacktestCancelled(_("The backtest was stopped: nothing was changed."))
        run.day(first_day + dt.timedelta(days=n), n // 7)
        if progress is not None:
            progress(n + 1, days)
    return Backtest(
        data.code,
        data.name,
        weeks,
        first_day,
        today - dt.timedelta(days=1),
        run.total,
        run.weeks,
        notes_for(data, run.own_before),
    )


forecast = backtest  # the name the promotion's card uses: the forecast before launch


class _Driver:
    """Reads each day's receipts and feeds the replayer (see the module doc)."""

    def __init__(self, data: PromotionData, rule_id: int, first_day: dt.date, end: dt.date):
        self.data = data
        self.replayer = Replayer(data, rule_id)
        self.total = Figures(first_day, end - dt.timedelta(days=1))
        self.weeks = [
            Figures(first_day + dt.timedelta(days=7 * k), first_day + dt.timedelta(days=7 * k + 6))
            for k in range((end - first_day).days // 7)
        ]
        tree = coverage.group_tree()
        self.hit, self.hit_params = coverage.hit_sql(data, tree)
        self.own_before = (
            database.execute_sql(
                sql('SELECT 1 FROM "line_adjustment" WHERE "rule" = ? AND "step" = ? LIMIT 1'),
                (data.code, PROMOTION),
            ).fetchone()
            is not None
        )
        if self.own_before:  # lines its earlier version discounted are replayed too
            self.hit = (
                f'({self.hit} OR EXISTS (SELECT 1 FROM "line_adjustment" "a2" WHERE '
                '"a2"."line_id" = "l"."id" AND "a2"."step" = ? AND "a2"."rule" = ?))'
            )
            self.hit_params = [*self.hit_params, PROMOTION, data.code]
        since = dt.datetime.combine(first_day, dt.time())
        until = dt.datetime.combine(end, dt.time())
        self.changed = costs.changes_between(since, until)
        self.unit_changes = {c.line_id: c.unit_change for c in self.changed}
        self.corrections: dict[dt.date, int] = {}
        for c in self.changed:
            day = c.created_at.date()
            self.corrections[day] = self.corrections.get(day, 0) + c.correction
        d = self.replayer.rule.data
        self.needs_cards = d.customers in ("card", "card_type", "tier")
        self.needs_customer = d.customers != "anyone" or bool(d.birthday)

    # --- one day ------------------------------------------------------------------------

    def day(self, day: dt.date, week: int) -> None:
        start = dt.datetime.combine(day, dt.time())
        end = start + dt.timedelta(days=1)
        receipts, revenue, cost = database.execute_sql(
            sql(
                'SELECT COUNT(DISTINCT "r"."id"), COALESCE(SUM("l"."total"), 0), '
                'COALESCE(SUM(("l"."qty" * "l"."unit_cost" + 500) / 1000), 0) '
                'FROM "receipt" "r" JOIN "receipt_line" "l" ON "l"."receipt_id" = "r"."id" '
                'WHERE "r"."created_at" >= ? AND "r"."created_at" < ? AND "r"."kind" = ? '
                'AND "r"."status" = ?'
            ),
            (stamp(start), stamp(end), "sale", "closed"),
        ).fetchone()
        cost = int(cost) + self.corrections.get(day, 0)
        figures = (self.total, self.weeks[week])
        for f in figures:
            f.add_day(int(receipts), int(revenue), cost)
        sales = self._sales(day, start, end)
        if not sales:
            return
        self._load_customers(sales)
        for sale in sales:
            effect = self.replayer.replay(sale)
            if effect is None:
                continue
            for f in figures:
                f.add(sale, effect)
        for f in figures:
            f.replayed += len(sales)

    def _window(self, day: dt.date, start: dt.datetime, end: dt.datetime) -> tuple | None:
        """The part of the day the promotion can be in force (None: not at all)."""
        d = self.data
        if d.weekdays and day.weekday() not in d.weekdays and not self.own_before:
            return None
        if d.hours is not None and not self.own_before:
            start, end = (
                start + dt.timedelta(minutes=d.hours[0]),
                start + dt.timedelta(minutes=d.hours[1]),
            )
        return start, end

    def _sales(self, day: dt.date, start: dt.datetime, end: dt.datetime) -> list[Sale]:
        window = self._window(day, start, end)
        if window is None:
            return []
        where = [
            '"r"."created_at" >= ?',
            '"r"."created_at" < ?',
            '"r"."kind" = ?',
            '"r"."status" = ?',
        ]
        params: list[object] = [stamp(window[0]), stamp(window[1]), "sale", "closed"]
        d = self.data
        if d.locations and not self.own_before:
            where.append(f'"r"."location_id" IN ({", ".join("?" * len(d.locations))})')
            params.extend(d.locations)
        if self.needs_customer and not self.own_before:
            where.append('"r"."customer_id" IS NOT NULL')
        where.append(self.hit)
        params.extend(self.hit_params)
        rows = database.execute_sql(
            sql(
                'SELECT "r"."id", "r"."created_at", "r"."location_id", "r"."customer_id", '
                '"r"."subtotal", "r"."total", "l"."id", "l"."product_id", "l"."qty", '
                '"l"."unit_price", "l"."unit_cost", "l"."subtotal", "l"."total", '
                '"p"."group_id", "p"."manufacturer_id", "p"."weighed", "a"."step", "a"."rule", '
                '"a"."amount" FROM "receipt" "r" '
                'JOIN "receipt_line" "l" ON "l"."receipt_id" = "r"."id" '
                'JOIN "product" "p" ON "p"."id" = "l"."product_id" '
                'LEFT JOIN "line_adjustment" "a" ON "a"."line_id" = "l"."id" '
                f"WHERE {' AND '.join(where)} "
                'ORDER BY "r"."created_at", "r"."id", "l"."position", "a"."id"'
            ),
            params,
        ).fetchall()
        sales: list[Sale] = []
        sale: Sale | None = None
        line: Line | None = None
        changes = self.unit_changes
        for (rid, at, loc, cust, rsub, rtot, lid, pid, qty, price, ucost, lsub, ltot, group,
             maker, weighed, step, rule, amount) in rows:  # fmt: skip
            if sale is None or sale.id != rid:
                if not isinstance(at, dt.datetime):
                    at = dt.datetime.fromisoformat(at)
                sale = Sale(rid, at, loc, cust, int(rsub), int(rtot))
                sales.append(sale)
                line = None
            if line is None or line.id != lid:
                line = Line(
                    lid, pid, int(qty), int(price), int(ucost) + changes.get(lid, 0), int(lsub),
                    int(ltot), group, maker, bool(weighed),
                )  # fmt: skip
                sale.lines.append(line)
            if step is None:
                continue
            amount = int(amount)
            if step in BEFORE:
                line.before += amount
                line.bundled = line.bundled or step == "bundle"
            elif step == PROMOTION:
                line.promos.append((rule, amount))
            elif step == CARD:
                line.card += amount
                line.card_rule = rule
        self._rests(sales)
        return sales

    def _rests(self, sales: list[Sale]) -> None:
        """What the lines not replayed cost at the promotions step, for the receipts whose
        total matters: all of them when the promotion asks for a receipt's total, and those
        where other promotions run again (theirs may)."""
        own = self.data.code
        wanted = [
            s
            for s in sales
            if self.replayer.needs_total or any(c != own for ln in s.lines for c, _a in ln.promos)
        ]
        if not wanted:
            return
        by_id = {s.id: s for s in wanted}
        replayed = {ln.id for s in wanted for ln in s.lines}
        off: dict[int, int] = dict.fromkeys(by_id, 0)
        steps = sorted(BEFORE | {PROMOTION})
        ids = sorted(by_id)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            rows = database.execute_sql(
                sql(
                    'SELECT "l"."receipt_id", "l"."id", "a"."rule", "a"."step", "a"."amount" '
                    'FROM "receipt_line" "l" JOIN "line_adjustment" "a" ON "a"."line_id" = '
                    f'"l"."id" WHERE "l"."receipt_id" IN ({", ".join("?" * len(chunk))}) '
                    f'AND "a"."step" IN ({", ".join("?" * len(steps))})'
                ),
                [*chunk, *steps],
            ).fetchall()
            for rid, lid, rule, step, amount in rows:
                if lid in replayed or (step == PROMOTION and rule == own):
                    continue
                off[rid] += int(amount)
        for rid, sale in by_id.items():
            sale.rest_value = sale.rest_subtotal - off[rid]

    def _load_customers(self, sales: list[Sale]) -> None:
        """The customers' cards and birthdays the promotion asks about (once each)."""
        rp = self.replayer
        if self.needs_cards:
            new = sorted({s.customer_id for s in sales if s.customer_id} - set(rp.cards))
            for start in range(0, len(new), _CHUNK):
                chunk = new[start : start + _CHUNK]
                rows = database.execute_sql(
                    sql(
                        'SELECT "id", "card", "card_type_id", "card_status", "card_spent_at", '
                        '"total_bought", "total_returned", "tier_floor", "status" '
                        f'FROM "customer" WHERE "id" IN ({", ".join("?" * len(chunk))})'
                    ),
                    chunk,
                ).fetchall()
                rp.cards.update((int(r[0]), card_state(r)) for r in rows)
        if self.data.birthday:
            new = sorted({s.customer_id for s in sales if s.customer_id} - set(rp.people))
            rp.people.update(load_people(new))


def load_people(customer_ids: list[int]) -> dict[int, list[Person]]:
    """{customer: the customer and their family with birth dates}, as festive.load_people
    reads one customer, for many at once."""
    from torgtui.customers.service import relation_title

    out: dict[int, list[Person]] = {cid: [] for cid in customer_ids}
    for start in range(0, len(customer_ids), _CHUNK):
        chunk = customer_ids[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = database.execute_sql(
            sql(
                'SELECT c."id", 0, c."name", \'\', c."birth_date" FROM "customer" c '
                f'WHERE c."id" IN ({marks}) AND c."birth_date" IS NOT NULL '
                'UNION ALL SELECT f."customer_id", f."id", f."name", f."relation", '
                'f."birth_date" FROM "family_member" f '
                f'WHERE f."customer_id" IN ({marks}) AND f."birth_date" IS NOT NULL'
            ),
            [*chunk, *chunk],
        ).fetchall()
        for cid, member_id, name, relation, born in rows:
            if isinstance(born, str):
                born = dt.date.fromisoformat(born[:10])
            title = relation_title(relation) if relation else ""
            out[int(cid)].append(Person(int(member_id), name, title, born))
    for people in out.values():
        people.sort(key=lambda p: p.member_id)
    return out
