"""Who is calling: what the incoming-call popup and Binotel's apiCallSettings answer show
about the customer whose card has the caller's number.

:func:`caller_info` reads it in a handful of indexed queries (the phone index, the bonus and
VIP accounts, the customer's last receipts), so the popup can show within 300 ms of the
webhook on a base of a million cards (``python -m bench calls``). :func:`description` is the
short text Binotel shows the employee on their phone's screen or in its web cabinet.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from torgtui.clock import Clock, system_clock
from torgtui.i18n import _
from torgtui.models import Customer, CustomerPhone, Receipt, ReceiptLine
from torgtui.money import format_money

LAST_PURCHASES = 3
MAX_SHARED = 20


@dataclass(frozen=True)
class Purchase:
    at: dt.datetime
    total: int  # kopecks
    goods: str  # the first lines' names


@dataclass(frozen=True)
class CallerInfo:
    """What is known about a number: ``customer_id`` None when no active card has it."""

    number: str  # E.164
    customer_id: int | None = None
    name: str = ""
    card: str = ""
    bonus_balance: int = 0  # kopecks
    debt: int = 0  # VIP debt, kopecks
    overdue: int = 0  # of that, past the term
    attention: bool = False
    attention_note: str = ""
    other_cards: int = 0  # more active cards on this phone (a family)
    last_purchases: tuple[Purchase, ...] = field(default_factory=tuple)

    @property
    def known(self) -> bool:
        return self.customer_id is not None


def _card_on(number: str) -> tuple[Customer | None, int]:
    """The active card with this phone (its main phone first, then the latest visit) and how
    many other active cards have it."""
    ids = CustomerPhone.select(CustomerPhone.customer).where(CustomerPhone.phone == number)
    rows = list(
        Customer.select()
        .where(Customer.id.in_(ids) & (Customer.status == "active"))
        .order_by(Customer.id)
        .limit(MAX_SHARED)
    )
    if not rows:
        return None, 0
    rows.sort(key=lambda c: c.last_visit or dt.datetime.min, reverse=True)
    rows.sort(key=lambda c: c.phone != number)
    return rows[0], len(rows) - 1


def _purchases(customer_id: int) -> tuple[Purchase, ...]:
    receipts = list(
        Receipt.select(Receipt.id, Receipt.created_at, Receipt.total)
        .where(
            (Receipt.customer == customer_id)
            & (Receipt.kind == "sale")
            & (Receipt.status == "closed")
        )
        .order_by(Receipt.created_at.desc(), Receipt.id.desc())
        .limit(LAST_PURCHASES)
    )
    if not receipts:
        return ()
    names: dict[int, list[str]] = {r.id: [] for r in receipts}
    for receipt_id, name in (
        ReceiptLine.select(ReceiptLine.receipt, ReceiptLine.name)
        .where(ReceiptLine.receipt.in_(list(names)))
        .order_by(ReceiptLine.receipt, ReceiptLine.position)
        .tuples()
    ):
        names[receipt_id].append(name)
    out = []
    for r in receipts:
        goods = names[r.id]
        text = ", ".join(goods[:2]) + (
            _(" and {n} more").format(n=len(goods) - 2) if len(goods) > 2 else ""
        )
        out.append(Purchase(r.created_at, r.total, text))
    return tuple(out)


def caller_info(number: str, *, clock: Clock = system_clock) -> CallerInfo:
    """What the popup shows for ``number`` (E.164)."""
    from torgtui.marketing import bonuses, vip

    customer, others = _card_on(number)
    if customer is None:
        return CallerInfo(number)
    state = vip.state_of(customer.id, clock())
    return CallerInfo(
        number=number,
        customer_id=customer.id,
        name=customer.name,
        card=customer.card or "",
        bonus_balance=bonuses.balance_of(customer.id),
        debt=state.debt if state is not None else 0,
        overdue=state.overdue if state is not None else 0,
        attention=bool(customer.attention),
        attention_note=customer.attention_note or "",
        other_cards=others,
        last_purchases=_purchases(customer.id),
    )


def description(info: CallerInfo) -> str:
    """A few words for Binotel's customerData.description: card, bonuses, debt, Attention."""
    if not info.known:
        return ""
    parts = [_("card {card}").format(card=info.card) if info.card else _("no card number")]
    parts.append(_("bonuses {amount}").format(amount=format_money(info.bonus_balance)))
    if info.debt:
        parts.append(_("debt {amount}").format(amount=format_money(info.debt)))
    if info.overdue:
        parts.append(_("overdue {amount}").format(amount=format_money(info.overdue)))
    if info.attention:
        note = (
            info.attention_note.strip().splitlines()[0][:60] if info.attention_note.strip() else ""
        )
        parts.append(_("ATTENTION: {note}").format(note=note) if note else _("ATTENTION"))
    return "; ".join(parts)
