"""``torgtui stock ...``: stock documents from the command line (torgtui.catalog.documents).

    torgtui stock receive FILE.csv --supplier NAME [--invoice NO] [--draft] --employee NAME
    torgtui stock count FILE.csv [--group PATH] [--reason TEXT] [--draft] --employee NAME
    torgtui stock writeoff FILE.csv --reason TEXT [--draft] --employee NAME
    torgtui stock post NUMBER --employee NAME
    torgtui stock sheet NUMBER OUT.csv|OUT.pdf --employee NAME
    torgtui stock list [--kind receipt|count|writeoff] --employee NAME

FILE.csv has one row per scan or line: ``code[,qty[,cost]]`` (a barcode or SKU; the quantity,
"1.5" for 1.5 kg, default one unit, added up when a code comes again; a receipt's cost per
unit, "150.00"). A stocktake's file may be just the scanner's codes, one a line. The file is
read and checked whole before anything is written; the document is then made, filled and
posted (``--draft``: left as a draft to post later), and printed as JSON. The location is the
register's (``store.location``).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

from torgtui.errors import TorgError
from torgtui.i18n import _

MAX_ROWS = 20_000


def add_parser(sub: argparse._SubParsersAction) -> None:
    from torgtui.cli_shop import employee_option

    stock = sub.add_parser("stock", help=_("goods receipts, stocktakes and write-offs"))
    what = stock.add_subparsers(dest="stock_command", required=True)
    receive = what.add_parser("receive", help=_("receive goods from a supplier (stock and cost)"))
    receive.add_argument("file", help=_("CSV rows: code,qty,cost"))
    receive.add_argument("--supplier", required=True)
    receive.add_argument("--invoice", default="")
    count = what.add_parser("count", help=_("a stocktake: post what was counted"))
    count.add_argument("file", help=_("CSV rows: code[,qty] (a code alone: one scan)"))
    count.add_argument("--group", help=_("the product group's path (default: every product)"))
    count.add_argument("--reason", default="")
    writeoff = what.add_parser("writeoff", help=_("write goods off for a reason"))
    writeoff.add_argument("file", help=_("CSV rows: code[,qty]"))
    writeoff.add_argument("--reason", required=True)
    for parser in (receive, count, writeoff):
        parser.add_argument("--draft", action="store_true", help=_("leave it a draft"))
        employee_option(parser)
    post = what.add_parser("post", help=_("post a draft (once)"))
    post.add_argument("number")
    employee_option(post)
    sheet = what.add_parser("sheet", help=_("a stocktake's count sheet (CSV or PDF)"))
    sheet.add_argument("number")
    sheet.add_argument("out", help=_("the .csv or .pdf file to write"))
    employee_option(sheet)
    listing = what.add_parser("list", help=_("the newest stock documents"))
    listing.add_argument("--kind", choices=("receipt", "count", "writeoff"))
    employee_option(listing)


Row = tuple[str, int, int | None]


def read_rows(path: str, *, with_cost: bool) -> list[Row]:
    """(code, qty in thousandths, cost or None) for each row of the file, checked whole."""
    file = Path(path)
    if not file.is_file():
        raise TorgError(_("No file {path}: give the CSV file's path.").format(path=path))
    try:
        rows = _rows(file, with_cost=with_cost)
    except (UnicodeDecodeError, csv.Error, OSError) as exc:
        raise TorgError(
            _("{path} is not a UTF-8 CSV file of codes and quantities ({problem}).").format(
                path=path, problem=type(exc).__name__
            )
        ) from None
    if not rows:
        raise TorgError(_("{path} has no rows: one code (and quantity) a row.").format(path=path))
    return rows


def _rows(file: Path, *, with_cost: bool) -> list[Row]:
    from torgtui.values import parse_money, parse_qty

    rows: list[Row] = []
    with file.open(encoding="utf-8-sig", newline="") as handle:
        for n, cells in enumerate(csv.reader(handle), 1):
            cells = [c.strip() for c in cells]
            if not any(cells) or (n == 1 and cells[0].lower() in ("code", "sku", "barcode")):
                continue
            if len(rows) >= MAX_ROWS:
                raise TorgError(_("At most {n} rows in one file.").format(n=MAX_ROWS))
            try:
                qty = parse_qty(cells[1]) if len(cells) > 1 and cells[1] else 1000
                has_cost = with_cost and len(cells) > 2 and cells[2]
                cost = parse_money(cells[2], _("The cost")) if has_cost else None
            except TorgError as exc:
                raise TorgError(_("Row {n}: {problem}").format(n=n, problem=exc.message)) from None
            rows.append((cells[0][:40], qty, cost))
    return rows


def _number(text: str) -> int:
    from torgtui.values import check_count

    return check_count(text, _("The document's number"), minimum=1, maximum=2**31 - 1)


def cmd_stock(args: argparse.Namespace, settings: Any) -> int:
    """Every argument and the file are checked before the database is opened; JSON out."""
    from torgtui.cli_shop import _open, employee_name, find_employee

    name = employee_name(args.employee)
    command = args.stock_command
    if command in ("receive", "count", "writeoff"):
        rows = read_rows(args.file, with_cost=command == "receive")
        _open(settings)
        result = _make(command, rows, args, find_employee(name), settings)
    elif command == "post":
        number = _number(args.number)
        _open(settings)
        from torgtui.catalog.documents_post import post_document

        posting = post_document(number, by=find_employee(name))
        result = {
            "number": posting.number,
            "posted": posting.posted,
            "movements": posting.movements,
            "total_cost": posting.total_cost,
        }
    elif command == "sheet":
        number = _number(args.number)
        out = Path(args.out)
        if out.suffix.lower() not in (".csv", ".pdf"):
            raise TorgError(_("The count sheet is a .csv or a .pdf file."))
        _open(settings)
        from torgtui.catalog import documents_read

        by = find_employee(name)
        if out.suffix.lower() == ".pdf":
            out.write_bytes(documents_read.count_sheet_pdf(number, by=by))
        else:
            out.write_text(documents_read.count_sheet_csv(number, by=by), encoding="utf-8")
        result = {"number": number, "file": str(out)}
    else:
        _open(settings)
        from torgtui.catalog import documents_read

        docs = documents_read.list_documents(by=find_employee(name), kind=args.kind)
        result = [d.as_dict() for d in docs]
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


def _make(command: str, rows: list[Row], args: argparse.Namespace, by: Any, settings: Any) -> dict:
    from torgtui.catalog.service import find_by_code
    from torgtui.catalog.stock import location_by_code
    from torgtui.db import write_tx
    from torgtui.models import ProductGroup

    products = {}
    for code, _qty, _cost in rows:
        if code not in products:
            product = find_by_code(code)
            if product is None:
                raise TorgError(_("Unknown code {code}: no product has it.").format(code=code))
            products[code] = product
    group = None
    if command == "count" and args.group:
        group = ProductGroup.get_or_none(ProductGroup.path == args.group.strip())
        if group is None:
            raise TorgError(_("No product group {path}.").format(path=args.group))
    location = location_by_code(settings.store.location)
    kind = {"receive": "receipt", "count": "count", "writeoff": "writeoff"}[command]
    with write_tx():  # all of it or nothing: a refused line or posting leaves no draft behind
        return _write(kind, rows, products, args, by, location, group)


def _write(
    kind: str,
    rows: list[Row],
    products: dict,
    args: argparse.Namespace,
    by: Any,
    location: Any,
    group: Any,
) -> dict:
    from torgtui.catalog import documents
    from torgtui.catalog.documents_post import post_document

    doc = documents.create_document(
        kind,
        by=by,
        location=location,
        supplier=getattr(args, "supplier", ""),
        invoice=getattr(args, "invoice", ""),
        group=group,
        reason=getattr(args, "reason", ""),
    )
    for code, qty, cost in rows:
        documents.set_line(doc.number, products[code], qty, unit_cost=cost, add=True, by=by)
    out: dict[str, Any] = {"number": doc.number, "kind": kind, "lines": len(products)}
    if not args.draft:
        posting = post_document(doc.number, by=by)
        out.update(
            posted=posting.posted,
            movements=posting.movements,
            qty=posting.qty,
            total_cost=posting.total_cost,
        )
    return out
