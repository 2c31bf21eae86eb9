"""Reading stock documents (torgtui.catalog.documents): the list (newest first, keyset paged),
one document, its lines, a stocktake's differences, and its count sheet (CSV or PDF) listing
the group's products with what the books say, for counting on paper."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from torgtui.catalog.documents import find_document, require_reader
from torgtui.catalog.documents_post import group_products
from torgtui.catalog.stock import stock_levels
from torgtui.csvsafe import protect_row
from torgtui.db import database, sql
from torgtui.i18n import _
from torgtui.models import Barcode, Employee, Product
from torgtui.models.stockdocs import StockDocumentLine
from torgtui.money import format_qty
from torgtui.values import check_count


@dataclass(frozen=True)
class DocumentInfo:
    number: int
    kind: str
    state: str
    location: str  # its code
    supplier: str
    invoice: str
    group: str  # the counted group's path ("" : every product)
    reason: str
    employee: str
    created_at: dt.datetime
    posted_at: dt.datetime | None
    lines: int
    qty: int  # the lines' quantities, thousandths
    total_cost: int

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["created_at"] = self.created_at.isoformat(sep=" ", timespec="seconds")
        posted = self.posted_at
        out["posted_at"] = None if posted is None else posted.isoformat(sep=" ", timespec="seconds")
        return out


_SELECT = (
    'SELECT "d"."number", "d"."kind", "d"."state", "l"."code", "d"."supplier", "d"."invoice", '
    'COALESCE("g"."path", \'\'), "d"."reason", "e"."name", "d"."created_at", "d"."posted_at", '
    '(SELECT COUNT(*) FROM "stock_document_line" "x" WHERE "x"."document_id" = "d"."id"), '
    '(SELECT COALESCE(SUM("x"."qty"), 0) FROM "stock_document_line" "x" '
    'WHERE "x"."document_id" = "d"."id"), "d"."total_cost" '
    'FROM "stock_document" "d" JOIN "location" "l" ON "l"."id" = "d"."location_id" '
    'JOIN "employee" "e" ON "e"."id" = "d"."employee_id" '
    'LEFT JOIN "product_group" "g" ON "g"."id" = "d"."group_id" '
)


def _moment(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _info(row: Any) -> DocumentInfo:
    (
        number,
        kind,
        state,
        loc,
        supplier,
        invoice,
        group,
        reason,
        employee,
        created,
        posted,
        lines,
        qty,
        total,
    ) = row
    return DocumentInfo(
        int(number),
        kind,
        state,
        loc,
        supplier,
        invoice,
        group,
        reason,
        employee,
        _moment(created),
        _moment(posted),
        int(lines),
        int(qty),
        int(total),
    )  # type: ignore[arg-type]


def get_document(number: int, *, by: Employee | None) -> DocumentInfo:
    require_reader(by)
    doc = find_document(number)
    row = database.execute_sql(sql(_SELECT + 'WHERE "d"."id" = ?'), (doc.id,)).fetchone()
    return _info(row)


def list_documents(
    *,
    by: Employee | None,
    kind: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[DocumentInfo]:
    """Documents newest first; ``before``: the page after the one ending at that number."""
    require_reader(by)
    limit = check_count(limit, _("The page size"), minimum=1, maximum=1000, text=False)
    where, params = ["1 = 1"], []
    if kind is not None:
        where.append('"d"."kind" = ?')
        params.append(kind[:10] if isinstance(kind, str) else "")
    if before is not None:
        where.append('"d"."number" < ?')
        params.append(check_count(before, _("The document's number"), maximum=2**31, text=False))
    rows = database.execute_sql(
        sql(_SELECT + f'WHERE {" AND ".join(where)} ORDER BY "d"."number" DESC LIMIT {limit}'),
        params,
    ).fetchall()
    return [_info(r) for r in rows]


@dataclass(frozen=True)
class LineInfo:
    product_id: int
    sku: str
    name: str
    unit: str
    qty: int  # received, counted or written off
    unit_cost: int
    expected: int | None  # a stocktake: the books (now for a draft, at posting once posted)
    posted_qty: int | None

    @property
    def difference(self) -> int:
        """A stocktake line: counted less the books."""
        return self.qty - (self.expected or 0)


def document_lines(number: int, *, by: Employee | None) -> list[LineInfo]:
    """The lines in the order they were added; a draft stocktake's ``expected`` is the books now."""
    require_reader(by)
    doc = find_document(number)
    rows = list(
        StockDocumentLine.select(StockDocumentLine, Product)
        .join(Product)
        .where(StockDocumentLine.document == doc.id)
        .order_by(StockDocumentLine.id)
    )
    books: dict[int, int] | None = None
    if doc.kind == "count" and doc.state == "draft":
        books = stock_levels(doc.location_id, [r.product_id for r in rows])
    return [
        LineInfo(
            r.product_id,
            r.product.sku,
            r.product.name,
            r.product.unit,
            r.qty,
            r.unit_cost,
            r.expected if books is None else books.get(r.product_id, 0),
            r.posted_qty,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Difference:
    product_id: int
    sku: str
    name: str
    expected: int
    counted: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected


def differences(number: int, *, by: Employee | None) -> list[Difference]:
    """A stocktake's differences (products whose count differs from the books): for a draft,
    what posting it now would adjust; once posted, what it adjusted."""
    require_reader(by)
    doc = find_document(number)
    lines = {ln.product_id: ln for ln in document_lines(number, by=by)}
    if doc.state != "draft":
        return [
            Difference(ln.product_id, ln.sku, ln.name, ln.expected or 0, ln.qty)
            for ln in lines.values()
            if ln.posted_qty
        ]
    products = sorted(set(group_products(doc.group_id)) | set(lines))
    books = stock_levels(doc.location_id, products)
    names = (
        {
            pid: (sku, name)
            for pid, sku, name in Product.select(Product.id, Product.sku, Product.name)
            .where(Product.id.in_([p for p in products if books.get(p, 0) or p in lines]))
            .tuples()
        }
        if products
        else {}
    )
    out = []
    for pid in products:
        counted = lines[pid].qty if pid in lines else 0
        expected = books.get(pid, 0)
        if counted != expected:
            sku, name = names[pid]
            out.append(Difference(pid, sku, name, expected, counted))
    return out


SheetRow = tuple[str, str, str, str, int, int | None]


def _sheet_rows(number: int, by: Employee | None) -> tuple[Any, list[SheetRow]]:
    require_reader(by)
    doc = find_document(number)
    counted = {ln.product_id: ln.qty for ln in document_lines(number, by=by)}
    products = sorted(set(group_products(doc.group_id)) | set(counted))
    books = stock_levels(doc.location_id, products)
    rows = []
    for start in range(0, len(products), 500):
        chunk = products[start : start + 500]
        codes: dict[int, str] = {}
        for pid, code in (
            Barcode.select(Barcode.product, Barcode.code)
            .where(Barcode.product.in_(chunk))
            .order_by(Barcode.code)
            .tuples()
        ):
            codes.setdefault(pid, code)
        for pid, sku, name, unit in (
            Product.select(Product.id, Product.sku, Product.name, Product.unit)
            .where(Product.id.in_(chunk))
            .tuples()
        ):
            rows.append((sku, codes.get(pid, ""), name, unit, books.get(pid, 0), counted.get(pid)))
    rows.sort(key=lambda r: (r[2].casefold(), r[0]))
    return doc, rows


def count_sheet_csv(number: int, *, by: Employee | None) -> str:
    """The stocktake's count sheet as CSV: SKU, barcode, name, unit, on the books, counted
    (blank where nothing was scanned yet); cells safe for spreadsheets."""
    _doc, rows = _sheet_rows(number, by)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("SKU"), _("Barcode"), _("Name"), _("Unit"), _("On the books"), _("Counted")])
    for sku, code, name, unit, books, counted in rows:
        writer.writerow(
            protect_row(
                [
                    sku,
                    code,
                    name,
                    unit,
                    format_qty(books),
                    "" if counted is None else format_qty(counted),
                ]
            )
        )
    return out.getvalue()


def count_sheet_pdf(number: int, *, by: Employee | None) -> bytes:
    """The count sheet as a printable PDF (A4, a blank column to write the count in)."""
    from torgtui.pdf import new_pdf

    doc, rows = _sheet_rows(number, by)
    pdf = new_pdf(auto_page_break=True, size=9)
    pdf.add_page()
    title = _("Stocktake {number}, {group}").format(
        number=doc.number, group=(doc.group.path if doc.group_id else _("all products"))
    )
    pdf.set_font_size(12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(9)
    widths = (28, 32, 80, 12, 18, 16)
    heads = (_("SKU"), _("Barcode"), _("Name"), _("Unit"), _("On the books"), _("Counted"))
    for head, width in zip(heads, widths, strict=True):
        pdf.cell(width, 6, head, border=1)
    pdf.ln()
    for sku, code, name, unit, books, counted in rows:
        cells = (
            sku,
            code,
            name[:48],
            unit,
            format_qty(books),
            "" if counted is None else format_qty(counted),
        )
        for cell, width in zip(cells, widths, strict=True):
            pdf.cell(width, 6, cell, border=1)
        pdf.ln()
    return bytes(pdf.output())


__all__ = [
    "Difference",
    "DocumentInfo",
    "LineInfo",
    "count_sheet_csv",
    "count_sheet_pdf",
    "differences",
    "document_lines",
    "get_document",
    "list_documents",
]
