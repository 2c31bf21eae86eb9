"""Sales invoices ("Trade with invoice issuance", seed 000 sections 6 and 9; seeds 003, 004):
a sale to a wholesale customer or to an intermediary's customer, on paper with its own number.

An invoice is a receipt first. :func:`issue` commits the basket through the register's own
checkout (torgtui.sales.checkout.commit_sale): prices come from the catalog and the pricing
pipeline (wholesale price types, quantity breaks, manufacturer discounts, promotions, promo
codes scanned as "control barcodes" through the one code field), every sale hook sees it
(bonuses, VIP charges, partners' commissions) and the goods leave through the stock ledger.
In the same transaction the invoice row takes its number in the year from
``invoice_counter`` (an upsert: a rolled-back sale gives its number back, so numbers have no
gaps) and keeps the intermediary, the delivery address as it was, and how it is paid:

* ``now``: cash, card or bank transfer (``cashless``) for the whole total;
* ``later``: the whole total goes on the customer's VIP account (the ``credit`` tender,
  torgtui.marketing.vip_checkout): a debt due after the customer's term. :func:`pay` takes
  money for it later: cash or card at the register (the VIP payment, into the drawer) or a
  bank transfer (a ledger entry only), settling this invoice's own charges first.

Fiscal unit: an invoice is sent to it when money is taken at the register for it (cash or
card); one paid by bank transfer or on account is not (see docs/invoices.md).

Paying later is invoices_pay and the list invoices_list (both re-exported here); the waybill
(Nova Poshta) is invoices_waybill; the PDF is invoices_pdf; the form is invoices_draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from torgtui.clock import Clock, system_clock
from torgtui.db import is_sqlite, query_value, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import intermediaries
from torgtui.marketing.invoices_common import (  # re-exported: one place to call
    FISCAL_TENDERS,
    LATER,
    MAX_PAGE,
    NOW,
    PAY_LATER_TENDERS,
    PAY_NOW_TENDERS,
    PAYMENTS,
    TRANSFER,
    charges_of,
    get,
    label,
    owed,
    payment_title,
)
from torgtui.marketing.invoices_list import InvoiceRow, for_customer, page
from torgtui.marketing.invoices_pay import InvoicePaid, pay
from torgtui.marketing.vip import customer_row
from torgtui.marketing.vip_checkout import CREDIT
from torgtui.models import Customer, DeliveryAddress, Employee, Shift
from torgtui.models.invoices import Invoice
from torgtui.models.partners import Partner
from torgtui.sales.basket import Basket, BasketLine
from torgtui.sales.checkout import MAX_LINES, Tender, commit_sale, receipt_by_uuid
from torgtui.sales.pricing import PricingContext, price
from torgtui.staff import Permission, audit, require
from torgtui.values import check_id, check_text, check_uuid

# --- numbering ------------------------------------------------------------------------------


def take_number(year: int) -> int:
    """The next invoice number of ``year``, inside the caller's write transaction: one upsert
    that holds the counter's row until commit (a rollback gives the number back)."""
    biggest = "MAX" if is_sqlite() else "GREATEST"
    value = query_value(
        'INSERT INTO "invoice_counter" ("year", "last_number") VALUES (?, '
        '(SELECT COALESCE(MAX("number"), 0) + 1 FROM "invoice" WHERE "year" = ?)) '
        'ON CONFLICT ("year") DO UPDATE SET "last_number" = '
        f'{biggest}("invoice_counter"."last_number" + 1, "excluded"."last_number") '
        'RETURNING "last_number"',
        (year, year),
    )
    return int(value)  # type: ignore[call-overload]


# --- checks ------------------------------------------------------------------------------------


def check_customer(customer_id: object) -> Customer:
    """An active customer card by id, or a ValidationError that says what to do."""
    if customer_id is None:
        raise ValidationError(_("An invoice is made out to a customer: choose the customer."))
    cid = check_id(customer_id, _("The customer"))
    customer = Customer.get_or_none(Customer.id == cid)
    if customer is None:
        raise ValidationError(
            _("Unknown customer {id}: find the customer by card or phone first.").format(id=cid)
        )
    if customer.status != "active":
        raise ValidationError(
            _("{name}'s card is not active: an invoice needs an active card.").format(
                name=customer.name
            )
        )
    return customer


def check_partner(partner_id: object) -> Partner | None:
    """The intermediary of a "customer through intermediary" invoice, or None."""
    if partner_id is None:
        return None
    pid = check_id(partner_id, _("The intermediary"))
    partner = Partner.get_or_none(Partner.id == pid)
    if partner is None or partner.kind != "intermediary":
        raise ValidationError(
            _("Unknown intermediary {id}: choose one from Marketing, Intermediaries.").format(
                id=pid
            )
        )
    if not partner.active:
        raise ValidationError(
            _("The intermediary {name} is not active: choose another or none.").format(
                name=partner.name
            )
        )
    return partner


def check_address(customer: Customer, address_id: object) -> DeliveryAddress | None:
    """A delivery address from this customer's history, or None (collected in the shop)."""
    if address_id is None:
        return None
    aid = check_id(address_id, _("The delivery address"))
    address = DeliveryAddress.get_or_none(DeliveryAddress.id == aid)
    if address is None or address.customer_id != customer.id:
        raise ValidationError(
            _("That delivery address is not one of {name}'s: pick one from their list.").format(
                name=customer.name
            )
        )
    return address


def _check_tenders(payment: str, tenders: Sequence[Tender], total: int) -> list[Tender]:
    if payment not in PAYMENTS:
        raise ValidationError(
            _("An invoice is paid now or later, not {what!r}.").format(what=str(payment)[:20])
        )
    if not isinstance(tenders, (list, tuple)):
        raise ValidationError(_("Give the payments as a short list of tenders."))
    if payment == LATER:
        if tenders:
            raise ValidationError(
                _("An invoice paid later takes no money now: pay it later from the list.")
            )
        return [Tender(CREDIT.name, total)] if total else []
    for t in tenders:
        if not isinstance(t, Tender) or t.kind not in PAY_NOW_TENDERS:
            raise ValidationError(_("An invoice is paid now in cash, by card or by bank transfer."))
    if not tenders:
        raise ValidationError(
            _("Say how the invoice is paid: cash, card or bank transfer (or choose later).")
        )
    return list(tenders)


def _check_later(customer: Customer) -> None:
    """Paying later is buying on the customer's VIP account: say so before anything else."""
    row = customer_row(customer.id)
    if row is None or not row[3] or row[5] is None:
        raise ValidationError(
            _(
                "{name} has no VIP account: an invoice paid later goes on it. Make them VIP "
                "(sale on credit) or take the payment now."
            ).format(name=customer.name)
        )


# --- issuing -----------------------------------------------------------------------------------


def issue(
    basket: Basket,
    *,
    customer_id: int,
    payment: str,
    tenders: Sequence[Tender] = (),
    uuid: str,
    by: Employee,
    shift: Shift,
    partner_id: int | None = None,
    address_id: int | None = None,
    note: str = "",
    cash_step: int = 1,
    below_cost: str = "confirm",
    clock: Clock = system_clock,
) -> Invoice:
    """Sell ``basket`` to the customer as an invoice: the receipt through checkout, then its
    number in the year, all in one transaction (nothing is written when anything is refused).
    ``payment`` ``now`` takes ``tenders`` (cash, card, cashless); ``later`` puts the total on
    the customer's VIP account. The same ``uuid`` again returns the invoice already made.
    ``below_cost`` is the register's policy for a line discounted below its cost (``confirm``:
    refused unless the form carries the approval, as at the till; ``never``: sold at cost)."""
    require(by, Permission.SELL)
    uuid = check_uuid(uuid, _("The invoice's id"))
    done = Invoice.get_or_none(Invoice.uuid == uuid)
    if done is not None:
        return done
    customer = check_customer(customer_id)
    partner = check_partner(partner_id)
    address = check_address(customer, address_id)
    note = check_text(note, _("The note"), max_len=200)
    if payment == LATER:
        _check_later(customer)
    if (
        not isinstance(basket, Basket)
        or not isinstance(basket.lines, list)
        or len(basket.lines) > MAX_LINES
        or not all(isinstance(line, BasketLine) for line in basket.lines)
    ):
        raise ValidationError(_("That is not a basket: nothing was saved."))
    basket.customer_id = customer.id
    if partner is not None:  # the partners' sale hook credits its commission at checkout
        intermediaries.set_through_intermediary(basket, partner.id)
    now = clock()
    # priced as the form shows it now (with the customer and the intermediary): what goes on
    # account, and what checkout compares its own pricing with (a code refused since is named)
    total = 0
    if isinstance(basket.lines, list) and basket.lines:
        shift_id = check_id(getattr(shift, "id", None), _("The shift"))
        location_id = Shift.select(Shift.location).where(Shift.id == shift_id).scalar()
        total = price(
            basket,
            PricingContext(
                at=now, customer_id=customer.id, location_id=location_id, below_cost=below_cost
            ),
        ).total
    paid_with = _check_tenders(payment, tenders, total)
    fiscal = any(t.kind in FISCAL_TENDERS for t in paid_with)
    with write_tx():
        if receipt_by_uuid(uuid) is not None:
            raise ValidationError(
                _("That id belongs to a receipt already: open a new invoice form.")
            )
        receipt = commit_sale(
            basket,
            paid_with,
            uuid=uuid,
            employee=by,
            shift=shift,
            cash_step=cash_step,
            clock=clock,
            fiscal=fiscal,
            below_cost=below_cost,
        )
        year = now.year
        due = _due_of(receipt.id) if payment == LATER else None
        through = _intermediary_of(receipt.id)  # named, scanned (INT-...) or the customer's
        invoice = Invoice.create(
            year=year,
            number=take_number(year),
            uuid=uuid,
            receipt=receipt.id,
            customer=customer.id,
            partner=through,
            location=receipt.location_id,
            payment=payment,
            fiscal=fiscal,
            total=receipt.total,
            due_at=due,
            note=note,
            address=address.id if address else None,
            carrier=address.carrier if address else "",
            city=address.city if address else "",
            branch=address.branch if address else "",
            street=address.street if address else "",
            recipient=address.recipient if address else "",
            phone=address.phone if address else "",
            employee=by.id,
            created_at=now,
        )
        if address is not None:
            DeliveryAddress.update(used_at=now).where(DeliveryAddress.id == address.id).execute()
        audit(
            "invoice.issue",
            by,
            object_type="invoice",
            object_id=invoice.id,
            after={
                "number": label(invoice),
                "receipt": receipt.id,
                "customer": customer.id,
                "partner": invoice.partner_id,
                "payment": payment,
                "total": receipt.total,
                "fiscal": fiscal,
            },
            terminal=getattr(shift, "register", "") or "",
            clock=clock,
        )
    invoice.change = getattr(receipt, "change", 0)  # type: ignore[attr-defined]
    return invoice


def _intermediary_of(receipt_id: int) -> int | None:
    """The intermediary the partners' sale hook credited this sale to, if any."""
    value = query_value(
        'SELECT "partner_id" FROM "partner_sale" WHERE "receipt_id" = ? AND "role" = ?',
        (receipt_id, "intermediary"),
    )
    return int(value) if value is not None else None  # type: ignore[call-overload]


def _due_of(receipt_id: int) -> dt.datetime | None:
    """When the receipt's charges on account are due (the customer's term at the sale)."""
    value = query_value(
        'SELECT MIN("due_at") FROM "ledger_entry" WHERE "receipt_id" = ? AND "kind" = ?',
        (receipt_id, "charge"),
    )
    if value is None or isinstance(value, dt.datetime):
        return value  # type: ignore[return-value]
    return dt.datetime.fromisoformat(str(value))


__all__ = [
    "FISCAL_TENDERS",
    "LATER",
    "MAX_PAGE",
    "NOW",
    "PAYMENTS",
    "PAY_LATER_TENDERS",
    "PAY_NOW_TENDERS",
    "TRANSFER",
    "InvoicePaid",
    "InvoiceRow",
    "charges_of",
    "check_customer",
    "for_customer",
    "get",
    "issue",
    "label",
    "owed",
    "page",
    "pay",
    "payment_title",
    "take_number",
]
