"""Money with partners, on the one ledger (torgtui.marketing.ledger).

Two accounts per partner, owner type ``partner``, owner id the partner's id:

* ``partner`` (Kind.PARTNER): a referrer's one-time rewards. A reward is recorded as an
  expense linked to the sale it is paid for (``reward``, +, with the receipt id), and paying
  it takes it off (``payout``, -). The account never goes below zero: nobody is paid what was
  never accrued. Paid from the drawer, the payout is also a cash movement ``out:reward`` (the
  X and Z reports count it as a payout) and a service cash-out for the fiscal unit.
* ``intermediary`` (Kind.INTERMEDIARY): the balance with an intermediary (torgtui.marketing.
  intermediaries): + what the shop owes it (commissions due), - what it owes the shop (goods
  given on credit). Its floor is far below zero: an intermediary may owe for goods.

Paying money out needs the right to edit prices and promotions (a partner's terms) and, from
the drawer, the shift right and an open shift with that much cash in it.
"""

from __future__ import annotations

import datetime as dt

from torgtui.clock import Clock, system_clock
from torgtui.db import database, is_sqlite, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.ledger import Kind
from torgtui.models import Employee, Receipt, Shift
from torgtui.money import format_money
from torgtui.sales.shifts import queue_fiscal_job, record_cash, register_payout, x_report
from torgtui.staff import Permission, audit, require
from torgtui.values import MAX_AMOUNT, check_id, check_kopecks, check_text

OWNER = "partner"
PAYOUT_KIND = register_payout("reward", lambda: _("Paid to partners"))  # 10 characters at most


def account_of(kind: Kind, partner_id: int, *, now: dt.datetime) -> int:
    floor = -MAX_AMOUNT if kind == Kind.INTERMEDIARY else 0
    return ledger.account(kind, OWNER, partner_id, now=now, floor=floor)


def balance_of(kind: Kind, partner_id: int) -> int:
    return ledger.balance(ledger.find_account(kind, OWNER, partner_id))


def pay_from_drawer(
    shift: Shift, by: Employee, amount: int, note: str, *, now: dt.datetime
) -> None:
    """Inside the caller's write: cash out of the drawer to a partner (a payout movement and a
    service cash-out); refused when the shift is closed or the drawer holds less."""
    require(by, Permission.SHIFT)
    fresh = Shift.get_or_none(Shift.id == shift.id)
    if fresh is None or fresh.status != "open":
        raise ValidationError(_("The shift is closed: open a shift (F10) to pay from the drawer."))
    if amount > x_report(fresh).cash_expected:
        raise ValidationError(
            _("There is less cash in the drawer than {amount}: pay by transfer.").format(
                amount=format_money(amount)
            )
        )
    record_cash(
        fresh.id,
        PAYOUT_KIND,
        amount,
        employee_id=by.id,
        note=note,
        now=now,
        fiscal_cash_in=False,
    )
    queue_fiscal_job("cash_out", shift_id=fresh.id, payload={"amount": amount}, now=now)


def _locked_balance(account_id: int) -> int:
    """Inside the write: the account's balance, its row locked until the commit, so two
    offices paying the same commission at once are served one after the other (SQLite's
    immediate transaction already serialises them; PostgreSQL needs the row lock)."""
    if is_sqlite():
        return ledger.balance(account_id)
    row = database.execute_sql(
        'SELECT "balance" FROM "ledger_account" WHERE "id" = %s FOR UPDATE', (account_id,)
    ).fetchone()
    return int(row[0])


def accrue_reward(
    by: Employee,
    partner_id: int,
    amount: int,
    *,
    receipt_id: int | None = None,
    note: str = "",
    clock: Clock = system_clock,
) -> ledger.Posted:
    """A referrer's one-time reward, as an expense linked to the sale it is for."""
    from torgtui.marketing.partners import get_partner

    require(by, Permission.EDIT_PRICES)
    partner = get_partner(partner_id)
    amount = check_kopecks(amount, _("The reward"), minimum=1)
    note = check_text(note, _("The note"), max_len=200)
    rid = None
    if receipt_id is not None:
        rid = check_id(receipt_id, _("The receipt"))
        receipt = Receipt.get_or_none(Receipt.id == rid)
        if receipt is None or receipt.kind != "sale":
            raise ValidationError(
                _("There is no sale receipt {id}: choose the sale the reward is for.").format(
                    id=rid
                )
            )
    now = clock()
    with write_tx():
        acc = account_of(Kind.PARTNER, partner.id, now=now)
        posted = ledger.post(
            acc,
            amount,
            "reward",
            now=now,
            receipt_id=rid,
            employee_id=by.id,
            document=f"receipt:{rid}" if rid else "",
            note=note,
        )
        audit(
            "partner.reward",
            by,
            object_type="partner",
            object_id=partner.id,
            after={"amount": amount, "receipt": rid},
            clock=clock,
        )
    return posted


def pay_out(
    by: Employee,
    kind: Kind,
    partner_id: int,
    amount: int,
    *,
    shift: Shift | None = None,
    note: str = "",
    clock: Clock = system_clock,
) -> ledger.Posted:
    """Pay a partner what is due (rewards, or an intermediary's commissions): never more than
    the account's balance; from the drawer when ``shift`` is given."""
    from torgtui.marketing.partners import get_partner

    require(by, Permission.EDIT_PRICES)
    partner = get_partner(partner_id)
    amount = check_kopecks(amount, _("The amount"), minimum=1)
    note = check_text(note, _("The note"), max_len=200)
    now = clock()
    entry_kind = "payout" if kind == Kind.PARTNER else "commission_paid"
    with write_tx():
        acc = account_of(kind, partner.id, now=now)
        due = _locked_balance(acc)
        if amount > due:
            raise ValidationError(
                _("{name} is owed {due}, not {amount}: pay at most what is due.").format(
                    name=partner.name, due=format_money(max(due, 0)), amount=format_money(amount)
                )
            )
        posted = ledger.post(
            acc,
            -amount,
            entry_kind,
            now=now,
            employee_id=by.id,
            document="cash" if shift is not None else "transfer",
            note=note,
        )
        if shift is not None:
            pay_from_drawer(shift, by, amount, f"{partner.code}: {note}", now=now)
        audit(
            f"partner.{entry_kind}",
            by,
            object_type="partner",
            object_id=partner.id,
            after={"amount": amount, "cash": shift is not None},
            clock=clock,
        )
    return posted


def pay_referrer(
    by: Employee,
    partner_id: int,
    amount: int,
    *,
    receipt_id: int | None = None,
    shift: Shift | None = None,
    note: str = "",
    clock: Clock = system_clock,
) -> ledger.Posted:
    """A one-time reward paid at once: accrued as the sale's expense, then paid out (from the
    drawer when ``shift`` is given), in one transaction."""
    with write_tx():
        accrue_reward(by, partner_id, amount, receipt_id=receipt_id, note=note, clock=clock)
        return pay_out(by, Kind.PARTNER, partner_id, amount, shift=shift, note=note, clock=clock)


__all__ = [
    "OWNER",
    "PAYOUT_KIND",
    "account_of",
    "accrue_reward",
    "balance_of",
    "pay_from_drawer",
    "pay_out",
    "pay_referrer",
]
