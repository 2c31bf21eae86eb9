"""Card types and the card a customer holds: a fixed discount, a one-time discount (one
purchase, then spent), an accumulative discount (thresholds on the total bought; the customer
moves up automatically and the receipt says so) or a bonus card (earning a % of the paid
amount, per product group where set; see torgtui.marketing.bonuses).

The card's pricing step (order 60) gives the discount and hands bonus cards' rule to the
bonus step; its sale hook spends a one-time card exactly once (a conditional update, so two
registers cannot both use it) and reports a threshold crossed. Accelerators (buying a given
product or group lifts the customer to a threshold or enrols them on another card type) run
in the same hook. Card types are kept in memory per process (torgtui.marketing.rulecache).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from torgtui.clock import Clock, system_clock
from torgtui.db import database, query_value, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import rulecache
from torgtui.marketing.bonuses import BonusRule
from torgtui.models import (
    CardAccelerator,
    CardGroupRate,
    CardThreshold,
    CardType,
    Customer,
    Employee,
    ProductGroup,
)
from torgtui.money import format_money, percent_of
from torgtui.sales import extensions
from torgtui.sales.basket import Adjustment, Basket
from torgtui.sales.extensions import SaleEvent
from torgtui.sales.pricing import PricingContext
from torgtui.staff import Permission, audit, require
from torgtui.values import check_count, check_kopecks, check_percent, check_text

KINDS = ("discount", "one_time", "accumulative", "bonus")
MAX_THRESHOLDS = 50


def kind_title(kind: str) -> str:
    return {
        "discount": _("discount card"),
        "one_time": _("one-time discount"),
        "accumulative": _("accumulative discount"),
        "bonus": _("bonus card"),
    }.get(kind, kind)


def bp(percent: Decimal) -> int:
    """3.5% -> 350 basis points (percentages are stored as whole hundredths)."""
    return int(percent * 100)


def pct(basis_points: int) -> Decimal:
    return (Decimal(basis_points) / 100).normalize()


@dataclass(frozen=True)
class Threshold:
    from_amount: int  # kopecks counted toward the card
    percent: Decimal


@dataclass(frozen=True)
class CardRule:
    """A card type as pricing uses it (a snapshot, cached per process)."""

    id: int
    code: str
    name: str
    kind: str
    percent: Decimal
    bonus_bp: int
    expiry_days: int | None
    thresholds: tuple[Threshold, ...] = ()
    group_rates: dict[int, int] = field(default_factory=dict)
    active: bool = True

    def tier(self, counted: int) -> tuple[Threshold | None, Threshold | None]:
        """(the threshold reached with ``counted`` kopecks, the next one)."""
        reached, nxt = None, None
        for t in self.thresholds:
            if counted >= t.from_amount:
                reached = t
            elif nxt is None:
                nxt = t
        return reached, nxt


def _load_rules() -> dict[int, CardRule]:
    thresholds: dict[int, list[Threshold]] = {}
    for row in CardThreshold.select().order_by(CardThreshold.from_amount):
        thresholds.setdefault(row.card_type_id, []).append(
            Threshold(row.from_amount, pct(row.percent_bp))
        )
    rates: dict[int, dict[int, int]] = {}
    for row in CardGroupRate.select():
        rates.setdefault(row.card_type_id, {})[row.group_id] = row.bonus_bp
    return {
        ct.id: CardRule(
            ct.id,
            ct.code,
            ct.name,
            ct.kind,
            pct(ct.percent_bp),
            ct.bonus_bp,
            ct.bonus_expiry_days,
            tuple(thresholds.get(ct.id, [])),
            rates.get(ct.id, {}),
            ct.active,
        )
        for ct in CardType.select()
    }


def rules() -> dict[int, CardRule]:
    return rulecache.cached("card_types", _load_rules)


def group_parents() -> dict[int, int | None]:
    return rulecache.cached(
        "group_parents",
        lambda: dict(ProductGroup.select(ProductGroup.id, ProductGroup.parent).tuples()),
    )


def _accelerators() -> list[tuple[int | None, int | None, str, int, int]]:
    return rulecache.cached(
        "accelerators",
        lambda: [
            (a.product_id, a.group_id, a.action, a.card_type_id, a.threshold)
            for a in CardAccelerator.select().where(CardAccelerator.active == True)  # noqa: E712
        ],
    )


# --- the card of the attached customer ------------------------------------------------------


@dataclass(frozen=True)
class CardState:
    customer_id: int
    number: str
    card_type_id: int | None
    status: str
    spent_at: object
    counted: int  # the total bought toward thresholds (returns taken off, accelerators' floor)


def card_state(customer_id: int) -> CardState | None:
    row = database.execute_sql(
        sql(
            'SELECT "card", "card_type_id", "card_status", "card_spent_at", "total_bought", '
            '"total_returned", "tier_floor", "status" FROM "customer" WHERE "id" = ?'
        ),
        (customer_id,),
    ).fetchone()
    if row is None or row[7] != "active":
        return None
    counted = max(int(row[4]) - int(row[5]), int(row[6]))
    return CardState(customer_id, row[0] or "", row[1], row[2], row[3], counted)


@extensions.context_loader
def _load_card(basket: Basket, ctx: PricingContext) -> None:
    if ctx.customer_id is not None:
        ctx.extra["card"] = card_state(ctx.customer_id)


def describe(state: CardState, rule: CardRule) -> dict[str, object]:
    """The card and why, as the register, the card screen and ``torgtui price`` show it."""
    info: dict[str, object] = {
        "number": state.number,
        "type": rule.code,
        "name": rule.name,
        "kind": rule.kind,
        "status": state.status,
    }
    if rule.kind == "accumulative":
        reached, nxt = rule.tier(state.counted)
        info["tier"] = {
            "percent": str(reached.percent) if reached else "0",
            "from": reached.from_amount if reached else 0,
            "counted": state.counted,
            "next": (
                {
                    "percent": str(nxt.percent),
                    "from": nxt.from_amount,
                    "left": nxt.from_amount - state.counted,
                }
                if nxt
                else None
            ),
        }
    elif rule.kind in ("discount", "one_time"):
        info["percent"] = str(rule.percent)
        if rule.kind == "one_time":
            info["spent"] = state.spent_at is not None
    else:
        info["bonus_percent"] = str(pct(rule.bonus_bp))
        info["bonus_expiry_days"] = rule.expiry_days
    return info


@extensions.pricing_step(60, "card")
def card_step(basket: Basket, ctx: PricingContext) -> None:
    """The attached customer's card: its discount on every line (but those a promotion that
    replaces the card's discount took part in), or its bonus rule."""
    state = ctx.extra.get("card")
    if not isinstance(state, CardState) or state.card_type_id is None:
        return
    rule = rules().get(state.card_type_id)
    if rule is None:
        return
    basket.info["card"] = describe(state, rule)
    refused = basket.info.setdefault("refused", [])
    if state.status != "active":
        refused.append({"rule": rule.code, "reason": _("The card is blocked.")})
        return
    if not rule.active:
        refused.append({"rule": rule.code, "reason": _("This card type is no longer in use.")})
        return
    if rule.kind == "bonus":
        ctx.extra["bonus_rule"] = BonusRule(
            rule.bonus_bp, rule.group_rates, rule.expiry_days, rule.code, group_parents()
        )
        return
    percent = rule.percent
    reason = _("Card {name} {percent}%")
    if rule.kind == "one_time" and state.spent_at is not None:
        refused.append({"rule": rule.code, "reason": _("The one-time card was used already.")})
        return
    if rule.kind == "accumulative":
        reached, _next = rule.tier(state.counted)
        if reached is None:
            return
        percent = reached.percent
        reason = _("Card {name} {percent}% (from {amount})").replace(
            "{amount}", format_money(reached.from_amount)
        )
    if not percent:
        return
    text = reason.format(name=rule.name, percent=percent)
    kept = ctx.extra.get("promo_no_card") or ()  # lines whose promotion replaces the card's
    for i, line in enumerate(basket.lines):
        if i in kept:
            continue
        amount = percent_of(line.total, percent)
        if amount:
            line.adjustments.append(Adjustment("card", text, amount, rule=rule.code))


@extensions.sale_hook
def on_sale(event: SaleEvent) -> None:
    """Spend a one-time card (once, whichever register is first), apply accelerators, and
    say when a purchase lifted an accumulative card to a new threshold."""
    state = event.ctx.extra.get("card")
    customer_id = event.basket.customer_id
    if customer_id is None:
        return
    rule = rules().get(state.card_type_id) if isinstance(state, CardState) else None
    if rule is not None and rule.kind == "one_time":
        used = any(a.step == "card" for ln in event.basket.lines for a in ln.adjustments)
        if used:
            spent = database.execute_sql(
                sql(
                    'UPDATE "customer" SET "card_spent_at" = ? WHERE "id" = ? '
                    'AND "card_spent_at" IS NULL'
                ),
                (_stamp(event.now), customer_id),
            ).rowcount
            if spent != 1:
                raise ValidationError(
                    _("This one-time card was used a moment ago: take payment without it.")
                )
    _accelerate(event, customer_id)
    if rule is not None and rule.kind == "accumulative":
        after = card_state(customer_id)
        if after is not None:
            before_tier, _n = rule.tier(max(after.counted - event.basket.total, 0))
            after_tier, _next = rule.tier(after.counted)
            if after_tier is not None and (
                before_tier is None or after_tier.from_amount > before_tier.from_amount
            ):
                event.info["tier_up"] = {
                    "card": rule.name,
                    "percent": str(after_tier.percent),
                    "from": after_tier.from_amount,
                }


def _accelerate(event: SaleEvent, customer_id: int) -> None:
    accelerators = _accelerators()
    if not accelerators:
        return
    parents = group_parents()

    def groups_of(group_id: int | None) -> set[int]:
        out: set[int] = set()
        while group_id is not None and group_id not in out:
            out.add(group_id)
            group_id = parents.get(group_id)
        return out

    for line in event.basket.lines:
        line_groups = groups_of(line.group_id)
        for product_id, group_id, action, card_type_id, threshold in accelerators:
            if product_id != line.product_id and group_id not in line_groups:
                continue
            if action == "tier":
                database.execute_sql(
                    sql(
                        'UPDATE "customer" SET "tier_floor" = ? WHERE "id" = ? '
                        'AND "tier_floor" < ? AND ("card_type_id" = ? OR "card_type_id" IS NULL)'
                    ),
                    (threshold, customer_id, threshold, card_type_id),
                )
                event.info.setdefault("accelerated", []).append(
                    {"product": line.name, "threshold": threshold}
                )
            elif action == "enrol":
                moved = database.execute_sql(
                    sql(
                        'UPDATE "customer" SET "card_type_id" = ? WHERE "id" = ? '
                        'AND ("card_type_id" IS NULL OR "card_type_id" <> ?)'
                    ),
                    (card_type_id, customer_id, card_type_id),
                ).rowcount
                if moved:
                    new = rules().get(card_type_id)
                    event.info.setdefault("enrolled", []).append(
                        {"product": line.name, "card_type": new.name if new else ""}
                    )


def _stamp(moment: dt.datetime) -> object:
    from torgtui.db import is_sqlite

    return str(moment) if is_sqlite() else moment


# --- card types: create and change (the rules file and the editor call these) --------------


@dataclass
class CardTypeData:
    code: str
    name: str
    kind: str
    percent: Decimal = Decimal(0)
    bonus_percent: Decimal = Decimal(0)
    bonus_expiry_days: int | None = None
    thresholds: Sequence[tuple[int, Decimal]] = ()  # (from kopecks, percent)
    group_rates: Sequence[tuple[int, Decimal]] = ()  # (group id, bonus percent)
    prefix: str = ""
    range_from: int = 0
    range_to: int = 0
    active: bool = True


def clean_card_type(data: CardTypeData) -> CardTypeData:
    """Validate a card type; raises ValidationError naming the field."""
    code = check_text(data.code, _("The card type's id"), max_len=40, required=True)
    if any(ch.isspace() for ch in code):
        raise ValidationError(_("A card type's id has no spaces: {code!r}.").format(code=code))
    name = check_text(data.name, _("The card type's name"), max_len=120, required=True)
    if data.kind not in KINDS:
        raise ValidationError(
            _("A card type is one of {kinds}, not {kind!r}.").format(
                kinds=", ".join(KINDS), kind=str(data.kind)[:30]
            )
        )
    percent = Decimal(0)
    if data.kind in ("discount", "one_time"):
        percent = check_percent(data.percent, _("The card's discount"))
    bonus = Decimal(0)
    expiry = None
    if data.kind == "bonus":
        bonus = check_percent(data.bonus_percent, _("The bonus rate"))
        if data.bonus_expiry_days is not None:
            expiry = check_count(
                data.bonus_expiry_days, _("Days bonuses last"), minimum=1, maximum=3650, text=False
            )
    thresholds: list[tuple[int, Decimal]] = []
    if data.kind == "accumulative":
        if not data.thresholds:
            raise ValidationError(_("An accumulative card needs at least one threshold."))
        if len(data.thresholds) > MAX_THRESHOLDS:
            raise ValidationError(_("At most {n} thresholds.").format(n=MAX_THRESHOLDS))
        seen: set[int] = set()
        for amount, value in data.thresholds:
            amount = check_kopecks(amount, _("A threshold"))
            if amount in seen:
                raise ValidationError(
                    _("Two thresholds start at {amount}: each must start elsewhere.").format(
                        amount=format_money(amount)
                    )
                )
            seen.add(amount)
            thresholds.append((amount, check_percent(value, _("A threshold's discount"))))
        thresholds.sort()
        for (a1, p1), (a2, p2) in itertools.pairwise(thresholds):
            if p2 <= p1:
                raise ValidationError(
                    _(
                        "Thresholds overlap: from {a2} the discount ({p2}%) must be more than "
                        "from {a1} ({p1}%)."
                    ).format(a1=format_money(a1), p1=p1, a2=format_money(a2), p2=p2)
                )
    rates = [
        (group_id, check_percent(value, _("A group's bonus rate"), allow_zero=True))
        for group_id, value in data.group_rates
    ]
    prefix = check_text(data.prefix, _("The card numbers' prefix"), max_len=12)
    if prefix and not prefix.isdigit():
        raise ValidationError(_("A card number prefix is digits, like 29."))
    for value in (data.range_from, data.range_to):
        check_count(value, _("A card number range"), maximum=10**12, text=False)
    if data.range_to < data.range_from:
        raise ValidationError(_("The card number range ends before it starts."))
    if not isinstance(data.active, bool):
        raise ValidationError(_("Active is yes or no."))
    return CardTypeData(
        code,
        name,
        data.kind,
        percent,
        bonus,
        expiry,
        thresholds,
        rates,
        prefix,
        data.range_from,
        data.range_to,
        data.active,
    )


def save_card_type(
    data: CardTypeData, *, by: Employee | None, clock: Clock = system_clock, system: bool = False
) -> CardType:
    """Create or change a card type by its id (``code``), with its thresholds and group
    rates; by permission to edit prices and promotions, audited."""
    if not system:
        require(by, Permission.EDIT_PRICES)
    data = clean_card_type(data)
    now = clock()
    with write_tx():
        existing = CardType.get_or_none(CardType.code == data.code)
        fields = dict(
            name=data.name,
            kind=data.kind,
            percent_bp=bp(data.percent),
            bonus_bp=bp(data.bonus_percent),
            bonus_expiry_days=data.bonus_expiry_days,
            prefix=data.prefix,
            range_from=data.range_from,
            range_to=data.range_to,
            active=data.active,
            updated_at=now,
        )
        if existing is None:
            card_type = CardType.create(
                code=data.code, created_at=now, next_number=data.range_from, **fields
            )
        else:
            CardType.update(**fields).where(CardType.id == existing.id).execute()
            card_type = CardType.get_by_id(existing.id)
        CardThreshold.delete().where(CardThreshold.card_type == card_type.id).execute()
        for amount, value in data.thresholds:
            CardThreshold.create(card_type=card_type.id, from_amount=amount, percent_bp=bp(value))
        CardGroupRate.delete().where(CardGroupRate.card_type == card_type.id).execute()
        for group_id, value in data.group_rates:
            if ProductGroup.get_or_none(ProductGroup.id == group_id) is None:
                raise ValidationError(_("There is no product group {id}.").format(id=group_id))
            CardGroupRate.create(card_type=card_type.id, group=group_id, bonus_bp=bp(value))
        rulecache.bump()
        audit(
            "card_type.save",
            by,
            object_type="card_type",
            object_id=card_type.id,
            after={
                "code": data.code,
                "kind": data.kind,
                "percent": data.percent,
                "bonus": data.bonus_percent,
                "thresholds": [[a, str(p)] for a, p in data.thresholds],
            },
            clock=clock,
        )
    return card_type


def card_types() -> list[CardTypeData]:
    """Every card type as :func:`save_card_type` takes it, by id (the rules file's export)."""
    thresholds: dict[int, list[tuple[int, Decimal]]] = {}
    for row in CardThreshold.select().order_by(CardThreshold.from_amount):
        thresholds.setdefault(row.card_type_id, []).append((row.from_amount, pct(row.percent_bp)))
    rates: dict[int, list[tuple[int, Decimal]]] = {}
    for row in CardGroupRate.select().order_by(CardGroupRate.group):
        rates.setdefault(row.card_type_id, []).append((row.group_id, pct(row.bonus_bp)))
    return [
        CardTypeData(
            ct.code,
            ct.name,
            ct.kind,
            pct(ct.percent_bp),
            pct(ct.bonus_bp),
            ct.bonus_expiry_days,
            thresholds.get(ct.id, []),
            rates.get(ct.id, []),
            ct.prefix,
            ct.range_from,
            ct.range_to,
            ct.active,
        )
        for ct in CardType.select().order_by(CardType.code)
    ]


def card_type_names() -> list[tuple[int, str]]:
    """(id, name) of every card type, by name: what a screen offers to choose one from."""
    return sorted(((r.id, r.name) for r in rules().values()), key=lambda pair: pair[1])


def set_card_type(
    customer: Customer, card_type_id: int | None, *, by: Employee, clock: Clock = system_clock
) -> None:
    """Put a customer on a card type (or none), audited."""
    require(by, Permission.EDIT_CUSTOMERS)
    if card_type_id is not None and card_type_id not in rules():
        raise ValidationError(_("There is no such card type."))
    with write_tx():
        Customer.update(card_type=card_type_id).where(Customer.id == customer.id).execute()
        audit(
            "customer.card_type",
            by,
            object_type="customer",
            object_id=customer.id,
            before={"card_type": customer.card_type_id},
            after={"card_type": card_type_id},
            clock=clock,
        )


def card_type_of(customer_id: int) -> CardRule | None:
    card_type_id = query_value(
        'SELECT "card_type_id" FROM "customer" WHERE "id" = ?', (customer_id,)
    )
    return rules().get(card_type_id) if card_type_id is not None else None  # type: ignore[call-overload]
