"""The register's loyalty view: the attached customer's card and tier, their bonuses and what
this receipt spends and earns, their VIP account (overdue debt highlighted), paying with
bonuses (F2), "why this price" (F11, or ? in the code field), and the words after payment.

A mixin of :class:`~torgtui.screens.sale.SaleScreen`. Every figure comes from a service: what
the customer has (bonus balance, VIP state, the change-to-card policy) is read once when the
customer is attached (:class:`CustomerFacts`), not on every scan; what the receipt spends and
earns, and the card in force, come with each pricing (``priced.info``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.marketing import bonuses, policy, vip
from torgtui.models import Customer, Employee
from torgtui.money import format_money
from torgtui.screens import sale_verify
from torgtui.screens.sale_dialogs import AskScreen
from torgtui.values import parse_money

if TYPE_CHECKING:
    from textual.app import App

    from torgtui.marketing.vip import VipState
    from torgtui.sales.basket import Basket
    from torgtui.sales.register import Register
    from torgtui.screens.sale_input import CodeInput


KEPT_ROWS = ("#sale-promo", "#sale-bonus")  # always on screen (see show_line)


@dataclass(frozen=True)
class CustomerFacts:
    """What the register shows of the attached customer that does not change while the
    receipt is open: read when the customer is attached, and again after a dialog."""

    customer_id: int
    name: str
    attention: bool
    attention_note: str
    bonus: dict[str, Any]  # bonuses.summary: balance, spendable, buckets, next_expiry
    vip: VipState | None  # vip.summary (None: not VIP)
    change_to_card: str  # the shop's policy: all, coins or off


def load_facts(customer_id: int, employee: Employee, at: dt.datetime) -> CustomerFacts | None:
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None:
        return None
    return CustomerFacts(
        customer_id=customer.id,
        name=customer.name,
        attention=bool(customer.attention),
        attention_note=customer.attention_note or "",
        bonus=bonuses.summary(customer.id, at),
        vip=vip.summary(customer.id, by=employee, at=at),
        change_to_card=policy.load().change_to_card,
    )


# --- words ------------------------------------------------------------------------------------


def card_words(card: dict[str, Any] | None) -> str:
    """The card in force, as torgtui.marketing.cards.describe gives it: number, name, the
    discount or bonus rate, and for an accumulative card how far the next threshold is."""
    if not card:
        return ""
    number, name = card.get("number") or "", card.get("name") or ""
    kind = card.get("kind")
    if card.get("status") == "blocked":
        text = _("blocked")
    elif kind == "accumulative":
        tier = card.get("tier") or {}
        text = _("{name} {percent}%").format(name=name, percent=tier.get("percent", "0"))
        following = tier.get("next")
        if following:
            text += ", " + _("{left} to {percent}%").format(
                left=format_money(int(following["left"])), percent=following["percent"]
            )
    elif kind == "bonus":
        text = _("{name}, bonuses {percent}%").format(
            name=name, percent=card.get("bonus_percent", "0")
        )
    elif kind == "one_time" and card.get("spent"):
        text = _("{name}, used").format(name=name)
    else:
        text = _("{name} {percent}%").format(name=name, percent=card.get("percent", "0"))
    return f"{number} {text}".strip()


def customer_words(facts: CustomerFacts, card: dict[str, Any] | None) -> str:
    shown = card_words(card)
    if not shown:
        return _("Customer: {name}").format(name=facts.name)
    return f"{facts.name} · {shown}"


def bonus_words(facts: CustomerFacts, bonus_now: dict[str, Any]) -> str:
    """The card's bonuses and this receipt's: "Bonuses 1 234.50 ₴ · paying 100.00 ₴ · +56.75
    for this receipt" ("" when the card has none and this receipt earns none)."""
    balance = int(facts.bonus.get("balance", 0))
    spend, earn = int(bonus_now.get("spend", 0)), int(bonus_now.get("earn", 0))
    if not (balance or spend or earn):
        return ""
    parts = [_("Bonuses {balance}").format(balance=format_money(balance))]
    if spend:
        parts.append(_("paying {amount}").format(amount=format_money(spend)))
    if earn:
        parts.append(_("+{amount} for this receipt").format(amount=format_money(earn)))
    return " · ".join(parts)


def vip_words(state: VipState | None) -> tuple[str, bool]:
    """(the VIP line, whether it is a warning): overdue debt with its amount and days, else
    what may still be bought on account."""
    if state is None:
        return "", False
    warning = vip.highlight(state)
    if warning:
        return _("VIP: {warning}").format(warning=warning), True
    return (
        _("VIP, {mode}: {available} available on account").format(
            mode=vip.mode_title(state.mode), available=format_money(state.available)
        ),
        False,
    )


def paid_words(info: dict[str, Any]) -> tuple[str, list[str]]:
    """After payment, from the receipt's ``info`` (the services' facts): what of the change
    went onto the card (shown with the change), then a line of bonuses (earned, spent, the
    balance) and a line of the rest (a tier moved up, a new card, what went on account)."""
    bonus = info.get("bonus") if isinstance(info.get("bonus"), dict) else {}
    to_card = ""
    if bonus.get("change"):
        to_card = _("{amount} onto the card").format(amount=format_money(int(bonus["change"])))
    parts: list[str] = []
    if bonus.get("earned"):
        parts.append(_("Bonuses +{amount}").format(amount=format_money(int(bonus["earned"]))))
    if bonus.get("spent"):
        parts.append(_("spent {amount}").format(amount=format_money(int(bonus["spent"]))))
    if "balance" in bonus:
        parts.append(_("balance {amount}").format(amount=format_money(int(bonus["balance"]))))
    others: list[str] = []
    tier = info.get("tier_up")
    if isinstance(tier, dict):
        others.append(
            _("Tier moved up: {percent}% from now on").format(percent=tier.get("percent"))
        )
    for item in info.get("enrolled") or []:
        others.append(_("New card: {name}").format(name=item.get("card_type", "")))
    account = info.get("vip")
    if isinstance(account, dict) and account.get("charged"):
        others.append(
            _("Charged on account {amount}").format(amount=format_money(int(account["charged"])))
        )
    lines = [" · ".join(part) for part in (parts, others) if part]
    return to_card, lines


def receipt_info(receipt: object) -> dict[str, Any]:
    try:
        info = json.loads(getattr(receipt, "info", "") or "{}")
    except ValueError:
        return {}
    return info if isinstance(info, dict) else {}


def parse_bonus(text: str) -> int:
    """What the cashier typed for bonuses: an amount (0: none)."""
    return parse_money(text, _("The bonuses"))


# --- the mixin --------------------------------------------------------------------------------


class LoyaltyView:
    """The attached customer's lines, F2 (pay with bonuses) and F11 (why this price)."""

    app: App
    register: Register | None
    selected: int | None
    code: CodeInput
    facts: CustomerFacts | None

    if TYPE_CHECKING:

        def say(self, text: str, *, severity: str = "error", bell: bool = False) -> None: ...
        def run(self, change: Callable[[], object]) -> bool: ...
        def set_text(self, selector: str, text: str, *, fixed: bool = True) -> None: ...
        def query_one(self, selector: str, expect_type: Any = None) -> Any: ...

    def facts_for(self, customer_id: int | None) -> CustomerFacts | None:
        """The attached customer's facts, read again only when another customer is attached
        (or after a dialog: ``facts`` is then cleared)."""
        if customer_id is None:
            self.facts = None
        elif self.facts is None or self.facts.customer_id != customer_id:
            self.facts = load_facts(customer_id, self.app.employee, self.app.clock())  # type: ignore[attr-defined]
        return self.facts

    def show_customer(self, priced: Basket, facts: CustomerFacts | None) -> None:
        """The customer line, the bonus line and the VIP line (hidden when they say nothing)."""
        card = priced.info.get("card") if facts is not None else None
        bonus_text = bonus_words(facts, priced.info.get("bonus") or {}) if facts else ""
        self.show_line("#sale-bonus", bonus_text)
        vip_text, warning = vip_words(facts.vip if facts else None)
        self.show_line("#sale-vip", vip_text)
        self.query_one("#sale-vip").set_class(warning, "-warning")
        if facts is not None:
            self.set_text("#sale-info", customer_words(facts, card))  # type: ignore[arg-type]
        keys = ""
        if priced.lines:
            keys = _("F2 bonuses · F11 why") if bonus_text else _("F11 why this price")
        self.set_text("#sale-keys", keys)

    def show_line(self, selector: str, text: str) -> None:
        """A line shown only when it says something; the promotions and bonus lines keep their
        row (empty when they say nothing): they come and go with nearly every sale, and each
        coming or going was a layout pass of the whole screen and a redraw of every receipt
        row (docs/performance.md)."""
        if selector in KEPT_ROWS:
            self.set_text(selector, text)
            return
        label = self.query_one(selector)
        if text:
            self.set_text(selector, text)
        label.display = bool(text)

    # --- F2: pay with bonuses --------------------------------------------------------------

    def action_bonus(self, ask: bool) -> None:
        """F2: pay all this receipt can with the card's bonuses, or the amount typed in the
        code field first (``50`` then F2; ``0`` then F2: none); shift+F2 asks for the amount."""
        assert self.register is not None
        if ask:
            title = _("Pay with bonuses: type an amount (0: none), Enter")
            self.app.push_screen(
                AskScreen(title, parse=parse_bonus),
                lambda amount: self.redeem(amount) if amount is not None else None,
            )
            return
        typed = self.code.value.strip()
        if not typed:
            self.redeem("max")
            return
        try:
            amount = parse_bonus(typed)
        except TorgError as exc:
            self.say(exc.message)
            return
        self.code.value = ""
        self.redeem(amount)

    def redeem(self, amount: int | str) -> None:
        assert self.register is not None
        reg = self.register
        paid: list[int] = []
        if not self.run(lambda: paid.append(reg.redeem_bonus(amount))):
            return
        if paid[0]:
            text = _("{amount} of this receipt is paid with bonuses.").format(
                amount=format_money(paid[0])
            )
        elif amount == 0:
            text = _("No bonuses on this receipt.")
        else:
            text = _("The card has no bonuses to spend now.")
        if paid[0] and sale_verify.bonus_needs_code(self, paid[0]):  # type: ignore[arg-type]

            def confirmed(yes: bool) -> None:  # the customer's SMS code, as the shop asks
                if yes:
                    self.say(text, severity="information")
                    return
                self.run(lambda: reg.redeem_bonus(0))
                self.say(_("No bonuses on this receipt: the customer's code was not confirmed."))

            sale_verify.confirm_bonus(self, paid[0], confirmed)  # type: ignore[arg-type]
            return
        self.say(text, severity="information")

    # --- F11: why this price ---------------------------------------------------------------

    def action_why(self) -> None:
        """F11: every adjustment of the selected line, the card, tier, bonuses and what was
        refused, from torgtui.sales.why (as ``torgtui price`` says it)."""
        from torgtui.sales.why import explain
        from torgtui.screens.why_price import WhyPriceScreen

        assert self.register is not None
        if not self.register.basket.lines:
            self.say(_("The receipt is empty: scan something first."))
            return
        explained = explain(self.register.priced())
        self.app.push_screen(WhyPriceScreen(explained, self.selected or 0))
