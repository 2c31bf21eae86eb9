"""The customer card: create and edit with validation, duplicate warnings, the search word
index, masked phones, and the purchase totals kept on the card.

Permissions (checked here): add customers (every selling role), edit (senior cashier and up),
see phone numbers in full (senior cashier and up; masked otherwise).

A phone that another card has is a warning, not a wall: :class:`SharedPhone` (a
DuplicateCustomer) names the cards that have it and whether the employee may still add this
card on the same phone (SHARE_PHONE: a family sharing one phone; manager and owner by
default). The screen then offers the existing card, and to those allowed, "add anyway", which
calls the service again with ``share_phone=True`` (recorded on the card and audited as
``customer.shared_phone``). A card number is never shared.

Card numbers typed in are checked like product barcodes (torgtui.marketing.numbering: the
check digit, not another card's, not a product's, within the card type's own range).

Looking a customer up at the register (F6) by card or phone: :func:`customers_by_phone_or_card`
gives every active card the text names (a card number: that one; a shared phone: each card on
it, the one whose main phone it is first, then the latest visit). :func:`find_by_phone_or_card`
gives the one card, None, or raises :class:`SeveralCustomers` (with ``customers``) when a phone
is shared: the register then shows the list to choose from, or asks for the card.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.customers.duplicates import (
    DuplicateCustomer,
    SharedPhone,
    check_duplicates,
    find_duplicates,
    record_shared_phone,
)
from torgtui.customers.phones import mask_phone, normalize_phone
from torgtui.customers.totals import recompute_totals, reindex_all
from torgtui.customers.words import name_words, sort_key
from torgtui.db import insert_rows, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.numbering import check_new_card_number, clean_card_number
from torgtui.models import (
    CardType,
    Customer,
    CustomerPhone,
    CustomerWord,
    Employee,
    FamilyMember,
    phone_tail,
)
from torgtui.money import round_kopecks
from torgtui.staff import Permission, audit, can, require
from torgtui.values import check_date, check_text

GENDERS = ("", "f", "m")
LANGUAGES = ("", "uk", "en")
RELATIONS = ("child", "spouse", "parent", "other")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_BIRTH = dt.date(1900, 1, 1)


def status_title(status: str) -> str:
    """A card's status in words (never the code: the code is stored, the words are shown)."""
    return {
        "active": _("active"),
        "merged": _("merged into another card"),
        "cleaned": _("cleaned"),
        "erased": _("erased"),
    }.get(status, status)


def relation_title(relation: str) -> str:
    return {
        "child": _("child"),
        "spouse": _("spouse"),
        "parent": _("parent"),
        "other": _("other"),
    }.get(relation, relation)


class SeveralCustomers(ValidationError):
    """A phone typed at the register is on several active cards (a family): choose one of
    ``customers`` (ordered as :func:`customers_by_phone_or_card` gives them)."""

    def __init__(self, message: str, customers: list[Customer]) -> None:
        super().__init__(message)
        self.customers = customers


@dataclass
class FamilyData:
    relation: str
    name: str
    birth_date: dt.date | None = None
    gender: str = ""


@dataclass
class CardData:
    """What a person types into a card. Phones in any usual form; the first is the main one."""

    name: str
    phones: list[str] = field(default_factory=list)
    card: str = ""
    email: str = ""
    birth_date: dt.date | None = None
    gender: str = ""
    language: str = ""
    attention: bool = False
    attention_note: str = ""
    social: str = ""
    note: str = ""
    family: list[FamilyData] | None = None  # None = leave the family as it is


def clean_birth_date(value: Any, today: dt.date, what: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        value = check_date(value, what)  # text, or the wrong type: its own message
    if value > today or value < MIN_BIRTH:
        raise ValidationError(
            _("{what}: {date} is not a possible birth date.").format(what=what, date=value)
        )
    return value


def _choice(value: Any, choices: Sequence[str], message: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValidationError(message)
    return value


def clean(data: CardData, today: dt.date) -> CardData:
    """Validate and normalise a card; raises ValidationError naming the field."""
    if not isinstance(data, CardData):
        raise ValidationError(_("That is not a customer card: nothing was saved."))
    name = " ".join(check_text(data.name, _("Name"), max_len=1000).split())
    if not name:
        raise ValidationError(_("Name: a customer needs a name."))
    if len(name) > 200:
        raise ValidationError(_("Name: at most 200 characters."))
    if not isinstance(data.phones, (list, tuple)) or len(data.phones) > 10:
        raise ValidationError(_("Phones: a list of at most 10 numbers."))
    phones: list[str] = []
    for raw in data.phones:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        phone = normalize_phone(raw)
        if phone not in phones:
            phones.append(phone)
    card = check_text(data.card, _("Card"), max_len=40)
    if card:
        card = clean_card_number(card)
    email = check_text(data.email, _("Email"), max_len=200)
    if email and not EMAIL.match(email):
        raise ValidationError(
            _("Email: {email!r} is not an address like name@example.com.").format(email=email)
        )
    gender = _choice(data.gender, GENDERS, _("Gender: f, m or empty."))
    language = _choice(data.language, LANGUAGES, _("Language: uk, en or empty."))
    if not isinstance(data.attention, bool):
        raise ValidationError(_("Attention: yes or no."))
    family = None
    if data.family is not None:
        if not isinstance(data.family, (list, tuple)) or len(data.family) > 30:
            raise ValidationError(_("Family: a list of at most 30 people."))
        family = []
        for member in data.family:
            if not isinstance(member, FamilyData):
                raise ValidationError(_("Family: every member needs a name (up to 200)."))
            member_name = " ".join(check_text(member.name, _("Family"), max_len=1000).split())
            if not member_name or len(member_name) > 200:
                raise ValidationError(_("Family: every member needs a name (up to 200)."))
            relation = _choice(
                member.relation,
                RELATIONS,
                _("Family: relation is child, spouse, parent or other."),
            )
            member_gender = _choice(member.gender, GENDERS, _("Family: gender is f, m or empty."))
            family.append(
                FamilyData(
                    relation,
                    member_name,
                    clean_birth_date(member.birth_date, today, _("Family")),
                    member_gender,
                )
            )
    return CardData(
        name=name,
        phones=phones,
        card=card,
        email=email,
        birth_date=clean_birth_date(data.birth_date, today, _("Birth date")),
        gender=gender,
        language=language,
        attention=data.attention,
        attention_note=check_text(
            data.attention_note, _("Attention note"), max_len=2000, multiline=True
        ),
        social=check_text(data.social, _("Social links"), max_len=2000, multiline=True),
        note=check_text(data.note, _("Note"), max_len=10000, multiline=True),
        family=family,
    )


def _fields(data: CardData) -> dict[str, Any]:
    birth = data.birth_date
    return {
        "name": data.name,
        "name_sort": sort_key(data.name),
        "phone": data.phones[0] if data.phones else None,
        "card": data.card or None,
        "email": data.email,
        "birth_date": birth,
        "birth_md": birth.month * 100 + birth.day if birth else None,
        "gender": data.gender,
        "language": data.language,
        "attention": data.attention,
        "attention_note": data.attention_note,
        "social": data.social,
        "note": data.note,
    }


def index_words(customer_id: int, *texts: str) -> None:
    """Replace the search words of one card (inside the caller's transaction)."""
    CustomerWord.delete().where(CustomerWord.customer == customer_id).execute()
    words = set().union(*(name_words(t) for t in texts if t))
    insert_rows("customer_word", ["word", "customer_id"], [(w, customer_id) for w in sorted(words)])


def _write_phones(customer_id: int, phones: Sequence[str]) -> None:
    CustomerPhone.delete().where(CustomerPhone.customer == customer_id).execute()
    insert_rows(
        "customer_phone_number",
        ["customer_id", "phone", "kind", "tail"],
        [(customer_id, p, "mobile", phone_tail(p)) for p in phones],
    )


def _write_family(customer_id: int, family: Iterable[FamilyData]) -> None:
    FamilyMember.delete().where(FamilyMember.customer == customer_id).execute()
    for m in family:
        FamilyMember.create(
            customer=customer_id,
            relation=m.relation,
            name=m.name,
            birth_date=m.birth_date,
            gender=m.gender,
        )


PERSONAL = ("name", "phone", "email", "birth_date", "attention_note", "note", "social")
HIDDEN = "•••"


def snapshot(customer: Customer) -> dict[str, Any]:
    """The card's fields as they are now (for comparing; see :func:`private`)."""
    keys = ("card", "gender", "language", "attention", "status", *PERSONAL)
    return {k: getattr(customer, k) for k in keys}


def private(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Before/after for the audit log without personal data.

    The audit log is append-only, so what it holds outlives an erasure on request: personal
    fields (name, phones, email, birth date, notes, addresses) are shown as hidden, and
    ``changed`` lists which of them an edit changed. Other fields keep their values.
    """

    def hide(snap: dict[str, Any] | None) -> dict[str, Any] | None:
        if snap is None:
            return None
        return {
            k: (HIDDEN if k in PERSONAL and v not in (None, "") else v) for k, v in snap.items()
        }

    out_after = hide(after)
    if before is not None and after is not None and out_after is not None:
        out_after["changed"] = sorted(k for k in PERSONAL if before.get(k) != after.get(k))
    return hide(before), out_after


def create_customer(
    data: CardData, *, by: Employee, clock: Clock = system_clock, share_phone: bool = False
) -> Customer:
    """A new card. A card number that exists raises DuplicateCustomer with its card; a phone
    that exists raises SharedPhone unless ``share_phone`` (SHARE_PHONE permission)."""
    require(by, Permission.CREATE_CUSTOMERS)
    now = clock()
    data = clean(data, now.date())
    with write_tx():
        shared = check_duplicates(data, by=by, share_phone=share_phone)
        if data.card:
            check_new_card_number(data.card)
        fields = _fields(data)
        if data.card:
            fields["card_issued_at"] = now
        try:
            customer = Customer.create(created_at=now, updated_at=now, **fields)
        except peewee.IntegrityError:  # another register added the same phone just now
            raise DuplicateCustomer(
                _("This phone or card was just added on another register: search for it."), []
            ) from None
        _write_phones(customer.id, data.phones)
        _write_family(customer.id, data.family or [])
        index_words(customer.id, data.name)
        audit(
            "customer.create",
            by,
            object_type="customer",
            object_id=customer.id,
            after=private(None, snapshot(customer))[1],
            clock=clock,
        )
        record_shared_phone(customer, shared, by=by, now=now, clock=clock)
    return customer


def update_customer(
    customer: Customer,
    data: CardData,
    *,
    by: Employee,
    clock: Clock = system_clock,
    share_phone: bool = False,
) -> Customer:
    """Save an edited card. A phone added that other cards have raises SharedPhone unless
    ``share_phone``; a new card number is checked (see the module doc)."""
    require(by, Permission.EDIT_CUSTOMERS)
    if customer.status != "active":
        raise ValidationError(
            _("This card is {status}: it cannot be edited.").format(
                status=status_title(customer.status)
            )
        )
    now = clock()
    data = clean(data, now.date())
    before = snapshot(customer)
    with write_tx():
        known = [
            p.phone for p in CustomerPhone.select().where(CustomerPhone.customer == customer.id)
        ]
        shared = check_duplicates(
            data, by=by, exclude=customer.id, share_phone=share_phone, known_phones=known
        )
        fields = _fields(data)
        if data.card and data.card != customer.card:
            card_type = (
                CardType.get_or_none(CardType.id == customer.card_type_id)
                if customer.card_type_id is not None
                else None
            )
            check_new_card_number(data.card, card_type=card_type, customer_id=customer.id)
            fields["card_issued_at"] = now
        Customer.update(updated_at=now, **fields).where(Customer.id == customer.id).execute()
        _write_phones(customer.id, data.phones)
        if data.family is not None:
            _write_family(customer.id, data.family)
        index_words(customer.id, data.name)
        for key, value in fields.items():
            setattr(customer, key, value)
        before_log, after_log = private(before, snapshot(customer))
        audit(
            "customer.update",
            by,
            object_type="customer",
            object_id=customer.id,
            before=before_log,
            after=after_log,
            clock=clock,
        )
        record_shared_phone(customer, shared, by=by, now=now, clock=clock)
    return customer


def card_data(customer: Customer) -> CardData:
    """The card as editable data (for the card screen)."""
    phones = [p.phone for p in customer.phones.order_by(CustomerPhone.id)]
    if customer.phone and customer.phone not in phones:
        phones.insert(0, customer.phone)
    family = [
        FamilyData(m.relation, m.name, m.birth_date, m.gender)
        for m in customer.family.order_by(FamilyMember.id)
    ]
    return CardData(
        name=customer.name,
        phones=phones,
        card=customer.card or "",
        email=customer.email,
        birth_date=customer.birth_date,
        gender=customer.gender,
        language=customer.language,
        attention=customer.attention,
        attention_note=customer.attention_note,
        social=customer.social,
        note=customer.note,
        family=family,
    )


def shown_phone(phone: str | None, viewer: Employee | None) -> str:
    """The phone as this employee may see it: in full, or masked."""
    if not phone:
        return ""
    return phone if can(viewer, Permission.SEE_PHONES) else mask_phone(phone)


def average_check(customer: Customer) -> int:
    """Bought divided by the number of sale receipts, rounded by the one rule (kopecks)."""
    if not customer.receipts_count:
        return 0
    return round_kopecks(Decimal(customer.total_bought) / customer.receipts_count)


MAX_SHARED = 20  # cards offered for one phone


def customers_by_phone_or_card(text: str) -> list[Customer]:
    """Every active card ``text`` names exactly: the card with that number, else the cards
    with that phone (in any usual form): the one whose main phone it is first, then by the
    latest visit. Empty when none."""
    text = text.strip() if isinstance(text, str) else ""
    if not text or len(text) > 40:
        return []
    customer = Customer.get_or_none((Customer.card == text) & (Customer.status == "active"))
    if customer is not None:
        return [customer]
    try:
        phone = normalize_phone(text)
    except ValidationError:
        return []
    ids = CustomerPhone.select(CustomerPhone.customer).where(CustomerPhone.phone == phone)
    rows = list(
        Customer.select()
        .where(Customer.id.in_(ids) & (Customer.status == "active"))
        .order_by(Customer.id)
        .limit(MAX_SHARED)
    )
    rows.sort(key=lambda c: c.last_visit or dt.datetime.min, reverse=True)
    rows.sort(key=lambda c: c.phone != phone)
    return rows


def find_by_phone_or_card(text: str) -> Customer | None:
    """Exact lookup for the register: a card barcode, or a phone in any usual form. A phone
    on several active cards raises :class:`SeveralCustomers`: the cashier chooses."""
    found = customers_by_phone_or_card(text)
    if len(found) > 1:
        raise SeveralCustomers(
            _(
                "{n} cards have this phone ({names}): scan the customer's card, or choose "
                "their card from the list."
            ).format(n=len(found), names=", ".join(c.name for c in found[:5])),
            found,
        )
    return found[0] if found else None


__all__ = [
    "CardData",
    "DuplicateCustomer",
    "FamilyData",
    "SeveralCustomers",
    "SharedPhone",
    "asdict",
    "card_data",
    "create_customer",
    "customers_by_phone_or_card",
    "find_by_phone_or_card",
    "find_duplicates",
    "recompute_totals",
    "reindex_all",
    "shown_phone",
    "update_customer",
]
