"""A batch's codes on paper and in files: CSV (';'-separated, UTF-8 with BOM or cp1251, every
cell through torgtui.csvsafe), XLSX (openpyxl, every text cell neutralised the same way),
label printer bytes (TSPL or ZPL, torgtui.hw.labels.promo_label) and an A4 sheet of labels as
PDF (torgtui.pdf.new_pdf, the sheet layouts and bars of torgtui.customers.printing).

Codes are what a customer pays with, so every one of these needs EDIT_PRICES and is audited
(how many codes, never the codes); files are written beside the target and renamed, so a
failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from pathlib import Path

from torgtui.clock import Clock, system_clock
from torgtui.csvsafe import protect_cell, protect_row
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.files import export_target, write_atomically
from torgtui.i18n import _
from torgtui.marketing.codes_read import CodeRow, batch_of, iter_codes, promotion_row
from torgtui.models import Employee
from torgtui.models.codes import CodeBatch
from torgtui.staff import Permission, audit, require

ENCODINGS = ("utf-8", "cp1251")
MAX_LABELS = 10_000  # labels in one run (a label printer's queue, a PDF of 417 A4 sheets)
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def columns() -> list[str]:
    return [
        _("Code"),
        _("Batch"),
        _("Promotion"),
        _("Channel"),
        _("Uses per code"),
        _("Used"),
        _("Blocked"),
        _("Issued to"),
        _("Valid from"),
        _("Valid until"),
    ]


def _cells(batch: CodeBatch, promotion: str, row: CodeRow) -> list[object]:
    return [
        row.code,
        batch.code,
        promotion,
        batch.channel,
        row.uses_per_code,
        row.used,
        "1" if row.blocked or batch.blocked else "0",
        row.customer,
        batch.valid_from.isoformat() if batch.valid_from else "",
        batch.valid_until.isoformat() if batch.valid_until else "",
    ]


def _promotion_name(batch: CodeBatch) -> str:
    found = promotion_row(batch.promotion_id)
    return found[2] if found else ""


def _audit(action: str, by: Employee, batch: CodeBatch, count: int, clock: Clock, **more) -> None:
    with write_tx():
        audit(
            action,
            by,
            object_type="code_batch",
            object_id=batch.id,
            after={"codes": count, **more},
            clock=clock,
        )


def export_csv(
    batch: CodeBatch | int | str,
    path: str | Path,
    *,
    by: Employee,
    encoding: str = "utf-8",
    clock: Clock = system_clock,
) -> int:
    """Write the batch's codes to a CSV file that Excel opens; returns how many."""
    require(by, Permission.EDIT_PRICES)
    if encoding not in ENCODINGS:
        raise ValidationError(
            _("Unknown encoding {enc!r}: use utf-8 or cp1251.").format(enc=str(encoding)[:20])
        )
    found = batch_of(batch)
    target = export_target(path, (".csv",))
    promotion = _promotion_name(found)
    written = 0

    def write(partial: Path) -> None:
        nonlocal written
        buffer = io.StringIO()
        out = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        out.writerow(protect_row(columns()))
        for row in iter_codes(found):
            out.writerow(protect_row(_cells(found, promotion, row)))
            written += 1
        data = buffer.getvalue().encode(encoding, errors="replace")
        partial.write_bytes((b"\xef\xbb\xbf" if encoding == "utf-8" else b"") + data)

    write_atomically(target, write)
    _audit("code_batch.export", by, found, written, clock, format="csv")
    return written


def export_xlsx(
    batch: CodeBatch | int | str, path: str | Path, *, by: Employee, clock: Clock = system_clock
) -> int:
    """Write the batch's codes to a workbook (one sheet); returns how many."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    require(by, Permission.EDIT_PRICES)
    found = batch_of(batch)
    target = export_target(path, (".xlsx",))
    promotion = _promotion_name(found)
    written = 0

    def write(partial: Path) -> None:
        nonlocal written
        book = Workbook(write_only=True)
        sheet = book.create_sheet(found.code[:31])
        for n, width in enumerate((16, 16, 30, 16, 8, 8, 8, 30, 12, 12)):
            sheet.column_dimensions[chr(ord("A") + n)].width = width

        def cell(value: object, strong: bool = False) -> WriteOnlyCell:
            if isinstance(value, int):
                return WriteOnlyCell(sheet, value=value)
            text = WriteOnlyCell(sheet, value=protect_cell(_XLSX_ILLEGAL.sub("?", str(value))))
            text.data_type = "s"
            if strong:
                text.font = Font(bold=True)
            return text

        sheet.append([cell(c, strong=True) for c in columns()])
        for row in iter_codes(found):
            sheet.append([cell(v) for v in _cells(found, promotion, row)])
            written += 1
        book.save(str(partial))

    write_atomically(target, write)
    _audit("code_batch.export", by, found, written, clock, format="xlsx")
    return written


def _validity(batch: CodeBatch) -> str:
    if batch.valid_until is not None:
        return _("Valid until {date}").format(date=batch.valid_until.strftime("%d.%m.%Y"))
    return ""


def _chosen(found: CodeBatch, codes: Iterable[str] | None) -> list[str]:
    """The batch's codes to print: all of them, or those of ``codes`` that are its own."""
    mine = [r.code for r in iter_codes(found) if not r.blocked]
    if codes is None:
        chosen = mine
    else:
        known, wanted = set(mine), list(dict.fromkeys(codes))
        chosen = [c for c in wanted if c in known]
        if len(chosen) != len(wanted):
            raise ValidationError(
                _("Some codes are not codes of {batch} in force: print only its own.").format(
                    batch=found.code
                )
            )
    if not chosen:
        raise ValidationError(_("Batch {batch} has no codes to print.").format(batch=found.code))
    if len(chosen) > MAX_LABELS:
        raise ValidationError(
            _("{n} labels: print at most {max} at a time (choose the codes).").format(
                n=len(chosen), max=MAX_LABELS
            )
        )
    return chosen


def label_bytes(
    batch: CodeBatch | int | str,
    *,
    by: Employee,
    language: str = "tspl",
    codes: Iterable[str] | None = None,
    clock: Clock = system_clock,
) -> bytes:
    """One label per code (all the batch's codes in force, or ``codes``) for a TSPL or ZPL
    label printer; send them with torgtui.hw.labels.send_label."""
    from torgtui.hw.labels import promo_label

    require(by, Permission.EDIT_PRICES)
    found = batch_of(batch)
    chosen = _chosen(found, codes)
    title, line = _promotion_name(found) or found.name, _validity(found)
    data = b"".join(promo_label(c, title, line, language=language) for c in chosen)
    _audit("code_batch.labels", by, found, len(chosen), clock, language=language)
    return data


def labels_pdf(
    batch: CodeBatch | int | str,
    path: str | Path,
    *,
    by: Employee,
    layout: str = "a4-24",
    codes: Iterable[str] | None = None,
    clock: Clock = system_clock,
) -> int:
    """An A4 sheet of self-adhesive labels (torgtui.customers.printing.LAYOUTS), one code on
    each: the promotion's name, the validity and the code's barcode. Returns the pages."""
    from torgtui.customers.printing import LAYOUTS, draw_barcode
    from torgtui.pdf import FONT, new_pdf

    require(by, Permission.EDIT_PRICES)
    sheet = LAYOUTS.get(layout)
    if sheet is None:
        raise ValidationError(
            _("Unknown label layout {name!r}: use {known}.").format(
                name=str(layout)[:20], known=", ".join(LAYOUTS)
            )
        )
    found = batch_of(batch)
    target = export_target(path, (".pdf",))
    chosen = _chosen(found, codes)
    title, line = _promotion_name(found) or found.name, _validity(found)
    pdf = new_pdf()

    def fit(text: str, width: float) -> str:
        if pdf.get_string_width(text) <= width:
            return text
        while text and pdf.get_string_width(text + "…") > width:
            text = text[:-1]
        return text + "…"

    for slot, code in enumerate(chosen):
        if slot % sheet.per_page == 0:
            pdf.add_page()
        row, col = divmod(slot % sheet.per_page, sheet.columns)
        x = sheet.left + col * (sheet.width + sheet.gap_x)
        y = sheet.top + row * (sheet.height + sheet.gap_y)
        pad = min(3.0, sheet.height / 8)
        size = 7 if sheet.height < 25 else 9
        pdf.set_font(FONT, size=size)
        pdf.text(x + pad, y + pad + 3, fit(title, sheet.width - 2 * pad))
        top = y + pad + 4
        if line and sheet.height >= 25:
            pdf.text(x + pad, top + 3, fit(line, sheet.width - 2 * pad))
            top += 4
        draw_barcode(pdf, code, x + pad, top, sheet.width - 2 * pad, y + sheet.height - pad - top)
    write_atomically(target, lambda partial: pdf.output(str(partial)))
    _audit("code_batch.labels", by, found, len(chosen), clock, layout=layout)
    return int(pdf.pages_count)


__all__ = ["columns", "export_csv", "export_xlsx", "label_bytes", "labels_pdf"]
