"""``torgtui sell``, ``torgtui return`` and ``torgtui shift open|close``: a day at the register
from scripts, through the same services as the register (torgtui.sales.checkout, returns,
shifts), in the employee's open shift on this register (``store.register``).

``sell ORDER.json --employee NAME``: an order is a basket as ``torgtui price`` reads it
(``lines``, ``customer``, ``redeem_bonus``, ``codes``) plus ``"payments": [{"kind": "cash" |
"card" | "cashless" | "bonus" | "credit", "amount": <kopecks>}]`` and an optional ``"uuid"``.
The same uuid again prints the receipt already written (a retry never sells twice). A sale is
priced as the register prices it (the shift's location, the customer's card), so
``price_type``, ``location`` and ``at`` are refused; ``redeem_bonus`` becomes a ``bonus``
payment of what the card allows (refused when it allows less than asked, as the register's
bonus key); a promo code of ``codes`` that is refused (with its reason) refuses the sale; gift
certificates of ``certificates`` pay what they cover (a ``certificate`` payment of that amount
is added unless one is given; ``payments`` may then be empty) and one that cannot pay (with its
reason) refuses the sale. A sale
below cost needs a confirmer: the employee if they may, else ``--approver NAME --approver-pin
PIN``.

``return NUMBER [--line N [--qty Q]]... --employee NAME``: a sale receipt of this location
(``store.location``); no ``--line``: all that has not come back yet; ``--line N`` is the
line's position on the receipt, ``--qty`` in units (all that is left of the line when no
``--qty`` is given). An old receipt needs the approver the service names.

Both print the receipt as JSON (torgtui.sales.receipt_json) with the customer's balances after.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from torgtui.clock import Clock, system_clock
from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.models import Employee, Receipt, Shift
from torgtui.sales.price_cli import (
    BasketError,
    BasketRequest,
    _customer_id,
    _unknown_keys,
    basket_codes,
    basket_lines,
    load_json,
    priced,
    read_basket,
)

ORDER_KEYS = ("lines", "customer", "redeem_bonus", "codes", "certificates", "payments", "uuid")
PAYMENT_KEYS = ("kind", "amount")
MAX_PAYMENTS = 20


@dataclass
class Order:
    basket: BasketRequest
    payments: list[tuple[str, int]] = field(default_factory=list)
    uuid: str | None = None


@dataclass(frozen=True)
class Approver:
    """Who confirms what the employee may not do alone, and their PIN (checked by
    torgtui.approvals.grant, counted toward their lockout)."""

    employee: Employee
    pin: str


# --- reading an order ---------------------------------------------------------------------------


def read_order(data: Any, path: str = "order") -> Order:
    """Check the shape of a parsed order (see the module doc); BasketError names the key."""
    from torgtui.values import check_kopecks, check_uuid

    if isinstance(data, dict):
        for key in ("price_type", "location", "at"):
            if key in data:
                raise BasketError(
                    _(
                        '{path}: "{key}" is for `torgtui price`: a sale is priced as the register '
                        "prices it (the shift's location, now, the customer's card)."
                    ).format(path=path, key=key)
                )
    order = Order(read_basket(data, path, keys=ORDER_KEYS))
    payments = data.get("payments")
    least = 0 if order.basket.certificates else 1  # certificates may pay it all
    if not isinstance(payments, list) or not least <= len(payments) <= MAX_PAYMENTS:
        raise BasketError(
            _(
                '{path}: "payments" is a list of up to {n} payments like '
                '{{"kind": "cash", "amount": 50000}}.'
            ).format(path=path, n=MAX_PAYMENTS)
        )
    for n, payment in enumerate(payments, 1):
        where = _("payment {n}").format(n=n)
        if not isinstance(payment, dict) or set(payment) != set(PAYMENT_KEYS):
            if isinstance(payment, dict):
                _unknown_keys(where, payment, PAYMENT_KEYS)
            raise BasketError(
                _('{where} must be {{"kind": "cash", "amount": 50000}} (kopecks).').format(
                    where=where
                )
            )
        if not isinstance(payment["kind"], str):
            raise BasketError(_('{where}: "kind" is text, like "cash".').format(where=where))
        amount = check_kopecks(payment["amount"], _("{where}: the amount").format(where=where))
        order.payments.append((payment["kind"][:40], amount))
    if data.get("uuid") is not None:
        order.uuid = check_uuid(data["uuid"], '"uuid"')
    return order


def load_order(path: str) -> Order:
    return read_order(load_json(path), path)


# --- who and where ------------------------------------------------------------------------------


def open_shift_of(employee: Employee, register: str) -> Shift:
    from torgtui.sales.shifts import current_shift

    shift = current_shift(employee, register)
    if shift is None:
        raise TorgError(
            _(
                "{name} has no open shift on register {register}: open one with "
                "`torgtui shift open --employee NAME` first."
            ).format(name=employee.name, register=register)
        )
    return shift


def _grant(needed: Any, approver: Approver | None, clock: Clock, register: str) -> Any:
    """The approval a senior's PIN gives for ``needed`` (an ApprovalNeeded), or the refusal
    with the service's words and how to give a confirmer here."""
    from torgtui import approvals

    if approver is None:
        raise TorgError(
            _("{message} Give --approver NAME --approver-pin PIN.").format(message=needed.message)
        )
    return approvals.grant(
        approver.employee.id,
        approver.pin,
        action=needed.action,
        scope=needed.scope,
        subject=needed.subject,
        facts=needed.facts,
        clock=clock,
        terminal=register,
    )


# --- sell ---------------------------------------------------------------------------------------


def _below_cost(basket: Any, ctx: Any, uuid: str, employee: Employee, approver, clock, register):
    """Confirm a sale below cost as the register does (one's own right, or a confirmer)."""
    from torgtui import approvals
    from torgtui.approvals import Action, ApprovalNeeded
    from torgtui.money import format_money
    from torgtui.sales.pricing import price
    from torgtui.staff import Permission, ask_whom

    trial = price(basket, ctx)
    if not trial.below_cost:
        return
    subject = trial.below_cost_subject()
    if approvals.may(employee, Action.BELOW_COST, subject):
        approval = approvals.grant_own(
            employee,
            action=Action.BELOW_COST,
            scope=uuid,
            subject=subject,
            clock=clock,
            terminal=register,
        )
    else:
        lines = ", ".join(
            f"{ln.name} −{format_money(ln.below_cost)}" for ln in trial.lines if ln.below_cost
        )
        needed = ApprovalNeeded(
            _("Below cost by {amount} ({lines}): {whom} confirms with their PIN.").format(
                amount=format_money(trial.below_cost),
                lines=lines,
                whom=ask_whom(Permission.CONFIRM_BELOW_COST),
            ),
            action=Action.BELOW_COST,
            scope=uuid,
            subject=subject,
        )
        approval = _grant(needed, approver, clock, register)
    basket.below_cost_approval = approvals.use(
        approval, action=Action.BELOW_COST, scope=uuid, subject=subject, clock=clock
    )


def sell(
    order: Order,
    *,
    settings: Any,
    employee: Employee,
    approver: Approver | None = None,
    clock: Clock = system_clock,
) -> Receipt:
    """Commit ``order`` as a sale (see the module doc); the receipt already written when its
    uuid was sold before."""
    from torgtui.money import format_money
    from torgtui.sales.aftersale import after_sale
    from torgtui.sales.basket import Basket
    from torgtui.sales.checkout import Tender, commit_sale, receipt_by_uuid
    from torgtui.sales.pricing import PricingContext, price
    from torgtui.staff import Permission, require

    require(employee, Permission.SELL)
    register = settings.store.register
    uuid = order.uuid or str(uuidlib.uuid4())
    existing = receipt_by_uuid(uuid)
    if existing is not None:
        if existing.kind != "sale":
            raise TorgError(_('"uuid" {uuid} is a return\'s: give a new one.').format(uuid=uuid))
        return existing
    shift = open_shift_of(employee, register)
    basket = Basket(
        customer_id=_customer_id(order.basket.customer), codes=basket_codes(order.basket)
    )
    basket.lines, errors = basket_lines(order.basket, settings.register.prefixes())
    if errors:
        raise BasketError(errors[0])
    if not basket.lines:
        raise BasketError(_('The order has no lines: give at least one in "lines".'))

    def context() -> PricingContext:
        return PricingContext(
            at=clock(),
            customer_id=basket.customer_id,
            location_id=shift.location_id,
            below_cost=settings.register.below_cost,
        )

    if basket.codes:  # a refused promo code refuses the sale: it was to change the price
        refused = [
            r
            for r in price(basket, context()).info.get("refused", [])
            if "code" in r and r.get("rule") != "certificate"  # certificates: below
        ]
        if refused:
            raise BasketError(_('"codes": {reason}').format(reason=refused[0]["reason"]))
    tenders = [Tender(kind, amount) for kind, amount in order.payments]
    redeem = order.basket.redeem_bonus
    if redeem is not None:
        if any(t.kind == "bonus" for t in tenders):
            raise BasketError(
                _('Give the bonuses either as "redeem_bonus" or as a "bonus" payment, not both.')
            )
        trial = priced(basket, redeem, context)
        allowed = int((trial.info.get("bonus") or {}).get("spend", 0))  # type: ignore[union-attr]
        if redeem != "max" and allowed < int(redeem):
            reasons = [r["reason"] for r in trial.info.get("refused", []) if r["rule"] == "bonus"]
            raise BasketError(
                reasons[0]
                if reasons
                else _("At most {max} of this receipt can be paid with bonuses.").format(
                    max=format_money(allowed)
                )
            )
        if allowed:
            tenders.append(Tender("bonus", allowed))
    if order.basket.certificates:  # they pay what they cover, or the sale is refused
        trial = price(basket, context())
        refused = [r for r in trial.info.get("refused", []) if r.get("rule") == "certificate"]
        if refused:
            raise BasketError(_('"certificates": {reason}').format(reason=refused[0]["reason"]))
        covered = int((trial.info.get("certificates") or {}).get("pay", 0))  # type: ignore[union-attr]
        if covered and not any(t.kind == "certificate" for t in tenders):
            tenders.append(Tender("certificate", covered))
    _below_cost(basket, context(), uuid, employee, approver, clock, register)
    receipt = commit_sale(
        basket,
        tenders,
        uuid=uuid,
        employee=employee,
        shift=shift,
        cash_step=settings.money.cash_rounding,
        clock=clock,
        fiscal=settings.devices.fiscal != "none",
        below_cost=settings.register.below_cost,
        verification=getattr(settings, "verification", None),  # None: the defaults
    )
    after_sale(receipt, settings, clock=clock)
    return receipt


# --- return -------------------------------------------------------------------------------------


def check_picks(lines: list[str] | None, qtys: list[str] | None) -> list[tuple[int, int | None]]:
    """``--line N [--qty Q]`` pairs, read before the database is opened: (position,
    thousandths or None for all that is left)."""
    from torgtui.values import check_count, parse_qty

    lines, qtys = lines or [], qtys or []
    if qtys and len(qtys) != len(lines):
        raise TorgError(_("Give one --qty for each --line (or none: the lines come back whole)."))
    picks: list[tuple[int, int | None]] = []
    for n, text in enumerate(lines):
        position = check_count(text, "--line", minimum=1, maximum=1000)
        if any(p == position for p, _q in picks):
            raise TorgError(_("Line {n} is given twice: give it once.").format(n=position))
        picks.append((position, parse_qty(qtys[n]) if qtys else None))
    return picks


def take_back(
    number: int,
    picks: list[tuple[int, int | None]],
    *,
    settings: Any,
    employee: Employee,
    approver: Approver | None = None,
    uuid: str | None = None,
    clock: Clock = system_clock,
) -> Receipt:
    """Return ``picks`` (or the whole receipt) of sale ``number`` (see the module doc)."""
    from torgtui.approvals import ApprovalNeeded
    from torgtui.catalog.stock import location_by_code
    from torgtui.sales import returns
    from torgtui.sales.checkout import receipt_by_uuid
    from torgtui.staff import Permission, require

    require(employee, Permission.RETURN)
    register = settings.store.register
    original = returns.find_receipt(number, location_by_code(settings.store.location).id)
    uuid = uuid or str(uuidlib.uuid4())
    existing = receipt_by_uuid(uuid)
    if existing is not None:
        if existing.kind != "return" or existing.original_id != original.id:
            raise TorgError(
                _("--uuid {uuid} is another receipt's: give a new one.").format(uuid=uuid)
            )
        return existing
    shift = open_shift_of(employee, register)
    items = returns.returnable(original)
    wanted: dict[int, int] = {}
    if not picks:
        wanted = {r.line.id: r.left for r in items if r.left > 0}
        if not wanted:
            raise TorgError(_("Everything on receipt {n} has come back already.").format(n=number))
    by_position = {r.line.position: r for r in items}
    for position, qty in picks:
        item = by_position.get(position)
        if item is None:
            raise TorgError(
                _("Receipt {n} has no line {line}: its lines are 1 to {last}.").format(
                    n=number, line=position, last=len(items)
                )
            )
        wanted[item.line.id] = item.left if qty is None else qty
        if not wanted[item.line.id]:
            raise TorgError(
                _("Line {line} of receipt {n} has come back already.").format(
                    line=position, n=number
                )
            )

    def commit(approval: Any = None) -> Receipt:
        return returns.commit_return(
            original,
            wanted,
            uuid=uuid,
            employee=employee,
            shift=shift,
            cash_step=settings.money.cash_rounding,
            clock=clock,
            fiscal=settings.devices.fiscal != "none",
            max_age_days=settings.register.return_days_without_approval,
            approval=approval,
        )

    try:
        return commit()
    except ApprovalNeeded as needed:
        return commit(_grant(needed, approver, clock, register))


# --- shifts -------------------------------------------------------------------------------------


def open_shift(settings: Any, employee: Employee, opening_float: int, clock=system_clock) -> dict:
    from torgtui.catalog.stock import location_by_code
    from torgtui.sales import shifts

    shift = shifts.open_shift(
        employee,
        settings.store.register,
        location_by_code(settings.store.location),
        opening_float,
        clock=clock,
        fiscal=settings.devices.fiscal != "none",
    )
    return {
        "shift": shift.id,
        "register": shift.register,
        "location": settings.store.location,
        "employee": employee.name,
        "opened_at": shift.opened_at.isoformat(),
        "float": opening_float,
    }


def close_shift(settings: Any, employee: Employee, counted: int | None, clock=system_clock) -> dict:
    from torgtui.sales import shifts

    shift = open_shift_of(employee, settings.store.register)
    report = shifts.close_shift(
        shift, employee, counted, clock=clock, fiscal=settings.devices.fiscal != "none"
    )
    z = report.as_dict()
    return {
        "shift": shift.id,
        "register": shift.register,
        "employee": employee.name,
        "closed_at": clock().isoformat(),
        "counted": counted,
        "difference": None if counted is None else counted - report.cash_expected,
        "z_report": z,
    }


def print_receipt(receipt: Receipt, employee: Employee) -> int:
    from torgtui.customers.show import balances
    from torgtui.sales.receipt_json import receipt_json

    after = balances(receipt.customer_id, by=employee, at=dt.datetime.now())
    print(json.dumps(receipt_json(receipt, balances=after), ensure_ascii=False, indent=2))
    return 0
