"""Bonus movement analysis with its "Refer a Friend" tab.

* :func:`bonus_movement`: every bonus entry of a period (a page at a time, newest first), each
  with its source named in words: the receipt that earned or spent it, the Refer a Friend code
  and the friend whose purchase brought it, the return that took it back, the employee who wrote
  it off, the expiry.
* :func:`referral_tab`: each referral code used in the period: the referrer, the friend, when,
  the friend's purchase, the referrer's bonus and what returns took back of it; with the totals
  (how many new buyers the campaign brought and for what amount).

Both need VIEW_REPORTS; money in kopecks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from torgtui.db import database, is_sqlite, sql
from torgtui.i18n import _
from torgtui.marketing.ledger import Kind
from torgtui.marketing.referral import reversed_by_code
from torgtui.models import Employee
from torgtui.staff import Permission, require
from torgtui.values import check_count, check_date

REFERRAL_KINDS = ("referral", "referral_back")


def _bounds(start: dt.date, end: dt.date) -> tuple[object, object]:
    start = check_date(start, _("The first day"))
    end = check_date(end, _("The last day"))
    low = dt.datetime.combine(start, dt.time())
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
    return (str(low), str(high)) if is_sqlite() else (low, high)


def _moment(value: object) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def source_of(
    kind: str,
    *,
    receipt: int | None,
    code: str = "",
    friend: str = "",
    employee: str = "",
    note: str = "",
) -> str:
    """A bonus entry's source in words."""
    on = _("receipt {n}").format(n=receipt) if receipt is not None else ""
    if kind == "referral":
        return _("Refer a Friend: code {code}, purchase of {friend} ({receipt})").format(
            code=code, friend=friend or "?", receipt=on
        )
    if kind == "referral_back":
        return _("Refer a Friend: return of {friend}'s purchase, code {code} ({receipt})").format(
            code=code, friend=friend or "?", receipt=on
        )
    if kind in ("earn", "spend", "change", "unearn", "unspend"):
        return {
            "earn": _("earned on {receipt}"),
            "spend": _("paid with on {receipt}"),
            "change": _("change on the card, {receipt}"),
            "unearn": _("taken back by return {receipt}"),
            "unspend": _("given back by return {receipt}"),
        }[kind].format(receipt=on)
    if kind == "expire":
        return _("lapsed")
    if kind == "write_off":
        return _("written off by {employee}: {note}").format(employee=employee or "?", note=note)
    return " ".join(p for p in (kind, on, note) if p)


@dataclass(frozen=True)
class Movement:
    id: int
    at: dt.datetime
    customer_id: int
    customer: str
    kind: str
    amount: int
    source: str


def bonus_movement(
    start: dt.date,
    end: dt.date,
    *,
    by: Employee,
    customer_id: int | None = None,
    kinds: tuple[str, ...] | None = None,
    before_id: int | None = None,
    limit: int = 200,
) -> list[Movement]:
    """One page of the period's bonus entries, newest first (keyset: ``before_id``)."""
    require(by, Permission.VIEW_REPORTS)
    low, high = _bounds(start, end)
    limit = check_count(limit, _("The page size"), minimum=1, maximum=10_000, text=False)
    statement = (
        'SELECT e."id", e."created_at", a."owner_id", c."name", e."kind", e."amount", '
        'r."number", k."code", f."name", w."name", e."note" FROM "ledger_entry" e '
        'JOIN "ledger_account" a ON a."id" = e."account_id" '
        'JOIN "customer" c ON c."id" = a."owner_id" '
        'LEFT JOIN "receipt" r ON r."id" = e."receipt_id" '
        'LEFT JOIN "referral_code" k ON e."kind" IN (?, ?) '
        'AND e."document" = \'referral:\' || CAST(k."id" AS VARCHAR(20)) '
        'LEFT JOIN "customer" f ON f."id" = k."friend_id" '
        'LEFT JOIN "employee" w ON w."id" = e."employee_id" '
        'WHERE a."kind" = ? AND a."owner_type" = ? AND e."created_at" >= ? AND e."created_at" < ?'
    )
    params: list[object] = [*REFERRAL_KINDS, str(Kind.BONUS), "customer", low, high]
    if customer_id is not None:
        statement += ' AND a."owner_id" = ?'
        params.append(customer_id)
    if kinds:
        statement += ' AND e."kind" IN ({})'.format(", ".join("?" * len(kinds)))
        params.extend(kinds)
    if before_id is not None:
        statement += ' AND e."id" < ?'
        params.append(before_id)
    statement += f' ORDER BY e."id" DESC LIMIT {limit}'
    return [
        Movement(
            r[0],
            _moment(r[1]),
            r[2],
            r[3],
            r[4],
            int(r[5]),
            source_of(
                r[4],
                receipt=r[6],
                code=r[7] or "",
                friend=r[8] or "",
                employee=r[9] or "",
                note=r[10] or "",
            ),
        )
        for r in database.execute_sql(sql(statement), params).fetchall()
    ]


@dataclass(frozen=True)
class ReferralRow:
    code_id: int
    code: str
    referrer_id: int
    referrer: str
    friend_id: int
    friend: str
    used_at: dt.datetime
    receipt_number: int | None
    purchase: int
    bonus: int
    reversed: int


@dataclass(frozen=True)
class ReferralTab:
    rows: list[ReferralRow]
    friends: int  # new buyers the codes brought
    purchases: int
    bonuses: int  # accrued, less what returns took back


def referral_tab(
    start: dt.date, end: dt.date, *, by: Employee, referrer_id: int | None = None
) -> ReferralTab:
    """The "Refer a Friend" tab: the codes used in the period (by one referrer, or all)."""
    require(by, Permission.VIEW_REPORTS)
    low, high = _bounds(start, end)
    statement = (
        'SELECT k."id", k."code", k."referrer_id", p."name", k."friend_id", f."name", '
        'k."used_at", r."number", k."purchase", k."bonus" FROM "referral_code" k '
        'JOIN "customer" p ON p."id" = k."referrer_id" '
        'JOIN "customer" f ON f."id" = k."friend_id" '
        'LEFT JOIN "receipt" r ON r."id" = k."receipt_id" '
        'WHERE k."used_at" >= ? AND k."used_at" < ?'
    )
    params: list[object] = [low, high]
    if referrer_id is not None:
        statement += ' AND k."referrer_id" = ?'
        params.append(referrer_id)
    found = database.execute_sql(sql(statement + ' ORDER BY k."used_at", k."id"'), params)
    raw = found.fetchall()
    back = reversed_by_code([r[0] for r in raw])
    rows = [
        ReferralRow(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            _moment(r[6]),
            r[7],
            int(r[8]),
            int(r[9]),
            back.get(r[0], 0),
        )
        for r in raw
    ]
    return ReferralTab(
        rows,
        len(rows),
        sum(r.purchase for r in rows),
        sum(r.bonus - r.reversed for r in rows),
    )


__all__ = ["Movement", "ReferralRow", "ReferralTab", "bonus_movement", "referral_tab", "source_of"]
