"""Delivery addresses of a customer (Nova Poshta and Ukrposhta branches, street addresses) and a
new card from a Nova Poshta waybill (TTN).

The addresses are the card's shipping history: the one used last comes first, so a repeat
shipment is one pick. Adding an address that the card already has (same carrier, city, branch,
street, recipient and phone, ignoring case and spacing) only marks it used again.

Permissions: adding an address or a card from a waybill needs "add customers" (every selling
role: it is part of taking an order); removing a mistyped address needs "edit customers".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from torgtui.channels.novaposhta import NovaPoshtaClient, text
from torgtui.clock import Clock, system_clock
from torgtui.customers.phones import normalize_phone
from torgtui.customers.service import CardData, DuplicateCustomer, create_customer, status_title
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Customer, CustomerPhone, DeliveryAddress, Employee
from torgtui.staff import Permission, audit, require

NOVA_POSHTA, UKRPOSHTA, STREET = "nova_poshta", "ukrposhta", "street"
CARRIERS = (NOVA_POSHTA, UKRPOSHTA, STREET)
LIMITS = {"city": 120, "branch": 200, "street": 250, "recipient": 200}
# A Nova Poshta waybill (express waybill, "ЕН") number is 14 digits. Numbers seen in the wild
# start with 20 (made in the app or at a branch), 59 (made through the API by business
# senders) and 1 (older series): accept 14 digits starting with 1, 2 or 5.
TTN = re.compile(r"^[125]\d{13}$")
TTN_SEPARATORS = re.compile(r"[\s\-]")
NOT_FOUND, DELETED = "3", "2"  # StatusCode of "Номер не знайдено" and "Видалено"
GENERIC_NAMES = {"приватна особа", "частное лицо", "private person"}


def _labels() -> dict[str, str]:
    return {
        "city": _("City"),
        "branch": _("Branch"),
        "street": _("Street"),
        "recipient": _("Recipient"),
    }


def _same(value: str) -> str:
    return " ".join(value.split()).casefold()


def _require_active(customer: Customer) -> None:
    if customer.status != "active":
        raise ValidationError(
            _("This card is {status}: it cannot get delivery addresses.").format(
                status=status_title(customer.status)
            )
        )


def addresses_of(customer: Customer | int) -> list[DeliveryAddress]:
    """The card's delivery addresses, the one used most recently first."""
    return list(
        DeliveryAddress.select()
        .where(DeliveryAddress.customer == customer)
        .order_by(DeliveryAddress.used_at.desc(), DeliveryAddress.id.desc())
    )


def clean_address(
    carrier: str, *, city: str, branch: str, street: str, recipient: str, phone: str
) -> dict[str, str]:
    """Validated, whitespace-normalised address fields; ValidationError names the field."""
    if carrier not in CARRIERS:
        raise ValidationError(
            _("Carrier: nova_poshta, ukrposhta or street, not {carrier!r}.").format(carrier=carrier)
        )
    fields = {
        "city": " ".join((city or "").split()),
        "branch": " ".join((branch or "").split()),
        "street": " ".join((street or "").split()),
        "recipient": " ".join((recipient or "").split()),
    }
    labels = _labels()
    for key, limit in LIMITS.items():
        if len(fields[key]) > limit:
            raise ValidationError(
                _("{field}: at most {n} characters.").format(field=labels[key], n=limit)
            )
    if not fields["city"]:
        raise ValidationError(_("City: a delivery address needs a city."))
    if carrier == STREET and not fields["street"]:
        raise ValidationError(_("Street: a courier address needs the street and house."))
    if carrier != STREET and not fields["branch"]:
        raise ValidationError(
            _("Branch: a Nova Poshta or Ukrposhta address needs the branch (its number).")
        )
    fields["phone"] = normalize_phone(phone) if (phone or "").strip() else ""
    return fields


def _identical(customer_id: int, carrier: str, fields: dict[str, str]) -> DeliveryAddress | None:
    for address in DeliveryAddress.select().where(
        (DeliveryAddress.customer == customer_id) & (DeliveryAddress.carrier == carrier)
    ):
        if all(_same(getattr(address, k)) == _same(v) for k, v in fields.items()):
            return address
    return None


def _add(
    customer: Customer, carrier: str, fields: dict[str, str], now: dt.datetime
) -> tuple[DeliveryAddress, bool]:
    """Inside the caller's transaction: the identical address marked used, or a new one."""
    existing = _identical(customer.id, carrier, fields)
    if existing is not None:
        DeliveryAddress.update(used_at=now).where(DeliveryAddress.id == existing.id).execute()
        existing.used_at = now
        return existing, False
    address = DeliveryAddress.create(
        customer=customer, carrier=carrier, created_at=now, used_at=now, **fields
    )
    return address, True


def _snapshot(address: DeliveryAddress) -> dict[str, Any]:
    """What the audit log keeps of an address: the carrier and city, not who lives where
    (the log is append-only and outlives an erasure on request)."""
    return {"customer": address.customer_id, "carrier": address.carrier, "city": address.city}


def add_address(
    customer: Customer,
    carrier: str,
    *,
    city: str = "",
    branch: str = "",
    street: str = "",
    recipient: str = "",
    phone: str = "",
    by: Employee,
    clock: Clock = system_clock,
) -> DeliveryAddress:
    """Add an address to the card's history (or mark the identical one used) and return it."""
    require(by, Permission.CREATE_CUSTOMERS)
    _require_active(customer)
    fields = clean_address(
        carrier, city=city, branch=branch, street=street, recipient=recipient, phone=phone
    )
    now = clock()
    with write_tx():
        address, created = _add(customer, carrier, fields, now)
        if created:
            audit(
                "customer.address_add",
                by,
                object_type="delivery_address",
                object_id=address.id,
                after=_snapshot(address),
                clock=clock,
            )
    return address


def use_address(address: DeliveryAddress, *, clock: Clock = system_clock) -> DeliveryAddress:
    """The address was picked from the history for a new shipment: it moves to the top."""
    now = clock()
    with write_tx():
        DeliveryAddress.update(used_at=now).where(DeliveryAddress.id == address.id).execute()
    address.used_at = now
    return address


def remove_address(address: DeliveryAddress, *, by: Employee, clock: Clock = system_clock) -> None:
    """Delete a mistyped or outdated address from the card's history."""
    require(by, Permission.EDIT_CUSTOMERS)
    with write_tx():
        audit(
            "customer.address_remove",
            by,
            object_type="delivery_address",
            object_id=address.id,
            before=_snapshot(address),
            clock=clock,
        )
        DeliveryAddress.delete().where(DeliveryAddress.id == address.id).execute()


# --- a card from a Nova Poshta waybill --------------------------------------------------------


@dataclass(frozen=True)
class WaybillParty:
    """The sender or the recipient of a waybill, as the service tells it."""

    side: str  # "sender" or "recipient"
    name: str
    phone: str  # E.164
    city: str
    branch: str  # the Nova Poshta branch or parcel locker, "" for a courier address
    street: str  # the courier address when there is no branch


def clean_ttn(value: str) -> str:
    """ "20 4500 0000 1234" -> "20450000001234"; anything but a waybill number is refused."""
    ttn = TTN_SEPARATORS.sub("", value or "")
    if not TTN.match(ttn):
        raise ValidationError(
            _(
                "{ttn!r} is not a Nova Poshta waybill number: it has 14 digits and starts "
                "with 1, 2 or 5 (like 20450000001234)."
            ).format(ttn=(value or "").strip())
        )
    return ttn


def _phone_or_blank(value: Any) -> str:
    raw = text(value)
    if not raw:
        return ""
    try:
        return normalize_phone(raw if raw.startswith(("+", "0")) else "+" + raw)
    except ValidationError:
        return ""


def _first(doc: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = text(doc.get(key))
        if value and value.casefold() not in GENERIC_NAMES:
            return value
    return ""


def waybill_party(doc: dict[str, Any], ttn: str, phone: str) -> WaybillParty:
    """The side of the waybill record ``doc`` whose phone is ``phone`` (E.164).

    Refuses a waybill that does not exist or was deleted, and one whose parties are hidden or
    have other phones (the service hides names and phones unless asked with one of them).
    """
    code = text(doc.get("StatusCode"))
    if code == NOT_FOUND or not text(doc.get("Number")):
        raise ValidationError(_("Waybill {ttn} was not found: check the number.").format(ttn=ttn))
    if code == DELETED:
        raise ValidationError(
            _(
                "Waybill {ttn} was deleted by its sender: ask the customer for the new number."
            ).format(ttn=ttn)
        )
    sender = _phone_or_blank(doc.get("PhoneSender"))
    recipient = _phone_or_blank(doc.get("PhoneRecipient"))
    if phone and phone == sender:
        party = WaybillParty(
            "sender",
            _first(doc, "SenderFullNameEW", "SenderFullName", "CounterpartySenderDescription"),
            sender,
            _first(doc, "CitySender"),
            _first(doc, "WarehouseSender"),
            _first(doc, "SenderAddress"),
        )
    elif phone and phone == recipient:
        party = WaybillParty(
            "recipient",
            _first(
                doc, "RecipientFullNameEW", "RecipientFullName", "CounterpartyRecipientDescription"
            ),
            recipient,
            _first(doc, "CityRecipient"),
            _first(doc, "WarehouseRecipient"),
            _first(doc, "RecipientAddress"),
        )
    else:
        raise ValidationError(_("This waybill belongs to another phone number: check the phone."))
    if not party.name:
        raise ValidationError(
            _("Waybill {ttn} has no name for {phone}: add the customer by hand.").format(
                ttn=ttn, phone=phone
            )
        )
    return party


def _existing_card(phone: str, error: DuplicateCustomer) -> Customer:
    """The active card that already has ``phone`` (following merges), else the error."""
    candidates = list(error.existing)
    if not candidates:  # added on another register a moment ago
        row = CustomerPhone.get_or_none(CustomerPhone.phone == phone)
        if row is not None:
            candidates = [Customer.get_by_id(row.customer_id)]
    for card in candidates:
        seen: set[int] = set()
        while card.status == "merged" and card.merged_into_id and card.id not in seen:
            seen.add(card.id)
            card = Customer.get_by_id(card.merged_into_id)
        if card.status == "active":
            return card
    raise error


def customer_from_ttn(
    ttn: str,
    phone: str,
    *,
    client: NovaPoshtaClient,
    by: Employee,
    clock: Clock = system_clock,
) -> tuple[Customer, bool]:
    """The card of the waybill's sender or recipient whose phone is ``phone``: a new card
    (created True) or the one that already has the phone (created False), with the waybill's
    branch added to its delivery addresses once. Nothing is written when the service fails."""
    require(by, Permission.CREATE_CUSTOMERS)
    number = clean_ttn(ttn)
    e164 = normalize_phone(phone)
    docs = client.status_documents([(number, e164.lstrip("+"))])
    doc = next((d for d in docs if text(d.get("Number")) == number), docs[0] if docs else {})
    party = waybill_party(doc, number, e164)
    carrier = NOVA_POSHTA if party.branch else STREET
    fields = None
    if party.city and (party.branch or party.street):
        fields = clean_address(
            carrier,
            city=party.city[: LIMITS["city"]],
            branch=party.branch[: LIMITS["branch"]],
            street="" if party.branch else party.street[: LIMITS["street"]],
            recipient=party.name[: LIMITS["recipient"]],
            phone=party.phone,
        )
    now = clock()
    with write_tx():
        try:
            customer = create_customer(
                CardData(
                    name=party.name[:200],
                    phones=[party.phone],
                    note=_("Added from Nova Poshta waybill {ttn}.").format(ttn=number),
                ),
                by=by,
                clock=clock,
            )
            created = True
        except DuplicateCustomer as exc:
            customer, created = _existing_card(party.phone, exc), False
        address = _add(customer, carrier, fields, now)[0] if fields else None
        audit(
            "customer.from_ttn",
            by,
            object_type="customer",
            object_id=customer.id,
            after={
                "ttn": number,
                "side": party.side,
                "created": created,
                "address": address.id if address else None,
            },
            clock=clock,
        )
    return customer, created


__all__ = [
    "CARRIERS",
    "WaybillParty",
    "add_address",
    "addresses_of",
    "clean_address",
    "clean_ttn",
    "customer_from_ttn",
    "remove_address",
    "use_address",
    "waybill_party",
]
