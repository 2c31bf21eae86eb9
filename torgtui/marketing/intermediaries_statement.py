"""The reconciliation statement with an intermediary: its account on the one ledger over a
period (the opening balance, every entry with the balance after it, the totals by kind, the
closing balance), on screen and as a file: PDF (fpdf2, DejaVu Sans for Cyrillic, as the VIP
statement) or XLSX (openpyxl; amounts as numbers in hryvnias, text cells safe from formulas).
Written beside the target and renamed, so a failed export never leaves half a file.

Signs: + the shop owes the intermediary (commissions due, its payments for goods), - the
intermediary owes the shop (goods given, commissions paid to it, commissions a return took
back).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from torgtui.clock import Clock, system_clock
from torgtui.csvsafe import protect_cell
from torgtui.db import database, is_sqlite, sql
from torgtui.errors import ValidationError
from torgtui.files import export_target, write_atomically
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.ledger import Kind
from torgtui.marketing.partners import get_partner
from torgtui.models import Employee
from torgtui.money import format_money
from torgtui.staff import Permission, require
from torgtui.values import check_date

FORMATS = (".pdf", ".xlsx")
MAX_ENTRIES = 20_000
KINDS = (
    "goods",
    "payment",
    "goods_return",
    "refund",
    "commission",
    "commission_return",
    "commission_paid",
)
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def kind_title(kind: str) -> str:
    return {
        "goods": _("Goods given"),
        "payment": _("Paid by the intermediary"),
        "commission": _("Commission due"),
        "commission_return": _("Commission taken back (return)"),
        "commission_paid": _("Commission paid"),
        "goods_return": _("Goods returned"),
        "refund": _("Refunded to the intermediary"),
    }.get(kind, kind)


@dataclass(frozen=True)
class Line:
    at: dt.datetime
    kind: str
    title: str
    detail: str
    amount: int
    balance: int


@dataclass(frozen=True)
class Statement:
    partner_id: int
    code: str
    name: str
    start: dt.date | None
    end: dt.date | None
    made_at: dt.datetime
    opening: int
    closing: int
    lines: list[Line]
    totals: dict[str, int]


def _as_dt(value: object) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def _stamp(day: dt.date) -> object:
    moment = dt.datetime.combine(day, dt.time())
    return str(moment) if is_sqlite() else moment


def statement(
    partner_id: int,
    *,
    by: Employee,
    start: dt.date | None = None,
    end: dt.date | None = None,
    clock: Clock = system_clock,
) -> Statement:
    """The statement from ``start`` to ``end`` (both days included; None: from the first
    entry, up to now)."""
    require(by, Permission.VIEW_REPORTS)
    partner = get_partner(partner_id)
    if partner.kind != "intermediary":
        raise ValidationError(
            _("{name} is a referrer: statements are for intermediaries.").format(name=partner.name)
        )
    start = check_date(start, _("The first day")) if start is not None else None
    end = check_date(end, _("The last day")) if end is not None else None
    if start and end and end < start:
        raise ValidationError(_("The last day is before the first: swap them."))
    account = ledger.find_account(Kind.INTERMEDIARY, "partner", partner.id)
    lines: list[Line] = []
    opening = 0
    totals = dict.fromkeys(KINDS, 0)
    if account is not None:
        if start is not None:
            opening = int(
                database.execute_sql(
                    sql(
                        'SELECT COALESCE(SUM("amount"), 0) FROM "ledger_entry" '
                        'WHERE "account_id" = ? AND "created_at" < ?'
                    ),
                    (account, _stamp(start)),
                ).fetchone()[0]
            )
        where, params = ['"account_id" = ?'], [account]
        if start is not None:
            where.append('"created_at" >= ?')
            params.append(_stamp(start))
        if end is not None:
            where.append('"created_at" < ?')
            params.append(_stamp(end + dt.timedelta(days=1)))
        rows = database.execute_sql(
            sql(
                'SELECT "created_at", "kind", "amount", "document", "note" FROM "ledger_entry" '
                f'WHERE {" AND ".join(where)} ORDER BY "id" LIMIT {MAX_ENTRIES + 1}'
            ),
            params,
        ).fetchall()
        if len(rows) > MAX_ENTRIES:
            raise ValidationError(
                _("Over {n} entries in the period: choose a shorter one.").format(n=MAX_ENTRIES)
            )
        running = opening
        for at, kind, amount, document, note in rows:
            running += int(amount)
            totals[kind] = totals.get(kind, 0) + int(amount)
            detail = " ".join(x for x in (document or "", note or "") if x)
            lines.append(Line(_as_dt(at), kind, kind_title(kind), detail, int(amount), running))
    closing = opening + sum(line.amount for line in lines)
    return Statement(
        partner.id, partner.code, partner.name, start, end, clock(), opening, closing, lines, totals
    )


def heading(s: Statement) -> list[str]:
    period = _("from {start} to {end}").format(
        start=s.start.isoformat() if s.start else _("the first entry"),
        end=s.end.isoformat() if s.end else _("today"),
    )
    return [
        _("Reconciliation statement: {name} ({code})").format(name=s.name, code=s.code),
        _("Period {period}; made {at}").format(
            period=period, at=s.made_at.strftime("%Y-%m-%d %H:%M")
        ),
        _("Opening balance {opening}; closing balance {closing}").format(
            opening=format_money(s.opening), closing=format_money(s.closing)
        ),
        "; ".join(f"{kind_title(k)} {format_money(v)}" for k, v in s.totals.items()),
        _("+ the shop owes the intermediary; - the intermediary owes the shop"),
    ]


def columns() -> list[str]:
    return [_("Date"), _("Entry"), _("Details"), _("Amount"), _("Balance")]


def export_statement(
    partner_id: int,
    path: str | Path,
    *,
    by: Employee,
    start: dt.date | None = None,
    end: dt.date | None = None,
    clock: Clock = system_clock,
) -> Statement:
    """Write the statement to ``path``: .pdf or .xlsx by its extension."""
    target = export_target(
        path, FORMATS, _("{path}: a statement is written as .pdf or .xlsx; name the file so.")
    )
    found = statement(partner_id, by=by, start=start, end=end, clock=clock)
    write_pdf = _pdf if target.suffix.lower() == ".pdf" else _xlsx
    write_atomically(target, lambda partial: write_pdf(found, partial))
    return found


def _pdf(s: Statement, path: Path) -> None:
    from fpdf.fonts import FontFace

    from torgtui.pdf import FONT, new_pdf

    pdf = new_pdf(auto_page_break=True, margin=12)
    pdf.add_page()
    head = heading(s)
    pdf.set_font(FONT, size=14)
    pdf.multi_cell(0, 7, head[0], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    for line in head[1:]:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, size=8)
    shaded = FontFace(emphasis="", fill_color=(225, 225, 225))

    def money(kopecks: int) -> str:
        return format_money(kopecks, symbol=False)

    rows = [
        [x.at.strftime("%Y-%m-%d"), x.title, x.detail, money(x.amount), money(x.balance)]
        for x in s.lines
    ] or [["", _("No entries in the period."), "", "", ""]]
    with pdf.table(
        col_widths=(20, 46, 60, 22, 22),
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
        headings_style=shaded,
        line_height=4.5,
    ) as table:
        for values in [columns(), *rows]:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.output(str(path))


def _xlsx(s: Statement, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Statement")[:31])
    for n, width in enumerate((17, 34, 44, 14, 14)):
        sheet.column_dimensions[chr(ord("A") + n)].width = width
    bold = Font(bold=True)

    def text(value: str, *, strong: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=protect_cell(_XLSX_ILLEGAL.sub("?", value)))
        cell.data_type = "s"
        if strong:
            cell.font = bold
        return cell

    def amount(kopecks: int) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=Decimal(kopecks) / 100)
        cell.number_format = "#,##0.00"
        return cell

    def date(moment: dt.datetime) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=moment)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell

    for n, line in enumerate(heading(s)):
        sheet.append([text(line, strong=n == 0)])
    sheet.append([])
    sheet.append([text(c, strong=True) for c in columns()])
    for x in s.lines:
        sheet.append(
            [date(x.at), text(x.title), text(x.detail), amount(x.amount), amount(x.balance)]
        )
    book.save(str(path))


__all__ = ["FORMATS", "Line", "Statement", "export_statement", "heading", "kind_title", "statement"]
