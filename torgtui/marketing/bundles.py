"""Bundles (sets, seed 000 section 4): products sold together at a special price below the
total of the parts, assembled automatically at the till, or sold as one article that is
disassembled into its parts in stock. docs/bundles.md says how they are priced.

This module keeps the rules; the pricing step is torgtui.marketing.bundle_pricing (order 45),
the stock hooks torgtui.marketing.bundle_stock, the rules file's ``[[bundle]]`` kind
torgtui.marketing.rules_bundles. Importing it registers the step and the hooks.

API (a sets screen and the rules file call these):

* ``save_bundle(BundleData(...), by=...)`` -> the row: creates or replaces a set by its id
  (``code``), parts and all; EDIT_PRICES; validated by :func:`clean_bundle` (nothing is
  written when anything is wrong); audited ``bundle.save``; the rules version is bumped in
  the same transaction so every register prices with it at its next scan. A price not below
  what the parts cost raises :class:`PriceNotBelowParts` unless ``price_confirmed``.
* ``deactivate_bundle(code, by=...)``: stops a set (kept for the receipts that name it).
* ``bundles()`` / ``bundle(code)`` -> :class:`BundleData` (every set, by id / one or None);
  ``parts_total(parts)`` -> what the parts cost at the catalog's prices now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import (
    bundle_pricing,  # noqa: F401  (registers the pricing step)
    bundle_stock,  # noqa: F401  (registers the sale and return hooks)
    rulecache,
)
from torgtui.models import Employee, Product
from torgtui.models.bundles import Bundle, BundlePart
from torgtui.money import format_money, line_amount
from torgtui.staff import Permission, audit, require
from torgtui.values import check_code, check_date, check_id, check_kopecks, check_qty, check_text

MAX_PARTS = 20  # different products in one set


@dataclass
class BundlePartData:
    product: int  # the product's id
    qty: int  # thousandths of its unit in one set (2 pcs = 2000)


@dataclass
class BundleData:
    """One set as the sets screen and the rules file give it."""

    code: str  # its id: the rules file's, and the ``rule`` of its price adjustments
    name: str  # what "why this price" and the receipt say
    price: int  # kopecks for one whole set
    parts: list[BundlePartData] = field(default_factory=list)
    active: bool = True
    valid_from: dt.date | None = None  # first day (None: from now on)
    valid_to: dt.date | None = None  # last day, inclusive (None: no end)
    article: int | None = None  # a product sold as the whole set (its own barcode)
    disassemble: bool = False  # selling the article takes its parts out of stock instead
    price_confirmed: bool = False  # keep a price not below the parts' total


class PriceNotBelowParts(ValidationError):
    """The set's price is not below what its parts cost: it saves nothing. A screen asks the
    manager and saves again with ``price_confirmed``."""

    def __init__(self, message: str, price: int, parts: int) -> None:
        super().__init__(message)
        self.price, self.parts = price, parts


def parts_total(parts: list[BundlePartData]) -> int:
    """What the parts of one set cost at the catalog's retail prices now (kopecks)."""
    ids = [p.product for p in parts]
    prices = dict(Product.select(Product.id, Product.price).where(Product.id.in_(ids)).tuples())
    return sum(line_amount(prices.get(p.product, 0), p.qty) for p in parts)


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(_("{what} is yes or no.").format(what=what))
    return value


def _date(value: object, what: str) -> dt.date | None:
    return None if value is None else check_date(value, what)


def _clean_parts(parts: object) -> tuple[list[BundlePartData], dict[int, Product]]:
    if not isinstance(parts, (list, tuple)) or not parts:
        raise ValidationError(_("A set needs its parts: add at least one product to it."))
    if len(parts) > MAX_PARTS:
        raise ValidationError(_("A set holds at most {n} different products.").format(n=MAX_PARTS))
    ids = []
    for part in parts:
        if not isinstance(part, BundlePartData):
            raise ValidationError(_("A set's part is a product and a quantity."))
        ids.append(check_id(part.product, _("A part's product")))
    found = {p.id: p for p in Product.select().where(Product.id.in_(ids))}
    clean: list[BundlePartData] = []
    seen: set[int] = set()
    for part, product_id in zip(parts, ids, strict=True):
        product = found.get(product_id)
        if product is None:
            raise ValidationError(
                _("There is no product {id}: choose the set's parts from the catalog.").format(
                    id=product_id
                )
            )
        if product_id in seen:
            raise ValidationError(
                _(
                    "{sku} {name} is in the set twice: give it once, with the whole quantity."
                ).format(sku=product.sku, name=product.name)
            )
        seen.add(product_id)
        if isinstance(part.qty, int) and not isinstance(part.qty, bool) and part.qty <= 0:
            raise ValidationError(
                _("{name}: a part's quantity must be more than zero.").format(name=product.name)
            )
        qty = check_qty(part.qty, weighed=product.weighed, name=product.name)
        clean.append(BundlePartData(product_id, qty))
    if len(clean) == 1 and clean[0].qty <= 1000:
        raise ValidationError(
            _("A set is two items or more: one {name} alone is just its price.").format(
                name=found[clean[0].product].name
            )
        )
    clean.sort(key=lambda p: p.product)
    return clean, found


def _clean_article(code: str, article: object, parts: dict[int, Product]) -> int | None:
    if article is None:
        return None
    article_id = check_id(article, _("The set's article"))
    product = Product.get_or_none(Product.id == article_id)
    if product is None:
        raise ValidationError(
            _("There is no product {id} to sell as the set.").format(id=article_id)
        )
    if product.weighed:
        raise ValidationError(
            _("{name} is sold by weight: a set sold as one article is sold by the piece.").format(
                name=product.name
            )
        )
    if article_id in parts:
        raise ValidationError(
            _("{name} cannot be both the set's article and one of its parts.").format(
                name=product.name
            )
        )
    other = Bundle.get_or_none((Bundle.product == article_id) & (Bundle.code != code))
    if other is not None:
        raise ValidationError(
            _("{name} is already sold as set {code}: one article is one set.").format(
                name=product.name, code=other.code
            )
        )
    holder = (
        Bundle.select(Bundle.code)
        .join(BundlePart)
        .where((BundlePart.product == article_id) & (Bundle.code != code))
        .first()
    )
    if holder is not None:
        raise ValidationError(
            _("{name} is a part of set {code}: a set's article cannot be a part of a set.").format(
                name=product.name, code=holder.code
            )
        )
    return article_id


def clean_bundle(data: BundleData) -> BundleData:
    """Validate a set against the catalog and the other sets; raises ValidationError naming
    what to fix (:class:`PriceNotBelowParts` for a price that saves nothing). Returns it
    cleaned: parts by product id, everything checked."""
    if not isinstance(data, BundleData):
        raise ValidationError(_("That is not a set: nothing was saved."))
    code = check_code(data.code, _("The set's id"), max_len=40)
    name = check_text(data.name, _("The set's name"), max_len=120, required=True)
    price = check_kopecks(data.price, _("The set's price"), minimum=1)
    active = _flag(data.active, _("Active"))
    disassemble = _flag(data.disassemble, _("Disassemble"))
    confirmed = _flag(data.price_confirmed, _("Price confirmed"))
    valid_from = _date(data.valid_from, _("The first day"))
    valid_to = _date(data.valid_to, _("The last day"))
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise ValidationError(
            _("The set ends on {end}, before it starts on {start}: check the dates.").format(
                end=valid_to, start=valid_from
            )
        )
    parts, products = _clean_parts(data.parts)
    nested = (
        Bundle.select(Bundle.code, Bundle.product)
        .where(Bundle.product.in_(list(products)) & (Bundle.code != code))
        .first()
    )
    if nested is not None:
        raise ValidationError(
            _("{name} is sold as set {code}: a set cannot hold another set.").format(
                name=products[nested.product_id].name, code=nested.code
            )
        )
    article = _clean_article(code, data.article, products)
    if disassemble and article is None:
        raise ValidationError(
            _("Only a set sold as one article is disassembled: choose its article first.")
        )
    total = parts_total(parts)
    if price >= total and not confirmed:
        raise PriceNotBelowParts(
            _(
                "The set's price {price} is not below what its parts cost ({parts}): it saves "
                "the customer nothing. Lower the price, or confirm to keep it."
            ).format(price=format_money(price), parts=format_money(total)),
            price,
            total,
        )
    return BundleData(
        code, name, price, parts, active, valid_from, valid_to, article, disassemble, confirmed
    )


def _facts(data: BundleData) -> dict[str, object]:
    return {
        "name": data.name,
        "price": data.price,
        "parts": [[p.product, p.qty] for p in data.parts],
        "active": data.active,
        "valid_from": data.valid_from.isoformat() if data.valid_from else None,
        "valid_to": data.valid_to.isoformat() if data.valid_to else None,
        "article": data.article,
        "disassemble": data.disassemble,
        "price_confirmed": data.price_confirmed,
    }


def _data(row: Bundle, parts: list[BundlePartData]) -> BundleData:
    return BundleData(
        row.code,
        row.name,
        row.price,
        parts,
        bool(row.active),
        row.valid_from,
        row.valid_to,
        row.product_id,
        bool(row.disassemble),
        bool(row.price_confirmed),
    )


def _parts_of(bundle_ids: list[int]) -> dict[int, list[BundlePartData]]:
    out: dict[int, list[BundlePartData]] = {}
    query = (
        BundlePart.select(BundlePart.bundle, BundlePart.product, BundlePart.qty)
        .where(BundlePart.bundle.in_(bundle_ids))
        .order_by(BundlePart.bundle, BundlePart.product)
        .tuples()
    )
    for bundle_id, product_id, qty in query:
        out.setdefault(bundle_id, []).append(BundlePartData(product_id, qty))
    return out


def save_bundle(data: BundleData, *, by: Employee | None, clock: Clock = system_clock) -> Bundle:
    """Create a set, or replace one (its parts too), by its id; see the module doc."""
    require(by, Permission.EDIT_PRICES)
    with write_tx():
        rulecache.bump()  # first: concurrent rule changes queue behind this row
        clean = clean_bundle(data)
        existing = Bundle.get_or_none(Bundle.code == clean.code)
        before = None
        fields = dict(
            name=clean.name,
            price=clean.price,
            active=clean.active,
            valid_from=clean.valid_from,
            valid_to=clean.valid_to,
            product=clean.article,
            disassemble=clean.disassemble,
            price_confirmed=clean.price_confirmed,
        )
        if existing is None:
            row = Bundle.create(code=clean.code, **fields)
        else:
            before = _facts(_data(existing, _parts_of([existing.id]).get(existing.id, [])))
            Bundle.update(**fields).where(Bundle.id == existing.id).execute()
            BundlePart.delete().where(BundlePart.bundle == existing.id).execute()
            row = Bundle.get_by_id(existing.id)
        BundlePart.insert_many(
            [{"bundle": row.id, "product": p.product, "qty": p.qty} for p in clean.parts]
        ).execute()
        audit(
            "bundle.save",
            by,
            object_type="bundle",
            object_id=clean.code,
            before=before,
            after=_facts(clean),
            clock=clock,
        )
    return row


def deactivate_bundle(code: str, *, by: Employee | None, clock: Clock = system_clock) -> Bundle:
    """Stop a set (kept, inactive, for the receipts that name it and the rules file)."""
    require(by, Permission.EDIT_PRICES)
    code = check_code(code, _("The set's id"), max_len=40)
    with write_tx():
        changed = (
            Bundle.update(active=False)
            .where((Bundle.code == code) & (Bundle.active == True))  # noqa: E712
            .execute()
        )
        row = Bundle.get_or_none(Bundle.code == code)
        if row is None:
            raise ValidationError(_("There is no set {code!r}.").format(code=code))
        if not changed:
            raise ValidationError(_("The set {code!r} is stopped already.").format(code=code))
        rulecache.bump()
        audit(
            "bundle.deactivate",
            by,
            object_type="bundle",
            object_id=code,
            before={"active": True},
            after={"active": False},
            clock=clock,
        )
    return row


def bundles() -> list[BundleData]:
    """Every set, active or not, by id (the sets screen's list; the rules file's export)."""
    rows = list(Bundle.select().order_by(Bundle.code))
    parts = _parts_of([r.id for r in rows])
    return [_data(r, parts.get(r.id, [])) for r in rows]


def bundle(code: str) -> BundleData | None:
    """One set by its id, or None."""
    code = check_code(code, _("The set's id"), max_len=40)
    row = Bundle.get_or_none(Bundle.code == code)
    if row is None:
        return None
    return _data(row, _parts_of([row.id]).get(row.id, []))


__all__ = [
    "MAX_PARTS",
    "BundleData",
    "BundlePartData",
    "PriceNotBelowParts",
    "bundle",
    "bundles",
    "clean_bundle",
    "deactivate_bundle",
    "parts_total",
    "save_bundle",
]
