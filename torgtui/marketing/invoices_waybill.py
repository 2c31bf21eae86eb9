"""A Nova Poshta waybill for an invoice: made through the API (``InternetDocument.save``) from
the delivery address the invoice was shipped to (picked from the customer's history), its
number stored on the invoice.

One waybill per invoice, decided by the database, never by a read: the call first *claims*
the invoice (a conditional UPDATE ``waybill_state '' -> creating`` whose row count decides),
then calls Nova Poshta outside any transaction, then stores the number (``creating -> done``).
When Nova Poshta is down or refuses, the claim is given back: the invoice is as it was and
the cashier is told why and to try again. A claim left by a till that died mid-call can be
taken over after :data:`STALE_CLAIM` (Nova Poshta may have made a waybill then: look for it in
the cabinet before shipping twice; docs/invoices.md).

The recipient is sent in the documented "NewAddress" form (city name, branch number, name and
phone: no counterparty to create first); the sender's refs come from the shop's Nova Poshta
cabinet (:class:`Shipper`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from torgtui.channels.novaposhta import NovaPoshtaClient, NovaPoshtaUnavailable, text
from torgtui.clock import Clock, system_clock
from torgtui.db import database, is_sqlite, sql, write_tx
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.marketing.invoices_common import get, label
from torgtui.models import Customer, CustomerPhone, Employee
from torgtui.models.invoices import Invoice
from torgtui.money import round_kopecks
from torgtui.staff import Permission, audit, require
from torgtui.values import check_count, check_text

STALE_CLAIM = dt.timedelta(minutes=5)
PAYERS = ("Recipient", "Sender")
MAX_WEIGHT_G = 1_000_000  # 1 t: more is a typing slip
REF = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
BRANCH_NUMBER = re.compile(r"(?:№|#|N)\s*(\d{1,5})|^\s*(\d{1,5})\s*$", re.I)


class WaybillUnavailable(NovaPoshtaUnavailable):
    """Nova Poshta did not answer while a waybill was being made: the invoice is as it was."""

    def __init__(self, detail: str = "") -> None:
        TorgError.__init__(
            self,
            _(
                "Nova Poshta does not answer: the invoice is saved without a waybill; try "
                "making the waybill again later."
            ),
        )
        self.detail = detail


@dataclass(frozen=True)
class Shipper:
    """The shop as Nova Poshta's sender: refs from its business cabinet, and a phone."""

    sender: str  # Counterparty ref
    contact: str  # the contact person's ref
    city: str  # the sender's city ref
    address: str  # the sending branch's (or address's) ref
    phone: str  # 380XXXXXXXXX

    def checked(self) -> Shipper:
        for value in (self.sender, self.contact, self.city, self.address):
            if not isinstance(value, str) or not REF.match(value):
                raise ValidationError(
                    _(
                        "The Nova Poshta sender is not set up: give the sender's, contact's, "
                        "city's and branch's refs from the business cabinet in the settings."
                    )
                )
        if len(_digits(self.phone)) != 12:
            raise ValidationError(_("The Nova Poshta sender's phone: 12 digits, 380XXXXXXXXX."))
        return self


@dataclass(frozen=True)
class Parcel:
    """What is sent: weight in grams, seats, a description, who pays for delivery."""

    weight_g: int
    seats: int = 1
    description: str = ""
    payer: str = "Recipient"


def _digits(value: object) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def branch_number(branch: str) -> str:
    """The branch's number from what the address history keeps ("15", "Відділення №15: ...")."""
    found = BRANCH_NUMBER.search(branch or "")
    if not found:
        raise ValidationError(
            _(
                "The address's branch {branch!r} has no number: edit the address so the "
                "branch is its number (for example 15)."
            ).format(branch=(branch or "")[:40])
        )
    return found.group(1) or found.group(2)


def _phone_of(invoice: Invoice) -> str:
    phone = invoice.phone or Customer.get_by_id(invoice.customer_id).phone or ""
    if not phone:
        extra = CustomerPhone.get_or_none(CustomerPhone.customer == invoice.customer_id)
        phone = extra.phone if extra else ""
    digits = _digits(phone)
    if len(digits) != 12:
        raise ValidationError(
            _("The recipient has no phone: add it to the delivery address, then try again.")
        )
    return digits


def _properties(invoice: Invoice, shipper: Shipper, parcel: Parcel, now: dt.datetime) -> dict:
    if not invoice.carrier:
        raise ValidationError(
            _(
                "Invoice {number} has no delivery address: it was collected in the shop. A "
                "waybill needs an address from the customer's list."
            ).format(number=label(invoice))
        )
    if invoice.carrier != "nova_poshta":
        raise ValidationError(
            _(
                "Invoice {number} goes by another carrier: a Nova Poshta waybill goes to a "
                "Nova Poshta branch."
            ).format(number=label(invoice))
        )
    weight = check_count(parcel.weight_g, _("The weight (grams)"), maximum=MAX_WEIGHT_G)
    if weight < 1:
        raise ValidationError(_("Weigh the parcel: the weight in grams, 1 or more."))
    seats = check_count(parcel.seats, _("The number of seats"), maximum=100)
    if seats < 1:
        raise ValidationError(_("A parcel has at least one seat."))
    if parcel.payer not in PAYERS:
        raise ValidationError(_("Delivery is paid by the recipient or the sender."))
    description = check_text(parcel.description, _("The description"), max_len=100)
    recipient = invoice.recipient or Customer.get_by_id(invoice.customer_id).name
    return {
        "PayerType": parcel.payer,
        "PaymentMethod": "Cash",
        "DateTime": now.strftime("%d.%m.%Y"),
        "CargoType": "Parcel",
        "Weight": f"{weight / 1000:.3f}".rstrip("0").rstrip("."),
        "ServiceType": "WarehouseWarehouse",
        "SeatsAmount": str(seats),
        "Description": description
        or _("Goods under invoice {number}").format(number=label(invoice)),
        "Cost": str(max(math.ceil(invoice.total / 100), 1)),  # declared value, whole hryvnias
        "CitySender": shipper.city,
        "Sender": shipper.sender,
        "SenderAddress": shipper.address,
        "ContactSender": shipper.contact,
        "SendersPhone": _digits(shipper.phone),
        "NewAddress": "1",
        "RecipientCityName": invoice.city,
        "RecipientArea": "",
        "RecipientAreaRegions": "",
        "RecipientAddressName": branch_number(invoice.branch),
        "RecipientHouse": "",
        "RecipientFlat": "",
        "RecipientName": recipient,
        "RecipientType": "PrivatePerson",
        "RecipientsPhone": _phone_of(invoice),
        "InfoRegClientBarcodes": label(invoice),  # our number on the waybill, to find it by
    }


def _kopecks(value: object) -> int:
    """Nova Poshta's hryvnias ("70", 70, "70.5") as kopecks; anything else: 0."""
    try:
        amount = Decimal(text(value) or "0")
    except InvalidOperation:
        return 0
    return round_kopecks(amount * 100) if amount.is_finite() and 0 <= amount < 10**7 else 0


def _stamp(moment: dt.datetime) -> object:
    return str(moment) if is_sqlite() else moment


def _claim(invoice: Invoice, now: dt.datetime) -> None:
    with write_tx():
        taken = database.execute_sql(
            sql(
                'UPDATE "invoice" SET "waybill_state" = ?, "waybill_at" = ? WHERE "id" = ? AND '
                '("waybill_state" = ? OR ("waybill_state" = ? AND "waybill_at" < ?))'
            ),
            ("creating", _stamp(now), invoice.id, "", "creating", _stamp(now - STALE_CLAIM)),
        ).rowcount
    if taken == 1:
        return
    current = Invoice.get_by_id(invoice.id)
    if current.waybill_state == "done":
        raise ValidationError(
            _("Invoice {number} has its waybill already: {waybill}.").format(
                number=label(current), waybill=current.waybill
            )
        )
    raise ValidationError(
        _(
            "The waybill of invoice {number} is being made at another till right now: wait a "
            "moment and look at the invoice again."
        ).format(number=label(current))
    )


def _give_back(invoice: Invoice, now: dt.datetime) -> None:
    with write_tx():
        database.execute_sql(
            sql(
                'UPDATE "invoice" SET "waybill_state" = ?, "waybill_at" = NULL '
                'WHERE "id" = ? AND "waybill_state" = ? AND "waybill_at" = ?'
            ),
            ("", invoice.id, "creating", _stamp(now)),
        )


def create_waybill(
    invoice_id: int,
    *,
    client: NovaPoshtaClient,
    shipper: Shipper,
    parcel: Parcel,
    by: Employee,
    clock: Clock = system_clock,
) -> Invoice:
    """Make the invoice's Nova Poshta waybill and store its number; returns the invoice.
    Refused with what to do when the invoice has no Nova Poshta address or a waybill already;
    when Nova Poshta is down or refuses, nothing changes and the error says so."""
    require(by, Permission.SELL)
    invoice = get(invoice_id, by=by)
    shipper = shipper.checked() if isinstance(shipper, Shipper) else Shipper("", "", "", "", "")
    if not isinstance(parcel, Parcel):
        raise ValidationError(_("Say the parcel's weight and seats."))
    now = clock()
    properties = _properties(invoice, shipper, parcel, now)  # refused before any claim
    _claim(invoice, now)
    try:
        record = client.save_internet_document(properties)
    except NovaPoshtaUnavailable as exc:
        _give_back(invoice, now)
        raise WaybillUnavailable(exc.detail) from None
    except BaseException:
        _give_back(invoice, now)
        raise
    waybill = text(record.get("IntDocNumber"))[:20]
    cost = _kopecks(record.get("CostOnSite"))
    with write_tx():
        database.execute_sql(
            sql(
                'UPDATE "invoice" SET "waybill" = ?, "waybill_ref" = ?, "waybill_cost" = ?, '
                '"waybill_state" = ?, "waybill_at" = ? WHERE "id" = ? AND "waybill_state" = ?'
            ),
            (
                waybill,
                text(record.get("Ref"))[:36],
                cost,
                "done",
                _stamp(now),
                invoice.id,
                "creating",
            ),
        )
        audit(
            "invoice.waybill",
            by,
            object_type="invoice",
            object_id=invoice.id,
            after={"number": label(invoice), "waybill": waybill, "cost": cost},
            clock=clock,
        )
    return Invoice.get_by_id(invoice.id)


__all__ = [
    "PAYERS",
    "Parcel",
    "Shipper",
    "WaybillUnavailable",
    "branch_number",
    "create_waybill",
]
