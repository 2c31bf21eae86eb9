"""A promotion as the builder, the rules file and the engine see it: :class:`PromotionData`
(typed, validated by :func:`clean_promotion`) and its storage form (typed columns of
``promotion``, rows of ``promotion_target`` and the canonical JSON ``definition``).

Storage (torgtui.models.promotions): what lists, filters and the conflict check read are
columns (code, name, active, dates, priority, stacking, best-of group, card rule, code-only,
festive, mechanic, reward kind); the goods are target rows (so SQL can say which products a
promotion covers); everything else -- weekdays, hours, locations, customers, conditions, the
mechanic's numbers, the reward's value and cap -- is :func:`definition_json`: sorted keys,
defaults left out, percentages as exact decimal text, money as integer kopecks. It is written
only from a cleaned :class:`PromotionData` and read back by :func:`from_definition`, so what is
stored was always validated in Python.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.values import (
    check_count,
    check_date,
    check_id,
    check_kopecks,
    check_percent,
    check_qty,
    check_text,
)

MECHANICS = ("all", "nth", "cheapest", "buy_get")
REWARDS = ("percent", "amount", "price", "bonus_percent", "bonus_amount")
STACKING = ("exclusive", "stacks", "best_of")
WITH_CARD = ("on_top", "replaces")
CUSTOMERS = ("anyone", "card", "card_type", "tier", "partner")
TOTAL_OF = ("receipt", "lines")
TOTAL_BASIS = ("before", "after")
ON = ("lines", "receipt")
OF = ("set", "product")
BIRTHDAY = ("", "customer", "family", "both")
NTH_PERIODS = ("day", "ever")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_TARGETS = 5000
MAX_WINDOW_DAYS = 60  # a birthday window each side: one birthday per window
MAX_PRIORITY = 1000
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Target:
    """A product, a group (its subgroups too) or a manufacturer; none of the three: all goods.
    ``exclude`` takes it out of the promotion again."""

    product_id: int | None = None
    group_id: int | None = None
    manufacturer_id: int | None = None
    exclude: bool = False

    @property
    def is_all(self) -> bool:
        return self.product_id is None and self.group_id is None and self.manufacturer_id is None

    def key(self) -> tuple[int, int, int, int, bool]:
        return (
            int(self.exclude),
            self.product_id or 0,
            self.group_id or 0,
            self.manufacturer_id or 0,
            self.is_all,
        )


ALL_GOODS = Target()


@dataclass
class PromotionData:
    """One promotion (see docs/promotions.md for what each field does at the register)."""

    code: str  # its id: the rules file's, and the rule of its price adjustments
    name: str  # what the receipt and "why this price" say
    active: bool = True
    # when and where
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    weekdays: tuple[int, ...] = ()  # 0 Monday .. 6 Sunday; (): every day
    hours: tuple[int, int] | None = None  # minutes from midnight, [from, to): 600, 720
    locations: tuple[int, ...] = ()  # location ids; (): everywhere
    # what goods
    targets: tuple[Target, ...] = ()
    # which customers
    customers: str = "anyone"  # anyone, card (holders), card_type, tier, partner
    card_type: str = ""  # card_type, tier: the card type's id (code)
    tier_from: int | None = None  # tier: a threshold of that accumulative card (kopecks)
    partner: str = ""  # partner: the partner's code (partners come with a later issue)
    # conditions
    min_qty: int | None = None  # thousandths of qualifying goods
    max_qty: int | None = None
    min_total: int | None = None  # kopecks
    max_total: int | None = None
    total_of: str = "receipt"  # whose total: the receipt's, or the qualifying lines'
    total_basis: str = "after"  # before: at regular prices; after: after the discounts so far
    birthday: str = ""  # "", customer, family, both
    birthday_before: int = 0  # days of the window before the birthday
    birthday_after: int = 0
    nth_receipt: int = 0  # every Nth receipt at a location (0: not a lottery)
    nth_period: str = "day"  # day or ever
    # mechanic
    mechanic: str = "all"  # all, nth, cheapest, buy_get
    n: int = 0  # nth: every n-th item
    of: str = "set"  # nth: of the same product, or of the whole set
    buy: int = 0  # buy_get: buy this many
    get: int = 0  # ... get this many
    get_targets: tuple[Target, ...] = ()  # buy_get: what is given (empty: the same goods)
    max_times: int | None = None  # nth, buy_get: at most so many times per receipt
    # reward
    reward: str = "percent"  # percent, amount, price, bonus_percent, bonus_amount
    percent: Decimal | None = None  # percent, bonus_percent
    amount: int | None = None  # amount (off each unit, or off once), bonus_amount: kopecks
    price: int | None = None  # price: each rewarded unit at this price, kopecks
    on: str = "lines"  # all: the reward per line, or once on the qualifying total
    cap: int | None = None  # at most this much per receipt, kopecks
    # how it combines
    stacking: str = "stacks"  # exclusive, stacks, best_of
    best_of: str = ""  # best_of: the group's name
    priority: int = 0  # higher applies first
    with_card: str = "on_top"  # the card's discount on top, or not on its lines (replaces)
    requires_code: bool = False  # only when a promo code activates it
    festive: bool = False  # the register plays the festive sound
    above_regular: bool = False  # a fixed price above a regular one, confirmed

    @property
    def gives_bonus(self) -> bool:
        return self.reward in ("bonus_percent", "bonus_amount")


# the fields that are columns or target rows; the rest is the JSON definition
COLUMNS = (
    "code",
    "name",
    "active",
    "starts_on",
    "ends_on",
    "priority",
    "stacking",
    "best_of",
    "with_card",
    "requires_code",
    "festive",
    "mechanic",
    "reward",
)
TARGET_FIELDS = ("targets", "get_targets")
DEFAULTS = PromotionData("", "")


def _choice(value: Any, choices: tuple[str, ...], what: str) -> str:
    if value not in choices:
        raise ValidationError(
            _("{what} is one of {choices}, not {value!r}.").format(
                what=what, choices=", ".join(c for c in choices if c), value=str(value)[:30]
            )
        )
    return str(value)


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(_("{what} is yes or no.").format(what=what))
    return value


def _targets(items: Any, what: str) -> tuple[Target, ...]:
    if not isinstance(items, (list, tuple)):
        raise ValidationError(_("{what}: give a list of goods.").format(what=what))
    if len(items) > MAX_TARGETS:
        raise ValidationError(
            _("{what}: at most {n} products, groups and manufacturers.").format(
                what=what, n=MAX_TARGETS
            )
        )
    seen: dict[tuple, Target] = {}
    for item in items:
        if not isinstance(item, Target):
            raise ValidationError(
                _("{what}: that is not a product, group or manufacturer.").format(what=what)
            )
        given = [v for v in (item.product_id, item.group_id, item.manufacturer_id) if v is not None]
        if len(given) > 1:
            raise ValidationError(
                _("{what}: each line names one product, one group or one manufacturer.").format(
                    what=what
                )
            )
        for value in given:
            check_id(value, what)
        _flag(item.exclude, _("Exclude"))
        if item.is_all and item.exclude:
            raise ValidationError(_("{what}: all goods cannot be excluded.").format(what=what))
        seen[item.key()] = item
    return tuple(seen[k] for k in sorted(seen))


def _optional_qty(value: Any, what: str) -> int | None:
    return None if value is None else check_qty(value, weighed=True, name=what)


def _optional_kopecks(value: Any, what: str, minimum: int = 0) -> int | None:
    return None if value is None else check_kopecks(value, what, minimum=minimum)


def clean_promotion(data: PromotionData) -> PromotionData:
    """Check every field of ``data`` on its own and together (no database: the references
    are checked by the service); returns it in canonical form or raises ValidationError."""
    if not isinstance(data, PromotionData):
        raise ValidationError(_("That is not a promotion: nothing was saved."))
    code = check_text(data.code, _("The promotion's id"), max_len=40, required=True)
    if any(ch.isspace() for ch in code):
        raise ValidationError(_("A promotion's id has no spaces: {code!r}.").format(code=code))
    name = check_text(data.name, _("The promotion's name"), max_len=120, required=True)
    out = replace(data, code=code, name=name)
    for what, key in ((_("Active"), "active"), (_("Needs a code"), "requires_code")):
        _flag(getattr(data, key), what)
    _flag(data.festive, _("Festive sound"))
    _flag(data.above_regular, _("Above the regular price"))
    _when(data, out)
    _who(data, out)
    _conditions(data, out)
    _mechanic(data, out)
    _reward(data, out)
    _stacking(data, out)
    return out


def _when(data: PromotionData, out: PromotionData) -> None:
    out.starts_on = None if data.starts_on is None else check_date(data.starts_on, _("From"))
    out.ends_on = None if data.ends_on is None else check_date(data.ends_on, _("To"))
    if out.starts_on and out.ends_on and out.ends_on < out.starts_on:
        raise ValidationError(
            _("The promotion ends on {end} before it starts on {start}: check the dates.").format(
                end=out.ends_on, start=out.starts_on
            )
        )
    if not isinstance(data.weekdays, (list, tuple)):
        raise ValidationError(_("Weekdays: give a list of days."))
    days = set()
    for day in data.weekdays:
        days.add(check_count(day, _("A weekday"), minimum=0, maximum=6, text=False))
    out.weekdays = tuple(sorted(days)) if len(days) < 7 else ()
    if data.hours is not None:
        if not isinstance(data.hours, (list, tuple)) or len(data.hours) != 2:
            raise ValidationError(_("Hours are a start and an end, like 10:00-12:00."))
        start, end = (
            check_count(v, _("An hour"), minimum=0, maximum=DAY_MINUTES, text=False)
            for v in data.hours
        )
        if end <= start:
            raise ValidationError(
                _(
                    "The hours end at {end} before they start at {start}: a window over "
                    "midnight is two promotions."
                ).format(end=clock_text(end), start=clock_text(start))
            )
        out.hours = None if (start, end) == (0, DAY_MINUTES) else (start, end)
    if not isinstance(data.locations, (list, tuple)):
        raise ValidationError(_("Locations: give a list of locations."))
    out.locations = tuple(sorted({check_id(v, _("A location")) for v in data.locations}))
    out.targets = _targets(data.targets, _("The goods"))
    if not any(not t.exclude for t in out.targets):
        raise ValidationError(
            _(
                "The promotion has no goods: choose all goods, products, groups or "
                "manufacturers it is for."
            )
        )
    if any(t.is_all for t in out.targets):  # all goods: the other includes say nothing
        out.targets = tuple(t for t in out.targets if t.exclude or t.is_all)


def _who(data: PromotionData, out: PromotionData) -> None:
    out.customers = _choice(data.customers, CUSTOMERS, _("Customers"))
    out.card_type = check_text(data.card_type, _("The card type"), max_len=40)
    out.partner = check_text(data.partner, _("The partner"), max_len=40)
    out.tier_from = _optional_kopecks(data.tier_from, _("The tier"))
    if out.customers in ("card_type", "tier") and not out.card_type:
        raise ValidationError(_("Choose the card type the promotion is for."))
    if out.customers == "tier" and out.tier_from is None:
        raise ValidationError(_("Choose the tier (a threshold of the card) it is for."))
    if out.customers == "partner" and not out.partner:
        raise ValidationError(_("Choose the partner whose customers it is for."))
    if out.customers not in ("card_type", "tier"):
        out.card_type = ""
    if out.customers != "tier":
        out.tier_from = None
    if out.customers != "partner":
        out.partner = ""


def _conditions(data: PromotionData, out: PromotionData) -> None:
    out.min_qty = _optional_qty(data.min_qty, _("The minimum quantity"))
    out.max_qty = _optional_qty(data.max_qty, _("The maximum quantity"))
    if out.min_qty and out.max_qty and out.max_qty < out.min_qty:
        raise ValidationError(_("The maximum quantity is below the minimum."))
    out.min_total = _optional_kopecks(data.min_total, _("The minimum total"), 1)
    out.max_total = _optional_kopecks(data.max_total, _("The maximum total"), 1)
    if out.min_total and out.max_total and out.max_total < out.min_total:
        raise ValidationError(_("The maximum total is below the minimum."))
    out.total_of = _choice(data.total_of, TOTAL_OF, _("The total"))
    out.total_basis = _choice(data.total_basis, TOTAL_BASIS, _("The total"))
    if out.min_total is None and out.max_total is None:
        out.total_of, out.total_basis = DEFAULTS.total_of, DEFAULTS.total_basis
    out.birthday = _choice(data.birthday, BIRTHDAY, _("Birthday"))
    for key in ("birthday_before", "birthday_after"):
        days = check_count(
            getattr(data, key), _("Days around the birthday"), maximum=MAX_WINDOW_DAYS, text=False
        )
        setattr(out, key, days if out.birthday else 0)
    out.nth_receipt = check_count(
        data.nth_receipt, _("Every Nth receipt"), maximum=1_000_000, text=False
    )
    if out.nth_receipt == 1:
        raise ValidationError(_("Every Nth receipt: N is 2 or more (every receipt is no lottery)."))
    out.nth_period = _choice(data.nth_period, NTH_PERIODS, _("The count"))
    if not out.nth_receipt:
        out.nth_period = DEFAULTS.nth_period


def _mechanic(data: PromotionData, out: PromotionData) -> None:
    out.mechanic = _choice(data.mechanic, MECHANICS, _("The mechanic"))
    out.of = _choice(data.of, OF, _("Of"))
    out.n = check_count(data.n, _("Every Nth item"), maximum=1000, text=False)
    out.buy = check_count(data.buy, _("Buy"), maximum=1000, text=False)
    out.get = check_count(data.get, _("Get"), maximum=1000, text=False)
    out.get_targets = _targets(data.get_targets, _("The goods given"))
    out.max_times = (
        None
        if data.max_times is None
        else check_count(data.max_times, _("Times per receipt"), minimum=1, text=False)
    )
    if out.mechanic == "nth" and out.n < 2:
        raise ValidationError(_("Every Nth item: N is 2 or more (the 2nd, the 3rd ...)."))
    if out.mechanic == "buy_get" and (out.buy < 1 or out.get < 1):
        raise ValidationError(_("Buy X get Y: both X and Y are 1 or more."))
    if out.mechanic != "nth":
        out.n, out.of = 0, DEFAULTS.of
    if out.mechanic != "buy_get":
        if out.get_targets:
            raise ValidationError(_("Goods given are for a 'buy X get Y' promotion only."))
        out.buy = out.get = 0
    elif out.get_targets and not any(not t.exclude for t in out.get_targets):
        raise ValidationError(_("The goods given: choose at least one that is not excluded."))
    if out.max_times is not None and out.mechanic not in ("nth", "buy_get"):
        raise ValidationError(
            _("Times per receipt is for 'every Nth item' and 'buy X get Y': use a cap instead.")
        )


def _reward(data: PromotionData, out: PromotionData) -> None:
    out.reward = _choice(data.reward, REWARDS, _("The reward"))
    out.on = _choice(data.on, ON, _("The reward"))
    out.percent = out.amount = out.price = None
    if out.reward in ("percent", "bonus_percent"):
        if data.percent is None:
            raise ValidationError(_("Give the reward's percentage."))
        out.percent = plain(check_percent(data.percent, _("The reward's percentage")))
    elif out.reward in ("amount", "bonus_amount"):
        out.amount = check_kopecks(data.amount, _("The reward's amount"), minimum=1)
    else:
        out.price = check_kopecks(data.price, _("The fixed price"))
    for key in ("percent", "amount", "price"):
        if getattr(data, key) is not None and getattr(out, key) is None:
            raise ValidationError(
                _("A reward of kind {kind} takes no {key}: remove it.").format(
                    kind=out.reward, key=key
                )
            )
    if out.on == "receipt" and (out.mechanic != "all" or out.reward == "price"):
        raise ValidationError(
            _(
                "Once on the total is for a percentage or an amount on all the qualifying "
                "goods; the other mechanics reward the items they choose."
            )
        )
    out.cap = _optional_kopecks(data.cap, _("The cap per receipt"), 1)
    if out.gives_bonus and out.customers == "anyone" and not out.birthday:
        raise ValidationError(
            _(
                "Bonuses go onto a card: a promotion that gives them is for card holders "
                "(choose card holders, a card type, a tier or a partner's customers)."
            )
        )
    if out.reward != "price":
        out.above_regular = False


def _stacking(data: PromotionData, out: PromotionData) -> None:
    out.stacking = _choice(data.stacking, STACKING, _("Stacking"))
    out.best_of = check_text(data.best_of, _("The best-of group"), max_len=40)
    if out.stacking == "best_of" and not out.best_of:
        raise ValidationError(_("Name the group the promotion is the best of."))
    if out.stacking != "best_of":
        out.best_of = ""
    out.priority = check_count(
        data.priority,
        _("The priority"),
        minimum=-MAX_PRIORITY,
        maximum=MAX_PRIORITY,
        text=False,
    )
    out.with_card = _choice(data.with_card, WITH_CARD, _("With the card's discount"))


# --- storage --------------------------------------------------------------------------------


def plain(value: Decimal) -> Decimal:
    """A percentage in its one form: 50.00 -> 50, 7.50 -> 7.5 (never 5E+1)."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value  # type: ignore[operator]


def clock_text(minutes: int) -> str:
    """600 -> "10:00"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


def definition(data: PromotionData) -> dict[str, Any]:
    """The JSON part of a cleaned promotion: what is neither a column nor a target row, and
    differs from the default."""
    out: dict[str, Any] = {}
    for f in fields(PromotionData):
        if f.name in COLUMNS or f.name in TARGET_FIELDS:
            continue
        value = getattr(data, f.name)
        if value != getattr(DEFAULTS, f.name):
            out[f.name] = _json_value(value)
    return out


def definition_json(data: PromotionData) -> str:
    return json.dumps(definition(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def from_definition(text: str, **columns: Any) -> PromotionData:
    """A stored promotion back as data (``columns``: its columns and target tuples)."""
    raw = json.loads(text or "{}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "percent":
            values[key] = Decimal(value)
        elif key in ("weekdays", "locations"):
            values[key] = tuple(value)
        elif key == "hours":
            values[key] = (value[0], value[1])
        else:
            values[key] = value
    return PromotionData(**columns, **values)


@dataclass(frozen=True)
class Summary:
    """A promotion in a list: what the Promotions area shows per row."""

    id: int
    code: str
    name: str
    status: str  # running, planned, ended, inactive
    starts_on: dt.date | None
    ends_on: dt.date | None
    priority: int
    stacking: str
    mechanic: str
    reward: str
    extra: dict[str, Any] = field(default_factory=dict)


def status_at(active: bool, starts_on: dt.date | None, ends_on: dt.date | None, day: dt.date):
    """running, planned (starts later), ended (ended before ``day``) or inactive."""
    if not active:
        return "inactive"
    if starts_on is not None and day < starts_on:
        return "planned"
    if ends_on is not None and day > ends_on:
        return "ended"
    return "running"
