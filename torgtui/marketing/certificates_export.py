"""A batch of gift certificates to a file: its barcodes as CSV (';'-separated, UTF-8 with BOM
or cp1251, every cell through torgtui.csvsafe) or XLSX (openpyxl, text cells neutralised the
same way), for a print shop that makes the plastic or scratch cards, or for the shop's own
records.

A certificate's barcode is what a customer pays with, so an export needs MANAGE_CERTIFICATES and is
audited (how many, never the barcodes). The file is written beside the target and renamed:
a failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

from torgtui.clock import Clock, system_clock
from torgtui.csvsafe import protect_cell, protect_row
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.files import export_target, write_atomically
from torgtui.i18n import _
from torgtui.marketing import certificates_office as office
from torgtui.models import Employee
from torgtui.models.certificates import CertificateBatch
from torgtui.staff import Permission, audit, require

ENCODINGS = ("utf-8", "cp1251")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CENT = Decimal("0.01")
WIDTHS = (16, 6, 16, 30, 18, 12, 10, 12, 12, 12, 30)


def columns() -> list[str]:
    return [
        _("Barcode"),
        _("Generation"),
        _("Type"),
        _("Type name"),
        _("Mode"),
        _("Face value"),
        _("State"),
        _("Issued"),
        _("Sold"),
        _("Valid until"),
        _("Customer"),
    ]


def _day(moment) -> str:
    return moment.date().isoformat() if moment is not None else ""


def _rows(batch: CertificateBatch):
    """The cells of each certificate of ``batch``: money as a number of hryvnias (so a
    spreadsheet sums it), dates as ISO days."""
    ctype = batch.type
    for row in office.iter_batch(batch.id):
        until = office.last_day(row.expires_at) if row.expires_at else ctype.valid_until
        yield [
            row.barcode,
            row.generation,
            ctype.code,
            ctype.name,
            office.mode_title(ctype.mode),
            (Decimal(row.value) / 100).quantize(CENT) if ctype.mode != "discount" else "",
            office.status_title(row.status),
            _day(row.issued_at),
            _day(row.sold_at),
            until.isoformat() if until else "",
            row.customer,
        ]


def target_file(path: str | Path, suffix: str) -> Path:
    """``path`` checked: it ends in ``suffix`` and its folder exists."""
    return export_target(path, (suffix,))


def audit_batch(
    action: str, by: Employee, batch: CertificateBatch, count: int, clock: Clock, **more
) -> None:
    with write_tx():
        audit(
            action,
            by,
            object_type="certificate_batch",
            object_id=batch.id,
            after={"certificates": count, **more},
            clock=clock,
        )


def export_csv(
    batch_id: int,
    path: str | Path,
    *,
    by: Employee,
    encoding: str = "utf-8",
    clock: Clock = system_clock,
) -> int:
    """Write a batch's certificates to a CSV file that Excel opens; returns how many."""
    require(by, Permission.MANAGE_CERTIFICATES)
    if encoding not in ENCODINGS:
        raise ValidationError(
            _("Unknown encoding {enc!r}: use utf-8 or cp1251.").format(enc=str(encoding)[:20])
        )
    batch = office.batch_of(batch_id)
    target = target_file(path, ".csv")
    written = 0

    def write(partial: Path) -> None:
        nonlocal written
        buffer = io.StringIO()
        out = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        out.writerow(protect_row(columns()))
        for cells in _rows(batch):
            out.writerow(protect_row(cells))
            written += 1
        data = buffer.getvalue().encode(encoding, errors="replace")
        partial.write_bytes((b"\xef\xbb\xbf" if encoding == "utf-8" else b"") + data)

    write_atomically(target, write)
    audit_batch("certificate_batch.export", by, batch, written, clock, format="csv")
    return written


def export_xlsx(
    batch_id: int, path: str | Path, *, by: Employee, clock: Clock = system_clock
) -> int:
    """Write a batch's certificates to a workbook (one sheet); returns how many."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    require(by, Permission.MANAGE_CERTIFICATES)
    batch = office.batch_of(batch_id)
    target = target_file(path, ".xlsx")
    written = 0

    def write(partial: Path) -> None:
        nonlocal written
        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Batch {n}").format(n=batch.id)[:31])
        for n, width in enumerate(WIDTHS):
            sheet.column_dimensions[chr(ord("A") + n)].width = width

        def cell(value: object, strong: bool = False) -> WriteOnlyCell:
            if isinstance(value, int | Decimal):
                return WriteOnlyCell(sheet, value=value)
            text = WriteOnlyCell(sheet, value=protect_cell(_XLSX_ILLEGAL.sub("?", str(value))))
            text.data_type = "s"  # a barcode stays text: no 2.9E+12, no lost leading zero
            if strong:
                text.font = Font(bold=True)
            return text

        sheet.append([cell(c, strong=True) for c in columns()])
        for cells in _rows(batch):
            sheet.append([cell(v) for v in cells])
            written += 1
        book.save(str(partial))

    write_atomically(target, write)
    audit_batch("certificate_batch.export", by, batch, written, clock, format="xlsx")
    return written


def export(batch_id: int, path: str | Path, *, by: Employee, clock: Clock = system_clock) -> int:
    """CSV or XLSX by the file's ending."""
    if Path(path).suffix.lower() == ".xlsx":
        return export_xlsx(batch_id, path, by=by, clock=clock)
    return export_csv(batch_id, path, by=by, clock=clock)


__all__ = ["columns", "export", "export_csv", "export_xlsx", "target_file", "write_atomically"]
