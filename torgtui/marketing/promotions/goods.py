"""The goods a promotion covers, as its card and the builder show them (issue 9 section 6):
each product on sale it can change, with its stock, its regular price, the price of the unit
the promotion discounts, its cost and the margin at that price (kopecks; below zero: sold
below cost).

The promoted price is one unit priced by the promotion engine's own reward and rounding
(engine.reward_amounts, so the card says what the till takes) at the product's regular price:

* every item: each unit (a reward once on the total: one unit bought alone);
* every Nth item, 3 for 2, buy X get Y, the cheapest: the unit the deal discounts ("on the
  2nd unit", "on the 3rd unit", "the cheapest of the basket"); in buy X get Y of other goods
  the goods bought keep their price (their role is "bought") and the goods given show the given
  unit's price;
* bonuses instead of a discount: the price stays, ``bonus`` is what the unit earns;
* goods sold by weight take only every-item promotions (engine.py): the others leave them at
  their price (role "by weight").

The conditions (a minimum quantity or total, customers, hours) are not asked: this is the price
when they are met. The cap per receipt is applied to the one unit.

Speed: the products come from one query over the catalog (coverage.hit_sql, at most ``limit``
by SKU, plus one COUNT), their stock from one grouped query over the stock ledger for those
products; nothing is read per product.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torgtui.db import database, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.promotions import coverage, engine
from torgtui.marketing.promotions.model import PromotionData, clean_promotion
from torgtui.marketing.promotions.service import get_promotion
from torgtui.values import check_count, check_id

MAX_LIMIT = 5000
_CHUNK = 500

# a row's role
REWARDED = "rewarded"  # the unit shown is the one the promotion discounts
BOUGHT = "bought"  # buy X get Y of other goods: buying it earns another's discount
WEIGHED = "weighed"  # sold by weight: only every-item promotions reward it


@dataclass(frozen=True)
class GoodsRow:
    """One product the promotion covers (money in kopecks per unit, stock in thousandths)."""

    product_id: int
    sku: str
    name: str
    weighed: bool
    stock: int
    price: int  # regular
    promoted: int  # the unit the promotion discounts, at this price
    cost: int
    bonus: int = 0  # bonuses that unit earns (a bonus promotion: the price stays)
    role: str = REWARDED

    @property
    def discount(self) -> int:
        return self.price - self.promoted

    @property
    def margin(self) -> int:
        """What the promoted unit leaves over its cost (below zero: sold below cost)."""
        return self.promoted - self.cost

    @property
    def below_cost(self) -> bool:
        return self.margin < 0


@dataclass
class CoveredGoods:
    """At most ``limit`` covered products by SKU, and how many it covers in all."""

    rows: list[GoodsRow]
    total_count: int
    unit: str  # which unit the promoted price is for, in words
    location_id: int | None = None  # the stock's location (None: every location)
    notes: list[str] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return self.total_count > len(self.rows)

    @property
    def below_cost(self) -> int:
        """How many of the rows the promotion sells below cost."""
        return sum(1 for r in self.rows if r.below_cost)


def ordinal(n: int) -> str:
    """2 -> "2nd", 3 -> "3rd", 11 -> "11th" (each form through the catalog)."""
    if n % 100 in (11, 12, 13) or n % 10 not in (1, 2, 3):
        return _("{n}th").format(n=n)
    if n % 10 == 1:
        return _("{n}st").format(n=n)
    if n % 10 == 2:
        return _("{n}nd").format(n=n)
    return _("{n}rd").format(n=n)


def unit_words(d: PromotionData) -> str:
    """Which unit the promoted price is for: "each unit", "on the 2nd unit of the same
    product", "on the 3rd unit (buy 2, get 1)", "the cheapest unit of the basket"."""
    if d.mechanic == "nth":
        if d.of == "product":
            return _("on the {nth} unit of the same product").format(nth=ordinal(d.n))
        return _("on every {nth} unit of its goods").format(nth=ordinal(d.n))
    if d.mechanic == "cheapest":
        return _("on the cheapest unit of the basket")
    if d.mechanic == "buy_get":
        if d.get_targets:
            return _("on a unit given, after {buy} bought").format(buy=d.buy)
        if d.get == 1:
            return _("on the {nth} unit (buy {buy}, get {get})").format(
                nth=ordinal(d.buy + 1), buy=d.buy, get=d.get
            )
        return _("on units {first} to {last} of every {size} (buy {buy}, get {get})").format(
            first=d.buy + 1, last=d.buy + d.get, size=d.buy + d.get, buy=d.buy, get=d.get
        )
    if d.on == "receipt":
        return _("one unit bought alone (the reward is once on the total)")
    return _("each unit")


def unit_reward(d: PromotionData, price: int) -> int:
    """What the promotion gives on one unit at ``price`` (kopecks: a discount, or bonuses
    when it gives bonuses), by the engine's reward and rounding, the cap included."""
    if price <= 0:
        return 0
    one = {0: engine.PIECE}
    return engine.reward_amounts(d, one, one, one, {0: price}).get(0, 0)


def _promotion(code_or_data: str | PromotionData) -> PromotionData:
    if isinstance(code_or_data, PromotionData):
        return clean_promotion(code_or_data)
    if isinstance(code_or_data, str):
        return get_promotion(code_or_data)
    raise ValidationError(_("Give a promotion's id or the promotion being edited."))


def _stock(ids: list[int], location_id: int | None) -> dict[int, int]:
    out: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        where = f'"product_id" IN ({", ".join("?" * len(chunk))})'
        params: list[object] = list(chunk)
        if location_id is not None:
            where += ' AND "location_id" = ?'
            params.append(location_id)
        rows = database.execute_sql(
            sql(
                'SELECT "product_id", SUM("qty") FROM "stock_movement" '
                f'WHERE {where} GROUP BY "product_id"'
            ),
            params,
        ).fetchall()
        out.update((int(pid), int(qty or 0)) for pid, qty in rows)
    return out


def covered_goods(
    code_or_data: str | PromotionData, *, location_id: int | None = None, limit: int = 500
) -> CoveredGoods:
    """The products on sale a promotion (a saved one's id, or the one being edited) can
    change, by SKU, at most ``limit``, with stock at ``location_id`` (None: every location)
    and the promoted unit's price (see the module doc). Reads only."""
    limit = check_count(limit, _("The number of goods"), minimum=1, maximum=MAX_LIMIT, text=False)
    if location_id is not None:
        location_id = check_id(location_id, _("The location"))
    d = _promotion(code_or_data)
    tree = coverage.group_tree()
    text, params = coverage.hit_sql(d, tree)
    where = f'p."active" = ? AND {text}'
    (total,) = database.execute_sql(
        sql(f'SELECT COUNT(*) FROM "product" p WHERE {where}'), [True, *params]
    ).fetchone()
    found = database.execute_sql(
        sql(
            'SELECT p."id", p."sku", p."name", p."weighed", p."price", p."cost" FROM "product" p '
            f'WHERE {where} ORDER BY p."sku" LIMIT {limit}'
        ),
        [True, *params],
    ).fetchall()
    given: set[int] = set()
    if d.mechanic == "buy_get" and d.get_targets:
        ids = [int(r[0]) for r in found]
        gtext, gparams = coverage.coverage_sql(d.get_targets, "p", tree)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            given.update(
                int(r[0])
                for r in database.execute_sql(
                    sql(
                        f'SELECT p."id" FROM "product" p WHERE {gtext} '
                        f'AND p."id" IN ({", ".join("?" * len(chunk))})'
                    ),
                    [*gparams, *chunk],
                ).fetchall()
            )
    stock = _stock([int(r[0]) for r in found], location_id)
    rows = []
    for pid, sku, name, weighed, price, cost in found:
        pid, price, cost, weighed = int(pid), int(price), int(cost), bool(weighed)
        role = REWARDED
        if weighed and d.mechanic != "all":
            role = WEIGHED
        elif given and pid not in given:
            role = BOUGHT
        reward = unit_reward(d, price) if role == REWARDED else 0
        discount, bonus = (0, reward) if d.gives_bonus else (reward, 0)
        rows.append(
            GoodsRow(pid, sku, name, weighed, stock.get(pid, 0), price, price - discount, cost,
                     bonus, role)
        )  # fmt: skip
    notes = []
    if d.gives_bonus:
        notes.append(_("Bonuses instead of a discount: the price stays, the bonuses are owed."))
    if any(r.role == BOUGHT for r in rows):
        notes.append(_("Goods bought keep their price: the discount is on the goods given."))
    if any(r.role == WEIGHED for r in rows):
        notes.append(_("Goods sold by weight take only promotions on every item."))
    if d.min_qty or d.min_total or d.max_qty or d.max_total:
        notes.append(_("When its conditions are met."))
    return CoveredGoods(rows, int(total), unit_words(d), location_id, notes)


__all__ = ["BOUGHT", "REWARDED", "WEIGHED", "CoveredGoods", "GoodsRow", "covered_goods"]
