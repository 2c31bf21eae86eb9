"""``torgtui price BASKET.json``: price a basket without a screen, for scripts and backtests.

Input (UTF-8, a BOM is fine; ``-`` reads standard input)::

    {"lines": [{"barcode": "4820..."} | {"sku": "D-1", "qty": 1.25}, ...],
     "customer": null | {"card": "2900000000018"} | {"phone": "067 123 45 67"},
     "redeem_bonus": 5000 | "max",       bonuses to pay with (kopecks), from the card
     "price_type": "wholesale",          price as this type (else the card's or location's)
     "location": "MAIN",                 where it is sold (default: the settings' store.location)
     "at": "2026-11-22T12:00:00",
     "codes": ["K7M2QX9PRT"],           promo codes, as scanned (at most 20)
     "certificates": ["2700000000017"]}  gift certificates offered (at most 20)

Each line names its product by ``barcode`` or ``sku`` (one of them) and may give ``qty`` in
units (fractional for weighed goods; a scale label's weight when omitted, else 1). Every key
but ``lines`` may be left out. At most MAX_LINES lines and MAX_FILE_BYTES bytes.

Output: what :func:`torgtui.sales.why.explain` says of the priced basket, the same data as
the register's "why this price": ``{"lines": [{"product_id", "sku", "name", "qty",
"unit_price", "subtotal", "discount", "total", "adjustments": [{"step", "rule", "reason",
"amount"}], "bonus_earned", "bonus_spent", "below_cost"}], "subtotal", "discount", "total",
"to_pay", "card", "tier", "price_type", "bonus_earned", "bonus_spent", "below_cost",
"refused": [{"rule", "reason"}]}`` (a refused promo code: ``{"rule", "code", "reason"}``, see
torgtui.marketing.codes_sale) plus ``"customer_id"``, ``"location"`` and ``"errors"``, and with
``certificates`` what they would pay: ``"certificates": {"pay", "items": [{"code", "pays",
"balance", "partial"}]}`` (one that cannot pay is in ``refused`` with its reason, see
torgtui.marketing.certificates_sale); money in integer kopecks, qty in units as given.

What is refused, and how:

* A basket that cannot be read as described (not JSON, too large or too deep, an unknown key
  at any level, a line without a code or with both, a malformed customer, ``redeem_bonus``,
  ``price_type``, ``location`` or ``at``), a customer no active card matches (or a phone on
  several cards), an unknown price type or location: one message naming the key or line,
  nothing printed on standard output, exit status 2. The customer decides the prices, so a
  basket is never priced for somebody else, or for nobody, by mistake.
* A line whose code names no product or whose quantity is not acceptable is listed in
  ``errors`` as ``line N: ...`` and left out; the rest is priced and printed; exit status 1.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from torgtui.errors import ValidationError
from torgtui.i18n import _

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_LINES = 10_000
MAX_NUMBER_DIGITS = 40
BASKET_KEYS = (
    "lines",
    "customer",
    "redeem_bonus",
    "price_type",
    "location",
    "at",
    "codes",
    "certificates",
)
CERTIFICATE_MARK = "GC:"  # a gift certificate in basket.codes (marketing.certificates_sale.MARK)
MAX_CODES = 20
LINE_KEYS = ("barcode", "sku", "qty")
CUSTOMER_KEYS = ("card", "phone")


class BasketError(ValidationError):
    """The basket file as a whole cannot be priced (exit status 2)."""


@dataclass
class BasketLine:
    n: int  # 1-based, as in messages
    code: Any  # checked when priced: a bad code is that line's error, not the file's
    qty: Any = None  # as given; None = not given


@dataclass
class BasketRequest:
    """A basket file read and checked for shape (no database needed)."""

    lines: list[BasketLine] = field(default_factory=list)
    customer: tuple[str, str] | None = None  # ("card" | "phone", text)
    redeem_bonus: int | str | None = None  # kopecks, or "max"
    price_type: str | None = None
    location: str | None = None
    at: dt.datetime | None = None
    codes: list[str] = field(default_factory=list)  # promo codes, as scanned
    certificates: list[str] = field(default_factory=list)  # gift certificates' barcodes


# --- reading ------------------------------------------------------------------------------


class _BadNumber(ValueError):
    pass


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _BadNumber(text)
    return int(text)


def _parse_constant(text: str) -> Any:
    raise _BadNumber(text)


def _read_bytes(path: str) -> bytes:
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream (tests)
            return sys.stdin.read(MAX_FILE_BYTES + 1).encode("utf-8", "surrogatepass")
        return stream.read(MAX_FILE_BYTES + 1)
    try:
        with Path(path).open("rb") as f:
            return f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise BasketError(_("Basket file {path} does not exist.").format(path=path)) from None
    except IsADirectoryError:
        raise BasketError(
            _("{path} is a folder: give the basket's JSON file.").format(path=path)
        ) from None
    except OSError as exc:
        raise BasketError(
            _("Cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None


def load_basket(path: str) -> BasketRequest:
    """Read and check the basket file ``path`` (``-``: standard input); BasketError if unusable."""
    return read_basket(load_json(path), path)


def load_json(path: str) -> Any:
    """The JSON of file ``path`` (``-``: standard input), bounded; BasketError if unusable."""
    data = _read_bytes(path)
    if len(data) > MAX_FILE_BYTES:
        raise BasketError(
            _(
                "{path} is larger than {mb} MB: a basket has at most {lines} lines. "
                "Split it into several baskets."
            ).format(path=path, mb=MAX_FILE_BYTES // 2**20, lines=MAX_LINES)
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BasketError(
            _("{path} is not UTF-8 text (byte {pos}): save it as UTF-8.").format(
                path=path, pos=exc.start
            )
        ) from None
    try:
        parsed = json.loads(
            text,
            parse_float=Decimal,
            parse_int=_parse_int,
            parse_constant=_parse_constant,
        )
    except json.JSONDecodeError as exc:
        raise BasketError(
            _("{path} is not valid JSON: {error}").format(path=path, error=exc)
        ) from None
    except _BadNumber as exc:
        raise BasketError(
            _("{path} holds the number {number}: quantities are numbers like 3 or 1.25.").format(
                path=path, number=_shown(str(exc)[:MAX_NUMBER_DIGITS])
            )
        ) from None
    except RecursionError:
        raise BasketError(
            _(
                '{path} is nested too deeply: a basket is {{"lines": [{{"sku": "D-1", '
                '"qty": 2}}, ...]}}.'
            ).format(path=path)
        ) from None
    return parsed


def _shown(value: Any) -> str:
    """A key or value as quoted in a message: JSON text, cut, escapes for what cannot print."""
    text = value if isinstance(value, str) else repr(value)
    return json.dumps(text[:40])


def _unknown_keys(where: str, given: dict[str, Any], known: tuple[str, ...]) -> None:
    for key in given:
        if key not in known:
            raise BasketError(
                _("{where}: unknown key {key}; the keys are {known}.").format(
                    where=where, key=_shown(key), known=", ".join(f'"{k}"' for k in known)
                )
            )


def read_basket(
    data: Any, path: str = "basket", keys: tuple[str, ...] = BASKET_KEYS
) -> BasketRequest:
    """Check the shape of a parsed basket (see the module doc): BasketError names what is
    wrong. Codes and quantities are checked later, line by line. ``keys``: the keys the
    caller's file may have (``torgtui sell`` adds its own)."""
    from torgtui.values import check_code, check_datetime, check_text

    if not isinstance(data, dict) or not isinstance(data.get("lines"), list):
        raise BasketError(_('{path} must be an object with a "lines" list.').format(path=path))
    _unknown_keys(path, data, keys)
    if len(data["lines"]) > MAX_LINES:
        raise BasketError(
            _("{path} has {n} lines: a basket has at most {max}. Split it.").format(
                path=path, n=len(data["lines"]), max=MAX_LINES
            )
        )
    request = BasketRequest()
    for n, item in enumerate(data["lines"], 1):
        where = _("line {n}").format(n=n)
        if not isinstance(item, dict):
            raise BasketError(
                _('{where} must be an object like {{"sku": "D-1", "qty": 2}}.').format(where=where)
            )
        _unknown_keys(where, item, LINE_KEYS)
        if ("barcode" in item) == ("sku" in item):
            raise BasketError(
                _('{where}: give the product\'s "barcode" or its "sku" (one of them).').format(
                    where=where
                )
            )
        code = item["barcode"] if "barcode" in item else item["sku"]
        request.lines.append(BasketLine(n, code, item.get("qty")))
    customer = data.get("customer")
    if customer is not None:
        if not isinstance(customer, dict) or len(customer) != 1:
            raise BasketError(
                _(
                    '"customer" must be null, {{"card": "..."}} or {{"phone": "..."}}, not {value}.'
                ).format(value=_shown(customer))
            )
        _unknown_keys('"customer"', customer, CUSTOMER_KEYS)
        ((kind, text),) = customer.items()
        if kind == "card":
            text = check_code(text, _("The customer's card"))
        else:
            text = check_text(text, _("The customer's phone"), max_len=40, required=True)
        request.customer = (kind, text)
    if data.get("at") is not None:
        request.at = check_datetime(data["at"], '"at"')
    request.redeem_bonus = _redeem(data.get("redeem_bonus"))
    if data.get("price_type") is not None:
        request.price_type = check_code(data["price_type"], '"price_type"')
    if data.get("location") is not None:
        request.location = check_code(data["location"], '"location"', max_len=20)
    request.codes = _codes(data.get("codes"))
    request.certificates = _codes(data.get("certificates"), '"certificates"')
    return request


def basket_codes(request: BasketRequest) -> list[str]:
    """The basket's codes: the promo codes, then the gift certificates offered."""
    return [*request.codes, *(CERTIFICATE_MARK + c for c in request.certificates)]


def _codes(value: Any, key: str = '"codes"') -> list[str]:
    """``codes`` (or ``certificates``): a list of up to MAX_CODES codes (text); [] when not
    given."""
    from torgtui.values import check_code

    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_CODES:
        raise BasketError(
            _('"codes" is a list of up to {n} promo codes, like ["K7M2QX9PRT"].').format(
                n=MAX_CODES
            )
            if key == '"codes"'
            else _(
                '"certificates" is a list of up to {n} gift certificate numbers, like '
                '["2700000000017"].'
            ).format(n=MAX_CODES)
        )
    try:
        return [check_code(code, key) for code in value]
    except ValidationError as exc:
        raise BasketError(exc.message) from None


def _redeem(value: Any) -> int | str | None:
    """``redeem_bonus``: kopecks (a whole number) or "max"; None when not given."""
    from torgtui.values import check_kopecks

    if value is None or value == "max":
        return value  # type: ignore[no-any-return]
    if isinstance(value, (str, Decimal)):
        raise BasketError(
            _(
                '"redeem_bonus" is a whole number of kopecks (5000 is 50.00) or "max", not {value}.'
            ).format(value=_shown(str(value)))
        )
    return check_kopecks(value, '"redeem_bonus"')


# --- pricing ------------------------------------------------------------------------------


def _customer_id(customer: tuple[str, str] | None) -> int | None:
    if customer is None:
        return None
    from torgtui.customers.service import SeveralCustomers, find_by_phone_or_card

    try:
        found = find_by_phone_or_card(customer[1])
    except SeveralCustomers as exc:
        cards = ", ".join(f"{c.card or '-'} ({c.name})" for c in exc.customers[:5])
        raise BasketError(
            _(
                '"customer": {n} cards have the phone {phone}: {cards}. Give the card: '
                '{{"card": "..."}}.'
            ).format(n=len(exc.customers), phone=_shown(customer[1]), cards=cards)
        ) from None
    if found is None:
        raise BasketError(
            _(
                '"customer": no active customer has the {kind} {value}. Check the number, '
                'or give "customer": null to price without a customer.'
            ).format(kind=customer[0], value=_shown(customer[1]))
        )
    return found.id


def location_of(code: str | None, *, default: str | None = None) -> tuple[int | None, str | None]:
    """(id, code) of the location ``code`` names (BasketError: unknown); without one, the
    ``default`` location (the settings'), or none when the shop has no such location."""
    from torgtui.models import Location

    if code is None:
        found = Location.get_or_none(Location.code == default) if default else None
        return (found.id, found.code) if found is not None else (None, None)
    found = Location.get_or_none(Location.code == code)
    if found is None:
        known = ", ".join(
            c for (c,) in Location.select(Location.code).order_by(Location.code).tuples()
        )
        raise BasketError(
            _('"location": there is no location {code}; the locations are {known}.').format(
                code=_shown(code), known=known
            )
        )
    return found.id, found.code


def _qty(value: Any) -> Any:
    """A JSON quantity as text for :func:`torgtui.values.parse_qty` (a float as written)."""
    if isinstance(value, float):
        return repr(value)
    return value


def basket_lines(
    request: BasketRequest, scale_prefixes: tuple[str, ...]
) -> tuple[list[Any], list[str]]:
    """The request's lines as basket lines, and ``line N: ...`` for each refused one."""
    from torgtui.sales.register import line_from_product
    from torgtui.sales.scan import lookup_many
    from torgtui.values import check_code, check_qty, parse_qty

    codes: dict[int, str | ValidationError] = {}
    for line in request.lines:
        try:
            codes[line.n] = check_code(line.code, _("The code"))
        except ValidationError as exc:
            codes[line.n] = exc
    # a few queries for the whole basket, not one or two per line
    found_by_code = lookup_many([c for c in codes.values() if isinstance(c, str)], scale_prefixes)
    lines, errors = [], []
    for line in request.lines:
        try:
            code = codes[line.n]
            found = code if isinstance(code, ValidationError) else found_by_code[code]
            if isinstance(found, ValidationError):
                raise found
            qty = (found.qty or 1000) if line.qty is None else parse_qty(_qty(line.qty))
            qty = check_qty(qty, weighed=found.product.weighed, name=found.product.name)
            lines.append(line_from_product(found.product, qty, found.barcode))
        except ValidationError as exc:
            errors.append(_("line {n}: {error}").format(n=line.n, error=exc.message))
    return lines, errors


def priced(basket: Any, redeem: int | str | None, make_context: Any) -> Any:  # -> Basket
    """Price ``basket`` with ``redeem`` bonuses ("max": all the card and receipt allow, as
    the register's "all" key does: priced once to learn how much, then with that)."""
    from torgtui.sales.pricing import price
    from torgtui.values import MAX_AMOUNT

    if redeem == "max":
        basket.bonus_redeem = MAX_AMOUNT
        price(basket, make_context())
        bonus = basket.info.get("bonus") or {}
        redeem = int(bonus.get("spend", 0))
    basket.bonus_redeem = int(redeem or 0)
    return price(basket, make_context())


def price_request(
    request: BasketRequest,
    *,
    scale_prefixes: tuple[str, ...] = ("20",),
    below_cost: str = "confirm",
    default_location: str | None = None,
) -> dict[str, Any]:
    """Price a checked basket (see the module doc) and return the output."""
    from torgtui.sales.basket import Basket
    from torgtui.sales.pricing import PricingContext
    from torgtui.sales.why import explain

    location_id, location = location_of(request.location, default=default_location)
    basket = Basket(customer_id=_customer_id(request.customer), codes=basket_codes(request))
    basket.lines, errors = basket_lines(request, scale_prefixes)
    at = request.at or dt.datetime.now()

    def context() -> PricingContext:
        ctx = PricingContext(
            at=at, customer_id=basket.customer_id, location_id=location_id, below_cost=below_cost
        )
        if request.price_type is not None:
            ctx.extra["price_type"] = request.price_type
        return ctx

    done = priced(basket, request.redeem_bonus, context)
    result = explain(done)
    result.update(customer_id=basket.customer_id, location=location, errors=errors)
    if request.certificates:
        result["certificates"] = done.info.get("certificates") or {"pay": 0, "items": []}
    return result


def price_basket(data: Any, *, scale_prefixes: tuple[str, ...] = ("20",)) -> dict[str, Any]:
    """Price the basket described by ``data`` (a parsed basket file, see the module doc)."""
    return price_request(read_basket(data), scale_prefixes=scale_prefixes)


def run_price_command(settings: Any, request: BasketRequest) -> int:
    """Print the priced basket as JSON; 1 when some lines were refused."""
    result = price_request(
        request,
        scale_prefixes=settings.register.prefixes(),
        below_cost=settings.register.below_cost,
        default_location=settings.store.location,
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if result["errors"]:
        print(
            _('torgtui: {n} of {total} lines were not priced: see "errors" in the output.').format(
                n=len(result["errors"]), total=len(request.lines)
            ),
            file=sys.stderr,
        )
        return 1
    return 0
