"""Regional and currency price lists for partners (seed 000 section 6), exported to XLSX and
HTML: ``torgtui pricelist export --list CODE out.xlsx|out.html``.

A price list is a price type (or, when it names none, its location's; retail without either)
in a currency: each product's price in that type (retail where the type has none) is divided
by the list's rate (hryvnias for one unit of the currency, an exact Decimal) and rounded half
up to the list's own step of that currency (0.01, 0.05, 1.00 ...), by the one rounding
function of torgtui.money applied to a count of steps. Product groups are the sections; each
row is SKU, name, unit and price; inactive products are left out.

Every text cell of the XLSX file is neutralised against formulas as the CSV exports are
(torgtui.csvsafe: a ``'`` before ``=``, ``+``, ``-``, ``@`` ...) and written as a string; the
HTML file escapes every text and marks its text cells as text for a spreadsheet that opens it.
A file is written beside its target and renamed when complete, so a failure leaves none.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from torgtui.clock import Clock, system_clock
from torgtui.csvsafe import protect_cell
from torgtui.db import database, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.files import write_atomically
from torgtui.i18n import _, current_language
from torgtui.marketing import rulecache
from torgtui.models import Employee, Location
from torgtui.models.prices import RETAIL, PriceList, PriceType
from torgtui.money import round_kopecks
from torgtui.staff import Permission, audit, require
from torgtui.values import check_code, check_id, check_text

HRYVNIA = "UAH"
# ISO 4217 codes a shop's partners are priced in (others are refused as unknown)
CURRENCIES = frozenset(
    (  # noqa: SIM905  (a list of 50 codes reads better as one string)
        "UAH EUR USD PLN GBP CHF CZK HUF RON MDL BGN SEK NOK DKK ISK CAD AUD NZD JPY CNY HKD SGD "
        "KRW INR TRY GEL AMD AZN KZT UZS ILS AED SAR QAR KWD EGP ZAR BRL MXN ARS CLP THB VND IDR "
        "MYR PHP RSD BAM MKD ALL"
    ).split()
)
MAX_RATE = Decimal(1_000_000)
RATE_DECIMALS = 6
MIN_STEP, MAX_STEP = Decimal("0.01"), Decimal(1000)
CENTS = Decimal("0.01")
FORMATS = {".xlsx": "xlsx", ".html": "html", ".htm": "html"}
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# --- the rule -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceListData:
    """A price list: ``price_type`` is a code (None: the location's, else retail); ``rate`` is
    hryvnias for one unit of ``currency``; ``rounding`` the step prices are rounded to, in
    that currency."""

    code: str
    name: str
    price_type: str | None = None
    location_id: int | None = None
    currency: str = HRYVNIA
    rate: Decimal = Decimal(1)
    rounding: Decimal = CENTS


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationError(
            _("{what} must be a number like 43.25, not {value!r}.").format(
                what=what, value=str(value)[:40]
            )
        )
    return value


def check_rate(value: Any) -> Decimal:
    """Hryvnias for one unit of the currency: more than 0, at most a million, six decimals."""
    rate = _decimal(value, _("The rate"))
    if not 0 < rate <= MAX_RATE:
        raise ValidationError(
            _("The rate is more than 0 and at most {max}, not {value}.").format(
                max=MAX_RATE, value=rate
            )
        )
    if rate.as_tuple().exponent < -RATE_DECIMALS:  # type: ignore[operator]
        raise ValidationError(_("The rate has at most six decimals."))
    return rate


def check_rounding(value: Any) -> Decimal:
    """The step prices are rounded to: 0.01 to 1000 of the currency, at most two decimals."""
    step = _decimal(value, _("The rounding step"))
    if not MIN_STEP <= step <= MAX_STEP or step.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError(
            _(
                "The rounding step is from 0.01 to 1000 with at most two decimals, like 0.01, "
                "0.05 or 1, not {value}."
            ).format(value=step)
        )
    return step


def check_currency(value: Any) -> str:
    code = check_code(value, _("The currency"), max_len=3).upper()
    if code not in CURRENCIES:
        raise ValidationError(
            _("Unknown currency {code!r}: use an ISO code like EUR, USD or PLN.").format(code=code)
        )
    return code


def clean_price_list(data: PriceListData) -> tuple[PriceListData, int | None]:
    """A price list checked (raises ValidationError naming the field) and its type's id."""
    if not isinstance(data, PriceListData):
        raise ValidationError(_("A price list is given as PriceListData."))
    code = check_code(data.code, _("The price list's code"), max_len=40)
    name = check_text(data.name, _("The price list's name"), max_len=120, required=True)
    type_id = None
    if data.price_type is not None:
        type_code = check_code(data.price_type, _("The price type"), max_len=40)
        found = PriceType.get_or_none(PriceType.code == type_code)
        if found is None:
            raise ValidationError(_("There is no price type {code!r}.").format(code=type_code))
        type_id = found.id
    location_id = None
    if data.location_id is not None:
        location_id = check_id(data.location_id, _("The location"))
        if Location.get_or_none(Location.id == location_id) is None:
            raise ValidationError(_("There is no location {id}.").format(id=location_id))
    currency = check_currency(data.currency)
    rate = check_rate(data.rate)
    if currency == HRYVNIA and rate != 1:
        raise ValidationError(_("A price list in hryvnias has the rate 1."))
    rounding = check_rounding(data.rounding)
    clean = PriceListData(code, name, data.price_type, location_id, currency, rate, rounding)
    return clean, type_id


def save_price_list(
    data: PriceListData, *, by: Employee | None, clock: Clock = system_clock, system: bool = False
) -> PriceList:
    """Create or change a price list by its code (permission to edit prices), audited."""
    if not system:
        require(by, Permission.EDIT_PRICES)
    data, type_id = clean_price_list(data)
    fields = dict(
        name=data.name,
        price_type=type_id,
        location=data.location_id,
        currency=data.currency,
        rate=str(data.rate),
        rounding=str(data.rounding),
    )
    with write_tx():
        rulecache.bump()
        found = PriceList.get_or_none(PriceList.code == data.code)
        if found is None:
            found = PriceList.create(code=data.code, **fields)
        else:
            PriceList.update(**fields).where(PriceList.id == found.id).execute()
            found = PriceList.get_by_id(found.id)
        audit(
            "price_list.save",
            by,
            object_type="price_list",
            object_id=data.code,
            after={**fields, "price_type": data.price_type},
            clock=clock,
        )
    return found


def delete_price_list(
    code: str, *, by: Employee | None, clock: Clock = system_clock, system: bool = False
) -> None:
    if not system:
        require(by, Permission.EDIT_PRICES)
    code = check_code(code, _("The price list's code"), max_len=40)
    with write_tx():
        rulecache.bump()
        if not PriceList.delete().where(PriceList.code == code).execute():
            raise ValidationError(_("There is no price list {code!r}.").format(code=code))
        audit("price_list.delete", by, object_type="price_list", object_id=code, clock=clock)


def list_price_lists() -> list[PriceListData]:
    types = {t.id: t.code for t in PriceType.select()}
    return [
        PriceListData(
            p.code,
            p.name,
            types.get(p.price_type_id) if p.price_type_id is not None else None,
            p.location_id,
            p.currency,
            Decimal(p.rate),
            Decimal(p.rounding),
        )
        for p in PriceList.select().order_by(PriceList.code)
    ]


# --- the table ------------------------------------------------------------------------------


def convert(kopecks: int, rate: Decimal, step: Decimal) -> Decimal:
    """``kopecks`` in the list's currency: divided by ``rate`` (hryvnias per unit) and rounded
    half up to a whole number of ``step`` (the one rounding rule, on steps instead of kopecks):
    1 250.00 ₴ at 43.50 -> 28.7356... -> 28.74 (step 0.01) or 29.00 (step 1)."""
    units = Decimal(kopecks) / 100 / rate
    return (round_kopecks(units / step) * step).quantize(CENTS)


@dataclass(frozen=True)
class PriceListRow:
    sku: str
    name: str
    unit: str
    kopecks: int  # the price in hryvnias
    price: Decimal  # in the list's currency, rounded to its step


@dataclass
class PriceListTable:
    code: str
    name: str
    currency: str
    rate: Decimal
    rounding: Decimal
    price_type: str
    price_type_name: str
    location: str  # name and address, or ""
    sections: list[tuple[str, list[PriceListRow]]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(len(rows) for _title, rows in self.sections)


def find_price_list(code: str) -> PriceList:
    code = check_code(code, _("The price list's code"), max_len=40)
    found = PriceList.get_or_none(PriceList.code == code)
    if found is None:
        known = ", ".join(p.code for p in PriceList.select().order_by(PriceList.code).limit(10))
        if not known:
            raise ValidationError(
                _("There is no price list {code!r}: make one first.").format(code=code)
            )
        raise ValidationError(
            _("There is no price list {code!r}: the lists are {known}.").format(
                code=code, known=known
            )
        )
    return found


def build_table(code: str) -> PriceListTable:
    """The price list ``code`` as it stands now: groups as sections, products by name."""
    plist = find_price_list(code)
    location = Location.get_or_none(Location.id == plist.location_id) if plist.location_id else None
    type_id = plist.price_type_id or (location.price_type_id if location else None)
    ptype = (
        PriceType.get_by_id(type_id)
        if type_id is not None
        else PriceType.get(PriceType.code == RETAIL)
    )
    rate, step = Decimal(plist.rate), Decimal(plist.rounding)
    rows = database.execute_sql(
        sql(
            'SELECT p."sku", p."name", p."unit", COALESCE(pp."price", p."price"), g."path" '
            'FROM "product" p LEFT JOIN "product_price" pp ON pp."product_id" = p."id" '
            'AND pp."price_type_id" = ? LEFT JOIN "product_group" g ON g."id" = p."group_id" '
            'WHERE p."active" = ?'
        ),
        (ptype.id, True),
    ).fetchall()
    rows.sort(key=lambda r: (r[4] is None, r[4] or "", r[1].casefold(), r[0]))
    table = PriceListTable(
        plist.code,
        plist.name,
        plist.currency,
        rate,
        step,
        ptype.code,
        _("Retail") if ptype.code == RETAIL else ptype.name,
        ", ".join(x for x in (location.name, location.address) if x) if location else "",
    )
    current: str | None = None
    for sku, name, unit, kopecks, path in rows:
        title = " / ".join(path.split("/")) if path else _("Other goods")
        if title != current:
            table.sections.append((title, []))
            current = title
        table.sections[-1][1].append(
            PriceListRow(sku, name, unit, int(kopecks), convert(int(kopecks), rate, step))
        )
    return table


def heading(table: PriceListTable, today: dt.date) -> list[str]:
    """The lines above the table."""
    lines = [table.name]
    if table.location:
        lines.append(table.location)
    lines.append(_("Prices: {type}").format(type=table.price_type_name))
    if table.currency != HRYVNIA:
        lines.append(
            _("In {currency} at {rate} ₴ for 1 {currency}, rounded to {step}").format(
                currency=table.currency, rate=table.rate, step=table.rounding
            )
        )
    lines.append(_("As of {date}").format(date=today.isoformat()))
    return lines


def columns(table: PriceListTable) -> list[str]:
    return [
        _("SKU"),
        _("Product name"),
        _("Unit"),
        _("Price, {currency}").format(currency=table.currency),
    ]


# --- export -------------------------------------------------------------------------------


def export_format(path: str | Path) -> str:
    """``xlsx`` or ``html``, by the file's extension (refused otherwise)."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValidationError(
            _("{path}: a price list is written as .xlsx or .html; name the file so.").format(
                path=path
            )
        )
    return FORMATS[suffix]


def check_export_path(path: str | Path) -> Path:
    """The file to write: a known extension, in a folder that exists, not a folder itself."""
    target = Path(path)
    export_format(target)
    if not target.parent.is_dir():
        raise ValidationError(
            _("The folder {folder} does not exist: create it first.").format(folder=target.parent)
        )
    if target.is_dir():
        raise ValidationError(_("{path} is a folder: give a file name.").format(path=target))
    return target


def export_price_list(
    code: str,
    path: str | Path,
    *,
    by: Employee | None = None,
    clock: Clock = system_clock,
) -> PriceListTable:
    """Write price list ``code`` to ``path`` (.xlsx or .html). ``by`` None is the command line,
    run by whoever holds the database; an employee needs the permission to edit prices."""
    if by is not None:
        require(by, Permission.EDIT_PRICES)
    target = check_export_path(path)
    kind = export_format(target)
    table = build_table(code)
    today = clock().date()

    def write(partial: Path) -> None:
        if kind == "xlsx":
            _write_xlsx(table, today, partial)
        else:
            partial.write_text(render_html(table, today), encoding="utf-8")

    write_atomically(target, write)
    return table


def _text(value: str) -> str:
    """A text cell for a spreadsheet: no control characters, no formula."""
    return protect_cell(_XLSX_ILLEGAL.sub("?", value))


def _write_xlsx(table: PriceListTable, today: dt.date, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(re.sub(r"[\[\]:*?/\\']", "_", table.code)[:31] or "prices")
    for col, width in zip("ABCD", (18, 60, 8, 14), strict=True):
        sheet.column_dimensions[col].width = width
    bold = Font(bold=True)

    def text(value: str, *, strong: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=_text(value))
        cell.data_type = "s"
        if strong:
            cell.font = bold
        return cell

    def number(value: Decimal) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0.00"
        return cell

    for n, line in enumerate(heading(table, today)):
        sheet.append([text(line, strong=n == 0)])
    sheet.append([])
    sheet.append([text(c, strong=True) for c in columns(table)])
    for title, rows in table.sections:
        sheet.append([text(title, strong=True)])
        for row in rows:
            sheet.append([text(row.sku), text(row.name), text(row.unit), number(row.price)])
    book.save(path)


def render_html(table: PriceListTable, today: dt.date) -> str:
    """The price list as one HTML page: everything escaped, no scripts, text cells marked as
    text for a spreadsheet that opens it."""

    def esc(value: str) -> str:
        return html.escape(value, quote=True)

    head = heading(table, today)
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{esc(current_language())}">',
        '<head><meta charset="utf-8">',
        f"<title>{esc(table.name)}</title>",
        "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "th,td{border:1px solid #999;padding:2px 6px}th.g{text-align:left;background:#eee}"
        'td.n{text-align:right}td.t{mso-number-format:"\\@"}</style>',
        "</head>",
        "<body>",
        f"<h1>{esc(head[0])}</h1>",
        *(f"<p>{esc(line)}</p>" for line in head[1:]),
        "<table>",
        "<thead><tr>" + "".join(f"<th>{esc(c)}</th>" for c in columns(table)) + "</tr></thead>",
        "<tbody>",
    ]
    for title, rows in table.sections:
        out.append(f'<tr><th class="g" colspan="4">{esc(title)}</th></tr>')
        for row in rows:
            cells = "".join(f'<td class="t">{esc(v)}</td>' for v in (row.sku, row.name, row.unit))
            out.append(f'<tr>{cells}<td class="n">{row.price}</td></tr>')
    out += ["</tbody>", "</table>", "</body>", "</html>", ""]
    return "\n".join(out)


def run_export_command(code: str, path: str) -> int:
    """``torgtui pricelist export --list CODE FILE``: one line on success."""
    table = export_price_list(code, path)
    print(
        _("{path}: price list {code}, {rows} products in {currency}.").format(
            path=path, code=table.code, rows=table.rows, currency=table.currency
        )
    )
    return 0
