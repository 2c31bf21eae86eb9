"""Barcode checks and in-store numbering (GS1 restricted-circulation prefixes 20..29).

python-barcode computes a check digit from 12 digits and silently ignores a 13th, so scanned and
imported codes are validated here.
"""

from __future__ import annotations

from torgtui.errors import ValidationError
from torgtui.i18n import _

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(digits: str) -> int:
    """The GS1 check digit for ``digits`` (the code without its last digit)."""
    values = [int(ch) for ch in digits]
    total = 3 * sum(values[-1::-2]) + sum(values[-2::-2])  # weights 3,1,3,... from the right
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    return (
        code.isdigit()
        and len(code) in GTIN_LENGTHS
        and gtin_check_digit(code[:-1]) == int(code[-1])
    )


def normalize_barcode(code: str) -> str:
    """Check a barcode as typed, scanned or imported; return it cleaned.

    EAN-8, UPC-A, EAN-13 and GTIN-14 (all digits, those lengths) must carry a correct check
    digit. Other codes (Code 128 labels, internal codes) are 3..40 visible characters.
    """
    if code is not None and not isinstance(code, str):
        raise ValidationError(_("A barcode is typed or scanned as text."))
    code = (code or "").strip()
    if not code:
        raise ValidationError(_("The barcode is empty."))
    if code.isdigit() and len(code) in GTIN_LENGTHS:
        if not is_valid_gtin(code):
            expected = gtin_check_digit(code[:-1])
            raise ValidationError(
                _(
                    "Barcode {code} has a wrong check digit (the last digit should be "
                    "{expected}): rescan it or type it again."
                ).format(code=code, expected=expected)
            )
        return code
    # "*" separates a quantity from the code at the register ("3*code"): never part of one
    if len(code) < 3 or len(code) > 40 or not code.isprintable() or " " in code or "*" in code:
        raise ValidationError(
            _("{code!r} is not a barcode: use 3 to 40 letters or digits without spaces.").format(
                code=code
            )
        )
    return code


def make_ean13(prefix: str, number: int) -> str:
    """An in-store EAN-13: ``prefix`` (e.g. "21"), ``number`` zero-padded, check digit."""
    body = f"{prefix}{number:0{12 - len(prefix)}d}"
    if len(body) != 12 or not body.isdigit():
        raise ValueError(f"cannot make an EAN-13 from prefix {prefix!r} and {number}")
    return body + str(gtin_check_digit(body))
