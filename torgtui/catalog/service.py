"""Catalog services: product groups (a tree of paths), manufacturers, products and barcodes.

Changing a product needs :attr:`Permission.EDIT_PRICES` and is written to the audit log with
the fields before and after. The ``clean_*`` checks are shared with the CSV import, so a row is
refused for the same reasons, with the same words, as a form would be.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import peewee

from torgtui.catalog.barcodes import normalize_barcode
from torgtui.clock import Clock, system_clock
from torgtui.db import database, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import UNITS, Barcode, Employee, Manufacturer, Product, ProductGroup
from torgtui.staff import Permission, audit, require
from torgtui.values import check_kopecks, check_text

MAX_SKU = 40
MAX_NAME = 200
MAX_GROUP_NAME = 120
MAX_GROUP_PATH = 500
MAX_MANUFACTURER = 120

# Unit names a Ukrainian price list may use, mapped to the stored unit codes.
UNIT_ALIASES = {
    "шт": "pcs",
    "pc": "pcs",
    "кг": "kg",
    "г": "g",
    "гр": "g",
    "л": "l",
    "м": "m",
    "уп": "pack",
    "пак": "pack",
}

# Fields a product edit may change (sku is the product's identity and is not among them).
EDITABLE = (
    "name",
    "price",
    "cost",
    "unit",
    "weighed",
    "tax_group",
    "group",
    "manufacturer",
    "active",
)


# --- checks -------------------------------------------------------------------------------


def clean_sku(sku: str | None) -> str:
    sku = check_text(sku, _("sku"), max_len=MAX_SKU * 4)
    if not sku:
        raise ValidationError(_("missing sku: every product needs an article (SKU)"))
    if len(sku) > MAX_SKU:
        raise ValidationError(
            _("sku {sku!r} is {n} characters long: at most {max}").format(
                sku=sku, n=len(sku), max=MAX_SKU
            )
        )
    return sku


def clean_name(name: str | None) -> str:
    name = " ".join(check_text(name, _("name"), max_len=MAX_NAME * 4).split())
    if not name:
        raise ValidationError(_("missing name: every product needs a name"))
    if len(name) > MAX_NAME:
        raise ValidationError(
            _("name is {n} characters long: shorten it to at most {max}").format(
                n=len(name), max=MAX_NAME
            )
        )
    return name


def check_amount(kopecks: int, field: str) -> int:
    """A price or cost: whole kopecks, not negative, at most values.MAX_AMOUNT."""
    if isinstance(kopecks, bool) or not isinstance(kopecks, int):
        raise ValidationError(
            _("{field} must be whole kopecks, got {value!r}").format(
                field=field, value=type(kopecks).__name__
            )
        )
    if kopecks < 0:
        raise ValidationError(_("negative {field}: a {field} is 0 or more").format(field=field))
    return check_kopecks(kopecks, field)


def clean_unit(unit: str | None) -> str:
    text = (unit or "").strip().lower().rstrip(".")
    text = UNIT_ALIASES.get(text, text)
    if text not in UNITS:
        raise ValidationError(
            _("unknown unit {unit!r}: use one of {units}").format(unit=unit, units=", ".join(UNITS))
        )
    return text


def clean_tax_group(code: str | None, tax_codes: Collection[str]) -> str:
    text = (code or "").strip()
    if text not in tax_codes and text.upper() in tax_codes:
        text = text.upper()
    if text not in tax_codes:
        raise ValidationError(
            _("unknown tax group {code!r}: the settings define {codes}").format(
                code=code, codes=", ".join(sorted(tax_codes))
            )
        )
    return text


def clean_group_path(path: str | None) -> str:
    """'Clothing / Women/Dresses/' -> 'Clothing/Women/Dresses'; refuses an empty path."""
    parts = [" ".join(p.split()) for p in (path or "").split("/")]
    parts = [p for p in parts if p]
    if not parts:
        raise ValidationError(_("the group path is empty: write it like Clothing/Women/Dresses"))
    for part in parts:
        if len(part) > MAX_GROUP_NAME:
            raise ValidationError(
                _("group name {name!r} is longer than {max} characters").format(
                    name=part[:40] + "…", max=MAX_GROUP_NAME
                )
            )
    clean = "/".join(parts)
    if len(clean) > MAX_GROUP_PATH:
        raise ValidationError(
            _("group path is longer than {max} characters").format(max=MAX_GROUP_PATH)
        )
    return clean


def clean_manufacturer(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("the manufacturer's name is empty"))
    if len(name) > MAX_MANUFACTURER:
        raise ValidationError(
            _("manufacturer name is longer than {max} characters").format(max=MAX_MANUFACTURER)
        )
    return name


# --- groups and manufacturers -------------------------------------------------------------


def _get_or_create(model: type[peewee.Model], where: Any, **fields: Any) -> Any:
    """Find a row or insert it; a concurrent insert of the same key is found, not an error."""
    row = model.get_or_none(where)
    if row is not None:
        return row
    try:
        with database.atomic():
            return model.create(**fields)
    except peewee.IntegrityError:
        row = model.get_or_none(where)
        if row is None:
            raise
        return row


def get_or_create_group(path: str) -> ProductGroup:
    """The group at ``path`` ("Clothing/Women/Dresses"), creating it and its parents."""
    clean = clean_group_path(path)
    with write_tx():
        parent: ProductGroup | None = None
        prefix: list[str] = []
        for name in clean.split("/"):
            prefix.append(name)
            here = "/".join(prefix)
            parent = _get_or_create(
                ProductGroup, ProductGroup.path == here, name=name, parent=parent, path=here
            )
    assert parent is not None
    return parent


def get_or_create_manufacturer(name: str) -> Manufacturer:
    clean = clean_manufacturer(name)
    with write_tx():
        return _get_or_create(Manufacturer, Manufacturer.name == clean, name=clean)


# --- products -----------------------------------------------------------------------------


def product_snapshot(product: Product) -> dict[str, Any]:
    """The audited fields of a product (group by path, manufacturer by name)."""
    group = ProductGroup.get_or_none(ProductGroup.id == product.group_id)
    maker = Manufacturer.get_or_none(Manufacturer.id == product.manufacturer_id)
    return {
        "sku": product.sku,
        "name": product.name,
        "price": product.price,
        "cost": product.cost,
        "unit": product.unit,
        "weighed": bool(product.weighed),
        "tax_group": product.tax_group,
        "group": group.path if group else None,
        "manufacturer": maker.name if maker else None,
        "active": bool(product.active),
    }


def clean_changes(changes: dict[str, Any], tax_codes: Collection[str]) -> dict[str, Any]:
    """Check product fields; group and manufacturer become rows (created when new)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not product fields: {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "name":
            out[key] = clean_name(value)
        elif key in ("price", "cost"):
            out[key] = check_amount(value, _("price") if key == "price" else _("cost"))
        elif key == "unit":
            out[key] = clean_unit(value)
        elif key == "tax_group":
            out[key] = clean_tax_group(value, tax_codes)
        elif key in ("weighed", "active"):
            out[key] = bool(value)
        elif key == "group":
            out[key] = (
                value
                if value is None or isinstance(value, ProductGroup)
                else get_or_create_group(value)
            )
        elif key == "manufacturer":
            out[key] = (
                value
                if value is None or isinstance(value, Manufacturer)
                else get_or_create_manufacturer(value)
            )
    return out


def write_product(
    sku: str, fields: dict[str, Any], *, existing: Product | None, clock: Clock
) -> Product:
    """Insert or update one product from already cleaned ``fields``.

    No permission check and no audit: :func:`create_product`, :func:`update_product` and the
    CSV import do those. Call inside a write transaction.
    """
    now = clock()
    if existing is None:
        return Product.create(sku=sku, created_at=now, updated_at=now, **fields)
    if fields:
        Product.update(updated_at=now, **fields).where(Product.id == existing.id).execute()
        for key, value in fields.items():
            setattr(existing, key, value)
        existing.updated_at = now
    return existing


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    changed = [k for k in after if before.get(k) != after[k]]
    return (
        {"sku": before["sku"], **{k: before[k] for k in changed}},
        {"sku": after["sku"], **{k: after[k] for k in changed}},
    )


def create_product(
    *,
    by: Employee | None,
    tax_codes: Collection[str],
    sku: str,
    name: str,
    price: int,
    cost: int = 0,
    unit: str = "pcs",
    weighed: bool = False,
    tax_group: str | None = None,
    group: ProductGroup | str | None = None,
    manufacturer: Manufacturer | str | None = None,
    active: bool = True,
    barcodes: Iterable[str] = (),
    clock: Clock = system_clock,
) -> Product:
    """Add a product (and its barcodes). ``tax_group`` defaults to the first of ``tax_codes``."""
    require(by, Permission.EDIT_PRICES)
    sku = clean_sku(sku)
    codes = [normalize_barcode(c) for c in barcodes]
    with write_tx():
        if Product.select().where(Product.sku == sku).exists():
            raise ValidationError(
                _("There is already a product with SKU {sku}: edit it instead.").format(sku=sku)
            )
        fields = clean_changes(
            {
                "name": name,
                "price": price,
                "cost": cost,
                "unit": unit,
                "weighed": weighed,
                "tax_group": tax_group if tax_group is not None else next(iter(tax_codes), ""),
                "group": group,
                "manufacturer": manufacturer,
                "active": active,
            },
            tax_codes,
        )
        product = write_product(sku, fields, existing=None, clock=clock)
        for code in codes:
            attach_barcode(product, code)
        after = product_snapshot(product)
        after["barcodes"] = codes
        audit(
            "catalog.product.create",
            by,
            object_type="product",
            object_id=product.id,
            after=after,
            clock=clock,
        )
    return product


def update_product(
    product: Product,
    *,
    by: Employee | None,
    tax_codes: Collection[str],
    clock: Clock = system_clock,
    **changes: Any,
) -> Product:
    """Change some of a product's fields (see :data:`EDITABLE`); audits what changed."""
    require(by, Permission.EDIT_PRICES)
    with write_tx():
        fields = clean_changes(changes, tax_codes)
        before = product_snapshot(product)
        write_product(product.sku, fields, existing=product, clock=clock)
        old, new = _diff(before, product_snapshot(product))
        if len(new) > 1:
            audit(
                "catalog.product.update",
                by,
                object_type="product",
                object_id=product.id,
                before=old,
                after=new,
                clock=clock,
            )
    return product


# --- barcodes and look-up -----------------------------------------------------------------


def attach_barcode(product: Product, code: str) -> Barcode:
    """Link an already normalized ``code`` to ``product`` (no permission check, no audit).

    A code already on this product is returned as it is; one on another product is refused.
    """
    found = Barcode.select(Barcode, Product).join(Product).where(Barcode.code == code).first()
    if found is not None:
        if found.product_id == product.id:
            return found
        raise ValidationError(
            _("barcode {code} already belongs to product {sku} ({name})").format(
                code=code, sku=found.product.sku, name=found.product.name
            )
        )
    try:
        with database.atomic():
            return Barcode.create(code=code, product=product)
    except peewee.IntegrityError:
        return attach_barcode(product, code)


def add_barcode(
    product: Product, code: str, *, by: Employee | None, clock: Clock = system_clock
) -> Barcode:
    """Add a scanned or typed barcode to ``product`` (checked by :func:`normalize_barcode`)."""
    require(by, Permission.EDIT_PRICES)
    code = normalize_barcode(code)
    with write_tx():
        existed = Barcode.select().where(Barcode.code == code).exists()
        barcode = attach_barcode(product, code)
        if not existed:
            audit(
                "catalog.barcode.add",
                by,
                object_type="product",
                object_id=product.id,
                after={"sku": product.sku, "barcode": code},
                clock=clock,
            )
    return barcode


def group_choices(limit: int = 1000) -> list[tuple[int, str]]:
    """(id, path) of the product groups, by path: what a screen offers to choose a group
    from (the loyalty rules' group rates and accelerators)."""
    query = ProductGroup.select(ProductGroup.id, ProductGroup.path).order_by(ProductGroup.path)
    return list(query.limit(limit).tuples())


def find_by_code(code: str) -> Product | None:
    """The active product with this barcode, else with this SKU, else None."""
    code = (code or "").strip()
    if not code:
        return None
    # on every scan: in SQL as written (peewee built the join anew each time, most of the
    # look-up's time; docs/performance.md)
    found = list(
        Product.raw(
            sql(
                'SELECT p.* FROM "product" p JOIN "barcode" b ON b."product_id" = p."id" '
                'WHERE b."code" = ? AND p."active" = ? LIMIT 1'
            ),
            code,
            True,
        )
    ) or list(
        Product.raw(
            sql('SELECT * FROM "product" WHERE "sku" = ? AND "active" = ? LIMIT 1'), code, True
        )
    )
    return found[0] if found else None


def find_by_codes(codes: Iterable[str], *, chunk: int = 500) -> dict[str, Product]:
    """:func:`find_by_code` for many codes in a few queries (a basket priced from a file):
    {code: product} for the codes that name an active product, by barcode first, else SKU."""
    wanted = sorted({c.strip() for c in codes if c and c.strip()})
    found: dict[str, Product] = {}
    for start in range(0, len(wanted), chunk):
        part = wanted[start : start + chunk]
        query = (
            Product.select(Product, Barcode.code.alias("scanned"))
            .join(Barcode)
            .where(Barcode.code.in_(part) & (Product.active == True))  # noqa: E712
            .objects()  # the barcode's column on the product row
        )
        found.update({p.scanned: p for p in query})
    rest = [c for c in wanted if c not in found]
    for start in range(0, len(rest), chunk):
        part = rest[start : start + chunk]
        query = Product.select().where(Product.sku.in_(part) & (Product.active == True))  # noqa: E712
        found.update({p.sku: p for p in query})
    return found
