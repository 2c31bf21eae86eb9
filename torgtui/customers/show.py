"""``torgtui customer show CARD|PHONE [--json]``: a customer's card, tier, bonuses and VIP
account, as the customer card and the register show them, for scripts and support.

JSON (money in kopecks, moments in ISO 8601)::

    {"id", "name", "card", "card_status",
     "card_type": {"code", "name", "kind", ...} | null,
     "tier": {"percent", "from", "counted", "next": {"percent", "from", "left"} | null} | null,
     "bonus": {"balance", "spendable", "buckets": [{"amount", "expires_at"}], "next_expiry"},
     "vip": {"mode", "limit", "term_days", "balance", "debt", "deposit", "available",
             "overdue", "overdue_days", "next_due_at"} | null,
     "referral": {"codes": [{"code", "campaign", "state", "valid_until", "friend", "used_at",
                  "receipt", "purchase", "bonus", "reversed"}], "referred_by": {...} | null},
     "certificates": [{"barcode", "generation", "type", "type_name", "mode", "status", "value",
                       "balance", "partial", "expires_at", "usable", "why_not"}],
     "invoices": [{"number", "date", "total", "payment", "owed", "waybill"}]}  # the latest 5

The card and bonus facts come from torgtui.marketing.cards and bonuses, the VIP account from
torgtui.marketing.vip (its ``summary`` checks that the employee may read VIP accounts; without
``--employee`` the command reads as whoever holds the database, as ``torgtui price`` does).
:func:`balances` is also what ``torgtui sell`` and ``return`` print after the receipt.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from torgtui.errors import TorgError
from torgtui.i18n import _, ngettext
from torgtui.models import Customer, Employee
from torgtui.money import format_money


def find_one(text: str) -> Customer:
    """The one active customer ``text`` names (a card number or a phone); a phone on several
    cards is refused with the cards listed, so the caller gives the card number."""
    from torgtui.customers.service import customers_by_phone_or_card

    found = customers_by_phone_or_card(text)
    if not found:
        raise TorgError(
            _("No active customer has the card or phone {text}.").format(text=json.dumps(text))
        )
    if len(found) > 1:
        cards = ", ".join(
            f"{c.card} ({c.name})"
            if c.card
            else _("a card without a number ({name})").format(name=c.name)
            for c in found
        )
        raise TorgError(
            _("{n} cards have the phone {text}: {cards}. Give the card number.").format(
                n=len(found), text=text, cards=cards
            )
        )
    return found[0]


def _iso(moment: Any) -> Any:
    return moment.isoformat() if isinstance(moment, dt.datetime) else moment


def _vip(customer_id: int, by: Employee | None, at: dt.datetime) -> dict[str, object] | None:
    from torgtui.marketing import vip

    state = (
        vip.summary(customer_id, by=by, at=at) if by is not None else vip.state_of(customer_id, at)
    )
    return state.as_json() if state is not None else None


def balances(customer_id: int | None, *, by: Employee | None, at: dt.datetime) -> dict | None:
    """The card's bonus balance and VIP account now (None without a customer)."""
    if customer_id is None:
        return None
    from torgtui.marketing import bonuses

    return {"bonus": bonuses.balance_of(customer_id), "vip": _vip(customer_id, by, at)}


def show(customer: Customer, *, by: Employee | None, at: dt.datetime) -> dict[str, Any]:
    """Everything ``customer show --json`` prints (see the module doc)."""
    from torgtui.marketing import bonuses, cards, certificates, invoices_list, referral

    card_type = tier = None
    state = cards.card_state(customer.id)
    rule = cards.rules().get(state.card_type_id) if state and state.card_type_id else None
    if state is not None and rule is not None:
        info = cards.describe(state, rule)
        tier = info.pop("tier", None)
        info.pop("number", None)
        info.pop("status", None)
        card_type = {"code": info.pop("type"), **info}
    bonus = bonuses.summary(customer.id, at)
    bonus["buckets"] = [
        {"amount": b["amount"], "expires_at": _iso(b["expires_at"])}
        for b in bonus["buckets"]  # type: ignore[attr-defined]
    ]
    if bonus.get("next_expiry"):
        nxt = bonus["next_expiry"]
        bonus["next_expiry"] = {"amount": nxt["amount"], "expires_at": _iso(nxt["expires_at"])}  # type: ignore[index]
    return {
        "id": customer.id,
        "name": customer.name,
        "card": customer.card,
        "card_status": customer.card_status,
        "card_type": card_type,
        "tier": tier,
        "bonus": bonus,
        "vip": _vip(customer.id, by, at),
        "referral": referral.show_info(customer.id, at.date()),
        "certificates": [c.as_json() for c in certificates.for_customer(customer.id, at)],
        "invoices": invoices_list.for_customer(customer.id),  # the latest five invoices
    }


def as_text(info: dict[str, Any]) -> str:
    """A few readable lines of what :func:`show` found."""
    from torgtui.marketing.cards import kind_title
    from torgtui.marketing.vip import mode_title

    lines = [
        _("{name} (#{id}), card {card}").format(
            name=info["name"], id=info["id"], card=info["card"] or _("without a number")
        )
    ]
    card_type, tier = info["card_type"], info["tier"]
    if card_type is None:
        lines.append(_("No card type."))
    else:
        line = _("Card type: {name} ({kind})").format(
            name=card_type["name"], kind=kind_title(card_type["kind"])
        )
        if tier is not None:
            line += _(", {percent}% from {amount}").format(
                percent=tier["percent"], amount=format_money(tier["from"])
            )
            if tier["next"]:
                line += _("; {left} more to {percent}%").format(
                    left=format_money(tier["next"]["left"]), percent=tier["next"]["percent"]
                )
        elif "percent" in card_type:
            line += f", {card_type['percent']}%"
        if info["card_status"] != "active":
            line += _(" (blocked)")
        lines.append(line)
    bonus = info["bonus"]
    line = _("Bonuses: {balance}").format(balance=format_money(bonus["balance"]))
    if bonus.get("next_expiry"):
        nxt = bonus["next_expiry"]
        line += _("; {amount} lapse on {day}").format(
            amount=format_money(nxt["amount"]), day=str(nxt["expires_at"])[:10]
        )
    lines.append(line)
    vip = info["vip"]
    if vip is not None:
        line = _("VIP: {mode}; balance {balance}, may buy {available} more on account").format(
            mode=mode_title(vip["mode"]),
            balance=format_money(vip["balance"]),
            available=format_money(vip["available"]),
        )
        if vip["overdue"]:
            line += ngettext(
                "; overdue {amount} ({days} day)",
                "; overdue {amount} ({days} days)",
                vip["overdue_days"],
            ).format(amount=format_money(vip["overdue"]), days=vip["overdue_days"])
        lines.append(line)
    if info.get("referral"):
        from torgtui.marketing.referral import show_lines

        lines.extend(show_lines(info["referral"]))
    if info.get("certificates"):
        from torgtui.marketing.certificates import show_lines as certificate_lines

        lines.extend(certificate_lines(info["certificates"]))
    if info.get("invoices"):
        from torgtui.marketing.invoices_list import show_lines as invoice_lines

        lines.extend(invoice_lines(info["invoices"]))
    return "\n".join(lines)


def run_show_command(text: str, *, as_json: bool, by: Employee | None) -> int:
    info = show(find_one(text), by=by, at=dt.datetime.now())
    print(json.dumps(info, ensure_ascii=False, indent=2) if as_json else as_text(info))
    return 0
