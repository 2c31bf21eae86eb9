"""The demo shop's stock documents and a bonus cash-out (issue 12.6-7), made through the real
services after the history is written (torgtui.demo calls :func:`build` last):

* a goods receipt from a supplier five days ago: a few products of one group, at costs a little
  above or below their current ones (their cost becomes the weighted average), posted;
* a stocktake of a small group two days ago: every product counted as the books say, except
  one found more and one found less, posted (the differences are ``adjust`` movements);
* a bonus cash-out yesterday evening: the customer with the most bonuses gets up to 200.00 of
  them in cash, in a short shift of the senior cashier closed with its Z report (its "Bonus
  cash-out" line). Like the rest of the demo history, no fiscal jobs are queued.

Its choices come from a ``random.Random`` seeded from the demo's seed: the same seed, the same
documents.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from torgtui.catalog import documents
from torgtui.catalog.documents_post import post_document
from torgtui.catalog.stock import stock_levels
from torgtui.models import Employee, LedgerAccount, Location, Product, ProductGroup
from torgtui.money import round_kopecks

SUPPLIER = "ТОВ «Добрий постачальник»"
MAX_CASH_OUT = 20_000  # kopecks
CASH_OUT_REGISTER = "POS-2"  # the cash-out's short shift: not the history's register


def _employee(role: str) -> Employee | None:
    return Employee.select().where(Employee.role == role).order_by(Employee.id).first()


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def _groups_with_products() -> list[tuple[int, list[int]]]:
    """(group id, its active product ids) for the groups that hold products, by id."""
    out: dict[int, list[int]] = {}
    query = (
        Product.select(Product.group, Product.id)
        .where((Product.active == True) & Product.group.is_null(False))  # noqa: E712
        .order_by(Product.id)
    )
    for group_id, product_id in query.tuples():
        if group_id is not None:
            out.setdefault(group_id, []).append(product_id)
    return sorted(out.items())


def build(today: dt.date, seed: int) -> None:
    """Write the demo's goods receipt, stocktake and bonus cash-out (see the module doc)."""
    rng = random.Random(seed * 7_919 + 612)
    location = Location.select().order_by(Location.id).first()
    manager = _employee("manager")
    if location is None or manager is None:
        return
    groups = [g for g in _groups_with_products() if len(g[1]) >= 3]
    if not groups:
        return
    _receipt(rng, location, manager, groups, today)
    _stocktake(rng, location, manager, groups, today)
    _cash_out(location, today)


def _receipt(rng, location, manager, groups, today) -> None:
    day = today - dt.timedelta(days=5)
    _group_id, products = groups[rng.randrange(len(groups))]
    chosen = rng.sample(products, min(4, len(products)))
    doc = documents.create_document(
        "receipt",
        by=manager,
        location=location,
        supplier=SUPPLIER,
        invoice=f"ВН-{rng.randrange(1000, 9999)}",
        clock=lambda: _at(day, 9, 30),
    )
    for product_id in chosen:
        product = Product.get_by_id(product_id)
        base = product.cost or product.price // 2
        cost = max(1, round_kopecks(Decimal(base) * rng.randint(95, 108) / 100))
        qty = rng.randint(3, 12) * 1000
        documents.set_line(
            doc.number, product_id, qty, unit_cost=cost, by=manager, clock=lambda: _at(day, 9, 40)
        )
    post_document(doc.number, by=manager, clock=lambda: _at(day, 9, 50))


def _stocktake(rng, location, manager, groups, today) -> None:
    day = today - dt.timedelta(days=2)
    group_id, products = min(groups, key=lambda g: (len(g[1]), g[0]))
    books = stock_levels(location, products)
    doc = documents.create_document(
        "count",
        by=manager,
        location=location,
        group=group_id,
        reason="Щомісячний облік: " + ProductGroup.get_by_id(group_id).name,
        clock=lambda: _at(day, 20),
    )
    more, less = rng.sample(products, 2)
    for product_id in products:
        counted = max(books.get(product_id, 0), 0)
        if product_id == more:
            counted += 1000
        elif product_id == less:
            counted = max(counted - 1000, 0)
        documents.set_line(
            doc.number, product_id, counted, by=manager, clock=lambda: _at(day, 20, 30)
        )
    post_document(doc.number, by=manager, clock=lambda: _at(day, 21))


def _cash_out(location, today) -> None:
    from torgtui.marketing.cashout import cash_out_bonuses, cashable
    from torgtui.marketing.ledger import Kind
    from torgtui.sales.shifts import close_shift, open_shift, x_report

    senior = _employee("senior_cashier") or _employee("owner")
    if senior is None:
        return
    day = today - dt.timedelta(days=1)
    at = _at(day, 21, 30)
    candidates = (
        LedgerAccount.select(LedgerAccount.owner_id)
        .where(
            (LedgerAccount.kind == str(Kind.BONUS))
            & (LedgerAccount.owner_type == "customer")
            & (LedgerAccount.balance >= 5_000)
        )
        .order_by(LedgerAccount.balance.desc(), LedgerAccount.id)
        .limit(20)
    )
    for (customer_id,) in candidates.tuples():
        amount = min(cashable(customer_id, at), MAX_CASH_OUT) // 100 * 100
        if amount >= 5_000:
            break
    else:
        return
    shift = open_shift(
        senior, CASH_OUT_REGISTER, location, 100_000, clock=lambda: _at(day, 21, 20), fiscal=False
    )
    cash_out_bonuses(
        customer_id,
        amount,
        shift=shift,
        by=senior,
        clock=lambda: at,
        fiscal=False,
        note="Демо: виплата бонусів за рекомендації",
    )
    counted = x_report(shift).cash_expected
    close_shift(shift, senior, counted, clock=lambda: _at(day, 21, 40), fiscal=False)
