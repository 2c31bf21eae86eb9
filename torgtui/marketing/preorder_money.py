"""A pre-order's money: the prepayment taken (whole or in parts, in cash or by card) and given
back (a cancellation, or the part a cheaper final receipt does not need).

**On the ledger.** Each pre-order has one ``prepayment`` account (owner type ``preorder``,
owner id the pre-order's id): a prepayment is a credit entry (``prepay_cash``,
``prepay_card``), the final sale spends it as the ``prepayment`` tender (``spend``, with the
receipt), and money given back is a debit (``refund_cash``, ``refund_card``). So the balance is
always what the shop holds for that order, and a sold or cancelled pre-order ends at zero. The
account belongs to the pre-order, not the customer, so two orders of one customer never mix
and a cancellation gives back exactly what that order took.

**In the shift.** Money taken is counted in the shift of the employee who takes it, as VIP
payments are (torgtui.sales.shifts.record_cash): cash is a cash movement ``in`` (the X and Z
reports count it in the cash expected in the drawer) plus a service cash-in for the fiscal
unit; a card payment is a movement ``po_card`` (the card terminal's money, not the
drawer's). Money given back: cash is a movement ``out`` plus a service cash-out; to the card,
a negative ``po_card``.

**Fiscally** (the bundled Checkbox API v0.1.79 has no prepayment receipt; see
torgtui.hw.fiscal.tenders and docs/preorders.md): the prepayment reaches the fiscal unit as a
service cash-in (card: nothing until the sale), and the final receipt carries the whole goods
total, its prepayment part as a cashless payment labelled «Передоплата». The revenue is
counted once, at the sale, as for VIP debts paid later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from torgtui.clock import Clock, system_clock
from torgtui.db import database, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.ledger import Settle
from torgtui.marketing.preorder_common import (
    ACTIVE,
    Head,
    account_of,
    find_account,
    lock,
    lock_shift,
    refusal,
)
from torgtui.models import Employee, Shift
from torgtui.money import format_money
from torgtui.sales.shifts import queue_fiscal_job, record_cash, x_report
from torgtui.staff import Permission, audit, require
from torgtui.values import check_id, check_kopecks, check_uuid

MONEY_TENDERS = ("cash", "card")
CARD_KIND = "po_card"  # cash_movement (10 characters at most): card money for a pre-order


@dataclass(frozen=True)
class Prepaid:
    """A prepayment taken: the entry, and what the pre-order stands at after it."""

    entry_id: int
    amount: int
    tender: str
    prepaid: int  # all that is prepaid now
    to_pay: int  # what is left of the agreed total


def by_tender(account_id: int | None) -> dict[str, int]:
    """What is held on the account, by how it was paid ({"cash": ..., "card": ...}): the
    prepayments of each tender less what was given back that way."""
    held = {"cash": 0, "card": 0}
    if account_id is None:
        return held
    rows = database.execute_sql(
        sql(
            'SELECT "kind", COALESCE(SUM("amount"), 0) FROM "ledger_entry" '
            'WHERE "account_id" = ? GROUP BY "kind"'
        ),
        (account_id,),
    ).fetchall()
    for kind, amount in rows:
        for tender in MONEY_TENDERS:
            if kind in (f"prepay_{tender}", f"refund_{tender}"):
                held[tender] += int(amount)
    return held


def take_prepayment(
    preorder_id: int,
    amount: int,
    tender: str,
    *,
    uuid: str,
    by: Employee,
    shift: Shift,
    clock: Clock = system_clock,
    fiscal: bool = True,
) -> Prepaid:
    """Take ``amount`` toward a pre-order, in cash or by card, into ``shift``. Whole or in
    parts, never more than the agreed total in all; refused once the pre-order is sold or
    cancelled. ``uuid`` is the payment's id (made when the dialog opens): the same call again
    returns the first payment, nothing is taken twice."""
    require(by, Permission.SELL)
    preorder_id = check_id(preorder_id, _("The pre-order"))
    amount = check_kopecks(amount, _("The prepayment"), minimum=1)
    if not isinstance(tender, str) or tender not in MONEY_TENDERS:
        raise ValidationError(_("A prepayment is taken in cash or by card."))
    uuid = check_uuid(uuid, _("The payment's id"))
    shift_id = check_id(getattr(shift, "id", None), _("The shift"))
    now = clock()
    with write_tx():
        lock_shift(shift_id)
        found = lock(preorder_id)
        account_id = account_of(found.id, now)
        done = _already(account_id, uuid)
        if done is not None:
            return _prepaid(done[0], done[1], done[2], account_id, found)
        if found.status not in ACTIVE:
            raise refusal(found)
        held = ledger.balance(account_id)
        if held + amount > found.total:
            raise ValidationError(
                (
                    _(
                        "Pre-order {code} comes to {total} and {held} is prepaid: take at "
                        "most {left}."
                    )
                    if held < found.total
                    else _("Pre-order {code} is prepaid in full ({total}).")
                ).format(
                    code=found.code,
                    total=format_money(found.total),
                    held=format_money(held),
                    left=format_money(found.total - held),
                )
            )
        posted = ledger.post(
            account_id,
            amount,
            f"prepay_{tender}",
            now=now,
            settle=Settle.NONE,
            document=f"prepay:{uuid}",
            employee_id=by.id,
            note=found.code,
        )
        _to_shift(shift_id, by.id, tender, amount, f"{found.code}:{posted.entry_id}", now, fiscal)
        audit(
            "preorder.prepay",
            by,
            object_type="preorder",
            object_id=found.id,
            after={"amount": amount, "tender": tender, "entry": posted.entry_id},
            terminal=getattr(shift, "register", "") or "",
            clock=clock,
        )
        return _prepaid(posted.entry_id, amount, tender, account_id, found)


def _already(account_id: int, uuid: str) -> tuple[int, int, str] | None:
    row = database.execute_sql(
        sql(
            'SELECT "id", "amount", "kind" FROM "ledger_entry" WHERE "account_id" = ? '
            'AND "document" = ?'
        ),
        (account_id, f"prepay:{uuid}"),
    ).fetchone()
    return (row[0], int(row[1]), row[2].removeprefix("prepay_")) if row else None


def _prepaid(entry_id: int, amount: int, tender: str, account_id: int, found: Head) -> Prepaid:
    held = ledger.balance(account_id)
    return Prepaid(entry_id, amount, tender, held, max(found.total - held, 0))


def _to_shift(
    shift_id: int,
    employee_id: int,
    tender: str,
    amount: int,
    note: str,
    now: dt.datetime,
    fiscal: bool,
) -> None:
    """Money for a pre-order in the shift: cash ``in`` the drawer (a service cash-in for the
    fiscal unit) or ``out`` of it (a service cash-out), card money as ``po_card``
    (signed). ``amount`` > 0 is taken, < 0 given back."""
    if tender == "card":
        record_cash(
            shift_id,
            CARD_KIND,
            amount,
            employee_id=employee_id,
            note=f"preorder:{note}",
            now=now,
            fiscal_cash_in=False,
        )
        return
    record_cash(
        shift_id,
        "in" if amount > 0 else "out",
        abs(amount),
        employee_id=employee_id,
        note=f"preorder:{note}",
        now=now,
        fiscal_cash_in=fiscal and amount > 0,
    )
    if fiscal and amount < 0:
        queue_fiscal_job("cash_out", shift_id=shift_id, payload={"amount": -amount}, now=now)


def give_back(
    found: Head,
    amount: int,
    *,
    by: Employee,
    shift: Shift,
    now: dt.datetime,
    fiscal: bool,
    why: str,
) -> list[tuple[str, int]]:
    """Inside the caller's write transaction (the pre-order locked): give ``amount`` of the
    prepayment back the way it was paid, cash first, then to the card. Cash comes out of
    ``shift``'s drawer and may not be more than is there. Returns [(tender, amount)]."""
    if amount <= 0:
        return []
    shift_id = check_id(getattr(shift, "id", None), _("The shift"))
    lock_shift(shift_id)
    account_id = find_account(found.id)
    held = by_tender(account_id)
    parts: list[tuple[str, int]] = []
    left = amount
    for tender in MONEY_TENDERS:
        part = min(left, max(held[tender], 0))
        if part:
            parts.append((tender, part))
            left -= part
    if left or account_id is None:  # the entries cannot say how: never expected
        raise ValidationError(
            _("Only {have} of pre-order {code} can be given back.").format(
                have=format_money(amount - left), code=found.code
            )
        )
    cash = sum(part for tender, part in parts if tender == "cash")
    if cash:
        in_drawer = x_report(Shift(id=shift_id)).cash_expected
        if cash > in_drawer:
            raise ValidationError(
                _(
                    "{cash} in cash goes back for pre-order {code}, and the drawer has "
                    "{drawer}: give it back from a till with the cash."
                ).format(cash=format_money(cash), code=found.code, drawer=format_money(in_drawer))
            )
    for tender, part in parts:
        posted = ledger.post(
            account_id,
            -part,
            f"refund_{tender}",
            now=now,
            keep_open=False,
            document=why[:60],
            employee_id=by.id,
            note=found.code,
        )
        _to_shift(shift_id, by.id, tender, -part, f"{found.code}:{posted.entry_id}", now, fiscal)
    return parts


__all__ = [
    "CARD_KIND",
    "MONEY_TENDERS",
    "Prepaid",
    "by_tender",
    "give_back",
    "take_prepayment",
]
