"""Loyalty card numbers: the shop's own numbering (EAN-13 with a check digit), issuing a card to
a customer (a generated number, or a blank plastic card scanned), blocking and unblocking it.

Numbering. A card type with a ``prefix`` numbers its own cards: ``make_ean13(prefix, n)`` for
``n`` in ``range_from..range_to`` (no range, 0..0: from 1 to the largest number the prefix
leaves room for). Types without a prefix share the shop's numbering: the ``customers.card_prefix``
setting ("29"), numbers from 1 up, its counter kept in the ``setting`` table. The next number
is claimed by a conditional UPDATE of the counter (``... WHERE next_number = <what was read>``)
whose row count decides, so two registers issuing at once never get the same number; numbers
already on a card or on a product (a blank card scanned earlier, an old card imported) are
skipped.

Validation. Every new card number -- issued here, or typed into the customer card
(torgtui.customers.service) -- goes through :func:`clean_card_number` (like a product barcode:
a 13-digit number must carry its check digit) and :func:`check_new_card_number` (not another
card's, not a product's barcode or article, within the card type's own range when it has one).

API (the customer card screen and the register's F6 call these; ``shop_prefix`` is
``settings.customers.card_prefix``):

* ``issue_card(customer, card_type, number=None, *, by, shop_prefix="29")`` -> the customer with
  ``card``, ``card_type``, ``card_status="active"`` and ``card_issued_at``. ``number`` None
  generates one; a scanned blank card gives its number. Needs CREATE_CUSTOMERS, and
  EDIT_CUSTOMERS when it replaces a card the customer has. Audited ``customer.card_issue``.
* ``block_card(customer, *, by, reason="")`` / ``unblock_card(...)``: EDIT_CUSTOMERS, audited
  ``customer.card_block`` / ``customer.card_unblock``. A blocked card gives no discount or
  bonuses, and the register's code field refuses it.
* ``generate_number(card_type, *, shop_prefix="29")`` -> the next free number (inside the
  caller's transaction when there is one); ``next_numbers(card_type, count)`` to preview.
* ``card_numberings(shop_prefix)`` / ``in_card_range(code, shop_prefix)``: which 13-digit codes
  are card numbers, from memory (the register's code field asks this for every scan).
* ``may_issue(employee, customer)``: whether to offer "issue a card" on the card screen.
* Printing: torgtui.customers.printing.card_pdf(path, customers, store_name=...) (one
  card-sized page each, with the card type's name) and card_label_for(customer,
  language="tspl"|"zpl") (label printer bytes; send with torgtui.hw.labels.send_label).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import peewee

from torgtui.catalog.barcodes import GTIN_LENGTHS, gtin_check_digit, is_valid_gtin, make_ean13
from torgtui.clock import Clock, system_clock
from torgtui.db import database, query_value, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import rulecache
from torgtui.models import Barcode, CardType, Customer, Employee, Product
from torgtui.staff import Permission, audit, can, require
from torgtui.values import check_id, check_text

DEFAULT_SHOP_PREFIX = "29"  # the default of settings.customers.card_prefix
SHOP_COUNTER = "cards.next_number.{prefix}"  # the shop numbering's counter in ``setting``
WINDOW = 500  # numbers checked for "already on a card or product" in one query
MAX_TRIES = 10_000  # lost races in a row before giving up (never reached in a shop)


@dataclass(frozen=True)
class Numbering:
    """Where a card type's numbers come from."""

    prefix: str
    low: int
    high: int
    card_type_id: int | None  # None: the shop's numbering (types without their own)

    def number(self, n: int) -> str:
        return make_ean13(self.prefix, n)

    def fits(self, code: str) -> bool:
        """``code`` is a number of this numbering (a valid EAN-13 with the prefix, in range)."""
        if len(code) != 13 or not code.startswith(self.prefix) or not is_valid_gtin(code):
            return False
        return self.low <= int(code[len(self.prefix) : 12]) <= self.high


def space(prefix: str) -> int:
    """The largest number an EAN-13 with ``prefix`` has room for."""
    return 10 ** (12 - len(prefix)) - 1


def check_shop_prefix(prefix: Any) -> str:
    """The shop's card prefix (settings.customers.card_prefix): 1 to 6 digits."""
    text = check_text(prefix, _("The card numbers' prefix"), max_len=6, required=True)
    if not (text.isascii() and text.isdigit()):
        raise ValidationError(_("A card number prefix is digits, like 29."))
    return text


def numbering_of(card_type: CardType | None, shop_prefix: str) -> Numbering:
    """The card type's own numbering when it has a prefix, else the shop's."""
    if card_type is not None and card_type.prefix:
        if len(card_type.prefix) > 11:
            raise ValidationError(
                _(
                    "The card type {name}'s prefix leaves no room for numbers: at most 11 digits."
                ).format(name=card_type.name)
            )
        if not card_type.range_to:  # no range given: the whole room the prefix leaves
            return Numbering(card_type.prefix, 1, space(card_type.prefix), card_type.id)
        high = min(space(card_type.prefix), card_type.range_to)
        return Numbering(card_type.prefix, card_type.range_from, high, card_type.id)
    prefix = check_shop_prefix(shop_prefix)
    return Numbering(prefix, 1, space(prefix), None)


def _own_numberings() -> tuple[Numbering, ...]:
    return rulecache.cached(
        "card_numberings",
        lambda: tuple(
            numbering_of(ct, DEFAULT_SHOP_PREFIX)
            for ct in CardType.select().where(CardType.prefix != "").order_by(CardType.id)
        ),
    )


def card_numberings(shop_prefix: str = DEFAULT_SHOP_PREFIX) -> tuple[Numbering, ...]:
    """Every card numbering: the card types' own, then the shop's (kept in memory)."""
    prefix = check_shop_prefix(shop_prefix)
    return (*_own_numberings(), Numbering(prefix, 1, space(prefix), None))


def in_card_range(code: str, shop_prefix: str = DEFAULT_SHOP_PREFIX) -> bool:
    """``code`` is a number in one of the card numberings: no database read for a code that
    is not 13 digits, one (the rules' version) otherwise."""
    if len(code) != 13 or not code.isdigit():
        return False
    return any(n.fits(code) for n in card_numberings(shop_prefix))


# --- validation ---------------------------------------------------------------------------


def clean_card_number(number: Any) -> str:
    """A card number as typed or scanned, checked like a product barcode: 3 to 40 Latin
    letters or digits, and an EAN/UPC-length number (8, 12, 13, 14 digits) must carry its
    check digit (torgtui.catalog.barcodes)."""
    code = check_text(number, _("The card number"), max_len=40, required=True)
    if not (code.isascii() and code.isalnum()) or len(code) < 3:
        raise ValidationError(
            _("{code!r} is not a card number: use 3 to 40 letters or digits.").format(code=code)
        )
    if code.isdigit() and len(code) in GTIN_LENGTHS and not is_valid_gtin(code):
        raise ValidationError(
            _(
                "Card number {code} has a wrong check digit (the last digit should be "
                "{expected}): rescan the card or type the number again."
            ).format(code=code, expected=gtin_check_digit(code[:-1]))
        )
    return code


def product_with_code(code: str) -> Product | None:
    """Any product (sold or not) whose barcode or article is ``code``."""
    row = Barcode.get_or_none(Barcode.code == code)
    if row is not None:
        return Product.get_by_id(row.product_id)
    return Product.get_or_none(Product.sku == code)


def check_new_card_number(
    number: Any, *, card_type: CardType | None = None, customer_id: int | None = None
) -> str:
    """A number about to be put on a card: cleaned (:func:`clean_card_number`), within the
    card type's own range when it has one, not another card's, not a product's code."""
    code = clean_card_number(number)
    if card_type is not None and card_type.prefix:
        own = numbering_of(card_type, DEFAULT_SHOP_PREFIX)
        if not own.fits(code):
            raise ValidationError(
                _(
                    "Card {code} is not a {name} card: its numbers are {first} to {last}. "
                    "Scan a card of this type, or let the number be generated."
                ).format(
                    code=code,
                    name=card_type.name,
                    first=own.number(own.low),
                    last=own.number(own.high),
                )
            )
    holder = Customer.get_or_none(Customer.card == code)
    if holder is not None and holder.id != customer_id:
        raise ValidationError(
            _("Card {code} already belongs to {name}: take another card.").format(
                code=code, name=holder.name
            )
        )
    product = product_with_code(code)
    if product is not None:
        raise ValidationError(
            _("{code} is the barcode of the product {name}, not a card: take another card.").format(
                code=code, name=product.name
            )
        )
    return code


# --- generating numbers -------------------------------------------------------------------


def _taken(numbering: Numbering, low: int, high: int) -> set[int]:
    """Numbers of ``low..high`` already used by a card, a product barcode or an article."""
    first, last = numbering.number(low)[:12] + "0", numbering.number(high)[:12] + "9"
    used: set[int] = set()
    for statement in (
        'SELECT "card" FROM "customer" WHERE "card" >= ? AND "card" <= ?',
        'SELECT "code" FROM "barcode" WHERE "code" >= ? AND "code" <= ?',
        'SELECT "sku" FROM "product" WHERE "sku" >= ? AND "sku" <= ?',
    ):
        for (code,) in database.execute_sql(sql(statement), (first, last)).fetchall():
            if len(code) == 13 and code.isdigit() and code.startswith(numbering.prefix):
                used.add(int(code[len(numbering.prefix) : 12]))
    return used


def _read_counter(numbering: Numbering) -> int:
    if numbering.card_type_id is not None:
        value = query_value(
            'SELECT "next_number" FROM "card_type" WHERE "id" = ?', (numbering.card_type_id,)
        )
        return int(value or 0)  # type: ignore[call-overload]
    key = SHOP_COUNTER.format(prefix=numbering.prefix)
    value = query_value('SELECT "value" FROM "setting" WHERE "key" = ?', (key,))
    if value is None:
        database.execute_sql(
            sql(
                'INSERT INTO "setting" ("key", "value") VALUES (?, ?) '
                'ON CONFLICT ("key") DO NOTHING'
            ),
            (key, str(numbering.low)),
        )
        value = query_value('SELECT "value" FROM "setting" WHERE "key" = ?', (key,))
    return int(str(value))


def _claim(numbering: Numbering, seen: int, new: int) -> bool:
    """Move the counter from ``seen`` to ``new``; False when another register moved it first."""
    if numbering.card_type_id is not None:
        statement = 'UPDATE "card_type" SET "next_number" = ? WHERE "id" = ? AND "next_number" = ?'
        params: tuple = (new, numbering.card_type_id, seen)
    else:
        statement = 'UPDATE "setting" SET "value" = ? WHERE "key" = ? AND "value" = ?'
        params = (str(new), SHOP_COUNTER.format(prefix=numbering.prefix), str(seen))
    return database.execute_sql(sql(statement), params).rowcount == 1


def _exhausted(numbering: Numbering, card_type: CardType | None) -> ValidationError:
    if card_type is not None and numbering.card_type_id is not None:
        return ValidationError(
            _(
                "All numbers of {name} cards ({first} to {last}) are used: widen the card "
                "type's range, or scan a blank card."
            ).format(
                name=card_type.name,
                first=numbering.number(numbering.low),
                last=numbering.number(numbering.high),
            )
        )
    return ValidationError(
        _(
            "All card numbers with the prefix {prefix} are used: set another "
            "customers.card_prefix, or scan a blank card."
        ).format(prefix=numbering.prefix)
    )


def _resolve_type(card_type: CardType | int | None) -> CardType | None:
    if card_type is None:
        return None
    type_id = check_id(getattr(card_type, "id", card_type), _("The card type"))
    found = CardType.get_or_none(CardType.id == type_id)
    if found is None:
        raise ValidationError(_("There is no such card type: choose one from the list."))
    return found


def generate_number(
    card_type: CardType | int | None, *, shop_prefix: str = DEFAULT_SHOP_PREFIX
) -> str:
    """The next free card number of the card type's numbering (or the shop's), claimed for
    good: a number is never given twice, even to two registers at the same moment. Refuses
    when the range is used up. Runs inside the caller's transaction when there is one."""
    with write_tx():
        found = _resolve_type(card_type)
        numbering = numbering_of(found, shop_prefix)
        for _try in range(MAX_TRIES):
            seen = _read_counter(numbering)
            start = max(seen, numbering.low)
            if start > numbering.high:
                raise _exhausted(numbering, found)
            end = min(start + WINDOW - 1, numbering.high)
            used = _taken(numbering, start, end)
            free = next((n for n in range(start, end + 1) if n not in used), None)
            if not _claim(numbering, seen, (free if free is not None else end) + 1):
                continue  # another register took a number meanwhile: read the counter again
            if free is not None:
                return numbering.number(free)
        raise ValidationError(_("Card numbers are being issued too fast: try again."))


def next_numbers(
    card_type: CardType | int | None, count: int = 1, *, shop_prefix: str = DEFAULT_SHOP_PREFIX
) -> list[str]:
    """The numbers :func:`generate_number` would give next (a preview: nothing is claimed)."""
    numbering = numbering_of(_resolve_type(card_type), shop_prefix)
    start = max(_peek(numbering), numbering.low)
    out: list[str] = []
    while len(out) < count and start <= numbering.high:
        end = min(start + WINDOW - 1, numbering.high)
        used = _taken(numbering, start, end)
        out.extend(numbering.number(n) for n in range(start, end + 1) if n not in used)
        start = end + 1
    return out[:count]


def _peek(numbering: Numbering) -> int:
    if numbering.card_type_id is not None:
        return _read_counter(numbering)
    key = SHOP_COUNTER.format(prefix=numbering.prefix)
    value = query_value('SELECT "value" FROM "setting" WHERE "key" = ?', (key,))
    return int(str(value)) if value is not None else numbering.low


# --- issuing, blocking --------------------------------------------------------------------


def _card_facts(customer: Customer) -> dict[str, Any]:
    return {
        "card": customer.card,
        "card_type": customer.card_type_id,
        "card_status": customer.card_status,
        "card_spent_at": customer.card_spent_at,
    }


def _active_customer(customer: Customer | int) -> Customer:
    customer_id = check_id(getattr(customer, "id", customer), _("The customer"))
    current = Customer.get_or_none(Customer.id == customer_id)
    if current is None or current.status != "active":
        raise ValidationError(_("That customer card is not active: refresh the list."))
    return current


def issue_card(
    customer: Customer | int,
    card_type: CardType | int,
    number: str | None = None,
    *,
    by: Employee,
    shop_prefix: str = DEFAULT_SHOP_PREFIX,
    clock: Clock = system_clock,
) -> Customer:
    """Give ``customer`` a card of ``card_type``: ``number`` None generates the next number,
    a scanned blank card gives its own (validated, see the module doc). Replacing a card the
    customer has needs EDIT_CUSTOMERS; the old number is freed. Audited."""
    require(by, Permission.CREATE_CUSTOMERS)
    scanned = clean_card_number(number) if number is not None else None
    shop_prefix = check_shop_prefix(shop_prefix)
    check_id(getattr(card_type, "id", card_type), _("The card type"))
    now = clock()
    with write_tx():
        current = _active_customer(customer)
        if current.card:
            require(by, Permission.EDIT_CUSTOMERS)
        found = _resolve_type(card_type)
        assert found is not None
        if not found.active:
            raise ValidationError(
                _("The card type {name} is no longer in use: choose another.").format(
                    name=found.name
                )
            )
        if scanned is not None:
            code = check_new_card_number(scanned, card_type=found, customer_id=current.id)
        else:
            code = generate_number(found, shop_prefix=shop_prefix)
        same = code == current.card and found.id == current.card_type_id
        fields = {
            "card": code,
            "card_type": found.id,
            "card_status": "active",
            "card_issued_at": now,
            "updated_at": now,
        }
        if not same:
            fields["card_spent_at"] = None  # a new card: a one-time discount is unused
        try:
            Customer.update(**fields).where(Customer.id == current.id).execute()
        except peewee.IntegrityError:
            text = (
                _("Card {code} was issued on another register a moment ago: take another card.")
                if scanned is not None
                else _("Card {code} was issued on another register a moment ago: issue again.")
            )
            raise ValidationError(text.format(code=code)) from None
        issued = Customer.get_by_id(current.id)
        audit(
            "customer.card_issue",
            by,
            object_type="customer",
            object_id=current.id,
            before=_card_facts(current),
            after={**_card_facts(issued), "generated": scanned is None},
            clock=clock,
        )
    return issued


def _set_card_status(
    customer: Customer | int, status: str, *, by: Employee, reason: Any, clock: Clock
) -> Customer:
    require(by, Permission.EDIT_CUSTOMERS)
    reason = check_text(reason, _("The reason"), max_len=200)
    now = clock()
    with write_tx():
        current = _active_customer(customer)
        if not current.card:
            raise ValidationError(
                _("{name} has no card yet: issue one first.").format(name=current.name)
            )
        if current.card_status == status:
            text = (
                _("Card {code} is blocked already.")
                if status == "blocked"
                else _("Card {code} is not blocked.")
            )
            raise ValidationError(text.format(code=current.card))
        Customer.update(card_status=status, updated_at=now).where(
            Customer.id == current.id
        ).execute()
        audit(
            "customer.card_block" if status == "blocked" else "customer.card_unblock",
            by,
            object_type="customer",
            object_id=current.id,
            before={"card": current.card, "card_status": current.card_status},
            after={"card": current.card, "card_status": status, "reason": reason},
            clock=clock,
        )
    return Customer.get_by_id(current.id)


def block_card(
    customer: Customer | int, *, by: Employee, reason: str = "", clock: Clock = system_clock
) -> Customer:
    """Block a lost or misused card: no discount, no bonuses, refused at the register."""
    return _set_card_status(customer, "blocked", by=by, reason=reason, clock=clock)


def unblock_card(
    customer: Customer | int, *, by: Employee, reason: str = "", clock: Clock = system_clock
) -> Customer:
    return _set_card_status(customer, "active", by=by, reason=reason, clock=clock)


def may_issue(employee: Employee | None, customer: Customer) -> bool:
    """Whether the card screen should offer "issue a card" (the service checks again)."""
    permission = Permission.EDIT_CUSTOMERS if customer.card else Permission.CREATE_CUSTOMERS
    return can(employee, permission)


__all__ = [
    "DEFAULT_SHOP_PREFIX",
    "Numbering",
    "block_card",
    "card_numberings",
    "check_new_card_number",
    "check_shop_prefix",
    "clean_card_number",
    "generate_number",
    "in_card_range",
    "issue_card",
    "may_issue",
    "next_numbers",
    "numbering_of",
    "unblock_card",
]
