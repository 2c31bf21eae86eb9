"""The acquisition channel's result: what the codes of each batch, and of each channel, brought
in a period (the codes themselves: torgtui.marketing.codes).

For the uses made from ``start`` to ``end`` (whole days, both included) and still in force (a
use given back by a return of the whole receipt does not count; ``given_back`` says how many
were):

* ``uses``: codes used; ``receipts``: the sale receipts they were used on;
* ``revenue``: what those receipts took, less what returns of them have paid back since;
* ``discount``: what the batch's promotion took off those receipts (the codes' cost);
* ``new_customers``: customers whose first purchase ever was a receipt with the code.

A channel's row counts a receipt or a customer once, even when two of its batches were used on
one receipt; so does the total. Money in kopecks. Needs VIEW_REPORTS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from torgtui.db import database, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.codes_read import batch_of
from torgtui.models import Employee
from torgtui.sales.checkout import stamp
from torgtui.staff import Permission, require
from torgtui.values import check_date

_CHUNK = 500
MAX_DAYS = 3660


@dataclass
class ResultRow:
    channel: str
    batch: str  # the batch's id; "" for a channel's or the whole total
    name: str
    uses: int = 0
    receipts: int = 0
    revenue: int = 0
    discount: int = 0
    new_customers: int = 0
    given_back: int = 0

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class ChannelReport:
    start: dt.date
    end: dt.date
    batches: list[ResultRow] = field(default_factory=list)
    channels: list[ResultRow] = field(default_factory=list)
    total: ResultRow = field(default_factory=lambda: ResultRow("", "", ""))

    def as_dict(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "batches": [r.as_dict() for r in self.batches],
            "channels": [r.as_dict() for r in self.channels],
            "total": self.total.as_dict(),
        }


@dataclass(frozen=True)
class _Use:
    batch_id: int
    receipt_id: int
    customer_id: int | None
    total: int


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _marks(ids: Sequence[int]) -> str:
    return ", ".join("?" * len(ids))


def _uses(start: dt.datetime, end: dt.datetime, batch_id: int | None) -> tuple[list[_Use], dict]:
    where = '"u"."used_at" >= ? AND "u"."used_at" < ?'
    params: list[object] = [stamp(start), stamp(end)]
    if batch_id is not None:
        where += ' AND "u"."batch_id" = ?'
        params.append(batch_id)
    uses, given_back = [], {}
    for bid, rid, cid, total, back in database.execute_sql(
        sql(
            'SELECT "u"."batch_id", "u"."receipt_id", "r"."customer_id", "r"."total", '
            '"u"."returned_at" FROM "promo_code_use" "u" '
            'JOIN "receipt" "r" ON "r"."id" = "u"."receipt_id" '
            f'WHERE {where} ORDER BY "u"."id"'
        ),
        params,
    ).fetchall():
        if back is not None:
            given_back[bid] = given_back.get(bid, 0) + 1
        else:
            uses.append(_Use(bid, rid, cid, int(total)))
    return uses, given_back


def _refunds(receipts: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for chunk in _chunks(receipts):
        out.update(
            (rid, int(total or 0))
            for rid, total in database.execute_sql(
                sql(
                    'SELECT "original_id", SUM("total") FROM "receipt" WHERE "kind" = \'return\' '
                    f'AND "original_id" IN ({_marks(chunk)}) GROUP BY "original_id"'
                ),
                chunk,
            ).fetchall()
        )
    return out


def _discounts(receipts: Sequence[int]) -> dict[tuple[int, str], int]:
    out: dict[tuple[int, str], int] = {}
    for chunk in _chunks(receipts):
        for rid, rule, amount in database.execute_sql(
            sql(
                'SELECT "l"."receipt_id", "a"."rule", SUM("a"."amount") FROM "line_adjustment" "a" '
                'JOIN "receipt_line" "l" ON "l"."id" = "a"."line_id" '
                f'WHERE "a"."step" = \'promotion\' AND "l"."receipt_id" IN ({_marks(chunk)}) '
                'GROUP BY "l"."receipt_id", "a"."rule"'
            ),
            chunk,
        ).fetchall():
            out[(rid, rule)] = int(amount or 0)
    return out


def _first_purchases(customers: Sequence[int]) -> dict[int, int]:
    """{customer: their first sale receipt ever} (the earliest; of two at once, the first)."""
    out: dict[int, int] = {}
    for chunk in _chunks(customers):
        for cid, first in database.execute_sql(
            sql(
                'SELECT "r"."customer_id", MIN("r"."id") FROM "receipt" "r" JOIN ('
                'SELECT "customer_id", MIN("created_at") AS "at" FROM "receipt" '
                f'WHERE "kind" = \'sale\' AND "customer_id" IN ({_marks(chunk)}) '
                'GROUP BY "customer_id") "f" ON "f"."customer_id" = "r"."customer_id" '
                'AND "f"."at" = "r"."created_at" WHERE "r"."kind" = \'sale\' '
                'GROUP BY "r"."customer_id"'
            ),
            chunk,
        ).fetchall():
            out[cid] = int(first)
    return out


def _batches() -> dict[int, tuple[str, str, str, str]]:
    """{batch id: (code, name, channel, its promotion's code)}."""
    return {
        r[0]: (r[1], r[2], r[3], r[4])
        for r in database.execute_sql(
            'SELECT "b"."id", "b"."code", "b"."name", "b"."channel", "p"."code" '
            'FROM "code_batch" "b" JOIN "promotion" "p" ON "p"."id" = "b"."promotion_id"'
        ).fetchall()
    }


def _fill(
    row: ResultRow,
    uses: list[_Use],
    rules: dict[int, str],
    refunds: dict[int, int],
    discounts: dict[tuple[int, str], int],
    first: dict[int, int],
) -> None:
    """Sum ``uses`` into ``row``: each receipt and each customer counted once."""
    receipts = {u.receipt_id: u for u in uses}
    row.uses = len(uses)
    row.receipts = len(receipts)
    row.revenue = sum(u.total - refunds.get(rid, 0) for rid, u in receipts.items())
    row.discount = sum(
        discounts.get((rid, rule), 0)
        for rid, rule in {(u.receipt_id, rules[u.batch_id]) for u in uses}
    )
    row.new_customers = len(
        {
            u.customer_id
            for u in uses
            if u.customer_id is not None and first.get(u.customer_id) == u.receipt_id
        }
    )


def channel_report(
    start: dt.date | str,
    end: dt.date | str,
    *,
    by: Employee,
    batch: int | str | None = None,
) -> ChannelReport:
    """The result of every batch and channel (or one batch) from ``start`` to ``end``."""
    require(by, Permission.VIEW_REPORTS)
    first_day = check_date(start, _("The first day"))
    last_day = check_date(end, _("The last day"))
    if last_day < first_day:
        raise ValidationError(_("The last day is before the first: swap them."))
    if (last_day - first_day).days > MAX_DAYS:
        raise ValidationError(_("A report covers at most ten years."))
    only = batch_of(batch).id if batch is not None else None
    since = dt.datetime.combine(first_day, dt.time())
    until = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time())
    uses, given_back = _uses(since, until, only)
    info = _batches()
    rules = {bid: info[bid][3] for bid in info}
    receipts = [u.receipt_id for u in uses]
    refunds, discounts = _refunds(receipts), _discounts(receipts)
    first = _first_purchases([u.customer_id for u in uses if u.customer_id is not None])
    report = ChannelReport(first_day, last_day)
    by_batch: dict[int, list[_Use]] = {}
    for use in uses:
        by_batch.setdefault(use.batch_id, []).append(use)
    shown = sorted(
        {*by_batch, *given_back} if only is None else {only},
        key=lambda b: (info[b][2].casefold(), info[b][0]),
    )
    by_channel: dict[str, list[_Use]] = {}
    for bid in shown:
        code, name, channel, _rule = info[bid]
        row = ResultRow(channel, code, name, given_back=given_back.get(bid, 0))
        _fill(row, by_batch.get(bid, []), rules, refunds, discounts, first)
        report.batches.append(row)
        by_channel.setdefault(channel, []).extend(by_batch.get(bid, []))
    for channel, channel_uses in by_channel.items():
        row = ResultRow(channel, "", channel)
        row.given_back = sum(r.given_back for r in report.batches if r.channel == channel)
        _fill(row, channel_uses, rules, refunds, discounts, first)
        report.channels.append(row)
    report.total.given_back = sum(given_back.values())
    _fill(report.total, uses, rules, refunds, discounts, first)
    return report


__all__ = ["ChannelReport", "ResultRow", "channel_report"]
