"""Changing the price policy: price types and their prices, the type of a location and of a
customer's card, the trade type priority, quantity breaks and a customer's discounts per
manufacturer (how pricing uses them: torgtui.marketing.prices).

Every service checks the permission to edit prices (``system=True`` for the rules file's
import run by whoever holds the database), validates every argument before it writes,
refuses bad input with a ValidationError and nothing written, audits what it changed, and
bumps the rules version in the same transaction (first, so that concurrent changes of rules
queue behind it) where pricing caches the rule. The ``list_*`` functions give back what the
``save``/``set`` functions take, for the rules file's export.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from peewee import EXCLUDED

from torgtui.clock import Clock, system_clock
from torgtui.db import database, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import rulecache
from torgtui.marketing.prices import PRIORITIES, PRIORITY_KEY, bp, pct, stored_priority
from torgtui.models import Customer, Employee, Location, Manufacturer, Product, ProductGroup
from torgtui.models.prices import (
    RETAIL,
    ManufacturerDiscount,
    PriceList,
    PriceType,
    ProductPrice,
    QtyBreak,
)
from torgtui.money import format_qty
from torgtui.staff import Permission, audit, require
from torgtui.values import (
    check_code,
    check_id,
    check_kopecks,
    check_percent,
    check_qty,
    check_text,
)

MAX_PRICES_AT_ONCE = 200_000
AUDITED_PRICES = 50  # a bulk change lists its prices in the audit log up to this many


# --- shared checks -----------------------------------------------------------------------


def _allowed(by: Employee | None, system: bool) -> None:
    if not system:
        require(by, Permission.EDIT_PRICES)


def _rule_code(value: object, what: str) -> str:
    return check_code(value, what, max_len=40)


def _type_id(code: object, *, allow_retail: bool = True) -> int:
    """The id of price type ``code`` (refused: unknown, or retail where it makes no sense)."""
    code = _rule_code(code, _("The price type"))
    if code == RETAIL and not allow_retail:
        raise ValidationError(
            _("Retail prices are the catalog's: change them on the product, not here.")
        )
    found = PriceType.get_or_none(PriceType.code == code)
    if found is None:
        raise ValidationError(_("There is no price type {code!r}.").format(code=code))
    return found.id


def _exists(model: type, row_id: object, what: str, message: str) -> int:
    row_id = check_id(row_id, what)
    if model.get_or_none(model.id == row_id) is None:
        raise ValidationError(message.format(id=row_id))
    return row_id


# --- price types ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceTypeData:
    code: str
    name: str


def list_price_types() -> list[PriceTypeData]:
    """Every named price type (retail is always there and is not listed)."""
    return [
        PriceTypeData(t.code, t.name)
        for t in PriceType.select().where(PriceType.code != RETAIL).order_by(PriceType.code)
    ]


def save_price_type(
    data: PriceTypeData, *, by: Employee | None, clock: Clock = system_clock, system: bool = False
) -> PriceType:
    """Create a price type, or rename one, by its code."""
    _allowed(by, system)
    if not isinstance(data, PriceTypeData):
        raise ValidationError(_("A price type is given as PriceTypeData."))
    code = _rule_code(data.code, _("The price type's code"))
    if code == RETAIL:
        raise ValidationError(_("Retail is always there: choose another code."))
    name = check_text(data.name, _("The price type's name"), max_len=120, required=True)
    with write_tx():
        rulecache.bump()  # first: concurrent rule changes queue behind this row
        found = PriceType.get_or_none(PriceType.code == code)
        before = {"name": found.name} if found else None
        if found is None:
            found = PriceType.create(code=code, name=name)
        elif found.name != name:
            PriceType.update(name=name).where(PriceType.id == found.id).execute()
            found.name = name
        audit(
            "price_type.save",
            by,
            object_type="price_type",
            object_id=code,
            before=before,
            after={"name": name},
            clock=clock,
        )
    return found


def delete_price_type(
    code: str, *, by: Employee | None, clock: Clock = system_clock, system: bool = False
) -> None:
    """Delete a price type with its prices; refused while a location, a customer, a break or
    a price list uses it."""
    _allowed(by, system)
    type_id = _type_id(code, allow_retail=False)
    with write_tx():
        rulecache.bump()
        users = [
            (Location.select().where(Location.price_type == type_id), _("a location")),
            (Customer.select().where(Customer.price_type == type_id), _("a customer's card")),
            (QtyBreak.select().where(QtyBreak.price_type == type_id), _("a quantity break")),
            (PriceList.select().where(PriceList.price_type == type_id), _("a price list")),
        ]
        for query, what in users:
            if query.exists():
                raise ValidationError(
                    _("Price type {code} is used by {what}: change that first.").format(
                        code=code, what=what
                    )
                )
        count = ProductPrice.delete().where(ProductPrice.price_type == type_id).execute()
        PriceType.delete().where(PriceType.id == type_id).execute()
        audit(
            "price_type.delete",
            by,
            object_type="price_type",
            object_id=code,
            before={"prices": count},
            clock=clock,
        )


def type_prices(code: str) -> dict[int, int]:
    """Product id -> price in price type ``code``."""
    type_id = _type_id(code, allow_retail=False)
    return dict(
        ProductPrice.select(ProductPrice.product, ProductPrice.price)
        .where(ProductPrice.price_type == type_id)
        .tuples()
    )


def set_type_prices(
    code: str,
    prices: Mapping[int, int | None] | Iterable[tuple[int, int | None]],
    *,
    by: Employee | None,
    clock: Clock = system_clock,
    system: bool = False,
) -> int:
    """Set products' prices in price type ``code`` (kopecks per unit; None removes the price,
    so the product sells at retail in that type). All or nothing; returns how many changed.
    Prices are read fresh at every pricing, so this does not bump the rules version."""
    _allowed(by, system)
    type_id = _type_id(code, allow_retail=False)
    if isinstance(prices, Mapping):
        items = list(prices.items())
    elif isinstance(prices, list | tuple):
        items = list(prices)
    else:
        raise ValidationError(_("Prices are given as (product, price) pairs."))
    if len(items) > MAX_PRICES_AT_ONCE:
        raise ValidationError(
            _("At most {n} prices at once: split the list.").format(n=MAX_PRICES_AT_ONCE)
        )
    wanted: dict[int, int | None] = {}
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2:
            raise ValidationError(_("Prices are given as (product, price) pairs."))
        product_id = check_id(item[0], _("The product"))
        if item[1] is not None:
            wanted[product_id] = check_kopecks(item[1], _("The price"))
        else:
            wanted[product_id] = None
    ids = sorted(wanted)
    known: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        known |= {p for (p,) in Product.select(Product.id).where(Product.id.in_(chunk)).tuples()}
    missing = [i for i in ids if i not in known]
    if missing:
        raise ValidationError(
            _("There is no product {id}: nothing was saved.").format(id=missing[0])
        )
    with write_tx():
        removed = [i for i, p in wanted.items() if p is None]
        for start in range(0, len(removed), 500):
            ProductPrice.delete().where(
                (ProductPrice.price_type == type_id)
                & ProductPrice.product.in_(removed[start : start + 500])
            ).execute()
        rows = [
            {"price_type": type_id, "product": product_id, "price": price}
            for product_id, price in wanted.items()
            if price is not None
        ]
        for start in range(0, len(rows), 300):
            ProductPrice.insert_many(rows[start : start + 300]).on_conflict(
                conflict_target=[ProductPrice.price_type, ProductPrice.product],
                update={ProductPrice.price: EXCLUDED.price},
            ).execute()
        after: dict[str, object] = {"set": len(wanted) - len(removed), "removed": len(removed)}
        if len(wanted) <= AUDITED_PRICES:
            after["prices"] = {str(k): v for k, v in wanted.items()}
        audit(
            "product_price.set",
            by,
            object_type="price_type",
            object_id=code,
            after=after,
            clock=clock,
        )
    return len(wanted)


def set_location_price_type(
    location_id: int,
    code: str | None,
    *,
    by: Employee | None,
    clock: Clock = system_clock,
    system: bool = False,
) -> None:
    """The price type a location sells at: None (not set: retail, and a customer's card's type
    applies whatever the priority) or a code (``retail`` included: then it competes with a
    card's type by the priority setting)."""
    _allowed(by, system)
    location_id = _exists(Location, location_id, _("The location"), _("There is no location {id}."))
    type_id = None if code is None else _type_id(code)
    with write_tx():
        rulecache.bump()
        before = Location.get_by_id(location_id).price_type_id
        Location.update(price_type=type_id).where(Location.id == location_id).execute()
        audit(
            "location.price_type",
            by,
            object_type="location",
            object_id=location_id,
            before={"price_type": before},
            after={"price_type": code},
            clock=clock,
        )


def set_customer_price_type(
    customer_id: int,
    code: str | None,
    *,
    by: Employee | None,
    clock: Clock = system_clock,
    system: bool = False,
) -> None:
    """The price type on a (wholesale, VIP) customer's card (None: the location's). Read
    fresh at every pricing, so no rules version bump."""
    _allowed(by, system)
    customer_id = _exists(Customer, customer_id, _("The customer"), _("There is no customer {id}."))
    type_id = None if code is None else _type_id(code)
    with write_tx():
        row = Customer.get_by_id(customer_id)
        if row.status != "active":
            raise ValidationError(_("That customer card is not active: check the card."))
        Customer.update(price_type=type_id).where(Customer.id == customer_id).execute()
        audit(
            "customer.price_type",
            by,
            object_type="customer",
            object_id=customer_id,
            before={"price_type": row.price_type_id},
            after={"price_type": code},
            clock=clock,
        )


def priority() -> str:
    """Whose price type wins when a customer's card and the location both have one:
    ``customer`` (the default) or ``location``. Stored with the data (the ``setting`` table),
    so every register of the shop applies the same."""
    return stored_priority()


def set_priority(
    value: str, *, by: Employee | None, clock: Clock = system_clock, system: bool = False
) -> str:
    _allowed(by, system)
    if value not in PRIORITIES:
        raise ValidationError(
            _("The trade type priority is customer or location, not {value!r}.").format(
                value=str(value)[:40]
            )
        )
    with write_tx():
        rulecache.bump()
        before = stored_priority()
        database.execute_sql(
            sql(
                'INSERT INTO "setting" ("key", "value") VALUES (?, ?) ON CONFLICT ("key") '
                'DO UPDATE SET "value" = excluded."value"'
            ),
            (PRIORITY_KEY, value),
        )
        audit(
            "prices.priority",
            by,
            object_type="setting",
            object_id=PRIORITY_KEY,
            before={"priority": before},
            after={"priority": value},
            clock=clock,
        )
    return value


# --- quantity breaks ---------------------------------------------------------------------


@dataclass(frozen=True)
class QtyBreakData:
    """A break: from ``min_qty`` thousandths of the unit (10 units = 10000) of the product
    (``product_id``) or of each product of a group and its subgroups (``group_id``), in price
    type ``price_type`` (its code; None: every type), at ``price`` kopecks per unit or
    ``percent`` off the type's price."""

    code: str
    min_qty: int
    product_id: int | None = None
    group_id: int | None = None
    price_type: str | None = None
    price: int | None = None
    percent: Decimal | None = None
    active: bool = True


def _check_min_qty(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value <= 0:
        raise ValidationError(_("A quantity break starts from more than zero units."))
    return check_qty(value, weighed=True)


def clean_qty_break(data: QtyBreakData) -> tuple[QtyBreakData, int | None]:
    """A break checked (raises ValidationError naming the field) and its price type's id."""
    if not isinstance(data, QtyBreakData):
        raise ValidationError(_("A quantity break is given as QtyBreakData."))
    code = _rule_code(data.code, _("The break's code"))
    min_qty = _check_min_qty(data.min_qty)
    if (data.product_id is None) == (data.group_id is None):
        raise ValidationError(_("A quantity break is for a product or for a group: give one."))
    product_id = group_id = None
    if data.product_id is not None:
        product_id = _exists(
            Product, data.product_id, _("The product"), _("There is no product {id}.")
        )
    else:
        group_id = _exists(
            ProductGroup, data.group_id, _("The group"), _("There is no product group {id}.")
        )
    type_id = None if data.price_type is None else _type_id(data.price_type)
    if (data.price is None) == (data.percent is None):
        raise ValidationError(
            _("A quantity break gives a price or a percentage off: give one of them.")
        )
    price = percent = None
    if data.price is not None:
        price = check_kopecks(data.price, _("The break's price"), minimum=1)
    else:
        percent = check_percent(data.percent, _("The break's discount"))
    if not isinstance(data.active, bool):
        raise ValidationError(_("Active is yes or no."))
    clean = QtyBreakData(code, min_qty, product_id, group_id, data.price_type, price, percent)
    return QtyBreakData(**{**clean.__dict__, "active": data.active}), type_id


def _check_overlap(data: QtyBreakData, type_id: int | None) -> None:
    """Refuse a break that meets another at the same target and quantity (for a price type
    they share), and one that gives less than a smaller quantity of the same kind."""
    target = (
        QtyBreak.product == data.product_id
        if data.product_id is not None
        else QtyBreak.group == data.group_id
    )
    others = QtyBreak.select().where(
        target & (QtyBreak.active == True) & (QtyBreak.code != data.code)  # noqa: E712
    )
    ladder: list[tuple[int, int | None, int | None]] = [
        (data.min_qty, data.price, bp(data.percent) if data.percent is not None else None)
    ]
    for other in others:
        shared = other.price_type_id is None or type_id is None or other.price_type_id == type_id
        if shared and other.min_qty == data.min_qty:
            raise ValidationError(
                _("Break {other} already starts at {qty} for this target: change that one.").format(
                    other=other.code, qty=format_qty(data.min_qty)
                )
            )
        same_kind = (other.price is None) == (data.price is None)
        if other.price_type_id == type_id and same_kind:
            ladder.append((other.min_qty, other.price, other.percent_bp))
    ladder.sort()
    for (q1, p1, b1), (q2, p2, b2) in itertools.pairwise(ladder):
        worse = (p2 >= p1) if p1 is not None and p2 is not None else (b2 or 0) <= (b1 or 0)
        if worse:
            raise ValidationError(
                _("Breaks overlap: from {q2} the price must be better than from {q1}.").format(
                    q1=format_qty(q1), q2=format_qty(q2)
                )
            )


def save_qty_break(
    data: QtyBreakData, *, by: Employee | None, clock: Clock = system_clock, system: bool = False
) -> QtyBreak:
    """Create or change a quantity break by its code."""
    _allowed(by, system)
    data, type_id = clean_qty_break(data)
    fields = dict(
        product=data.product_id,
        group=data.group_id,
        price_type=type_id,
        min_qty=data.min_qty,
        price=data.price,
        percent_bp=bp(data.percent) if data.percent is not None else None,
        active=data.active,
    )
    with write_tx():
        rulecache.bump()
        if data.active:
            _check_overlap(data, type_id)
        found = QtyBreak.get_or_none(QtyBreak.code == data.code)
        if found is None:
            found = QtyBreak.create(code=data.code, **fields)
        else:
            QtyBreak.update(**fields).where(QtyBreak.id == found.id).execute()
            found = QtyBreak.get_by_id(found.id)
        audit(
            "qty_break.save",
            by,
            object_type="qty_break",
            object_id=data.code,
            after=_break_audit(data),
            clock=clock,
        )
    return found


def _break_audit(data: QtyBreakData) -> dict[str, object]:
    return {
        "product": data.product_id,
        "group": data.group_id,
        "price_type": data.price_type,
        "min_qty": data.min_qty,
        "price": data.price,
        "percent": str(data.percent) if data.percent is not None else None,
        "active": data.active,
    }


def delete_qty_break(
    code: str, *, by: Employee | None, clock: Clock = system_clock, system: bool = False
) -> None:
    _allowed(by, system)
    code = _rule_code(code, _("The break's code"))
    with write_tx():
        rulecache.bump()
        if not QtyBreak.delete().where(QtyBreak.code == code).execute():
            raise ValidationError(_("There is no quantity break {code!r}.").format(code=code))
        audit("qty_break.delete", by, object_type="qty_break", object_id=code, clock=clock)


def list_qty_breaks() -> list[QtyBreakData]:
    types = {t.id: t.code for t in PriceType.select()}
    return [
        QtyBreakData(
            b.code,
            b.min_qty,
            b.product_id,
            b.group_id,
            types.get(b.price_type_id) if b.price_type_id is not None else None,
            b.price,
            pct(b.percent_bp) if b.percent_bp is not None else None,
            b.active,
        )
        for b in QtyBreak.select().order_by(QtyBreak.code)
    ]


# --- a customer's discounts per manufacturer ------------------------------------------------


@dataclass(frozen=True)
class ManufacturerDiscountData:
    id: int
    customer_id: int
    manufacturer_id: int
    percent: Decimal


def set_manufacturer_discount(
    customer_id: int,
    manufacturer_id: int,
    percent: Decimal,
    *,
    by: Employee | None,
    clock: Clock = system_clock,
    system: bool = False,
) -> ManufacturerDiscount:
    """A customer's own percentage off one manufacturer's goods (create or change)."""
    _allowed(by, system)
    customer_id = _exists(Customer, customer_id, _("The customer"), _("There is no customer {id}."))
    manufacturer_id = _exists(
        Manufacturer, manufacturer_id, _("The manufacturer"), _("There is no manufacturer {id}.")
    )
    percent = check_percent(percent, _("The manufacturer discount"))
    with write_tx():
        rulecache.bump()
        if Customer.get_by_id(customer_id).status != "active":
            raise ValidationError(_("That customer card is not active: check the card."))
        found = ManufacturerDiscount.get_or_none(
            (ManufacturerDiscount.customer == customer_id)
            & (ManufacturerDiscount.manufacturer == manufacturer_id)
        )
        before = None if found is None else {"percent": str(pct(found.percent_bp))}
        if found is None:
            found = ManufacturerDiscount.create(
                customer=customer_id, manufacturer=manufacturer_id, percent_bp=bp(percent)
            )
        else:
            ManufacturerDiscount.update(percent_bp=bp(percent)).where(
                ManufacturerDiscount.id == found.id
            ).execute()
            found.percent_bp = bp(percent)
        audit(
            "manufacturer_discount.save",
            by,
            object_type="customer",
            object_id=customer_id,
            before=before,
            after={"manufacturer": manufacturer_id, "percent": str(percent), "id": found.id},
            clock=clock,
        )
    return found


def delete_manufacturer_discount(
    discount_id: int, *, by: Employee | None, clock: Clock = system_clock, system: bool = False
) -> None:
    _allowed(by, system)
    discount_id = check_id(discount_id, _("The manufacturer discount"))
    with write_tx():
        rulecache.bump()
        found = ManufacturerDiscount.get_or_none(ManufacturerDiscount.id == discount_id)
        if found is None:
            raise ValidationError(
                _("There is no manufacturer discount {id}.").format(id=discount_id)
            )
        ManufacturerDiscount.delete().where(ManufacturerDiscount.id == discount_id).execute()
        audit(
            "manufacturer_discount.delete",
            by,
            object_type="customer",
            object_id=found.customer_id,
            before={
                "manufacturer": found.manufacturer_id,
                "percent": str(pct(found.percent_bp)),
                "id": discount_id,
            },
            clock=clock,
        )


def list_manufacturer_discounts(customer_id: int | None = None) -> list[ManufacturerDiscountData]:
    query = ManufacturerDiscount.select().order_by(ManufacturerDiscount.id)
    if customer_id is not None:
        query = query.where(
            ManufacturerDiscount.customer == check_id(customer_id, _("The customer"))
        )
    return [
        ManufacturerDiscountData(d.id, d.customer_id, d.manufacturer_id, pct(d.percent_bp))
        for d in query
    ]
