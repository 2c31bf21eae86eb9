"""What the rules file's kinds share: turning a refusal into one about a key (for the line
number), canonical numbers, and finding products by SKU, groups by path, price types and
locations by code, within one import (torgtui.marketing.rules_file).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.rules_file import Context, Record, RuleError
from torgtui.models import Location, Product, ProductGroup
from torgtui.models.prices import PriceType
from torgtui.values import check_code, check_percent, check_qty, check_text


@contextlib.contextmanager
def at(key: str | None, sub: str | None = None, row: Any = None) -> Iterator[None]:
    """Say which key a refusal is about (for the file's line number)."""
    try:
        yield
    except RuleError:
        raise
    except ValidationError as exc:
        raise RuleError(exc.message, key, sub, row) from None


def num(value: int | Decimal) -> int | Decimal:
    """A checked number in its canonical form: whole numbers as int, others normalized."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return value.normalize()
    return value


def units(milli: int) -> int | Decimal:
    """Thousandths of a unit as the file writes them: 10000 -> 10, 2500 -> 2.5."""
    return num(Decimal(milli) / 1000)


def to_milli(value: int | Decimal, key: str) -> int:
    with at(key):
        if isinstance(value, Decimal) and abs(value) < 10**12:
            milli = value * 1000
            if milli != milli.to_integral_value():
                raise ValidationError(
                    _("{key} has at most three decimals, not {value}.").format(key=key, value=value)
                )
            value = int(milli)
        elif isinstance(value, int) and abs(value) < 10**12:
            value *= 1000
        else:
            value = 10**18
        return check_qty(value, weighed=True)


def code(record: Record, key: str, what: str, max_len: int = 40) -> str:
    with at(key):
        return check_code(record.get(key), what, max_len=max_len)


def text(record: Record, key: str, what: str, max_len: int = 120) -> str:
    with at(key):
        return check_text(record.get(key), what, max_len=max_len, required=True)


def percent(value: Any, what: str, key: str, allow_zero: bool = False, **where: Any) -> Any:
    with at(key, **where):
        return num(check_percent(value, what, allow_zero=allow_zero))


def one_of(record: Record, first: str, second: str) -> str:
    """Which of two keys the record gives (exactly one)."""
    if (first in record) == (second in record):
        raise RuleError(
            _("give {first} or {second} (one of them).").format(first=first, second=second)
        )
    return first if first in record else second


def lookup(ctx: Context, name: str, load: Any) -> dict[Any, Any]:
    if name not in ctx.cache:
        ctx.cache[name] = load()
    return ctx.cache[name]  # type: ignore[no-any-return]


def product_id(ctx: Context, sku: str, key: str, **where: Any) -> int:
    found = lookup(ctx, "sku", lambda: {})
    if sku not in found:
        row = Product.get_or_none(Product.sku == sku)
        if row is None:
            raise RuleError(
                _("There is no product with SKU {sku!r}.").format(sku=sku[:40]), key, **where
            )
        found[sku] = row.id
    return found[sku]  # type: ignore[no-any-return]


def product_ids(ctx: Context, skus: list[str], sub: str) -> dict[str, int]:
    """Product ids of many SKUs in a few queries (a price type's prices)."""
    found = lookup(ctx, "sku", lambda: {})
    wanted = [s for s in skus if s not in found]
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(Product.select(Product.sku, Product.id).where(Product.sku.in_(chunk)).tuples())
    for sku in skus:
        if sku not in found:
            raise RuleError(
                _("There is no product with SKU {sku!r}.").format(sku=sku[:40]), sub=sub, row=sku
            )
    return {s: found[s] for s in skus}


def skus() -> dict[int, str]:
    return dict(Product.select(Product.id, Product.sku).tuples())


def group_id(ctx: Context, path: str, key: str, **where: Any) -> int:
    groups = lookup(ctx, "groups", lambda: {p: i for i, p in group_paths().items()})
    if path not in groups:
        raise RuleError(
            _(
                "There is no product group {path!r} (a group is named by its path, like "
                "Clothing/Women)."
            ).format(path=path[:80]),
            key,
            **where,
        )
    return groups[path]  # type: ignore[no-any-return]


def group_paths() -> dict[int, str]:
    return dict(ProductGroup.select(ProductGroup.id, ProductGroup.path).tuples())


def price_type_code(record: Record, key: str = "price_type") -> str | None:
    """A price type the record names (retail included), which must exist by now."""
    if key not in record:
        return None
    value = code(record, key, _("The price type"))
    if PriceType.get_or_none(PriceType.code == value) is None:
        known = ", ".join(
            c for (c,) in PriceType.select(PriceType.code).order_by(PriceType.code).tuples()
        )
        raise RuleError(
            _("There is no price type {code!r}; the price types are {known}.").format(
                code=value, known=known
            ),
            key,
        )
    return value


def location_id(value: str, key: str) -> int:
    row = Location.get_or_none(Location.code == value)
    if row is None:
        known = ", ".join(
            c for (c,) in Location.select(Location.code).order_by(Location.code).tuples()
        )
        raise RuleError(
            _("There is no location {code!r}; the locations are {known}.").format(
                code=value, known=known
            ),
            key,
        )
    return row.id  # type: ignore[no-any-return]


def by(ctx: Context) -> dict[str, Any]:
    return {"by": ctx.employee, "clock": ctx.clock}
