"""Typed values at the boundary: one place per kind of input, so every service, screen and
command accepts and refuses the same things with the same words.

Two families of checks live here:

* ``parse_*`` read what a person typed or a file said (text) into a typed value;
* ``check_*`` guard a service's own arguments, which callers pass already typed (kopecks as
  ``int``, quantities as thousandths, percentages as ``Decimal``). A wrong type or an absurd
  value is a :class:`~torgtui.errors.ValidationError` with a message, never a raw TypeError,
  OverflowError or a row in the database.

Bounds are deliberately generous for a shop and tight for a slip of the finger: no single
amount above ten million hryvnias, no quantity above 100 000 units, texts without control
characters and within their column's length.
"""

from __future__ import annotations

import codecs
import datetime as dt
import uuid as uuidlib
from decimal import Decimal
from typing import Any

from torgtui.errors import ValidationError
from torgtui.i18n import _

KOPECKS = 100
MAX_AMOUNT = 1_000_000_000  # kopecks: 10 000 000.00 ₴ in one amount (price, payment, float)
MAX_QTY = 100_000_000  # thousandths: 100 000 units in one line
MAX_TEXT_INPUT = 10_000  # characters of any one text field before it is even looked at
MAX_NUMBER_TEXT = 40  # characters of a typed number ("1 250 000.00" is 12)
MAX_DAYS = 36_600  # a hundred years of days in any "N days" filter or setting
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2200, 12, 31)

# Encodings a shop's CSV files come in. Others are refused: a Latin codec "reads" any bytes
# and turns a cp1251 price list into mojibake names; rot13/base64/zlib are not text encodings.
TEXT_ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "cp1251": "cp1251",
    "windows-1251": "cp1251",
    "1251": "cp1251",
    "win1251": "cp1251",
    "cp866": "cp866",
    "koi8-u": "koi8_u",
    "koi8_u": "koi8_u",
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- money ------------------------------------------------------------------------------


def check_kopecks(
    value: Any,
    what: str,
    *,
    minimum: int = 0,
    maximum: int = MAX_AMOUNT,
) -> int:
    """An amount a service was given: whole kopecks (``int``) within ``minimum..maximum``."""
    if not _is_int(value):
        raise ValidationError(
            _("{what} must be a whole number of kopecks, not {value!r}.").format(
                what=what, value=_short(value)
            )
        )
    if value < minimum:
        if minimum == 1:
            raise ValidationError(_("{what} must be more than zero.").format(what=what))
        raise ValidationError(
            _("{what} cannot be less than {minimum}.").format(what=what, minimum=_money(minimum))
        )
    if value > maximum:
        raise ValidationError(
            _("{what} of {amount} is more than {maximum}: check the amount typed.").format(
                what=what, amount=_money(value), maximum=_money(maximum)
            )
        )
    return value


def parse_money(text: Any, what: str | None = None, *, maximum: int = MAX_AMOUNT) -> int:
    """Read "12", "12.5", "12,50", "1 250.00", "125 ₴" into kopecks; refuse anything else,
    negatives, more than two decimals and amounts above ``maximum``."""
    what = what or _("The amount")
    if not isinstance(text, str):
        raise ValidationError(
            _("{what}: {text!r} is not an amount of money: type it like 125.50").format(
                what=what, text=_short(text)
            )
        )
    cleaned = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".")
    for suffix in ("₴", "грн", "uah", "UAH"):
        cleaned = cleaned.removesuffix(suffix)
    if cleaned.startswith("-") and len(cleaned) <= MAX_NUMBER_TEXT and _plain_decimal(cleaned[1:]):
        raise ValidationError(
            _("{text!r} is negative: type the amount without a minus.").format(text=_short(text))
        )
    if not cleaned or len(cleaned) > MAX_NUMBER_TEXT or not _plain_decimal(cleaned):
        raise ValidationError(
            _("{text!r} is not an amount of money: type it like 125.50").format(text=_short(text))
        )
    value = Decimal(cleaned)
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError(
            _("{text!r} has more than two decimals: money is counted to the kopeck").format(
                text=_short(text)
            )
        )
    if value < 0:
        raise ValidationError(
            _("{text!r} is negative: type the amount without a minus.").format(text=_short(text))
        )
    if value * KOPECKS > maximum:
        raise ValidationError(
            _("{text} is more than {maximum}: check the amount typed.").format(
                text=text.strip(), maximum=_money(maximum)
            )
        )
    return int(value * KOPECKS)


def _plain_decimal(text: str) -> bool:
    """Digits with at most one point: no exponent ("1e5"), sign, NaN or Infinity."""
    whole, _sep, frac = text.partition(".")
    return (whole + frac).isascii() and (whole + frac).isdigit() and "." not in frac


# --- quantities --------------------------------------------------------------------------


def check_qty(value: Any, *, weighed: bool, name: str = "") -> int:
    """A quantity a service was given: thousandths of the unit (``int``), 1..MAX_QTY, and
    whole units for goods sold by the piece."""
    if not _is_int(value):
        raise ValidationError(
            _(
                "A quantity must be a whole number of thousandths of the unit, not {value!r}."
            ).format(value=_short(value))
        )
    if value <= 0:
        raise ValidationError(_("The quantity must be more than zero: delete the line instead."))
    if value > MAX_QTY:
        raise ValidationError(
            _("{qty} is too large a quantity (at most {max}).").format(
                qty=_qty(value), max=_qty(MAX_QTY)
            )
        )
    if not weighed and value % 1000:
        raise ValidationError(
            _("{name} is sold by the piece: the quantity must be whole.").format(
                name=name or _("This product")
            )
        )
    return value


def parse_qty(text: Any, *, allow_zero: bool = False) -> int:
    """ "3" -> 3000, "1.25" or "1,25" -> 1250; refuse zero (unless ``allow_zero``: a stock
    count), negatives, exponents, more than three decimals and more than MAX_QTY."""
    if not isinstance(text, str):
        if _is_int(text) or (isinstance(text, Decimal) and text.is_finite()):
            text = str(text)
        else:
            raise ValidationError(
                _("{text!r} is not a quantity: type a number like 3 or 1.25.").format(
                    text=_short(text)
                )
            )
    cleaned = text.strip().replace(",", ".")
    if cleaned.startswith("-"):
        if allow_zero:
            raise ValidationError(_("The quantity must be 0 or more."))
        raise ValidationError(_("The quantity must be more than zero."))
    if not cleaned or len(cleaned) > MAX_NUMBER_TEXT or not _plain_decimal(cleaned):
        raise ValidationError(
            _("{text!r} is not a quantity: type a number like 3 or 1.25.").format(text=_short(text))
        )
    value = Decimal(cleaned)
    if value < 0 or (value == 0 and not allow_zero):
        raise ValidationError(_("The quantity must be more than zero."))
    milli = value * 1000
    if milli != milli.to_integral_value():
        raise ValidationError(_("A quantity has at most three decimals (grams)."))
    if milli > MAX_QTY:
        raise ValidationError(
            _("{text} is too large a quantity (at most {max}).").format(
                text=text.strip(), max=_qty(MAX_QTY)
            )
        )
    return int(milli)


# --- percentages ------------------------------------------------------------------------


def check_percent(value: Any, what: str | None = None, *, allow_zero: bool = False) -> Decimal:
    """A percentage (``Decimal``, ``int`` or text): finite, above 0 (or 0 when allowed), at
    most 100, at most two decimals."""
    what = what or _("A percentage")
    if isinstance(value, str):
        cleaned = value.strip().removesuffix("%").strip().replace(",", ".")
        if not cleaned or len(cleaned) > MAX_NUMBER_TEXT or not _plain_decimal(cleaned):
            raise ValidationError(
                _("{text!r} is not a percentage: type it like 10 or 7.5.").format(
                    text=_short(value)
                )
            )
        value = Decimal(cleaned)
    elif _is_int(value):
        if abs(value) > 1000:
            raise ValidationError(
                _("{what} is at most 100%, not {value}.").format(what=what, value=value)
            )
        value = Decimal(value)
    elif not isinstance(value, Decimal):
        raise ValidationError(
            _("{what} must be a number like 10 or 7.5, not {value!r}.").format(
                what=what, value=_short(value)
            )
        )
    if not value.is_finite():
        raise ValidationError(_("{what} must be a number like 10 or 7.5.").format(what=what))
    low_ok = value >= 0 if allow_zero else value > 0
    if not low_ok or value > 100:
        raise ValidationError(
            _("{what} is more than 0 and at most 100, not {value}.").format(what=what, value=value)
            if not allow_zero
            else _("{what} is from 0 to 100, not {value}.").format(what=what, value=value)
        )
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError(_("{what} has at most two decimals.").format(what=what))
    return value


# --- whole numbers (days, counts) ---------------------------------------------------------


def check_count(
    value: Any, what: str, *, minimum: int = 0, maximum: int = MAX_DAYS, text: bool = True
) -> int:
    """A whole number within ``minimum..maximum`` (days, a count of cards, a number of
    months); text is read as a decimal whole number unless ``text`` is False (a service's
    own argument)."""
    if isinstance(value, str) and text:
        cleaned = value.strip()
        sign = cleaned.startswith("-")
        digits = cleaned[1:] if sign else cleaned
        if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
            raise ValidationError(
                _(
                    "{what} must be a whole number from {minimum} to {maximum}, not {value!r}."
                ).format(what=what, minimum=minimum, maximum=maximum, value=_short(value))
            )
        value = -int(digits) if sign else int(digits)
    if not _is_int(value):
        raise ValidationError(
            _("{what} must be a whole number from {minimum} to {maximum}, not {value!r}.").format(
                what=what, minimum=minimum, maximum=maximum, value=_short(value)
            )
        )
    if not minimum <= value <= maximum:
        raise ValidationError(
            _("{what} must be from {minimum} to {maximum}, not {value}.").format(
                what=what, minimum=minimum, maximum=maximum, value=_short(value)
            )
        )
    return value


# --- text -------------------------------------------------------------------------------


def check_text(
    value: Any,
    what: str,
    *,
    max_len: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """Text for a field: a ``str`` without control characters (line breaks only when
    ``multiline``), without broken Unicode, stripped, at most ``max_len`` characters."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValidationError(
            _("{what} must be text, not {value!r}.").format(what=what, value=_short(value))
        )
    if len(value) > max(MAX_TEXT_INPUT, max_len * 4):
        raise ValidationError(
            _("{what} is {n} characters long: at most {max}.").format(
                what=what, n=len(value), max=max_len
            )
        )
    text = value.strip()
    for ch in text:
        if ch in "\n\r\t" and multiline:
            continue
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise ValidationError(
                _("{what} holds a broken character: retype it.").format(what=what)
            )
        if not ch.isprintable() and ch not in "\u00a0\u202f":
            raise ValidationError(
                _("{what} holds a control character ({code}): retype it.").format(
                    what=what, code=f"U+{ord(ch):04X}"
                )
            )
    if required and not text:
        raise ValidationError(_("{what} is empty.").format(what=what))
    if len(text) > max_len:
        raise ValidationError(
            _("{what} is {n} characters long: at most {max}.").format(
                what=what, n=len(text), max=max_len
            )
        )
    return text


def check_code(value: Any, what: str | None = None, *, max_len: int = 40) -> str:
    """A code as scanned or typed (barcode, article, card, promo code): 1..``max_len``
    visible characters, no spaces."""
    what = what or _("The code")
    text = check_text(value, what, max_len=max_len, required=True)
    if any(ch.isspace() for ch in text):
        raise ValidationError(
            _("{text!r} is not a code: codes have no spaces.").format(text=_short(text))
        )
    return text


# --- dates, ids, encodings ---------------------------------------------------------------


def check_date(value: Any, what: str) -> dt.date:
    """A calendar date: a ``date`` (not a datetime) or ISO text ``YYYY-MM-DD``, 1900..2200."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(
                _("{what}: {value!r} is not a date like 2026-11-22.").format(
                    what=what, value=_short(value)
                )
            ) from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValidationError(
            _("{what} must be a date like 2026-11-22, not {value!r}.").format(
                what=what, value=_short(value)
            )
        )
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValidationError(
            _("{what} {value} is out of range: check the year.").format(what=what, value=value)
        )
    return value


def check_datetime(value: Any, what: str) -> dt.datetime:
    """A moment: a ``datetime`` or ISO text ``YYYY-MM-DDTHH:MM[:SS]``, years 1900..2200."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(
                _("{what}: {value!r} is not a date and time like 2026-11-22T12:00:00.").format(
                    what=what, value=_short(value)
                )
            ) from None
    if not isinstance(value, dt.datetime):
        raise ValidationError(
            _("{what} must be a date and time like 2026-11-22T12:00:00, not {value!r}.").format(
                what=what, value=_short(value)
            )
        )
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)  # the shop's wall clock, naive
    if not MIN_DATE <= value.date() <= MAX_DATE:
        raise ValidationError(
            _("{what} {value} is out of range: check the year.").format(what=what, value=value)
        )
    return value


def check_uuid(value: Any, what: str | None = None) -> str:
    """A receipt id: a UUID in its canonical text form."""
    what = what or _("The receipt id")
    try:
        return str(uuidlib.UUID(value)) if isinstance(value, str) else _bad_uuid(value, what)
    except ValueError:
        return _bad_uuid(value, what)


def _bad_uuid(value: Any, what: str) -> str:
    raise ValidationError(
        _("{what} {value!r} is not a UUID: nothing was saved.").format(
            what=what, value=_short(value)
        )
    )


def check_id(value: Any, what: str) -> int:
    """A row id given by a caller: a positive ``int`` that fits a database integer."""
    if not _is_int(value) or not 0 < value < 2**63:
        raise ValidationError(
            _("{what} must be a record number, not {value!r}.").format(
                what=what, value=_short(value)
            )
        )
    return value


def check_encoding(name: Any) -> str:
    """A text encoding a CSV file may be in (see TEXT_ENCODINGS); the canonical codec name."""
    key = name.strip().lower() if isinstance(name, str) else ""
    if key in TEXT_ENCODINGS:
        return TEXT_ENCODINGS[key]
    known = _("utf-8, cp1251, cp866 or koi8-u")
    try:
        is_codec = bool(key) and codecs.lookup(key) is not None
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        is_codec = False
    if is_codec:
        raise ValidationError(
            _(
                "{name!r} cannot read a Ukrainian price list or customer file correctly: "
                "use {known} (or leave --encoding out to detect it)."
            ).format(name=_short(name), known=known)
        )
    raise ValidationError(
        _("Unknown encoding {name!r}: use {known}.").format(name=_short(name), known=known)
    )


# --- helpers for messages -----------------------------------------------------------------


def _short(value: Any, limit: int = 40) -> str:
    """A value as it may be quoted in a message: cut, and without unprintable characters."""
    try:
        text = value if isinstance(value, str) else repr(value)
    except ValueError:  # an int too long to print (Python's 4 300-digit limit)
        text = type(value).__name__
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "".join(
        ch if ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF else "?" for ch in text
    )


ABSURD = 10**18  # beyond this a number is not quoted back (it may not even print)


def _money(kopecks: int) -> str:
    from torgtui.money import format_money

    return format_money(kopecks) if abs(kopecks) < ABSURD else _("an absurd amount")


def _qty(milli: int) -> str:
    from torgtui.money import format_qty

    return format_qty(milli) if abs(milli) < ABSURD else _("an absurd quantity")
