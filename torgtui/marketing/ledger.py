"""The one ledger: every balance the shop keeps for someone (bonuses, VIP credit and
goods-and-cash accounts, gift certificates, partners and intermediaries) is an account of
append-only entries, and its balance is their sum.

Open items. Each entry may leave part of itself *open*: a credit not yet spent (bonuses
earned, money deposited, a certificate's value) or a debt not yet paid (a sale on credit, a
bonus reversal that found nothing left to take back). A new entry first *settles* open items
of the opposite sign -- oldest first, or the ones it names (a payment for chosen items) --
and what is left of it stays open. That one rule gives FIFO spending with expiry (a spend
settles the oldest unexpired credits; the expiry job settles what is left of a lapsed one),
overdue debts (a payment settles the earliest due first) and item-level payments.

What is kept besides the entries is a cache, written in the same transaction and provable
from the entries (:func:`check_account`): ``ledger_account.balance`` (the sum), and
``ledger_open`` (what is open of each entry). A spend from two registers at once is decided
by one conditional UPDATE of the cached balance (``balance + amount >= floor``) whose row
count decides, and the open items are read after it, under its lock: nobody spends the same
bonus twice, and no balance goes below its floor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from torgtui.db import database, insert_rows, is_sqlite, query_value, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import LedgerAccount, LedgerEntry, LedgerMatch, LedgerOpen
from torgtui.money import format_money
from torgtui.values import MAX_AMOUNT, check_kopecks

FAR = dt.datetime(9999, 12, 31)


class Kind(StrEnum):
    """Account kinds."""

    BONUS = "bonus"
    VIP = "vip"
    CERTIFICATE = "certificate"
    PARTNER = "partner"
    INTERMEDIARY = "intermediary"
    PREPAYMENT = "prepayment"


class Settle(StrEnum):
    """What a new entry settles first."""

    FIFO = "fifo"  # the opposite sign's open items, oldest first (unexpired credits only)
    NONE = "none"  # nothing: the whole entry stays open


@dataclass(frozen=True)
class Posted:
    entry_id: int
    amount: int
    settled: int  # of the amount, how much settled open items of the opposite sign
    opened: int  # of the amount, how much stays open as an item of its own
    balance: int  # the account's balance after


class InsufficientBalance(ValidationError):
    """The balance (or what is spendable of it) does not cover the amount."""

    def __init__(self, message: str, available: int) -> None:
        super().__init__(message)
        self.available = available


def _stamp(moment: dt.datetime | None) -> object:
    if moment is None:
        return None
    return str(moment) if is_sqlite() else moment


def account(
    kind: Kind | str, owner_type: str, owner_id: int, *, now: dt.datetime, floor: int = 0
) -> int:
    """The id of the ``kind`` account of an owner, created on first use (race-safe: two
    registers creating it at once get the same account)."""
    found = query_value(
        'SELECT "id" FROM "ledger_account" WHERE "kind" = ? AND "owner_type" = ? '
        'AND "owner_id" = ?',
        (str(kind), owner_type, owner_id),
    )
    if found is not None:
        return int(found)  # type: ignore[call-overload]
    with write_tx():
        database.execute_sql(
            sql(
                'INSERT INTO "ledger_account" ("kind", "owner_type", "owner_id", "balance", '
                '"floor", "created_at") VALUES (?, ?, ?, 0, ?, ?) '
                'ON CONFLICT ("kind", "owner_type", "owner_id") DO NOTHING'
            ),
            (str(kind), owner_type, owner_id, floor, _stamp(now)),
        )
        return int(
            query_value(  # type: ignore[call-overload]
                'SELECT "id" FROM "ledger_account" WHERE "kind" = ? AND "owner_type" = ? '
                'AND "owner_id" = ?',
                (str(kind), owner_type, owner_id),
            )
        )


def find_account(kind: Kind | str, owner_type: str, owner_id: int) -> int | None:
    found = query_value(
        'SELECT "id" FROM "ledger_account" WHERE "kind" = ? AND "owner_type" = ? '
        'AND "owner_id" = ?',
        (str(kind), owner_type, owner_id),
    )
    return int(found) if found is not None else None  # type: ignore[call-overload]


def balance(account_id: int | None) -> int:
    """The cached balance (one indexed read, however many entries)."""
    if account_id is None:
        return 0
    value = query_value('SELECT "balance" FROM "ledger_account" WHERE "id" = ?', (account_id,))
    return int(value or 0)  # type: ignore[call-overload]


def set_floor(account_id: int, floor: int) -> None:
    """Change how low an account may go (a VIP credit limit); inside the caller's write."""
    check_kopecks(-floor, _("The credit limit"))
    database.execute_sql(
        sql('UPDATE "ledger_account" SET "floor" = ? WHERE "id" = ?'), (floor, account_id)
    )


@dataclass(frozen=True)
class OpenItem:
    entry_id: int
    sign: int
    amount: int
    expires_at: dt.datetime | None
    due_at: dt.datetime | None
    created_at: dt.datetime | None = None
    kind: str = ""
    note: str = ""
    receipt_id: int | None = None


def _as_dt(value: object) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value  # type: ignore[return-value]
    return dt.datetime.fromisoformat(str(value))


def open_items(
    account_id: int,
    sign: int,
    *,
    spendable_at: dt.datetime | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[OpenItem]:
    """The open items of one sign, in settling order: credits by expiry then age (the
    oldest first), debts by due date then age (no date: last). ``spendable_at`` leaves out
    credits lapsed by then (the expiry job has not written them off yet, but they are not
    there to spend). The database sorts; ``limit`` reads only the first ones."""
    when = '"expires_at"' if sign > 0 else '"due_at"'
    statement = (
        'SELECT o."entry_id", o."sign", o."amount", o."expires_at", o."due_at", '
        'e."created_at", e."kind", e."note", e."receipt_id" FROM "ledger_open" o '
        'JOIN "ledger_entry" e ON e."id" = o."entry_id" '
        'WHERE o."account_id" = ? AND o."sign" = ?'
    )
    params: list[object] = [account_id, sign]
    if spendable_at is not None:
        statement += ' AND (o."expires_at" IS NULL OR o."expires_at" > ?)'
        params.append(_stamp(spendable_at))
    statement += f' ORDER BY (o.{when} IS NULL), o.{when}, o."entry_id"'
    if limit is not None:
        statement += f" LIMIT {int(limit)} OFFSET {int(offset)}"
    rows = database.execute_sql(sql(statement), params).fetchall()
    return [
        OpenItem(r[0], r[1], int(r[2]), _as_dt(r[3]), _as_dt(r[4]), _as_dt(r[5]), r[6], r[7], r[8])
        for r in rows
    ]


def _settling_order(account_id: int, sign: int, spendable_at: dt.datetime | None):
    """Open items in settling order, read 64 at a time (a spend rarely needs more than the
    first few, however long the account's history)."""
    offset = 0
    while True:
        batch = open_items(account_id, sign, spendable_at=spendable_at, limit=64, offset=offset)
        yield from batch
        if len(batch) < 64:
            return
        offset += 64


def spendable(account_id: int | None, at: dt.datetime) -> int:
    """What can be spent now: the unexpired open credits."""
    if account_id is None:
        return 0
    value = query_value(
        'SELECT COALESCE(SUM("amount"), 0) FROM "ledger_open" WHERE "account_id" = ? '
        'AND "sign" = 1 AND ("expires_at" IS NULL OR "expires_at" > ?)',
        (account_id, _stamp(at)),
    )
    return int(value or 0)  # type: ignore[call-overload]


def post(
    account_id: int,
    amount: int,
    kind: str,
    *,
    now: dt.datetime,
    settle: Settle | Sequence[int] = Settle.FIFO,
    keep_open: bool = True,
    spend_only_unexpired: bool = True,
    expires_at: dt.datetime | None = None,
    due_at: dt.datetime | None = None,
    receipt_id: int | None = None,
    document: str = "",
    employee_id: int | None = None,
    reverses: int | None = None,
    note: str = "",
    below_floor: bool = False,
) -> Posted:
    """Append one entry of ``amount`` (signed kopecks) and settle open items with it.

    ``settle``: FIFO (the opposite sign's open items in order), NONE, or a sequence of open
    item ids to settle first, in that order (then nothing else). ``keep_open``: what is left
    after settling stays open (a credit to spend later, a debt to pay); when False, a
    negative entry must be settled whole by unexpired credits (a spend), or nothing is
    written and InsufficientBalance says what is there. The cached balance may never go
    below the account's floor, unless ``below_floor`` (a reversal that must be recorded whole,
    leaving a debt). Call inside the caller's write transaction.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
        raise ValidationError(_("A ledger entry is a whole, non-zero number of kopecks."))
    check_kopecks(abs(amount), _("The amount"), minimum=1)
    with write_tx():
        moved = database.execute_sql(
            sql(
                'UPDATE "ledger_account" SET "balance" = "balance" + ? '
                'WHERE "id" = ? AND ("balance" + ? >= "floor" OR ?)'
            ),
            (amount, account_id, amount, below_floor),
        ).rowcount
        if moved != 1:
            have = balance(account_id)
            raise InsufficientBalance(
                _("Only {have} is there: {want} cannot be taken.").format(
                    have=format_money(max(have, 0)), want=format_money(-amount)
                ),
                max(have, 0),
            )
        sign = 1 if amount > 0 else -1
        (entry_id,) = insert_rows(
            "ledger_entry",
            [
                "account_id",
                "amount",
                "kind",
                "created_at",
                "expires_at",
                "due_at",
                "receipt_id",
                "document",
                "employee_id",
                "reverses_id",
                "note",
            ],
            [
                (
                    account_id,
                    amount,
                    kind[:20],
                    _stamp(now),
                    _stamp(expires_at),
                    _stamp(due_at),
                    receipt_id,
                    document[:60],
                    employee_id,
                    reverses,
                    note[:200],
                )
            ],
            ids=True,
        )
        left = abs(amount)
        matches: list[tuple[int, int, int]] = []
        if settle != Settle.NONE:
            unexpired = now if (sign < 0 and spend_only_unexpired) else None
            items = _settling_order(account_id, -sign, unexpired)
            if not isinstance(settle, Settle):
                items = _named_items(account_id, -sign, list(settle))
            closed: list[int] = []
            for item in items:  # read them all first: the pages must not shift under us
                if left <= 0:
                    break
                take = min(left, item.amount)
                matches.append((entry_id, item.entry_id, take))
                left -= take
                if take == item.amount:
                    closed.append(item.entry_id)
                else:
                    database.execute_sql(
                        sql(
                            'UPDATE "ledger_open" SET "amount" = "amount" - ? WHERE "entry_id" = ?'
                        ),
                        (take, item.entry_id),
                    )
            for start in range(0, len(closed), 500):
                chunk = closed[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                database.execute_sql(
                    sql(f'DELETE FROM "ledger_open" WHERE "entry_id" IN ({marks})'), chunk
                )
        insert_rows("ledger_match", ["entry_id", "item_id", "amount"], matches)
        if left and not keep_open:
            have = abs(amount) - left
            raise InsufficientBalance(
                _("Only {have} can be spent now: {want} cannot be taken.").format(
                    have=format_money(have), want=format_money(abs(amount))
                ),
                have,
            )
        if left:
            insert_rows(
                "ledger_open",
                ["entry_id", "account_id", "sign", "amount", "expires_at", "due_at"],
                [(entry_id, account_id, sign, left, _stamp(expires_at), _stamp(due_at))],
            )
        return Posted(entry_id, amount, abs(amount) - left, left, balance(account_id))


def transfer(
    source_id: int,
    target_id: int,
    *,
    now: dt.datetime,
    kind_out: str = "transfer_out",
    kind_in: str = "transfer_in",
    document: str = "",
    employee_id: int | None = None,
) -> int:
    """Move every open item of one account to another (merging two cards): each open credit
    or debt leaves the source by an entry that settles it and arrives on the target as an
    entry of the same sign, expiry and due date. Nothing is rewritten. Returns the balance
    moved."""
    moved = 0
    with write_tx():
        for sign in (1, -1):
            for item in open_items(source_id, sign):
                post(
                    source_id,
                    -sign * item.amount,
                    kind_out,
                    now=now,
                    settle=[item.entry_id],
                    keep_open=False,
                    spend_only_unexpired=False,
                    document=document,
                    employee_id=employee_id,
                    note=item.note,
                )
                post(
                    target_id,
                    sign * item.amount,
                    kind_in,
                    now=now,
                    settle=Settle.NONE,
                    expires_at=item.expires_at,
                    due_at=item.due_at,
                    document=document,
                    employee_id=employee_id,
                    note=item.note,
                )
                moved += sign * item.amount
    return moved


def _named_items(account_id: int, sign: int, wanted: list[int]) -> list[OpenItem]:
    """The open items with these ids, in the order named (ids not open are skipped)."""
    if not wanted:
        return []
    marks = ", ".join("?" * len(wanted))
    rows = database.execute_sql(
        sql(
            'SELECT o."entry_id", o."sign", o."amount", o."expires_at", o."due_at" '
            f'FROM "ledger_open" o WHERE o."account_id" = ? AND o."sign" = ? '
            f'AND o."entry_id" IN ({marks})'
        ),
        [account_id, sign, *wanted],
    ).fetchall()
    found = {r[0]: OpenItem(r[0], r[1], int(r[2]), _as_dt(r[3]), _as_dt(r[4])) for r in rows}
    return [found[i] for i in wanted if i in found]


@dataclass(frozen=True)
class AccountCheck:
    account_id: int
    balance: int
    entries_sum: int
    open_sum: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_account(account_id: int) -> AccountCheck:
    """Prove the caches from the entries: the balance is the sum of the entries, it equals
    what is open (credits minus debts), and every open item is its entry less what matched
    it and what it matched."""
    cached = balance(account_id)
    total = int(
        query_value(  # type: ignore[call-overload]
            'SELECT COALESCE(SUM("amount"), 0) FROM "ledger_entry" WHERE "account_id" = ?',
            (account_id,),
        )
        or 0
    )
    open_sum = int(
        query_value(  # type: ignore[call-overload]
            'SELECT COALESCE(SUM("sign" * "amount"), 0) FROM "ledger_open" WHERE "account_id" = ?',
            (account_id,),
        )
        or 0
    )
    problems = []
    if cached != total:
        problems.append(f"cached balance {cached} != sum of entries {total}")
    if open_sum != total:
        problems.append(f"open items {open_sum} != sum of entries {total}")
    rows = database.execute_sql(
        sql(
            'SELECT e."id", e."amount", COALESCE(o."amount", 0), '
            '(SELECT COALESCE(SUM(m."amount"), 0) FROM "ledger_match" m '
            'WHERE m."entry_id" = e."id" OR m."item_id" = e."id") '
            'FROM "ledger_entry" e LEFT JOIN "ledger_open" o ON o."entry_id" = e."id" '
            'WHERE e."account_id" = ?'
        ),
        (account_id,),
    ).fetchall()
    for entry_id, amount, still_open, used in rows:
        if abs(int(amount)) != int(still_open) + int(used):
            problems.append(
                f"entry {entry_id}: {abs(int(amount))} != open {still_open} + matched {used}"
            )
    return AccountCheck(account_id, cached, total, open_sum, tuple(problems))


def entries(account_id: int, *, before_id: int | None = None, limit: int = 100) -> list:
    """One page of an account's entries, newest first (a statement)."""
    query = LedgerEntry.select().where(LedgerEntry.account == account_id)
    if before_id is not None:
        query = query.where(LedgerEntry.id < before_id)
    return list(query.order_by(LedgerEntry.id.desc()).limit(limit))


def matched_items(entry_id: int) -> list[tuple[int, int]]:
    """(item id, amount) an entry settled, in the order it settled them."""
    return [
        (m.item_id, m.amount)
        for m in LedgerMatch.select().where(LedgerMatch.entry == entry_id).order_by(LedgerMatch.id)
    ]


__all__ = [
    "MAX_AMOUNT",
    "AccountCheck",
    "InsufficientBalance",
    "Kind",
    "LedgerAccount",
    "LedgerOpen",
    "OpenItem",
    "Posted",
    "Settle",
    "account",
    "balance",
    "check_account",
    "entries",
    "find_account",
    "matched_items",
    "open_items",
    "post",
    "set_floor",
    "spendable",
    "transfer",
]
