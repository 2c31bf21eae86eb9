"""The VIP statement as a file: PDF (fpdf2, set in DejaVu Sans from torgtui/data/fonts, as the
customer printouts are, since PDF core fonts have no Cyrillic) or XLSX (openpyxl; amounts as
numbers in hryvnias, dates as dates, every text cell neutralised against formulas by the same
rule as the CSV exports: torgtui.csvsafe). Written beside the target and renamed, so a failed
export never leaves half a file.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from torgtui.clock import Clock, system_clock
from torgtui.csvsafe import protect_cell
from torgtui.files import export_target, write_atomically
from torgtui.i18n import _, ngettext
from torgtui.marketing.vip import mode_title
from torgtui.marketing.vip_statement import DebtItem, Statement, statement
from torgtui.models import Employee
from torgtui.money import format_money

FORMATS = (".pdf", ".xlsx")

_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def heading(s: Statement) -> list[str]:
    """The lines above the tables, as both formats print them."""
    period = _("from {start} to {end}").format(
        start=s.start.date().isoformat() if s.start else _("the first entry"),
        end=(s.end - dt.timedelta(days=1)).date().isoformat() if s.end else _("today"),
    )
    st = s.state
    lines = [
        _("VIP statement: {name}").format(name=s.name),
        (
            ngettext(
                "Card {card}; {mode}; limit {limit}; term {days} day",
                "Card {card}; {mode}; limit {limit}; term {days} days",
                st.term_days,
            )
            if st.term_days
            else _("Card {card}; {mode}; limit {limit}; no payment term")
        ).format(
            card=s.card or "-",
            mode=mode_title(st.mode),
            limit=format_money(st.limit),
            days=st.term_days,
        ),
        _("Period {period}; made {at}").format(period=period, at=s.at.strftime("%Y-%m-%d %H:%M")),
        _("Opening balance {opening}; bought {bought}; paid {paid}; returned {returned}").format(
            opening=format_money(s.opening),
            bought=format_money(s.bought),
            paid=format_money(s.paid),
            returned=format_money(s.returned),
        ),
        _("Closing balance {closing}; owes now {owes}, of it overdue {overdue}").format(
            closing=format_money(s.closing),
            owes=format_money(s.owes),
            overdue=format_money(st.overdue),
        ),
    ]
    return lines


def entry_columns() -> list[str]:
    return [_("Date"), _("Entry"), _("Details"), _("Amount"), _("Balance")]


def item_columns() -> list[str]:
    return [_("Date"), _("Item"), _("Charged"), _("Paid"), _("Returned"), _("Owes"), _("Due")]


def _day(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "-"


def _due(item: DebtItem) -> str:
    if item.overdue_days:
        return ngettext(
            "{date}, {days} day overdue", "{date}, {days} days overdue", item.overdue_days
        ).format(date=_day(item.due_at), days=item.overdue_days)
    return _day(item.due_at)


def export_statement(
    customer_id: int,
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
    found = statement(customer_id, by=by, start=start, end=end, clock=clock)
    write_pdf = statement_pdf if target.suffix.lower() == ".pdf" else statement_xlsx
    write_atomically(target, lambda partial: write_pdf(found, partial))
    return found


def statement_pdf(s: Statement, path: str | Path) -> None:
    """The statement on A4 pages: the heading, the entries, the open items."""
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
    shaded = FontFace(emphasis="", fill_color=(225, 225, 225))

    def table(title: str, columns: list[str], rows: list[list[str]], widths, align) -> None:
        pdf.ln(3)
        pdf.set_font(FONT, size=11)
        pdf.cell(0, 6, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, size=8)
        with pdf.table(
            col_widths=widths, text_align=align, headings_style=shaded, line_height=4.5
        ) as t:
            for values in [columns, *rows]:
                row = t.row()
                for value in values:
                    row.cell(value)

    def money(kopecks: int) -> str:
        return format_money(kopecks, symbol=False)

    table(
        _("Entries"),
        entry_columns(),
        [[_day(e.at), e.title, e.detail, money(e.amount), money(e.balance)] for e in s.entries]
        or [["", _("No entries in the period."), "", "", ""]],
        (20, 42, 64, 22, 22),
        ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
    )
    table(
        _("What is owed, item by item"),
        item_columns(),
        [
            [
                _day(i.at),
                i.what,
                money(i.charged),
                money(i.paid),
                money(i.returned),
                money(i.owes),
                _due(i),
            ]
            for i in s.items
        ]
        or [["", _("Nothing is owed."), "", "", "", "", ""]],
        (18, 52, 19, 19, 19, 19, 24),
        ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
    )
    pdf.output(str(path))


def statement_xlsx(s: Statement, path: str | Path) -> None:
    """The statement as a workbook: the entries on one sheet, the open items on another;
    amounts as numbers in hryvnias, dates as dates, every text cell safe from formulas."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet_of(title: str, widths: tuple[int, ...]):
        sheet = book.create_sheet(title[:31])
        for n, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + n)].width = width
        return sheet

    def text(sheet, value: str, *, strong: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=protect_cell(_XLSX_ILLEGAL.sub("?", value)))
        cell.data_type = "s"
        if strong:
            cell.font = bold
        return cell

    def amount(sheet, kopecks: int) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=Decimal(kopecks) / 100)
        cell.number_format = "#,##0.00"
        return cell

    def date(sheet, moment: dt.datetime | None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=moment)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell

    entries = sheet_of(_("Statement"), (17, 30, 44, 14, 14))
    for n, line in enumerate(heading(s)):
        entries.append([text(entries, line, strong=n == 0)])
    entries.append([])
    entries.append([text(entries, c, strong=True) for c in entry_columns()])
    for e in s.entries:
        entries.append(
            [
                date(entries, e.at),
                text(entries, e.title),
                text(entries, e.detail),
                amount(entries, e.amount),
                amount(entries, e.balance),
            ]
        )
    items = sheet_of(_("Owed by item"), (17, 44, 14, 14, 14, 14, 12, 10))
    items.append([text(items, c, strong=True) for c in [*item_columns(), _("Days overdue")]])
    for i in s.items:
        items.append(
            [
                date(items, i.at),
                text(items, i.what),
                amount(items, i.charged),
                amount(items, i.paid),
                amount(items, i.returned),
                amount(items, i.owes),
                date(items, i.due_at),
                i.overdue_days,
            ]
        )
    book.save(str(path))


__all__ = [
    "FORMATS",
    "entry_columns",
    "export_statement",
    "heading",
    "item_columns",
    "statement_pdf",
    "statement_xlsx",
]
