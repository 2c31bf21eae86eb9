"""The rules file's promotions (the format: torgtui.marketing.rules_file):

    [[promotion]]               one promotion, by its id (``code``)
    [[promotion.target]]        its goods: product (SKU), group (path, subgroups too),
                                manufacturer (name) or all = true; exclude = true takes it out
    [[promotion.get_target]]    buy X get Y: what is given, when other goods than those bought

The other keys are the fields of torgtui.marketing.promotions.model.PromotionData, written as
a person would: dates ``from``/``to`` as "2026-11-01", ``weekdays`` "mon,tue,wed,thu,fri" (or
"mon-fri"), ``hours`` "10:00-12:00", ``locations`` "MAIN,SHOP2" (codes), quantities in units
(``min_qty = 3``), money in kopecks (``min_total = 100000``), percentages as numbers
(``percent = 7.5``). A key left out has its default; the export writes only what differs from
it. A fixed price above a regular one is saved only with ``above_regular = true`` (the
confirmation the builder asks for).
"""

from __future__ import annotations

import re
from decimal import Decimal

from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.promotions import service
from torgtui.marketing.promotions.model import (
    DEFAULTS,
    WEEKDAYS,
    PromotionData,
    Target,
    clean_promotion,
    clock_text,
)
from torgtui.marketing.rules_common import (
    at,
    by,
    group_id,
    group_paths,
    location_id,
    lookup,
    num,
    product_id,
    skus,
    to_milli,
    units,
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
from torgtui.models import Location, Manufacturer
from torgtui.values import check_date

TARGET_KEYS = {
    "product": Key(TEXT),
    "group": Key(TEXT),
    "manufacturer": Key(TEXT),
    "all": Key(BOOL),
    "exclude": Key(BOOL),
}
# simple keys: (field, TOML type); written when they differ from the default
PLAIN = {
    "customers": ("customers", TEXT),
    "card_type": ("card_type", TEXT),
    "tier_from": ("tier_from", WHOLE),
    "partner": ("partner", TEXT),
    "min_total": ("min_total", WHOLE),
    "max_total": ("max_total", WHOLE),
    "total_of": ("total_of", TEXT),
    "total_basis": ("total_basis", TEXT),
    "birthday": ("birthday", TEXT),
    "birthday_before": ("birthday_before", WHOLE),
    "birthday_after": ("birthday_after", WHOLE),
    "nth_receipt": ("nth_receipt", WHOLE),
    "nth_period": ("nth_period", TEXT),
    "n": ("n", WHOLE),
    "of": ("of", TEXT),
    "buy": ("buy", WHOLE),
    "get": ("get", WHOLE),
    "max_times": ("max_times", WHOLE),
    "amount": ("amount", WHOLE),
    "price": ("price", WHOLE),
    "on": ("on", TEXT),
    "cap": ("cap", WHOLE),
    "stacking": ("stacking", TEXT),
    "best_of": ("best_of", TEXT),
    "priority": ("priority", WHOLE),
    "with_card": ("with_card", TEXT),
    "requires_code": ("requires_code", BOOL),
    "festive": ("festive", BOOL),
    "above_regular": ("above_regular", BOOL),
}


# --- the record a promotion is in the file --------------------------------------------------


def _names(kind: str) -> dict[int, str]:
    if kind == "product":
        return skus()
    if kind == "group":
        return group_paths()
    return dict(Manufacturer.select(Manufacturer.id, Manufacturer.name).tuples())


def _target_rows(targets: tuple[Target, ...], names: dict[str, dict[int, str]]) -> list[Record]:
    rows = []
    for t in targets:
        if t.is_all:
            row: Record = {"all": True}
        elif t.product_id is not None:
            row = {"product": names["product"][t.product_id]}
        elif t.group_id is not None:
            row = {"group": names["group"][t.group_id]}
        else:
            row = {"manufacturer": names["manufacturer"][t.manufacturer_id]}  # type: ignore[index]
        if t.exclude:
            row["exclude"] = True
        rows.append(row)
    return sorted(rows, key=_row_key)


def _row_key(row: Record) -> tuple[bool, int, str]:
    kind = next(iter(row))
    return (bool(row.get("exclude")), list(TARGET_KEYS).index(kind), str(row[kind]))


def weekdays_text(days: tuple[int, ...]) -> str:
    return ",".join(WEEKDAYS[d] for d in days)


def record_of(d: PromotionData, names: dict[str, dict[int, str]], places: dict[int, str]):
    """The canonical record of a cleaned promotion."""
    record: Record = {"code": d.code, "name": d.name, "active": d.active}
    if d.starts_on:
        record["from"] = d.starts_on.isoformat()
    if d.ends_on:
        record["to"] = d.ends_on.isoformat()
    if d.weekdays:
        record["weekdays"] = weekdays_text(d.weekdays)
    if d.hours:
        record["hours"] = f"{clock_text(d.hours[0])}-{clock_text(d.hours[1])}"
    if d.locations:
        record["locations"] = ",".join(sorted(places[i] for i in d.locations))
    record["mechanic"] = d.mechanic
    record["reward"] = d.reward
    if d.percent is not None:
        record["percent"] = num(d.percent)
    for key in ("min_qty", "max_qty"):
        if getattr(d, key) is not None:
            record[key] = units(getattr(d, key))
    for key, (attr, _type) in PLAIN.items():
        value = getattr(d, attr)
        if value != getattr(DEFAULTS, attr):
            record[key] = value
    record["target"] = _target_rows(d.targets, names)
    if d.get_targets:
        record["get_target"] = _target_rows(d.get_targets, names)
    return record


def _dump() -> list[Record]:
    names = {kind: _names(kind) for kind in ("product", "group", "manufacturer")}
    places = dict(Location.select(Location.id, Location.code).tuples())
    return [record_of(d, names, places) for d in service.all_promotions()]


# --- reading a record -------------------------------------------------------------------------


def _weekdays(text: str) -> tuple[int, ...]:
    days: set[int] = set()
    for part in (p.strip().lower() for p in text.split(",")):
        ends = [e.strip() for e in part.split("-")]
        if not part or len(ends) > 2 or any(e not in WEEKDAYS for e in ends):
            raise RuleError(
                _(
                    "weekdays are like mon,tue or mon-fri (mon tue wed thu fri sat sun), not {v!r}."
                ).format(v=text[:40]),
                "weekdays",
            )
        first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        if last < first:
            raise RuleError(
                _("{part}: a range of days goes forward.").format(part=part), "weekdays"
            )
        days.update(range(first, last + 1))
    return tuple(sorted(days))


def _hours(text: str) -> tuple[int, int]:
    found = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
    if not found:
        raise RuleError(_("hours are like 10:00-12:00, not {v!r}.").format(v=text[:40]), "hours")
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2) or (h1 == 24 and m1):
        raise RuleError(_("hours are from 00:00 to 24:00, not {v!r}.").format(v=text), "hours")
    return (h1 * 60 + m1, h2 * 60 + m2)


def _target(row: Record, ctx: Context, sub: str, n: int) -> Target:
    given = [k for k in ("product", "group", "manufacturer", "all") if k in row]
    if len(given) != 1:
        raise RuleError(
            _("each {sub} names one of product, group, manufacturer or all = true.").format(
                sub=sub
            ),
            None,
            sub,
            n,
        )
    exclude = bool(row.get("exclude", False))
    kind = given[0]
    if kind == "all":
        if row["all"] is not True:
            raise RuleError(_("all is true here (leave the row out otherwise)."), "all", sub, n)
        return Target(exclude=exclude)
    value = row[kind]
    if kind == "product":
        return Target(product_id=product_id(ctx, value, kind, sub=sub, row=n), exclude=exclude)
    if kind == "group":
        return Target(group_id=group_id(ctx, value, kind, sub=sub, row=n), exclude=exclude)
    makers = lookup(ctx, "makers", lambda: {v: k for k, v in _names("manufacturer").items()})
    if value not in makers:
        raise RuleError(
            _("There is no manufacturer {name!r}.").format(name=value[:60]), kind, sub, n
        )
    return Target(manufacturer_id=makers[value], exclude=exclude)


def data_of(record: Record, ctx: Context) -> PromotionData:
    """A file record as promotion data, checked (RuleError at its key)."""
    data = PromotionData(record["code"], record["name"], active=record.get("active", True))
    for key, attr in (("from", "starts_on"), ("to", "ends_on")):
        if key in record:
            with at(key):
                setattr(data, attr, check_date(record[key], key))
    if "weekdays" in record:
        data.weekdays = _weekdays(record["weekdays"])
    if "hours" in record:
        data.hours = _hours(record["hours"])
    if "locations" in record:
        codes = [c.strip() for c in record["locations"].split(",") if c.strip()]
        data.locations = tuple(location_id(c, "locations") for c in codes)
    data.mechanic, data.reward = record["mechanic"], record["reward"]
    if "percent" in record:
        data.percent = Decimal(record["percent"])
    for key in ("min_qty", "max_qty"):
        if key in record:
            setattr(data, key, to_milli(record[key], key))
    for key, (attr, _type) in PLAIN.items():
        if key in record:
            setattr(data, attr, record[key])
    data.targets = tuple(
        _target(row, ctx, "target", n) for n, row in enumerate(record.get("target", []))
    )
    data.get_targets = tuple(
        _target(row, ctx, "get_target", n) for n, row in enumerate(record.get("get_target", []))
    )
    key = _likely_key(record)
    with at(key):
        try:
            return clean_promotion(data)
        except RuleError:
            raise
        except ValidationError as exc:
            raise RuleError(exc.message, key) from None


def _likely_key(record: Record) -> str | None:
    """Where a refusal of the whole promotion most likely points (for the line number)."""
    for key in ("percent", "amount", "price"):
        if key in record:
            return key
    return None


def _load(record: Record, ctx: Context) -> Record:
    data = data_of(record, ctx)
    names = {
        "product": {v: k for k, v in lookup(ctx, "sku", lambda: {}).items()},
        "group": {v: k for k, v in lookup(ctx, "groups", lambda: {}).items()},
        "manufacturer": {v: k for k, v in lookup(ctx, "makers", lambda: {}).items()},
    }
    places = {location_id(c.strip(), "locations"): c.strip() for c in _codes(record)}
    return record_of(data, names, places)


def _codes(record: Record) -> list[str]:
    return [c for c in record.get("locations", "").split(",") if c.strip()]


def _save(new: Record, old: Record | None, ctx: Context) -> None:
    data = data_of(new, ctx)
    with at(None):
        service.save_promotion(data, confirm_above_regular=data.above_regular, **by(ctx))


def _retire(old: Record, ctx: Context) -> bool:
    """Receipts name their promotions: one the file no longer has is stopped, not deleted."""
    return service.deactivate_promotion(old["code"], **by(ctx))


def _keys() -> dict[str, Key]:
    keys = {
        "code": Key(TEXT, required=True),
        "name": Key(TEXT, required=True),
        "active": Key(BOOL),
        "from": Key(TEXT),
        "to": Key(TEXT),
        "weekdays": Key(TEXT),
        "hours": Key(TEXT),
        "locations": Key(TEXT),
        "mechanic": Key(TEXT, required=True),
        "reward": Key(TEXT, required=True),
        "percent": Key(NUMBER),
        "min_qty": Key(NUMBER),
        "max_qty": Key(NUMBER),
    }
    keys.update({key: Key(kind) for key, (_attr, kind) in PLAIN.items()})
    keys["target"] = Key("rows", required=True, of=TARGET_KEYS)
    keys["get_target"] = Key("rows", of=TARGET_KEYS)
    return keys


register(
    RuleKind(
        name="promotion",
        order=200,  # after the card types, locations and goods it names
        keys=_keys(),
        id_keys=("code",),
        dump=_dump,
        load=_load,
        save=_save,
        retire=_retire,
    )
)
