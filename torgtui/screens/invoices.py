"""Trade with invoice issuance (the Invoices area): the invoices, newest first; F2 a new one.

The invoice form has the register's one code field: products (5*code: five), the customer's
card, promo and referral codes ("control barcodes"), an intermediary's INT-code; F3 searches a
product by name, F5 finds the customer by card or phone, F4 picks the delivery address from
their history, Delete takes a line off, F2 issues it (paid later on the customer's account, or
now in cash, by card or by bank transfer). One invoice's screen takes a payment (F5), makes the
Nova Poshta waybill (F6) and writes the PDF (F7): invoices_card. torgtui.marketing.invoices*
checks, writes and audits everything; these screens only ask and show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Label

from torgtui.customers.phones import normalize_phone
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import invoices
from torgtui.marketing.invoices_draft import InvoiceDraft
from torgtui.models import Customer, DeliveryAddress, Product
from torgtui.money import format_money, format_qty, round_cash
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.invoices_card import InvoiceScreen
from torgtui.screens.office import OfficeJobs, Page, RowList, fit
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.promotions_message import PromotionsMessage

HERE = Path(__file__).parent
CSS = [HERE / "area.tcss", HERE / "promotions.tcss", HERE / "invoices.tcss"]
WIDTHS = (10, 8, 0, 10, 10, 14)  # number, date, customer (the rest), total, owed, waybill


def list_line(cells: tuple[str, ...], width: int) -> str:
    rest = max(6, width - sum(WIDTHS) - len(WIDTHS))
    widths = tuple(w or rest for w in WIDTHS)
    return " ".join(
        fit(c, w, right=n in (3, 4)) for n, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def invoice_cells(row: invoices.InvoiceRow) -> tuple[str, ...]:
    who = row.customer + (f" / {row.partner}" if row.partner else "")
    return (
        row.label,
        f"{row.created_at:%d.%m.%y}",
        who,
        format_money(row.total, symbol=False),
        format_money(row.owed, symbol=False) if row.owed else "",
        row.waybill,
    )


def invoices_loader(by: Any):
    """A forward-only PagedList loader over the invoices, newest first."""
    from torgtui import db

    def load(request: Any) -> Page:
        before = request.key if request.kind == "after" else None
        with db.database.connection_context():
            rows = invoices.page(by=by, before_id=before, limit=request.limit)
        full = len(rows) >= request.limit
        return Page(rows, rows[-1].id if rows and full else None, rows[0].id if rows else None)

    return load


class InvoiceRows(RowList):
    BINDINGS = [Binding("enter", "select", _("Open"), show=False, id="invoices.open")]


class InvoicesScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """Every invoice, newest first."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#invoices"
    BINDINGS = [Binding("f2", "new", _("New invoice"), id="invoices.new")]

    def place(self) -> str:
        return _("Invoices")

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("Newest first · Enter: open · F2 a new invoice"), id="invoices-info", markup=False
        )
        yield Label("", id="invoices-header", markup=False)
        yield InvoiceRows(self.render_row, id="invoices")
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        width = max(20, self.app.size.width - 1)
        titles = (_("No."), _("Date"), _("Customer"), _("Total"), _("Owed"), _("Waybill"))
        self.query_one("#invoices-header", Label).update(" " + list_line(titles, width))
        listing = self.query_one("#invoices", InvoiceRows)
        listing.empty_text = _("No invoices yet: press F2 to make one.")
        listing.show(invoices_loader(self.app.employee), backwards=False)

    def render_row(self, row: invoices.InvoiceRow, width: int) -> str:
        return list_line(invoice_cells(row), width)

    def changed(self) -> None:
        self.query_one("#invoices", InvoiceRows).reload()

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def on_paged_list_selected(self, event: RowList.Selected) -> None:
        event.stop()
        self.open_invoice(event.row.id)

    def on_paged_list_failed(self, event: RowList.Failed) -> None:
        event.stop()
        self.say(getattr(event.error, "message", "") or str(event.error))

    def open_invoice(self, invoice_id: int | None) -> None:
        if invoice_id is not None:
            self.changed()
            self.app.push_screen(InvoiceScreen(self.area, invoice_id), lambda _r: self.changed())

    def action_new(self) -> None:
        self.app.push_screen(InvoiceFormScreen(self.area), self.open_invoice)


# --- the invoice form ------------------------------------------------------------------------


def address_title(a: DeliveryAddress) -> str:
    where = ", ".join(p for p in (a.city, a.branch, a.street) if p)
    return f"{where} · {a.recipient}" if a.recipient else where


class InvoiceFormScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """A new invoice: the code field, its lines as priced, the customer, address, intermediary.
    Dismissed with the invoice's id once issued (None: back without issuing)."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#invoice-code"
    BINDINGS = [
        Binding("f2", "issue", _("Issue"), id="invoice_form.issue"),
        Binding("f3", "search", _("Search"), id="invoice_form.search"),
        Binding("f4", "address", _("Address"), id="invoice_form.address"),
        Binding("f5", "customer", _("Customer"), id="invoice_form.customer"),
        Binding("delete", "delete_line", _("Remove"), id="invoice_form.delete"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.form: InvoiceDraft | None = None
        self.address_id: int | None = None
        self.summary: dict[str, Any] = {}

    def place(self) -> str:
        return _("New invoice")

    def compose_body(self) -> ComposeResult:
        yield Label("", id="invoice-title", markup=False)
        yield Label("", id="invoice-address", markup=False)
        yield Input(
            placeholder=_("Scan or type a barcode, a card or a code (5*code: five)"),
            id="invoice-code",
        )
        yield DataTable(id="invoice-lines", cursor_type="row", zebra_stripes=True)
        yield Label("", id="invoice-total", markup=False)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        app = self.app

        def start() -> dict[str, Any]:
            from torgtui.sales.shifts import current_shift

            shift = current_shift(app.employee, app.terminal)
            self.form = InvoiceDraft(
                app.employee,
                register=app.terminal,
                scale_prefixes=app.settings.register.prefixes(),
                below_cost=app.settings.register.below_cost,
                card_prefix=app.settings.customers.card_prefix,
                location_id=shift.location_id if shift else None,
                clock=app.clock,
            )
            return self.read()

        self.job(start, self.show)

    def read(self) -> dict[str, Any]:
        """What the form shows, read on the worker's connection."""
        assert self.form is not None
        priced = self.form.priced()
        customer = (
            Customer.get_or_none(Customer.id == priced.customer_id) if priced.customer_id else None
        )
        from torgtui.marketing import intermediaries

        partner_id = intermediaries.through_intermediary(priced)
        partner = None
        if partner_id is not None:
            from torgtui.models.partners import Partner

            partner = Partner.get_or_none(Partner.id == partner_id)
        address = (
            DeliveryAddress.get_or_none(DeliveryAddress.id == self.address_id)
            if self.address_id
            else None
        )
        return {
            "lines": [
                (ln.name, ln.qty, ln.unit_price, ln.discount, ln.total) for ln in priced.lines
            ],
            "total": priced.total,
            "customer": customer,
            "partner": partner.name if partner else "",
            "address": address_title(address) if address else "",
        }

    def show(self, summary: dict[str, Any]) -> None:
        self.summary = summary
        customer = summary["customer"]
        title = (
            _("Customer: {name}").format(name=customer.name)
            if customer
            else _("Customer: scan their card or press F5")
        )
        if summary["partner"]:
            title += " · " + _("through {name}").format(name=summary["partner"])
        self.query_one("#invoice-title", Label).update(title)
        self.query_one("#invoice-address", Label).update(
            _("Delivery: {where}").format(where=summary["address"])
            if summary["address"]
            else _("Delivery: collected at the shop (F4: an address)")
        )
        table = self.query_one("#invoice-lines", DataTable)
        table.clear(columns=True)
        room = max(16, min(self.app.size.width, 80) - 3 - 9 - 11 - 10 - 11)
        table.add_column(_("Goods"), width=room)
        table.add_column(Text(_("Qty"), justify="right"), width=9)
        table.add_column(Text(_("Price"), justify="right"), width=11)
        table.add_column(Text(_("Discount"), justify="right"), width=10)
        table.add_column(Text(_("Amount"), justify="right"), width=11)
        for name, qty, unit, discount, total in summary["lines"]:
            table.add_row(
                Text(fit(name, room), no_wrap=True),
                Text(format_qty(qty), justify="right"),
                Text(format_money(unit, symbol=False), justify="right"),
                Text(format_money(discount, symbol=False) if discount else "", justify="right"),
                Text(format_money(total, symbol=False), justify="right"),
            )
        self.query_one("#invoice-total", Label).update(
            _("{n} lines · total {total}").format(
                n=len(summary["lines"]), total=format_money(summary["total"])
            )
        )

    def refresh_form(self, message: str = "") -> None:
        if message:
            self.say(message)
        self.job(self.read, self.show)

    # --- the code field and the lines ------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        event.input.value = ""
        if not text or self.form is None:
            return
        form = self.form

        def enter() -> str:
            entered = form.enter(text)
            return entered.message

        self.job(enter, self.refresh_form)

    def action_search(self) -> None:
        from torgtui.screens.product_search import ProductSearchScreen

        def chosen(product: Product | None) -> None:
            if product is not None and self.form is not None:
                form = self.form
                self.job(lambda: form.add(product, 1000) and "", self.refresh_form)

        self.app.push_screen(ProductSearchScreen(), chosen)

    def action_delete_line(self) -> None:
        table = self.query_one("#invoice-lines", DataTable)
        if self.form is None or not (0 <= table.cursor_row < len(self.summary.get("lines", []))):
            return
        form, index = self.form, table.cursor_row
        self.job(lambda: form.remove(index) and "", self.refresh_form)

    def action_customer(self) -> None:
        if self.form is None:
            return
        form = self.form

        def parse(values: dict[str, str]) -> str:
            text = values["who"].strip()
            if not text:
                raise ValidationError(_("Type the customer's card number or phone."))
            return text

        def attach(text: str) -> str:
            found = Customer.get_or_none(Customer.card == text)
            if found is None:
                try:
                    phone = normalize_phone(text)
                except ValidationError:
                    phone = ""
                found = Customer.get_or_none(Customer.phone == phone) if phone else None
            if found is None:
                raise ValidationError(
                    _(
                        "No customer with card or phone {text}: check it, or add the customer in "
                        "the Customers area."
                    ).format(text=text[:40])
                )
            form.attach_customer(found)
            self.address_id = None
            return found.name

        dialog = FormDialog(
            _("The customer"), [FormField("who", _("Card or phone"))], parse, save=attach
        )
        self.app.push_screen(dialog, lambda name: name and self.refresh_form())

    def action_address(self) -> None:
        customer = self.summary.get("customer")
        if customer is None:
            self.say(_("Choose the customer first (scan their card or press F5)."))
            return

        def choices() -> list[DeliveryAddress]:
            from torgtui.customers.delivery import addresses_of

            return addresses_of(customer.id)

        def pick(found: list[DeliveryAddress]) -> None:
            options = (
                ("", _("collected at the shop")),
                *((str(a.id), address_title(a)) for a in found),
            )
            if not found:
                self.say(
                    _("{name} has no delivery addresses: add one on their card first.").format(
                        name=customer.name
                    )
                )
                return
            dialog = FormDialog(
                _("Delivery address"),
                [FormField("address", _("Address"), str(found[0].id), "", options)],
                lambda v: int(v["address"]) if v["address"] else 0,
            )
            self.app.push_screen(dialog, self.address_chosen)

        self.job(choices, pick)

    def address_chosen(self, value: int | None) -> None:
        if value is None:
            return
        self.address_id = value or None
        self.refresh_form()

    # --- issuing ---------------------------------------------------------------------------

    def action_issue(self) -> None:
        if self.form is None or not self.summary.get("lines"):
            self.say(_("The invoice is empty: scan something first."))
            return
        customer = self.summary.get("customer")
        if customer is None:
            self.say(_("An invoice is made out to a customer: scan their card or press F5."))
            return
        app, form, total = self.app, self.form, int(self.summary["total"])
        step = app.settings.money.cash_rounding
        options = (
            ("later", _("later, on the customer's account")),
            ("cashless", _("now, by bank transfer")),
            ("card", _("now, by card")),
            ("cash", _("now, in cash")),
        )

        def parse(values: dict[str, str]) -> dict[str, str]:
            return {"how": values["how"], "note": values["note"]}

        def issue(values: dict[str, str]) -> int:
            from torgtui.sales.checkout import Tender
            from torgtui.sales.shifts import current_shift

            shift = current_shift(app.employee, app.terminal)
            if shift is None:
                raise ValidationError(
                    _(
                        "No open shift at this terminal: an invoice is sold in one. Open it in "
                        "the Sale area (F10), then issue the invoice."
                    )
                )
            how = values["how"]
            if how == "later":
                payment, tenders = invoices.LATER, []
            else:
                amount = round_cash(total, step) if how == "cash" else total
                payment, tenders = invoices.NOW, [Tender(how, amount)]
            assert form.uuid is not None
            invoice = invoices.issue(
                form.basket,
                customer_id=customer.id,
                payment=payment,
                tenders=tenders,
                uuid=form.uuid,
                by=app.employee,
                shift=shift,
                address_id=self.address_id,
                note=values["note"],
                cash_step=step,
                below_cost=app.settings.register.below_cost,
                clock=app.clock,
            )
            form.forget()
            return invoice.id

        dialog = FormDialog(
            _("Issue the invoice"),
            [
                FormField("how", _("Paid"), "later", "", options),
                FormField("note", _("Note"), "", _("optional")),
            ],
            parse,
            lines=[_("{name}: {total}").format(name=customer.name, total=format_money(total))],
            save=issue,
        )
        self.app.push_screen(dialog, self.issued)

    def issued(self, invoice_id: int | None) -> None:
        if invoice_id:
            self.dismiss(invoice_id)

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)


__all__ = ["InvoiceFormScreen", "InvoicesScreen"]
