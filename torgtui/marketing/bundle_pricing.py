"""Bundles (sets) at the till: the pricing step at order 45 (before promotions, 50).

Two things happen here (docs/bundles.md has worked examples):

* **A set sold as one article** (a catalog product a bundle names as its article) sells at
  the set's price: when its price after the steps before is higher, an adjustment brings it
  down to the set's price.
* **Automatic assembly.** When every part of one or more sets is in the basket, the sets are
  assembled: the assignment of lines to sets that saves the customer the most. Several sets in
  one basket, sets that compete for the same lines and partial quantities (3 creams, a set takes
  one) are all one small integer problem: maximise the sum over sets of ``sets x saving per
  set`` with no product used more than the basket holds. It is solved exactly by a
  branch-and-bound search (see :func:`best_counts`) over the *candidates* only (the active
  sets whose every part is in the basket and that save something), split into groups that share
  no product (each group is searched on its own); the search is bounded by
  :data:`NODE_BUDGET` nodes per group and starts from the greedy answer, so when the budget runs
  out the answer is still at least the greedy one (``ctx.extra["bundle_search"]`` says whether
  it was exact).

  A set's saving is what its parts cost on their lines now (after the price type, quantity
  breaks and manufacturer discounts: the steps before) minus the set's price; a set that saves
  nothing is not assembled, and "why this price" says so. The saving is spread over the lines
  the set took in proportion to what each part cost (largest remainder:
  torgtui.sales.pricing.split_proportionally), as ``Adjustment(step="bundle", rule=code,
  reason=name)``. A line sold at a price set by hand is never taken into a set.

**For the steps after (promotions):** ``basket.info["bundled"]`` maps a line's index to the
thousandths of that line a set took (the whole line when it equals ``line.qty``: an article
line always does). A promotion that does not apply to sets uses :func:`free_qty` (or that map)
to leave those units alone. ``basket.info["bundles"]`` lists the sets applied (code, name,
sets, discount) for the receipt and its "why".

The bundles are read once per process and cached (torgtui.marketing.rulecache), so the step
runs no query of its own besides the rules version every cached rule checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from torgtui.i18n import _
from torgtui.marketing import rulecache
from torgtui.models.bundles import Bundle, BundlePart
from torgtui.money import format_money, line_amount
from torgtui.sales import extensions
from torgtui.sales.basket import Adjustment, Basket, BasketLine
from torgtui.sales.pricing import PricingContext, split_proportionally

ORDER = 45  # after manufacturer discounts (40), before promotions (50)
STEP = "bundle"  # the adjustments' step
BUNDLED = "bundled"  # basket.info: line index -> thousandths of the line taken by sets
APPLIED = "bundles"  # basket.info: the sets applied, for the receipt and "why this price"
NODE_BUDGET = 2000  # search nodes per group of competing sets (see best_counts)


@dataclass(frozen=True)
class Rule:
    """An active bundle as pricing sees it."""

    code: str
    name: str
    price: int  # kopecks per set
    parts: tuple[tuple[int, int], ...]  # (product id, thousandths in one set), by product id
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    article_id: int | None = None  # the product sold as the whole set
    disassemble: bool = False

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True)
class BundleRules:
    by_part: dict[int, list[Rule]]  # product -> the sets it is a part of
    by_article: dict[int, Rule]  # the set's article -> its set

    @property
    def empty(self) -> bool:
        return not self.by_part and not self.by_article


def _load() -> BundleRules:
    """Every active bundle with its parts, in one query."""
    rows: dict[int, tuple[Bundle, list[tuple[int, int]]]] = {}
    query = (
        BundlePart.select(BundlePart, Bundle)
        .join(Bundle)
        .where(Bundle.active == True)  # noqa: E712
        .order_by(Bundle.code, BundlePart.product)
    )
    for part in query:
        rows.setdefault(part.bundle.id, (part.bundle, []))[1].append((part.product_id, part.qty))
    by_part: dict[int, list[Rule]] = {}
    by_article: dict[int, Rule] = {}
    for row, parts in rows.values():
        rule = Rule(
            row.code,
            row.name,
            row.price,
            tuple(parts),
            row.valid_from,
            row.valid_to,
            row.product_id,
            bool(row.disassemble),
        )
        for product_id, _qty in rule.parts:
            by_part.setdefault(product_id, []).append(rule)
        if rule.article_id is not None:
            by_article[rule.article_id] = rule
    return BundleRules(by_part, by_article)


def bundle_rules() -> BundleRules:
    """The active bundles, cached per process until a rule changes."""
    return rulecache.cached("bundles", _load)


def free_qty(basket: Basket, index: int) -> int:
    """Thousandths of line ``index`` no set took (after the bundle step has run)."""
    taken = basket.info.get(BUNDLED) or {}
    return basket.lines[index].qty - int(taken.get(index, 0))  # type: ignore[union-attr]


def _by_hand(line: BasketLine) -> bool:
    return any(a.step == "override" for a in line.adjustments)


def _share(total: int, part: int, whole: int) -> int:
    """``total * part / whole`` kopecks, rounded half up (all non-negative)."""
    return (2 * total * part + whole) // (2 * whole)


# --- the search -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    rule: Rule
    gain: int  # kopecks one set saves with the basket's prices now (> 0)


class _OutOfBudget(Exception):
    pass


def best_counts(
    candidates: list[Candidate], avail: dict[int, int], budget: int = NODE_BUDGET
) -> tuple[list[int], int, bool]:
    """How many of each candidate set to assemble (in the order given) so the total saving is
    the largest, with no product used beyond ``avail`` (thousandths); returns (counts, search
    nodes, exact).

    Depth-first over the candidates, most saving per set first, each tried from as many sets as
    still fit down to none. A branch is cut when it cannot beat the best found: what it has
    plus the smaller of two upper bounds on the rest, (a) every remaining candidate at its
    most, each alone, and (b) every unit left of a product at the best saving per unit any
    remaining candidate using it gives (a set's saving over its parts' units). It starts from
    the greedy answer (most saving per set first, as many as fit), so the result is never
    worse than greedy; after ``budget`` nodes it stops with the best found (``exact`` False)."""
    order = sorted(
        range(len(candidates)), key=lambda i: (-candidates[i].gain, candidates[i].rule.code)
    )
    needs = [candidates[i].rule.parts for i in order]
    gains = [candidates[i].gain for i in order]
    n = len(order)
    # (b): for the candidates from j on, each product's best (saving, units of one set)
    rates: list[dict[int, tuple[int, int]]] = [{} for _ in range(n + 1)]
    for j in range(n - 1, -1, -1):
        rates[j] = dict(rates[j + 1])
        units = sum(q for _p, q in needs[j])
        for p, _q in needs[j]:
            g, u = rates[j].get(p, (0, 1))
            if gains[j] * u > g * units:
                rates[j][p] = (gains[j], units)

    def most(j: int, left: dict[int, int]) -> int:
        return min(left[p] // q for p, q in needs[j])

    def bound(j: int, left: dict[int, int]) -> int:
        alone = sum(most(i, left) * gains[i] for i in range(j, n))
        by_unit = sum(-(-left[p] * g // u) for p, (g, u) in rates[j].items())
        return min(alone, by_unit)

    left = dict(avail)
    greedy: list[int] = []
    for j in range(n):
        k = most(j, left)
        greedy.append(k)
        for p, q in needs[j]:
            left[p] -= k * q
    best = greedy
    best_value = sum(k * g for k, g in zip(greedy, gains, strict=True))
    nodes = 0
    exact = True
    counts = [0] * n

    def dfs(j: int, left: dict[int, int], value: int) -> None:
        nonlocal nodes, best, best_value
        nodes += 1
        if nodes > budget:
            raise _OutOfBudget
        if j == n - 1:  # the last candidate simply takes all that still fits
            k = most(j, left)
            if value + k * gains[j] > best_value:
                best_value = value + k * gains[j]
                best = [*counts[:j], k]
            return
        if value + bound(j, left) <= best_value:
            return
        top = most(j, left)
        # as many as fit (greedy's way), then none (leaving the lines to the others), then
        # the counts between: the two ends are where the best answers usually are
        for k in (top, 0, *range(top - 1, 0, -1)) if top else (0,):
            counts[j] = k
            rest = dict(left)
            for p, q in needs[j]:
                rest[p] -= k * q
            dfs(j + 1, rest, value + k * gains[j])
        counts[j] = 0

    if n > 1:
        try:
            dfs(0, dict(avail), 0)
        except _OutOfBudget:
            exact = False
    out = [0] * n
    for j, i in enumerate(order):
        out[i] = best[j]
    return out, nodes, exact


def _groups(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Candidates split into groups that share no product (each is searched on its own)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for c in candidates:
        first = find(c.rule.parts[0][0])
        for p, _q in c.rule.parts[1:]:
            parent[find(p)] = first
    groups: dict[int, list[Candidate]] = {}
    for c in candidates:
        groups.setdefault(find(c.rule.parts[0][0]), []).append(c)
    return list(groups.values())


# --- the step ---------------------------------------------------------------------------------


@extensions.pricing_step(ORDER, STEP)
def bundle_step(basket: Basket, ctx: PricingContext) -> None:
    """Sets sold as one article at the set's price; sets assembled from their parts."""
    rules = bundle_rules()
    if rules.empty or not basket.lines:
        return
    day = ctx.at.date()
    taken: dict[int, int] = {}
    applied: list[dict[str, object]] = []
    _articles(basket, rules, day, taken, applied)
    _assemble(basket, ctx, rules, day, taken, applied)
    if taken:
        basket.info[BUNDLED] = taken
        basket.info[APPLIED] = applied


def _articles(
    basket: Basket, rules: BundleRules, day: dt.date, taken: dict[int, int], applied: list
) -> None:
    for i, line in enumerate(basket.lines):
        rule = rules.by_article.get(line.product_id)
        if rule is None or not rule.valid_on(day) or _by_hand(line):
            continue
        amount = line.total - line_amount(rule.price, line.qty)
        if amount > 0:
            line.adjustments.append(Adjustment(STEP, rule.name, amount, rule=rule.code))
        taken[i] = line.qty
        applied.append(
            {
                "code": rule.code,
                "name": rule.name,
                "sets": line.qty // 1000,
                "discount": max(amount, 0),
                "article": True,
            }
        )


def _assemble(
    basket: Basket,
    ctx: PricingContext,
    rules: BundleRules,
    day: dt.date,
    taken: dict[int, int],
    applied: list,
) -> None:
    pools: dict[int, list[int]] = {}  # product -> its lines a set may take, in basket order
    for i, line in enumerate(basket.lines):
        if i in taken or line.product_id not in rules.by_part or _by_hand(line):
            continue
        if line.qty > 0 and line.total > 0:
            pools.setdefault(line.product_id, []).append(i)
    if not pools:
        return
    base = {i: basket.lines[i].total for ids in pools.values() for i in ids}
    avail = {p: sum(basket.lines[i].qty for i in ids) for p, ids in pools.items()}
    worth = {p: sum(base[i] for i in ids) for p, ids in pools.items()}
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for product_id in pools:
        for rule in rules.by_part[product_id]:
            if rule.code in seen:
                continue
            seen.add(rule.code)
            if not rule.valid_on(day) or any(avail.get(p, 0) < q for p, q in rule.parts):
                continue
            value = sum(Fraction(worth[p] * q, avail[p]) for p, q in rule.parts)
            parts_cost = int(value + Fraction(1, 2))  # half up
            if parts_cost <= rule.price:
                basket.info.setdefault("refused", []).append(  # type: ignore[union-attr]
                    {
                        "rule": rule.code,
                        "reason": _(
                            "Set {name}: its parts cost {parts} here, the set {price}: it "
                            "saves nothing, so it is not assembled."
                        ).format(
                            name=rule.name,
                            parts=format_money(parts_cost),
                            price=format_money(rule.price),
                        ),
                    }
                )
                continue
            candidates.append(Candidate(rule, parts_cost - rule.price))
    chosen: list[tuple[Rule, int]] = []
    nodes, exact = 0, True
    for group in _groups(candidates):
        counts, used_nodes, group_exact = best_counts(group, avail)
        nodes, exact = nodes + used_nodes, exact and group_exact
        chosen += [(c.rule, k) for c, k in zip(group, counts, strict=True) if k]
    ctx.extra["bundle_search"] = {"candidates": len(candidates), "nodes": nodes, "exact": exact}
    used: dict[int, int] = {}
    for rule, sets in sorted(chosen, key=lambda rk: rk[0].code):
        portions: list[tuple[int, int, int]] = []  # (line index, thousandths, what they cost)
        for product_id, qty in rule.parts:
            need = qty * sets
            for i in pools[product_id]:
                line = basket.lines[i]
                before = used.get(i, 0)
                take = min(line.qty - before, need)
                if take <= 0:
                    continue
                cost = _share(base[i], before + take, line.qty) - _share(base[i], before, line.qty)
                portions.append((i, take, cost))
                used[i] = before + take
                need -= take
                if not need:
                    break
        discount = sum(c for _i, _t, c in portions) - sets * rule.price
        if discount <= 0:  # rounding of shared lines ate the saving: not worth a set
            continue
        shares = split_proportionally(discount, [c for _i, _t, c in portions])
        for (i, take, _cost), share in zip(portions, shares, strict=True):
            if share:
                basket.lines[i].adjustments.append(
                    Adjustment(STEP, rule.name, share, rule=rule.code)
                )
            taken[i] = taken.get(i, 0) + take
        applied.append({"code": rule.code, "name": rule.name, "sets": sets, "discount": discount})
