"""Cash-out of bonuses (seed 000 section 6; issue 12.7): a customer's accumulated bonuses (the
partner programs' rewards land on the same bonus account) are paid out in cash from the
register's drawer.

One transaction, by the CASH_OUT_BONUSES permission, audited:

* the bonuses are spent on the one ledger (torgtui.marketing.ledger, Kind.BONUS, entry kind
  ``cash_out``): only what can be spent now (unexpired), oldest first, like a payment;
* the cash leaves the shift's drawer as a cash movement of kind ``out:bonus`` (a payout,
  torgtui.sales.shifts), which the X and Z reports show as their "Bonus cash-out" line and take
  from the cash expected in the drawer;
* the fiscal unit gets a service cash-out (a ``cash_out`` job of the fiscal queue: Checkbox
  ``POST /receipts/service`` with ``{"payment": {"type": "CASH", "value": -amount}}``), since
  money leaves the drawer without a sale; no goods receipt, as nothing is sold.

Refused with nothing written: more than the customer's spendable bonuses, more than the cash
in the drawer, a blocked (or merged, erased) card, a closed shift, no permission.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.bonuses import OWNER
from torgtui.marketing.ledger import Kind
from torgtui.marketing.preorder_common import lock_shift
from torgtui.models import Customer, Employee, Shift
from torgtui.money import format_money
from torgtui.sales.shifts import queue_fiscal_job, record_cash, register_payout, x_report
from torgtui.staff import Permission, audit, require
from torgtui.values import check_id, check_kopecks, check_text

CASH_KIND = register_payout("bonus", lambda: _("Bonus cash-out"))  # "out:bonus"
ENTRY_KIND = "cash_out"  # the ledger entry's kind


@dataclass(frozen=True)
class CashOut:
    """A cash-out done: what was paid, the bonuses left, the ledger entry."""

    customer_id: int
    amount: int
    balance: int  # bonuses left on the card
    entry_id: int
    shift_id: int


def cashable(customer_id: int, at: dt.datetime) -> int:
    """What of a customer's bonuses can be paid out now (unexpired, never below zero)."""
    account_id = ledger.find_account(Kind.BONUS, OWNER, customer_id)
    return max(0, min(ledger.spendable(account_id, at), ledger.balance(account_id)))


def cash_out_bonuses(
    customer_id: Any,
    amount: Any,
    *,
    shift: Shift,
    by: Employee,
    note: Any = "",
    clock: Clock = system_clock,
    fiscal: bool = True,
) -> CashOut:
    """Pay ``amount`` kopecks of the customer's bonuses out of ``shift``'s drawer (see the
    module doc); returns what was done or raises ValidationError with nothing written."""
    require(by, Permission.CASH_OUT_BONUSES)
    customer_id = check_id(customer_id, _("The customer"))
    amount = check_kopecks(amount, _("The amount"), minimum=1)
    note = check_text(note, _("The note"), max_len=200)
    shift_id = check_id(getattr(shift, "id", None), _("The shift"))
    now = clock()
    with write_tx():
        lock_shift(shift_id)
        customer = Customer.get_or_none(Customer.id == customer_id)
        if customer is None:
            raise ValidationError(_("There is no such customer."))
        if customer.status != "active" or customer.card_status == "blocked":
            raise ValidationError(
                _(
                    "The card of {name} is blocked or no longer in use: its bonuses are not paid "
                    "out. Unblock the card first if it is the customer's own."
                ).format(name=customer.name)
            )
        have = cashable(customer_id, now)
        if amount > have:
            raise ValidationError(
                _(
                    "{name} has {have} in bonuses that can be paid out: {want} is more. Type "
                    "at most {have}."
                ).format(name=customer.name, have=format_money(have), want=format_money(amount))
            )
        in_drawer = x_report(Shift(id=shift_id)).cash_expected
        if amount > in_drawer:
            raise ValidationError(
                _(
                    "The drawer has {drawer} in cash: {want} cannot be paid out of it. Pay "
                    "less, or cash in first (F2)."
                ).format(drawer=format_money(max(in_drawer, 0)), want=format_money(amount))
            )
        account_id = ledger.find_account(Kind.BONUS, OWNER, customer_id)
        assert account_id is not None  # bonuses to pay out: the account exists
        posted = ledger.post(
            account_id,
            -amount,
            ENTRY_KIND,
            now=now,
            keep_open=False,
            employee_id=by.id,
            note=note,
            document=f"cashout:shift:{shift_id}",
        )
        record_cash(
            shift_id,
            CASH_KIND,
            amount,
            employee_id=by.id,
            note=f"customer:{customer_id}",
            now=now,
            fiscal_cash_in=False,
        )
        if fiscal:
            queue_fiscal_job(
                "cash_out",
                shift_id=shift_id,
                payload={"amount": amount, "why": "bonus_cash_out", "customer": customer_id},
                now=now,
            )
        audit(
            "bonus.cash_out",
            by,
            object_type="customer",
            object_id=customer_id,
            after={"amount": amount, "shift": shift_id, "note": note, "entry": posted.entry_id},
            clock=clock,
        )
    return CashOut(customer_id, amount, posted.balance, posted.entry_id, shift_id)


__all__ = ["CASH_KIND", "CashOut", "cash_out_bonuses", "cashable"]
