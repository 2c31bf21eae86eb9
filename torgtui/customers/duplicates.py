"""Duplicate cards: a card number is never on two cards; a phone may be (a family sharing one
phone), by permission, after a warning that offers the card(s) that have it.

:class:`DuplicateCustomer` (a card number taken) and :class:`SharedPhone` (a phone other cards
have; ``may_share`` says whether the employee may save anyway with ``share_phone=True``) both
carry ``existing``, the cards to offer. Used by torgtui.customers.service (create and update),
which re-exports these names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from torgtui.clock import Clock
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Contact, Customer, CustomerPhone, Employee
from torgtui.staff import Permission, ask_whom, audit, can, require

if TYPE_CHECKING:
    from torgtui.customers.service import CardData


class DuplicateCustomer(ValidationError):
    """A phone or card already belongs to another card; ``existing`` are those cards."""

    def __init__(self, message: str, existing: list[Customer]) -> None:
        super().__init__(message)
        self.existing = existing


class SharedPhone(DuplicateCustomer):
    """A phone already belongs to ``existing`` cards: a warning. ``may_share``: the employee
    may still save this card on the same phone (call again with ``share_phone=True``)."""

    def __init__(self, message: str, existing: list[Customer], *, may_share: bool) -> None:
        super().__init__(message, existing)
        self.may_share = may_share


def find_duplicates(
    phones: Sequence[str], card: str = "", *, exclude: int | None = None
) -> list[Customer]:
    """Active cards that already have one of ``phones`` (E.164) or ``card``."""
    ids: set[int] = set()
    if phones:
        ids |= {
            row.customer_id
            for row in CustomerPhone.select(CustomerPhone.customer).where(
                CustomerPhone.phone.in_(list(phones))
            )
        }
    if card:
        ids |= {c.id for c in Customer.select(Customer.id).where(Customer.card == card)}
    ids.discard(exclude)  # type: ignore[arg-type]
    if not ids:
        return []
    return list(Customer.select().where(Customer.id.in_(sorted(ids))).order_by(Customer.id))


def check_duplicates(
    data: CardData,
    *,
    by: Employee,
    exclude: int | None = None,
    share_phone: bool = False,
    known_phones: Sequence[str] = (),
) -> list[Customer]:
    """Refuse a card number another card has; warn (:class:`SharedPhone`) about a phone other
    cards have, unless ``share_phone`` (by permission). ``known_phones`` (already on this
    card) are not asked about again. Returns the cards this one now shares a phone with."""
    if data.card:
        holders = find_duplicates([], data.card, exclude=exclude)
        if holders:
            raise DuplicateCustomer(
                _(
                    "Card {card} already belongs to {name}: open that card instead, or merge "
                    "the two."
                ).format(card=data.card, name=holders[0].name),
                holders,
            )
    if not isinstance(share_phone, bool):
        raise ValidationError(_("Share the phone: yes or no."))
    new_phones = [p for p in data.phones if p not in known_phones]
    holders = find_duplicates(new_phones, exclude=exclude) if new_phones else []
    if not holders:
        return []
    if share_phone:
        require(by, Permission.SHARE_PHONE)
        return holders
    first = holders[0]
    may_share = can(by, Permission.SHARE_PHONE)
    whom = ask_whom(Permission.SHARE_PHONE, by)
    if may_share:
        text = _(
            "This phone already belongs to {name} (card {card}): open that card instead, or "
            "save this one on the same phone (a family sharing one phone)."
        )
    elif whom:
        text = _(
            "This phone already belongs to {name} (card {card}): open that card instead. A "
            "family sharing one phone: ask {whom} to add the second card."
        )
    else:
        text = _("This phone already belongs to {name} (card {card}): open that card instead.")
    raise SharedPhone(
        text.format(name=first.name, card=first.card or f"#{first.id}", whom=whom),
        holders,
        may_share=may_share,
    )


def record_shared_phone(
    customer: Customer, shared: Sequence[Customer], *, by: Employee, now: dt.datetime, clock: Clock
) -> None:
    """A card saved on a phone other cards have: a note on the card, and the audit log."""
    if not shared:
        return
    Contact.create(
        customer=customer.id,
        employee=by.id,
        at=now,
        kind="note",
        text=_("Shares a phone with {names} (a family).").format(
            names=", ".join(c.name for c in shared[:10])
        ),
    )
    audit(
        "customer.shared_phone",
        by,
        object_type="customer",
        object_id=customer.id,
        after={"shared_with": [c.id for c in shared]},
        clock=clock,
    )
