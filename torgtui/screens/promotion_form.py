"""What the promotion screens say and read, without Textual: the choices' titles, a promotion
in words for its card, the builder's text fields read into :class:`PromotionData` (weekdays,
hours, quantities, money, percentages: refused in words), and the look-ups the builder offers
(card types and their tiers, groups, manufacturers, locations).

The service (torgtui.marketing.promotions) checks everything again; here text becomes typed
values once, so a refusal names the field that was typed wrong.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from torgtui.errors import ValidationError
from torgtui.i18n import _, ngettext
from torgtui.marketing.promotions.model import WEEKDAYS, PromotionData, Summary, Target, plain
from torgtui.marketing.promotions.service import target_names
from torgtui.marketing.promotions.words import reward_words, what_it_gives, when_words
from torgtui.money import format_money, format_qty
from torgtui.screens.office import money_field, parse_day
from torgtui.values import check_count, check_percent, parse_money, parse_qty

# a target's role in the builder's table: goods, goods taken out, what is given (buy X get Y),
# and given goods taken out
ROLES = ("in", "ex", "get", "getex")


def status_titles() -> dict[str, str]:
    return {
        "running": _("running"),
        "planned": _("planned"),
        "ended": _("ended"),
        "inactive": _("stopped"),
    }


def mechanic_titles() -> dict[str, str]:
    return {
        "all": _("every item"),
        "nth": _("every Nth item"),
        "cheapest": _("the cheapest item"),
        "buy_get": _("buy X get Y"),
    }


def reward_titles() -> dict[str, str]:
    return {
        "percent": _("% off"),
        "amount": _("amount off"),
        "price": _("fixed price"),
        "bonus_percent": _("% in bonuses"),
        "bonus_amount": _("bonuses, ₴"),
    }


def stacking_titles() -> dict[str, str]:
    return {
        "stacks": _("stacks with others"),
        "exclusive": _("exclusive"),
        "best_of": _("best of a group"),
    }


def with_card_titles() -> dict[str, str]:
    return {"on_top": _("card on top"), "replaces": _("replaces the card")}


def customer_titles() -> dict[str, str]:
    return {
        "anyone": _("anyone"),
        "card": _("card holders"),
        "card_type": _("a card type"),
        "tier": _("a tier of a card"),
        "partner": _("a partner's"),
    }


def total_of_titles() -> dict[str, str]:
    return {"receipt": _("the receipt"), "lines": _("its goods")}


def basis_titles() -> dict[str, str]:
    return {"after": _("after discounts"), "before": _("before discounts")}


def on_titles() -> dict[str, str]:
    return {"lines": _("each line"), "receipt": _("once, the total")}


def of_titles() -> dict[str, str]:
    return {"set": _("of all its goods"), "product": _("of one product")}


def birthday_titles() -> dict[str, str]:
    return {
        "": _("no"),
        "customer": _("the customer's"),
        "family": _("family's"),
        "both": _("both"),
    }


def period_titles() -> dict[str, str]:
    return {"day": _("a day"), "ever": _("overall")}


def role_titles() -> dict[str, str]:
    return {
        "in": _("goods"),
        "ex": _("except"),
        "get": _("given"),
        "getex": _("not given"),
    }


def yes_no() -> tuple[tuple[str, str], ...]:
    return (("yes", _("yes")), ("no", _("no")))


# --- a promotion in words --------------------------------------------------------------------


@dataclass
class Names:
    """What the card needs besides the promotion: its goods' and locations' names."""

    targets: list[str] = field(default_factory=list)
    given: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    card_type: str = ""


def names_of(data: PromotionData) -> Names:
    """Read the names a promotion's card shows (in a worker)."""
    from torgtui.models import CardType, Location

    places = dict(Location.select(Location.id, Location.name).tuples())
    card = CardType.get_or_none(CardType.code == data.card_type) if data.card_type else None
    return Names(
        target_names(data.targets),
        target_names(data.get_targets),
        [places.get(i, str(i)) for i in data.locations],
        card.name if card is not None else data.card_type,
    )


def qty_text(milli: int) -> str:
    return ngettext("{n} item", "{n} items", milli // 1000 if not milli % 1000 else 2).format(
        n=format_qty(milli)
    )


def customers_words(d: PromotionData, names: Names) -> str:
    if d.customers == "anyone":
        return _("anyone")
    if d.customers == "card":
        return _("card holders")
    if d.customers == "card_type":
        return _("holders of {card}").format(card=names.card_type)
    if d.customers == "tier":
        return _("holders of {card} from {amount}").format(
            card=names.card_type, amount=format_money(d.tier_from or 0)
        )
    return _("customers of partner {partner}").format(partner=d.partner)


def condition_words(d: PromotionData) -> list[str]:
    """Each condition in a few words (empty: none)."""
    out = []
    if d.min_qty:
        out.append(_("from {qty}").format(qty=qty_text(d.min_qty)))
    if d.max_qty:
        out.append(_("up to {qty}").format(qty=qty_text(d.max_qty)))
    if d.min_total or d.max_total:
        whose = _("the receipt") if d.total_of == "receipt" else _("its goods")
        basis = basis_titles()[d.total_basis]
        if d.min_total and d.max_total:
            amount = _("{low} to {high}").format(
                low=format_money(d.min_total), high=format_money(d.max_total)
            )
        elif d.min_total:
            amount = _("from {amount}").format(amount=format_money(d.min_total))
        else:
            amount = _("up to {amount}").format(amount=format_money(d.max_total or 0))
        out.append(
            _("{amount} for {whose}, {basis}").format(amount=amount, whose=whose, basis=basis)
        )
    if d.birthday:
        who = {
            "customer": _("the customer's birthday"),
            "family": _("a family member's birthday"),
            "both": _("the customer's or a family member's birthday"),
        }[d.birthday]
        out.append(
            _("{who} ({before} days before to {after} after)").format(
                who=who, before=d.birthday_before, after=d.birthday_after
            )
        )
    if d.nth_receipt:
        if d.nth_period == "day":
            out.append(_("every {n}th receipt of the day").format(n=d.nth_receipt))
        else:
            out.append(_("every {n}th receipt").format(n=d.nth_receipt))
    return out


def combining_words(d: PromotionData) -> str:
    if d.stacking == "best_of":
        how = _("the best of group {group}").format(group=d.best_of)
    else:
        how = stacking_titles()[d.stacking]
    parts = [how, _("priority {n}").format(n=d.priority), with_card_titles()[d.with_card]]
    if d.requires_code:
        parts.append(_("only with a promo code"))
    if d.festive:
        parts.append(_("festive sound"))
    return " · ".join(parts)


def gives_words(d: PromotionData) -> str:
    text = what_it_gives(d)
    if d.mechanic == "buy_get" and d.get_targets:
        text = _("{text} (of the goods given)").format(text=text)
    if d.max_times:
        text += " " + ngettext(
            "(at most {n} time a receipt)", "(at most {n} times a receipt)", d.max_times
        ).format(n=d.max_times)
    if d.cap:
        text += " " + _("(at most {cap} a receipt)").format(cap=format_money(d.cap))
    if d.above_regular:
        text += " " + _("(above some regular prices: confirmed)")
    return text


def card_lines(d: PromotionData, status: str, names: Names) -> list[tuple[str, str]]:
    """The card's lines: (what, in words)."""
    goods = ", ".join(names.targets) or _("nothing")
    lines = [
        (_("Status"), status_titles().get(status, status)),
        (_("Goods"), goods),
    ]
    if names.given:
        lines.append((_("Given"), ", ".join(names.given)))
    place = ", ".join(names.locations) if names.locations else _("every location")
    lines += [
        (_("When"), _("{when}; {where}").format(when=when_words(d) or _("always"), where=place)),
        (_("Customers"), customers_words(d, names)),
        (_("Conditions"), "; ".join(condition_words(d)) or _("none")),
        (_("Gives"), gives_words(d)),
        (_("Combines"), combining_words(d)),
    ]
    return lines


def summary_when(row: Summary) -> str:
    """A list row's dates: "01.11–30.11.26", "from 01.11.26", "" (always)."""
    start, end = row.starts_on, row.ends_on
    if start and end:
        if start.year == end.year:
            return f"{start:%d.%m}–{end:%d.%m.%y}"
        return f"{start:%d.%m.%y}–{end:%d.%m.%y}"
    if start:
        return _("from {day}").format(day=f"{start:%d.%m.%y}")
    if end:
        return _("to {day}").format(day=f"{end:%d.%m.%y}")
    return _("always")


# --- reading the builder's fields ----------------------------------------------------------

WEEKDAY_WORDS = {word: n for n, word in enumerate(WEEKDAYS)}


def parse_weekdays(text: str) -> tuple[int, ...]:
    """ "mon-fri", "mon,wed,sat", "1-5" (Monday is 1) -> (0, 1, 2, 3, 4); empty: every day."""
    text = (text or "").strip().lower()
    if not text:
        return ()

    def day(part: str) -> int:
        if part.isdigit() and 1 <= int(part) <= 7:
            return int(part) - 1
        if part in WEEKDAY_WORDS:
            return WEEKDAY_WORDS[part]
        raise ValidationError(
            _(
                "Weekdays: {text!r} is not a day. Type them like mon-fri or mon,wed,sat "
                "(or 1-5, Monday is 1); empty: every day."
            ).format(text=part[:20])
        )

    days: set[int] = set()
    for part in (p.strip() for p in text.replace(" ", "").split(",")):
        ends = part.split("-")
        if not part or len(ends) > 2:
            raise ValidationError(
                _("Weekdays: type them like mon-fri or mon,wed,sat; empty: every day.")
            )
        first, last = day(ends[0]), day(ends[-1])
        if last < first:
            raise ValidationError(
                _("Weekdays: {part} goes backwards; write it from Monday on.").format(part=part)
            )
        days.update(range(first, last + 1))
    return tuple(sorted(days))


def weekdays_field(days: tuple[int, ...]) -> str:
    """(0, 1, 2, 3, 4) -> "mon-fri"; (0, 2) -> "mon,wed"."""
    if not days:
        return ""
    runs: list[list[int]] = []
    for d in sorted(days):
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAYS[run[0]]}-{WEEKDAYS[run[-1]]}")
        else:
            parts.extend(WEEKDAYS[d] for d in run)
    return ",".join(parts)


_HOURS = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?")


def parse_hours(text: str) -> tuple[int, int] | None:
    """ "10:00-12:00" or "10-12" -> (600, 720); empty: all day."""
    text = (text or "").strip()
    if not text:
        return None
    found = _HOURS.fullmatch(text)
    if found is None:
        raise ValidationError(
            _("Hours: type them like 10:00-12:00, not {text!r}; empty: all day.").format(
                text=text[:20]
            )
        )
    h1, m1, h2, m2 = (int(g or 0) for g in found.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or (h1 == 24 and m1) or (h2 == 24 and m2):
        raise ValidationError(
            _("Hours are from 00:00 to 24:00, not {text!r}.").format(text=text[:20])
        )
    return (h1 * 60 + m1, h2 * 60 + m2)


def hours_field(hours: tuple[int, int] | None) -> str:
    if hours is None:
        return ""
    return "{:02d}:{:02d}-{:02d}:{:02d}".format(*divmod(hours[0], 60), *divmod(hours[1], 60))


def optional_qty(text: str) -> int | None:
    text = (text or "").strip()
    return parse_qty(text) if text else None


def optional_money(text: str, what: str) -> int | None:
    text = (text or "").strip()
    return parse_money(text, what) if text else None


def optional_count(text: str, what: str, *, minimum: int = 0, maximum: int = 1000) -> int:
    text = (text or "").strip()
    return check_count(text, what, minimum=minimum, maximum=maximum) if text else 0


def qty_field(milli: int | None) -> str:
    return format_qty(milli) if milli else ""


def percent_field(value: Decimal | None) -> str:
    return f"{plain(value):f}" if value is not None else ""


def value_field(d: PromotionData) -> str:
    """The reward's one value as typed: the percentage, or the amount or price in hryvnias."""
    if d.reward in ("percent", "bonus_percent"):
        return percent_field(d.percent)
    amount = d.price if d.reward == "price" else d.amount
    if amount == 0 and d.reward == "price":
        return "0"
    return money_field(amount or 0)


def reward_value(reward: str, text: str) -> dict[str, object]:
    """The reward's value field as the fields of :class:`PromotionData` it fills."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Give the reward's value: {what}.").format(what=value_hint(reward)))
    if reward in ("percent", "bonus_percent"):
        return {"percent": check_percent(text, _("The reward's percentage")), "amount": None,
                "price": None}  # fmt: skip
    if reward == "price":
        return {"price": parse_money(text, _("The fixed price")), "percent": None, "amount": None}
    return {"amount": parse_money(text, _("The reward's amount")), "percent": None, "price": None}


def value_hint(reward: str) -> str:
    if reward in ("percent", "bonus_percent"):
        return _("a percentage, e.g. 50")
    if reward == "price":
        return _("the price of each, e.g. 99.00")
    return _("an amount, e.g. 20.00")


def parse_locations(text: str, known: dict[str, int]) -> tuple[int, ...]:
    """ "MAIN, SHOP2" (location codes) -> their ids; empty: every location."""
    out = []
    lowered = {code.casefold(): i for code, i in known.items()}
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        if part.casefold() not in lowered:
            raise ValidationError(
                _("Locations: there is no location {code!r}; the codes are {known}.").format(
                    code=part[:20], known=", ".join(known) or _("none")
                )
            )
        out.append(lowered[part.casefold()])
    return tuple(sorted(set(out)))


def day_field(day: dt.date | None) -> str:
    return f"{day:%d.%m.%Y}" if day else ""


def read_day(text: str, what: str) -> dt.date | None:
    return parse_day(text, what)


# --- what the builder offers to choose from ------------------------------------------------


@dataclass
class Choices:
    """The builder's look-ups, read once when it opens (in a worker)."""

    card_types: list[tuple[str, str]] = field(default_factory=list)  # (code, name)
    tiers: dict[str, list[int]] = field(default_factory=dict)  # card type code -> thresholds
    groups: list[tuple[int, str]] = field(default_factory=list)  # (id, path)
    makers: list[tuple[int, str]] = field(default_factory=list)  # (id, name)
    locations: dict[str, int] = field(default_factory=dict)  # code -> id
    location_codes: dict[int, str] = field(default_factory=dict)  # id -> code


def read_choices() -> Choices:
    from torgtui.catalog.service import group_choices
    from torgtui.models import CardThreshold, CardType, Location, Manufacturer

    types = list(CardType.select(CardType.id, CardType.code, CardType.name).order_by(CardType.code))
    tiers: dict[str, list[int]] = {t.code: [] for t in types}
    codes = {t.id: t.code for t in types}
    for type_id, amount in (
        CardThreshold.select(CardThreshold.card_type, CardThreshold.from_amount)
        .order_by(CardThreshold.from_amount)
        .tuples()
    ):
        if type_id in codes:
            tiers[codes[type_id]].append(int(amount))
    places = list(Location.select(Location.id, Location.code).order_by(Location.code).tuples())
    return Choices(
        [(t.code, t.name) for t in types],
        tiers,
        group_choices(),
        list(
            Manufacturer.select(Manufacturer.id, Manufacturer.name)
            .order_by(Manufacturer.name)
            .limit(2000)
            .tuples()
        ),
        {code: i for i, code in places},
        {i: code for i, code in places},
    )


@dataclass(frozen=True)
class TargetRow:
    """One line of the builder's goods table."""

    role: str  # one of ROLES
    target: Target
    name: str


def target_rows(d: PromotionData) -> list[TargetRow]:
    """The promotion's goods as the builder's rows (names read: call in a worker)."""
    rows = []
    for group, targets in (("in", d.targets), ("get", d.get_targets)):
        plain_targets = tuple(replace(t, exclude=False) for t in targets)
        for target, name in zip(targets, target_names(plain_targets), strict=True):
            role = group if not target.exclude else ("ex" if group == "in" else "getex")
            rows.append(TargetRow(role, target, name))
    return rows


def split_targets(rows: list[TargetRow]) -> tuple[tuple[Target, ...], tuple[Target, ...]]:
    """(targets, get_targets) of the builder's rows."""
    bought, given = [], []
    for row in rows:
        exclude = row.role in ("ex", "getex")
        t = row.target
        target = Target(t.product_id, t.group_id, t.manufacturer_id, exclude)
        (given if row.role in ("get", "getex") else bought).append(target)
    return tuple(bought), tuple(given)


def describe_reward(d: PromotionData) -> str:
    """The reward alone, in words (for a hint beside the builder's value field)."""
    return reward_words(d)
