"""Gift certificates on paper: the certificate itself as PDF (one A4 or A6 page each, or four
A6 on an A4 sheet to cut) and a label for a TSPL or ZPL label printer (a sticker for a plastic
or scratch card).

A printed certificate shows the shop's name, the type's name, what it is worth (an amount, a
product or a discount), the type's own text (its conditions: the shop's template), the
validity and the barcode with its number under it. Text is set in DejaVu Sans
(torgtui.pdf.new_pdf: PDF core fonts have no Cyrillic); the number under the bars is set in
Courier, so a cashier can type it and a test can read it in the page's stream. Bars come from
torgtui.customers.printing.barcode_modules: EAN-13 for a valid 13-digit code, Code 128
otherwise.

The drawing works on :class:`CertificateFace` values; :func:`batch_pdf` and
:func:`batch_labels` read a batch's certificates through
torgtui.marketing.certificates_office, check the permission and audit (how many, never the
numbers). A file is written beside the target and renamed, so a failed print leaves no half
file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torgtui.clock import Clock, system_clock
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Employee
from torgtui.staff import Permission, require

MAX_PRINT = 5_000  # certificates in one run


@dataclass(frozen=True)
class PageLayout:
    """How certificates sit on paper: ``columns`` x ``rows`` boxes on a page of ``page`` (an
    fpdf format or (width, height) mm) in ``orientation``, inside a ``margin`` mm."""

    orientation: str
    page: str | tuple[float, float]
    columns: int
    rows: int
    margin: float

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


LAYOUTS = {
    "a4": PageLayout("L", "A4", 1, 1, 10.0),  # one big certificate on an A4 page
    "a6": PageLayout("L", (105.0, 148.0), 1, 1, 3.0),  # an A6 card
    "a4-4": PageLayout("L", "A4", 2, 2, 3.0),  # four A6 on an A4 sheet, to cut
}
BASE_WIDTH = 148.0  # an A6 certificate's width: the sizes below are for it, scaled for others


@dataclass(frozen=True)
class CertificateFace:
    """What one printed certificate shows."""

    barcode: str
    title: str  # the certificate type's name
    value: str  # what it is worth: "500.00 UAH", "Perfume 50 ml", "10 % off"
    shop: str = ""
    valid_until: dt.date | None = None  # the last day it is valid on
    valid_days: int = 0  # or: valid so many days from the sale (not sold yet)
    note: str = ""  # the type's own text: its conditions, as the shop wrote them


def validity_text(face: CertificateFace) -> str:
    """ "Valid until 01.03.2027", "Valid 180 days from the sale", both, or no expiry."""
    until = face.valid_until.strftime("%d.%m.%Y") if face.valid_until else ""
    if face.valid_days and until:
        return _("Valid {n} days from the sale, at most until {date}").format(
            n=face.valid_days, date=until
        )
    if face.valid_days:
        return _("Valid {n} days from the sale").format(n=face.valid_days)
    if until:
        return _("Valid until {date}").format(date=until)
    return _("No expiry date")


def layout_for(template: str) -> str:
    """The page a type's print template names: "a6", "a4" or "a4-4", also at the end of a
    longer name ("gift-a4-4"); "a6" when it names none."""
    name = str(template or "").strip().lower()
    if name in LAYOUTS:
        return name
    for key in sorted(LAYOUTS, key=len, reverse=True):
        if name.endswith("-" + key):
            return key
    return "a6"


def layout_of(name: str) -> PageLayout:
    found = LAYOUTS.get(str(name).strip().lower())
    if found is None:
        raise ValidationError(
            _("Unknown certificate page {name!r}: use {known}.").format(
                name=str(name)[:20], known=", ".join(LAYOUTS)
            )
        )
    return found


def _fit(pdf: Any, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _centred(pdf: Any, text: str, x: float, width: float, y: float) -> None:
    text = _fit(pdf, text, width)
    pdf.text(x + (width - pdf.get_string_width(text)) / 2, y, text)


def _wrapped(pdf: Any, text: str, width: float, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines of ``width`` mm (the last one cut with '…')."""
    out: list[str] = []
    words = " ".join(text.split()).split(" ") if text.strip() else []
    line = ""
    for word in words:
        trial = f"{line} {word}".strip()
        if pdf.get_string_width(trial) <= width or not line:
            line = trial
            continue
        out.append(line)
        line = word
    if line:
        out.append(line)
    if len(out) > lines:
        out = [*out[: lines - 1], _fit(pdf, " ".join(out[lines - 1 :]) + " …", width)]
    return out


def draw_bars(pdf: Any, code: str, x: float, y: float, width: float, height: float) -> None:
    """The bars of ``code`` centred in the box, its number under them in Courier."""
    from torgtui.customers.printing import barcode_modules

    _kind, modules = barcode_modules(code)
    text_h = min(5.0, height / 4)
    module = min(0.5, width / (len(modules) + 10))
    start = x + (width - module * len(modules)) / 2
    run = 0
    for i, bit in enumerate(modules + "0"):
        if bit == "1":
            run += 1
        elif run:
            pdf.rect(start + (i - run) * module, y, module * run, height - text_h - 1, style="F")
            run = 0
    pdf.set_font("Courier", size=max(7.0, text_h * 2.2))
    pdf.text(x + (width - pdf.get_string_width(code)) / 2, y + height, code)


def draw_certificate(
    pdf: Any, face: CertificateFace, x: float, y: float, width: float, height: float
) -> None:
    """One certificate in the box (x, y, width, height), scaled from the A6 design."""
    from torgtui.pdf import FONT

    s = width / BASE_WIDTH
    pad = 6 * s
    inner = width - 2 * pad
    pdf.set_draw_color(60)
    pdf.set_line_width(0.6 * s)
    pdf.rect(x + 2 * s, y + 2 * s, width - 4 * s, height - 4 * s)
    pdf.set_line_width(0.2 * s)
    pdf.rect(x + 3.5 * s, y + 3.5 * s, width - 7 * s, height - 7 * s)
    top = y + pad + 4 * s
    if face.shop:
        pdf.set_font(FONT, size=10 * s)
        _centred(pdf, face.shop, x + pad, inner, top)
        top += 8 * s
    pdf.set_font(FONT, size=16 * s)
    _centred(pdf, _("GIFT CERTIFICATE"), x + pad, inner, top)
    top += 7 * s
    if face.title:
        pdf.set_font(FONT, size=10 * s)
        _centred(pdf, face.title, x + pad, inner, top)
        top += 11 * s
    pdf.set_font(FONT, size=22 * s)
    _centred(pdf, face.value, x + pad, inner, top)
    top += 7 * s
    if face.note:
        pdf.set_font(FONT, size=8 * s)
        for line in _wrapped(pdf, face.note, inner, 3):
            _centred(pdf, line, x + pad, inner, top)
            top += 3.8 * s
    pdf.set_font(FONT, size=9 * s)
    bars_h = 20 * s
    bottom = y + height - pad
    _centred(pdf, validity_text(face), x + pad, inner, bottom - bars_h - 2 * s)
    draw_bars(pdf, face.barcode, x + pad + inner / 4, bottom - bars_h, inner / 2, bars_h)


def faces_pdf(faces: Sequence[CertificateFace], layout: str = "a6") -> Any:
    """A document (fpdf.FPDF, not yet written) with one certificate per box of ``layout``."""
    from torgtui.customers.printing import barcode_modules
    from torgtui.pdf import new_pdf

    sheet = layout_of(layout)
    if not faces:
        raise ValidationError(_("No certificates to print."))
    if len(faces) > MAX_PRINT:
        raise ValidationError(
            _("{n} certificates: print at most {max} at a time.").format(
                n=len(faces), max=MAX_PRINT
            )
        )
    for face in faces:
        barcode_modules(face.barcode)  # refuse a bad number before anything is drawn
    pdf = new_pdf(sheet.orientation, sheet.page)
    pdf.set_title(_("Gift certificates"))
    w = (pdf.w - 2 * sheet.margin) / sheet.columns
    h = (pdf.h - 2 * sheet.margin) / sheet.rows
    for slot, face in enumerate(faces):
        if slot % sheet.per_page == 0:
            pdf.add_page()
        row, col = divmod(slot % sheet.per_page, sheet.columns)
        x, y = sheet.margin + col * w, sheet.margin + row * h
        draw_certificate(pdf, face, x, y, w, h)
    return pdf


def face_label(face: CertificateFace, *, language: str = "tspl", copies: int = 1) -> bytes:
    """A certificate's label for a TSPL or ZPL printer: the type and its value on top, the
    validity under it, the barcode (EAN-13 when it is one, Code 128 otherwise)."""
    from torgtui.hw.labels import card_label

    title = f"{face.title}: {face.value}" if face.title else face.value
    return card_label(face.barcode, validity_text(face), title, language=language, copies=copies)


def faces_labels(faces: Iterable[CertificateFace], *, language: str = "tspl") -> bytes:
    chosen = list(faces)
    if not chosen:
        raise ValidationError(_("No certificates to print."))
    if len(chosen) > MAX_PRINT:
        raise ValidationError(
            _("{n} certificates: print at most {max} at a time.").format(
                n=len(chosen), max=MAX_PRINT
            )
        )
    return b"".join(face_label(f, language=language) for f in chosen)


def write_pdf(pdf: Any, path: str | Path) -> int:
    """Write ``pdf`` to ``path`` (a .pdf in an existing folder) atomically; its pages."""
    from torgtui.marketing.certificates_export import target_file, write_atomically

    target = target_file(path, ".pdf")
    write_atomically(target, lambda partial: pdf.output(str(partial)))
    return int(pdf.pages_count)


# --- a batch, with the permission and the audit -----------------------------------------------


def batch_pdf(
    batch_id: int,
    path: str | Path,
    *,
    by: Employee,
    shop: str,
    layout: str = "a6",
    barcodes: list[str] | None = None,
    clock: Clock = system_clock,
) -> int:
    """The batch's certificates in force (issued or sold; or the chosen ``barcodes`` of them)
    as a PDF at ``path``, one per box of ``layout`` (a4, a6 or a4-4). Returns the pages."""
    from torgtui.marketing import certificates_office as office
    from torgtui.marketing.certificates_export import audit_batch, target_file

    require(by, Permission.MANAGE_CERTIFICATES)
    layout_of(layout)
    target_file(path, ".pdf")
    batch = office.batch_of(batch_id)
    faces = office.batch_faces(batch.id, shop, barcodes=barcodes)
    if not faces:
        raise ValidationError(
            _("Batch {n} has no certificates in force to print.").format(n=batch.id)
        )
    pages = write_pdf(faces_pdf(faces, layout), path)
    audit_batch("certificate_batch.print", by, batch, len(faces), clock, layout=layout)
    return pages


def _labels_of(
    batch_id: int, by: Employee, shop: str, language: str, barcodes: list[str] | None
) -> tuple[Any, bytes, int]:
    from torgtui.marketing import certificates_office as office

    require(by, Permission.MANAGE_CERTIFICATES)
    if language not in ("tspl", "zpl"):
        raise ValidationError(
            _("A label printer speaks tspl or zpl, not {language!r}.").format(
                language=str(language)[:20]
            )
        )
    batch = office.batch_of(batch_id)
    faces = office.batch_faces(batch.id, shop, barcodes=barcodes)
    return batch, faces_labels(faces, language=language), len(faces)


def batch_labels(
    batch_id: int,
    *,
    by: Employee,
    shop: str = "",
    language: str = "tspl",
    barcodes: list[str] | None = None,
    clock: Clock = system_clock,
) -> bytes:
    """One label per certificate in force of the batch (or the chosen ``barcodes``), for a
    TSPL or ZPL label printer; send them with torgtui.hw.labels.send_label."""
    from torgtui.marketing.certificates_export import audit_batch

    batch, data, count = _labels_of(batch_id, by, shop, language, barcodes)
    audit_batch("certificate_batch.labels", by, batch, count, clock, language=language)
    return data


def print_labels(
    batch_id: int,
    *,
    by: Employee,
    language: str,
    path: str | Path | None = None,
    printer: str = "",
    shop: str = "",
    clock: Clock = system_clock,
) -> int:
    """The batch's labels sent to a network label printer (``printer``: "host" or
    "host:port", raw TCP, 9100 by default) or written to ``path`` (.tspl or .zpl) to send
    later; returns how many labels. Nothing is audited when the printer cannot be reached."""
    from torgtui.hw.labels import DEFAULT_PORT, send_label
    from torgtui.marketing.certificates_export import audit_batch, target_file, write_atomically

    printer = str(printer or "").strip()
    host, _sep, port_text = printer.partition(":")
    if printer and (not host or (port_text and not port_text.isdigit())):
        raise ValidationError(
            _("The label printer is host or host:port, like 192.168.1.50:9100: {printer}").format(
                printer=printer[:60]
            )
        )
    target = None
    if not printer:
        if path is None:
            raise ValidationError(_("Give the label file or the label printer."))
        target = target_file(path, f".{language}")
    batch, data, count = _labels_of(batch_id, by, shop, language, None)
    if target is None:
        send_label(data, host, int(port_text) if port_text else DEFAULT_PORT)
    else:
        write_atomically(target, lambda partial: partial.write_bytes(data))
    where = printer or "file"
    audit_batch("certificate_batch.labels", by, batch, count, clock, language=language, to=where)
    return count


__all__ = [
    "LAYOUTS",
    "CertificateFace",
    "batch_labels",
    "batch_pdf",
    "draw_certificate",
    "face_label",
    "faces_labels",
    "faces_pdf",
    "layout_for",
    "print_labels",
    "validity_text",
    "write_pdf",
]
