"""Finishing a pre-order as a service (what the pre-order screen calls): the basket from the
pre-order, or the register's with more goods on it, priced by the pipeline; the whole
prepayment as the first tender; what was prepaid beyond a cheaper final receipt given back
first; all in the one transaction of the real checkout (torgtui.sales.checkout.commit_sale),
whose sale hook (torgtui.marketing.preorder_checkout) marks the pre-order sold."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from torgtui.clock import Clock, system_clock
from torgtui.db import query_value, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.preorder_checkout import PREPAYMENT, codes_on, deal_lines, not_ready
from torgtui.marketing.preorder_common import Status, head, lock, lock_shift, prepaid_of
from torgtui.marketing.preorder_money import give_back
from torgtui.models import Employee, Payment, Product, Receipt, Shift
from torgtui.sales.basket import Basket
from torgtui.sales.checkout import Tender, commit_sale, receipt_by_uuid
from torgtui.sales.pricing import PricingContext, price
from torgtui.sales.register import line_from_product
from torgtui.staff import Permission, require
from torgtui.values import check_id, check_uuid


def basket_for(preorder_id: int) -> Basket:
    """A basket holding exactly the pre-order: its customer, lines and code."""
    found = head(preorder_id)
    lines = deal_lines(found.id)
    products = {p.id: p for p in Product.select().where(Product.id.in_([ln[0] for ln in lines]))}
    return Basket(
        lines=[line_from_product(products[pid], qty) for pid, qty, _unit in lines],
        customer_id=found.customer_id,
        codes=[found.code],
    )


@dataclass(frozen=True)
class Due:
    """What finishing a pre-order comes to: the receipt, what the prepayment pays of it,
    what is given back first (prepaid beyond the receipt) and what is left to pay."""

    total: int
    prepaid: int
    from_prepayment: int
    given_back: int

    @property
    def to_pay(self) -> int:
        return self.total - self.from_prepayment


def due(
    preorder_id: int, *, location_id: int, basket: Basket | None = None, at: dt.datetime
) -> Due:
    """Price the pre-order's receipt now (the register's basket, or the pre-order alone)."""
    found = head(preorder_id)
    priced = price(
        copy.deepcopy(basket) if basket is not None else basket_for(found.id),
        PricingContext(
            at=at,
            customer_id=basket.customer_id if basket is not None else found.customer_id,
            location_id=location_id,
        ),
    )
    held = prepaid_of(found.id)
    use = min(held, priced.total)
    return Due(priced.total, held, use, held - use)


@dataclass(frozen=True)
class Finished:
    receipt: Receipt
    from_prepayment: int  # what the prepayment paid of the receipt
    given_back: tuple[tuple[str, int], ...]  # prepaid beyond the receipt, given back first
    change: int


def finish(
    preorder_id: int,
    tenders: Sequence[Tender] = (),
    *,
    uuid: str,
    employee: Employee,
    shift: Shift,
    cash_step: int,
    basket: Basket | None = None,
    clock: Clock = system_clock,
    fiscal: bool = True,
    below_cost: str = "confirm",
) -> Finished:
    """Sell a ready pre-order through the checkout: the basket (the register's, holding the
    pre-order's code, or the pre-order alone), paid first with its whole prepayment, then
    with ``tenders`` for the rest. When the receipt comes to less than is prepaid (a discount
    that day beats the agreed price), the difference is given back first, the way it was
    paid, in the same transaction. Calling it again with the same ``uuid`` returns the same
    receipt."""
    require(employee, Permission.SELL)
    uuid = check_uuid(uuid)
    if not isinstance(tenders, (list, tuple)):
        raise ValidationError(_("Give the payments as a short list of tenders."))
    if isinstance(cash_step, bool) or not isinstance(cash_step, int):
        raise ValidationError(_("Cash is rounded to 1, 5, 10, 50 or 100 kopecks."))
    shift_id = check_id(getattr(shift, "id", None), _("The shift"))
    found = head(preorder_id)
    if basket is None:
        basket = basket_for(found.id)
    elif not isinstance(basket, Basket) or found.code not in codes_on(basket):
        raise ValidationError(
            _("Pre-order {code} is not on this receipt: scan its code first.").format(
                code=found.code
            )
        )
    now = clock()
    with write_tx():
        existing = receipt_by_uuid(uuid)
        if existing is not None:
            return _finished(existing)
        lock_shift(shift_id)
        found = lock(found.id)
        if found.status != Status.READY:
            raise not_ready(found)
        location_id = query_value('SELECT "location_id" FROM "shift" WHERE "id" = ?', (shift_id,))
        held = prepaid_of(found.id)
        priced = price(
            copy.deepcopy(basket),
            PricingContext(
                at=now,
                customer_id=basket.customer_id,
                location_id=location_id,  # type: ignore[arg-type]
                below_cost=below_cost,
            ),
        )
        use = min(held, priced.total)
        given: list[tuple[str, int]] = []
        if held > use:
            given = give_back(
                found,
                held - use,
                by=employee,
                shift=shift,
                now=now,
                fiscal=fiscal,
                why=f"finish:{uuid}",
            )
        paying = ([Tender(PREPAYMENT.name, use)] if use else []) + list(tenders)
        receipt = commit_sale(
            basket,
            paying,
            uuid=uuid,
            employee=employee,
            shift=shift,
            cash_step=cash_step,
            clock=clock,
            fiscal=fiscal,
            below_cost=below_cost,
        )
    return Finished(receipt, use, tuple(given), int(getattr(receipt, "change", 0)))


def _finished(receipt: Receipt) -> Finished:
    paid = sum(
        p.amount
        for p in Payment.select().where(
            (Payment.receipt == receipt.id) & (Payment.tender == PREPAYMENT.name)
        )
    )
    return Finished(receipt, int(paid), (), 0)


__all__ = ["Due", "Finished", "basket_for", "due", "finish"]
