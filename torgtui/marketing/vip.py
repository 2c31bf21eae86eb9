"""VIP customers, in three modes, on the one ledger (one ``vip`` account per customer, whose
floor is minus the credit limit; the mode and the payment term are on the customer):

* ``credit``: a sale on credit. What a receipt puts on account is one debt, due at the end of
  the day ``term`` days after the sale; the account may go down to minus the limit, no further.
* ``account``: goods and cash on one running account. Deposits are credits; a purchase takes
  from them first and goes below zero only within the limit.
* ``items``: partial payment with an item-level breakdown. What a receipt puts on account is
  split over its lines (in proportion to their totals, to the kopeck), each line a debt of its
  own; a payment settles the items it names, then the oldest.

This module keeps the account: who is VIP and how (:func:`set_vip`, by the VIP permission,
audited), its state as the register and the card show it (:func:`summary`, :func:`highlight`),
merging cards (:func:`merge_into`) and the proof of the books (:func:`check`). What happens at
the register (the on-account tender, charges, returns, payments and deposits into the drawer)
is vip_checkout; statements, the debtors list and the PDF/XLSX export are vip_statement.

``vip_account`` is the VIP list's cache (each VIP customer's open debt and earliest due date),
written with the ledger entries in the same transaction (:func:`refresh`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from torgtui.clock import Clock, system_clock
from torgtui.db import database, insert_rows, is_sqlite, query_value, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _, ngettext
from torgtui.marketing import ledger
from torgtui.marketing.ledger import FAR, Kind
from torgtui.models import Employee
from torgtui.money import format_money
from torgtui.staff import Permission, audit, can, require
from torgtui.values import check_count, check_id, check_kopecks

OWNER = "customer"
MAX_TERM_DAYS = 3660


class Mode(StrEnum):
    NONE = ""
    CREDIT = "credit"
    ACCOUNT = "account"
    ITEMS = "items"


MODES = (Mode.CREDIT, Mode.ACCOUNT, Mode.ITEMS)


def mode_title(mode: str) -> str:
    return {
        Mode.NONE: _("not VIP"),
        Mode.CREDIT: _("sale on credit"),
        Mode.ACCOUNT: _("goods-and-cash account"),
        Mode.ITEMS: _("item-level payment"),
    }.get(mode, mode)


def check_mode(mode: object) -> Mode:
    """A VIP mode as a service takes it: "credit", "account", "items", or "" (not VIP)."""
    if isinstance(mode, str) and mode in {m.value for m in Mode}:
        return Mode(mode)
    raise ValidationError(
        _("A VIP mode is credit, account or items (or empty: not VIP), not {mode!r}.").format(
            mode=str(mode)[:30]
        )
    )


def db_time(moment: dt.datetime | None) -> object:
    if moment is None:
        return None
    return str(moment) if is_sqlite() else moment


def due_date(now: dt.datetime, term_days: int) -> dt.datetime | None:
    """When a debt made ``now`` falls due: the end of the day ``term_days`` later (None: no
    term). It is overdue from the next day on."""
    if term_days <= 0:
        return None
    return dt.datetime.combine(now.date() + dt.timedelta(days=term_days), dt.time(23, 59, 59))


def overdue_days(due_at: dt.datetime | None, at: dt.datetime) -> int:
    """Whole days a debt due at ``due_at`` is overdue at ``at`` (0: not overdue)."""
    if due_at is None or due_at >= at:
        return 0
    return max((at.date() - due_at.date()).days, 1)


def may_read(by: Employee | None) -> Employee:
    """Whoever sells (the register shows overdue debts) or views reports reads VIP accounts."""
    if by is not None and can(by, Permission.VIEW_REPORTS):
        return by
    return require(by, Permission.SELL)


# --- state -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VipState:
    """A customer's VIP account as the register, the card and the list show it."""

    customer_id: int
    name: str
    card: str
    mode: str
    limit: int  # the credit limit (the account may go down to -limit)
    term_days: int  # days to pay a debt (0: no term)
    balance: int  # money on the account (> 0) or owed in all (< 0)
    debt: int  # open debts
    deposit: int  # open money on the account
    overdue: int  # owed past the term
    overdue_days: int  # days since the earliest unpaid due date passed (0: nothing overdue)
    next_due_at: dt.datetime | None  # the earliest due date of an open debt

    @property
    def available(self) -> int:
        """What may still be bought on account now."""
        return max(self.balance + self.limit, 0)

    def as_json(self) -> dict[str, object]:
        """``torgtui customer show --json``'s ``"vip"``."""
        return {
            "mode": self.mode,
            "limit": self.limit,
            "term_days": self.term_days,
            "balance": self.balance,
            "debt": self.debt,
            "deposit": self.deposit,
            "available": self.available,
            "overdue": self.overdue,
            "overdue_days": self.overdue_days,
            "next_due_at": self.next_due_at.isoformat() if self.next_due_at else None,
        }


def customer_row(customer_id: int) -> tuple | None:
    """(name, card, status, mode, term, account id, balance, floor) of one customer."""
    return database.execute_sql(
        sql(
            'SELECT c."name", c."card", c."status", c."vip_mode", c."vip_term_days", a."id", '
            'a."balance", a."floor" FROM "customer" c LEFT JOIN "ledger_account" a '
            'ON a."kind" = ? AND a."owner_type" = ? AND a."owner_id" = c."id" WHERE c."id" = ?'
        ),
        (str(Kind.VIP), OWNER, customer_id),
    ).fetchone()


def _open_sums(account_id: int, at: dt.datetime) -> tuple[int, int, int, dt.datetime | None]:
    """(debt, money on account, overdue at ``at``, earliest due date) from the open items."""
    rows = database.execute_sql(
        sql(
            'SELECT "sign", COALESCE(SUM("amount"), 0), '
            'COALESCE(SUM(CASE WHEN "due_at" < ? THEN "amount" ELSE 0 END), 0), MIN("due_at") '
            'FROM "ledger_open" WHERE "account_id" = ? GROUP BY "sign"'
        ),
        (db_time(at), account_id),
    ).fetchall()
    debt = deposit = overdue = 0
    earliest = None
    for sign, amount, late, due in rows:
        if sign < 0:
            debt, overdue, earliest = int(amount), int(late), ledger._as_dt(due)
        else:
            deposit = int(amount)
    return debt, deposit, overdue, earliest


def state_of(customer_id: int, at: dt.datetime) -> VipState | None:
    """The VIP account of a customer (None when they are not VIP and nothing is on it)."""
    row = customer_row(customer_id)
    if row is None:
        return None
    name, card, _status, mode, term, account_id, balance, floor = row
    if not mode and not balance:
        return None
    debt = deposit = overdue = 0
    earliest = None
    if account_id is not None:
        debt, deposit, overdue, earliest = _open_sums(account_id, at)
    return VipState(
        customer_id=customer_id,
        name=name,
        card=card or "",
        mode=mode,
        limit=-int(floor or 0),
        term_days=int(term or 0),
        balance=int(balance or 0),
        debt=debt,
        deposit=deposit,
        overdue=overdue,
        overdue_days=overdue_days(earliest, at) if overdue else 0,
        next_due_at=earliest,
    )


def summary(customer_id: int, *, by: Employee, at: dt.datetime) -> VipState | None:
    """What the register shows when a card is attached (None: not VIP): the balance, what
    may still be bought on account, and overdue debt with its days (:func:`highlight`)."""
    may_read(by)
    return state_of(check_id(customer_id, _("The customer")), at)


def highlight(state: VipState | None) -> str:
    """The register's warning for an attached VIP card with overdue debt ("" when none)."""
    if state is None or not state.overdue:
        return ""
    return ngettext(
        "Overdue debt {amount}, {days} day past the term: ask for payment.",
        "Overdue debt {amount}, {days} days past the term: ask for payment.",
        state.overdue_days,
    ).format(amount=format_money(state.overdue), days=state.overdue_days)


# --- the VIP list: mode, limit, term ------------------------------------------------------------


def lock_account(account_id: int) -> tuple[int, int]:
    """(balance, floor), the account row locked to the end of the transaction (PostgreSQL;
    SQLite's immediate transaction already lets one writer in)."""
    lock = "" if is_sqlite() else " FOR UPDATE"
    row = database.execute_sql(
        sql(f'SELECT "balance", "floor" FROM "ledger_account" WHERE "id" = ?{lock}'),
        (account_id,),
    ).fetchone()
    return int(row[0]), int(row[1])


def refresh(customer_id: int, account_id: int, now: dt.datetime) -> None:
    """Write the VIP list's cache of one account from its open debts (in the caller's write)."""
    database.execute_sql(
        sql(
            'UPDATE "vip_account" SET "debt" = (SELECT COALESCE(SUM("amount"), 0) '
            'FROM "ledger_open" WHERE "account_id" = ? AND "sign" = -1), '
            '"due_at" = COALESCE((SELECT MIN("due_at") FROM "ledger_open" '
            'WHERE "account_id" = ? AND "sign" = -1), ?), "updated_at" = ? '
            'WHERE "customer_id" = ?'
        ),
        (account_id, account_id, db_time(FAR), db_time(now), customer_id),
    )


def _ensure_listed(customer_id: int, account_id: int, now: dt.datetime) -> None:
    database.execute_sql(
        sql(
            'INSERT INTO "vip_account" ("customer_id", "account_id", "debt", "due_at", "since", '
            '"updated_at") VALUES (?, ?, 0, ?, ?, ?) ON CONFLICT ("customer_id") DO NOTHING'
        ),
        (customer_id, account_id, db_time(FAR), db_time(now), db_time(now)),
    )


def active_customer(customer_id: int) -> tuple:
    row = customer_row(customer_id)
    if row is None:
        raise ValidationError(_("There is no such customer."))
    if row[2] != "active":
        raise ValidationError(_("That customer card is not active: check the card."))
    return row


def check_terms(mode: object, limit: object, term_days: object) -> tuple[Mode, int, int]:
    """A VIP mode, credit limit (kopecks) and payment term (days) as :func:`set_vip` takes
    them (a sale on credit needs a term; without VIP, both are 0)."""
    mode = check_mode(mode)
    limit = check_kopecks(limit, _("The credit limit"))
    term_days = check_count(
        term_days, _("The payment term (days)"), maximum=MAX_TERM_DAYS, text=False
    )
    if mode == Mode.CREDIT and term_days < 1:
        raise ValidationError(
            _("A sale on credit has a payment term: give the days to pay (1 or more).")
        )
    if mode == Mode.NONE:
        return mode, 0, 0
    return mode, limit, term_days


def set_vip(
    customer_id: int,
    mode: str,
    *,
    limit: int = 0,
    term_days: int = 0,
    by: Employee,
    clock: Clock = system_clock,
) -> VipState | None:
    """Make a customer VIP in ``mode`` with a credit ``limit`` (kopecks) and a payment term
    (days; a sale on credit needs one), change them, or take VIP away (``mode`` ""; refused
    while anything is owed or on the account). Needs the VIP permission; audited. A limit
    below what is owed now is refused. Debts keep the due dates they were made with."""
    require(by, Permission.EDIT_VIP)
    customer_id = check_id(customer_id, _("The customer"))
    mode, limit, term_days = check_terms(mode, limit, term_days)
    now = clock()
    with write_tx():
        name, _card, _status, old_mode, old_term, account_id, *_rest = active_customer(customer_id)
        balance, floor = lock_account(account_id) if account_id is not None else (0, 0)
        if (old_mode, -floor, old_term) == (mode, limit, term_days):
            return state_of(customer_id, now)  # nothing changes: nothing written, no audit
        before = {"mode": old_mode, "limit": -floor, "term_days": old_term, "balance": balance}
        if mode == Mode.NONE:
            if balance < 0:
                raise ValidationError(
                    _("{name} owes {debt}: VIP can be taken away once it is paid.").format(
                        name=name, debt=format_money(-balance)
                    )
                )
            if balance > 0:
                raise ValidationError(
                    _("{name} has {amount} on the account: use it up first.").format(
                        name=name, amount=format_money(balance)
                    )
                )
            if account_id is not None:
                ledger.set_floor(account_id, 0)
            database.execute_sql(
                sql('DELETE FROM "vip_account" WHERE "customer_id" = ?'), (customer_id,)
            )
        else:
            if balance < -limit:
                raise ValidationError(
                    _("{name} owes {debt}: the credit limit cannot be less than that.").format(
                        name=name, debt=format_money(-balance)
                    )
                )
            if account_id is None:
                account_id = ledger.account(Kind.VIP, OWNER, customer_id, now=now, floor=-limit)
            ledger.set_floor(account_id, -limit)
            _ensure_listed(customer_id, account_id, now)
            refresh(customer_id, account_id, now)
        database.execute_sql(
            sql('UPDATE "customer" SET "vip_mode" = ?, "vip_term_days" = ? WHERE "id" = ?'),
            (str(mode), term_days, customer_id),
        )
        audit(
            "vip.set",
            by,
            object_type="customer",
            object_id=customer_id,
            before=before,
            after={"mode": str(mode), "limit": limit, "term_days": term_days},
            clock=clock,
        )
    return state_of(customer_id, now)


def check_removable(customer_id: int) -> None:
    """For cleaning or erasing a card: refuse while it owes or holds money on account."""
    row = customer_row(customer_id)
    if row is not None and row[6]:
        balance = int(row[6])
        raise ValidationError(
            (
                _("{name} owes {amount} on account: take the payment first.")
                if balance < 0
                else _("{name} has {amount} on account: use it up first.")
            ).format(name=row[0], amount=format_money(abs(balance)))
        )


# --- merging cards, and the proof of the cache --------------------------------------------------


def merge_into(
    source_ids: Sequence[int], target_id: int, *, now: dt.datetime, employee_id: int | None
) -> dict[str, int | str]:
    """Merging cards (inside the merge's transaction): every open debt and credit of the
    sources' VIP accounts moves to the target's by ledger entries (out of one, into the
    other, keeping due dates, the receipt and the item's line), the limits add up, and the
    target keeps its mode and term (or takes the first VIP source's). Returns what moved."""
    rows = {sid: customer_row(sid) for sid in source_ids}
    vip_sources = [sid for sid, row in rows.items() if row is not None and (row[3] or row[5])]
    if not vip_sources:
        return {}
    target = customer_row(target_id)
    assert target is not None
    mode, term = target[3], int(target[4] or 0)
    if not mode:  # the first VIP source's (none: the money moves, the card stays not VIP)
        first = next((rows[s] for s in vip_sources if rows[s][3]), None)  # type: ignore[index]
        mode, term = (first[3], int(first[4] or 0)) if first else (Mode.NONE, 0)
    floor = int(target[7] or 0) + sum(int(rows[s][7] or 0) for s in vip_sources)  # type: ignore[index]
    target_account = ledger.account(Kind.VIP, OWNER, target_id, now=now)
    ledger.set_floor(target_account, floor if mode else 0)
    if mode:
        _ensure_listed(target_id, target_account, now)
    moved = 0
    common = dict(now=now, employee_id=employee_id, below_floor=True)
    for sid in vip_sources:
        source_account = rows[sid][5]  # type: ignore[index]
        if source_account is None:
            continue
        for sign in (-1, 1):
            for item in ledger.open_items(source_account, sign):
                line = query_value(
                    'SELECT "line_id" FROM "vip_item" WHERE "entry_id" = ?', (item.entry_id,)
                )
                ledger.post(
                    source_account,
                    -sign * item.amount,
                    "merge_out",
                    settle=[item.entry_id],
                    keep_open=False,
                    spend_only_unexpired=False,
                    document=f"merge:{target_id}",
                    note=item.note,
                    **common,  # type: ignore[arg-type]
                )
                posted = ledger.post(
                    target_account,
                    sign * item.amount,
                    "merge_in",
                    due_at=item.due_at,
                    receipt_id=item.receipt_id,
                    document=f"merge:{sid}",
                    note=item.note,
                    **common,  # type: ignore[arg-type]
                )
                if line is not None:
                    insert_rows("vip_item", ["entry_id", "line_id"], [(posted.entry_id, line)])
                moved += sign * item.amount
        ledger.set_floor(source_account, 0)
    database.execute_sql(
        sql(
            'DELETE FROM "vip_account" WHERE "customer_id" IN ('
            + ", ".join("?" * len(vip_sources))
            + ")"
        ),
        tuple(vip_sources),
    )
    database.execute_sql(
        sql(
            'UPDATE "customer" SET "vip_mode" = \'\', "vip_term_days" = 0 WHERE "id" IN ('
            + ", ".join("?" * len(vip_sources))
            + ")"
        ),
        tuple(vip_sources),
    )
    database.execute_sql(
        sql('UPDATE "customer" SET "vip_mode" = ?, "vip_term_days" = ? WHERE "id" = ?'),
        (str(mode), term, target_id),
    )
    refresh(target_id, target_account, now)
    return {"vip_moved": moved, "vip_limit": -floor, "vip_mode": str(mode)}


@dataclass(frozen=True)
class VipCheck:
    customer_id: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check(customer_id: int) -> VipCheck:
    """Prove a customer's VIP books: the ledger account's caches, the VIP list's debt and
    due date, the floor not crossed, and the list row there exactly when the card is VIP."""
    row = customer_row(customer_id)
    problems: list[str] = []
    if row is None:
        return VipCheck(customer_id, ("no such customer",))
    mode, account_id, balance, floor = row[3], row[5], row[6], row[7]
    listed = database.execute_sql(
        sql('SELECT "account_id", "debt", "due_at" FROM "vip_account" WHERE "customer_id" = ?'),
        (customer_id,),
    ).fetchone()
    if bool(mode) != (listed is not None):
        problems.append(f"mode {mode!r} but listed: {listed is not None}")
    if account_id is not None:
        problems.extend(ledger.check_account(account_id).problems)
        if int(balance) < int(floor):
            problems.append(f"balance {balance} below the floor {floor}")
        if listed is not None:
            debt, _deposit, _late, earliest = _open_sums(account_id, FAR)
            if listed[0] != account_id:
                problems.append(f"listed account {listed[0]} != {account_id}")
            if int(listed[1]) != debt:
                problems.append(f"listed debt {listed[1]} != open debts {debt}")
            if ledger._as_dt(listed[2]) != (earliest or FAR):
                problems.append(f"listed due {listed[2]} != earliest due {earliest}")
    return VipCheck(customer_id, tuple(problems))


__all__ = [
    "MODES",
    "Mode",
    "VipCheck",
    "VipState",
    "check",
    "check_mode",
    "check_removable",
    "check_terms",
    "due_date",
    "highlight",
    "merge_into",
    "mode_title",
    "overdue_days",
    "refresh",
    "set_vip",
    "state_of",
    "summary",
]
