"""The invoice on paper: an A4 PDF (fpdf2, set in DejaVu Sans from torgtui/data/fonts, as the
VIP statement is) with the seller and the buyer, the intermediary, the lines as sold (the
receipt's own lines: prices from the catalog and the pipeline, discounts per line), the totals,
how it is paid and what is still owed, the delivery address and the waybill, and places to
sign. Written beside the target and renamed, so a failed print never leaves half a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torgtui.files import export_target, write_atomically
from torgtui.i18n import _
from torgtui.marketing.invoices_common import LATER, get, label, owed
from torgtui.models import Customer, Employee, Location, Payment, ReceiptLine
from torgtui.models.invoices import Invoice
from torgtui.models.partners import Partner
from torgtui.money import format_money, format_qty


@dataclass(frozen=True)
class InvoicePrint:
    """What the page says, in words (the PDF and the tests read the same)."""

    title: str
    parties: list[str]
    columns: list[str]
    rows: list[list[str]]
    totals: list[str]
    payment: list[str]
    delivery: list[str]
    signatures: list[str]


def tender_title(tender: str) -> str:
    return {
        "cash": _("cash"),
        "card": _("card"),
        "cashless": _("bank transfer"),
        "credit": _("on account"),
    }.get(tender, tender)


def carrier_title(carrier: str) -> str:
    return {
        "nova_poshta": _("Nova Poshta"),
        "ukrposhta": _("Ukrposhta"),
        "street": _("courier"),
    }.get(carrier, carrier)


def contents(invoice: Invoice) -> InvoicePrint:
    """The invoice's page in words."""
    customer = Customer.get_by_id(invoice.customer_id)
    location = Location.get_by_id(invoice.location_id)
    seller = location.name + (f", {location.address}" if location.address else "")
    parties = [
        _("Seller: {seller}").format(seller=seller),
        _("Buyer: {name}").format(name=customer.name)
        + (f", {customer.phone}" if customer.phone else ""),
    ]
    if invoice.partner_id:
        partner = Partner.get_by_id(invoice.partner_id)
        parties.append(_("Customer through intermediary: {name}").format(name=partner.name))
    lines = list(
        ReceiptLine.select()
        .where(ReceiptLine.receipt == invoice.receipt_id)
        .order_by(ReceiptLine.position)
    )
    money = lambda k: format_money(k, symbol=False)  # noqa: E731
    rows = [
        [
            str(ln.position),
            ln.name,
            format_qty(ln.qty),
            money(ln.unit_price),
            money(ln.discount) if ln.discount else "",
            money(ln.total),
        ]
        for ln in lines
    ]
    subtotal = sum(ln.subtotal for ln in lines)
    discount = sum(ln.discount for ln in lines)
    totals = [_("Subtotal: {amount}").format(amount=format_money(subtotal))]
    if discount:
        totals.append(_("Discount: {amount}").format(amount=format_money(discount)))
    totals.append(_("Total: {amount}").format(amount=format_money(invoice.total)))
    if invoice.payment == LATER:
        left = owed(invoice)
        payment = [
            _("To be paid by {date}; owed {amount}").format(
                date=invoice.due_at.strftime("%Y-%m-%d") if invoice.due_at else "-",
                amount=format_money(left),
            )
            if left
            else _("Paid in full.")
        ]
    else:
        paid = Payment.select().where(Payment.receipt == invoice.receipt_id)
        payment = [
            _("Paid: {how}").format(
                how="; ".join(f"{tender_title(p.tender)} {format_money(p.amount)}" for p in paid)
            )
        ]
    if invoice.carrier:
        where = ", ".join(part for part in (invoice.city, invoice.branch, invoice.street) if part)
        delivery = [
            _("Delivery: {carrier}, {where}").format(
                carrier=carrier_title(invoice.carrier), where=where
            ),
            _("Recipient: {name} {phone}").format(name=invoice.recipient, phone=invoice.phone),
        ]
        if invoice.waybill:
            delivery.append(_("Waybill: {number}").format(number=invoice.waybill))
    else:
        delivery = [_("Collected at the shop.")]
    employee = Employee.get_by_id(invoice.employee_id)
    return InvoicePrint(
        title=_("Invoice {number} of {date}").format(
            number=label(invoice), date=invoice.created_at.strftime("%Y-%m-%d")
        ),
        parties=parties,
        columns=[_("No."), _("Goods"), _("Qty"), _("Price"), _("Discount"), _("Amount")],
        rows=rows,
        totals=totals,
        payment=payment,
        delivery=delivery,
        signatures=[
            _("Issued by: {name} ____________").format(name=employee.name),
            _("Received by: ____________"),
        ],
    )


def write_pdf(page: InvoicePrint, path: str | Path) -> None:
    from fpdf.fonts import FontFace

    from torgtui.pdf import FONT, new_pdf

    pdf = new_pdf(auto_page_break=True, margin=12)
    pdf.add_page()
    pdf.set_font(FONT, size=14)
    pdf.multi_cell(0, 8, page.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=10)
    for line in page.parties:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, size=9)
    shaded = FontFace(emphasis="", fill_color=(225, 225, 225))
    with pdf.table(
        col_widths=(10, 86, 18, 24, 22, 26),
        text_align=("RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=shaded,
        line_height=5,
    ) as table:
        for values in [page.columns, *page.rows]:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(3)
    pdf.set_font(FONT, size=10)
    for line in page.totals:
        pdf.cell(0, 5, line, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for line in [*page.payment, *page.delivery]:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    for line in page.signatures:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def export_pdf(invoice_id: int, path: str | Path, *, by: Employee) -> InvoicePrint:
    """Write invoice ``invoice_id`` as a PDF to ``path``; returns what it says."""
    invoice = get(invoice_id, by=by)
    target = export_target(
        path, (".pdf",), _("{path}: an invoice is printed to a .pdf file; name the file so.")
    )
    page = contents(invoice)
    write_atomically(target, lambda partial: write_pdf(page, partial))
    return page


__all__ = ["InvoicePrint", "contents", "export_pdf", "write_pdf"]
