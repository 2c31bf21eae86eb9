"""The demo shop's promotions (issue 9, section 9): running promotions of every kind, one that
ended with its discounts in the sales history, one planned for next week, promo code batches
for a flyer and for Instagram (some codes used in the history), two sets and three pre-orders.

Everything is made through the real services (``promotions.save_promotion``,
``codes.save_batch`` / ``generate_codes`` / ``codes_sale.spend``, ``bundles.save_bundle``,
``preorders.create`` / ``take_prepayment`` / ``reserve``), after the history is written.

**The history.** The bulk-written history (torgtui.demo) asks :class:`History` for each sale:
on the days of the ended promotion (:data:`ENDED`) and, for the receipts that used a promo
code, of the code promotion (:data:`CODE`), each covered line gets the promotion's percentage
of what the line costs at that point, rounded per line, written as the promotions step writes
it at checkout: an adjustment ``step="promotion"``, ``rule=<promotion code>``, ``reason="<name>:
<what it gives>"`` before the card's (the card's discount then applies on what the promotion
left, as ``with_card="on_top"`` does). The uses of the codes are spent afterwards through
``codes_sale.spend`` with their receipts, as the sale hook spends them. The promotions that run
now start today (their launch day), so the history before today owes them nothing.

**Determinism.** Its choices come from a ``random.Random`` of its own, seeded from the demo's
seed, so the rest of the history is drawn as before. Promo codes are made by
``codes.generate_codes``, which draws with :mod:`secrets`; while the demo makes them it draws
from that seeded generator instead (:func:`_seeded_codes`), so the same seed gives the same
codes. These are a demo's codes, printed in a demo: they need not be secret.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from torgtui.models import Employee, LineAdjustment, Shift
from torgtui.money import percent_of

ENDED = "TOYS-20"  # the promotion that ended, with its history
CODE = "PROMO-10"  # the promotion promo codes activate
PLANNED = "SWEATERS-25"
SECOND = "LIPS-2ND"
SETS = ("SET-FACE", "SET-BABY")
FLYER_BATCH, INSTA_BATCH = "FLYER-1", "INSTA"
FLYER_CHANNEL, INSTA_CHANNEL = "Листівка", "Instagram"
INSTA_CODE = "KVITKA10"
FLYER_CODES = 300
ENDED_DAYS = (28, 15)  # it ran from 28 to 15 days before today, both included
CODE_DAYS = 13  # the code promotion started 13 days ago
FLYER_SHARE, INSTA_SHARE = 0.05, 0.06  # of receipts in its days (Instagram: of card holders)
LIFT_SHARE = 0.12  # of the ended promotion's receipts take one more of its goods


@dataclass(frozen=True)
class _Rule:
    """A promotion as the history applies it: a percentage on the lines of some groups."""

    code: str
    percent: Decimal
    reason: str
    paths: tuple[str, ...]  # group paths (their subgroups too); (): all goods
    first: dt.date
    last: dt.date
    by_code: bool

    def covers(self, group: str) -> bool:
        return not self.paths or any(group == p or group.startswith(p + "/") for p in self.paths)


@dataclass(frozen=True)
class Use:
    """A promo code used on a receipt of the history (spent after the rows are written)."""

    receipt: int
    customer: int | None
    at: dt.datetime
    channel: str


@dataclass
class _Offer:
    """What one receipt of the history gets from the promotions."""

    history: History
    receipt: int
    at: dt.datetime
    customer: int | None
    channel: str
    rules: list[_Rule]
    used: bool = False

    def line_off(self, line: int, group: str, subtotal: int) -> int:
        """The promotions' discount on line ``line`` (its adjustments queued); the card's
        applies after, on what is left."""
        left = subtotal
        for rule in self.rules:
            if not rule.covers(group):
                continue
            amount = percent_of(left, rule.percent)
            if amount <= 0:
                continue
            self.history.rows.add(
                LineAdjustment, line, "promotion", rule.code, rule.reason, amount, None
            )
            left -= amount
            if rule.by_code and not self.used:
                self.used = True
                self.history.uses.append(Use(self.receipt, self.customer, self.at, self.channel))
                if self.channel == INSTA_CHANNEL:
                    self.history.insta_customers.add(self.customer)  # type: ignore[arg-type]
        return subtotal - left


@dataclass
class History:
    """The promotions the history's receipts carry; :meth:`plan` before the days are drawn."""

    rows: Any  # torgtui.demo._Rows
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    rules: list[_Rule] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # code -> PromotionData
    uses: list[Use] = field(default_factory=list)
    insta_customers: set[int] = field(default_factory=set)
    lifted: list[int] = field(default_factory=list)  # the ended promotion's goods (indexes)
    lift_days: tuple[dt.date, dt.date] = (dt.date.min, dt.date.min)

    def plan(self, seed: int, groups: dict[str, int], items: list[Any], today: dt.date) -> None:
        from torgtui.marketing.promotions import words

        self.rng = random.Random(f"demo-promotions-{seed}")
        for data in _history_promotions(groups, today):
            self.data[data.code] = data
            paths = tuple(
                p for p, gid in groups.items() if any(t.group_id == gid for t in data.targets)
            )
            self.rules.append(
                _Rule(
                    data.code,
                    data.percent,
                    words.reason(data),
                    paths,
                    data.starts_on,
                    min(data.ends_on, today - dt.timedelta(days=1)),
                    data.requires_code,
                )
            )
        ended = next(r for r in self.rules if r.code == ENDED)
        self.lift_days = (ended.first, ended.last)
        self.lifted = [n for n, it in enumerate(items) if ended.covers(it.group) and not it.weighed]

    def lift(self, at: dt.datetime) -> list[int]:
        """Goods a promotion in force adds to a sale (indexes into the catalog): on the ended
        promotion's days some customers take a toy they would not have, so its real result
        shows more receipts and units than the weeks before."""
        if not self.lifted or not self.lift_days[0] <= at.date() <= self.lift_days[1]:
            return []
        if self.rng.random() >= LIFT_SHARE:
            return []
        return [self.rng.choice(self.lifted)]

    def offer(
        self, receipt: int, at: dt.datetime, customer: int | None, on_account: bool
    ) -> _Offer | None:
        """The promotions of receipt ``receipt`` (None: none): those of its day, and the code
        promotion when this receipt used a flyer's or Instagram's code."""
        day = at.date()
        rules, channel = [], ""
        for rule in self.rules:
            if not rule.first <= day <= rule.last:
                continue
            if not rule.by_code:
                rules.append(rule)
                continue
            if on_account:
                continue
            roll = self.rng.random()
            if roll < INSTA_SHARE:
                if customer is None or customer in self.insta_customers:
                    continue
                channel = INSTA_CHANNEL
            elif roll < INSTA_SHARE + FLYER_SHARE:
                channel = FLYER_CHANNEL
            else:
                continue
            rules.append(rule)
        if not rules:
            return None
        return _Offer(self, receipt, at, customer, channel, rules)


def _group(groups: dict[str, int], path: str) -> Any:
    from torgtui.marketing.promotions import Target

    return Target(group_id=groups[path])


def _history_promotions(groups: dict[str, int], today: dt.date) -> list[Any]:
    from torgtui.marketing.promotions import PromotionData, Target

    day = dt.timedelta(days=1)
    return [
        PromotionData(
            ENDED,
            "Тиждень іграшок −20%",
            starts_on=today - ENDED_DAYS[0] * day,
            ends_on=today - ENDED_DAYS[1] * day,
            targets=(_group(groups, "Дитячі товари/Іграшки"),),
            percent=Decimal(20),
            priority=10,
        ),
        PromotionData(
            CODE,
            "Промокод −10%",
            starts_on=today - CODE_DAYS * day,
            ends_on=today + 30 * day,
            targets=(Target(),),
            percent=Decimal(10),
            requires_code=True,
        ),
    ]


def _products(items: list[Any], start: str, group: str = "") -> list[Any]:
    """The catalog's items whose name starts with ``start`` (in ``group``), cheapest first."""
    found = [
        it
        for it in items
        if it.name.startswith(start) and (not group or it.group.startswith(group))
    ]
    return sorted(found, key=lambda it: (it.price, it.id))


def _running(groups: dict[str, int], items: list[Any], location: int, today: dt.date) -> list[Any]:
    """The promotions that run from today (and the planned one, from next Monday)."""
    from torgtui.marketing.promotions import PromotionData, Target

    day = dt.timedelta(days=1)
    socks = [Target(product_id=it.id) for it in _products(items, "Шкарпетки")]
    shampoo = [Target(product_id=it.id) for it in _products(items, "Шампунь")]
    balm = [Target(product_id=it.id) for it in _products(items, "Бальзам")]
    monday = today + (7 - today.weekday()) * day
    return [
        PromotionData(
            SECOND,
            "Друга помада −50%",
            starts_on=today,
            ends_on=today + 27 * day,
            targets=(_group(groups, "Косметика/Декоративна/Губи"),),
            mechanic="nth",
            n=2,
            of="product",
            percent=Decimal(50),
            stacking="exclusive",
            priority=20,
            with_card="replaces",
        ),
        PromotionData(
            "HAPPY-HOURS",
            "Щасливі години −10%",
            starts_on=today,
            weekdays=(0, 1, 2, 3, 4),
            hours=(600, 720),
            locations=(location,),
            targets=(_group(groups, "Одяг/Жіночий"),),
            percent=Decimal(10),
            priority=10,
        ),
        PromotionData(
            "KIDS-15",
            "Дитячий одяг −15%",
            starts_on=today,
            ends_on=today + 13 * day,
            targets=(_group(groups, "Дитячі товари/Дитячий одяг"),),
            percent=Decimal(15),
            priority=10,
        ),
        PromotionData(
            "SOCKS-3FOR2",
            "3 пари шкарпеток за ціною 2",
            starts_on=today,
            targets=tuple(socks) or (_group(groups, "Одяг/Шкарпетки та білизна"),),
            mechanic="nth",
            n=3,
            of="set",
            percent=Decimal(100),
            stacking="exclusive",
            priority=20,
        ),
        PromotionData(
            "HAIR-1PLUS1",
            "Шампунь + бальзам за пів ціни",
            starts_on=today,
            ends_on=today + 20 * day,
            targets=tuple(shampoo) or (_group(groups, "Косметика/Догляд за волоссям"),),
            mechanic="buy_get",
            buy=1,
            get=1,
            get_targets=tuple(balm),
            percent=Decimal(50),
            priority=10,
        ),
        PromotionData(
            "FACE-BONUS",
            "Креми: 10% бонусами",
            starts_on=today,
            customers="card",
            targets=(_group(groups, "Косметика/Догляд за обличчям/Креми та сироватки"),),
            reward="bonus_percent",
            percent=Decimal(10),
        ),
        PromotionData(
            "FROM-2000",
            "Від 2000 ₴ −5% (до 300 ₴)",
            starts_on=today,
            targets=(Target(),),
            min_total=200_000,
            total_of="receipt",
            total_basis="after",
            percent=Decimal(5),
            on="receipt",
            cap=30_000,
            priority=-10,
        ),
        PromotionData(
            "BIRTHDAY",
            "З днем народження! −15%",
            starts_on=today,
            targets=(Target(),),
            birthday="both",
            birthday_before=3,
            birthday_after=3,
            percent=Decimal(15),
            cap=50_000,
            festive=True,
            priority=5,
        ),
        PromotionData(
            "LUCKY-50",
            "Кожен 50-й чек дня −20%",
            starts_on=today,
            targets=(Target(),),
            nth_receipt=50,
            nth_period="day",
            percent=Decimal(20),
            cap=100_000,
            festive=True,
            priority=5,
        ),
        PromotionData(
            PLANNED,
            "Зимовий розпродаж светрів −25%",
            starts_on=monday,
            ends_on=monday + 13 * day,
            targets=(_group(groups, "Одяг/Жіночий/Светри та кардигани"),),
            percent=Decimal(25),
            priority=10,
        ),
    ]


class _Draws:
    """Stands in for :mod:`secrets` while the demo makes its codes (see the module doc)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def randbelow(self, n: int) -> int:
        return self.rng.randrange(n)

    def choice(self, seq: Any) -> Any:
        return self.rng.choice(seq)


@contextlib.contextmanager
def _seeded_codes(rng: random.Random) -> Iterator[None]:
    from torgtui.marketing import codes_make

    real = codes_make.secrets
    codes_make.secrets = _Draws(rng)  # type: ignore[assignment]
    try:
        yield
    finally:
        codes_make.secrets = real


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def build(
    history: History,
    *,
    staff: dict[Any, int],
    location: int,
    items: list[Any],
    groups: dict[str, int],
    customers: int,
    today: dt.date,
) -> None:
    """Save the promotions, sets, code batches (spending the history's uses) and pre-orders."""
    from torgtui.marketing.promotions import save_promotion
    from torgtui.staff import Role

    manager = Employee.get_by_id(staff[Role.MANAGER])
    cashier = Employee.get_by_id(staff[Role.CASHIER])
    day = dt.timedelta(days=1)
    for data in history.data.values():  # made the day before each started
        save_promotion(data, by=manager, clock=lambda d=data: _at(d.starts_on - day, 18))
    morning = _at(today, 8)
    for data in _running(groups, items, location, today):
        save_promotion(data, by=manager, clock=lambda: morning)
    _sets(items, manager, morning, today)
    _codes(history, manager, today)
    if customers >= 3:
        _preorders(history.rng, cashier, manager, location, items, customers, today)


def _sets(items: list[Any], manager: Employee, morning: dt.datetime, today: dt.date) -> None:
    from torgtui.marketing.bundles import BundleData, BundlePartData, save_bundle

    for code, name, kinds in (
        (
            SETS[0],
            "Набір «Чисте обличчя»",
            ("Гель для вмивання", "Тонік для обличчя", "Крем для обличчя зволожувальний"),
        ),
        (SETS[1], "Набір для малюка", ("Підгузки", "Вологі серветки дитячі")),
    ):
        parts = [found[0] for kind in kinds if (found := _products(items, kind))]
        if len(parts) < 2:
            continue
        total = sum(it.price for it in parts)
        price = total * 85 // 100 // 100 * 100  # whole hryvnias, about 15% off
        save_bundle(
            BundleData(
                code,
                name,
                price,
                [BundlePartData(it.id, 1000) for it in parts],
                valid_from=today,
            ),
            by=manager,
            clock=lambda: morning,
        )


def _codes(history: History, manager: Employee, today: dt.date) -> None:
    """The flyer's EAN-13 codes (single use) and Instagram's one code (once per customer);
    the history's uses spent as the sale hook spends them, in time order."""
    from torgtui.marketing import codes, codes_sale
    from torgtui.models.promotions import Promotion

    data = history.data[CODE]
    promotion = Promotion.get(Promotion.code == CODE).id
    made = _at(data.starts_on - dt.timedelta(days=1), 18, 30)
    common = dict(
        promotion_id=promotion,
        valid_from=data.starts_on,
        valid_until=data.ends_on,
    )
    codes.save_batch(
        codes.BatchData(
            FLYER_BATCH,
            "Листівки біля метро «Контрактова площа»",
            channel=FLYER_CHANNEL,
            style="ean13",
            uses_per_code=1,
            note="Наклад 300 листівок, штрихкод на звороті",
            **common,
        ),
        by=manager,
        clock=lambda: made,
    )
    with _seeded_codes(history.rng):
        flyer = codes.generate_codes(FLYER_BATCH, FLYER_CODES, by=manager, clock=lambda: made)
    codes.save_batch(
        codes.BatchData(
            INSTA_BATCH,
            "Instagram-сторіс: KVITKA10",
            channel=INSTA_CHANNEL,
            style="given",
            given=INSTA_CODE,
            uses_per_code=10_000,
            per_customer=1,
            **common,
        ),
        by=manager,
        clock=lambda: made,
    )
    given = iter(flyer)
    for use in sorted(history.uses, key=lambda u: (u.at, u.receipt)):
        code = INSTA_CODE if use.channel == INSTA_CHANNEL else next(given)
        state = codes_sale.load_states([code])[code]
        codes_sale.spend(state, receipt_id=use.receipt, customer_id=use.customer, now=use.at)


def _shift_of(day: dt.date) -> Shift:
    return Shift.get(
        (Shift.opened_at >= _at(day, 0)) & (Shift.opened_at < _at(day + dt.timedelta(days=1), 0))
    )


def _prepay(
    preorder: int, amount: int, tender: str, cashier: Employee, at: dt.datetime, rng: random.Random
) -> None:
    """A prepayment into its day's shift (open again for the call, as the loyalty part's VIP
    payments are: the service takes money only into an open shift)."""
    from torgtui.db import database, sql
    from torgtui.marketing import preorders

    shift = _shift_of(at.date())
    status = 'UPDATE "shift" SET "status" = ? WHERE "id" = ?'
    database.execute_sql(sql(status), ("open", shift.id))
    preorders.take_prepayment(
        preorder,
        amount,
        tender,
        uuid=str(uuid.UUID(int=rng.getrandbits(128))),
        by=cashier,
        shift=Shift.get_by_id(shift.id),
        clock=lambda: at,
        fiscal=False,
    )
    database.execute_sql(sql(status), ("closed", shift.id))


def _preorders(
    rng: random.Random,
    cashier: Employee,
    manager: Employee,
    location: int,
    items: list[Any],
    customers: int,
    today: dt.date,
) -> None:
    """Three pre-orders: one waiting for its goods, one prepaid in part, one prepaid whole
    with its goods held (ready to collect); prices agreed a little below the catalog's."""
    from torgtui.marketing import preorders
    from torgtui.marketing.preorders import OrderLine

    day = dt.timedelta(days=1)
    who = rng.sample(range(1, customers + 1), 3)

    def agreed(item: Any) -> int:
        return max(item.price * 90 // 100 // 100 * 100, item.cost)

    dress = _products(items, "Сукня максі") or _products(items, "Сукня")
    toys = _products(items, "Конструктор")[-1:] + _products(items, "М'яка іграшка")[-1:]
    cardigan = _products(items, "Кардиган") or _products(items, "Светр")
    orders = (
        (6, [dress[-1]], "Чекаємо поставку розміру M", None, None),
        (4, toys, "Подарунок на день народження сина", (50_000, "cash"), None),
        (3, cardigan[-1:], "Відкласти до суботи", ("all", "card"), 1),
    )
    for (back, goods, note, prepay, reserve_back), customer in zip(orders, who, strict=True):
        if not goods:
            continue
        taken = _at(today - back * day, 15, 10)
        head = preorders.create(
            customer,
            location,
            [OrderLine(it.id, 1000, agreed(it)) for it in goods],
            by=manager,
            uuid=str(uuid.UUID(int=rng.getrandbits(128))),
            note=note,
            clock=lambda t=taken: t,
        )
        if prepay is not None:
            amount, tender = prepay
            _prepay(
                head.id,
                head.total if amount == "all" else min(amount, head.total),
                tender,
                cashier,
                taken + dt.timedelta(minutes=5),
                rng,
            )
        if reserve_back is not None:
            at = _at(today - reserve_back * day, 9, 40)
            preorders.reserve(head.id, by=cashier, clock=lambda t=at: t)
