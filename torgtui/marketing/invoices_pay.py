"""Paying an invoice later (torgtui.marketing.invoices re-exports it): cash or card at the
register through the VIP payment, or a bank transfer as one ledger entry, settling the
invoice's own open charges on the customer's account."""

from __future__ import annotations

from dataclasses import dataclass

from torgtui.clock import Clock, system_clock
from torgtui.db import database, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.invoices_common import (
    LATER,
    PAY_LATER_TENDERS,
    TRANSFER,
    charges_of,
    get,
    label,
    owed,
)
from torgtui.marketing.vip import lock_account, refresh
from torgtui.marketing.vip_checkout import take_payment
from torgtui.models import Employee, Shift
from torgtui.models.invoices import Invoice
from torgtui.money import format_money
from torgtui.staff import Permission, audit, require
from torgtui.values import check_kopecks, check_uuid


@dataclass(frozen=True)
class InvoicePaid:
    """A payment taken for an invoice: how much, how, and what is still owed on it."""

    invoice_id: int
    entry_id: int
    amount: int
    tender: str
    owed: int


def pay(
    invoice_id: int,
    amount: int,
    tender: str,
    *,
    uuid: str,
    by: Employee,
    shift: Shift | None = None,
    clock: Clock = system_clock,
) -> InvoicePaid:
    """Take money for an invoice paid later: ``cash`` or ``card`` at the register (the VIP
    payment: into ``shift``'s drawer) or ``transfer`` (a bank transfer: the ledger only). It
    settles this invoice's open charges and is at most what the invoice still owes. The same
    ``uuid`` again returns the payment already taken."""
    require(by, Permission.SELL)
    invoice = get(invoice_id, by=by)
    amount = check_kopecks(amount, _("The amount"), minimum=1)
    uuid = check_uuid(uuid, _("The payment's id"))
    if tender not in PAY_LATER_TENDERS:
        raise ValidationError(_("An invoice is paid in cash, by card or by bank transfer."))
    if invoice.payment != LATER:
        raise ValidationError(
            _("Invoice {number} was paid when it was made: nothing is owed on it.").format(
                number=label(invoice)
            )
        )
    repeated = _payment_by_uuid(invoice, uuid)
    if repeated is not None:
        return repeated
    charges = charges_of(invoice)
    left = sum(a for _e, a in charges)
    if amount > left:
        raise ValidationError(
            (
                _("Invoice {number} owes {owed}: take at most that.")
                if left
                else _("Invoice {number} is paid in full.")
            ).format(number=label(invoice), owed=format_money(left))
        )
    items = [entry for entry, _a in charges]
    if tender in ("cash", "card"):
        if shift is None:
            raise ValidationError(_("Money at the register needs an open shift: open one."))
        with write_tx():
            received = take_payment(
                invoice.customer_id,
                amount,
                tender,
                uuid=uuid,
                by=by,
                shift=shift,
                items=items,
                note=_("Invoice {number}").format(number=label(invoice)),
                clock=clock,
            )
            _audit_payment(invoice, amount, tender, received.entry_id, by, clock)
        return InvoicePaid(invoice.id, received.entry_id, amount, tender, owed(invoice))
    now = clock()
    with write_tx():
        account_id = ledger.find_account(ledger.Kind.VIP, "customer", invoice.customer_id)
        if account_id is None:
            raise ValidationError(_("This customer has no VIP account: nothing to pay."))
        lock_account(account_id)
        repeated = _payment_by_uuid(invoice, uuid)
        if repeated is not None:
            return repeated
        if amount > owed(invoice):  # paid meanwhile at another register
            raise ValidationError(
                _("Invoice {number} owes {owed}: take at most that.").format(
                    number=label(invoice), owed=format_money(owed(invoice))
                )
            )
        posted = ledger.post(
            account_id,
            amount,
            "payment",
            now=now,
            settle=items,
            document=f"{TRANSFER}:{uuid}",
            employee_id=by.id,
            note=_("Invoice {number}").format(number=label(invoice))[:200],
        )
        refresh(invoice.customer_id, account_id, now)
        _audit_payment(invoice, amount, tender, posted.entry_id, by, clock)
    return InvoicePaid(invoice.id, posted.entry_id, amount, tender, owed(invoice))


def _payment_by_uuid(invoice: Invoice, uuid: str) -> InvoicePaid | None:
    row = database.execute_sql(
        sql('SELECT "id", "amount", "document" FROM "ledger_entry" WHERE "document" IN (?, ?, ?)'),
        (f"cash:{uuid}", f"card:{uuid}", f"{TRANSFER}:{uuid}"),
    ).fetchone()
    if row is None:
        return None
    return InvoicePaid(invoice.id, int(row[0]), int(row[1]), row[2].split(":")[0], owed(invoice))


def _audit_payment(
    invoice: Invoice, amount: int, tender: str, entry_id: int, by: Employee, clock: Clock
) -> None:
    audit(
        "invoice.pay",
        by,
        object_type="invoice",
        object_id=invoice.id,
        after={"number": label(invoice), "amount": amount, "tender": tender, "entry": entry_id},
        clock=clock,
    )


__all__ = ["InvoicePaid", "pay"]
