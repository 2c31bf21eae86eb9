"""The demo shop's Refer a Friend (issue 12): three regular customers with campaigns (a fixed
bonus; a percentage with a maximum and a minimum purchase; a percentage on one product group),
some of their codes used by new customers' first purchases, and one of those purchases partly
returned, so the cards, the bonus movement and the Refer a Friend tab have something to show.

Everything goes through the services: ``referral.create_campaign``, ``create_customer`` for the
friends, the register (``Register.enter`` of the goods and the code) and ``commit_sale`` in a
short shift of its own yesterday evening after the history's last receipt, or after the last
receipt another part of the demo wrote (so call it last; opened and closed by
``open_shift``/``close_shift``, not fiscal), so receipt numbers stay in the order of time;
``commit_return``. Call :func:`build` once the shop is built (torgtui.demo).

Codes are drawn from a generator seeded from the demo's seed while the demo makes them (as
torgtui.demo_promotions does), so the same seed gives the same codes; they are a demo's codes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import peewee

from torgtui.models import (
    Barcode,
    Customer,
    Employee,
    Location,
    Product,
    Receipt,
    ReceiptLine,
)

REGISTER = "till-1"
FRIENDS = 5  # friends who came with a code (2 + 2 + 1 of the campaigns below)


class _Draws:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def choice(self, seq: Any) -> Any:
        return self.rng.choice(seq)

    def randbelow(self, n: int) -> int:
        return self.rng.randrange(n)


@contextlib.contextmanager
def _seeded(rng: random.Random) -> Iterator[None]:
    from torgtui.marketing import referral

    real = referral.secrets
    referral.secrets = _Draws(rng)  # type: ignore[assignment]
    try:
        yield
    finally:
        referral.secrets = real


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def _staff() -> tuple[Employee, Employee] | None:
    def first(*roles: str) -> Employee | None:
        return (
            Employee.select()
            .where(Employee.role.in_(roles) & Employee.active)
            .order_by(Employee.id)
            .first()
        )

    manager, cashier = first("manager", "owner"), first("cashier", "senior_cashier")
    return (manager, cashier) if manager is not None and cashier is not None else None


def _goods() -> list[tuple[str, int | None]]:
    """(barcode, group id) of piece goods from 150.00 to 2 500.00 ₴ at twice their cost or more
    (the friends' baskets: never below cost with a promotion and the friend's discount)."""
    rows = (
        Product.select(Barcode.code, Product.group)
        .join(Barcode, on=(Barcode.product == Product.id))
        .where(
            Product.active
            & ~Product.weighed
            & (Product.price >= 15000)
            & (Product.price <= 250000)
            & (Product.price >= Product.cost * 2)  # room for promotions and the friend's %
        )
        .order_by(Product.id)
        .limit(400)
        .tuples()
    )
    seen: set[str] = set()
    out = []
    for code, group in rows:
        if code not in seen:
            seen.add(code)
            out.append((code, group))
    return out


def build(today: dt.date, seed: int) -> None:
    """Campaigns, friends' purchases with their codes, the referrers' bonuses, one return."""
    from torgtui.marketing import referral
    from torgtui.marketing.referral import CampaignTerms
    from torgtui.sales.checkout import Tender, commit_sale
    from torgtui.sales.register import Register
    from torgtui.sales.returns import commit_return
    from torgtui.sales.shifts import close_shift, open_shift

    rng = random.Random(seed * 7919 + 21)
    people = _staff()
    location = Location.select().order_by(Location.id).first()
    goods = _goods()
    referrers = list(
        Customer.select()
        .where(
            (Customer.status == "active")
            & Customer.card.is_null(False)
            & (Customer.receipts_count > 2)
        )
        .order_by(Customer.total_bought.desc(), Customer.id)
        .limit(3)
    )
    # the friends: customers with a card who have bought nothing yet (their first purchase
    # is the friend's), so the demo keeps the number of customers it was asked for
    newcomers = list(
        Customer.select()
        .where(
            (Customer.status == "active")
            & Customer.card.is_null(False)
            & (Customer.receipts_count == 0)
            & Customer.id.not_in([r.id for r in referrers] or [0])
        )
        .order_by(Customer.id)
        .limit(FRIENDS)
    )
    if (
        people is None
        or location is None
        or len(goods) < 5
        or len(referrers) < 3
        or len(newcomers) < FRIENDS
    ):
        return  # a shop too small for the story (a demo with few customers)
    manager, cashier = people
    issued = today - dt.timedelta(days=30)
    grouped = [g for _c, g in goods if g is not None]
    group = max(set(grouped), key=lambda g: (grouped.count(g), -g)) if grouped else None
    plans = [
        (CampaignTerms(issued, 90, Decimal(10), "fixed", bonus_amount=10000, codes=3), 2),
        (
            CampaignTerms(
                issued,
                60,
                Decimal(15),
                "percent_max",
                bonus_percent=Decimal(5),
                bonus_max=15000,
                min_purchase=50000,
                codes=4,
            ),
            2,
        ),
        (
            CampaignTerms(
                issued,
                90,
                Decimal(10),
                "percent",
                bonus_percent=Decimal(7),
                group_id=group,
                codes=2,
            ),
            1,
        ),
    ]
    made = []
    with _seeded(rng):
        for who, (terms, _used) in zip(referrers, plans, strict=True):
            made.append(
                referral.create_campaign(
                    who.id, terms, by=manager, clock=lambda: _at(issued, 10)
                ).codes
            )
    friends = iter(newcomers)
    # yesterday evening, after the history's last receipt (it closes at 20:00), or after
    # whatever another part of the demo sold later, in a shift of its own: receipt numbers stay
    # in the order of time (call this last)
    evening = _at(today - dt.timedelta(days=1), 20, 5)
    last = Receipt.select(peewee.fn.MAX(Receipt.created_at)).scalar()
    if last is not None:
        last = last if isinstance(last, dt.datetime) else dt.datetime.fromisoformat(str(last))
        evening = max(evening, last.replace(second=0, microsecond=0) + dt.timedelta(minutes=5))
    shift = open_shift(cashier, REGISTER, location, 0, clock=lambda: evening, fiscal=False)
    first = None
    minute = 0
    for n, (codes, (terms, used)) in enumerate(zip(made, plans, strict=True)):
        for k, code in enumerate(codes[:used]):
            minute += 5
            at = evening + dt.timedelta(minutes=minute)
            friend = next(friends)
            clock = lambda at=at: at + dt.timedelta(minutes=2)  # noqa: E731
            reg = Register(cashier, register=REGISTER, location_id=location.id, clock=clock)
            reg.attach_customer(friend)
            wanted = [c for c, g in goods if terms.group_id is None or g == terms.group_id]
            for barcode in rng.sample(wanted, k=min(len(wanted), 2 + (n + k) % 2)):
                reg.enter(barcode)
            reg.enter(code)
            receipt = commit_sale(
                reg.basket,
                [Tender("card", reg.priced().total)],
                uuid=reg.uuid,
                employee=cashier,
                shift=shift,
                cash_step=10,
                clock=clock,
                fiscal=False,
            )
            reg.forget()
            first = first or receipt
    if first is not None:  # the first friend comes back for one thing before closing
        back_at = evening + dt.timedelta(minutes=minute + 5)
        line = ReceiptLine.select().where(ReceiptLine.receipt == first.id).first()
        commit_return(
            first,
            {line.id: line.qty},
            uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            employee=cashier,
            shift=shift,
            cash_step=10,
            clock=lambda: back_at,
            fiscal=False,
        )
    close_shift(shift, cashier, clock=lambda: evening + dt.timedelta(minutes=minute + 10),
                fiscal=False)  # fmt: skip


__all__ = ["build"]
