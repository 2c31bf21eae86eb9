"""The demo shop: a Ukrainian clothing, cosmetics and children's goods store with staff, a
catalog, customers and months of sales history, built fast and the same for the same seed.

Everything random comes from one ``random.Random(seed)`` and the ``today`` given, so two builds
with the same seed and day hold the same content. Rows are bulk-inserted with ids computed
here (the database is new), inside one write transaction. A SQLite shop is built into a
temporary file beside the target and renamed at the end, so a killed build never leaves half
a shop under the real name.
"""

from __future__ import annotations

import bisect
import calendar
import dataclasses
import datetime as dt
import os
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import peewee

from torgtui import db as dbmod
from torgtui import demodata as data
from torgtui.catalog.barcodes import make_ean13
from torgtui.demo_loyalty import Charge, Loyalty, VipMoney, price_policy
from torgtui.demo_messages import History as MessagesHistory
from torgtui.demo_messages import build as build_messages
from torgtui.demo_messages import settings_for as messages_settings
from torgtui.demo_promotions import History as PromotionHistory
from torgtui.demo_promotions import build as build_promotions
from torgtui.errors import DatabaseError
from torgtui.i18n import _
from torgtui.models import (
    Barcode,
    BaseModel,
    Customer,
    Employee,
    LineAdjustment,
    Location,
    Manufacturer,
    Payment,
    Product,
    ProductGroup,
    Receipt,
    ReceiptLine,
    Shift,
    StockMovement,
)
from torgtui.money import line_amount, percent_of, round_cash
from torgtui.staff import Role, create_employee, role_title
from torgtui.values import check_count, check_date

EMPLOYEES = (
    ("Olena Kovalenko", Role.OWNER, "1111"),
    ("Maria Shevchenko", Role.MANAGER, "2222"),
    ("Kateryna Bondarenko", Role.CASHIER, "3333"),
)
CASH_STEP = 10  # kopecks, the default money.cash_rounding
OPEN_HOUR, CLOSE_HOUR = 9, 20
OPENING_FLOAT = 100_000
FLUSH_ROWS = 20_000
BANKNOTES = (5_000, 10_000, 20_000, 50_000, 100_000)
LINE_COUNTS, LINE_WEIGHTS = (1, 2, 3, 4, 5, 6), (34, 26, 18, 11, 7, 4)

# The columns each bulk-inserted row gives, in order; parents before children.
FIELDS: dict[type[BaseModel], tuple[str, ...]] = {
    model: tuple(names.split())
    for model, names in (
        (ProductGroup, "id name parent path"),
        (Manufacturer, "id name"),
        (Product, "id sku name group manufacturer unit weighed price cost tax_group active "
                  "created_at updated_at"),
        (Barcode, "id code product"),
        (Customer, "id name phone card email birth_date gender note created_at card_type "
                   "card_issued_at"),
        (Shift, "id location register employee opened_at closed_at opening_float status"),
        (Receipt, "id uuid number kind status location shift employee customer original "
                  "created_at closed_at subtotal discount total"),
        (ReceiptLine, "id receipt position product barcode name qty unit_price unit_cost "
                      "subtotal discount total original_line bonus_earned"),
        (LineAdjustment, "id line step rule reason amount employee"),
        (Payment, "id receipt tender amount tendered"),
        (StockMovement, "id product location qty kind at employee note receipt_line_id"),
    )
}  # fmt: skip


@dataclass(frozen=True)
class DemoSummary:
    """What was built. ``receipts`` counts sales and returns; ``returns`` the returns alone."""

    url: str
    products: int
    customers: int
    receipts: int
    lines: int
    returns: int
    elapsed: float  # seconds


@dataclass(frozen=True)
class _Item:
    id: int
    name: str
    barcode: str
    price: int
    cost: int
    weighed: bool
    group: str  # the product group's path


@dataclass(frozen=True)
class _SoldLine:
    id: int
    item: int  # index into the catalog
    qty: int
    subtotal: int


# a sale to be returned later: (receipt id, customer id, refund tender, lines without discount)
_Sale = tuple[int, int | None, str, list[_SoldLine]]


class _Rows:
    """Rows waiting for bulk insert, with the next id of each table."""

    def __init__(self) -> None:
        self.rows: dict[type[BaseModel], list[tuple[Any, ...]]] = {m: [] for m in FIELDS}
        self.last_id: dict[type[BaseModel], int] = dict.fromkeys(FIELDS, 0)

    def add(self, model: type[BaseModel], *values: Any) -> int:
        """Queue one row (all fields after ``id``) and return its id."""
        self.last_id[model] += 1
        self.rows[model].append((self.last_id[model], *values))
        return self.last_id[model]

    def pending(self) -> int:
        return sum(len(rows) for rows in self.rows.values())

    def flush(self) -> None:
        """Insert everything queued, parents before children (FIELDS is in that order)."""
        for model, rows in self.rows.items():
            if rows:
                _insert(model, FIELDS[model], rows)
                rows.clear()


def _insert(model: type[BaseModel], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    columns = [model._meta.fields[name] for name in fields]
    size = 30_000 // len(fields)  # stays under SQLite's limit of bound parameters
    for start in range(0, len(rows), size):
        model.insert_many(rows[start : start + size], fields=columns).as_rowcount().execute()


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def _at(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds)


class _Shop:
    """The generator's state: the catalog, stock on hand, customers and the receipt counter."""

    def __init__(self, rng: random.Random, location: int, staff: dict[Role, int], today: dt.date):
        self.rng, self.rows, self.location, self.today = rng, _Rows(), location, today
        self.manager, self.cashier = staff[Role.MANAGER], staff[Role.CASHIER]
        self.items: list[_Item] = []
        self.stock: list[int] = []
        self.cum_weights: list[float] = []
        self.customer_since: list[dt.datetime] = []
        self.number = 0
        self.returned = 0
        self.returns: dict[dt.date, list[_Sale]] = {}  # day -> sales to be returned then
        self.loyalty = Loyalty(rng)
        self.promotions = PromotionHistory(self.rows)  # planned by _fill
        self.messages = MessagesHistory()  # planned by _fill
        self.groups: dict[str, int] = {}  # product group path -> id
        self.makers: dict[str, int] = {}

    # --- catalog and customers ------------------------------------------------------------

    def build_catalog(self, created: dt.datetime) -> None:
        rng, rows = self.rng, self.rows
        groups = self.groups
        makers = self.makers = {name: rows.add(Manufacturer, name) for name in data.MANUFACTURERS}
        specs = data.product_specs(rng)
        for spec in specs:
            parts = spec.group.split("/")
            for depth in range(1, len(parts) + 1):
                path = "/".join(parts[:depth])
                if path not in groups:
                    parent = groups.get("/".join(parts[: depth - 1]))
                    groups[path] = rows.add(ProductGroup, parts[depth - 1], parent, path)
        first = rng.sample(range(10**9, 10**10), len(specs))
        second = rng.sample(range(10**9, 10**10), len(specs))
        ranks = list(range(len(specs)))
        rng.shuffle(ranks)
        total = 0.0
        for n, spec in enumerate(specs):
            pid = rows.add(
                Product, spec.sku, spec.name, groups[spec.group], makers[spec.brand],
                "kg" if spec.weighed else "pcs", spec.weighed, spec.price, spec.cost, "A", True,
                created, created,
            )  # fmt: skip
            code = make_ean13("21", first[n])
            rows.add(Barcode, code, pid)
            if rng.random() < 0.35:
                rows.add(Barcode, make_ean13("22", second[n]), pid)
            self.items.append(
                _Item(pid, spec.name, code, spec.price, spec.cost, spec.weighed, spec.group)
            )
            # popularity: a long tail, and dear goods sell less often
            total += (1.0 if spec.price < 50_000 else 0.5) / (ranks[n] + 1) ** 0.8
            self.cum_weights.append(total)
            self.stock.append(0)

    def build_customers(self, count: int, first_day: dt.date, today: dt.date) -> int | None:
        """The customers, each on a card type (or none); the first who were customers before
        the history become the VIPs. Returns the wholesale customer's id (None: too few)."""
        since = dt.datetime.combine(first_day, dt.time(OPEN_HOUR))
        until = dt.datetime.combine(today, dt.time(CLOSE_HOUR))
        specs = data.customer_specs(self.rng, count, since, until)
        types = self.loyalty.assign(len(specs))
        old = []
        for n, (c, card_type) in enumerate(zip(specs, types, strict=True), 1):
            self.customer_since.append(c.created_at)
            issued = c.created_at if card_type is not None else None
            self.rows.add(
                Customer, c.name, c.phone, c.card, c.email, c.birth_date, c.gender, "",
                c.created_at, card_type, issued,
            )  # fmt: skip
            if c.created_at < since:
                old.append(n)
        self.loyalty.plan_vip(old[:3])
        return old[3] if len(old) > 3 else None

    # --- stock ----------------------------------------------------------------------------

    def restock(self, item: int, at: dt.datetime, note: str) -> None:
        weighed = self.items[item].weighed
        qty = self.rng.randint(5, 20) * 1000 if weighed else self.rng.randint(12, 40) * 1000
        self.rows.add(
            StockMovement, self.items[item].id, self.location, qty, "inbound", at,
            self.manager, note, None,
        )  # fmt: skip
        self.stock[item] += qty

    def morning_delivery(self, day: dt.date) -> None:
        at = _at(day, 8 * 3600 + 30 * 60)
        for n, item in enumerate(self.items):
            if self.stock[n] < (2000 if item.weighed else 4000):
                self.restock(n, at, "Поставка від постачальника")

    # --- receipts -------------------------------------------------------------------------

    def _customer(self, at: dt.datetime) -> int | None:
        known = bisect.bisect_right(self.customer_since, at)
        if not known or self.rng.random() >= 0.35:
            return None
        return int(known * self.rng.random() ** 1.7) + 1  # older customers come back more

    def _tendered(self, amount: int) -> int:
        due = round_cash(amount, CASH_STEP)
        if due < amount:
            due += CASH_STEP
        if self.rng.random() < 0.4:
            return due
        note = self.rng.choice(BANKNOTES)
        return -(-due // note) * note

    def _receipt(self, kind: str, at: dt.datetime, shift: int, employee: int, **more: Any) -> int:
        self.number += 1
        closed = at + dt.timedelta(seconds=self.rng.randint(20, 240))
        return self.rows.add(
            Receipt, str(uuid.UUID(int=self.rng.getrandbits(128))), self.number, kind,
            "closed", self.location, shift, employee, more.get("customer"),
            more.get("original"), at, closed, 0, 0, 0,
        )  # fmt: skip

    def _set_totals(self, receipt: int, subtotal: int, discount: int) -> None:
        row = self.rows.rows[Receipt][-1]
        assert row[0] == receipt
        self.rows.rows[Receipt][-1] = (*row[:-3], subtotal, discount, subtotal - discount)

    def sale(
        self,
        at: dt.datetime,
        shift: int,
        employee: int,
        customer: int | None = None,
        on_account: bool = False,
    ) -> None:
        """A sale: random goods, the customer's card discount (or bonuses earned), a random
        tender (or, for a VIP's planned purchase, all of it on account); now and then one
        that comes back within two weeks."""
        rng, rows, loyalty = self.rng, self.rows, self.loyalty
        if customer is None:
            customer = self._customer(at)
        receipt = self._receipt("sale", at, shift, employee, customer=customer)
        offer = self.promotions.offer(receipt, at, customer, on_account)
        count = rng.choices(LINE_COUNTS, LINE_WEIGHTS)[0]
        if on_account:
            picks = rng.sample([n for n, it in enumerate(self.items) if not it.weighed], 3)
        else:
            picks = rng.choices(range(len(self.items)), cum_weights=self.cum_weights, k=count)
            picks += self.promotions.lift(at)  # a promotion sells more of its goods
        card_pct, card_reason, card_rule = loyalty.discount(customer, at)
        earns = loyalty.earns(customer)
        subtotal = discount = earned = 0
        sold: list[_SoldLine] = []
        charged: list[tuple[int, str, int]] = []
        for position, n in enumerate(dict.fromkeys(picks), 1):
            item = self.items[n]
            if item.weighed:
                qty = rng.randrange(150, 1505, 5)
            else:
                qty = (
                    rng.choice((2000, 3000)) if item.price < 25_000 and rng.random() < 0.2 else 1000
                )
            if self.stock[n] < qty:
                self.restock(n, at - dt.timedelta(minutes=1), "Термінова поставка")
            line_sub = line_amount(item.price, qty)
            line = rows.last_id[ReceiptLine] + 1
            promo_disc = offer.line_off(line, item.group, line_sub) if offer else 0
            line_disc = loyalty.card_off(card_pct, line_sub - promo_disc)  # on what is left
            if line_disc:
                rows.add(LineAdjustment, line, "card", card_rule, card_reason, line_disc, None)
            elif not promo_disc and line_sub >= 10_000 and rng.random() < 0.03 and not on_account:
                pct = rng.choice((5, 10, 15, 20))
                line_disc = percent_of(line_sub, Decimal(pct))
                reason = f"{rng.choice(data.DISCOUNT_REASONS)} (-{pct}%)"
                rows.add(LineAdjustment, line, "manual", "", reason, line_disc, self.manager)
            line_disc += promo_disc
            line_total = line_sub - line_disc
            earn = loyalty.earn(item.group, line_total) if earns else 0
            rows.add(
                ReceiptLine, receipt, position, item.id, item.barcode, item.name, qty,
                item.price, item.cost, line_sub, line_disc, line_total, None, earn,
            )  # fmt: skip
            rows.add(StockMovement, item.id, self.location, -qty, "sale", at, employee, "", line)
            self.stock[n] -= qty
            subtotal += line_sub
            discount += line_disc
            earned += earn
            charged.append((item.id, item.name, line_total))
            if not line_disc:
                sold.append(_SoldLine(line, n, qty, line_sub))
        total = subtotal - discount
        self._set_totals(receipt, subtotal, discount)
        loyalty.bought(customer, total)
        if earned:
            loyalty.earned.append((at, receipt, customer, employee, earned))  # type: ignore[arg-type]
        if on_account:
            assert customer is not None
            rows.add(Payment, receipt, "credit", total, 0)
            loyalty.charges.append(Charge(at, receipt, customer, employee, shift, total, charged))
            return
        tender = self._pay(receipt, total)
        if sold and not earns and rng.random() < 0.012:
            back = at.date() + dt.timedelta(days=rng.randint(1, 14))
            if back <= self.today:
                refund = "cash" if tender == "cash" else "card"
                self.returns.setdefault(back, []).append((receipt, customer, refund, sold))

    def _pay(self, receipt: int, total: int) -> str:
        """A random tender for ``total``: card, cash, or some banknotes and the rest by card."""
        rng, rows = self.rng, self.rows
        tender = rng.choices(("card", "cash", "mixed"), (55, 35, 10))[0]
        if tender == "mixed" and total > 20_000:
            cash = rng.choice([b for b in BANKNOTES if b < total])
            rows.add(Payment, receipt, "cash", cash, cash)
            rows.add(Payment, receipt, "card", total - cash, 0)
        elif tender == "card":
            rows.add(Payment, receipt, "card", total, 0)
        else:
            tender = "cash"
            rows.add(Payment, receipt, "cash", total, self._tendered(total))
        return tender

    def give_back(self, at: dt.datetime, shift: int, employee: int, sale: _Sale) -> None:
        original, customer, tender, sold = sale
        rows = self.rows
        self.returned += 1
        receipt = self._receipt("return", at, shift, employee, customer=customer, original=original)
        lines = self.rng.sample(sold, 1 if len(sold) == 1 else self.rng.randint(1, len(sold)))
        total = 0
        for position, back in enumerate(sorted(lines, key=lambda s: s.id), 1):
            item = self.items[back.item]
            line = rows.add(
                ReceiptLine, receipt, position, item.id, item.barcode, item.name, back.qty,
                item.price, item.cost, back.subtotal, 0, back.subtotal, back.id, 0,
            )  # fmt: skip
            rows.add(
                StockMovement, item.id, self.location, back.qty, "return", at, employee, "", line
            )
            self.stock[back.item] += back.qty
            total += back.subtotal
        self._set_totals(receipt, total, 0)
        self.loyalty.bought(customer, -total)
        rows.add(Payment, receipt, tender, total, 0)  # a refund: the customer hands nothing

    def day(self, day: dt.date, register: str) -> None:
        rng = self.rng
        employee = self.manager if rng.random() < 0.3 else self.cashier
        shift = self.rows.add(
            Shift, self.location, register, employee, _at(day, OPEN_HOUR * 3600),
            _at(day, CLOSE_HOUR * 3600), OPENING_FLOAT, "closed",
        )  # fmt: skip
        self.morning_delivery(day)
        count = rng.randint(30, 70)
        if day.weekday() >= 5:
            count = count * 13 // 10
        if day.month == 12:
            count = count * 14 // 10
        last = (CLOSE_HOUR - OPEN_HOUR) * 3600 - 5 * 60
        events: list[tuple[int, int, Any]] = [
            (rng.randint(0, last), n, None) for n in range(min(count, 90))
        ]
        for n, sale in enumerate(self.returns.pop(day, []), len(events)):
            events.append((rng.randint(0, last), n, sale))
        for n, vip in enumerate(self.vip_events(day), len(events)):
            events.append((rng.randint(0, last), n, vip))
        for n, customer in enumerate(self.messages.visits(day), len(events)):
            events.append((rng.randint(0, last), n, ("visit", customer)))
        events.sort(key=lambda e: (e[0], e[1]))
        for seconds, _n, sale in events:
            at = _at(day, OPEN_HOUR * 3600 + seconds)
            if sale is None:
                self.sale(at, shift, employee)
            elif sale[0] == "visit":  # a mailing's recipient comes by (torgtui.demo_messages)
                self.sale(at, shift, employee, customer=sale[1])
            elif isinstance(sale[0], str):
                self.vip_event(at, shift, employee, sale)
            else:
                self.give_back(at, shift, employee, sale)

    def vip_events(self, day: dt.date) -> list[tuple[Any, ...]]:
        """What the VIP customers do on ``day`` by their plans (days before today)."""
        back = (self.today - day).days
        found: list[tuple[Any, ...]] = []
        for customer, plan in self.loyalty.vip.items():
            found += [("buy", customer) for days in plan.buys if days == back]
            found += [("pay", customer, t, how) for days, t, how in plan.pays if days == back]
            found += [("deposit", customer, a) for days, a in plan.deposits if days == back]
        return found

    def vip_event(self, at: dt.datetime, shift: int, employee: int, what: tuple) -> None:
        kind, customer, *rest = what
        if kind == "buy":
            self.sale(at, shift, employee, customer=customer, on_account=True)
            return
        amount = 0  # "item": the unpaid item the customer chooses, whole
        if kind == "deposit":
            (amount,) = rest
            tender = "cash"
        else:
            tender, how = rest
            if how == "half":  # half of the first purchase, in whole hundreds
                first = next(c for c in self.loyalty.charges if c.customer == customer)
                amount = max(first.amount // 2 // 10_000 * 10_000, 10_000)
        self.loyalty.payments.append(
            VipMoney(at, customer, employee, shift, kind if kind == "deposit" else "payment",
                       tender, amount)
        )  # fmt: skip


def _remove_sqlite(path: Path) -> None:
    from torgtui.sqlite_writers import LOCK_SUFFIX

    for suffix in ("", "-wal", "-shm", "-journal", LOCK_SUFFIX):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_demo(
    url: str,
    *,
    customers: int = 2000,
    seed: int = 1,
    months: int = 6,
    today: dt.date,
    force: bool = False,
    location_code: str = "MAIN",
    store_name: str = "Demo shop",
    register: str = "POS-1",
    settings: Any = None,
) -> DemoSummary:
    """Build the demo shop into a new database at ``url``; leaves the proxy bound to it.

    An existing SQLite file is refused unless ``force`` (then it is replaced). A PostgreSQL
    database must not hold a shop yet; ``force`` means nothing there. ``settings``: the shop's
    (the defaults when None), for the messages' prices and sandbox file (torgtui.demo_messages).
    """
    started = time.perf_counter()
    path = dbmod.sqlite_path(url)
    build_url = url
    if path is not None:
        if path.is_dir():
            raise DatabaseError(
                _("{path} is a folder: give a file name for the demo shop.").format(path=path)
            )
        if path.exists() and not force:
            raise DatabaseError(
                _(
                    "{path} already exists: give a new file name, or add --force to replace "
                    "it with a demo shop (everything in it is lost)."
                ).format(path=path)
            )
        tmp = path.with_name(f"{path.name}.building")
        _remove_sqlite(tmp)
        build_url = str(tmp)
    database = dbmod.open_and_upgrade(build_url, create=True)
    try:
        with dbmod.translated_errors(url):
            messages = messages_settings(settings, url, store_name)
            _fill(
                database, customers, seed, months, today, location_code, store_name, register,
                messages,
            )  # fmt: skip
            # the card's search words, phone rows and totals, as the customer base keeps them
            from torgtui.customers.interests import rebuild_auto_interests
            from torgtui.customers.service import recompute_totals, reindex_all

            reindex_all()
            recompute_totals()
            rebuild_auto_interests(2, clock=lambda: dt.datetime.combine(today, dt.time(21)))
            from torgtui.channels.call_demo import add_demo_calls

            add_demo_calls(today, seed)  # the call journal, a few missed calls to call back
            from torgtui.demo_referral import build as build_referral

            # Refer a Friend: its referrers are customers with purchases (the totals above);
            # their friends' first purchases come last, then the totals again
            build_referral(today, seed)
            recompute_totals()
    except BaseException:
        database.close()
        if path is not None:
            _remove_sqlite(Path(build_url))
        raise
    if path is not None:
        database.close()
        _remove_sqlite(path)
        os.replace(build_url, path)
        _remove_sqlite(Path(build_url))
        dbmod.open_database(url)
    # counted in the database: the features' demos (certificates, invoices, friends'
    # purchases) add their own rows through their services
    return DemoSummary(
        url=url,
        products=Product.select().count(),
        customers=Customer.select().count(),
        receipts=Receipt.select().count(),
        lines=ReceiptLine.select().count(),
        returns=Receipt.select().where(Receipt.kind == "return").count(),
        elapsed=time.perf_counter() - started,
    )


def _fill(
    database: peewee.Database,
    customers: int,
    seed: int,
    months: int,
    today: dt.date,
    location_code: str,
    store_name: str,
    register: str,
    settings: Any,
) -> _Shop:
    """Write the whole shop in one transaction; returns the generator with its counts."""
    rng = random.Random(seed)
    first_day = months_before(today, months) + dt.timedelta(days=1)
    setup = dt.datetime.combine(first_day - dt.timedelta(days=1), dt.time(8))
    with dbmod.write_tx():
        if Employee.select().exists() or Product.select().exists():
            raise DatabaseError(
                _(
                    "This database already holds a shop: a demo is built only into a new, "
                    "empty database. Create an empty one and try again."
                )
            )
        location = Location.create(code=location_code, name=store_name)
        staff = {
            role: create_employee(name, role, pin, by=None, clock=lambda: setup, system=True).id
            for name, role, pin in EMPLOYEES
        }
        shop = _Shop(rng, location.id, staff, today)
        rows = shop.rows
        shop.build_catalog(setup)
        rows.flush()  # the groups, for the card types' group rates
        shop.promotions.plan(seed, shop.groups, shop.items, today)
        shop.loyalty.make_card_types(shop.groups, clock=lambda: setup)
        wholesale = shop.build_customers(customers, first_day, today)
        opening = setup + dt.timedelta(hours=2)
        for n in range(len(shop.items)):
            shop.restock(n, opening, "Початкові залишки")
        rows.flush()
        shop.messages.plan(seed, today, staff[Role.MANAGER])  # the customers are written
        day = first_day
        while day < today:  # history ends yesterday: no sales in the future, today's shift open
            shop.day(day, register)
            if rows.pending() >= FLUSH_ROWS:
                rows.flush()
            day += dt.timedelta(days=1)
        rows.flush()
        if not dbmod.is_sqlite(database):
            for model in FIELDS:
                table = model._meta.table_name
                database.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT MAX("id") FROM "{table}"))'
                )
        # the history's bonuses and VIP accounts through the ledger; the price policy
        shop.loyalty.post(staff[Role.MANAGER], setup, customers)
        price_policy(
            groups=shop.groups,
            makers=shop.makers,
            items=shop.items,
            wholesale_customer=wholesale,
            setup=setup,
            today=today,
        )
        # before the promotions: the pre-orders' notices wait for the register's own sender
        build_messages(shop.messages, settings=settings, staff=staff, today=today)
        build_promotions(
            shop.promotions,
            staff=staff,
            location=location.id,
            items=shop.items,
            groups=shop.groups,
            customers=customers,
            today=today,
        )
        from torgtui.demo_stock import build as build_stock

        build_stock(today, seed)  # a goods receipt, a stocktake, a bonus cash-out
        from torgtui.demo_partners import build as build_partners

        build_partners(today, seed)  # referrers, a blogger's codes, an intermediary's balance
        from torgtui.demo_invoices import build as build_invoices

        build_invoices(today, seed)  # a wholesale invoice with a waybill, one via the intermediary
        from torgtui.demo_certificates import build as build_certificates

        build_certificates(today, seed)  # a type of each mode: sold, partly used, expired
    return shop


MAX_CUSTOMERS = 1_000_000  # a million cards: the customer list's benchmark size
MAX_MONTHS = 36
MAX_SEED = 10**12 - 1


def run_demo_command(settings: Any, args: Any) -> int:
    """``torgtui demo``: check every argument, build the shop, then print the employees' PINs
    and how to start."""
    today = check_date(args.today, "--today") if args.today is not None else dt.date.today()
    customers = check_count(args.customers, "--customers", maximum=MAX_CUSTOMERS)
    seed = check_count(args.seed, "--seed", maximum=MAX_SEED)
    months = check_count(args.months, "--months", minimum=1, maximum=MAX_MONTHS)
    url = settings.database.url
    summary = build_demo(
        url,
        customers=customers,
        seed=seed,
        months=months,
        today=today,
        force=args.force,
        location_code=settings.store.location,
        store_name=settings.store.name,
        register=settings.store.register,
        settings=settings,
    )
    shown = dbmod.redact(url)
    facts = {**dataclasses.asdict(summary), "url": shown}
    print(
        _(
            "Demo shop built in {url}: {products} products, {customers} customers, "
            "{receipts} receipts ({returns} returns, {lines} lines) in {elapsed:.1f} s."
        ).format(**facts)
    )
    print(_("Employees (log in with the PIN):"))
    for name, role, pin in EMPLOYEES:
        print(
            _("  {name:<22} {role:<10} PIN {pin}").format(name=name, role=role_title(role), pin=pin)
        )
    print(_("Start the register: torgtui --db {url}").format(url=shown))
    return 0
