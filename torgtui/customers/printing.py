"""Printed matter for the customer base, as PDF: the questionnaire a customer fills in for a
discount card, DL envelopes addressed from delivery addresses, A4 sheets of card labels, and
loyalty cards themselves (:func:`card_pdf`: one card-sized page each, with the card type's name;
the label printer's version is torgtui.hw.labels.card_label).

The form is bilingual on paper (Ukrainian with English under it) whatever the screen's
language, as a shop hands the same form to every customer. Text is set in DejaVu Sans, shipped
in ``torgtui/data/fonts`` (PDF core fonts have no Cyrillic). Barcodes are drawn as bars from
python-barcode's module pattern: EAN-13 for a valid 13-digit code, Code 128 otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

from torgtui.catalog.barcodes import is_valid_gtin
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _, ngettext
from torgtui.models import Customer, DeliveryAddress
from torgtui.pdf import FONT, new_pdf

POSTAL_CARRIERS = ("street", "ukrposhta")
_CHUNK = 500


@dataclass(frozen=True)
class LabelLayout:
    """An A4 sheet of self-adhesive labels: columns x rows of width x height mm."""

    columns: int
    rows: int
    width: float
    height: float
    left: float = 0.0
    top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


LAYOUTS = {
    "a4-24": LabelLayout(3, 8, 70.0, 37.0, 0.0, 0.5),
    "a4-40": LabelLayout(4, 10, 52.5, 29.7),
    "a4-65": LabelLayout(5, 13, 38.1, 21.2, 4.75, 10.7, 2.5, 0.0),
}


@dataclass
class PrintSummary:
    printed: int = 0
    skipped: int = 0  # customers without a postal address (envelopes) or a card (labels)
    pages: int = 0


def _pdf(orientation: str = "P", page: str | tuple[float, float] = "A4") -> FPDF:
    return new_pdf(orientation, page)


def _save(pdf: FPDF, path: str | Path) -> None:
    try:
        pdf.output(str(path))
    except OSError as exc:
        raise TorgError(
            _("Cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)
        ) from None


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut with '…' so it fits ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


# --- the questionnaire --------------------------------------------------------------------

FIELDS = (
    ("Прізвище, ім'я, по батькові", "Full name"),
    ("Телефон", "Phone"),
    ("Електронна пошта", "Email"),
    ("Дата народження", "Date of birth"),
)
CONSENT = (
    "Я погоджуюсь на обробку моїх персональних даних магазином «{store}» для програми "
    "лояльності відповідно до Закону України «Про захист персональних даних».",
    "I agree that «{store}» processes my personal data for its loyalty programme.",
)


def _label(pdf: FPDF, x: float, y: float, uk: str, en: str) -> None:
    pdf.set_font(FONT, size=10)
    pdf.set_text_color(0)
    pdf.text(x, y, uk)
    pdf.set_font(FONT, size=7)
    pdf.set_text_color(90)
    pdf.text(x, y + 3.5, en)
    pdf.set_text_color(0)


def _choices(pdf: FPDF, x: float, y: float, options: Iterable[tuple[str, str]]) -> None:
    """Tick boxes, each with its Ukrainian and English caption."""
    for uk, en in options:
        pdf.rect(x, y - 3.2, 3.5, 3.5)
        _label(pdf, x + 5, y, uk, en)
        pdf.set_font(FONT, size=10)
        x += 8 + max(pdf.get_string_width(uk), 12)


def questionnaire_pdf(
    path: str | Path, *, with_children: bool, store_name: str, card_number: str = ""
) -> int:
    """The blank form for a new discount card (with a children table when asked); returns pages."""
    pdf = _pdf()
    pdf.add_page()
    left, right = 15.0, 195.0
    pdf.set_font(FONT, size=16)
    pdf.text(left, 20, _fit(pdf, store_name, right - left))
    _label(pdf, left, 30, "АНКЕТА КЛІЄНТА", "Customer questionnaire")
    pdf.set_font(FONT, size=11)
    pdf.text(130, 30, "Картка № / Card No.")
    if card_number:
        pdf.text(165, 30, card_number)
    pdf.line(163, 31, right, 31)
    y = 46.0
    for uk, en in FIELDS:
        _label(pdf, left, y, uk, en)
        pdf.line(75, y + 1, right, y + 1)
        y += 12
    _label(pdf, left, y, "Стать", "Gender")
    _choices(pdf, 75, y, [("жіноча", "female"), ("чоловіча", "male")])
    y += 12
    _label(pdf, left, y, "Мова спілкування", "Communication language")
    _choices(pdf, 75, y, [("українська", "Ukrainian"), ("англійська", "English")])
    y += 12
    _label(pdf, left, y, "Згода на повідомлення", "Consent to messages")
    _choices(pdf, 75, y, [("SMS", "SMS"), ("Viber", "Viber"), ("Email", "Email")])
    y += 6
    pdf.set_font(FONT, size=8)
    pdf.set_xy(75, y)
    pdf.multi_cell(
        right - 75,
        3.6,
        "Я хочу отримувати новини та пропозиції магазину. / "
        "I want to receive the shop's news and offers.",
    )
    y += 14
    if with_children:
        y = _children_table(pdf, left, right, y)
    pdf.set_font(FONT, size=8)
    pdf.set_xy(left, y)
    pdf.multi_cell(right - left, 3.6, CONSENT[0].format(store=store_name))
    pdf.set_x(left)
    pdf.set_text_color(90)
    pdf.multi_cell(right - left, 3.6, CONSENT[1].format(store=store_name))
    pdf.set_text_color(0)
    y = pdf.get_y() + 14
    _label(pdf, left, y, "Дата", "Date")
    pdf.line(35, y + 1, 85, y + 1)
    _label(pdf, 110, y, "Підпис", "Signature")
    pdf.line(130, y + 1, right, y + 1)
    _save(pdf, path)
    return pdf.pages_count


def _children_table(pdf: FPDF, left: float, right: float, y: float, rows: int = 4) -> float:
    _label(pdf, left, y, "Діти", "Children")
    y += 6
    widths = (95.0, 50.0, right - left - 145.0)
    heads = (("Ім'я", "Name"), ("Дата народження", "Date of birth"), ("Стать ж/ч", "Gender f/m"))
    x = left
    for width, (uk, en) in zip(widths, heads, strict=True):
        pdf.rect(x, y, width, 10)
        _label(pdf, x + 2, y + 4.5, uk, en)
        x += width
    y += 10
    for _row in range(rows):
        x = left
        for width in widths:
            pdf.rect(x, y, width, 9)
            x += width
        y += 9
    return y + 8


# --- envelopes ----------------------------------------------------------------------------


def _postal_addresses(ids: list[int]) -> dict[int, DeliveryAddress]:
    """The latest postal (street or Ukrposhta) address of each card that has one."""
    latest: dict[int, DeliveryAddress] = {}
    query = (
        DeliveryAddress.select()
        .where(
            DeliveryAddress.customer.in_(ids),
            DeliveryAddress.carrier.in_(POSTAL_CARRIERS),
            DeliveryAddress.city != "",
        )
        .order_by(DeliveryAddress.used_at.desc(), DeliveryAddress.id.desc())
    )
    for address in query:
        if (address.street or address.branch) and address.customer_id not in latest:
            latest[address.customer_id] = address
    return latest


def _chunks(customers: Iterable[Customer]) -> Iterator[list[Customer]]:
    chunk: list[Customer] = []
    for customer in customers:
        chunk.append(customer)
        if len(chunk) >= _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def address_lines(customer: Customer, address: DeliveryAddress) -> list[str]:
    """What goes on the envelope under "To": the recipient, street, city, post office."""
    lines = [address.recipient or customer.name, address.street, address.city]
    if address.branch:
        lines.append(address.branch)
    return [line.strip() for line in lines if line and line.strip()]


def envelopes_pdf(path: str | Path, customers: Iterable[Customer], *, sender: str) -> PrintSummary:
    """One DL envelope (220 x 110 mm) per customer with a postal address; the others are
    skipped and counted. Nothing is written when no customer has an address."""
    pdf = _pdf("L", (110, 220))
    summary = PrintSummary()
    for chunk in _chunks(customers):
        addresses = _postal_addresses([c.id for c in chunk])
        for customer in chunk:
            address = addresses.get(customer.id)
            if address is None:
                summary.skipped += 1
                continue
            pdf.add_page()
            pdf.set_font(FONT, size=9)
            pdf.set_xy(10, 10)
            pdf.multi_cell(90, 4.2, sender.strip())
            _label(pdf, 110, 58, "Кому", "To")
            pdf.set_font(FONT, size=12)
            pdf.set_xy(125, 55)
            pdf.multi_cell(88, 5.5, "\n".join(address_lines(customer, address)))
            summary.printed += 1
    summary.pages = pdf.pages_count
    if summary.printed:
        _save(pdf, path)
    return summary


# --- label sheets -------------------------------------------------------------------------


def barcode_modules(code: str) -> tuple[str, str]:
    """("ean13" or "code128", the bar pattern as '1'/'0' modules) for ``code``."""
    import barcode

    if len(code) == 13 and is_valid_gtin(code):
        return "ean13", barcode.get("ean13", code).build()[0]
    try:
        return "code128", barcode.get("code128", code).build()[0]
    except Exception:  # python-barcode refuses characters Code 128 cannot hold
        raise ValidationError(
            _("{code!r} cannot be printed as a barcode: use letters and digits.").format(code=code)
        ) from None


def draw_barcode(pdf: FPDF, code: str, x: float, y: float, width: float, height: float) -> None:
    """Bars of ``code`` centred in the box, with the digits under them."""
    _kind, modules = barcode_modules(code)
    module = min(0.33, width / (len(modules) + 10))
    start = x + (width - module * len(modules)) / 2
    run = 0
    for i, bit in enumerate(modules + "0"):
        if bit == "1":
            run += 1
        elif run:
            pdf.rect(start + (i - run) * module, y, module * run, height - 3, style="F")
            run = 0
    pdf.set_font(FONT, size=7)
    pdf.text(x + (width - pdf.get_string_width(code)) / 2, y + height, code)


def labels_pdf(
    path: str | Path,
    items: Iterable[Customer | str],
    *,
    layout: str | LabelLayout = "a4-24",
) -> PrintSummary:
    """An A4 label sheet: each customer's card barcode and name, or each code as it is (promo
    codes for flyers). Customers without a card are skipped and counted."""
    sheet = LAYOUTS.get(layout) if isinstance(layout, str) else layout
    if sheet is None:
        raise ValidationError(
            _("Unknown label layout {name!r}: use {known}.").format(
                name=layout, known=", ".join(LAYOUTS)
            )
        )
    pdf = _pdf()
    summary = PrintSummary()
    slot = 0
    for item in items:
        if isinstance(item, Customer):
            code, text = item.card or "", item.name
        else:
            code, text = str(item).strip(), ""
        if not code:
            summary.skipped += 1
            continue
        barcode_modules(code)  # refuse a bad code before its label takes a place
        if slot % sheet.per_page == 0:
            pdf.add_page()
        row, col = divmod(slot % sheet.per_page, sheet.columns)
        x = sheet.left + col * (sheet.width + sheet.gap_x)
        y = sheet.top + row * (sheet.height + sheet.gap_y)
        pad = min(3.0, sheet.height / 8)
        if text:
            pdf.set_font(FONT, size=8 if sheet.height < 25 else 10)
            pdf.text(x + pad, y + pad + 3, _fit(pdf, text, sheet.width - 2 * pad))
        top = y + pad + (5 if text else 0)
        draw_barcode(pdf, code, x + pad, top, sheet.width - 2 * pad, y + sheet.height - pad - top)
        slot += 1
        summary.printed += 1
    summary.pages = pdf.pages_count
    if summary.printed:
        _save(pdf, path)
    return summary


# --- loyalty cards ------------------------------------------------------------------------

CARD_SIZE = (53.98, 85.6)  # ID-1 (a bank card), landscape: height, width in mm


def card_type_names(customers: Iterable[Customer]) -> dict[int, str]:
    """{card type id: its name} for the card types of ``customers``."""
    from torgtui.models import CardType

    ids = sorted({c.card_type_id for c in customers if c.card_type_id is not None})
    if not ids:
        return {}
    return dict(CardType.select(CardType.id, CardType.name).where(CardType.id.in_(ids)).tuples())


def card_pdf(
    path: str | Path, customers: Iterable[Customer], *, store_name: str = ""
) -> PrintSummary:
    """One page the size of a plastic card per customer with a card: the shop's name, the card
    type's name, the holder and the card number's barcode (EAN-13 when it is one). Customers
    without a card are skipped and counted; nothing is written when none has one."""
    pdf = _pdf("L", CARD_SIZE)
    summary = PrintSummary()
    height, width = CARD_SIZE
    pad = 5.0
    for chunk in _chunks(customers):
        names = card_type_names(chunk)
        for customer in chunk:
            if not customer.card:
                summary.skipped += 1
                continue
            barcode_modules(customer.card)  # refuse a bad number before it takes a page
            pdf.add_page()
            top = pad + 4
            if store_name:
                pdf.set_font(FONT, size=11)
                pdf.text(pad, top, _fit(pdf, store_name, width - 2 * pad))
                top += 6
            type_name = names.get(customer.card_type_id, "") if customer.card_type_id else ""
            if type_name:
                pdf.set_font(FONT, size=9)
                pdf.text(pad, top, _fit(pdf, type_name, width - 2 * pad))
                top += 5
            pdf.set_font(FONT, size=9)
            pdf.text(pad, top, _fit(pdf, customer.name, width - 2 * pad))
            top += 3
            draw_barcode(pdf, customer.card, pad, top, width - 2 * pad, height - pad - top)
            summary.printed += 1
    summary.pages = pdf.pages_count
    if summary.printed:
        _save(pdf, path)
    return summary


def card_label_for(customer: Customer, *, language: str = "tspl", copies: int = 1) -> bytes:
    """The label printer's bytes (TSPL or ZPL) for a customer's card, with its type's name;
    send them with torgtui.hw.labels.send_label."""
    from torgtui.hw.labels import card_label

    if not customer.card:
        raise ValidationError(
            _("{name} has no card yet: issue one first.").format(name=customer.name)
        )
    type_name = card_type_names([customer]).get(customer.card_type_id, "")
    return card_label(customer.card, customer.name, type_name, language=language, copies=copies)


# --- the command --------------------------------------------------------------------------


MAX_CODES = 10_000  # codes given on the command line for one label sheet run
MAX_SENDER = 300  # characters of the sender's lines on an envelope


def check_print_args(args: argparse.Namespace) -> None:
    """Refuse bad arguments of ``torgtui print ...`` before the database is opened: a card or
    code that is no code (or cannot be drawn as bars), a sender too long or with control
    characters, bad filters. Cleaned values are put back into ``args``."""
    from torgtui.customers.csvio import filters_from_args
    from torgtui.values import check_code, check_text

    if args.print_what == "questionnaire":
        if args.card:
            args.card = check_code(args.card, _("The card number"))
        return
    filters_from_args(args)
    if args.print_what == "envelopes" and args.sender is not None:
        args.sender = check_text(
            args.sender, _("The sender"), max_len=MAX_SENDER, required=True, multiline=True
        )
    if args.print_what == "labels" and args.codes:
        if len(args.codes) > MAX_CODES:
            raise ValidationError(
                _("{n} codes given: at most {max} labels at a time.").format(
                    n=len(args.codes), max=MAX_CODES
                )
            )
        args.codes = [check_code(code, _("The code")) for code in args.codes]
        for code in args.codes:
            barcode_modules(code)


def run_print_command(settings, args: argparse.Namespace) -> int:
    """Write the PDF and say what it holds; 2 when there was nothing to print."""
    import sys

    from torgtui.customers.csvio import filters_from_args, iter_customers

    check_print_args(args)

    if args.print_what == "questionnaire":
        pages = questionnaire_pdf(
            args.file,
            with_children=args.children,
            store_name=settings.store.name,
            card_number=args.card,
        )
        print(
            ngettext("{file}: {n} page.", "{file}: {n} pages.", pages).format(
                file=args.file, n=pages
            )
        )
        return 0
    if args.print_what == "labels" and args.codes:
        customers: Iterable[Customer | str] = args.codes
    else:
        batches = iter_customers(filters_from_args(args), today=dt.date.today())
        customers = (c for batch in batches for c in batch)
    if args.print_what == "envelopes":
        sender = args.sender or "\n".join(
            s for s in (settings.store.name, settings.store.address) if s
        )
        summary = envelopes_pdf(args.file, customers, sender=sender.replace("\\n", "\n"))
        skipped = _("{n} without a postal address skipped").format(n=summary.skipped)
    else:
        summary = labels_pdf(args.file, customers, layout=args.layout)
        skipped = _("{n} without a card skipped").format(n=summary.skipped)
    if not summary.printed:
        print(
            _("Nothing to print ({skipped}): no file written.").format(skipped=skipped),
            file=sys.stderr,
        )
        return 2
    print(
        _("{file}: {printed} printed on {pages} page(s), {skipped}.").format(
            file=args.file, printed=summary.printed, pages=summary.pages, skipped=skipped
        )
    )
    return 0
