"""The rules file's loyalty rules (the format: torgtui.marketing.rules_file):

    [loyalty]                 the loyalty policy (torgtui.marketing.policy)
    [[card_type]]             a card type: discount, one_time, accumulative or bonus
    [[card_type.threshold]]   accumulative: from an amount bought in all (kopecks), a percent
    [[card_type.group_rate]]  bonus: another earning rate for a product group (by path)
    [[accelerator]]           buying a product (SKU) or group (path) lifts or enrols

A card type takes only the keys of its kind (``percent`` is for discount and one-time cards,
``bonus_percent`` and ``bonus_expiry_days`` for bonus cards, thresholds for accumulative
ones), so a value the shop would silently drop is refused instead.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from torgtui.i18n import _
from torgtui.marketing import accelerators, cards, policy
from torgtui.marketing.rules_common import (
    at,
    by,
    code,
    group_id,
    group_paths,
    num,
    one_of,
    percent,
    product_id,
    skus,
    text,
)
from torgtui.marketing.rules_file import (
    BOOL,
    NUMBER,
    TEXT,
    WHOLE,
    Context,
    Key,
    Record,
    RuleError,
    RuleKind,
    register,
)
from torgtui.models import CardType
from torgtui.money import format_money
from torgtui.values import check_count, check_kopecks, check_text

# the keys only some kinds of card take
KIND_KEYS = {
    "discount": ("percent",),
    "one_time": ("percent",),
    "accumulative": ("threshold",),
    "bonus": ("bonus_percent", "bonus_expiry_days", "group_rate"),
}
REQUIRED = {
    "discount": "percent",
    "one_time": "percent",
    "accumulative": "threshold",
    "bonus": "bonus_percent",
}


# --- [loyalty] --------------------------------------------------------------------------------


def _dump_loyalty() -> list[Record]:
    p = policy.load()
    return [
        {
            "change_to_card": p.change_to_card,
            "expiry_notice_days": p.expiry_notice_days,
            "point_value": num(p.point_value),
            "return_when_spent": p.return_when_spent,
        }
    ]


def _load_loyalty(record: Record, ctx: Context) -> Record:
    values: dict[str, Any] = {}
    for key, value in record.items():
        if key == "point_value":
            value = Decimal(value)
        with at(key):
            policy.LoyaltyPolicy(**{key: value}).checked()
        values[key] = value
    p = policy.LoyaltyPolicy(**values).checked()
    return {
        "change_to_card": p.change_to_card,
        "expiry_notice_days": p.expiry_notice_days,
        "point_value": num(p.point_value),
        "return_when_spent": p.return_when_spent,
    }


def _save_loyalty(new: Record, old: Record | None, ctx: Context) -> None:
    policy.save(
        policy.LoyaltyPolicy(**{**new, "point_value": Decimal(new["point_value"])}), **by(ctx)
    )


register(
    RuleKind(
        name="loyalty",
        order=10,
        keys={
            "return_when_spent": Key(TEXT),
            "change_to_card": Key(TEXT),
            "expiry_notice_days": Key(WHOLE),
            "point_value": Key(NUMBER),
        },
        id_keys=(),
        dump=_dump_loyalty,
        load=_load_loyalty,
        save=_save_loyalty,
    )
)


# --- [[card_type]] ------------------------------------------------------------------------------


def _card_record(data: cards.CardTypeData, paths: dict[int, str]) -> Record:
    record: Record = {"code": data.code, "name": data.name, "kind": data.kind}
    if data.kind in ("discount", "one_time"):
        record["percent"] = num(data.percent)
    elif data.kind == "accumulative":
        record["threshold"] = [
            {"from": amount, "percent": num(value)} for amount, value in sorted(data.thresholds)
        ]
    elif data.kind == "bonus":
        record["bonus_percent"] = num(data.bonus_percent)
        if data.bonus_expiry_days is not None:
            record["bonus_expiry_days"] = data.bonus_expiry_days
        rates = sorted((paths[g], num(v)) for g, v in data.group_rates)
        if rates:
            record["group_rate"] = [{"group": p, "bonus_percent": v} for p, v in rates]
    if data.prefix:
        record["prefix"] = data.prefix
    if data.range_from or data.range_to:
        record.update(range_from=data.range_from, range_to=data.range_to)
    record["active"] = data.active
    return record


def _dump_card_types() -> list[Record]:
    paths = group_paths()
    return [_card_record(data, paths) for data in cards.card_types()]


def _thresholds(rows: list[Record]) -> list[tuple[int, Decimal]]:
    """Each threshold checked, then as a ladder: each starts elsewhere and gives more."""
    if len(rows) > cards.MAX_THRESHOLDS:
        raise RuleError(_("At most {n} thresholds.").format(n=cards.MAX_THRESHOLDS), "threshold")
    ladder = []
    for n, row in enumerate(rows):
        with at("from", "threshold", n):
            amount = check_kopecks(row["from"], _("A threshold"))
        value = percent(
            row["percent"], _("A threshold's discount"), "percent", sub="threshold", row=n
        )
        ladder.append((amount, Decimal(value), n))
    ladder.sort()
    for (a1, p1, _n1), (a2, p2, n2) in itertools.pairwise(ladder):
        if a1 == a2:
            raise RuleError(
                _("Two thresholds start at {amount}: each must start elsewhere.").format(
                    amount=format_money(a2)
                ),
                "from",
                "threshold",
                n2,
            )
        if p2 <= p1:
            raise RuleError(
                _(
                    "Thresholds overlap: from {a2} the discount ({p2}%) must be more than "
                    "from {a1} ({p1}%)."
                ).format(a1=format_money(a1), p1=p1, a2=format_money(a2), p2=p2),
                "percent",
                "threshold",
                n2,
            )
    return [(a, p) for a, p, _n in ladder]


def _group_rates(rows: list[Record], ctx: Context) -> list[tuple[int, Decimal]]:
    rates: dict[int, Decimal] = {}
    for n, row in enumerate(rows):
        with at("group", "group_rate", n):
            path = check_text(row["group"], _("The group"), max_len=500, required=True)
        group = group_id(ctx, path, "group", sub="group_rate", row=n)
        if group in rates:
            raise RuleError(
                _("Group {path} has two rates: give it one.").format(path=path),
                "group",
                "group_rate",
                n,
            )
        rates[group] = Decimal(
            percent(
                row["bonus_percent"],
                _("A group's bonus rate"),
                "bonus_percent",
                allow_zero=True,
                sub="group_rate",
                row=n,
            )
        )
    return sorted(rates.items())


def _card_data(record: Record, ctx: Context) -> cards.CardTypeData:
    kind = record["kind"]
    if kind not in cards.KINDS:
        raise RuleError(
            _("A card type is one of {kinds}, not {kind!r}.").format(
                kinds=", ".join(cards.KINDS), kind=kind[:30]
            ),
            "kind",
        )
    for name in ("percent", "bonus_percent", "bonus_expiry_days", "threshold", "group_rate"):
        if name in record and name not in KIND_KEYS[kind]:
            rows = name in ("threshold", "group_rate")
            raise RuleError(
                _("{key} is not for a card of kind {kind}: remove it.").format(key=name, kind=kind),
                None if rows else name,
                name if rows else None,
                0 if rows else None,
            )
    if REQUIRED[kind] not in record:
        raise RuleError(
            _("A card of kind {kind} needs {key}.").format(kind=kind, key=REQUIRED[kind]), "kind"
        )
    data = cards.CardTypeData(
        code(record, "code", _("The card type's id")),
        text(record, "name", _("The card type's name")),
        kind,
    )
    if "percent" in record:
        data.percent = Decimal(percent(record["percent"], _("The card's discount"), "percent"))
    if kind == "accumulative":
        data.thresholds = _thresholds(record["threshold"])
    if kind == "bonus":
        data.bonus_percent = Decimal(
            percent(record["bonus_percent"], _("The bonus rate"), "bonus_percent")
        )
        if "bonus_expiry_days" in record:
            with at("bonus_expiry_days"):
                data.bonus_expiry_days = check_count(
                    record["bonus_expiry_days"],
                    _("Days bonuses last"),
                    minimum=1,
                    maximum=3650,
                    text=False,
                )
        data.group_rates = _group_rates(record.get("group_rate", []), ctx)
    with at("prefix"):
        data.prefix = check_text(
            record.get("prefix", ""), _("The card numbers' prefix"), max_len=12
        )
        if data.prefix and not (data.prefix.isascii() and data.prefix.isdigit()):
            raise RuleError(_("A card number prefix is digits, like 29."), "prefix")
    for key in ("range_from", "range_to"):
        with at(key):
            value = check_count(
                record.get(key, 0), _("A card number range"), maximum=10**12, text=False
            )
        setattr(data, key, value)
    data.active = record.get("active", True)
    with at("range_to" if "range_to" in record else None):
        return cards.clean_card_type(data)


def _load_card_type(record: Record, ctx: Context) -> Record:
    data = _card_data(record, ctx)
    groups = ctx.cache.get("groups") or {}
    return _card_record(data, {v: k for k, v in groups.items()})


def _save_card_type(new: Record, old: Record | None, ctx: Context) -> None:
    cards.save_card_type(_card_data(new, ctx), **by(ctx))


def _retire_card_type(old: Record, ctx: Context) -> bool:
    """Customers hold card types: one the file no longer has is stopped, not deleted."""
    if not old["active"]:
        return False
    data = _card_data({**old, "active": False}, ctx)
    cards.save_card_type(data, **by(ctx))
    return True


register(
    RuleKind(
        name="card_type",
        order=80,
        keys={
            "code": Key(TEXT, required=True),
            "name": Key(TEXT, required=True),
            "kind": Key(TEXT, required=True),
            "percent": Key(NUMBER),
            "bonus_percent": Key(NUMBER),
            "bonus_expiry_days": Key(WHOLE),
            "prefix": Key(TEXT),
            "range_from": Key(WHOLE),
            "range_to": Key(WHOLE),
            "active": Key(BOOL),
            "threshold": Key(
                "rows",
                of={"from": Key(WHOLE, required=True), "percent": Key(NUMBER, required=True)},
            ),
            "group_rate": Key(
                "rows",
                of={"group": Key(TEXT, required=True), "bonus_percent": Key(NUMBER, required=True)},
            ),
        },
        id_keys=("code",),
        dump=_dump_card_types,
        load=_load_card_type,
        save=_save_card_type,
        retire=_retire_card_type,
    )
)


# --- [[accelerator]] ----------------------------------------------------------------------------


def _accelerator_record(
    data: accelerators.AcceleratorData, names: dict[int, str], paths: dict[int, str]
) -> Record:
    record: Record = {"code": data.code, "action": data.action, "card_type": data.card_type}
    if data.product is not None:
        record["product"] = names[data.product]
    else:
        record["group"] = paths[data.group]  # type: ignore[index]
    if data.action == "tier":
        record["threshold"] = data.threshold
    record["active"] = data.active
    return record


def _dump_accelerators() -> list[Record]:
    names, paths = skus(), group_paths()
    return [_accelerator_record(a, names, paths) for a in accelerators.accelerators()]


def _accelerator_data(record: Record, ctx: Context) -> accelerators.AcceleratorData:
    if record["action"] not in accelerators.ACTIONS:
        raise RuleError(
            _(
                "An accelerator either lifts to a threshold (tier) or enrols (enrol), not {a!r}."
            ).format(a=record["action"][:20]),
            "action",
        )
    type_code = code(record, "card_type", _("The card type"))
    if CardType.get_or_none(CardType.code == type_code) is None:
        raise RuleError(
            _("There is no card type {code!r}: add it as a [[card_type]].").format(code=type_code),
            "card_type",
        )
    product = group = None
    if one_of(record, "product", "group") == "product":
        product = product_id(ctx, code(record, "product", _("The product's SKU")), "product")
    else:
        group = group_id(ctx, text(record, "group", _("The group"), max_len=500), "group")
    if record["action"] == "tier" and "threshold" not in record:
        raise RuleError(_("An accelerator that lifts to a threshold names it: add threshold."))
    data = accelerators.AcceleratorData(
        code(record, "code", _("The accelerator's id")),
        record["action"],
        type_code,
        product,
        group,
        record.get("threshold", 0),
        record.get("active", True),
    )
    with at("threshold" if "threshold" in record else None):
        return accelerators.clean_accelerator(data)[0]


def _load_accelerator(record: Record, ctx: Context) -> Record:
    data = _accelerator_data(record, ctx)
    names = {v: k for k, v in (ctx.cache.get("sku") or {}).items()}
    groups = {v: k for k, v in (ctx.cache.get("groups") or {}).items()}
    return _accelerator_record(data, names, groups)


def _save_accelerator(new: Record, old: Record | None, ctx: Context) -> None:
    accelerators.save_accelerator(_accelerator_data(new, ctx), **by(ctx))


def _retire_accelerator(old: Record, ctx: Context) -> bool:
    """An accelerator is kept for the history: one the file no longer has is stopped."""
    if not old["active"]:
        return False
    accelerators.deactivate_accelerator(old["code"], by=ctx.employee, clock=ctx.clock)
    return True


register(
    RuleKind(
        name="accelerator",
        order=90,
        keys={
            "code": Key(TEXT, required=True),
            "action": Key(TEXT, required=True),
            "card_type": Key(TEXT, required=True),
            "product": Key(TEXT),
            "group": Key(TEXT),
            "threshold": Key(WHOLE),
            "active": Key(BOOL),
        },
        id_keys=("code",),
        dump=_dump_accelerators,
        load=_load_accelerator,
        save=_save_accelerator,
        retire=_retire_accelerator,
    )
)
