"""The rules file's price policy (the format: torgtui.marketing.rules_file):

    [prices]                  the trade type priority (torgtui.marketing.pricerules)
    [[price_type]]            a price type with its prices by SKU ([price_type.prices])
    [[location]]              a location's price type
    [[qty_break]]             a quantity break, for a product (SKU) or a group (path)
    [[manufacturer_discount]] a customer's (card number) discount on a manufacturer (name)
    [[price_list]]            a price list for partners

Each kind turns a file record into its canonical form (``load``: values checked with the
words of torgtui.values, names resolved), the same form its ``dump`` gives, and saves a
changed rule through its service with the importing employee's permission.
"""

from __future__ import annotations

from decimal import Decimal

from torgtui.i18n import _
from torgtui.marketing import pricelists, pricerules
from torgtui.marketing.rules_common import (
    at,
    by,
    code,
    group_id,
    group_paths,
    location_id,
    lookup,
    num,
    one_of,
    percent,
    price_type_code,
    product_id,
    product_ids,
    skus,
    text,
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
from torgtui.models import Customer, Location, Manufacturer
from torgtui.models.prices import RETAIL, ManufacturerDiscount, PriceType
from torgtui.values import check_kopecks

# --- [prices] -----------------------------------------------------------------------------------


def _load_prices(record: Record, ctx: Context) -> Record:
    value = record["priority"]
    if value not in pricerules.PRIORITIES:
        raise RuleError(
            _("The trade type priority is customer or location, not {value!r}.").format(
                value=value[:40]
            ),
            "priority",
        )
    return {"priority": value}


def _save_prices(new: Record, old: Record | None, ctx: Context) -> None:
    pricerules.set_priority(new["priority"], **by(ctx))


register(
    RuleKind(
        name="prices",
        order=20,
        keys={"priority": Key(TEXT, required=True)},
        id_keys=(),
        dump=lambda: [{"priority": pricerules.priority()}],
        load=_load_prices,
        save=_save_prices,
    )
)


# --- [[price_type]] -------------------------------------------------------------------------------


def _dump_price_types() -> list[Record]:
    names = skus()
    out = []
    for t in pricerules.list_price_types():
        record: Record = {"code": t.code, "name": t.name}
        prices = {names[pid]: price for pid, price in pricerules.type_prices(t.code).items()}
        if prices:
            record["prices"] = dict(sorted(prices.items()))
        out.append(record)
    return out


def _load_price_type(record: Record, ctx: Context) -> Record:
    value = code(record, "code", _("The price type's code"))
    if value == RETAIL:
        raise RuleError(
            _("Retail is the catalog's price, always there: choose another code."), "code"
        )
    out: Record = {"code": value, "name": text(record, "name", _("The price type's name"))}
    prices = record.get("prices") or {}
    if len(prices) > pricerules.MAX_PRICES_AT_ONCE:
        raise RuleError(
            _("At most {n} prices in one price type.").format(n=pricerules.MAX_PRICES_AT_ONCE),
            sub="prices",
        )
    for sku, price in prices.items():
        with at(None, sub="prices", row=sku):
            check_kopecks(price, _("The price of {sku}").format(sku=sku[:40]))
    if prices:
        product_ids(ctx, list(prices), "prices")
        out["prices"] = dict(sorted(prices.items()))
    return out


def _save_price_type(new: Record, old: Record | None, ctx: Context) -> None:
    if old is None or old["name"] != new["name"]:
        pricerules.save_price_type(pricerules.PriceTypeData(new["code"], new["name"]), **by(ctx))
    before, after = (old or {}).get("prices", {}), new.get("prices", {})
    changed: dict[str, int | None] = {s: p for s, p in after.items() if before.get(s) != p}
    changed.update({s: None for s in before if s not in after})
    if changed:
        ids = product_ids(ctx, list(changed), "prices")
        pricerules.set_type_prices(new["code"], {ids[s]: p for s, p in changed.items()}, **by(ctx))


def _retire_price_type(old: Record, ctx: Context) -> bool:
    pricerules.delete_price_type(old["code"], **by(ctx))
    return True


register(
    RuleKind(
        name="price_type",
        order=30,
        keys={
            "code": Key(TEXT, required=True),
            "name": Key(TEXT, required=True),
            "prices": Key("table", of=WHOLE),
        },
        id_keys=("code",),
        dump=_dump_price_types,
        load=_load_price_type,
        save=_save_price_type,
        retire=_retire_price_type,
    )
)


# --- [[location]] ---------------------------------------------------------------------------------


def _dump_locations() -> list[Record]:
    types = dict(PriceType.select(PriceType.id, PriceType.code).tuples())
    out = []
    for loc in Location.select().order_by(Location.code):
        record: Record = {"code": loc.code}
        if loc.price_type_id is not None:
            record["price_type"] = types[loc.price_type_id]
        out.append(record)
    return out


def _load_location(record: Record, ctx: Context) -> Record:
    value = code(record, "code", _("The location code"), max_len=20)
    location_id(value, "code")
    out: Record = {"code": value}
    type_code = price_type_code(record)
    if type_code is not None:
        out["price_type"] = type_code
    return out


def _save_location(new: Record, old: Record | None, ctx: Context) -> None:
    pricerules.set_location_price_type(
        location_id(new["code"], "code"), new.get("price_type"), **by(ctx)
    )


def _retire_location(old: Record, ctx: Context) -> bool:
    if "price_type" not in old:
        return False
    pricerules.set_location_price_type(location_id(old["code"], "code"), None, **by(ctx))
    return True


register(
    RuleKind(
        name="location",
        order=40,
        keys={"code": Key(TEXT, required=True), "price_type": Key(TEXT)},
        id_keys=("code",),
        dump=_dump_locations,
        load=_load_location,
        save=_save_location,
        retire=_retire_location,
    )
)


# --- [[qty_break]] ----------------------------------------------------------------------------


def _break_record(data: pricerules.QtyBreakData, names: dict[int, str], paths: dict[int, str]):
    record: Record = {"code": data.code}
    if data.product_id is not None:
        record["product"] = names[data.product_id]
    else:
        record["group"] = paths[data.group_id]  # type: ignore[index]
    if data.price_type is not None:
        record["price_type"] = data.price_type
    record["min_qty"] = units(data.min_qty)
    if data.price is not None:
        record["price"] = data.price
    else:
        record["percent"] = num(data.percent)  # type: ignore[arg-type]
    record["active"] = data.active
    return record


def _dump_breaks() -> list[Record]:
    names, paths = skus(), group_paths()
    return [_break_record(b, names, paths) for b in pricerules.list_qty_breaks()]


def _break_data(record: Record, ctx: Context) -> pricerules.QtyBreakData:
    value = code(record, "code", _("The break's code"))
    target = one_of(record, "product", "group")
    product = group = None
    if target == "product":
        product = product_id(ctx, code(record, "product", _("The product's SKU")), "product")
    else:
        group = group_id(ctx, text(record, "group", _("The group"), max_len=500), "group")
    type_code = price_type_code(record)
    min_qty = to_milli(record["min_qty"], "min_qty")
    kind = one_of(record, "price", "percent")
    price = off = None
    if kind == "price":
        with at("price"):
            price = check_kopecks(record["price"], _("The break's price"), minimum=1)
    else:
        off = Decimal(percent(record["percent"], _("The break's discount"), "percent"))
    data = pricerules.QtyBreakData(
        value, min_qty, product, group, type_code, price, off, record.get("active", True)
    )
    return pricerules.clean_qty_break(data)[0]


def _load_break(record: Record, ctx: Context) -> Record:
    data = _break_data(record, ctx)
    names = {v: k for k, v in lookup(ctx, "sku", lambda: {}).items()}
    groups = lookup(ctx, "groups", lambda: {p: i for i, p in group_paths().items()})
    return _break_record(data, names, {v: k for k, v in groups.items()})


def _save_break(new: Record, old: Record | None, ctx: Context) -> None:
    pricerules.save_qty_break(_break_data(new, ctx), **by(ctx))


def _retire_break(old: Record, ctx: Context) -> bool:
    pricerules.delete_qty_break(old["code"], **by(ctx))
    return True


register(
    RuleKind(
        name="qty_break",
        order=50,
        keys={
            "code": Key(TEXT, required=True),
            "product": Key(TEXT),
            "group": Key(TEXT),
            "price_type": Key(TEXT),
            "min_qty": Key(NUMBER, required=True),
            "price": Key(WHOLE),
            "percent": Key(NUMBER),
            "active": Key(BOOL),
        },
        id_keys=("code",),
        dump=_dump_breaks,
        load=_load_break,
        save=_save_break,
        retire=_retire_break,
    )
)


# --- [[manufacturer_discount]] ----------------------------------------------------------------


def _dump_discounts() -> list[Record]:
    cards = dict(
        Customer.select(Customer.id, Customer.card)
        .where(Customer.id.in_(ManufacturerDiscount.select(ManufacturerDiscount.customer)))
        .tuples()
    )
    makers = dict(Manufacturer.select(Manufacturer.id, Manufacturer.name).tuples())
    out = [
        {
            "card": cards[d.customer_id],
            "manufacturer": makers[d.manufacturer_id],
            "percent": num(d.percent),
        }
        for d in pricerules.list_manufacturer_discounts()
        if cards.get(d.customer_id)  # a customer without a card number cannot be named here
    ]
    return sorted(out, key=lambda r: (r["card"], r["manufacturer"]))


def _customer(card: str) -> int:
    row = Customer.get_or_none((Customer.card == card) & (Customer.status == "active"))
    if row is None:
        raise RuleError(
            _("No active customer has the card {card!r}.").format(card=card[:40]), "card"
        )
    return row.id  # type: ignore[no-any-return]


def _manufacturer(name: str) -> int:
    row = Manufacturer.get_or_none(Manufacturer.name == name)
    if row is None:
        raise RuleError(
            _("There is no manufacturer {name!r}.").format(name=name[:60]), "manufacturer"
        )
    return row.id  # type: ignore[no-any-return]


def _load_discount(record: Record, ctx: Context) -> Record:
    card = code(record, "card", _("The customer's card"))
    maker = text(record, "manufacturer", _("The manufacturer"))
    return {
        "card": card,
        "manufacturer": maker,
        "percent": percent(record["percent"], _("The manufacturer discount"), "percent"),
    }


def _save_discount(new: Record, old: Record | None, ctx: Context) -> None:
    customer, maker = _customer(new["card"]), _manufacturer(new["manufacturer"])
    pricerules.set_manufacturer_discount(customer, maker, Decimal(new["percent"]), **by(ctx))


def _retire_discount(old: Record, ctx: Context) -> bool:
    found = (
        ManufacturerDiscount.select()
        .join(Customer, on=ManufacturerDiscount.customer == Customer.id)
        .switch(ManufacturerDiscount)
        .join(Manufacturer)
        .where((Customer.card == old["card"]) & (Manufacturer.name == old["manufacturer"]))
        .first()
    )
    if found is None:
        return False
    pricerules.delete_manufacturer_discount(found.id, **by(ctx))
    return True


register(
    RuleKind(
        name="manufacturer_discount",
        order=60,
        keys={
            "card": Key(TEXT, required=True),
            "manufacturer": Key(TEXT, required=True),
            "percent": Key(NUMBER, required=True),
        },
        id_keys=("card", "manufacturer"),
        dump=_dump_discounts,
        load=_load_discount,
        save=_save_discount,
        retire=_retire_discount,
    )
)


# --- [[price_list]] -----------------------------------------------------------------------------


def _list_record(data: pricelists.PriceListData, locations: dict[int, str]) -> Record:
    record: Record = {"code": data.code, "name": data.name}
    if data.price_type is not None:
        record["price_type"] = data.price_type
    if data.location_id is not None:
        record["location"] = locations[data.location_id]
    record.update(currency=data.currency, rate=num(data.rate), rounding=num(data.rounding))
    return record


def _dump_lists() -> list[Record]:
    locations = dict(Location.select(Location.id, Location.code).tuples())
    return [_list_record(p, locations) for p in pricelists.list_price_lists()]


def _list_data(record: Record) -> pricelists.PriceListData:
    where = None
    if "location" in record:
        where = location_id(code(record, "location", _("The location code"), 20), "location")
    with at("currency"):
        currency = pricelists.check_currency(record.get("currency", pricelists.HRYVNIA))
    with at("rate"):
        rate = pricelists.check_rate(record.get("rate", Decimal(1)))
    with at("rounding"):
        rounding = pricelists.check_rounding(record.get("rounding", pricelists.CENTS))
    data = pricelists.PriceListData(
        code(record, "code", _("The price list's code")),
        text(record, "name", _("The price list's name")),
        price_type_code(record),
        where,
        currency,
        rate,
        rounding,
    )
    with at("rate" if "rate" in record else None):
        return pricelists.clean_price_list(data)[0]


def _load_list(record: Record, ctx: Context) -> Record:
    data = _list_data(record)
    locations = {data.location_id: record["location"]} if data.location_id else {}
    return _list_record(data, locations)


def _save_list(new: Record, old: Record | None, ctx: Context) -> None:
    pricelists.save_price_list(_list_data(new), **by(ctx))


def _retire_list(old: Record, ctx: Context) -> bool:
    pricelists.delete_price_list(old["code"], **by(ctx))
    return True


register(
    RuleKind(
        name="price_list",
        order=70,
        keys={
            "code": Key(TEXT, required=True),
            "name": Key(TEXT, required=True),
            "price_type": Key(TEXT),
            "location": Key(TEXT),
            "currency": Key(TEXT),
            "rate": Key(NUMBER),
            "rounding": Key(NUMBER),
        },
        id_keys=("code",),
        dump=_dump_lists,
        load=_load_list,
        save=_save_list,
        retire=_retire_list,
    )
)
