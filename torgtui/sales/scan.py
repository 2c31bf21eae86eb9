"""What the cashier typed or scanned into the code field: quantity prefix, weighed-goods
barcodes from the shop's scales, and the product it names."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from torgtui.catalog.barcodes import is_valid_gtin, normalize_barcode
from torgtui.catalog.service import find_by_code, find_by_codes
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Product
from torgtui.values import MAX_QTY, check_text, parse_qty

__all__ = [
    "MAX_QTY",
    "Entry",
    "Found",
    "lookup",
    "lookup_many",
    "parse_entry",
    "parse_qty",
    "scale_parts",
]


@dataclass(frozen=True)
class Entry:
    code: str
    qty: int | None  # thousandths; None = not given (1, or the weight inside the barcode)


def parse_entry(text: str) -> Entry:
    """ "3*4820..." sells three; "4820..." one; "3*" alone is a pending quantity (code "")."""
    text = check_text(text, _("What was scanned"), max_len=100)
    if "*" in text:
        qty_text, _sep, code = text.partition("*")
        return Entry(code.strip(), parse_qty(qty_text))
    return Entry(text, None)


@dataclass(frozen=True)
class Found:
    product: Product
    qty: int | None  # from a scale barcode
    barcode: str


def scale_parts(code: str, prefixes: tuple[str, ...]) -> tuple[str, int] | None:
    """(PLU, grams) from a scale barcode ``PP LLLLL WWWWW C``, or None if it is not one."""
    if len(code) == 13 and code.isdigit() and code[:2] in prefixes and is_valid_gtin(code):
        return code[2:7], int(code[7:12])
    return None


def lookup(
    code: str,
    prefixes: tuple[str, ...],
    *,
    find: Callable[[str], Product | None] = find_by_code,
) -> Found:
    """The product a scanned or typed code names; ValidationError says what to do if none.
    ``find`` is the catalog look-up of one code (:func:`lookup_many` passes a prefetched one)."""
    code = check_text(code, _("What was scanned"), max_len=100)
    if not code:
        raise ValidationError(_("Scan a barcode or type an article first."))
    parts = scale_parts(code, prefixes)
    if parts:
        plu, grams = parts
        product = find(code[:7]) or find(plu) or find(plu.lstrip("0"))
        if product is not None:
            if grams <= 0:
                raise ValidationError(_("The scale label shows no weight: weigh the goods again."))
            return Found(product, grams, code)
    product = find(code)
    if product is not None:
        return Found(product, None, code)
    normalize_barcode(code)  # a wrong check digit gets its own message
    raise ValidationError(
        _("Unknown barcode {code}: press F3 to search by name.").format(code=code)
    )


def lookup_many(
    codes: Iterable[str], prefixes: tuple[str, ...]
) -> dict[str, Found | ValidationError]:
    """:func:`lookup` for many codes with a few queries instead of one or two per code:
    {stripped code: what it names, or the ValidationError lookup would raise}."""
    wanted = {(code or "").strip() for code in codes}
    keys = set(wanted)
    for code in wanted:
        parts = scale_parts(code, prefixes)
        if parts:
            keys.update((code[:7], parts[0], parts[0].lstrip("0")))
    known = find_by_codes(keys)
    found: dict[str, Found | ValidationError] = {}
    for code in wanted:
        try:
            found[code] = lookup(code, prefixes, find=known.get)
        except ValidationError as exc:
            found[code] = exc
    return found
