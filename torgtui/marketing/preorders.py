"""Pre-orders and hard reserves: a customer orders goods that are not (all) in stock, at a
price agreed now, pays for them whole or in part in advance, the goods are held for them when
they arrive, the customer is told, and the order is finished by an ordinary sale receipt (or
cancelled, with the prepayment given back). See docs/preorders.md.

This module is the one place to call them from (screens, the CLI, tests); the parts live in
preorder_money (prepayment), preorder_list (reading), preorder_checkout (the register's side)
and preorder_finish (the sale as a service).

The life of a pre-order (``preorder.status``)::

    open --reserve part--> reserved --reserve the rest--> ready --sale--> sold
      |  (all of it at once: straight to ready)             |
      +--------- cancel (prepayment given back) ------------+--> cancelled

* :func:`create`: the customer, the location where the goods will be collected, lines of
  products (in stock or not) with their quantities and the price agreed. A price below the
  catalog's is a price change: the employee's own right (``override_price``) or a senior's
  PIN, through torgtui.approvals, as the register's price override is. Never above the catalog
  price, never below cost.
* :func:`take_prepayment`: money toward it, whole or in parts, on the ledger.
* :func:`reserve`: goods that arrived are held for it (a hard reserve): what may be sold to
  anyone else is ``torgtui.catalog.stock.available`` = stock - reserved, and every sale's
  commit refuses to take held goods (torgtui.marketing.preorder_checkout).
* the customer hears of every change of status but the sale (they are at the till) through
  the outbox, one message per pre-order and status.
* :func:`finish` (or its code ``PO-12`` at the register, :func:`put_on`): the sale, through
  the real checkout, paid first with the prepayment.
* :func:`cancel`: by the right to cancel receipts (or a senior's PIN), the reserves let go and
  the prepayment given back the way it was paid.
* :func:`open_preorders`, :func:`show`: the list and one pre-order, for the screens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from torgtui import approvals
from torgtui.approvals import Action, Approval, ApprovalNeeded
from torgtui.catalog.stock import available
from torgtui.clock import Clock, system_clock
from torgtui.db import database, insert_rows, is_sqlite, query_value, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.preorder_common import (
    ACTIVE,
    OWNER,
    Head,
    Status,
    head,
    lock,
    lock_shift,
    notify,
    prepaid_of,
    refusal,
    reserve_lock,
)
from torgtui.marketing.preorder_list import lines_with_held
from torgtui.marketing.preorder_money import give_back
from torgtui.models import Customer, Employee, Location, Product, Shift
from torgtui.models.preorders import Preorder
from torgtui.money import format_money, format_qty, line_amount
from torgtui.staff import Permission, ask_whom, audit, require
from torgtui.values import check_id, check_kopecks, check_qty, check_text, check_uuid

MAX_LINES = 100  # products on one pre-order


@dataclass(frozen=True)
class OrderLine:
    """What the customer orders: a product, a quantity (thousandths) and the unit price
    agreed (kopecks; None: the catalog's price)."""

    product_id: int
    qty: int
    unit_price: int | None = None


def _stamp(moment: dt.datetime) -> object:
    return str(moment) if is_sqlite() else moment


def _approve(
    by: Employee,
    approval: Approval | None,
    *,
    action: Action,
    scope: str,
    subject: dict[str, Any],
    refusal_text: str,
    clock: Clock,
    terminal: str,
) -> int:
    """Spend ``approval`` (or the employee's own right) on ``subject``; returns the approval's
    id. ApprovalNeeded names who may confirm when the employee may not alone."""
    if approval is None:
        if not approvals.may(by, action, subject):
            raise ApprovalNeeded(
                refusal_text, action=action, scope=scope, subject=subject, requester=by
            )
        approval = approvals.grant_own(
            by, action=action, scope=scope, subject=subject, clock=clock, terminal=terminal
        )
    return approvals.use(approval, action=action, scope=scope, subject=subject, clock=clock)


# --- taking the order --------------------------------------------------------------------


def _check_lines(lines: object) -> list[OrderLine]:
    if not isinstance(lines, (list, tuple)) or not lines:
        raise ValidationError(_("A pre-order needs at least one product."))
    if len(lines) > MAX_LINES:
        raise ValidationError(
            _("A pre-order holds at most {n} products: take two.").format(n=MAX_LINES)
        )
    checked: list[OrderLine] = []
    for line in lines:
        if not isinstance(line, OrderLine):
            raise ValidationError(_("Give each pre-ordered product as a line."))
        product_id = check_id(line.product_id, _("A line's product"))
        if not isinstance(line.qty, int) or isinstance(line.qty, bool) or line.qty <= 0:
            check_qty(line.qty, weighed=True)  # says what is wrong with it
        price = line.unit_price
        if price is not None:
            price = check_kopecks(price, _("The agreed price"))
        checked.append(OrderLine(product_id, line.qty, price))
    if len({line.product_id for line in checked}) != len(checked):
        raise ValidationError(_("A product is on the pre-order twice: give it one line."))
    return checked


def create(
    customer_id: int,
    location_id: int,
    lines: Sequence[OrderLine],
    *,
    by: Employee,
    uuid: str,
    note: str = "",
    approval: Approval | None = None,
    clock: Clock = system_clock,
    terminal: str = "",
) -> Head:
    """Take a pre-order. ``uuid`` is made when the form opens: the same call again returns
    the pre-order already taken. A price below the catalog's needs the right to change prices
    (or a senior's PIN: ApprovalNeeded, then the call again with the approval)."""
    require(by, Permission.SELL)
    uuid = check_uuid(uuid, _("The pre-order's id"))
    customer_id = check_id(customer_id, _("The customer"))
    location_id = check_id(location_id, _("The location"))
    note = check_text(note, _("The note"), max_len=200)
    wanted = _check_lines(lines)
    existing = Preorder.get_or_none(Preorder.uuid == uuid)
    if existing is not None:
        return head(existing.id)
    customer = Customer.get_or_none(Customer.id == customer_id)
    if customer is None or customer.status != "active":
        raise ValidationError(_("That customer card is not active: check the card."))
    if Location.get_or_none(Location.id == location_id) is None:
        raise ValidationError(_("There is no such location."))
    products = {
        p.id: p for p in Product.select().where(Product.id.in_([ln.product_id for ln in wanted]))
    }
    rows: list[tuple[Product, int, int]] = []
    special: list[list[int]] = []
    for line in wanted:
        product = products.get(line.product_id)
        if product is None or not product.active:
            raise ValidationError(_("That product is not sold any more."))
        qty = check_qty(line.qty, weighed=product.weighed, name=product.name)
        price = product.price if line.unit_price is None else line.unit_price
        if price > product.price:
            raise ValidationError(
                _(
                    "{name}: {price} is above its catalog price {list}. A pre-order's price "
                    "is the catalog's or lower."
                ).format(
                    name=product.name, price=format_money(price), list=format_money(product.price)
                )
            )
        if price < product.cost and price < product.price:
            raise ValidationError(
                _("{name}: {price} is below its cost {cost}: agree at least the cost.").format(
                    name=product.name, price=format_money(price), cost=format_money(product.cost)
                )
            )
        if price < product.price:
            special.append([product.id, price])
        rows.append((product, qty, price))
    subject = {"preorder": uuid, "prices": sorted(special)}
    if special and approval is None and not approvals.may(by, Action.PRICE_OVERRIDE, subject):
        raise ApprovalNeeded(
            _("{name} may not agree a price below the catalog's: ask {whom} to confirm.").format(
                name=by.name, whom=ask_whom(Permission.OVERRIDE_PRICE, by)
            ),
            action=Action.PRICE_OVERRIDE,
            scope=uuid,
            subject=subject,
            requester=by,
        )
    now = clock()
    total = sum(line_amount(price, qty) for _p, qty, price in rows)
    check_kopecks(total, _("The pre-order's total"))
    with write_tx():
        existing = Preorder.get_or_none(Preorder.uuid == uuid)
        if existing is not None:  # the same form sent twice at once
            return head(existing.id)
        approval_id = None
        if special:
            approval_id = _approve(
                by,
                approval,
                action=Action.PRICE_OVERRIDE,
                scope=uuid,
                subject=subject,
                refusal_text="",
                clock=clock,
                terminal=terminal,
            )
        if not is_sqlite():  # numbers are taken one at a time
            database.execute_sql("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (OWNER,))
        number = int(query_value('SELECT COALESCE(MAX("number"), 0) + 1 FROM "preorder"'))  # type: ignore[call-overload]
        preorder = Preorder.create(
            number=number,
            uuid=uuid,
            customer=customer_id,
            location=location_id,
            status=Status.OPEN,
            total=total,
            price_approval=approval_id,
            note=note,
            employee=by.id,
            created_at=now,
            updated_at=now,
        )
        insert_rows(
            "preorder_line",
            ["preorder_id", "position", "product_id", "qty", "unit_price", "list_price"],
            [
                (preorder.id, i, product.id, qty, price, product.price)
                for i, (product, qty, price) in enumerate(rows, 1)
            ],
        )
        found = head(preorder.id)
        audit(
            "preorder.create",
            by,
            object_type="preorder",
            object_id=preorder.id,
            after={
                "number": number,
                "customer": customer_id,
                "location": location_id,
                "lines": [[p.id, qty, price] for p, qty, price in rows],
                "total": total,
                "price_approval": approval_id,
            },
            terminal=terminal,
            clock=clock,
        )
        notify(found, Status.OPEN, now)
    return found


# --- holding the goods -------------------------------------------------------------------


@dataclass(frozen=True)
class Reserved:
    """What :func:`reserve` held, and what is still to come (line id, thousandths)."""

    status: str
    held: tuple[tuple[int, int], ...]
    missing: tuple[tuple[int, int], ...]


def reserve(
    preorder_id: int,
    *,
    by: Employee,
    lines: Mapping[int, int] | None = None,
    clock: Clock = system_clock,
    terminal: str = "",
) -> Reserved:
    """Hold goods that arrived for a pre-order (a hard reserve at its location).

    ``lines`` (pre-order line id -> thousandths) holds exactly that: more than the line still
    needs, or more than is free in stock, is refused and nothing is held. Without ``lines``,
    whatever is free of each line's rest is held, and it is refused only when nothing is.
    All held: the pre-order is ``ready``; part: ``reserved``. The customer is told."""
    require(by, Permission.SELL)
    preorder_id = check_id(preorder_id, _("The pre-order"))
    asked: dict[int, int] | None = None
    if lines is not None:
        if not isinstance(lines, Mapping) or not lines or len(lines) > MAX_LINES:
            raise ValidationError(_("Choose the lines to reserve and how much of each."))
        asked = {check_id(k, _("A pre-order line")): v for k, v in lines.items()}
    now = clock()
    with write_tx():
        found = lock(preorder_id)
        if found.status == Status.READY:
            raise ValidationError(
                _("Pre-order {code} is reserved in full already.").format(code=found.code)
            )
        if found.status not in ACTIVE:
            raise refusal(found)
        reserve_lock(found.location_id, shared=False)
        current = lines_with_held(found.id)
        free: dict[int, int] = {}
        take: list[tuple[int, int, int]] = []  # (line id, product id, qty)
        for line_id, product_id, ordered, held, name, weighed in current:
            if product_id not in free:
                free[product_id] = max(available(product_id, found.location_id), 0)
            need = ordered - held
            if asked is not None:
                if line_id not in asked:
                    continue
                qty = check_qty(asked.pop(line_id), weighed=weighed, name=name)
                if qty > need:
                    raise ValidationError(
                        _("{name}: {need} more is ordered, {qty} cannot be reserved.").format(
                            name=name, need=format_qty(need), qty=format_qty(qty)
                        )
                    )
                if qty > free[product_id]:
                    raise ValidationError(
                        _(
                            "{name}: only {free} has arrived and is not held for anyone: "
                            "{qty} cannot be reserved."
                        ).format(name=name, free=format_qty(free[product_id]), qty=format_qty(qty))
                    )
            else:
                qty = min(need, free[product_id])
                if not weighed:
                    qty -= qty % 1000
                if qty <= 0:
                    continue
            free[product_id] -= qty
            take.append((line_id, product_id, qty))
        if asked:
            raise ValidationError(
                _("That line is not on pre-order {code}.").format(code=found.code)
            )
        if not take:
            raise ValidationError(
                _(
                    "Nothing of pre-order {code} is in stock yet: reserve it when the goods arrive."
                ).format(code=found.code)
            )
        at = _stamp(now)
        insert_rows(
            "preorder_reserve",
            [
                "preorder_id",
                "line_id",
                "product_id",
                "location_id",
                "qty",
                "status",
                "employee_id",
                "created_at",
            ],
            [(found.id, lid, pid, found.location_id, q, "held", by.id, at) for lid, pid, q in take],
        )
        added = {lid: q for lid, _pid, q in take}
        missing = tuple(
            (lid, ordered - held - added.get(lid, 0))
            for lid, _pid, ordered, held, _n, _w in current
            if ordered - held - added.get(lid, 0) > 0
        )
        status = Status.RESERVED if missing else Status.READY
        database.execute_sql(
            sql('UPDATE "preorder" SET "status" = ?, "updated_at" = ? WHERE "id" = ?'),
            (str(status), at, found.id),
        )
        audit(
            "preorder.reserve",
            by,
            object_type="preorder",
            object_id=found.id,
            after={"held": [list(t) for t in take], "status": str(status)},
            terminal=terminal,
            clock=clock,
        )
        if status != found.status:
            notify(found, status, now)
    return Reserved(str(status), tuple((lid, q) for lid, _pid, q in take), missing)


# --- calling it off ----------------------------------------------------------------------


@dataclass(frozen=True)
class Cancelled:
    preorder_id: int
    given_back: tuple[tuple[str, int], ...]  # (cash|card, kopecks)


def cancel(
    preorder_id: int,
    *,
    by: Employee,
    reason: str = "",
    shift: Shift | None = None,
    approval: Approval | None = None,
    clock: Clock = system_clock,
    fiscal: bool = True,
) -> Cancelled:
    """Call a pre-order off: its reserves are let go and the prepayment goes back the way it
    was paid (cash out of ``shift``'s drawer, card money back to the card). Needs the right
    to cancel receipts, or a senior's PIN (ApprovalNeeded, then the call again with it)."""
    preorder_id = check_id(preorder_id, _("The pre-order"))
    reason = check_text(reason, _("The reason"), max_len=200)
    found = head(preorder_id)
    if found.status not in ACTIVE:
        raise refusal(found)
    subject = {"preorder": found.id}
    terminal = getattr(shift, "register", "") or ""
    if approval is None and not approvals.may(by, Action.CANCEL_RECEIPT, subject):
        require(by, Permission.SELL)
        raise ApprovalNeeded(
            _("{name} may not cancel a pre-order: ask {whom} to confirm.").format(
                name=by.name, whom=ask_whom(Permission.CANCEL_RECEIPT, by)
            ),
            action=Action.CANCEL_RECEIPT,
            scope=found.uuid,
            subject=subject,
            requester=by,
        )
    now = clock()
    with write_tx():
        if shift is not None:
            lock_shift(check_id(getattr(shift, "id", None), _("The shift")))
        found = lock(preorder_id)
        if found.status not in ACTIVE:
            raise refusal(found)
        held = prepaid_of(found.id)
        if held and shift is None:
            raise ValidationError(
                _("{amount} is prepaid: open your shift to give it back.").format(
                    amount=format_money(held)
                )
            )
        approval_id = _approve(
            by,
            approval,
            action=Action.CANCEL_RECEIPT,
            scope=found.uuid,
            subject=subject,
            refusal_text="",
            clock=clock,
            terminal=terminal,
        )
        at = _stamp(now)
        database.execute_sql(
            sql('UPDATE "preorder" SET "status" = ?, "updated_at" = ? WHERE "id" = ?'),
            (str(Status.CANCELLED), at, found.id),
        )
        database.execute_sql(
            sql(
                'UPDATE "preorder_reserve" SET "status" = ?, "closed_at" = ? '
                'WHERE "preorder_id" = ? AND "status" = ?'
            ),
            ("released", at, found.id, "held"),
        )
        parts = give_back(
            found,
            held,
            by=by,
            shift=shift,  # type: ignore[arg-type]
            now=now,
            fiscal=fiscal,
            why=f"cancel:{found.id}",
        )
        audit(
            "preorder.cancel",
            by,
            object_type="preorder",
            object_id=found.id,
            before={"status": found.status, "prepaid": held},
            after={
                "given_back": [list(p) for p in parts],
                "reason": reason,
                "approval": approval_id,
            },
            terminal=terminal,
            clock=clock,
        )
        notify(found, Status.CANCELLED, now, given_back=held)
    return Cancelled(found.id, tuple(parts))


# the one place to call pre-orders from (screens, the CLI, tests)
from torgtui.marketing.preorder_checkout import put_on  # noqa: E402
from torgtui.marketing.preorder_finish import Due, Finished, due, finish  # noqa: E402
from torgtui.marketing.preorder_list import LineView, Listed, View, open_preorders, show  # noqa: E402
from torgtui.marketing.preorder_money import Prepaid, take_prepayment  # noqa: E402

__all__ = [
    "MAX_LINES",
    "Cancelled",
    "Due",
    "Finished",
    "LineView",
    "Listed",
    "OrderLine",
    "Prepaid",
    "Reserved",
    "View",
    "cancel",
    "create",
    "due",
    "finish",
    "open_preorders",
    "put_on",
    "reserve",
    "show",
    "take_prepayment",
]
