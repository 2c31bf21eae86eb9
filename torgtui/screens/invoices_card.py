"""One invoice (the Invoices area): as it prints, with F5 a payment (bank transfer, or cash or
card into the drawer), F6 the Nova Poshta waybill from its delivery address, F7 the PDF.
torgtui.marketing.invoices* checks, writes and audits everything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label

from torgtui.i18n import _
from torgtui.marketing import invoices
from torgtui.marketing.invoices_pdf import contents, export_pdf
from torgtui.money import format_money
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import OfficeJobs, fit, money_field
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.promotions_message import PromotionsMessage
from torgtui.values import parse_money, parse_qty

HERE = Path(__file__).parent
CSS = [HERE / "area.tcss", HERE / "promotions.tcss", HERE / "invoices.tcss"]


# --- one invoice -----------------------------------------------------------------------------


def shipper_from_settings(settings: Any) -> Any:
    """The shop as Nova Poshta's sender, from ``[customers]`` novaposhta_sender,
    novaposhta_contact, novaposhta_city, novaposhta_address, novaposhta_phone (the service
    refuses in words while they are not set)."""
    from torgtui.marketing.invoices_waybill import Shipper

    c = settings.customers
    return Shipper(
        *(
            str(getattr(c, f"novaposhta_{name}", "") or "")
            for name in ("sender", "contact", "city", "address", "phone")
        )
    )


class InvoiceScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """One invoice as it prints; F5 a payment, F6 the waybill, F7 the PDF."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#invoice-lines"
    BINDINGS = [
        Binding("f5", "pay", _("Payment"), id="invoice.pay"),
        Binding("f6", "waybill", _("Waybill"), id="invoice.waybill"),
        Binding("f7", "pdf", _("PDF"), id="invoice.pdf"),
    ]

    def __init__(self, area: Area, invoice_id: int) -> None:
        super().__init__(area)
        self.invoice_id = invoice_id
        self.owed = 0
        self.label = ""

    def place(self) -> str:
        return _("Invoice")

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="invoice-lines", cursor_type="row", show_header=False)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        by, invoice_id = self.app.employee, self.invoice_id

        def read() -> tuple[Any, int, str]:
            invoice = invoices.get(invoice_id, by=by)
            return contents(invoice), invoices.owed(invoice), invoices.label(invoice)

        self.job(read, self.show)

    def show(self, result: tuple[Any, int, str]) -> None:
        page, self.owed, self.label = result
        table = self.query_one("#invoice-lines", DataTable)
        table.clear(columns=True)
        width = max(20, min(self.app.size.width, 80) - 2)
        table.add_column("", width=width)
        words = [page.title, *page.parties, ""]
        for no, name, qty, price, discount, amount in page.rows:
            tail = f"{qty} x {price}" + (f" -{discount}" if discount else "") + f" = {amount}"
            words.append(fit(f"{no}. {name}", width - len(tail) - 1) + " " + tail)
        words += ["", *page.totals, *page.payment, *page.delivery]
        for line in words:
            table.add_row(Text(fit(line, width), no_wrap=True))

    def action_pay(self) -> None:
        if not self.owed:
            self.say(_("Nothing is owed on this invoice."))
            return
        app, invoice_id = self.app, self.invoice_id
        options = (
            ("transfer", _("bank transfer")),
            ("cash", _("cash, into the drawer")),
            ("card", _("card")),
        )

        def parse(values: dict[str, str]) -> tuple[int, str]:
            return parse_money(values["amount"], _("The amount")), values["how"]

        def pay(value: tuple[int, str]) -> invoices.InvoicePaid:
            import uuid as uuidlib

            from torgtui.sales.shifts import current_shift

            amount, how = value
            shift = current_shift(app.employee, app.terminal) if how != "transfer" else None
            return invoices.pay(
                invoice_id,
                amount,
                how,
                uuid=str(uuidlib.uuid4()),
                by=app.employee,
                shift=shift,
                clock=app.clock,
            )

        dialog = FormDialog(
            _("A payment for invoice {number}").format(number=self.label),
            [
                FormField("amount", _("Amount"), money_field(self.owed)),
                FormField("how", _("Paid by"), "transfer", "", options),
            ],
            parse,
            save=pay,
        )
        self.app.push_screen(dialog, self.paid)

    def paid(self, result: invoices.InvoicePaid | None) -> None:
        if result is not None:
            self.say(
                _("{amount} taken; still owed {owed}.").format(
                    amount=format_money(result.amount), owed=format_money(result.owed)
                )
            )
            self.reload()

    def action_waybill(self) -> None:
        app, invoice_id = self.app, self.invoice_id

        def parse(values: dict[str, str]) -> Any:
            from torgtui.marketing.invoices_waybill import Parcel

            grams = parse_qty(values["weight"])  # kilograms typed: thousandths = grams
            seats = int(values["seats"]) if values["seats"].strip().isdigit() else 0
            return Parcel(grams, seats, values["what"].strip(), values["payer"])

        def make(parcel: Any) -> str:
            from torgtui.channels.novaposhta import client_from_settings
            from torgtui.marketing.invoices_waybill import create_waybill

            with client_from_settings(app.settings) as client:
                invoice = create_waybill(
                    invoice_id,
                    client=client,
                    shipper=shipper_from_settings(app.settings),
                    parcel=parcel,
                    by=app.employee,
                    clock=app.clock,
                )
            return invoice.waybill

        dialog = FormDialog(
            _("Nova Poshta waybill"),
            [
                FormField("weight", _("Weight, kg"), "1"),
                FormField("seats", _("Seats"), "1"),
                FormField("what", _("Description"), "", _("optional")),
                FormField(
                    "payer",
                    _("Delivery paid by"),
                    "Recipient",
                    "",
                    (("Recipient", _("the recipient")), ("Sender", _("the shop"))),
                ),
            ],
            parse,
            save=make,
        )
        self.app.push_screen(dialog, self.waybill_made)

    def waybill_made(self, number: str | None) -> None:
        if number:
            self.say(_("Waybill {number} made.").format(number=number))
            self.reload()

    def action_pdf(self) -> None:
        app, invoice_id = self.app, self.invoice_id
        default = str(Path.home() / f"invoice-{self.label}.pdf")

        def parse(values: dict[str, str]) -> str:
            return values["path"].strip()

        def write(path: str) -> str:
            export_pdf(invoice_id, Path(path).expanduser(), by=app.employee)
            return path

        dialog = FormDialog(
            _("The invoice as PDF"),
            [FormField("path", _("File"), default)],
            parse,
            label_width=8,
            save=write,
        )
        self.app.push_screen(
            dialog, lambda path: path and self.say(_("Written to {path}.").format(path=path))
        )

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)


__all__ = ["InvoiceScreen", "shipper_from_settings"]
