"""The certificate batches of the Certificates area (all, or one type's), newest first: issue
one (Insert), its barcodes to a CSV or XLSX file (F6), the certificates themselves to a PDF or
as labels for a TSPL/ZPL printer, to a file or sent to the printer (F7).

Everything goes through torgtui.marketing.certificates (issuing), certificates_export and
certificates_print, which check the permission, validate, write and audit.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label

from torgtui.errors import ValidationError
from torgtui.i18n import _, ngettext
from torgtui.marketing import certificates_office as office
from torgtui.marketing.certificates_print import layout_for
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.certificates import (
    CSS,
    add_columns,
    column_widths,
    issue_batch,
    template_choices,
)
from torgtui.screens.office import OfficeJobs, fit
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.promotions_message import PromotionsMessage

BATCH_WIDTHS = (5, 0, 5, 27, 6, 8)  # no., type (the rest), count, barcodes, in force, date
BATCH_RIGHT = {0, 2, 4}


class CertificateBatchesScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """The batches (all, or one type's), newest first: Insert issues one, F6 writes its
    barcodes to a file, F7 prints the certificates (PDF or labels)."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#certificate-batches"
    BINDINGS = [
        Binding("insert", "issue", _("Issue"), id="certificate_batches.issue"),
        Binding("f6", "export", _("Export"), id="certificate_batches.export"),
        Binding("f7", "print", _("Print"), id="certificate_batches.print"),
    ]

    def __init__(self, area: Area, of_type: office.TypeRow | None = None) -> None:
        super().__init__(area)
        self.of_type = of_type
        self.rows: list[office.BatchRow] = []
        self.types: list[office.TypeRow] = []

    def place(self) -> str:
        if self.of_type is not None:
            return _("Certificate batches of {code}").format(code=self.of_type.code)
        return _("Certificate batches")

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="certificate-batches", cursor_type="row", zebra_stripes=True)
        yield Label("", id="certificate-batch-detail", classes="promo-line", markup=False)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#certificate-batches", DataTable)
        titles = (_("No."), _("Type"), _("Qty"), _("Barcodes"), _("Valid"), _("Issued"))
        add_columns(table, titles, self.widths(), BATCH_RIGHT)
        self.read()

    def widths(self) -> tuple[int, ...]:
        return column_widths(BATCH_WIDTHS, self.app.size.width, 6)

    def read(self) -> None:
        type_id = self.of_type.id if self.of_type else None
        self.job(lambda: (office.batch_rows(type_id), office.type_rows()), self.show)

    def show(self, found: tuple[list[office.BatchRow], list[office.TypeRow]]) -> None:
        self.rows, self.types = found
        table = self.query_one("#certificate-batches", DataTable)
        cursor = table.cursor_row
        table.clear()
        widths = self.widths()
        for b in self.rows:
            span = b.first if b.first == b.last else f"{b.first}–{b.last[-6:]}"
            cells = (
                str(b.id),
                f"{b.type_code} {b.type_name}",
                str(b.count),
                span,
                str(b.in_force),
                f"{b.issued_at:%d.%m.%y}",
            )
            table.add_row(
                *(
                    Text(fit(c, w, right=n in BATCH_RIGHT), no_wrap=True)
                    for n, (c, w) in enumerate(zip(cells, widths, strict=True))
                ),
                key=str(b.id),
            )
        if not self.rows:
            self.say(_("No batches yet: press Insert to issue one."))
        else:
            self.say("")
            if cursor:
                table.move_cursor(row=min(cursor, table.row_count - 1))
        self.show_detail()
        self.refresh_bindings()

    @property
    def current(self) -> office.BatchRow | None:
        row = self.query_one("#certificate-batches", DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        b = self.current
        text = ""
        if b is not None:
            states = ", ".join(
                f"{office.status_title(s)} {n}" for s, n in sorted(b.counts.items()) if n
            )
            text = f"{states}{' · ' + b.note if b.note else ''}"
        self.query_one("#certificate-batch-detail", Label).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("export", "print"):
            return self.current is not None
        return True

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def action_issue(self) -> None:
        chosen = self.of_type.code if self.of_type else ""
        issue_batch(self, self.types, chosen, self.read)

    def action_export(self) -> None:
        batch = self.current
        if batch is None:
            return
        from torgtui.marketing import certificates_export

        employee, clock = self.app.employee, self.app.clock
        default = str(Path.home() / f"certificates-{batch.id}-{self.app.clock().date()}.csv")

        def parse(values: dict[str, str]) -> str:
            path = values["path"].strip()
            if Path(path).suffix.lower() not in (".csv", ".xlsx"):
                raise ValidationError(
                    _("The file ends in .csv or .xlsx: {path}").format(path=path[-40:])
                )
            return path

        def export(path: str) -> tuple[str, int]:
            return path, certificates_export.export(batch.id, path, by=employee, clock=clock)

        def written(result: tuple[str, int] | None) -> None:
            if result is not None:
                path, n = result
                self.app.notify(
                    ngettext(
                        "{n} barcode written to {path}.", "{n} barcodes written to {path}.", n
                    ).format(n=n, path=path),
                    timeout=8,
                )

        dialog = FileDialog(
            _("Barcodes of batch {batch} to a file").format(batch=batch.id),
            [FormField("path", _("File"), default, _("a .csv or .xlsx file"))],
            parse,
            lines=[_("Every certificate of the batch: barcode, type, value, state, dates.")],
            label_width=8,
            save=export,
        )
        self.app.push_screen(dialog, written)

    def action_print(self) -> None:
        batch = self.current
        if batch is None:
            return
        from torgtui.marketing import certificates_print

        employee, clock = self.app.employee, self.app.clock
        shop = self.app.settings.store.name
        layout = layout_for(next((t.template for t in self.types if t.id == batch.type_id), ""))
        default = str(Path.home() / f"certificates-{batch.id}.pdf")

        def parse(values: dict[str, str]) -> tuple[str, str, str]:
            path = values["path"].strip()
            suffix = Path(path).suffix.lower()
            if suffix not in (".pdf", ".tspl", ".zpl"):
                raise ValidationError(
                    _("The file ends in .pdf (certificates) or .tspl/.zpl (labels): {path}").format(
                        path=path[-40:]
                    )
                )
            return path, values["page"], values["printer"].strip()

        def make(value: tuple[str, str, str]) -> tuple[str, int, str]:
            path, page, printer = value
            suffix = Path(path).suffix.lower()
            if suffix == ".pdf":
                pages = certificates_print.batch_pdf(
                    batch.id, path, by=employee, shop=shop, layout=page, clock=clock
                )
                return path, pages, "pdf"
            count = certificates_print.print_labels(
                batch.id,
                by=employee,
                language=suffix[1:],
                path=path,
                printer=printer,
                shop=shop,
                clock=clock,
            )
            return (printer or path), count, "sent" if printer else "labels"

        def made(result: tuple[str, int, str] | None) -> None:
            if result is None:
                return
            where, n, kind = result
            if kind == "pdf":
                text = ngettext(
                    "{n} page of certificates written to {path}.",
                    "{n} pages of certificates written to {path}.",
                    n,
                )
            elif kind == "sent":
                text = ngettext(
                    "{n} label sent to the printer {path}.",
                    "{n} labels sent to the printer {path}.",
                    n,
                )
            else:
                text = ngettext("{n} label written to {path}.", "{n} labels written to {path}.", n)
            self.app.notify(text.format(n=n, path=where), timeout=8)

        dialog = FileDialog(
            _("Print the certificates of batch {batch}").format(batch=batch.id),
            [
                FormField("path", _("File"), default, _(".pdf, or .tspl/.zpl for labels")),
                FormField("page", _("Page"), layout, choices=template_choices()),
                FormField("printer", _("Printer"), "", _("labels: host:9100, or empty")),
            ],
            parse,
            lines=[
                _(
                    "The certificates not sold, used or blocked yet; a .pdf to print on paper, "
                    "labels for a label printer (sent when its address is given)."
                )
            ],
            label_width=9,
            save=make,
        )
        self.app.push_screen(dialog, made)


class FileDialog(FormDialog):
    """Where to write a batch's barcodes or certificates: F2 writes them."""

    BINDINGS = [Binding("f2", "submit", _("Write"), id="certificate_batches.write")]


__all__ = ["CertificateBatchesScreen", "FileDialog"]
