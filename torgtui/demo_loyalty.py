"""The demo shop's loyalty: card types with thresholds and customers on each, discounts and
bonuses in the sales history, VIP customers in each mode (one overdue), a wholesale price type
with quantity breaks and a wholesale customer, and an accelerator.

Rules are made through their services (cards, pricerules, accelerators, vip.set_vip); the
history's discounts are written with its receipts (the card step's own rule: a percentage of
each line, rounded per line), and what the history puts on the ledger goes through the real
ledger afterwards, in time order: bonus accruals (``ledger.post``, as the bonus hook posts
them), charges on account (the VIP sale hook itself, ``vip_checkout.on_sale``), and VIP
payments and deposits (``vip_checkout.take_payment`` / ``deposit``, into the day's shift). So
``ledger.check_account`` and ``vip.check`` hold for every account the demo makes.

Bonus accruals last the card type's 180 days: in a six-month history the first days' lapsed
already (``torgtui loyalty expire`` writes them off) and the next week's lapse within the
policy's notice days.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from torgtui.db import database, sql
from torgtui.i18n import _
from torgtui.money import format_money, percent_of, round_kopecks

SHOP_PREFIX = "29"  # the shop's card numbering (settings.customers.card_prefix by default)
BONUS_DAYS = 180
# card type code: (name, kind, weight among the customers)
CARD_TYPES = (
    ("DISCOUNT5", "Дисконтна 5%", "discount", 15),
    ("WELCOME", "Вітальна −10%", "one_time", 10),
    ("GOLD", "Накопичувальна", "accumulative", 35),
    ("BONUS", "Бонусна", "bonus", 30),
)
NO_CARD_WEIGHT = 10
GOLD_THRESHOLDS = ((500_000, Decimal(3)), (1_500_000, Decimal(5)), (3_000_000, Decimal(7)))
BONUS_GROUP = "Косметика"  # earns more on the bonus card
BONUS_PERCENT, GROUP_PERCENT = Decimal(5), Decimal(8)
WHOLESALE_GROUP = "Дитячі товари"
WHOLESALE_MAKERS = (("Малятко", Decimal(5)), ("Веселка", Decimal(3)))


@dataclass(frozen=True)
class Card:
    """A card type as the history applies it."""

    id: int
    code: str
    name: str
    kind: str
    percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class VipPlan:
    """A VIP customer's history: purchases on account and payments, days before today."""

    mode: str
    limit: int
    term: int
    buys: tuple[int, ...]
    pays: tuple[tuple[int, str, str], ...] = ()  # (days back, "cash"|"card", "half"|"item")
    deposits: tuple[tuple[int, int], ...] = ()  # (days back, kopecks in cash)


VIP_PLANS = (
    VipPlan("credit", 3_000_000, 14, buys=(26, 6), pays=((12, "cash", "half"),)),
    VipPlan("account", 500_000, 30, buys=(20, 4), deposits=((25, 1_000_000),)),
    VipPlan("items", 5_000_000, 30, buys=(21, 2), pays=((9, "card", "item"),)),
)


@dataclass
class Charge:
    """A receipt put on a VIP account: replayed through the VIP sale hook."""

    at: dt.datetime
    receipt: int
    customer: int
    employee: int
    shift: int
    amount: int
    lines: list[tuple[int, str, int]]  # (product id, name, line total), by position


@dataclass
class VipMoney:
    at: dt.datetime
    customer: int
    employee: int
    shift: int
    kind: str  # payment, deposit
    tender: str
    amount: int  # 0: the one unpaid item chosen ("item")


@dataclass
class Loyalty:
    """What the history needs to know of the customers' cards, and what it left to post."""

    rng: random.Random
    cards: dict[int, Card] = field(default_factory=dict)  # card type id -> card
    holder: dict[int, int] = field(default_factory=dict)  # customer id -> card type id
    counted: dict[int, int] = field(default_factory=dict)  # accumulative: bought so far
    spent: dict[int, dt.datetime] = field(default_factory=dict)  # one-time cards used
    bonus_groups: set[str] = field(default_factory=set)  # group paths earning more
    earned: list[tuple[dt.datetime, int, int, int, int]] = field(default_factory=list)
    vip: dict[int, VipPlan] = field(default_factory=dict)  # customer id -> plan
    charges: list[Charge] = field(default_factory=list)
    payments: list[VipMoney] = field(default_factory=list)

    # --- card types and who holds them ---------------------------------------------------

    def make_card_types(self, groups: dict[str, int], *, clock: Any) -> None:
        from torgtui.marketing.cards import CardTypeData, save_card_type

        for code, name, kind, _weight in CARD_TYPES:
            data = CardTypeData(code, name, kind)
            if kind == "discount":
                data.percent = Decimal(5)
            elif kind == "one_time":
                data.percent = Decimal(10)
            elif kind == "accumulative":
                data.thresholds = GOLD_THRESHOLDS
            else:
                data.bonus_percent = BONUS_PERCENT
                data.bonus_expiry_days = BONUS_DAYS
                data.group_rates = [(groups[BONUS_GROUP], GROUP_PERCENT)]
            row = save_card_type(data, by=None, clock=clock, system=True)
            self.cards[row.id] = Card(row.id, code, name, kind, data.percent)
        self.bonus_groups = {BONUS_GROUP}

    def assign(self, count: int) -> list[int | None]:
        """A card type (or none) for each of ``count`` customers, in id order."""
        choices: list[int | None] = [*self.cards, None]
        weights = [w for *_rest, w in CARD_TYPES] + [NO_CARD_WEIGHT]
        found = self.rng.choices(choices, weights, k=count)
        for n, type_id in enumerate(found, 1):
            if type_id is not None:
                self.holder[n] = type_id
        return found

    def plan_vip(self, candidates: list[int]) -> None:
        """The first of ``candidates`` (customers known before the history) become VIP."""
        for customer, plan in zip(candidates, VIP_PLANS, strict=False):
            self.vip[customer] = plan

    # --- at a sale and a return ----------------------------------------------------------

    def discount(self, customer: int | None, at: dt.datetime) -> tuple[Decimal, str, str]:
        """(percent, reason, rule) the customer's card gives on this purchase (0: none)."""
        card = self.cards.get(self.holder.get(customer or 0, 0))
        if card is None or card.kind == "bonus":
            return Decimal(0), "", ""
        if card.kind == "one_time":
            if customer in self.spent:
                return Decimal(0), "", ""
            self.spent[customer] = at  # type: ignore[index]
        if card.kind == "accumulative":
            counted = self.counted.get(customer, 0)  # type: ignore[arg-type]
            reached = [t for t in GOLD_THRESHOLDS if counted >= t[0]]
            if not reached:
                return Decimal(0), "", ""
            amount, percent = reached[-1]
            reason = _("Card {name} {percent}% (from {amount})").replace(
                "{amount}", format_money(amount)
            )
            return percent, reason.format(name=card.name, percent=percent), card.code
        text = _("Card {name} {percent}%").format(name=card.name, percent=card.percent)
        return card.percent, text, card.code

    def card_off(self, percent: Decimal, line_total: int) -> int:
        return percent_of(line_total, percent) if percent else 0

    def earns(self, customer: int | None) -> bool:
        card = self.cards.get(self.holder.get(customer or 0, 0))
        return card is not None and card.kind == "bonus"

    def earn(self, group_path: str, line_total: int) -> int:
        """What a line earns on the bonus card: its group's rate (subgroups too) or 5%."""
        top = group_path.split("/", 1)[0]
        percent = GROUP_PERCENT if top in self.bonus_groups else BONUS_PERCENT
        return round_kopecks(Decimal(max(line_total, 0)) * percent / 100)

    def bought(self, customer: int | None, total: int) -> None:
        if customer is not None and customer in self.holder:
            self.counted[customer] = self.counted.get(customer, 0) + total

    # --- after the rows are written --------------------------------------------------------

    def post(self, manager: int, setup: dt.datetime, customers: int) -> None:
        """Put the history on the ledger (in time order) and the cards' state on the rows."""
        from torgtui.marketing import bonuses, ledger, vip

        for customer, at in self.spent.items():
            database.execute_sql(
                sql('UPDATE "customer" SET "card_spent_at" = ? WHERE "id" = ?'),
                (_stamp(at), customer),
            )
        events: list[tuple[dt.datetime, int, object]] = []
        events += [(e[0], 0, e) for e in self.earned]
        events += [(c.at, 1, c) for c in self.charges]
        events += [(p.at, 2, p) for p in self.payments]
        events.sort(key=lambda e: (e[0], e[1]))
        for customer, plan in self.vip.items():
            vip.set_vip(
                customer,
                plan.mode,
                limit=plan.limit,
                term_days=plan.term,
                by=_employee(manager),
                clock=lambda: setup,
            )
        accounts: dict[int, int] = {}
        for at, _order, event in events:
            if isinstance(event, tuple):
                _at, receipt, customer, employee, amount = event
                if customer not in accounts:
                    accounts[customer] = bonuses.account_of(customer, at)
                ledger.post(
                    accounts[customer],
                    amount,
                    "earn",
                    now=at,
                    receipt_id=receipt,
                    employee_id=employee,
                    expires_at=at + dt.timedelta(days=BONUS_DAYS),
                )
            elif isinstance(event, Charge):
                _charge(event)
            else:
                _pay(event, self.rng)  # type: ignore[arg-type]
        database.execute_sql(
            sql('INSERT INTO "setting" ("key", "value") VALUES (?, ?)'),
            (f"cards.next_number.{SHOP_PREFIX}", str(customers + 1)),
        )


def _stamp(moment: dt.datetime) -> object:
    from torgtui.db import is_sqlite

    return str(moment) if is_sqlite() else moment


def _employee(employee_id: int) -> Any:
    from torgtui.models import Employee

    return Employee.get_by_id(employee_id)


def _charge(c: Charge) -> None:
    """The VIP sale hook, as the checkout calls it, for a receipt of the history."""
    from torgtui.marketing import vip_checkout
    from torgtui.models import Shift
    from torgtui.sales.basket import Basket, BasketLine
    from torgtui.sales.extensions import SaleEvent

    lines = [
        BasketLine(product_id=pid, sku="", name=name, qty=1000, unit_price=total)
        for pid, name, total in c.lines
    ]
    paid_by_card = sum(total for *_rest, total in c.lines) - c.amount
    payments = [("credit", c.amount, 0)] + ([("card", paid_by_card, 0)] if paid_by_card else [])
    event = SaleEvent(
        receipt_id=c.receipt,
        uuid=str(uuid.UUID(int=c.receipt)),
        basket=Basket(lines=lines, customer_id=c.customer, at=c.at),
        ctx=None,  # type: ignore[arg-type]  # the VIP hook does not read the pricing context
        payments=payments,
        employee=_employee(c.employee),
        shift=Shift.get_by_id(c.shift),
        now=c.at,
    )
    vip_checkout.on_sale(event)


def _pay(p: VipMoney, rng: random.Random) -> None:
    """A payment or deposit of the history, through the VIP service, into its day's shift
    (open again for the call: the service takes money only into an open shift)."""
    from torgtui.marketing import ledger, vip_checkout
    from torgtui.models import Shift

    account = ledger.find_account(ledger.Kind.VIP, "customer", p.customer)
    items: list[int] = []
    amount = p.amount
    if not amount and account is not None:  # the one item the customer chose to pay
        debts = ledger.open_items(account, -1)
        chosen = max(debts, key=lambda i: (i.amount, -i.entry_id))
        items, amount = [chosen.entry_id], chosen.amount
    shift_status = 'UPDATE "shift" SET "status" = ? WHERE "id" = ?'
    database.execute_sql(sql(shift_status), ("open", p.shift))
    take = vip_checkout.deposit if p.kind == "deposit" else vip_checkout.take_payment
    extra: dict[str, Any] = {"items": items} if p.kind == "payment" else {}
    take(
        p.customer,
        amount,
        p.tender,
        uuid=str(uuid.UUID(int=rng.getrandbits(128))),
        by=_employee(p.employee),
        shift=Shift.get_by_id(p.shift),
        clock=lambda: p.at,
        fiscal=False,
        **extra,
    )
    database.execute_sql(sql(shift_status), ("closed", p.shift))


def price_policy(
    *,
    groups: dict[str, int],
    makers: dict[str, int],
    items: list[Any],
    wholesale_customer: int | None,
    setup: dt.datetime,
    today: dt.date,
) -> None:
    """A wholesale price type (the children's goods at 85% of retail), quantity breaks
    (from 10 units 5% off, from 50 units 10% off, in that type), a wholesale customer with
    manufacturer discounts, and an accelerator (a dress lifts the accumulative card to its
    15 000 threshold)."""
    from torgtui.marketing import accelerators, pricerules
    from torgtui.marketing.accelerators import AcceleratorData
    from torgtui.marketing.pricerules import PriceTypeData, QtyBreakData

    clock = lambda: setup  # noqa: E731
    pricerules.save_price_type(
        PriceTypeData("WHOLESALE", "Оптова"), by=None, clock=clock, system=True
    )
    prices = {
        item.id: item.price * 85 // 100
        for item in items
        if item.group.startswith(WHOLESALE_GROUP) and not item.weighed
    }
    pricerules.set_type_prices("WHOLESALE", prices, by=None, clock=clock, system=True)
    group = groups[WHOLESALE_GROUP]
    for code, qty, percent in (("WS-10", 10_000, Decimal(5)), ("WS-50", 50_000, Decimal(10))):
        pricerules.save_qty_break(
            QtyBreakData(code, qty, group_id=group, price_type="WHOLESALE", percent=percent),
            by=None,
            clock=clock,
            system=True,
        )
    if wholesale_customer is not None:
        pricerules.set_customer_price_type(
            wholesale_customer, "WHOLESALE", by=None, clock=clock, system=True
        )
        for maker, percent in WHOLESALE_MAKERS:
            pricerules.set_manufacturer_discount(
                wholesale_customer, makers[maker], percent, by=None, clock=clock, system=True
            )
    dresses = next(path for path in groups if path.endswith("/Сукні"))
    morning = dt.datetime.combine(today, dt.time(8))
    accelerators.save_accelerator(
        AcceleratorData("DRESS-GOLD", "tier", "GOLD", group=groups[dresses], threshold=1_500_000),
        by=None,
        clock=lambda: morning,
        system=True,
    )
