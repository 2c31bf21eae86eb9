"""A new PDF document with the shop's font (DejaVu Sans, shipped in torgtui/data/fonts: it
has the Cyrillic letters), for every printout: questionnaires, envelopes, labels, cards, VIP
statements, later certificates and promo-code sheets. fpdf2 is imported only when one is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torgtui.errors import TorgError
from torgtui.i18n import _

FONT = "DejaVu"
FONT_FILE = Path(__file__).resolve().parent / "data" / "fonts" / "DejaVuSans.ttf"


def new_pdf(
    orientation: str = "P",
    page: str | tuple[float, float] = "A4",
    *,
    auto_page_break: bool = False,
    margin: float = 12,
    size: float = 11,
) -> Any:  # fpdf.FPDF
    """A document with the font added and set; page breaks only when asked for."""
    from fpdf import FPDF

    if not FONT_FILE.exists():
        raise TorgError(_("The font {path} is missing: reinstall torgtui.").format(path=FONT_FILE))
    pdf = FPDF(orientation=orientation, unit="mm", format=page)
    pdf.add_font(FONT, "", str(FONT_FILE))
    pdf.set_font(FONT, size=size)
    pdf.set_auto_page_break(auto_page_break, margin=margin)
    pdf.set_creator("torgtui")
    return pdf
