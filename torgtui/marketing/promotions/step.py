"""The promotions at the register: a context loader, the pricing step (order 50), the step that
puts bonus rewards on the lines (order 95, after the bonus step) and the sale hook.

* :func:`load_facts` (context loader): for birthday promotions in force, the attached
  customer's and family's birth dates and the gifts given; for Nth-receipt ones, the counters
  at this location -- one query each, and none at all when no such promotion is in force.
* :func:`promotion_step` (50): the candidates through the index, then
  torgtui.marketing.promotions.resolve; adjustments ``Adjustment("promotion", reason, amount,
  rule=<promotion code>)`` with the reason "<name>: <what it gave>"; the facts for the register
  in ``basket.info`` (below); the lines whose card discount a promotion replaces in
  ``ctx.extra["promo_no_card"]`` (the card step skips them).
* :func:`promotion_bonus_step` (95): bonuses instead of a discount go onto the lines'
  ``bonus_earn`` (on what the lines cost after every discount, less their share of the bonuses
  paid -- as the card's bonuses), which the bonus sale hook posts to the ledger; lines a
  promotion keeps from the card lose the card's bonuses too.
* :func:`on_sale` (sale hook, in the receipt's transaction): the birthday gift is recorded and
  the Nth-receipt counters are incremented; when either went another way than the price
  (another register a moment faster) the sale is refused with :class:`PromotionMoved` and
  nothing is written (torgtui.marketing.promotions.festive).

``basket.info`` for the register and the screens:

* ``"promotions"``: each promotion applied: id, code, name, what (it gives, in words), discount
  and bonus (kopecks), lines (indexes that took part), why (whose birthday, which receipt),
  code_id (the promo code that activated it);
* ``"festive"``: the birthday, Nth-receipt and festive-flagged ones: code, name, why, sound
  (play the festive sound), may_be (the Nth receipt before commit: "this may be receipt No.
  100"); after commit the receipt's info has them confirmed (may_be false);
* ``"promotion_hints"``: promotions a little more would reach: rule, name, missing_total or
  missing_qty, text ("150.00 ₴ more for Autumn -10%");
* ``"refused"`` (shared with the other steps): what did not apply and why.
"""

from __future__ import annotations

from torgtui.i18n import _
from torgtui.marketing.bonuses import BonusRule
from torgtui.marketing.promotions import engine, festive, words
from torgtui.marketing.promotions.engine import View, reward_amounts
from torgtui.marketing.promotions.festive import Facts, PromotionMoved
from torgtui.marketing.promotions.resolve import (
    NO_CARD,
    Outcome,
    State,
    customer_fits,
    describe,
    resolve,
)
from torgtui.sales import extensions
from torgtui.sales.basket import Basket
from torgtui.sales.extensions import SaleEvent
from torgtui.sales.pricing import PricingContext

KEY = "promotions"  # ctx.extra: the Outcome of this pricing
FACTS = "promotion_facts"  # ctx.extra: what load_facts read

__all__ = ["FACTS", "KEY", "PromotionMoved", "load_facts", "on_sale", "promotion_step"]


@extensions.context_loader
def load_facts(basket: Basket, ctx: PricingContext) -> None:
    """Birth dates, gifts given and counters, only when a promotion in force needs them."""
    ctx.extra.pop(FACTS, None)
    index = engine.index()
    if not index.special or not basket.lines:
        return
    facts = Facts(period=ctx.at.date().isoformat())
    birthday, counted = [], {}
    for promotion_id in index.special:
        rule = index.rules[promotion_id]
        if not rule.in_force(ctx.at, ctx.location_id):
            continue
        if rule.data.birthday:
            birthday.append(promotion_id)
        if rule.data.nth_receipt:
            counted[promotion_id] = festive.period_of(ctx.at.date(), rule.data.nth_period)
    if birthday and ctx.customer_id is not None:
        facts.people = festive.load_people(ctx.customer_id)
        if facts.people:
            facts.granted = festive.load_grants(ctx.customer_id, birthday, ctx.at.year)
    if counted and ctx.location_id is not None:
        facts.counters = festive.load_counters(ctx.location_id, counted)
    ctx.extra[FACTS] = facts


@extensions.pricing_step(50, "promotions")
def promotion_step(basket: Basket, ctx: PricingContext) -> None:
    """Apply the promotions (see torgtui.marketing.promotions.resolve for the order)."""
    ctx.extra.pop(KEY, None)
    ctx.extra.pop(NO_CARD, None)
    index = engine.index()
    if not index.rules or not basket.lines:
        return
    views, found = [], set()
    in_sets = basket.info.get("bundled") or {}  # units sets took: a set is its own price
    for i, line in enumerate(basket.lines):
        free = line.qty - int(in_sets.get(i, 0))  # type: ignore[union-attr]
        if free <= 0:
            continue
        chain = index.chain(line.group_id)
        views.append(View(i, line, chain, free))
        found |= index.candidates(line.product_id, chain, line.manufacturer_id)
    if not found:
        return
    codes = ctx.extra.get("promo_codes") or {}
    rules = []
    for promotion_id in found:
        rule = index.rules[promotion_id]
        if rule.data.requires_code and promotion_id not in codes:
            continue
        if rule.in_force(ctx.at, ctx.location_id) and customer_fits(rule, ctx, index):
            rules.append(rule)
    if not rules:
        return
    facts = ctx.extra.get(FACTS)
    state = State(basket, ctx, index, views, facts if isinstance(facts, Facts) else Facts())
    resolve(state, rules)
    ctx.extra[KEY] = state.outcome
    if state.outcome.no_card:
        ctx.extra[NO_CARD] = frozenset(state.outcome.no_card)
    describe(state)


@extensions.pricing_step(95, "promotion_bonus")
def promotion_bonus_step(basket: Basket, ctx: PricingContext) -> None:
    """Bonuses instead of a discount, on what the lines cost now (see the module doc)."""
    outcome = ctx.extra.get(KEY)
    if not isinstance(outcome, Outcome):
        return
    lines = basket.lines
    changed = False
    if outcome.no_card and isinstance(ctx.extra.get("bonus_rule"), BonusRule):
        for i in outcome.no_card:
            changed |= lines[i].bonus_earn != 0
            lines[i].bonus_earn = 0
    entries = {e["code"]: e for e in basket.info.get("promotions", [])}  # type: ignore[union-attr]
    for app in outcome.applied:
        if not app.bonus:
            continue
        paid = {i: max(ln.total - ln.bonus_spend, 0) for i, ln in enumerate(lines)}
        qtys = {i: ln.qty for i, ln in enumerate(lines)}
        app.amounts = reward_amounts(app.rule.data, qtys, app.rewarded, app.participants, paid)
        for i, amount in app.amounts.items():
            lines[i].bonus_earn += amount
        if app.rule.code in entries:
            entries[app.rule.code]["bonus"] = app.value
        changed = True
    if changed:
        bonus = basket.info.setdefault("bonus", {"spend": 0, "earn": 0})
        bonus["earn"] = sum(ln.bonus_earn for ln in lines)  # type: ignore[index]


@extensions.sale_hook
def on_sale(event: SaleEvent) -> None:
    """Record the birthday gifts and count the receipt for the Nth-receipt promotions; refuse
    the sale when either went another way than its price (see the module doc)."""
    outcome = event.ctx.extra.get(KEY)
    if not isinstance(outcome, Outcome):
        return
    customer_id = event.basket.customer_id
    for app in outcome.applied:
        if app.grant is None:
            continue
        member_id, year = app.grant
        if customer_id is None or not festive.grant(
            app.rule.id, customer_id, member_id, year, event.receipt_id, event.now
        ):
            raise PromotionMoved(
                _(
                    "{name} was given for this birthday a moment ago at another register: "
                    "nothing was saved. Price the receipt again and take payment for the new "
                    "total."
                ).format(name=app.rule.data.name)
            )
    counts: dict[int, int] = {}
    for ticket in outcome.tickets.values():
        count = festive.count_receipt(ticket.promotion_id, ticket.location_id, ticket.period)
        counts[ticket.promotion_id] = count
        if (count % ticket.n == 0) == ticket.hit:
            continue
        name = ticket.name
        if ticket.hit:
            raise PromotionMoved(
                _(
                    "Another register's receipt was No. {n} a moment ago, so {name} does not "
                    "apply: nothing was saved. Price the receipt again and take payment for "
                    "the new total."
                ).format(n=ticket.count, name=name)
            )
        raise PromotionMoved(
            _(
                "This receipt is No. {n}: {name} applies to it. Nothing was saved: price it "
                "again and take payment for the new total."
            ).format(n=count, name=name)
        )
    confirmed = []
    for app in outcome.applied:
        d = app.rule.data
        if not (d.festive or d.birthday or d.nth_receipt):
            continue
        why = app.note or words.what_it_gives(d)
        if app.rule.id in counts:
            why = words.nth_note(counts[app.rule.id], d.nth_period, False)
        confirmed.append(
            {"code": d.code, "name": d.name, "why": why, "sound": d.festive, "may_be": False}
        )
    if confirmed:
        event.info["festive"] = confirmed
