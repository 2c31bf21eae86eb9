"""Why this price (F11 at the register): for the selected line every adjustment with its step,
rule and amount (each promotion by name with what it gave, a set, the pre-order's agreed
price), the bonuses it earns and pays and how far below cost it sells; for the receipt the
card and tier in force (with the way to the next threshold), the price type, bonuses to pay
and to earn, the promotions applied with what each gave, the sets, the pre-order and its
prepayment, the festive ones (whose birthday, which receipt), what a little more would reach,
and every rule or code that was refused and why.

It only shows what :func:`torgtui.sales.why.explain` worked out (the same data as
``torgtui price``): nothing is computed here. Left and right show the other lines.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from torgtui.i18n import _
from torgtui.marketing.cards import kind_title
from torgtui.money import format_money, format_qty

WIDTH = 74  # the text's width inside the box at 80 columns


def step_title(step: str) -> str:
    return {
        "base": _("Catalog price"),
        "override": _("Price set by hand"),
        "price_type": _("Price type"),
        "qty_breaks": _("Quantity break"),
        "manufacturer": _("Manufacturer discount"),
        "promotions": _("Promotion"),
        "promotion": _("Promotion"),
        "bundle": _("Set"),
        "preorder": _("Pre-order price"),
        "card": _("Card"),
        "codes": _("Code"),
        "manual": _("Manual discount"),
        "bonus": _("Bonuses"),
        "cost_guard": _("Cost guard"),
    }.get(step, step)


def pair(left: str, right: str, width: int = WIDTH) -> list[str]:
    """``left`` and ``right`` on one line; a long ``left`` wraps (indented a little more),
    ``right`` on its last line."""
    indent = " " * (len(left) - len(left.lstrip(" ")))
    room = max(width - len(right) - 1, 10)
    lines, current = [], indent
    for word in left.split():
        if current.strip() and len(current) + 1 + len(word) > room:
            lines.append(current)
            current = indent + "  " + word
        else:
            current = f"{current} {word}" if current.strip() else current + word
    lines.append(current)
    if not right:
        return lines
    last = lines.pop()
    return [*lines, last.ljust(room) + " " + right]


def qty_of(qty: int | float) -> str:
    """explain's quantity in units (3, 1.25) as the receipt shows it."""
    return format_qty(round(qty * 1000))


def line_text(line: dict[str, Any], index: int, count: int) -> list[str]:
    out = [
        _("Line {n} of {count}: {name}").format(n=index + 1, count=count, name=line["name"]),
        *pair(
            "  "
            + _("{qty} x {price}").format(
                qty=qty_of(line["qty"]), price=format_money(line["unit_price"])
            ),
            format_money(line["subtotal"]),
        ),
    ]
    if not line["adjustments"]:
        out.append("  " + _("No discounts or price changes on this line."))
    for adj in line["adjustments"]:
        reason = adj["reason"] or ""
        rule = adj["rule"] or ""
        text = f"{step_title(adj['step'])}: {reason}" if reason else step_title(adj["step"])
        if rule and rule not in reason:
            text += f" [{rule}]"
        out += pair("  " + text, format_money(-adj["amount"]))
    out += pair("  " + _("Line total"), format_money(line["total"]))
    if line["bonus_earned"] or line["bonus_spent"]:
        out.append(
            "  "
            + _("Bonuses: earns {earned}, paid {spent}").format(
                earned=format_money(line["bonus_earned"]),
                spent=format_money(line["bonus_spent"]),
            )
        )
    if line["below_cost"]:
        out.append(
            "  " + _("Below cost by {amount}").format(amount=format_money(line["below_cost"]))
        )
    return out


def card_text(card: dict[str, Any] | None) -> list[str]:
    if not card:
        return ["  " + _("No customer card.")]
    status = _("blocked") if card.get("status") == "blocked" else _("active")
    out = [
        "  "
        + _("Card {number}: {name} ({kind}), {status}").format(
            number=card.get("number") or "-",
            name=card.get("name", ""),
            kind=kind_title(str(card.get("kind", ""))),
            status=status,
        )
    ]
    tier = card.get("tier")
    if isinstance(tier, dict):
        text = _("Tier {percent}% from {start}; counted {counted}").format(
            percent=tier["percent"],
            start=format_money(int(tier["from"])),
            counted=format_money(int(tier["counted"])),
        )
        following = tier.get("next")
        if following:
            text += "; " + _("{left} more to {percent}%").format(
                left=format_money(int(following["left"])), percent=following["percent"]
            )
        out.append("  " + text)
    elif card.get("kind") == "bonus":
        days = card.get("bonus_expiry_days")
        text = _("Earns {percent}% in bonuses").format(percent=card.get("bonus_percent", "0"))
        if days:
            text += "; " + _("they last {days} days").format(days=days)
        out.append("  " + text)
    elif "percent" in card:
        text = _("Discount {percent}%").format(percent=card["percent"])
        if card.get("spent"):
            text += "; " + _("used already")
        out.append("  " + text)
    return out


def receipt_text(explained: dict[str, Any]) -> list[str]:
    out = [_("The receipt")]
    out += pair("  " + _("Total before discounts"), format_money(explained["subtotal"]))
    out += pair("  " + _("Discounts"), format_money(-explained["discount"]))
    out += pair("  " + _("Total"), format_money(explained["total"]))
    if explained["bonus_spent"]:
        out += pair("  " + _("Paid with bonuses"), format_money(-explained["bonus_spent"]))
        out += pair("  " + _("To pay"), format_money(explained["to_pay"]))
    out += card_text(explained.get("card"))
    if explained["bonus_earned"] or explained["bonus_spent"]:
        out.append(
            "  "
            + _("Bonuses: earns {earned}, pays {spent}").format(
                earned=format_money(explained["bonus_earned"]),
                spent=format_money(explained["bonus_spent"]),
            )
        )
    price_type = explained.get("price_type")
    if isinstance(price_type, dict):
        source = {
            "customer": _("the customer's card"),
            "location": _("this location"),
            "basket": _("chosen for this sale"),
        }.get(str(price_type.get("source")), "")
        text = _("Price type: {name}").format(name=price_type.get("name", ""))
        out.append("  " + (f"{text} ({source})" if source else text))
    if explained["below_cost"]:
        out.append(
            "  " + _("Below cost by {amount}").format(amount=format_money(explained["below_cost"]))
        )
    out += promotions_text(explained)
    if explained["refused"]:
        out.append("  " + _("Not applied:"))
        for item in explained["refused"]:
            rule = item.get("code") or item.get("rule") or ""
            reason = item.get("reason", "")
            shown = f"    {rule}: {reason}" if rule and rule not in reason else f"    {reason}"
            out += pair(shown, "")
    return out


def promotions_text(explained: dict[str, Any]) -> list[str]:
    """The promotions applied (by name: what each gave, and why this receipt), the sets, the
    pre-order with its prepayment, the festive ones and what a little more would reach."""
    out: list[str] = []
    for item in explained.get("festive") or []:
        out += pair("  * " + _("{name}: {why}").format(name=item["name"], why=item["why"]), "")
    promotions = explained.get("promotions") or []
    if promotions:
        out.append("  " + _("Promotions:"))
    for item in promotions:
        text = _("{name}: {what}").format(name=item["name"], what=item["what"])
        if item.get("why"):
            text += f" ({item['why']})"
        if item.get("bonus"):
            gave = _("+{amount} bonuses").format(amount=format_money(int(item["bonus"])))
        else:
            gave = format_money(-int(item.get("discount") or 0))
        out += pair("    " + text, gave)
    for item in explained.get("codes") or []:
        if item.get("applied"):
            text = _("Code {code}: {promotion}")
        else:
            text = _("Code {code}: {promotion} (gives nothing yet)")
        out += pair("  " + text.format(code=item["code"], promotion=item["promotion"]), "")
    bundles = explained.get("bundles") or []
    if bundles:
        out.append("  " + _("Sets:"))
    for item in bundles:
        text = _("{name} x {n}").format(name=item["name"], n=item.get("sets", 1))
        out += pair("    " + text, format_money(-int(item.get("discount") or 0)))
    preorder = explained.get("preorder")
    if isinstance(preorder, dict):
        out += pair(
            "  "
            + _("Pre-order {code}: prepaid {prepaid}").format(
                code=preorder.get("code", ""), prepaid=format_money(int(preorder.get("prepaid", 0)))
            ),
            "",
        )
    for hint in explained.get("hints") or []:
        out += pair("  " + _("Near: {text}").format(text=hint.get("text", "")), "")
    return out


class WhyPriceScreen(ModalScreen[None]):
    """The explanation of one line and the receipt; left/right another line, Escape back."""

    DEFAULT_CSS = """
    WhyPriceScreen {
        align: center middle;
    }
    WhyPriceScreen > VerticalScroll {
        width: 78;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    WhyPriceScreen #why-text {
        width: 100%;
    }
    """
    BINDINGS = [
        Binding("escape,enter", "close", _("Back"), id="why.close"),
        Binding("left", "line(-1)", _("Previous line"), id="why.prev"),
        Binding("right", "line(1)", _("Next line"), id="why.next"),
        Binding("down", "scroll(1)", _("Down"), show=False, id="why.down"),
        Binding("up", "scroll(-1)", _("Up"), show=False, id="why.up"),
        Binding("pagedown", "scroll(10)", _("Page down"), show=False, id="why.pagedown"),
        Binding("pageup", "scroll(-10)", _("Page up"), show=False, id="why.pageup"),
    ]

    def __init__(self, explained: dict[str, Any], line: int = 0) -> None:
        super().__init__()
        self.explained = explained
        count = len(explained["lines"])
        self.line = max(0, min(line, count - 1))

    def compose(self) -> ComposeResult:
        with VerticalScroll(can_focus=False) as box:
            box.border_title = _("Why this price")
            yield Static(self.text, id="why-text", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    @property
    def text(self) -> str:
        lines = self.explained["lines"]
        out = line_text(lines[self.line], self.line, len(lines)) if lines else []
        return "\n".join([*out, "", *receipt_text(self.explained)])

    def action_line(self, step: int) -> None:
        count = len(self.explained["lines"])
        if count:
            self.line = (self.line + step) % count
            self.query_one("#why-text", Static).update(self.text)

    def action_scroll(self, rows: int) -> None:
        self.query_one(VerticalScroll).scroll_relative(y=rows, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
