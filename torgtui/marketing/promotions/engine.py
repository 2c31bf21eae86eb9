"""The promotion engine: the active promotions indexed in memory per rules version, which of
them can apply to a basket (found through the index by product, group and its parents, and
manufacturer), their conditions evaluated over the basket, the units each mechanic rewards and
what the reward is worth, and how promotions combine (exclusive, stacks, best of a group,
priority). The pricing step and the sale hook that drive it are in
torgtui.marketing.promotions.step; the order of application and the rounding, with worked
examples, are in docs/promotions.md.

Units: the mechanics that pick items (every Nth, the cheapest, buy X get Y) count whole pieces
of goods sold by the piece; goods sold by weight count toward quantities and totals and take
the rewards of "all" promotions only. A unit's value is what its line costs at this point
(after the steps before and the promotions applied before it), per piece.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from torgtui.marketing import cards, rulecache
from torgtui.marketing.promotions import store
from torgtui.marketing.promotions.model import PromotionData, Target
from torgtui.models.promotions import Promotion
from torgtui.money import line_amount, percent_of, round_kopecks
from torgtui.sales.basket import BasketLine
from torgtui.sales.pricing import split_proportionally

PIECE = 1000  # thousandths in one piece


# --- the rules as pricing sees them ---------------------------------------------------------


@dataclass(frozen=True)
class TargetSet:
    """The goods of a promotion, ready for per-line tests."""

    every: bool
    products: frozenset[int]
    groups: frozenset[int]
    makers: frozenset[int]
    x_products: frozenset[int]
    x_groups: frozenset[int]
    x_makers: frozenset[int]

    @classmethod
    def of(cls, targets: tuple[Target, ...]) -> TargetSet:
        def ids(attr: str, exclude: bool) -> frozenset[int]:
            return frozenset(
                getattr(t, attr)
                for t in targets
                if t.exclude == exclude and getattr(t, attr) is not None
            )

        return cls(
            any(t.is_all and not t.exclude for t in targets),
            ids("product_id", False),
            ids("group_id", False),
            ids("manufacturer_id", False),
            ids("product_id", True),
            ids("group_id", True),
            ids("manufacturer_id", True),
        )

    def covers(self, product_id: int, chain: tuple[int, ...], maker: int | None) -> bool:
        if product_id in self.x_products or (maker is not None and maker in self.x_makers):
            return False
        if self.x_groups and any(g in self.x_groups for g in chain):
            return False
        return (
            self.every
            or product_id in self.products
            or (maker is not None and maker in self.makers)
            or any(g in self.groups for g in chain)
        )


@dataclass(frozen=True)
class Rule:
    """One active promotion, compiled."""

    id: int
    data: PromotionData
    targets: TargetSet
    gets: TargetSet | None  # buy X get Y of other goods

    @property
    def code(self) -> str:
        return self.data.code

    def in_force(self, at: dt.datetime, location_id: int | None) -> bool:
        d = self.data
        day = at.date()
        if (d.starts_on and day < d.starts_on) or (d.ends_on and day > d.ends_on):
            return False
        if d.weekdays and day.weekday() not in d.weekdays:
            return False
        if d.hours is not None and not d.hours[0] <= at.hour * 60 + at.minute < d.hours[1]:
            return False
        return not d.locations or location_id in d.locations


@dataclass
class Index:
    """The active promotions by what can trigger them, for one rules version."""

    rules: dict[int, Rule]
    by_product: dict[int, list[int]] = field(default_factory=dict)
    by_group: dict[int, list[int]] = field(default_factory=dict)
    by_maker: dict[int, list[int]] = field(default_factory=dict)
    for_all: list[int] = field(default_factory=list)
    parents: dict[int, int | None] = field(default_factory=dict)
    chains: dict[int | None, tuple[int, ...]] = field(default_factory=dict)
    card_types: dict[str, int] = field(default_factory=dict)  # card type code -> id
    special: list[int] = field(default_factory=list)  # birthday and Nth-receipt promotions

    def chain(self, group_id: int | None) -> tuple[int, ...]:
        """The group and its parents (a group made by an import after the cache was filled is
        looked up once: imports of the catalog do not move the rules version)."""
        hit = self.chains.get(group_id)
        if hit is not None:
            return hit
        if group_id is not None and group_id not in self.parents:
            self.parents.update(cards.group_parents())
            if group_id not in self.parents:
                from torgtui.models import ProductGroup

                self.parents.update(
                    ProductGroup.select(ProductGroup.id, ProductGroup.parent).tuples()
                )
                self.parents.setdefault(group_id, None)
        out: list[int] = []
        g = group_id
        while g is not None and g not in out:
            out.append(g)
            g = self.parents.get(g)
        self.chains[group_id] = tuple(out)
        return self.chains[group_id]

    def candidates(self, product_id: int, chain: tuple[int, ...], maker: int | None) -> set[int]:
        found = set(self.for_all)
        found.update(self.by_product.get(product_id, ()))
        if maker is not None:
            found.update(self.by_maker.get(maker, ()))
        for g in chain:
            found.update(self.by_group.get(g, ()))
        return found


def _load() -> Index:
    rows = Promotion.select().where(Promotion.active == True)  # noqa: E712
    index = Index({})
    for row, data in store.read(rows):
        targets = TargetSet.of(data.targets)
        gets = TargetSet.of(data.get_targets) if data.get_targets else None
        index.rules[row.id] = Rule(row.id, data, targets, gets)
        if data.birthday or data.nth_receipt:
            index.special.append(row.id)
        if targets.every:
            index.for_all.append(row.id)
        for pid in targets.products:
            index.by_product.setdefault(pid, []).append(row.id)
        for gid in targets.groups:
            index.by_group.setdefault(gid, []).append(row.id)
        for mid in targets.makers:
            index.by_maker.setdefault(mid, []).append(row.id)
    if index.rules:
        index.parents = dict(cards.group_parents())
        index.card_types = {rule.code: rule.id for rule in cards.rules().values()}
    return index


def index() -> Index:
    """The active promotions, indexed (cached per process and rules version)."""
    return rulecache.cached("promotions", _load)


# --- one pricing -----------------------------------------------------------------------------


@dataclass
class View:
    """A basket line as the promotions see it: the units no set took (a set is a price of its
    own: torgtui.marketing.bundle_pricing puts what it took in ``basket.info["bundled"]``),
    with their regular amount and what the set's units cost worked out once -- neither
    changes while promotions apply."""

    index: int
    line: BasketLine
    chain: tuple[int, ...]
    qty: int = 0  # thousandths open to promotions (0: the whole line)
    subtotal: int = 0  # what they cost at regular prices
    set_cost: int = 0  # what the units a set took cost (promotions never change it)

    def __post_init__(self) -> None:
        line = self.line
        if not self.qty or self.qty >= line.qty:
            self.qty, self.subtotal, self.set_cost = line.qty, line.subtotal, 0
            return
        self.subtotal = line_amount(line.unit_price, self.qty)
        earlier = sum(a.amount for a in line.adjustments if a.step != "bundle")
        free_cost = _share(line.subtotal - earlier, self.qty, line.qty)
        self.set_cost = line.total - free_cost

    @property
    def total(self) -> int:
        """What the units cost now (the promotions applied so far included)."""
        return self.line.subtotal - sum(a.amount for a in self.line.adjustments) - self.set_cost

    @property
    def piece(self) -> bool:
        return not self.line.weighed and self.qty % PIECE == 0 and self.qty > 0


@dataclass
class Application:
    """What one promotion gives on this basket."""

    rule: Rule
    rewarded: dict[int, int]  # line index -> thousandths rewarded
    participants: dict[int, int]  # line index -> thousandths that took part in the deal
    amounts: dict[int, int]  # line index -> kopecks (a discount, or bonuses when ``bonus``)
    note: str = ""  # why it applies to this receipt (whose birthday, which receipt)
    grant: tuple[int, int] | None = None  # birthday: (family member id or 0, year)
    may_be: bool = False  # the Nth receipt: as far as the counter knows before commit

    @property
    def bonus(self) -> bool:
        return self.rule.data.gives_bonus

    @property
    def value(self) -> int:
        return sum(self.amounts.values())


def _unit_value(view: View, total: int) -> Fraction:
    return Fraction(total, view.qty) if view.qty else Fraction(0)


def _runs(views: list[View], totals: dict[int, int]) -> list[tuple[int, int, Fraction]]:
    """(line index, pieces, value per thousandth) of the piece goods, dearest first (the line
    order breaks ties)."""
    runs = [(v.index, v.qty // PIECE, _unit_value(v, totals[v.index])) for v in views]
    return sorted((r for r in runs if r[1] > 0), key=lambda r: (-r[2], r[0]))


def _add(into: dict[int, int], index: int, qty: int) -> None:
    if qty:
        into[index] = into.get(index, 0) + qty


def chunks(
    runs: list[tuple[int, int, Fraction]], size: int, tail: int, limit: int | None
) -> tuple[dict[int, int], dict[int, int], int]:
    """Group the pieces, dearest first, in groups of ``size``; the last ``tail`` of each whole
    group (the cheapest of it) are rewarded; at most ``limit`` groups. Sorting dearest first
    gives the customer the most a "cheapest of each group" rule allows. Returns (rewarded,
    participants, groups) in thousandths per line."""
    units = sum(r[1] for r in runs)
    groups = units // size if limit is None else min(units // size, limit)
    end, head = groups * size, size - tail
    rewarded: dict[int, int] = {}
    part: dict[int, int] = {}

    def upto(m: int) -> int:  # rewarded positions among the first m
        return (m // size) * tail + max(0, m % size - head)

    pos = 0
    for idx, count, _value in runs:
        if pos >= end:
            break
        hi = min(pos + count, end)
        _add(part, idx, (hi - pos) * PIECE)
        _add(rewarded, idx, (upto(hi) - upto(pos)) * PIECE)
        pos += count
    return rewarded, part, groups


def mechanic_all(views: list[View]) -> tuple[dict[int, int], dict[int, int]]:
    every = {v.index: v.qty for v in views}
    return every, dict(every)


def mechanic_nth(d: PromotionData, views: list[View], totals: dict[int, int]):
    pieces = [v for v in views if v.piece]
    if d.of == "set":
        rewarded, part, _g = chunks(_runs(pieces, totals), d.n, 1, d.max_times)
        return rewarded, part
    by_product: dict[int, list[View]] = {}
    for v in pieces:
        by_product.setdefault(v.line.product_id, []).append(v)
    # the dearest products first, so a limit per receipt leaves the customer the most
    ordered = sorted(
        by_product.values(),
        key=lambda vs: (-max(_unit_value(v, totals[v.index]) for v in vs), vs[0].index),
    )
    rewarded, part, left = {}, {}, d.max_times
    for group in ordered:
        if left is not None and left <= 0:
            break
        r, p, used = chunks(_runs(group, totals), d.n, 1, left)
        for k, q in r.items():
            _add(rewarded, k, q)
        for k, q in p.items():
            _add(part, k, q)
        if left is not None:
            left -= used
    return rewarded, part


def mechanic_cheapest(views: list[View], totals: dict[int, int]):
    runs = _runs([v for v in views if v.piece], totals)
    if not runs:
        return {}, {}
    cheapest = min(runs, key=lambda r: (r[2], r[0]))
    return {cheapest[0]: PIECE}, {v.index: v.qty for v in views}


def mechanic_buy_get(
    d: PromotionData, views: list[View], gets: list[View] | None, totals: dict[int, int]
):
    pieces = [v for v in views if v.piece]
    if gets is None:  # the same goods: "buy 2 get 1" is "3 for 2"
        rewarded, part, _g = chunks(_runs(pieces, totals), d.buy + d.get, d.get, d.max_times)
        return rewarded, part
    buy_units = {v.index: v.qty // PIECE for v in pieces}
    get_views = [v for v in gets if v.piece]
    both = {v.index for v in get_views if v.index in buy_units}
    b_only = sum(u for i, u in buy_units.items() if i not in both)
    g_only = sum(v.qty // PIECE for v in get_views if v.index not in both)
    shared = sum(buy_units[i] for i in both)
    times = min(
        (b_only + shared) // d.buy,
        (g_only + shared) // d.get,
        (b_only + g_only + shared) // (d.buy + d.get),
    )
    if d.max_times is not None:
        times = min(times, d.max_times)
    if times <= 0:
        return {}, {}
    need_get, need_buy = times * d.get, times * d.buy
    shared_for_get = shared - max(0, need_buy - b_only)
    rewarded: dict[int, int] = {}
    part: dict[int, int] = {}
    taken: dict[int, int] = {}
    for idx, count, _value in _runs(get_views, totals):  # the dearest given first
        if need_get <= 0:
            break
        allowed = count if idx not in both else min(count, shared_for_get)
        take = min(allowed, need_get)
        if idx in both:
            shared_for_get -= take
        need_get -= take
        taken[idx] = take
        _add(rewarded, idx, take * PIECE)
        _add(part, idx, take * PIECE)
    for idx, count, _value in sorted(
        _runs(pieces, totals), key=lambda r: (r[0] in both, -r[2], r[0])
    ):
        if need_buy <= 0:
            break
        take = min(count - taken.get(idx, 0), need_buy)
        need_buy -= take
        _add(part, idx, take * PIECE)
    return rewarded, part


# --- rewards and rounding ----------------------------------------------------------------


def _share(total: int, qty: int, whole: int) -> int:
    """What ``qty`` thousandths of a line of ``whole`` thousandths costing ``total`` cost."""
    if qty >= whole:
        return total
    return round_kopecks(Decimal(total) * qty / whole)


def _unit_reward(d: PromotionData, base: int, qty: int) -> int:
    """The reward on ``qty`` thousandths worth ``base`` kopecks (never more than ``base``)."""
    if d.reward in ("percent", "bonus_percent"):
        return percent_of(base, d.percent or Decimal(0))
    if d.reward in ("amount", "bonus_amount"):
        return min(line_amount(d.amount or 0, qty), base)
    return max(base - line_amount(d.price or 0, qty), 0)


def reward_amounts(
    d: PromotionData,
    qtys: dict[int, int],
    rewarded: dict[int, int],
    participants: dict[int, int],
    totals: dict[int, int],
) -> dict[int, int]:
    """Kopecks per line (``qtys``: thousandths each line's ``totals`` are for), by the
    rounding rule of docs/promotions.md:

    * "all" per line: each line's reward computed and rounded on the line;
    * "all" once on the total: the reward on the sum of the lines, split over them in
      proportion to what they cost (largest remainder);
    * the mechanics that pick units: the reward of each rewarded line's units, rounded per
      line, summed, and that sum shared by every line that took part in the deal, in
      proportion to what its part costs (largest remainder) -- so a return of some of them
      refunds what the customer paid for those;
    * a cap per receipt scales the lines' amounts down to it the same way.
    Nothing takes a line below zero: no share is more than what its part costs."""
    out: dict[int, int] = {}
    if d.mechanic == "all" and d.on == "lines":
        for idx, qty in rewarded.items():
            base = _share(totals[idx], qty, qtys[idx])
            out[idx] = _unit_reward(d, base, qty)
    else:
        order = sorted(participants)
        weights = [_share(totals[i], participants[i], qtys[i]) for i in order]
        if d.mechanic == "all":  # once on the qualifying total
            whole = sum(weights)
            if d.reward in ("percent", "bonus_percent"):
                reward = percent_of(whole, d.percent or Decimal(0))
            else:
                reward = min(d.amount or 0, whole)
        else:
            reward = sum(
                _unit_reward(d, _share(totals[i], q, qtys[i]), q) for i, q in rewarded.items()
            )
            reward = min(reward, sum(weights))
        out = dict(zip(order, split_proportionally(reward, weights), strict=True))
    if d.cap is not None and sum(out.values()) > d.cap:
        order = sorted(out)
        out = dict(zip(order, split_proportionally(d.cap, [out[i] for i in order]), strict=True))
    return {i: a for i, a in out.items() if a > 0}
