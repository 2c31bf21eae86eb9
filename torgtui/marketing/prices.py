"""Price policy (seed 000 sections 3 and 6): price types, quantity breaks and a customer's own
discounts per manufacturer, with their three pricing steps; price lists are in
torgtui.marketing.pricelists.

How a line's price is chosen (docs/prices.md has a worked example):

20 ``price_type``  Which type a sale uses: one the caller names (``ctx.extra["price_type"]``,
   e.g. ``torgtui price`` with ``"price_type"``), else the customer's card's and the location's
   (when both are set the shop-wide trade type priority decides), else retail.
   The line goes to the product's price in that type; a product without one keeps its retail
   price, and the receipt's "why this price" says so (``info["price_type"]["retail"]`` and a
   ``refused`` note).
30 ``qty_breaks``  From N units of a product on the receipt another price or a percentage off
   the type's price. All lines of one product count together (weighed goods sold on several
   lines too). A break is for one product or a group (and its subgroups: each product of the
   group counts its own quantity) and for one price type or all; of those reached, the one with
   the highest minimum wins (then: product before group, nearer group before farther, a
   type's own before one for all). A break never raises the price.
40 ``manufacturer``  The attached customer's own percentage off one manufacturer's goods, on
   what the line costs after the two steps before.

A line whose price was set by hand (step 10) keeps it: the type and breaks do not touch it
(a personal manufacturer discount and the card still apply, as to any price). A blocked card
gets neither its price type nor its discounts.

The rules are cached per process (torgtui.marketing.rulecache: every change bumps the rules
version in its transaction); what belongs to one customer (their price type and discounts)
and the type prices of the basket's products are read once per pricing by the context loader,
so no step queries per line.

The services that change these rules are in torgtui.marketing.pricerules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from torgtui.db import database, query_value, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import rulecache
from torgtui.models import Location, ProductGroup
from torgtui.models.prices import RETAIL, PriceType, QtyBreak
from torgtui.money import format_money, format_qty, line_amount, percent_of
from torgtui.sales import extensions
from torgtui.sales.basket import Adjustment, Basket, BasketLine
from torgtui.sales.pricing import PricingContext

PRIORITY_KEY = "prices.priority"
PRIORITIES = ("customer", "location")  # whose price type wins when both are set
DEFAULT_PRIORITY = "customer"


def bp(percent: Decimal) -> int:
    """3.5% -> 350 basis points."""
    return int(percent * 100)


def pct(basis_points: int) -> Decimal:
    return (Decimal(basis_points) / 100).normalize()


# --- the rules as pricing sees them (cached per process) ------------------------------------


@dataclass(frozen=True)
class Break:
    id: int
    code: str
    product_id: int | None
    group_id: int | None
    price_type_id: int | None  # None: every price type
    min_qty: int  # thousandths
    price: int | None  # kopecks per unit, or
    percent: Decimal | None  # off the type's price


@dataclass
class PriceRules:
    types: dict[int, tuple[str, str]]  # id -> (code, name)
    by_code: dict[str, int]
    retail_id: int
    location_types: dict[int, int | None]
    priority: str
    product_breaks: dict[int, list[Break]] = field(default_factory=dict)
    group_breaks: dict[int, list[Break]] = field(default_factory=dict)
    parents: dict[int, int | None] = field(default_factory=dict)  # group -> parent

    def groups_up(self, group_id: int | None) -> list[int]:
        """The group and its parents, nearest first (a group the cache does not know yet is
        looked up: groups are made by imports, which do not bump the rules version)."""
        if group_id is not None and group_id not in self.parents:
            self.parents.update(_group_parents())
            self.parents.setdefault(group_id, None)  # looked up once, not at every pricing
        out: list[int] = []
        while group_id is not None and group_id not in out:
            out.append(group_id)
            group_id = self.parents.get(group_id)
        return out


def _group_parents() -> dict[int, int | None]:
    return dict(ProductGroup.select(ProductGroup.id, ProductGroup.parent).tuples())


def _load_rules() -> PriceRules:
    types = {t.id: (t.code, t.name) for t in PriceType.select()}
    by_code = {code: tid for tid, (code, _name) in types.items()}
    rules = PriceRules(
        types,
        by_code,
        by_code.get(RETAIL, 0),
        dict(Location.select(Location.id, Location.price_type).tuples()),
        stored_priority(),
    )
    for row in QtyBreak.select().where(QtyBreak.active == True):  # noqa: E712
        b = Break(
            row.id,
            row.code,
            row.product_id,
            row.group_id,
            row.price_type_id,
            row.min_qty,
            row.price,
            pct(row.percent_bp) if row.percent_bp is not None else None,
        )
        if b.product_id is not None:
            rules.product_breaks.setdefault(b.product_id, []).append(b)
        elif b.group_id is not None:
            rules.group_breaks.setdefault(b.group_id, []).append(b)
    if rules.group_breaks:
        rules.parents = _group_parents()
    return rules


def price_rules() -> PriceRules:
    return rulecache.cached("price_rules", _load_rules)


def stored_priority() -> str:
    value = query_value('SELECT "value" FROM "setting" WHERE "key" = ?', (PRIORITY_KEY,))
    return str(value) if value in PRIORITIES else DEFAULT_PRIORITY


# --- the context: what this pricing needs, read once ------------------------------------------


@dataclass
class PriceState:
    rules: PriceRules
    type_id: int
    source: str  # "basket", "customer", "location" or "" (retail by default)
    overruled: int | None = None  # the type that lost to the priority setting
    prices: dict[int, int] = field(default_factory=dict)  # product -> price in the type
    discounts: dict[int, tuple[int, Decimal, str]] = field(default_factory=dict)
    # manufacturer -> (discount id, percent, manufacturer's name)
    blocked: bool = False  # the card is blocked: its type and discounts are not given

    @property
    def retail(self) -> bool:
        return self.type_id == self.rules.retail_id

    def type_price(self, line: BasketLine) -> int:
        """The line's unit price in the sale's type (retail when the type has none)."""
        if self.retail:
            return line.unit_price
        return self.prices.get(line.product_id, line.unit_price)


def _customer_terms(customer_id: int) -> tuple[int | None, dict, bool]:
    """(the card's price type, its manufacturer discounts, whether the card is blocked), in
    one query; nothing for a card that is not active."""
    rows = database.execute_sql(
        sql(
            'SELECT c."price_type_id", c."status", c."card_status", d."id", '
            'd."manufacturer_id", d."percent_bp", m."name" FROM "customer" c '
            'LEFT JOIN "manufacturer_discount" d ON d."customer_id" = c."id" '
            'LEFT JOIN "manufacturer" m ON m."id" = d."manufacturer_id" WHERE c."id" = ?'
        ),
        (customer_id,),
    ).fetchall()
    if not rows or rows[0][1] != "active":
        return None, {}, False
    discounts = {row[4]: (row[3], pct(row[5]), row[6] or "") for row in rows if row[3] is not None}
    return rows[0][0], discounts, rows[0][2] == "blocked"


@extensions.context_loader
def load_prices(basket: Basket, ctx: PricingContext) -> None:
    """Choose the sale's price type and read what this pricing needs (one to three queries)."""
    rules = price_rules()
    customer_type, discounts, blocked = None, {}, False
    if ctx.customer_id is not None:
        customer_type, discounts, blocked = _customer_terms(ctx.customer_id)
        if blocked:  # said at the register only when the card had terms to lose
            blocked = customer_type is not None or bool(discounts)
            customer_type, discounts = None, {}
    location_type = rules.location_types.get(ctx.location_id) if ctx.location_id else None
    named = ctx.extra.get("price_type")
    overruled = None
    if named:
        if named not in rules.by_code:
            raise ValidationError(
                _("There is no price type {code!r}.").format(code=str(named)[:40])
            )
        type_id, source = rules.by_code[str(named)], "basket"
    elif customer_type is not None and location_type is not None:
        if rules.priority == "location":
            type_id, source, overruled = location_type, "location", customer_type
        else:
            type_id, source, overruled = customer_type, "customer", location_type
        if overruled == type_id:
            overruled = None
    elif customer_type is not None:
        type_id, source = customer_type, "customer"
    elif location_type is not None:
        type_id, source = location_type, "location"
    else:
        type_id, source = rules.retail_id, ""
    state = PriceState(rules, type_id, source, overruled, discounts=discounts, blocked=blocked)
    if not state.retail and basket.lines:
        ids = sorted({ln.product_id for ln in basket.lines})
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            state.prices.update(
                database.execute_sql(
                    sql(
                        'SELECT "product_id", "price" FROM "product_price" WHERE '
                        f'"price_type_id" = ? AND "product_id" IN ({marks})'
                    ),
                    [type_id, *chunk],
                ).fetchall()
            )
    ctx.extra["prices"] = state


def _state(ctx: PricingContext) -> PriceState | None:
    state = ctx.extra.get("prices")
    return state if isinstance(state, PriceState) else None


def _set_by_hand(line: BasketLine) -> bool:
    return any(a.step == "override" for a in line.adjustments)


def type_title(state: PriceState, type_id: int) -> str:
    code, name = state.rules.types.get(type_id, ("?", "?"))
    return _("Retail") if code == RETAIL else name


# --- the three steps ----------------------------------------------------------------------


@extensions.pricing_step(20, "price_type")
def price_type_step(basket: Basket, ctx: PricingContext) -> None:
    """Each line at its product's price in the sale's price type."""
    state = _state(ctx)
    if state is None:
        return
    refused = basket.info.setdefault("refused", [])
    if state.blocked:
        refused.append(
            {
                "rule": "price_type",
                "reason": _("The card is blocked: its price type and discounts are not given."),
            }
        )
    if state.retail and state.overruled is None:
        return
    code = state.rules.types.get(state.type_id, ("?", ""))[0]
    title = type_title(state, state.type_id)
    info: dict[str, object] = {"code": code, "name": title, "source": state.source}
    if state.overruled is not None:
        info["instead_of"] = state.rules.types.get(state.overruled, ("?", ""))[0]
        refused.append(
            {
                "rule": info["instead_of"],
                "reason": _("Price type {lost} not used: {won} wins ({setting}).").format(
                    lost=type_title(state, state.overruled),
                    won=title,
                    setting=_("the customer's card first")
                    if state.source == "customer"
                    else _("the location's first"),
                ),
            }
        )
    basket.info["price_type"] = info
    if state.retail:
        return
    fallback: list[str] = []
    reason = _("{type} price").format(type=title)
    for line in basket.lines:
        if _set_by_hand(line):
            continue
        if line.product_id not in state.prices:
            if line.sku not in fallback:
                fallback.append(line.sku)
                refused.append(
                    {
                        "rule": code,
                        "reason": _("{sku} has no {type} price: sold at retail.").format(
                            sku=line.sku, type=title
                        ),
                    }
                )
            continue
        amount = line.subtotal - line_amount(state.prices[line.product_id], line.qty)
        if amount:
            line.adjustments.append(Adjustment("price_type", reason, amount, rule=code))
    if fallback:
        info["retail"] = fallback


def best_break(
    rules: PriceRules, product_id: int, group_id: int | None, qty: int, type_id: int
) -> Break | None:
    """The break that applies to ``qty`` of a product in price type ``type_id``: the highest
    minimum reached; on a tie the product's own, then the nearest group's, then a type's own
    over one for every type."""
    best: Break | None = None
    best_rank: tuple[int, int, int] | None = None
    candidates: list[tuple[int, list[Break]]] = []
    if product_id in rules.product_breaks:
        candidates.append((0, rules.product_breaks[product_id]))
    if rules.group_breaks:
        for depth, gid in enumerate(rules.groups_up(group_id), 1):
            if gid in rules.group_breaks:
                candidates.append((depth, rules.group_breaks[gid]))
    for depth, breaks in candidates:
        for b in breaks:
            if b.min_qty > qty or (b.price_type_id is not None and b.price_type_id != type_id):
                continue
            rank = (b.min_qty, -depth, b.price_type_id is not None)
            if best_rank is None or rank > best_rank:
                best, best_rank = b, rank
    return best


@extensions.pricing_step(30, "qty_breaks")
def qty_break_step(basket: Basket, ctx: PricingContext) -> None:
    """From N units of a product on the receipt (all its lines together) another price or a
    percentage off the type's price."""
    state = _state(ctx)
    if state is None or not (state.rules.product_breaks or state.rules.group_breaks):
        return
    qty: dict[int, int] = {}
    for line in basket.lines:
        qty[line.product_id] = qty.get(line.product_id, 0) + line.qty
    for line in basket.lines:
        if _set_by_hand(line):
            continue
        b = best_break(
            state.rules, line.product_id, line.group_id, qty[line.product_id], state.type_id
        )
        if b is None:
            continue
        unit = state.type_price(line)
        before = line_amount(unit, line.qty)
        if b.price is not None:
            if b.price >= unit:
                basket.info.setdefault("refused", []).append(
                    {
                        "rule": b.code,
                        "reason": _(
                            "{sku}: the break's price {price} is not below {unit}: not used."
                        ).format(
                            sku=line.sku, price=format_money(b.price), unit=format_money(unit)
                        ),
                    }
                )
                continue
            amount = before - line_amount(b.price, line.qty)
            reason = _("From {qty} {unit}: {price} each").format(
                qty=format_qty(b.min_qty), unit=line.unit, price=format_money(b.price)
            )
        else:
            amount = percent_of(before, b.percent or Decimal(0))
            reason = _("From {qty} {unit}: {percent}% off").format(
                qty=format_qty(b.min_qty), unit=line.unit, percent=b.percent
            )
        if amount:
            line.adjustments.append(Adjustment("qty_breaks", reason, amount, rule=b.code))


@extensions.pricing_step(40, "manufacturer")
def manufacturer_step(basket: Basket, ctx: PricingContext) -> None:
    """The customer's own percentage off a manufacturer's goods, on what the line costs now."""
    state = _state(ctx)
    if state is None or not state.discounts:
        return
    for line in basket.lines:
        found = state.discounts.get(line.manufacturer_id) if line.manufacturer_id else None
        if found is None:
            continue
        discount_id, percent, name = found
        amount = percent_of(line.total, percent)
        if amount > 0:
            line.adjustments.append(
                Adjustment(
                    "manufacturer",
                    _("{manufacturer} {percent}% (personal)").format(
                        manufacturer=name, percent=percent
                    ),
                    amount,
                    rule=str(discount_id),
                )
            )
