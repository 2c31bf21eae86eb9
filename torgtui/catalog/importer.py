"""Product CSV import: ``torgtui import products FILE [--encoding E] [--location CODE]``.

The file has a header row (case-insensitive) and ',' or ';' between values (Ukrainian Excel
exports use ';'); UTF-8 (with or without BOM) and cp1251 are both read. Every row is checked
first; the good rows are then written in one write transaction, each in a savepoint, so a row
that still fails leaves nothing half-written. Re-importing updates products by SKU; a ``stock``
value sets the stock at the location by posting an ``import`` movement of the difference.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peewee

from torgtui.catalog import service
from torgtui.catalog.barcodes import normalize_barcode
from torgtui.catalog.csvread import (
    COLUMNS,
    ImportFileError,
    check_cells,
    expected_header,
    read_rows,
    read_text,
    sniff_delimiter,
)
from torgtui.catalog.stock import location_by_code, post_movement, stock_levels
from torgtui.clock import Clock, system_clock
from torgtui.db import database, write_tx
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.models import Barcode, Employee, Location, Manufacturer, Product, ProductGroup
from torgtui.money import parse_money
from torgtui.staff import Permission, audit, require
from torgtui.values import check_text
from torgtui.values import parse_qty as parse_quantity

TRUE_WORDS = {"1", "yes", "y", "true", "так", "т", "да"}
FALSE_WORDS = {"0", "no", "n", "false", "ні", "н", "нет"}
BARCODE_SPLIT = re.compile(r"[\s,|]+")
_CHUNK = 500  # values per IN (...) list


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """0 all rows imported, 1 some rejected, 2 nothing imported."""
        if self.imported + self.updated == 0:
            return 2
        return 1 if self.rejected else 0


@dataclass
class _Row:
    line: int
    sku: str
    fields: dict[str, Any]  # cleaned product fields given in this row
    group: str | None
    manufacturer: str | None
    barcodes: list[str]
    stock: int | None


# --- checking rows ------------------------------------------------------------------------


def parse_flag(text: str, column: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(
        _("{column} {value!r} is not a yes/no value: write 1 or 0, yes or no, так or ні").format(
            column=column, value=text
        )
    )


def parse_qty(text: str, unit: str) -> int:
    """A stock quantity ("12", "1.5", "1,250", "1 250") in thousandths, 0..MAX_QTY (what one
    stock movement may post); whole for pcs and pack."""
    cleaned = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    try:
        value = parse_quantity(cleaned, allow_zero=True)
    except ValidationError as exc:
        raise ValidationError(
            _("{column}: {reason}").format(column="stock", reason=exc.message)
        ) from None
    if unit in ("pcs", "pack") and value % 1000:
        raise ValidationError(
            _("bad stock quantity {value!r}: {unit} are counted in whole numbers").format(
                value=text, unit=unit
            )
        )
    return value


def _check_row(
    line: int,
    cells: dict[str, str],
    existing: Product | None,
    tax_codes: Collection[str],
    default_tax: str,
) -> _Row:
    """Clean one row's values (no database writes); raises ValidationError with the reason."""
    check_cells(cells)
    sku = service.clean_sku(cells.get("sku"))
    name = service.clean_name(cells.get("name"))
    fields: dict[str, Any] = {"name": name}
    for column in ("price", "cost"):
        text = cells.get(column, "").strip()
        if not text:
            if column == "price":
                raise ValidationError(_("missing price"))
            continue
        try:
            amount = parse_money(text)
        except ValidationError as exc:
            raise ValidationError(
                _("{column}: {reason}").format(column=column, reason=exc.message)
            ) from None
        fields[column] = service.check_amount(amount, column)
    if cells.get("unit", "").strip():
        fields["unit"] = service.clean_unit(cells["unit"])
    elif existing is None:
        fields["unit"] = "pcs"
    for column in ("weighed", "active"):
        if cells.get(column, "").strip():
            fields[column] = parse_flag(cells[column], column)
    if cells.get("tax_group", "").strip():
        fields["tax_group"] = service.clean_tax_group(cells["tax_group"], tax_codes)
    elif existing is None:
        fields["tax_group"] = default_tax
    group = service.clean_group_path(cells["group"]) if cells.get("group", "").strip() else None
    maker = cells.get("manufacturer", "").strip()
    maker = service.clean_manufacturer(maker) if maker else None
    barcodes: list[str] = []
    for code in BARCODE_SPLIT.split(cells.get("barcodes", "")):
        if code:
            code = normalize_barcode(code)
            if code not in barcodes:
                barcodes.append(code)
    stock = None
    if cells.get("stock", "").strip():
        unit = fields.get("unit") or (existing.unit if existing else "pcs")
        stock = parse_qty(cells["stock"], unit)
    return _Row(line, sku, fields, group, maker, barcodes, stock)


def _storable(sku: str) -> bool:
    """Whether ``sku`` passes the row checks, so it may be looked up in the database."""
    try:
        check_text(sku, "sku", max_len=service.MAX_SKU)
    except ValidationError:
        return False
    return True


def _chunks(items: list[str]):
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


# --- the import ---------------------------------------------------------------------------


def import_products(
    path: str | Path,
    *,
    encoding: str | None = None,
    location_code: str,
    employee: Employee | None = None,
    tax_codes: Collection[str],
    default_tax_group: str | None = None,
    clock: Clock = system_clock,
) -> ImportReport:
    """Import or update products from a CSV file; see the module doc for the format.

    File-level problems raise :class:`ImportFileError` before anything is written; row
    problems are collected in the report as (line, reason) and those rows skipped.
    """
    if employee is not None:
        require(employee, Permission.EDIT_PRICES)
    path = Path(path)
    text, used = read_text(path, encoding)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportFileError(
            _("{path} is empty: the first row must name the columns, e.g.: {expected}").format(
                path=path, expected=expected_header(";")
            )
        )
    delimiter = sniff_delimiter(text.splitlines()[0])
    ignored, raw_rows = read_rows(path, text, delimiter)
    if not raw_rows:
        raise ImportFileError(_("{path} has a header but no product rows.").format(path=path))
    report = ImportReport(encoding=used, delimiter=delimiter, ignored_columns=ignored)
    default_tax = default_tax_group or next(iter(tax_codes), "A")
    # Checks and writes share one transaction: no other register can add a SKU or a barcode
    # between the look-ups here and the inserts.
    with write_tx():
        # only SKUs that can be: a NUL byte would be refused by PostgreSQL itself (the row
        # is rejected by its checks)
        skus = sorted({cells.get("sku", "").strip() for _line, cells, _n in raw_rows} - {""})
        skus = [sku for sku in skus if _storable(sku)]
        existing: dict[str, Product] = {}
        for chunk in _chunks(skus):
            existing.update({p.sku: p for p in Product.select().where(Product.sku.in_(chunk))})
        rows = _check_rows(raw_rows, existing, tax_codes, default_tax, delimiter, report)
        location: Location | None = None
        if any(r.stock is not None for r in rows):
            location = location_by_code(location_code)  # an unknown location refuses the file
        _write_rows(rows, existing, location, employee, path, clock, report)
        report.rejected.sort()
        if report.imported + report.updated == 0:
            return report  # nothing changed: nothing to audit, nothing written
        audit(
            "catalog.import",
            employee,
            object_type="file",
            object_id=path.name[:60],
            after={
                "file": str(path),
                "imported": report.imported,
                "updated": report.updated,
                "rejected": len(report.rejected),
                "location": location.code if location else None,
                "encoding": used,
            },
            clock=clock,
        )
    return report


def _check_rows(
    raw_rows: list[tuple[int, dict[str, str], int]],
    existing: dict[str, Product],
    tax_codes: Collection[str],
    default_tax: str,
    delimiter: str,
    report: ImportReport,
) -> list[_Row]:
    """The rows that pass every check; the others go to ``report.rejected``."""
    rows: list[_Row] = []
    sku_line: dict[str, int] = {}
    barcode_line: dict[str, int] = {}
    for line, cells, extra in raw_rows:
        try:
            if extra:
                raise ValidationError(
                    _(
                        "{n} value(s) more than the header has columns: quote values that "
                        "contain '{d}'"
                    ).format(n=extra, d=delimiter)
                )
            row = _check_row(
                line, cells, existing.get(cells.get("sku", "").strip()), tax_codes, default_tax
            )
            if row.sku in sku_line:
                raise ValidationError(
                    _("duplicate SKU {sku}: already on line {line}").format(
                        sku=row.sku, line=sku_line[row.sku]
                    )
                )
            for code in row.barcodes:
                if code in barcode_line:
                    raise ValidationError(
                        _("barcode {code} is duplicated: already on line {line}").format(
                            code=code, line=barcode_line[code]
                        )
                    )
        except ValidationError as exc:
            report.rejected.append((line, exc.message))
            continue
        sku_line[row.sku] = line
        barcode_line.update(dict.fromkeys(row.barcodes, line))
        rows.append(row)
    return rows


def _write_rows(
    rows: list[_Row],
    existing: dict[str, Product],
    location: Location | None,
    employee: Employee | None,
    path: Path,
    clock: Clock,
    report: ImportReport,
) -> None:
    """Write the checked rows, each in a savepoint; count them in ``report``."""
    owners = _barcode_owners([code for row in rows for code in row.barcodes])
    levels = stock_levels(location, [p.id for p in existing.values()]) if location else {}
    groups: dict[str, ProductGroup] = {}
    makers: dict[str, Manufacturer] = {}
    for row in rows:
        taken = [(c, owners[c]) for c in row.barcodes if c in owners and owners[c] != row.sku]
        if taken:
            reason = _("barcode {code} already belongs to product {sku}").format(
                code=taken[0][0], sku=taken[0][1]
            )
            report.rejected.append((row.line, reason))
            continue
        product = existing.get(row.sku)
        try:
            with database.atomic():
                new_group, new_maker = _write_row(
                    row, product, location, levels, groups, makers, employee, path, clock
                )
        except ValidationError as exc:
            report.rejected.append((row.line, exc.message))
            continue
        except peewee.IntegrityError as exc:
            reason = _("could not be saved ({error}): check the row and import again").format(
                error=exc
            )
            report.rejected.append((row.line, reason))
            continue
        # cached only once the savepoint is kept: a rolled-back row's new group is gone
        if new_group is not None:
            groups[new_group.path] = new_group
        if new_maker is not None:
            makers[new_maker.name] = new_maker
        if product is None:
            report.imported += 1
        else:
            report.updated += 1


def _barcode_owners(codes: list[str]) -> dict[str, str]:
    """{barcode: SKU of the product it is on} for those of ``codes`` already in the catalog."""
    owners: dict[str, str] = {}
    for chunk in _chunks(sorted(codes)):
        query = (
            Barcode.select(Barcode.code, Product.sku).join(Product).where(Barcode.code.in_(chunk))
        )
        owners.update(dict(query.tuples()))
    return owners


def _write_row(
    row: _Row,
    product: Product | None,
    location: Location | None,
    levels: dict[int, int],
    groups: dict[str, ProductGroup],
    makers: dict[str, Manufacturer],
    employee: Employee | None,
    path: Path,
    clock: Clock,
) -> tuple[ProductGroup | None, Manufacturer | None]:
    """Write one checked row (inside its savepoint); returns the group and maker it used."""
    fields = dict(row.fields)
    group = maker = None
    if row.group is not None:
        group = groups.get(row.group) or service.get_or_create_group(row.group)
        fields["group"] = group
    if row.manufacturer is not None:
        maker = makers.get(row.manufacturer) or service.get_or_create_manufacturer(row.manufacturer)
        fields["manufacturer"] = maker
    saved = service.write_product(row.sku, fields, existing=product, clock=clock)
    for code in row.barcodes:
        service.attach_barcode(saved, code)
    if row.stock is not None and location is not None:
        have = levels.get(saved.id, 0) if product is not None else 0
        if row.stock != have:
            post_movement(
                saved,
                location,
                row.stock - have,
                "import",
                employee,
                note=_("import {file} line {line}").format(file=path.name, line=row.line),
                clock=clock,
                system=True,  # the import is the administrator's own document
            )
    return group, maker


# --- the command --------------------------------------------------------------------------


def print_rejections(
    report: ImportReport, columns: Sequence[str], again: str | None = None
) -> None:
    """The part of an import's report every CSV import shares: ignored columns, each
    rejected row as ``line N: reason``, and what to do next (problems go to standard error,
    the summary before them to standard output)."""
    if report.ignored_columns:
        print(
            _("Ignored unknown columns: {cols} (known: {known}).").format(
                cols=", ".join(report.ignored_columns), known=", ".join(columns)
            ),
            file=sys.stderr,
        )
    for line, reason in report.rejected:
        print(_("line {line}: {reason}").format(line=line, reason=reason), file=sys.stderr)
    if report.exit_status == 2:
        print(
            _("Nothing was imported: fix the rows above and run the import again."),
            file=sys.stderr,
        )
    elif report.rejected:
        print(
            again
            or _("Fix the rejected rows and import the file again: imported rows are updated."),
            file=sys.stderr,
        )


def run_import_command(settings: Any, args: argparse.Namespace) -> int:
    """``torgtui import products``: print a summary and each rejected row; return the status."""
    location = getattr(args, "location", None) or settings.store.location
    try:
        report = import_products(
            args.file,
            encoding=getattr(args, "encoding", None),
            location_code=location,
            tax_codes=[g.code for g in settings.tax.groups],
            default_tax_group=settings.tax.default,
        )
    except TorgError as exc:
        print(f"torgtui: {exc.message}", file=sys.stderr)
        return 2
    delim = {"\t": "tab"}.get(report.delimiter, report.delimiter)
    print(
        _(
            "{file}: {imported} new products, {updated} updated, {rejected} rows rejected "
            "(encoding {enc}, delimiter '{delim}')."
        ).format(
            file=args.file,
            imported=report.imported,
            updated=report.updated,
            rejected=len(report.rejected),
            enc=report.encoding,
            delim=delim,
        )
    )
    print_rejections(report, COLUMNS)
    return report.exit_status
