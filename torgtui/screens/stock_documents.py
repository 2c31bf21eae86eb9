"""Stock documents (the Stock area): the goods receipts, stocktakes and write-offs, newest
first; F2 a new goods receipt, F3 a new stocktake of a product group, F4 a new write-off.

One document's screen has the code field: a scan (or a typed barcode or SKU, then Enter) adds
one unit of the product; "5*code" adds five; F3 searches a product by name. Enter on a line
changes its quantity (and a receipt's cost per unit), Delete takes it off. A stocktake shows
the books and the difference of every line, and F5 lists every difference posting would
adjust (products of the group not counted included); F6 writes its count sheet (PDF or CSV).
F2 posts after a confirmation, F8 cancels a draft. torgtui.catalog.documents checks, writes
and audits everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Label

from torgtui.catalog import documents, documents_post, documents_read
from torgtui.catalog.documents_read import DocumentInfo, LineInfo
from torgtui.catalog.service import group_choices
from torgtui.catalog.stock import location_by_code
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Product
from torgtui.money import format_money, format_qty, line_amount
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import OfficeJobs, Page, RowList, fit, money_field
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.promotions_message import PromotionsMessage
from torgtui.screens.till_dialogs import ConfirmDialog
from torgtui.values import parse_money, parse_qty

HERE = Path(__file__).parent
CSS = [HERE / "area.tcss", HERE / "promotions.tcss"]
WIDTHS = (5, 13, 9, 0, 10, 8)  # number, kind, state, what (the rest), amount, date


def doc_cells(row: DocumentInfo) -> tuple[str, ...]:
    what = (
        row.supplier
        or row.group
        or row.reason
        or (_("all products") if row.kind == "count" else "")
    )
    return (
        str(row.number),
        documents.kind_title(row.kind),
        documents.state_title(row.state),
        what,
        format_money(row.total_cost, symbol=False) if row.state == "posted" else "",
        f"{row.created_at:%d.%m.%y}",
    )


def list_line(cells: tuple[str, ...], width: int) -> str:
    rest = max(6, width - sum(WIDTHS) - len(WIDTHS))
    widths = tuple(w or rest for w in WIDTHS)
    return " ".join(
        fit(c, w, right=n in (0, 4)) for n, (c, w) in enumerate(zip(cells, widths, strict=True))
    )


def documents_loader(by: Any):
    """A forward-only PagedList loader over the documents, newest first."""
    from torgtui import db

    def load(request: Any) -> Page:
        before = request.key if request.kind == "after" else None
        with db.database.connection_context():
            rows = documents_read.list_documents(by=by, before=before, limit=request.limit)
        full = len(rows) >= request.limit
        return Page(
            rows, rows[-1].number if rows and full else None, rows[0].number if rows else None
        )

    return load


class DocumentRows(RowList):
    BINDINGS = [Binding("enter", "select", _("Open"), show=False, id="stock_documents.open")]


class StockDocumentsScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """Every stock document, newest first."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#stock-documents"
    BINDINGS = [
        Binding("f2", "new('receipt')", _("Goods in"), id="stock_documents.receipt"),
        Binding("f3", "new('count')", _("Stocktake"), id="stock_documents.count"),
        Binding("f4", "new('writeoff')", _("Write-off"), id="stock_documents.writeoff"),
    ]

    def place(self) -> str:
        return _("Stock documents")

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("Newest first · Enter: open · F2 receipt · F3 stocktake · F4 write-off"),
            id="stock-documents-info",
            markup=False,
        )
        yield Label("", id="stock-documents-header", markup=False)
        yield DocumentRows(self.render_row, row_id=lambda r: r.number, id="stock-documents")
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        width = max(20, self.app.size.width - 1)
        titles = (
            _("No."),
            _("Kind"),
            _("State"),
            _("Supplier, group, reason"),
            _("At cost"),
            _("Date"),
        )
        self.query_one("#stock-documents-header", Label).update(" " + list_line(titles, width))
        listing = self.query_one("#stock-documents", DocumentRows)
        listing.empty_text = _("No stock documents yet: press F2 to receive goods.")
        listing.show(documents_loader(self.app.employee), backwards=False)

    def render_row(self, row: DocumentInfo, width: int) -> str:
        return list_line(doc_cells(row), width)

    def changed(self) -> None:
        self.query_one("#stock-documents", DocumentRows).reload()

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def on_paged_list_selected(self, event: RowList.Selected) -> None:
        event.stop()
        self.open_document(event.row.number)

    def on_paged_list_failed(self, event: RowList.Failed) -> None:
        event.stop()
        self.say(getattr(event.error, "message", "") or str(event.error))

    def open_document(self, number: int | None) -> None:
        if number is not None:
            self.changed()
            screen = StockDocumentScreen(self.area, number)
            self.app.push_screen(screen, lambda _r: self.changed())

    def action_new(self, kind: str) -> None:
        app = self.app
        by, code = app.employee, app.settings.store.location
        fields: list[FormField]
        if kind == "receipt":
            title = _("A new goods receipt")
            fields = [
                FormField("supplier", _("Supplier"), "", _("who delivered")),
                FormField("invoice", _("Invoice no."), "", _("optional")),
            ]
        elif kind == "count":
            title = _("A new stocktake")
            groups = tuple((str(gid), path) for gid, path in group_choices())
            fields = [
                FormField("group", _("Product group"), "", "", (("", _("all products")), *groups)),
                FormField("reason", _("Reason"), "", _("optional")),
            ]
        else:
            title = _("A new write-off")
            fields = [FormField("reason", _("Reason"), "", _("damaged, expired, ..."))]

        def parse(values: dict[str, str]) -> dict[str, Any]:
            out: dict[str, Any] = {k: v.strip() for k, v in values.items()}
            if "group" in out:
                out["group"] = int(out["group"]) if out["group"] else None
            return out

        def save(values: dict[str, Any]) -> int:
            location = location_by_code(code)
            doc = documents.create_document(
                kind, by=by, location=location, clock=app.clock, **values
            )
            return doc.number

        self.app.push_screen(FormDialog(title, fields, parse, save=save), self.open_document)


# --- one document --------------------------------------------------------------------------


def split_code(text: str) -> tuple[int | None, str]:
    """ "5*4820..." -> (5000, "4820..."); a plain code -> (None, code)."""
    text = text.strip()
    if "*" in text:
        qty, _star, code = text.partition("*")
        return parse_qty(qty), code.strip()
    return None, text


class StockDocumentScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """One document: its lines, the code field, and posting it."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#doc-code"
    BINDINGS = [
        Binding("f2", "post", _("Post"), id="stock_document.post"),
        Binding("f3", "search", _("Search"), id="stock_document.search"),
        Binding("f5", "differences", _("Differences"), id="stock_document.differences"),
        Binding("f6", "sheet", _("Sheet"), id="stock_document.sheet"),
        Binding("f8", "cancel_document", _("Cancel doc"), id="stock_document.cancel"),
        Binding("delete", "delete_line", _("Remove"), id="stock_document.delete"),
    ]

    def __init__(self, area: Area, number: int) -> None:
        super().__init__(area)
        self.number = number
        self.info: DocumentInfo | None = None
        self.lines: list[LineInfo] = []
        self.showing_differences = False

    def place(self) -> str:
        return _("Stock document {number}").format(number=self.number)

    def compose_body(self) -> ComposeResult:
        yield Label("", id="doc-title", markup=False)
        yield Input(placeholder=_("Scan or type a barcode or SKU (5*code: five)"), id="doc-code")
        yield DataTable(id="doc-lines", cursor_type="row", zebra_stripes=True)
        yield Label("", id="doc-total", markup=False)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("differences", "sheet"):
            return self.info is not None and self.info.kind == "count"
        if action in ("post", "cancel_document", "delete_line", "search"):
            return self.info is None or self.info.state == "draft"
        return True

    def reload(self) -> None:
        by = self.app.employee

        def read() -> tuple[DocumentInfo, list[LineInfo]]:
            return (
                documents_read.get_document(self.number, by=by),
                documents_read.document_lines(self.number, by=by),
            )

        self.job(read, self.show)

    def show(self, result: tuple[DocumentInfo, list[LineInfo]]) -> None:
        self.info, self.lines = result
        self.showing_differences = False
        info = self.info
        detail = info.supplier or info.group or (_("all products") if info.kind == "count" else "")
        if info.reason:
            detail = f"{detail} · {info.reason}" if detail else info.reason
        self.query_one("#doc-title", Label).update(
            f"{documents.kind_title(info.kind)} {info.number} ({documents.state_title(info.state)})"
            + (f": {detail}" if detail else "")
        )
        self.query_one("#doc-code", Input).display = info.state == "draft"
        self.fill()
        self.refresh_bindings()

    def fill(self) -> None:
        assert self.info is not None
        table = self.query_one("#doc-lines", DataTable)
        table.clear(columns=True)
        count = self.info.kind == "count"
        room = max(16, min(self.app.size.width, 80) - 3 - 10 - 10 - 11 - 8)
        table.add_column(_("Product"), width=room)
        table.add_column(Text(_("Counted") if count else _("Qty"), justify="right"), width=10)
        if count:
            table.add_column(Text(_("Books"), justify="right"), width=10)
            table.add_column(Text(_("Difference"), justify="right"), width=11)
        else:
            table.add_column(Text(_("Cost"), justify="right"), width=10)
            table.add_column(Text(_("Total"), justify="right"), width=11)
        for line in self.lines:
            if count:
                diff = line.difference
                extra = (
                    format_qty(line.expected or 0),
                    ("+" if diff > 0 else "") + format_qty(diff),
                )
            else:
                cost = line.unit_cost
                extra = (
                    format_money(cost, symbol=False),
                    format_money(line_amount(cost, line.qty), symbol=False),
                )
            table.add_row(
                Text(fit(f"{line.sku} {line.name}", room), no_wrap=True),
                Text(format_qty(line.qty), justify="right"),
                *(Text(cell, justify="right") for cell in extra),
            )
        total = self.info.total_cost if self.info.state == "posted" else None
        words = _("Lines: {n}").format(n=len(self.lines))
        if total is not None:
            words += " · " + _("at cost {amount}").format(amount=format_money(total))
        self.query_one("#doc-total", Label).update(words)

    # --- the code field and the lines ------------------------------------------------------

    def take_scan(self, code: str) -> None:
        """A serial scanner's read (the app hands it to the screen on top): one unit more."""
        if self.info is not None and self.info.state == "draft" and not self.showing_differences:
            self.add_code(code)
        else:
            self.app.bell()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        event.input.value = ""
        if text:
            self.add_code(text)

    def add_code(self, text: str) -> None:
        try:
            qty, code = split_code(text)
        except ValidationError as exc:
            self.say(exc.message)
            return
        by, clock, number = self.app.employee, self.app.clock, self.number

        def add() -> documents.LineChange:
            if qty is None:
                return documents.scan(number, code, by=by, clock=clock)
            from torgtui.catalog.service import find_by_code

            product = find_by_code(code)
            if product is None:
                raise ValidationError(
                    _("Unknown code {code}: search the product by name instead.").format(code=code)
                )
            return documents.set_line(number, product, qty, add=True, by=by, clock=clock)

        self.job(add, self.line_changed)

    def line_changed(self, change: documents.LineChange) -> None:
        self.say(
            _("{name}: {qty} on the document.").format(name=change.name, qty=format_qty(change.qty))
        )
        self.reload()

    def action_search(self) -> None:
        from torgtui.screens.product_search import ProductSearchScreen

        def chosen(product: Product | None) -> None:
            if product is not None:
                by, clock, number = self.app.employee, self.app.clock, self.number
                self.job(
                    lambda: documents.set_line(
                        number, product.id, 1000, add=True, by=by, clock=clock
                    ),
                    self.line_changed,
                )

        self.app.push_screen(ProductSearchScreen(), chosen)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.info is None or self.info.state != "draft" or self.showing_differences:
            return
        if 0 <= event.cursor_row < len(self.lines):
            self.edit_line(self.lines[event.cursor_row])

    def edit_line(self, line: LineInfo) -> None:
        receipt = self.info is not None and self.info.kind == "receipt"
        fields = [FormField("qty", _("Quantity"), format_qty(line.qty))]
        if receipt:
            fields.append(FormField("cost", _("Cost per unit"), money_field(line.unit_cost)))

        def parse(values: dict[str, str]) -> tuple[int, int | None]:
            qty = parse_qty(values["qty"], allow_zero=True)
            cost = parse_money(values["cost"], _("The cost per unit")) if receipt else None
            return qty, cost

        by, clock, number = self.app.employee, self.app.clock, self.number

        def save(value: tuple[int, int | None]) -> documents.LineChange:
            qty, cost = value
            return documents.set_line(
                number, line.product_id, qty, unit_cost=cost, by=by, clock=clock
            )

        dialog = FormDialog(f"{line.sku} {line.name}", fields, parse, save=save)
        self.app.push_screen(
            dialog, lambda change: change is not None and self.line_changed(change)
        )

    def action_delete_line(self) -> None:
        table = self.query_one("#doc-lines", DataTable)
        if self.showing_differences or not (0 <= table.cursor_row < len(self.lines)):
            return
        line = self.lines[table.cursor_row]
        by, clock, number = self.app.employee, self.app.clock, self.number
        self.job(
            lambda: documents.remove_line(number, line.product_id, by=by, clock=clock),
            lambda _r: self.reload(),
        )

    def action_sheet(self) -> None:
        """The count sheet (the group's products, the books, what is counted) to a file."""
        by, number = self.app.employee, self.number

        def parse(values: dict[str, str]) -> Path:
            path = Path(values["file"].strip()).expanduser()
            if path.suffix.lower() not in (".csv", ".pdf"):
                raise ValidationError(_("The count sheet is a .csv or a .pdf file."))
            return path

        def save(path: Path) -> Path:
            if path.suffix.lower() == ".pdf":
                data: bytes = documents_read.count_sheet_pdf(number, by=by)
            else:
                data = documents_read.count_sheet_csv(number, by=by).encode("utf-8")
            try:
                path.write_bytes(data)
            except OSError as exc:
                raise ValidationError(
                    _("{path} cannot be written ({problem}): choose another folder.").format(
                        path=path, problem=exc.strerror or type(exc).__name__
                    )
                ) from None
            return path

        def written(path: Path | None) -> None:
            if path is not None:
                self.say(_("The count sheet is in {path}.").format(path=path))

        field = FormField("file", _("File"), f"stocktake-{number}.pdf", _(".pdf or .csv"))
        dialog = FormDialog(_("Count sheet"), [field], parse, save=save)
        self.app.push_screen(dialog, written)

    def action_differences(self) -> None:
        by, number = self.app.employee, self.number
        self.job(lambda: documents_read.differences(number, by=by), self.show_differences)

    def show_differences(self, rows: list[documents_read.Difference]) -> None:
        self.showing_differences = True
        self.lines = [
            LineInfo(d.product_id, d.sku, d.name, "", d.counted, 0, d.expected, None) for d in rows
        ]
        self.fill()
        self.say(
            _("Differences posting would adjust: {n}; Escape: back to the count.").format(
                n=len(rows)
            )
            if rows
            else _("No differences: the count matches the books.")
        )

    def action_back(self) -> None:
        if self.showing_differences:
            self.say("")
            self.reload()
            return
        if self.app.screen is self:
            self.dismiss(None)

    # --- posting ---------------------------------------------------------------------------

    def action_post(self) -> None:
        if self.info is None:
            return
        text = _(
            "Post {kind} {number}? Its stock movements are written and cannot be edited."
        ).format(kind=documents.kind_title(self.info.kind), number=self.number)
        self.app.push_screen(ConfirmDialog(_("Post the document"), text), self.post_confirmed)

    def post_confirmed(self, yes: bool | None) -> None:
        if not yes:
            return
        by, clock, number = self.app.employee, self.app.clock, self.number

        def posted(result: documents_post.Posting) -> None:
            self.say(documents_post.posting_words(result))
            self.reload()

        self.job(lambda: documents_post.post_document(number, by=by, clock=clock), posted)

    def action_cancel_document(self) -> None:
        text = _("Cancel draft {number}? Nothing of it is posted.").format(number=self.number)

        def confirmed(yes: bool | None) -> None:
            if yes:
                by, clock, number = self.app.employee, self.app.clock, self.number
                self.job(
                    lambda: documents.cancel_document(number, by=by, clock=clock),
                    lambda _r: self.reload(),
                )

        self.app.push_screen(ConfirmDialog(_("Cancel the document"), text), confirmed)
