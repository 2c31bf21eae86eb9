"""Which promotions a basket gets, and how they combine (the pricing step runs this).

The order of application (docs/promotions.md has worked examples):

1. The candidates: the active promotions the index finds for the basket's lines (by product,
   by group and its parents, by manufacturer, and those for all goods) that are in force now
   (dates, weekday, hours, location), for this customer, and -- if code-only -- activated by a
   code (``ctx.extra["promo_codes"]``).
2. They apply one after another, the highest priority first (then by id). A "best of" group
   takes its turn at the priority of its highest member.
3. Each promotion is evaluated on the basket as it stands: its qualifying lines are those it
   covers that are still open to it -- no line an exclusive promotion took, and for an
   exclusive promotion no line another promotion touched; its conditions are checked on them;
   its mechanic picks the units it rewards; the reward is worked out on what the lines cost
   now (so promotions that stack compound, each on the price the one before left).
4. A "best of" group: every member is evaluated on the same basket and the one worth most to
   the customer applies; the others are then tried on the lines it left (a member never shares
   a line with another of its group). Worth is kopecks off, or bonuses (a bonus kopeck counts
   as a kopeck).
5. A promotion that replaces the card's discount keeps the card step (order 60) off the lines
   that took part in it (``ctx.extra["promo_no_card"]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from torgtui.i18n import _
from torgtui.marketing.cards import CardState
from torgtui.marketing.promotions import words
from torgtui.marketing.promotions.engine import (
    Application,
    Index,
    Rule,
    View,
    mechanic_all,
    mechanic_buy_get,
    mechanic_cheapest,
    mechanic_nth,
    reward_amounts,
)
from torgtui.marketing.promotions.festive import Facts
from torgtui.money import format_money, format_qty
from torgtui.sales.basket import Adjustment, Basket
from torgtui.sales.pricing import PricingContext

NO_CARD = "promo_no_card"  # ctx.extra: line indexes the card step leaves alone


@dataclass(frozen=True)
class Ticket:
    """An eligible receipt for an "every Nth receipt" promotion, as pricing saw the counter."""

    promotion_id: int
    location_id: int
    period: str
    n: int
    count: int  # what this receipt's increment should make the count
    name: str = ""  # the promotion's, for the message when the count went another way

    @property
    def hit(self) -> bool:
        return self.count % self.n == 0


@dataclass
class Outcome:
    """What the step decided (``ctx.extra["promotions"]``): read by the bonus step, the sale
    hook and the register (through ``basket.info``)."""

    applied: list[Application] = field(default_factory=list)
    tickets: dict[int, Ticket] = field(default_factory=dict)
    no_card: set[int] = field(default_factory=set)


@dataclass
class State:
    basket: Basket
    ctx: PricingContext
    index: Index
    views: list[View]
    facts: Facts
    outcome: Outcome = field(default_factory=Outcome)
    locked: set[int] = field(default_factory=set)  # taken by an exclusive promotion
    touched: set[int] = field(default_factory=set)  # any promotion took part on them
    taken: dict[str, set[int]] = field(default_factory=dict)  # best-of group -> its lines
    hints: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)

    def open_to(self, rule: Rule, index: int) -> bool:
        d = rule.data
        if index in self.locked:
            return False
        if d.stacking == "exclusive" and index in self.touched:
            return False
        return not (d.stacking == "best_of" and index in self.taken.get(d.best_of, ()))


def customer_fits(rule: Rule, ctx: PricingContext, index: Index) -> bool:
    d = rule.data
    if d.customers == "anyone":
        return True
    if d.customers == "partner":  # the partners issue's context loader fills this in
        return d.partner in (ctx.extra.get("partners") or ())
    state = ctx.extra.get("card")
    if not isinstance(state, CardState) or state.status != "active":
        return False
    if d.customers == "card":
        return bool(state.number) or state.card_type_id is not None
    if state.card_type_id is None or state.card_type_id != index.card_types.get(d.card_type):
        return False
    return d.customers == "card_type" or state.counted >= (d.tier_from or 0)


def _totals(views: list[View], basis: str) -> dict[int, int]:
    if basis == "before":
        return {v.index: v.subtotal for v in views}
    return {v.index: v.total for v in views}


def evaluate(rule: Rule, state: State) -> Application | None:
    """What ``rule`` gives on the basket as it stands (None: nothing)."""
    d = rule.data
    views = [
        v
        for v in state.views
        if state.open_to(rule, v.index)
        and rule.targets.covers(v.line.product_id, v.chain, v.line.manufacturer_id)
    ]
    if not views:
        return None
    if d.gives_bonus and state.ctx.customer_id is None:
        state.refused.append(
            {
                "rule": d.code,
                "reason": _("{name}: gives bonuses: attach the customer's card.").format(
                    name=d.name
                ),
            }
        )
        return None
    qty = sum(v.qty for v in views)
    if d.max_qty is not None and qty > d.max_qty:
        return None
    if d.min_total is not None or d.max_total is not None:
        if d.total_of == "receipt":  # every line, the ones sets took too
            lines = state.basket.lines
            total = sum(ln.subtotal if d.total_basis == "before" else ln.total for ln in lines)
        else:
            total = sum(_totals(views, d.total_basis).values())
        if d.max_total is not None and total > d.max_total:
            return None
        if d.min_total is not None and total < d.min_total:
            state.hints.append(
                {"rule": d.code, "name": d.name, "missing_total": d.min_total - total}
            )
            return None
    if d.min_qty is not None and qty < d.min_qty:
        state.hints.append({"rule": d.code, "name": d.name, "missing_qty": d.min_qty - qty})
        return None
    note, grant = "", None
    if d.birthday:
        found = _birthday(rule, state)
        if found is None:
            return None
        note, grant = found
    gets = None
    if d.mechanic == "buy_get" and rule.gets is not None:
        gets = [
            v
            for v in state.views
            if state.open_to(rule, v.index)
            and rule.gets.covers(v.line.product_id, v.chain, v.line.manufacturer_id)
        ]
    now = _totals(views + (gets or []), "after")
    if d.mechanic == "all":
        rewarded, part = mechanic_all(views)
    elif d.mechanic == "nth":
        rewarded, part = mechanic_nth(d, views, now)
    elif d.mechanic == "cheapest":
        rewarded, part = mechanic_cheapest(views, now)
    else:
        rewarded, part = mechanic_buy_get(d, views, gets, now)
    if not rewarded:
        return None
    may_be = False
    if d.nth_receipt:
        ticket = _ticket(rule, state)
        if ticket is None or not ticket.hit:
            return None
        note, may_be = words.nth_note(ticket.count, d.nth_period, True), True
    qtys = {v.index: v.qty for v in views + (gets or [])}
    amounts = reward_amounts(d, qtys, rewarded, part, now)
    if not amounts:
        return None
    return Application(rule, rewarded, part, amounts, note, grant, may_be)


def _birthday(rule: Rule, state: State) -> tuple[str, tuple[int, int]] | None:
    from torgtui.marketing.promotions.festive import celebrated

    d = rule.data
    day = state.ctx.at.date()
    wants_customer = d.birthday in ("customer", "both")
    wants_family = d.birthday in ("family", "both")
    for person in state.facts.people:
        if not (wants_customer if person.member_id == 0 else wants_family):
            continue
        year = celebrated(person.birth_date, day, d.birthday_before, d.birthday_after)
        if year is None:
            continue
        if (rule.id, person.member_id, year) in state.facts.granted:
            state.refused.append(
                {
                    "rule": d.code,
                    "reason": _(
                        "{name}: given for the birthday of {person} this year already."
                    ).format(name=d.name, person=person.name),
                }
            )
            continue
        return words.birthday_note(person.name, person.relation), (person.member_id, year)
    return None


def _ticket(rule: Rule, state: State) -> Ticket | None:
    """This receipt counts for the promotion: the count its commit should reach."""
    if state.ctx.location_id is None:
        return None
    ticket = state.outcome.tickets.get(rule.id)
    if ticket is None:
        d = rule.data
        period = state.facts.period if d.nth_period == "day" else ""
        ticket = Ticket(
            rule.id,
            state.ctx.location_id,
            period,
            d.nth_receipt,
            state.facts.counters.get(rule.id, 0) + 1,
            d.name,
        )
        state.outcome.tickets[rule.id] = ticket
    return ticket


def apply(app: Application, state: State) -> None:
    d = app.rule.data
    if not app.bonus:
        text = words.reason(d, app.note)
        for idx, amount in sorted(app.amounts.items()):
            state.basket.lines[idx].adjustments.append(
                Adjustment("promotion", text, amount, rule=d.code)
            )
    lines = set(app.participants)
    state.touched |= lines
    if d.stacking == "exclusive":
        state.locked |= lines
    if d.stacking == "best_of":
        state.taken.setdefault(d.best_of, set()).update(lines)
    if d.with_card == "replaces":
        state.outcome.no_card |= lines
    state.outcome.applied.append(app)


def _key(rule: Rule) -> tuple[int, str]:
    return (-rule.data.priority, rule.code)


def resolve(state: State, rules: list[Rule]) -> None:
    """Apply ``rules`` (the candidates) in their order (see the module doc)."""
    turns: list[tuple[tuple[int, str], list[Rule]]] = []
    groups: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.data.stacking == "best_of":
            groups.setdefault(rule.data.best_of, []).append(rule)
        else:
            turns.append((_key(rule), [rule]))
    for name, members in groups.items():
        top = max(m.data.priority for m in members)
        turns.append(((-top, name), sorted(members, key=_key)))
    for _turn, members in sorted(turns, key=lambda t: t[0]):
        if len(members) == 1 and members[0].data.stacking != "best_of":
            app = evaluate(members[0], state)
            if app is not None:
                apply(app, state)
            continue
        _best_of(members, state)


def _best_of(members: list[Rule], state: State) -> None:
    left, beaten = list(members), {}
    while left:
        apps = [a for a in (evaluate(m, state) for m in left) if a is not None]
        if not apps:
            break
        best = min(apps, key=lambda a: (-a.value, -a.rule.data.priority, a.rule.code))
        apply(best, state)
        left.remove(best.rule)
        for other in apps:
            if other is not best and set(other.participants) & set(best.participants):
                beaten[other.rule.code] = (other.rule, best.rule)
    applied = {a.rule.code for a in state.outcome.applied}
    for code, (loser, winner) in beaten.items():
        if code not in applied:
            state.refused.append(
                {
                    "rule": code,
                    "reason": _("{name}: {winner} of the same group gives more.").format(
                        name=loser.data.name, winner=winner.data.name
                    ),
                }
            )


def describe(state: State) -> None:
    """The facts the register shows: each promotion applied, the festive ones (sound, why),
    what is near (add so much more), what was refused and why."""
    info = state.basket.info
    codes = state.ctx.extra.get("promo_codes") or {}
    applied = []
    festive = []
    for app in state.outcome.applied:
        d = app.rule.data
        entry: dict[str, Any] = {
            "id": app.rule.id,
            "code": d.code,
            "name": d.name,
            "what": words.what_it_gives(d),
            "discount": 0 if app.bonus else app.value,
            "bonus": app.value if app.bonus else 0,
            "lines": sorted(app.participants),
        }
        if app.note:
            entry["why"] = app.note
        if app.rule.id in codes:
            entry["code_id"] = codes[app.rule.id]
        applied.append(entry)
        if d.festive or d.birthday or d.nth_receipt:
            festive.append(
                {
                    "code": d.code,
                    "name": d.name,
                    "why": app.note or words.what_it_gives(d),
                    "sound": d.festive,
                    "may_be": app.may_be,
                }
            )
    if applied:
        info["promotions"] = applied
    if festive:
        info["festive"] = festive
    applied_codes = {a.rule.code for a in state.outcome.applied}
    hints = [h for h in state.hints if h["rule"] not in applied_codes]
    if hints:
        seen: dict[str, dict[str, Any]] = {}
        for h in hints:
            seen.setdefault(h["rule"], h)
        info["promotion_hints"] = [_hint_words(h) for h in seen.values()]
    refused = [r for r in state.refused if r["rule"] not in applied_codes]
    refused = [r for i, r in enumerate(refused) if r not in refused[:i]]  # a group tries twice
    if refused:
        info.setdefault("refused", []).extend(refused)


def _hint_words(hint: dict[str, Any]) -> dict[str, Any]:
    if "missing_total" in hint:
        hint["text"] = _("{amount} more for {name}").format(
            amount=format_money(hint["missing_total"]), name=hint["name"]
        )
    else:
        hint["text"] = _("{qty} more items for {name}").format(
            qty=format_qty(hint["missing_qty"]), name=hint["name"]
        )
    return hint
