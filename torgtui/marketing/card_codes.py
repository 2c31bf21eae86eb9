"""Loyalty cards in the register's code field (torgtui.sales.codes): scanning a card attaches
its customer to the receipt.

Two kinds: ``card`` (order 10) claims, from memory, the 13-digit numbers of a card numbering
(a card type's own prefix and range, or the shop's ``customers.card_prefix``), so a product
scan never waits for a customer look-up; ``card_number`` (order 90) looks up any other code
no product has, for cards from before the shop's numbering (imported, typed in by hand).

Refused, each with what to do: an unknown number in a card range, a card that is blocked or
no longer in use, a quantity typed before a card, and a card when another customer is on the
receipt already.
"""

from __future__ import annotations

from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.numbering import in_card_range
from torgtui.models import Customer
from torgtui.sales.codes import Entered, NotMine, code_kind
from torgtui.sales.register import Register


def _claims(code: str, register: Register) -> bool:
    return in_card_range(code, getattr(register, "card_prefix", "29") or "29")


def attach_card(register: Register, holder: Customer, code: str) -> Entered:
    """Put the card's customer on the receipt (refusals: see the module doc)."""
    if holder.status != "active":
        raise ValidationError(
            _("Card {code} is no longer in use: ask the customer for their current card.").format(
                code=code
            )
        )
    if holder.card_status == "blocked":
        raise ValidationError(
            _(
                "Card {code} is blocked: it gives no discount or bonuses. Sell without it, "
                "or ask a senior cashier to check the card."
            ).format(code=code)
        )
    current = register.basket.customer_id
    if current == holder.id:
        return Entered(
            "card",
            _("{name}'s card is on this receipt already.").format(name=holder.name),
            customer_id=holder.id,
        )
    if current is not None:
        other = Customer.get_or_none(Customer.id == current)
        raise ValidationError(
            _(
                "This receipt is for {name} already: card {code} is another customer's. "
                "Press F6 and clear the customer first to use this card."
            ).format(name=other.name if other is not None else "?", code=code)
        )
    register.attach_customer(holder)
    return Entered(
        "card",
        _("Card {code}: {name}").format(code=code, name=holder.name),
        customer_id=holder.id,
    )


def _no_qty(code: str, qty: int | None) -> None:
    if qty is not None:
        raise ValidationError(
            _("{code} is a customer card: scan it without a quantity.").format(code=code)
        )


@code_kind(10, "card", claims=_claims)
def enter_card(register: Register, code: str, qty: int | None) -> Entered:
    holder = Customer.get_or_none(Customer.card == code)
    if holder is None:
        raise NotMine(
            _(
                "Card {code} was never issued: issue it to the customer in Customers, or check "
                "the number."
            ).format(code=code)
        )
    _no_qty(code, qty)
    return attach_card(register, holder, code)


@code_kind(90, "card_number")
def enter_card_number(register: Register, code: str, qty: int | None) -> Entered:
    holder = Customer.get_or_none(Customer.card == code)
    if holder is None:
        raise NotMine()
    _no_qty(code, qty)
    return attach_card(register, holder, code)


__all__ = ["attach_card", "enter_card", "enter_card_number"]
