"""What a printed receipt says: a view of a committed receipt and its layout as text lines.

The layout is one list of :class:`PrintLine` (text plus alignment and emphasis); the on-screen
printer and the tests read it as plain text (:func:`render_text`), the ESC/POS printer sends
the same lines with bold and centring (:mod:`torgtui.hw.printer`), so both always agree.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass
from typing import Literal

from torgtui.config import Settings
from torgtui.i18n import _
from torgtui.models import LineAdjustment, Payment, Receipt, ReceiptLine
from torgtui.money import format_money, format_qty

MIN_WIDTH = 16


@dataclass(frozen=True)
class ViewLine:
    """One receipt line as printed."""

    name: str
    qty: int  # thousandths
    unit_price: int
    subtotal: int
    discount: int
    total: int
    adjustments: tuple[tuple[str, int], ...]  # (reason, money off; negative = extra charge)


@dataclass(frozen=True)
class ViewPayment:
    """One payment as printed; ``change`` is what the customer got back (cash only)."""

    tender: str  # cash, card, cashless
    amount: int
    tendered: int
    change: int


@dataclass(frozen=True)
class ReceiptView:
    """Everything a printed receipt shows, read from the database once."""

    uuid: str
    header: tuple[str, ...]  # store name first, then address and the settings' header lines
    kind: str  # sale, return
    number: int
    original_number: int | None  # the sale a return refers to
    created_at: dt.datetime
    cashier: str
    lines: tuple[ViewLine, ...]
    subtotal: int
    discount: int
    total: int
    rounding: int
    payments: tuple[ViewPayment, ...]
    fiscal_code: str
    fiscal_pending: bool  # a fiscal unit is in use but has not answered yet
    qr: str  # the QR payload: the fiscal code, or the receipt's UUID
    footer: tuple[str, ...]
    loyalty: tuple[tuple[str, str], ...] = ()  # (label, value): card, bonuses, tier, VIP


Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class PrintLine:
    """One printed line: ``text`` fits the width; centred lines are padded by the renderer."""

    text: str
    align: Align = "left"
    bold: bool = False
    big: bool = False  # double height (the total)


def _split(text: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in text.splitlines() if s.strip())


def receipt_view(receipt: Receipt, settings: Settings) -> ReceiptView:
    """The printable view of a committed receipt (sale or return)."""
    lines = list(
        ReceiptLine.select().where(ReceiptLine.receipt == receipt.id).order_by(ReceiptLine.position)
    )
    adjustments: dict[int, list[tuple[str, int]]] = {ln.id: [] for ln in lines}
    if lines:
        query = (
            LineAdjustment.select()
            .where(LineAdjustment.line.in_([ln.id for ln in lines]))
            .order_by(LineAdjustment.id)
        )
        for adj in query:
            adjustments[adj.line_id].append((adj.reason or adj.rule or adj.step, adj.amount))
    payments = Payment.select().where(Payment.receipt == receipt.id).order_by(Payment.id)
    original = receipt.original if receipt.original_id else None
    header = (settings.store.name, *_split(settings.store.address))
    return ReceiptView(
        uuid=receipt.uuid,
        header=tuple(h for h in header if h) + _split(settings.register.receipt_header),
        kind=receipt.kind,
        number=receipt.number,
        original_number=original.number if original else None,
        created_at=receipt.created_at,
        cashier=receipt.employee.name,
        lines=tuple(
            ViewLine(
                name=ln.name,
                qty=ln.qty,
                unit_price=ln.unit_price,
                subtotal=ln.subtotal,
                discount=ln.discount,
                total=ln.total,
                adjustments=tuple(adjustments[ln.id]),
            )
            for ln in lines
        ),
        subtotal=receipt.subtotal,
        discount=receipt.discount,
        total=receipt.total,
        rounding=receipt.rounding,
        payments=tuple(
            ViewPayment(
                tender=p.tender,
                amount=p.amount,
                tendered=max(p.tendered, p.amount),
                change=max(p.tendered - p.amount, 0) if p.tender == "cash" else 0,
            )
            for p in payments
        ),
        fiscal_code=receipt.fiscal_code,
        fiscal_pending=not receipt.fiscal_code and receipt.fiscal_status != "",
        qr=receipt.fiscal_code or receipt.uuid,
        footer=_split(settings.register.receipt_footer),
        loyalty=loyalty_lines(receipt.info),
    )


def loyalty_lines(info_json: str) -> tuple[tuple[str, str], ...]:
    """What the receipt says about the card: bonuses earned, spent, given back and the
    balance; a threshold reached; an accelerator or enrolment (from ``receipt.info``)."""
    import json

    try:
        info = json.loads(info_json or "{}")
    except ValueError:
        return ()
    if not isinstance(info, dict):
        return ()
    out: list[tuple[str, str]] = []
    card = info.get("card")
    if isinstance(card, dict) and card.get("number"):
        out.append((_("Card"), f"{card.get('name', '')} {card['number']}".strip()))
    bonus = info.get("bonus")
    if isinstance(bonus, dict):
        for key, label in (
            ("spent", _("Bonuses spent")),
            ("earned", _("Bonuses earned")),
            ("change", _("Change to the card")),
            ("returned", _("Bonuses given back")),
            ("reversed", _("Bonuses taken back")),
        ):
            if bonus.get(key):
                out.append((label, _money(int(bonus[key]))))
        if "balance" in bonus:
            out.append((_("Bonus balance"), _money(int(bonus["balance"]))))
    tier = info.get("tier_up")
    if isinstance(tier, dict):
        out.append((_("Your discount is now"), f"{tier.get('percent')}%"))
    for item in info.get("enrolled") or []:
        out.append((_("New card"), str(item.get("card_type", ""))))
    vip = info.get("vip")
    if isinstance(vip, dict) and "balance" in vip:
        if vip.get("charged"):
            out.append((_("On account"), _money(int(vip["charged"]))))
        balance = int(vip["balance"])
        out.append(
            (_("Owed on account") if balance < 0 else _("On the account"), _money(abs(balance)))
        )
        if vip.get("due_at"):
            out.append((_("Pay by"), str(vip["due_at"])[:10]))
    gift = info.get("certificates")  # torgtui.marketing.certificates_sale's facts
    if isinstance(gift, dict):
        for code in gift.get("sold") or []:
            out.append((_("Gift certificate sold"), str(code)))
        for item in gift.get("paid") or []:
            out.append(
                (
                    _("Left on certificate {code}").format(code=item["code"]),
                    _money(int(item["left"])),
                )
            )
        for item in gift.get("back") or []:
            out.append(
                (
                    _("Back to certificate {code}").format(code=item["code"]),
                    _money(int(item["back"])),
                )
            )
    return tuple(out)


def _money(kopecks: int) -> str:
    return format_money(kopecks, symbol=False)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def _pair(left: str, right: str, width: int, *, bold: bool = False, big: bool = False) -> list:
    """``left`` and ``right`` on one line when they fit, else ``left`` wrapped above."""
    if len(left) + 1 + len(right) <= width:
        gap = width - len(left) - len(right)
        return [PrintLine(left + " " * gap + right, bold=bold, big=big)]
    out = [PrintLine(t, bold=bold, big=big) for t in _wrap(left, width)]
    return out + [PrintLine(t.rjust(width), bold=bold, big=big) for t in _wrap(right, width)]


def _center(text: str, width: int, *, bold: bool = False) -> list[PrintLine]:
    return [PrintLine(t, align="center", bold=bold) for t in _wrap(text, width)]


def _tender_name(tender: str) -> str:
    names = {"cash": _("Cash"), "card": _("Card"), "cashless": _("Cashless")}
    if tender in names:
        return names[tender]
    from torgtui.sales import extensions  # bonuses, on account ... (titled by their feature)

    extensions.load()
    kind = extensions.TENDERS.get(tender)
    return kind.title() if kind is not None else tender


def layout(view: ReceiptView, width: int, *, copy: bool = False) -> list[PrintLine]:
    """The receipt as printed lines, each at most ``width`` characters."""
    width = max(width, MIN_WIDTH)
    rule = PrintLine("-" * width)
    out: list[PrintLine] = []
    for i, text in enumerate(view.header):
        out += _center(text, width, bold=i == 0)
    if copy:
        out += _center(_("COPY"), width, bold=True)
    out.append(rule)
    if view.kind == "return":
        title = _("Return No. {number}").format(number=view.number)
    else:
        title = _("Receipt No. {number}").format(number=view.number)
    out += _pair(title, view.created_at.strftime("%d.%m.%Y %H:%M"), width)
    if view.original_number is not None:
        out += [
            PrintLine(t)
            for t in _wrap(_("For receipt No. {number}").format(number=view.original_number), width)
        ]
    out += [PrintLine(t) for t in _wrap(_("Cashier: {name}").format(name=view.cashier), width)]
    out.append(rule)
    for line in view.lines:
        out += [PrintLine(t) for t in _wrap(line.name, width)]
        amount = f"{format_qty(line.qty)} x {_money(line.unit_price)} = {_money(line.subtotal)}"
        out += [PrintLine(t.rjust(width)) for t in _wrap(amount, width)]
        for reason, off in line.adjustments:
            shown = _money(-off) if off > 0 else "+" + _money(-off)
            out += _pair("  " + reason, shown, width)
    out.append(rule)
    if view.discount:
        out += _pair(_("Subtotal"), _money(view.subtotal), width)
        out += _pair(_("Discount"), _money(-view.discount), width)
    out += _pair(_("TOTAL"), _money(view.total), width, bold=True, big=True)
    if view.rounding:
        out += _pair(_("Rounding"), _money(view.rounding), width)
    if view.payments:
        out.append(rule)
    for p in view.payments:
        out += _pair(_tender_name(p.tender), _money(p.tendered), width)
        if p.change:
            out += _pair(_("Change"), _money(p.change), width)
    out.append(rule)
    if view.loyalty:
        for label, value in view.loyalty:
            out += _pair(label, value, width)
        out.append(rule)
    if view.fiscal_code:
        out += [
            PrintLine(t) for t in _wrap(_("Fiscal No. {code}").format(code=view.fiscal_code), width)
        ]
    elif view.fiscal_pending:
        out += _center(_("NOT FISCAL YET — fiscal receipt pending"), width, bold=True)
    else:
        out += _center(_("NOT A FISCAL RECEIPT"), width, bold=True)
    for text in view.footer:
        out += _center(text, width)
    return out


def render_text(view: ReceiptView, width: int, *, copy: bool = False) -> list[str]:
    """The receipt as plain text lines at most ``width`` wide (the on-screen printer)."""
    width = max(width, MIN_WIDTH)
    out = []
    for line in layout(view, width, copy=copy):
        if line.align == "center":
            pad = (width - len(line.text)) // 2
            out.append((" " * pad + line.text).rstrip())
        elif line.align == "right":
            out.append(line.text.rjust(width))
        else:
            out.append(line.text.rstrip())
    return out
