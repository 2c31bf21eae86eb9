"""What a promotion gives, in words: the reason of its price adjustments (the receipt and
"why this price" show "<name>: <what it gave>"), and the one-line summary the Promotions area
lists. One place, so the register and the back office say the same thing."""

from __future__ import annotations

from torgtui.i18n import _
from torgtui.marketing.promotions.model import WEEKDAYS, PromotionData, clock_text
from torgtui.money import format_money


def reward_words(d: PromotionData) -> str:
    """ "free", "at −50%", "20.00 ₴ off", "at 99.00 ₴", "10% in bonuses"."""
    if d.reward == "percent":
        if d.percent == 100:
            return _("free")
        return _("at −{percent}%").format(percent=d.percent)
    if d.reward == "amount":
        return _("{amount} off").format(amount=format_money(d.amount or 0))
    if d.reward == "price":
        return _("at {price}").format(price=format_money(d.price or 0))
    if d.reward == "bonus_percent":
        return _("{percent}% in bonuses").format(percent=d.percent)
    return _("{amount} in bonuses").format(amount=format_money(d.amount or 0))


def what_it_gives(d: PromotionData) -> str:
    """The mechanic and the reward: "every 3 items: one free", "the cheapest item free"."""
    reward = reward_words(d)
    if d.mechanic == "nth":
        if d.max_times == 1:
            text = _("{n} items: one {reward}").format(n=d.n, reward=reward)
        else:
            text = _("every {n} items: one {reward}").format(n=d.n, reward=reward)
        if d.of == "product":
            text = _("{text} (of the same product)").format(text=text)
        return text
    if d.mechanic == "cheapest":
        return _("the cheapest item {reward}").format(reward=reward)
    if d.mechanic == "buy_get":
        return _("buy {buy}, get {get} {reward}").format(buy=d.buy, get=d.get, reward=reward)
    if d.reward == "percent":
        return _("−{percent}%").format(percent=d.percent)
    if d.reward == "amount":
        if d.on == "receipt":
            return _("{amount} off the total").format(amount=format_money(d.amount or 0))
        return _("{amount} off each").format(amount=format_money(d.amount or 0))
    if d.reward == "price":
        return _("{price} each").format(price=format_money(d.price or 0))
    return reward


def reason(d: PromotionData, note: str = "") -> str:
    """The adjustment's reason: "<name>: <what it gave>[ (<why this receipt>)]"."""
    text = _("{name}: {what}").format(name=d.name, what=what_it_gives(d))
    if note:
        text = _("{text} ({note})").format(text=text, note=note)
    return text[:200]


def when_words(d: PromotionData) -> str:
    """ "2026-11-01 – 2026-11-30, mon–fri 10:00–12:00" (empty: always)."""
    parts = []
    if d.starts_on or d.ends_on:
        parts.append("{start} – {end}".format(start=d.starts_on or "…", end=d.ends_on or "…"))
    if d.weekdays:
        parts.append(",".join(WEEKDAYS[day] for day in d.weekdays))
    if d.hours:
        parts.append(f"{clock_text(d.hours[0])}–{clock_text(d.hours[1])}")
    return ", ".join(parts)


def birthday_note(name: str, relation: str = "") -> str:
    if relation:
        return _("birthday of {name}, {relation}").format(name=name, relation=relation)
    return _("birthday of {name}").format(name=name)


def nth_note(count: int, period: str, may_be: bool) -> str:
    if may_be:
        if period == "day":
            return _("this may be receipt No. {n} today").format(n=count)
        return _("this may be receipt No. {n}").format(n=count)
    if period == "day":
        return _("receipt No. {n} today").format(n=count)
    return _("receipt No. {n}").format(n=count)
