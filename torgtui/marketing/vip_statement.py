"""VIP statements and the debtors list: what the VIP area shows and prints.

* :func:`statement`: a customer's account over a period -- the opening balance, every entry
  with the balance after it, the closing balance, and the open debts item by item (what each
  was, what was paid and returned of it, what it still owes, its due date and days overdue);
* :func:`entries_page`: the same entries newest first, keyset-paged, for the statement screen;
* :func:`debtors`: the VIP customers with debts, the most overdue first (the earliest due
  date, then the card), keyset-paged over the ``vip_account`` cache, for a list of many cards;

The PDF and XLSX statement is vip_export.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from torgtui.clock import Clock, system_clock
from torgtui.db import database, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.ledger import FAR, Kind
from torgtui.marketing.vip import (
    OWNER,
    VipState,
    db_time,
    may_read,
    overdue_days,
    state_of,
)
from torgtui.models import Employee
from torgtui.money import format_qty
from torgtui.values import check_count, check_date, check_datetime, check_id

MAX_STATEMENT_ENTRIES = 20_000  # a longer period is refused: choose a shorter one
MAX_PAGE = 500
FORMATS = (".pdf", ".xlsx")


def entry_title(kind: str, document: str = "") -> str:
    """An entry's kind in words."""
    tender = document.split(":", 1)[0]
    if kind == "payment":
        return _("Payment by card") if tender == "card" else _("Payment in cash")
    if kind == "deposit":
        return _("Deposit by card") if tender == "card" else _("Deposit in cash")
    return {
        "charge": _("Bought on account"),
        "return": _("Goods returned"),
        "merge_in": _("Moved from a merged card"),
        "merge_out": _("Moved to the card it was merged into"),
    }.get(kind, kind)


@dataclass(frozen=True)
class StatementEntry:
    entry_id: int
    at: dt.datetime
    kind: str
    title: str  # the kind in words
    detail: str  # the receipt, the line, the note
    amount: int  # + money in (payments, deposits, returns), - bought on account
    balance: int  # the account's balance after it


@dataclass(frozen=True)
class DebtItem:
    """An open debt: a receipt (credit, account) or one line of it (items)."""

    entry_id: int  # what a payment names to settle it
    at: dt.datetime
    what: str
    charged: int
    paid: int
    returned: int
    owes: int
    due_at: dt.datetime | None
    overdue_days: int


@dataclass
class Statement:
    customer_id: int
    name: str
    card: str
    state: VipState
    start: dt.datetime | None
    end: dt.datetime | None
    at: dt.datetime
    opening: int = 0
    closing: int = 0
    entries: list[StatementEntry] = field(default_factory=list)
    items: list[DebtItem] = field(default_factory=list)
    bought: int = 0  # on account in the period
    paid: int = 0  # payments and deposits in the period
    returned: int = 0  # given back by returns in the period
    moved: int = 0  # by merging cards

    @property
    def owes(self) -> int:
        return sum(i.owes for i in self.items)


def _dt(value: object) -> dt.datetime:
    found = ledger._as_dt(value)
    assert found is not None
    return found


def _account_of(customer_id: int, at: dt.datetime) -> tuple[int, VipState]:
    found = state_of(customer_id, at)
    account_id = ledger.find_account(Kind.VIP, OWNER, customer_id)
    if found is None or account_id is None:
        raise ValidationError(_("That customer has no VIP account."))
    return account_id, found


def _detail(number: object, receipt_kind: object, line: object, qty: object, note: str) -> str:
    parts = []
    if number is not None and int(number) > 0:  # type: ignore[call-overload]
        parts.append(
            (_("Return {n}") if receipt_kind == "return" else _("Receipt {n}")).format(n=number)
        )
    if line:
        parts.append(f"{line} × {format_qty(int(qty))}")  # type: ignore[call-overload]
    elif note:
        parts.append(note)
    return ", ".join(parts)


_ENTRY_COLUMNS = (
    'SELECT e."id", e."created_at", e."kind", e."amount", e."document", e."note", r."number", '
    'r."kind", l."name", l."qty" FROM "ledger_entry" e '
    'LEFT JOIN "receipt" r ON r."id" = e."receipt_id" '
    'LEFT JOIN "vip_item" i ON i."entry_id" = e."id" '
    'LEFT JOIN "receipt_line" l ON l."id" = i."line_id" '
)


def _entry(row: tuple, balance: int) -> StatementEntry:
    entry_id, at, kind, amount, document, note, number, receipt_kind, line, qty = row
    return StatementEntry(
        entry_id=entry_id,
        at=_dt(at),
        kind=kind,
        title=entry_title(kind, document or ""),
        detail=_detail(number, receipt_kind, line, qty, note or ""),
        amount=int(amount),
        balance=balance,
    )


def statement(
    customer_id: int,
    *,
    by: Employee,
    start: dt.date | None = None,
    end: dt.date | None = None,
    clock: Clock = system_clock,
) -> Statement:
    """The VIP statement of a customer from ``start`` to ``end`` (whole days, both included;
    None: from the first entry, to now), with the open debts item by item as of now."""
    may_read(by)
    customer_id = check_id(customer_id, _("The customer"))
    first = dt.datetime.combine(check_date(start, _("The start")), dt.time()) if start else None
    last = (
        dt.datetime.combine(check_date(end, _("The end")) + dt.timedelta(days=1), dt.time())
        if end
        else None
    )
    if first and last and first >= last:
        raise ValidationError(_("The statement's period ends before it starts."))
    at = clock()
    account_id, state = _account_of(customer_id, at)
    out = Statement(customer_id, state.name, state.card, state, first, last, at)
    where, params = ' WHERE e."account_id" = ?', [account_id]
    if first is not None:
        out.opening = int(
            database.execute_sql(
                sql(
                    'SELECT COALESCE(SUM("amount"), 0) FROM "ledger_entry" WHERE "account_id" = ? '
                    'AND "created_at" < ?'
                ),
                (account_id, db_time(first)),
            ).fetchone()[0]
        )
        where += ' AND e."created_at" >= ?'
        params.append(db_time(first))  # type: ignore[arg-type]
    if last is not None:
        where += ' AND e."created_at" < ?'
        params.append(db_time(last))  # type: ignore[arg-type]
    rows = database.execute_sql(
        sql(_ENTRY_COLUMNS + where + ' ORDER BY e."id" LIMIT ?'),
        [*params, MAX_STATEMENT_ENTRIES + 1],
    ).fetchall()
    if len(rows) > MAX_STATEMENT_ENTRIES:
        raise ValidationError(
            _("More than {n} entries in that period: choose a shorter one.").format(
                n=MAX_STATEMENT_ENTRIES
            )
        )
    balance = out.opening
    for row in rows:
        balance += int(row[3])
        entry = _entry(row, balance)
        out.entries.append(entry)
        if entry.kind == "charge":
            out.bought -= entry.amount
        elif entry.kind in ("payment", "deposit"):
            out.paid += entry.amount
        elif entry.kind == "return":
            out.returned += entry.amount
        else:
            out.moved += entry.amount
    out.closing = balance
    out.items = open_debts(account_id, at)
    return out


def open_debts(account_id: int, at: dt.datetime) -> list[DebtItem]:
    """What each open debt of an account still owes, in the order payments settle them."""
    rows = database.execute_sql(
        sql(
            'SELECT o."entry_id", o."amount", o."due_at", e."created_at", e."amount", e."note", '
            'r."number", r."kind", l."name", l."qty" FROM "ledger_open" o '
            'JOIN "ledger_entry" e ON e."id" = o."entry_id" '
            'LEFT JOIN "receipt" r ON r."id" = e."receipt_id" '
            'LEFT JOIN "vip_item" i ON i."entry_id" = e."id" '
            'LEFT JOIN "receipt_line" l ON l."id" = i."line_id" '
            'WHERE o."account_id" = ? AND o."sign" = -1'
        ),
        (account_id,),
    ).fetchall()
    settled: dict[tuple[int, str], int] = {}
    if rows:
        ids = [r[0] for r in rows]
        for item_id, kind, amount in database.execute_sql(
            sql(
                'SELECT m."item_id", e."kind", SUM(m."amount") FROM "ledger_match" m '
                'JOIN "ledger_entry" e ON e."id" = m."entry_id" WHERE m."item_id" IN ('
                + ", ".join("?" * len(ids))
                + ') GROUP BY m."item_id", e."kind"'
            ),
            ids,
        ).fetchall():
            key = (item_id, "return" if kind == "return" else "paid")
            settled[key] = settled.get(key, 0) + int(amount)
    items = []
    for entry_id, owes, due, created, amount, note, number, r_kind, line, qty in rows:
        due_at = ledger._as_dt(due)
        items.append(
            DebtItem(
                entry_id=entry_id,
                at=_dt(created),
                what=_detail(number, r_kind, line, qty, note or ""),
                charged=-int(amount),
                paid=settled.get((entry_id, "paid"), 0),
                returned=settled.get((entry_id, "return"), 0),
                owes=int(owes),
                due_at=due_at,
                overdue_days=overdue_days(due_at, at),
            )
        )
    return sorted(items, key=lambda i: (i.due_at or FAR, i.entry_id))


def debts_of(customer_id: int, *, by: Employee, at: dt.datetime) -> list[DebtItem]:
    """What each open debt of a customer's VIP account still owes at ``at``, in the order
    payments settle them (the statement screen's table); empty without an account."""
    may_read(by)
    customer_id = check_id(customer_id, _("The customer"))
    account_id = ledger.find_account(Kind.VIP, OWNER, customer_id)
    return open_debts(account_id, at) if account_id is not None else []


def entries_page(
    customer_id: int, *, by: Employee, before_id: int | None = None, limit: int = 50
) -> list[StatementEntry]:
    """One page of a customer's VIP entries, newest first, each with the balance after it;
    the next page starts before the last one's ``entry_id``."""
    may_read(by)
    customer_id = check_id(customer_id, _("The customer"))
    limit = check_count(limit, _("The page size"), minimum=1, maximum=MAX_PAGE, text=False)
    account_id = ledger.find_account(Kind.VIP, OWNER, customer_id)
    if account_id is None:
        return []
    where, params = ' WHERE e."account_id" = ?', [account_id]
    if before_id is not None:
        where += ' AND e."id" < ?'
        params.append(check_id(before_id, _("The entry")))
    rows = database.execute_sql(
        sql(_ENTRY_COLUMNS + where + ' ORDER BY e."id" DESC LIMIT ?'), [*params, limit]
    ).fetchall()
    if not rows:
        return []
    later = database.execute_sql(
        sql(
            'SELECT COALESCE(SUM("amount"), 0) FROM "ledger_entry" WHERE "account_id" = ? '
            'AND "id" > ?'
        ),
        (account_id, rows[0][0]),
    ).fetchone()[0]
    balance = ledger.balance(account_id) - int(later)
    page = []
    for row in rows:
        page.append(_entry(row, balance))
        balance -= int(row[3])
    return page


# --- the debtors list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Debtor:
    customer_id: int
    name: str
    card: str
    mode: str
    debt: int
    limit: int
    balance: int
    due_at: dt.datetime | None  # the earliest due date of an open debt (None: no term)
    overdue: int
    overdue_days: int

    @property
    def key(self) -> tuple[dt.datetime, int]:
        """Where the next page starts (``after``)."""
        return (self.due_at or FAR, self.customer_id)


def debtors(
    *,
    by: Employee,
    at: dt.datetime,
    after: tuple[dt.datetime, int] | None = None,
    limit: int = 50,
    debts_only: bool = True,
) -> list[Debtor]:
    """A page of VIP customers, the most overdue first: by the earliest due date of what
    they owe, then the card; those without a term after, then (``debts_only`` False) those
    who owe nothing. The next page: ``after=page[-1].key``."""
    may_read(by)
    limit = check_count(limit, _("The page size"), minimum=1, maximum=MAX_PAGE, text=False)
    where, params = "WHERE 1 = 1", []
    if debts_only:
        where += ' AND v."debt" > 0'
    if after is not None:
        if not isinstance(after, tuple) or len(after) != 2:
            raise ValidationError(_("Where the page starts is a (due date, customer) pair."))
        due = after[0] if after[0] == FAR else check_datetime(after[0], _("The due date"))
        after_id = check_id(after[1], _("The customer"))
        where += ' AND (v."due_at" > ? OR (v."due_at" = ? AND v."customer_id" > ?))'
        params += [db_time(due), db_time(due), after_id]
    rows = database.execute_sql(
        sql(
            'SELECT v."customer_id", c."name", c."card", c."vip_mode", v."debt", a."floor", '
            'a."balance", v."due_at", v."account_id" FROM "vip_account" v '
            'JOIN "customer" c ON c."id" = v."customer_id" '
            'JOIN "ledger_account" a ON a."id" = v."account_id" '
            f'{where} ORDER BY v."due_at", v."customer_id" LIMIT ?'
        ),
        [*params, limit],
    ).fetchall()
    late: dict[int, int] = {}
    if rows:
        accounts = [r[8] for r in rows]
        late = dict(
            database.execute_sql(
                sql(
                    'SELECT "account_id", SUM("amount") FROM "ledger_open" WHERE "sign" = -1 '
                    'AND "due_at" < ? AND "account_id" IN ('
                    + ", ".join("?" * len(accounts))
                    + ') GROUP BY "account_id"'
                ),
                [db_time(at), *accounts],
            ).fetchall()
        )
    page = []
    for customer_id, name, card, mode, debt, floor, balance, due, account_id in rows:
        due_at = _dt(due)
        due_at_or_none = None if due_at >= FAR else due_at
        overdue = int(late.get(account_id) or 0)
        page.append(
            Debtor(
                customer_id=customer_id,
                name=name,
                card=card or "",
                mode=mode,
                debt=int(debt),
                limit=-int(floor),
                balance=int(balance),
                due_at=due_at_or_none,
                overdue=overdue,
                overdue_days=overdue_days(due_at_or_none, at) if overdue else 0,
            )
        )
    return page


__all__ = [
    "DebtItem",
    "Debtor",
    "Statement",
    "StatementEntry",
    "debtors",
    "debts_of",
    "entries_page",
    "open_debts",
    "statement",
]
