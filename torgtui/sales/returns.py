"""Returns: a whole receipt or some lines and quantities, money back by the original tenders.

A return is a receipt of its own (kind "return") linked to the original, with lines linked to
the lines they return and reversing stock movements. The check that no more comes back than
was sold runs inside the write transaction with the original receipt locked (SQLite: the
immediate transaction; PostgreSQL: ``SELECT ... FOR UPDATE``), so two registers returning the
same line at once cannot both succeed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

import peewee

from torgtui import approvals
from torgtui.approvals import Action, Approval, ApprovalNeeded
from torgtui.clock import Clock, system_clock
from torgtui.db import database, is_sqlite, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Employee, Payment, Product, Receipt, ReceiptLine, Shift
from torgtui.money import format_qty, round_cash, round_kopecks
from torgtui.sales import extensions
from torgtui.sales.basket import Adjustment, Basket, BasketLine
from torgtui.sales.checkout import _open_shift_of, lock_uuid, receipt_by_uuid, write_receipt
from torgtui.sales.extensions import ReturnEvent
from torgtui.sales.pricing import split_proportionally
from torgtui.staff import Permission, ask_whom, audit, require
from torgtui.values import check_count, check_id, check_qty, check_uuid


@dataclass(frozen=True)
class Returnable:
    line: ReceiptLine
    sold: int
    returned: int

    @property
    def left(self) -> int:
        return self.sold - self.returned


def find_receipt(number: int, location_id: int) -> Receipt:
    receipt = Receipt.get_or_none(
        (Receipt.number == number) & (Receipt.location == location_id) & (Receipt.kind == "sale")
    )
    if receipt is None:
        raise ValidationError(_("There is no sale receipt number {n}.").format(n=number))
    return receipt


def returnable(receipt: Receipt) -> list[Returnable]:
    """Each line of a sale with what was sold and what has come back already."""
    returned = dict(
        ReceiptLine.select(ReceiptLine.original_line, peewee.fn.SUM(ReceiptLine.qty))
        .join(Receipt)
        .where((Receipt.original == receipt.id) & (Receipt.kind == "return"))
        .group_by(ReceiptLine.original_line)
        .tuples()
    )
    lines = (
        ReceiptLine.select().where(ReceiptLine.receipt == receipt.id).order_by(ReceiptLine.position)
    )
    return [Returnable(ln, ln.qty, int(returned.get(ln.id) or 0)) for ln in lines]


def _share(amount: int, part: int, whole: int) -> int:
    from decimal import Decimal

    return round_kopecks(Decimal(amount) * part / whole)


def refund_line(item: Returnable, qty: int) -> BasketLine:
    """The returned part of a line at what the customer actually paid for it. Cumulative
    rounding (what all returns so far are worth, less what earlier ones refunded) makes the
    refunds of a line add up exactly to its total when all of it comes back."""
    ln = item.line
    before, after = item.returned, item.returned + qty
    subtotal = _share(ln.subtotal, after, ln.qty) - _share(ln.subtotal, before, ln.qty)
    discount = _share(ln.discount, after, ln.qty) - _share(ln.discount, before, ln.qty)
    unit_price = ln.unit_price
    refund = BasketLine(
        product_id=ln.product_id,
        sku="",
        name=ln.name,
        qty=qty,
        unit_price=unit_price,
        unit_cost=ln.unit_cost,
        barcode=ln.barcode,
    )
    # keep subtotal exact even where qty x price rounds differently from the share
    drift = refund.subtotal - subtotal
    if drift or discount:
        refund.adjustments.append(
            Adjustment("return", _("Discount of the original sale"), discount + drift)
        )
    return refund


def refund_total(chosen: list[tuple[Returnable, int]]) -> int:
    """What returning ``chosen`` (line, thousandths) pays back, before cash rounding: the
    amount the return screen shows before the cashier confirms."""
    return sum(refund_line(item, qty).total for item, qty in chosen)


def _value(items: dict[int, Returnable], extra: dict[int, int]) -> int:
    """What the lines returned so far (plus ``extra`` thousandths per line) are worth."""
    return sum(
        _share(r.line.total, r.returned + extra.get(lid, 0), r.line.qty) for lid, r in items.items()
    )


def _paid_and_left(original: Receipt) -> tuple[dict[str, int], dict[str, int]]:
    """What each tender paid of ``original``, and what is left of it to refund."""
    paid: dict[str, int] = {}
    for p in Payment.select().where(Payment.receipt == original.id):
        paid[p.tender] = paid.get(p.tender, 0) + p.amount
    left_to_refund = dict(paid)
    refunded = (
        Payment.select(Payment.tender, peewee.fn.SUM(Payment.amount))
        .join(Receipt)
        .where((Receipt.original == original.id) & (Receipt.kind == "return"))
        .group_by(Payment.tender)
        .tuples()
    )
    for tender, sum_ in refunded:
        left_to_refund[tender] = left_to_refund.get(tender, 0) - int(sum_ or 0)
    return paid, left_to_refund


MONEY = ("cash", "card", "cashless")


def _ledger_refunds(
    original: Receipt, amount: int, *, worth_before: int, worth_after: int
) -> list[tuple[str, int, int]]:
    """Tenders that live on a ledger (bonuses, credit, certificates) get back their share of
    what the returned lines are worth, in proportion to what they paid of the receipt
    (cumulative over returns, never more than they paid)."""
    paid, left_to_refund = _paid_and_left(original)
    payments, left = [], amount
    whole = max(original.total, 1)
    for tender in sorted(paid):
        if tender in MONEY:
            continue
        share = _share(paid[tender], worth_after, whole) - _share(paid[tender], worth_before, whole)
        part = max(0, min(share, left_to_refund.get(tender, 0), left))
        if part:
            payments.append((tender, part, part))
            left -= part
    return payments


def _money_refunds(original: Receipt, amount: int, cash_step: int) -> tuple[list, int]:
    """The money part: cards up to what they paid (less earlier refunds), the rest in cash,
    rounded as cash is."""
    _paid, left_to_refund = _paid_and_left(original)
    payments, left = [], amount
    for tender in ("card", "cashless"):
        part = min(left, max(left_to_refund.get(tender, 0), 0))
        if part:
            payments.append((tender, part, part))
            left -= part
    rounding = 0
    if left:
        cash = round_cash(left, cash_step)
        rounding, left = cash - left, cash
        payments.append(("cash", left, left))
    return payments, rounding


def _old_return_needs(
    original: Receipt,
    *,
    uuid: str,
    employee: Employee,
    max_age_days: int | None,
    now: dt.datetime,
) -> ApprovalNeeded | None:
    """An approval to ask for when ``original`` is older than ``max_age_days`` (None: any
    age is fine, or the employee may take it back alone)."""
    if max_age_days is None:
        return None
    age = (now.date() - original.created_at.date()).days
    subject = {"original": original.id}
    if age <= max_age_days or approvals.may(employee, Action.OLD_RETURN, subject):
        return None
    return ApprovalNeeded(
        _(
            "Receipt {n} is {days} days old; a cashier takes back receipts up to {max} days "
            "old. Ask {whom} to confirm with their PIN."
        ).format(
            n=original.number,
            days=age,
            max=max_age_days,
            whom=ask_whom(Permission.RETURN_OLD_RECEIPT, employee),
        ),
        action=Action.OLD_RETURN,
        scope=uuid,
        subject=subject,
        requester=employee,
    )


def commit_return(
    original: Receipt,
    quantities: Mapping[int, int],
    *,
    uuid: str,
    employee: Employee,
    shift: Shift,
    cash_step: int,
    clock: Clock = system_clock,
    fiscal: bool = True,
    max_age_days: int | None = None,
    approval: Approval | None = None,
) -> Receipt:
    """Return ``quantities`` (original line id -> thousandths) of ``original``.

    A receipt older than ``max_age_days`` (the ``register.return_days_without_approval``
    setting) needs an employee with that right, or :class:`ApprovalNeeded` is raised and the
    call is repeated with the approval a senior's PIN yields."""
    require(employee, Permission.RETURN)
    uuid = check_uuid(uuid)
    original_id = check_id(getattr(original, "id", None), _("The receipt"))
    if max_age_days is not None:
        max_age_days = check_count(max_age_days, _("Days a receipt may be returned"), text=False)
    if not isinstance(quantities, Mapping) or not quantities or len(quantities) > 1000:
        raise ValidationError(_("Choose what comes back: a line and a quantity above zero."))
    wanted: dict[int, int] = {}
    for line_id, qty in quantities.items():
        check_id(line_id, _("A receipt line"))
        if isinstance(qty, int) and not isinstance(qty, bool) and qty == 0:
            continue
        wanted[line_id] = check_qty(qty, weighed=True)
    if not wanted:
        raise ValidationError(_("Choose what comes back: a line and a quantity above zero."))
    now: dt.datetime = clock()
    with write_tx():
        lock_uuid(uuid)
        existing = receipt_by_uuid(uuid)
        if existing is not None:
            return existing
        shift = _open_shift_of(shift)
        if not is_sqlite():
            Receipt.select(Receipt.id).where(Receipt.id == original_id).for_update().execute()
        original = Receipt.get_or_none(Receipt.id == original_id)
        if original is None or original.kind != "sale":
            raise ValidationError(_("Only a sale can be returned."))
        needed = _old_return_needs(
            original, uuid=uuid, employee=employee, max_age_days=max_age_days, now=now
        )
        approved_by = None
        if needed is not None:
            if approval is None:
                raise needed
            approvals.use(
                approval, action=Action.OLD_RETURN, scope=uuid, subject=needed.subject, clock=clock
            )
            approved_by = approval.approver_id
        items = {r.line.id: r for r in returnable(original)}
        weighed = dict(
            Product.select(Product.id, Product.weighed)
            .where(Product.id.in_([r.line.product_id for r in items.values()]))
            .tuples()
        )
        basket, originals, chosen = Basket(), [], []
        for line_id, qty in wanted.items():
            item = items.get(line_id)
            if item is None:
                raise ValidationError(
                    _("That line is not on receipt {n}.").format(n=original.number)
                )
            check_qty(qty, weighed=bool(weighed.get(item.line.product_id)), name=item.line.name)
            if qty > item.left:
                raise ValidationError(
                    _(
                        "Only {left} of {name} can still be returned ({returned} already were)."
                    ).format(
                        left=format_qty(item.left),
                        name=item.line.name,
                        returned=format_qty(item.returned),
                    )
                )
            refund = refund_line(item, qty)
            basket.lines.append(refund)
            originals.append(line_id)
            chosen.append((item.line, qty, refund))
        event = ReturnEvent(
            original=original,
            lines=chosen,
            refund=basket.total,
            payments=[],
            employee=employee,
            shift=shift,
            now=now,
            uuid=uuid,
        )
        extensions.load()
        event.payments = _ledger_refunds(
            original,
            basket.total,
            worth_before=_value(items, {}),
            worth_after=_value(items, wanted),
        )
        event.money = basket.total - sum(p[1] for p in event.payments)
        for planner in extensions.RETURN_PLANNERS:
            planner(event)
        deduction = min(event.deduction, event.money)
        money, rounding = _money_refunds(original, event.money - deduction, cash_step)
        payments = event.payments + money
        if deduction:  # it comes off the lines, so the return's total is what is paid back
            totals = [ln.total for ln in basket.lines]
            for refund, share in zip(
                basket.lines, split_proportionally(deduction, totals), strict=True
            ):
                if share:
                    refund.adjustments.append(
                        Adjustment(
                            "bonus_reverse", _("Bonuses from this purchase already spent"), share
                        )
                    )
        event.payments = payments
        event.deduction = deduction
        basket.customer_id = original.customer_id

        def audit_return(receipt_id: int) -> None:
            event.receipt_id = receipt_id
            for hook in extensions.RETURN_HOOKS:
                hook(event)
            if event.info:
                database.execute_sql(
                    sql('UPDATE "receipt" SET "info" = ? WHERE "id" = ?'),
                    (json.dumps(event.info, ensure_ascii=False, default=str), receipt_id),
                )
            audit(
                "receipt.return",
                employee,
                object_type="receipt",
                object_id=receipt_id,
                after={
                    "original": original.id,
                    "total": basket.total,
                    "approved_by": approved_by,
                },
                terminal=shift.register,
                clock=clock,
            )

        receipt = write_receipt(
            uuid=uuid,
            kind="return",
            basket=basket,
            payments=payments,
            rounding=rounding,
            shift=shift,
            employee=employee,
            now=now,
            fiscal=fiscal,
            original_id=original.id,
            originals=originals,
            finish=audit_return,
        )
    return receipt
