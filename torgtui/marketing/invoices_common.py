"""What the invoice modules share (torgtui.marketing.invoices re-exports it): the payment
kinds, the printed number, one invoice by id, and what it still owes on the ledger."""

from __future__ import annotations

from torgtui.db import database, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Employee
from torgtui.models.invoices import Invoice
from torgtui.staff import Permission, require
from torgtui.values import check_id

NOW, LATER = "now", "later"
PAYMENTS = (NOW, LATER)
PAY_NOW_TENDERS = ("cash", "card", "cashless")  # cashless: a bank transfer to the shop
FISCAL_TENDERS = ("cash", "card")  # money taken at the register: a fiscal receipt
PAY_LATER_TENDERS = ("cash", "card", "transfer")
TRANSFER = "transfer"
MAX_PAGE = 200


def label(invoice: Invoice) -> str:
    """The invoice's number as printed: the year and the number in it ("2026-00017")."""
    return f"{invoice.year}-{invoice.number:05d}"


def payment_title(payment: str) -> str:
    return {NOW: _("paid now"), LATER: _("paid later")}.get(payment, payment)


def charges_of(invoice: Invoice) -> list[tuple[int, int]]:
    """(entry id, amount still open) of the invoice's charges on the customer's account, in
    the order they were made."""
    rows = database.execute_sql(
        sql(
            'SELECT o."entry_id", o."amount" FROM "ledger_open" o JOIN "ledger_entry" e '
            'ON e."id" = o."entry_id" WHERE e."receipt_id" = ? AND o."sign" = -1 '
            'ORDER BY o."entry_id"'
        ),
        (invoice.receipt_id,),
    ).fetchall()
    return [(int(r[0]), int(r[1])) for r in rows]


def owed(invoice: Invoice) -> int:
    """What the customer still owes for this invoice (0 when paid now or paid off)."""
    if invoice.payment != LATER:
        return 0
    return sum(amount for _entry, amount in charges_of(invoice))


def get(invoice_id: object, *, by: Employee) -> Invoice:
    require(by, Permission.SELL)
    iid = check_id(invoice_id, _("The invoice"))
    invoice = Invoice.get_or_none(Invoice.id == iid)
    if invoice is None:
        raise ValidationError(_("No invoice {id}: choose one from the list.").format(id=iid))
    return invoice


__all__ = [
    "FISCAL_TENDERS",
    "LATER",
    "MAX_PAGE",
    "NOW",
    "PAYMENTS",
    "PAY_LATER_TENDERS",
    "PAY_NOW_TENDERS",
    "TRANSFER",
    "charges_of",
    "get",
    "label",
    "owed",
    "payment_title",
]
