"""Label printers: one label as TSPL or ZPL bytes, and sending them over raw TCP (port 9100).

A label has a line of text (a name, a promo code) and a barcode: EAN-13 when the code is a
valid 13-digit GTIN (the printer draws the check digit from the first 12), Code 128 otherwise.
TSPL printers take text in their code page (``CODEPAGE 1251`` for Cyrillic; characters it lacks
print as '?'); ZPL takes UTF-8 after ``^CI28``. Sizes are in millimetres at 203 dpi by default.
"""

from __future__ import annotations

import socket

from torgtui.catalog.barcodes import is_valid_gtin
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _

DEFAULT_PORT = 9100
SEND_TIMEOUT_S = 5.0
TSPL_CODEPAGE = "cp1251"


class LabelPrinterError(TorgError):
    """The label printer could not be reached or did not take the label."""


def _dots(mm: float, dpi: int) -> int:
    return round(mm * dpi / 25.4)


def _check(text: str, code: str) -> tuple[str, str]:
    text = " ".join((text or "").split())
    code = (code or "").strip()
    if not code or not code.isprintable() or len(code) > 40:
        raise ValidationError(
            _("{code!r} cannot be printed as a barcode: use 1 to 40 letters or digits.").format(
                code=code
            )
        )
    return text, code


def _tspl_quote(text: str) -> str:
    """A TSPL string's content: a double quote is written as \\["]."""
    return text.replace('"', '\\["]')


def _is_ean13(code: str) -> bool:
    return len(code) == 13 and is_valid_gtin(code)


def tspl_label(
    text: str,
    code: str,
    *,
    width_mm: float = 58,
    height_mm: float = 40,
    dpi: int = 203,
    copies: int = 1,
) -> bytes:
    """One TSPL label: ``text`` on top, the barcode of ``code`` under it (CP1251 text)."""
    text, code = _check(text, code)
    margin = _dots(2, dpi)
    bar_h = _dots(max(8.0, height_mm * 0.4), dpi)
    if _is_ean13(code):
        barcode = f'BARCODE {margin},{_dots(10, dpi)},"EAN13",{bar_h},1,0,2,2,"{code[:12]}"'
    else:
        barcode = f'BARCODE {margin},{_dots(10, dpi)},"128",{bar_h},1,0,2,2,"{_tspl_quote(code)}"'
    lines = [
        f"SIZE {width_mm:g} mm,{height_mm:g} mm",
        "GAP 2 mm,0",
        "CODEPAGE 1251",
        "DIRECTION 1",
        "CLS",
        f'TEXT {margin},{margin},"3",0,1,1,"{_tspl_quote(text)}"',
        barcode,
        f"PRINT 1,{max(1, copies)}",
    ]
    return ("\r\n".join(lines) + "\r\n").encode(TSPL_CODEPAGE, errors="replace")


def _zpl_field(text: str) -> str:
    """Field data with ZPL's command characters hex-escaped (used with ``^FH_``)."""
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


def zpl_label(
    text: str,
    code: str,
    *,
    width_mm: float = 58,
    height_mm: float = 40,
    dpi: int = 203,
    copies: int = 1,
) -> bytes:
    """One ZPL label: UTF-8 text (``^CI28``) on top, the barcode of ``code`` under it."""
    text, code = _check(text, code)
    margin = _dots(2, dpi)
    bar_h = _dots(max(8.0, height_mm * 0.4), dpi)
    top = _dots(10, dpi)
    if _is_ean13(code):
        barcode = f"^FO{margin},{top}^BEN,{bar_h},Y,N^FD{code[:12]}^FS"
    else:
        barcode = f"^FO{margin},{top}^BCN,{bar_h},Y,N,N^FH_^FD{_zpl_field(code)}^FS"
    parts = [
        "^XA",
        "^CI28",
        f"^PW{_dots(width_mm, dpi)}",
        f"^LL{_dots(height_mm, dpi)}",
        f"^FO{margin},{margin}^A0N,{_dots(4, dpi)},{_dots(4, dpi)}^FH_^FD{_zpl_field(text)}^FS",
        barcode,
        f"^PQ{max(1, copies)}",
        "^XZ",
    ]
    return "".join(parts).encode("utf-8")


def send_label(
    data: bytes, host: str, port: int = DEFAULT_PORT, timeout: float = SEND_TIMEOUT_S
) -> int:
    """Send label bytes to a network label printer (raw TCP); returns the bytes sent."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
    except OSError as exc:
        raise LabelPrinterError(
            _(
                "The label printer at {host}:{port} did not answer ({error}): check that it is "
                "on and connected, then print again."
            ).format(host=host, port=port, error=exc.strerror or exc)
        ) from None
    return len(data)


# --- loyalty cards ------------------------------------------------------------------------


def card_label(
    number: str,
    holder: str,
    card_type_name: str,
    *,
    language: str = "tspl",
    width_mm: float = 58,
    height_mm: float = 40,
    dpi: int = 203,
    copies: int = 1,
) -> bytes:
    """A loyalty card's label (a sticker for a blank card, or the card's own stock): the card
    type's name and the holder on top, the card number's barcode (EAN-13 when it is one) under
    them. ``language``: "tspl" or "zpl"."""
    title, code = _check(card_type_name, number)
    holder = " ".join((holder or "").split())
    if language not in ("tspl", "zpl"):
        raise ValidationError(
            _("A label printer speaks tspl or zpl, not {language!r}.").format(
                language=str(language)[:20]
            )
        )
    margin = _dots(2, dpi)
    line = _dots(5, dpi)
    top = margin + 2 * line
    bar_h = max(_dots(8, dpi), _dots(height_mm, dpi) - top - _dots(6, dpi))
    ean = _is_ean13(code)
    if language == "tspl":
        barcode = (
            f'BARCODE {margin},{top},"EAN13",{bar_h},1,0,2,2,"{code[:12]}"'
            if ean
            else f'BARCODE {margin},{top},"128",{bar_h},1,0,2,2,"{_tspl_quote(code)}"'
        )
        lines = [
            f"SIZE {width_mm:g} mm,{height_mm:g} mm",
            "GAP 2 mm,0",
            "CODEPAGE 1251",
            "DIRECTION 1",
            "CLS",
            f'TEXT {margin},{margin},"3",0,1,1,"{_tspl_quote(title)}"',
            f'TEXT {margin},{margin + line},"2",0,1,1,"{_tspl_quote(holder)}"',
            barcode,
            f"PRINT 1,{max(1, copies)}",
        ]
        return ("\r\n".join(lines) + "\r\n").encode(TSPL_CODEPAGE, errors="replace")
    barcode = (
        f"^FO{margin},{top}^BEN,{bar_h},Y,N^FD{code[:12]}^FS"
        if ean
        else f"^FO{margin},{top}^BCN,{bar_h},Y,N,N^FH_^FD{_zpl_field(code)}^FS"
    )
    size = _dots(4, dpi)
    parts = [
        "^XA",
        "^CI28",
        f"^PW{_dots(width_mm, dpi)}",
        f"^LL{_dots(height_mm, dpi)}",
        f"^FO{margin},{margin}^A0N,{size},{size}^FH_^FD{_zpl_field(title)}^FS",
        f"^FO{margin},{margin + line}^A0N,{size},{size}^FH_^FD{_zpl_field(holder)}^FS",
        barcode,
        f"^PQ{max(1, copies)}",
        "^XZ",
    ]
    return "".join(parts).encode("utf-8")


# --- promo codes --------------------------------------------------------------------------


def promo_label(
    code: str,
    title: str,
    line: str = "",
    *,
    language: str = "tspl",
    width_mm: float = 58,
    height_mm: float = 40,
    dpi: int = 203,
) -> bytes:
    """A promo code's label (a coupon, a sticker on a flyer): the promotion's name and a line
    (its validity) on top, the code's barcode under them (EAN-13 when it is one, Code 128
    otherwise, the code printed under the bars). The same layout as :func:`card_label`."""
    return card_label(
        code, line, title, language=language, width_mm=width_mm, height_mm=height_mm, dpi=dpi
    )
