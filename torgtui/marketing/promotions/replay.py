"""One past receipt replayed without and with a promotion: the backtest's core (the driver,
which finds the receipts and sums the effects, is torgtui.marketing.promotions.backtest).

A receipt is replayed at the promotions step (order 50) of the pricing pipeline, everything
else as it was sold. For each line replayed (the lines of goods the promotion covers or gives,
and any line its own earlier version discounted):

* its value when the promotions step starts is what the receipt says: quantity x unit price as
  sold, less the adjustments of the steps before it (override, price type, quantity breaks,
  manufacturer discounts, sets: :data:`BEFORE`); a line a set took is left to the set;
* the promotions step is the engine's own code (torgtui.marketing.promotions.engine and
  .resolve), run twice on the same lines: *without* -- the other promotions the receipt had on
  these lines (this promotion's own recorded discounts are taken out) -- and *with* -- those
  and this promotion, its own dates ignored; its weekdays, hours, locations and customers are
  the receipt's. A receipt no other promotion touched (the usual case) runs the promotion alone
  through ``engine``/``resolve.evaluate``, and identical baskets are evaluated once (a memo:
  the outcome depends only on the lines' goods, quantities and values, and on the receipt's
  total when the promotion asks for one);
* the other promotions run by their definitions as they are now; one that is gone, or gives a
  birthday or Nth-receipt gift (those depend on the day's counters and the gifts given), keeps
  the amounts it had, applied before the rest;
* the card's discount (order 60) comes after: at the card's rate on the receipt -- the card
  type's percentage (a tier's, for an accumulative card) that gives exactly the discount the
  receipt recorded -- on what each line costs after the promotions, and none on a line a
  promotion that replaces the card's discount took part in. When no rate gives the recorded
  discount (the card type changed since), the recorded discount stands;
* the steps after the card (a manual discount, a pre-order's price, the cost guard) keep the
  amounts they had; a line never ends below zero;
* bonuses a promotion gives instead of a discount are worked out on what the lines cost with
  it (the receipt's bonus payment is not split over lines: taken as none).

The receipt's customer is who the receipt names, with their card as it is now (the history
does not keep which card or tier a customer held on a given day). A birthday is the birth date
the card gives now; a birthday gift is counted once per person per year within the backtest;
the Nth-receipt count starts at the backtest's first day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from torgtui.marketing import cards
from torgtui.marketing.cards import CardState
from torgtui.marketing.promotions import store
from torgtui.marketing.promotions.engine import (
    Application,
    Index,
    Rule,
    TargetSet,
    View,
    reward_amounts,
)
from torgtui.marketing.promotions.festive import Facts, Person, period_of
from torgtui.marketing.promotions.model import PromotionData
from torgtui.marketing.promotions.resolve import State, customer_fits, evaluate, resolve
from torgtui.money import line_amount, percent_of
from torgtui.sales.basket import Adjustment, Basket, BasketLine
from torgtui.sales.pricing import PricingContext

# the adjustment steps that come before the promotions (torgtui.sales.extensions' table)
BEFORE = frozenset({"override", "price_type", "qty_breaks", "manufacturer", "bundle"})
PROMOTION = "promotion"
CARD = "card"


@dataclass
class Line:
    """A receipt line as sold, and its adjustments by step."""

    id: int
    product_id: int
    qty: int
    unit_price: int
    unit_cost: int  # effective: the cost documents applied
    subtotal: int
    total: int
    group_id: int | None
    maker_id: int | None
    weighed: bool
    before: int = 0  # the steps before the promotions
    promos: list[tuple[str, int]] = field(default_factory=list)  # (promotion code, amount)
    card: int = 0
    card_rule: str = ""
    bundled: bool = False

    @property
    def promo(self) -> int:
        return sum(a for _c, a in self.promos)

    @property
    def after(self) -> int:
        """What the steps after the card took off (manual, pre-order, cost guard ...)."""
        return self.subtotal - self.total - self.before - self.promo - self.card

    @property
    def cost(self) -> int:
        return line_amount(self.unit_cost, self.qty)


@dataclass
class Sale:
    """A receipt to replay: its context and the lines replayed."""

    id: int
    at: dt.datetime
    location_id: int
    customer_id: int | None
    subtotal: int  # every line's
    total: int  # every line's
    lines: list[Line] = field(default_factory=list)
    rest_value: int | None = None  # the other lines at the promotions step (None: not read)

    @property
    def rest_subtotal(self) -> int:
        return self.subtotal - sum(ln.subtotal for ln in self.lines)


@dataclass
class Effect:
    """What the promotion changes on one receipt (money in kopecks)."""

    applied: bool = False  # the promotion gave a discount or bonuses
    discount: int = 0  # what the promotion itself took off
    bonus: int = 0  # bonuses it gave instead
    displaced: int = 0  # what the other promotions no longer took off
    card_back: int = 0  # what the card's discount gave back (a lower price, or replaced)
    without: int = 0  # the receipt's change from what it took, without the promotion
    with_it: int = 0  # ... with it
    lines: int = 0  # lines it discounted or rewarded
    units: int = 0  # their quantity, thousandths
    goods_without: int = 0  # what the replayed lines took without it
    goods_with: int = 0
    goods_cost: int = 0
    below_cost_lines: int = 0  # lines it takes below cost (that were not)
    below_cost: int = 0  # by how much, kopecks


@dataclass
class _Run:
    """One run of the promotions step: per replayed line, what promotions took off, what this
    promotion took off, and the lines whose card discount a promotion replaced."""

    promos: list[int]
    own: dict[int, int]
    no_card: set[int]
    app: Application | None = None


def card_state(row: tuple) -> CardState | None:
    """A CardState from (id, card, card_type_id, card_status, card_spent_at, total_bought,
    total_returned, tier_floor, status), as torgtui.marketing.cards.card_state reads it."""
    cid, card, card_type, status, spent, bought, returned, floor, active = row
    if active != "active":
        return None
    counted = max(int(bought) - int(returned), int(floor))
    return CardState(int(cid), card or "", card_type, status, spent, counted)


class Replayer:
    """Replays receipts for one promotion; keeps what the receipts share (the compiled rules,
    the memo, the birthday gifts and the Nth-receipt counts so far)."""

    def __init__(self, data: PromotionData, rule_id: int) -> None:
        plain = replace(data, starts_on=None, ends_on=None, active=True)
        gets = TargetSet.of(data.get_targets) if data.get_targets else None
        self.rule = Rule(rule_id, plain, TargetSet.of(data.targets), gets)
        self.code = data.code
        d = plain
        self.special = bool(d.birthday or d.nth_receipt)
        self.needs_total = d.total_of == "receipt" and (
            d.min_total is not None or d.max_total is not None
        )
        self.index = Index({rule_id: self.rule}, parents=dict(cards.group_parents()))
        self.index.card_types = {r.code: r.id for r in cards.rules().values()}
        self.card_percents: dict[str, tuple[Decimal, ...]] = {}
        for r in cards.rules().values():
            rates = [r.percent, *(t.percent for t in r.thresholds)]
            self.card_percents[r.code] = tuple(p for p in dict.fromkeys(rates) if p)
        self.recorded: dict[str, Rule | None] = {}
        self.memo: dict[tuple, _Run] = {}
        self.effects: dict[tuple, Effect | None] = {}  # whole receipts' effects (never changed)
        self.cards: dict[int, CardState | None] = {}  # the customers' cards (the driver fills)
        self.people: dict[int, list[Person]] = {}  # their birthdays (the driver fills)
        self.granted: set[tuple[int, int, int]] = set()
        self.counters: dict[tuple[int, str], int] = {}

    # --- the rules the receipts had ------------------------------------------------------

    def _recorded_rule(self, code: str) -> Rule | None:
        if code not in self.recorded:
            found = store.find(code)
            if found is None:
                self.recorded[code] = None
            else:
                row, data = found
                gets = TargetSet.of(data.get_targets) if data.get_targets else None
                rule = Rule(row.id, data, TargetSet.of(data.targets), gets)
                self.recorded[code] = rule
                self.index.rules[row.id] = rule
        return self.recorded[code]

    def wants(self, sale: Sale) -> bool:
        """Whether the promotion is for this receipt's time, place and customer."""
        if not self.rule.in_force(sale.at, sale.location_id):
            return False
        d = self.rule.data
        if d.customers == "anyone":
            return not (d.birthday and sale.customer_id is None)
        if sale.customer_id is None:
            return False
        ctx = PricingContext(at=sale.at, customer_id=sale.customer_id)
        ctx.extra["card"] = self.cards.get(sale.customer_id)
        return customer_fits(self.rule, ctx, self.index)

    # --- one receipt --------------------------------------------------------------------

    def replay(self, sale: Sale) -> Effect | None:
        """The promotion's effect on ``sale`` (None: it changes nothing there)."""
        own_before = any(c == self.code for ln in sale.lines for c, _a in ln.promos)
        wants = self.wants(sale)
        if not (wants or own_before):
            return None
        others = sorted({c for ln in sale.lines for c, _a in ln.promos if c != self.code})
        key = None
        if not (others or own_before or self.special):
            # the usual receipt: its effect depends only on its lines as sold (and the rest's
            # value when the promotion asks for a receipt's total), so equal ones share it
            key = (
                tuple((ln.product_id, ln.qty, ln.unit_price, ln.unit_cost, ln.subtotal, ln.total,
                       ln.before, ln.bundled, ln.card, ln.card_rule) for ln in sale.lines),
                (sale.rest_subtotal, sale.rest_value) if self.needs_total else None,
                sale.customer_id is None if self.rule.data.gives_bonus else None,
            )  # fmt: skip
            if key in self.effects:
                return self.effects[key]
        if others:
            without = self._resolve(sale, others, False)
            with_it = self._resolve(sale, others, True) if wants else without
        else:
            without = _Run([0] * len(sale.lines), {}, set())
            with_it = self._alone(sale) if wants else without
        effect = None
        if with_it.app is not None or own_before:
            effect = self._effect(sale, without, with_it)
        if key is not None:
            self.effects[key] = effect
        return effect

    def _lines(self, sale: Sale) -> tuple[Basket, list[View]]:
        lines, views = [], []
        for i, ln in enumerate(sale.lines):
            bl = BasketLine(
                ln.product_id, "", "", ln.qty, ln.unit_price, ln.unit_cost,
                weighed=ln.weighed, group_id=ln.group_id, manufacturer_id=ln.maker_id,
            )  # fmt: skip
            if ln.before:
                bl.adjustments.append(Adjustment("before", "", ln.before))
            lines.append(bl)
            if not ln.bundled:
                views.append(View(i, bl, self.index.chain(ln.group_id), ln.qty))
        rest = sale.rest_subtotal
        if rest > 0:  # the lines not replayed, for a receipt's total (never a view)
            bl = BasketLine(0, "", "", 1000, rest)
            value = rest if sale.rest_value is None else sale.rest_value
            if value != rest:
                bl.adjustments.append(Adjustment("before", "", rest - value))
            lines.append(bl)
        return Basket(lines, customer_id=sale.customer_id, at=sale.at), views

    def _facts(self, sale: Sale) -> Facts:
        facts = Facts(period=sale.at.date().isoformat())
        d = self.rule.data
        if d.birthday and sale.customer_id is not None:
            facts.people = self.people.get(sale.customer_id, [])
            facts.granted = self.granted
        if d.nth_receipt:
            period = period_of(sale.at.date(), d.nth_period)
            facts.counters = {self.rule.id: self.counters.get((sale.location_id, period), 0)}
        return facts

    def _counted(self, sale: Sale, state: State, app: Application | None) -> None:
        """What the sale hook would record: the birthday gift, the Nth-receipt count."""
        if app is not None and app.grant is not None:
            self.granted.add((self.rule.id, *app.grant))
        ticket = state.outcome.tickets.get(self.rule.id)
        if ticket is not None:
            key = (sale.location_id, ticket.period)
            self.counters[key] = self.counters.get(key, 0) + 1

    def _ctx(self, sale: Sale) -> PricingContext:
        return PricingContext(
            at=sale.at, customer_id=sale.customer_id, location_id=sale.location_id
        )

    def _alone(self, sale: Sale) -> _Run:
        """The promotion on a receipt no other promotion touched (memoised when it can be)."""
        key = None
        if not self.special:
            key = (
                tuple((ln.product_id, ln.qty, ln.unit_price, ln.before, ln.bundled)
                      for ln in sale.lines),
                (sale.rest_subtotal, sale.rest_value) if self.needs_total else None,
                sale.customer_id is None if self.rule.data.gives_bonus else None,
            )  # fmt: skip
            hit = self.memo.get(key)
            if hit is not None:
                return hit
        basket, views = self._lines(sale)
        state = State(basket, self._ctx(sale), self.index, views, self._facts(sale))
        app = evaluate(self.rule, state)
        if self.special:
            self._counted(sale, state, app)
        run = _Run([0] * len(sale.lines), {}, set(), app)
        if app is not None:
            if not app.bonus:
                run.own = dict(app.amounts)
                for i, amount in app.amounts.items():
                    run.promos[i] += amount
            if self.rule.data.with_card == "replaces":
                run.no_card = set(app.participants)
        if key is not None:
            self.memo[key] = run
        return run

    def _resolve(self, sale: Sale, others: list[str], with_it: bool) -> _Run:
        """The promotions step with the receipt's other promotions (and this one)."""
        basket, views = self._lines(sale)
        facts = self._facts(sale) if with_it else Facts()
        state = State(basket, self._ctx(sale), self.index, views, facts)
        rules, no_card = [], set()
        for code in others:
            rule = self._recorded_rule(code)
            if rule is not None and not (rule.data.birthday or rule.data.nth_receipt):
                rules.append(rule)
                continue
            for i, ln in enumerate(sale.lines):  # kept as it was, before the rest
                amount = sum(a for c, a in ln.promos if c == code)
                if not amount:
                    continue
                basket.lines[i].adjustments.append(Adjustment(PROMOTION, "", amount, rule=code))
                state.touched.add(i)
                if rule is None:
                    continue
                if rule.data.stacking == "exclusive":
                    state.locked.add(i)
                if rule.data.stacking == "best_of":
                    state.taken.setdefault(rule.data.best_of, set()).add(i)
                if rule.data.with_card == "replaces":
                    no_card.add(i)
        if with_it:
            rules.append(self.rule)
        resolve(state, rules)
        app = next((a for a in state.outcome.applied if a.rule is self.rule), None)
        if with_it and self.special:
            self._counted(sale, state, app)
        promos = [
            sum(a.amount for a in basket.lines[i].adjustments if a.step == PROMOTION)
            for i in range(len(sale.lines))
        ]
        own = dict(app.amounts) if app is not None and not app.bonus else {}
        return _Run(promos, own, no_card | state.outcome.no_card, app)

    # --- the receipt's totals ----------------------------------------------------------------

    def _card_rate(self, sale: Sale) -> Decimal | None:
        """The card's rate on this receipt: the card type's percentage that gives exactly the
        discount recorded on a line (None: no card discount, or none matches)."""
        for ln in sale.lines:
            if not ln.card:
                continue
            value = ln.subtotal - ln.before - ln.promo
            for percent in self.card_percents.get(ln.card_rule, ()):
                if percent_of(value, percent) == ln.card:
                    return percent
            return None
        return None

    def _effect(self, sale: Sale, without: _Run, with_it: _Run) -> Effect:
        effect = Effect()
        rate = self._card_rate(sale)
        app = with_it.app
        totals: dict[str, list[int]] = {"without": [], "with": []}
        cards_given = {"without": 0, "with": 0}
        for name, run in (("without", without), ("with", with_it)):
            for i, ln in enumerate(sale.lines):
                value = ln.subtotal - ln.before - run.promos[i]
                if i in run.no_card:
                    card = 0
                elif rate is not None:
                    card = percent_of(value, rate)
                else:
                    card = ln.card
                cards_given[name] += card
                totals[name].append(max(value - card - ln.after, 0))
        bonus: dict[int, int] = {}
        if app is not None and app.bonus:
            qtys = {i: ln.qty for i, ln in enumerate(sale.lines)}
            paid = dict(enumerate(totals["with"]))
            bonus = reward_amounts(app.rule.data, qtys, app.rewarded, app.participants, paid)
        effect.applied = app is not None and bool(with_it.own or bonus)
        effect.discount = sum(with_it.own.values())
        effect.bonus = sum(bonus.values())
        effect.displaced = sum(without.promos) - (sum(with_it.promos) - effect.discount)
        effect.card_back = cards_given["without"] - cards_given["with"]
        rewarded = set(with_it.own) | set(bonus)
        for i, ln in enumerate(sale.lines):
            before, after = totals["without"][i], totals["with"][i]
            effect.without += before - ln.total
            effect.with_it += after - ln.total
            effect.goods_without += before
            effect.goods_with += after
            cost = ln.cost
            effect.goods_cost += cost
            if i in rewarded:
                effect.lines += 1
                effect.units += ln.qty
            if ln.unit_cost > 0:
                floor = min(cost, ln.subtotal)
                short = max(floor - after, 0) - max(floor - before, 0)
                if short > 0:
                    effect.below_cost_lines += 1
                    effect.below_cost += short
        return effect
