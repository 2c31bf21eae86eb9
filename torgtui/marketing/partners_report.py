"""The attracted-customers report: what each partner (and each of its employees) brought.

For a period (the receipts' dates, [start, end)), per partner and per partner employee:

* ``customers``: customers linked to it now (the customer card's link, by hand or by code);
* ``buyers`` and ``receipts``: distinct customers and sale receipts credited to it in the
  period (``partner_sale``: an attracted customer's purchase, or a sale through an
  intermediary);
* ``revenue``: those receipts' totals less what was returned of them (whenever);
* ``cost``: their lines' effective cost (the receipt line's cost after cost documents,
  torgtui.marketing.costs, as the promotion reports count it) less the returned lines' cost;
* ``margin`` = revenue - cost;
* ``commission``: commissions due on them less what returns took back; ``rewards``: one-time
  rewards recorded as expenses of those receipts; ``profit`` = margin - commission - rewards:
  the real profit after paying the partner.

Reading it needs the right to view reports. Nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from torgtui.db import database, is_sqlite, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.costs import effective_line_costs
from torgtui.models import Employee
from torgtui.staff import Permission, require
from torgtui.values import check_date

MAX_RECEIPTS = 200_000  # a longer period is refused: choose a shorter one


@dataclass
class Row:
    partner_id: int
    code: str
    name: str
    kind: str
    employee_id: int | None = None  # None: the partner's whole row
    employee: str = ""
    customers: int = 0
    buyers: int = 0
    receipts: int = 0
    revenue: int = 0
    cost: int = 0
    commission: int = 0
    rewards: int = 0
    _buyers: set[int] = field(default_factory=set, repr=False)

    @property
    def margin(self) -> int:
        return self.revenue - self.cost

    @property
    def profit(self) -> int:
        return self.margin - self.commission - self.rewards


def _stamp(day: dt.date) -> object:
    moment = dt.datetime.combine(day, dt.time())
    return str(moment) if is_sqlite() else moment


def _chunks(ids: list[int], n: int = 500):
    for i in range(0, len(ids), n):
        yield ids[i : i + n]


def attracted_report(
    *, by: Employee, start: dt.date | None = None, end: dt.date | None = None
) -> list[Row]:
    """Rows by partner (each followed by its employees' rows), partners by name."""
    require(by, Permission.VIEW_REPORTS)
    if start is not None:
        start = check_date(start, _("The first day"))
    if end is not None:
        end = check_date(end, _("The last day"))
    if start and end and end < start:
        raise ValidationError(_("The last day is before the first: swap them."))
    partners = {
        r[0]: Row(r[0], r[1], r[2], r[3])
        for r in database.execute_sql(
            sql('SELECT "id", "code", "name", "kind" FROM "partner" ORDER BY "name", "id"')
        ).fetchall()
    }
    employees = {
        r[0]: (r[1], r[2])
        for r in database.execute_sql(
            sql('SELECT "id", "partner_id", "name" FROM "partner_employee"')
        ).fetchall()
    }
    rows: dict[tuple[int, int | None], Row] = {(pid, None): row for pid, row in partners.items()}

    def row_of(pid: int, eid: int | None) -> Row:
        key = (pid, eid)
        if key not in rows:
            base = partners[pid]
            rows[key] = Row(pid, base.code, base.name, base.kind, eid, employees[eid][1])
        return rows[key]

    for pid, eid, count in database.execute_sql(
        sql(
            'SELECT "partner_id", "partner_employee_id", COUNT(*) FROM "customer_partner" '
            'GROUP BY "partner_id", "partner_employee_id"'
        )
    ).fetchall():
        row_of(pid, None).customers += int(count)
        if eid is not None:
            row_of(pid, eid).customers += int(count)

    where, params = ['r."kind" = ?'], ["sale"]
    if start is not None:
        where.append('r."created_at" >= ?')
        params.append(_stamp(start))
    if end is not None:
        where.append('r."created_at" < ?')
        params.append(_stamp(end + dt.timedelta(days=1)))
    sales = database.execute_sql(
        sql(
            'SELECT s."receipt_id", s."partner_id", s."partner_employee_id", s."customer_id", '
            's."commission", r."total" FROM "partner_sale" s '
            'JOIN "receipt" r ON r."id" = s."receipt_id" WHERE ' + " AND ".join(where)
        ),
        params,
    ).fetchall()
    if len(sales) > MAX_RECEIPTS:
        raise ValidationError(
            _("The period holds over {n} receipts: choose a shorter one.").format(n=MAX_RECEIPTS)
        )
    receipts = sorted({int(s[0]) for s in sales})
    line_cost: dict[int, int] = defaultdict(int)  # receipt -> cost of its lines
    returned_total: dict[int, int] = defaultdict(int)
    returned_cost: dict[int, int] = defaultdict(int)
    commission_back: dict[int, int] = defaultdict(int)
    rewards: dict[tuple[int, int], int] = defaultdict(int)  # (receipt, partner) -> rewards
    for chunk in _chunks(receipts):
        marks = ", ".join("?" * len(chunk))
        lines = database.execute_sql(
            sql(f'SELECT "id", "receipt_id" FROM "receipt_line" WHERE "receipt_id" IN ({marks})'),
            chunk,
        ).fetchall()
        costs = effective_line_costs([int(lid) for lid, _r in lines])
        for lid, rid in lines:
            line_cost[int(rid)] += costs.get(int(lid), 0)
        back = database.execute_sql(
            sql(
                'SELECT r."original_id", r."id", r."total" FROM "receipt" r '
                f'WHERE r."kind" = ? AND r."original_id" IN ({marks})'
            ),
            ["return", *chunk],
        ).fetchall()
        back_ids = {int(b[1]): int(b[0]) for b in back}
        for original, _rid, total in back:
            returned_total[int(original)] += int(total)
        if back_ids:
            back_lines = database.execute_sql(
                sql(
                    'SELECT "id", "receipt_id" FROM "receipt_line" WHERE "receipt_id" IN '
                    f"({', '.join('?' * len(back_ids))})"
                ),
                list(back_ids),
            ).fetchall()
            back_costs = effective_line_costs([int(lid) for lid, _r in back_lines])
            for lid, rid in back_lines:
                returned_cost[back_ids[int(rid)]] += back_costs.get(int(lid), 0)
            for rid, amount in database.execute_sql(
                sql(
                    'SELECT "receipt_id", SUM("amount") FROM "ledger_entry" WHERE "kind" = ? '
                    f'AND "receipt_id" IN ({", ".join("?" * len(back_ids))}) '
                    'GROUP BY "receipt_id"'
                ),
                ["commission_return", *back_ids],
            ).fetchall():
                commission_back[back_ids[int(rid)]] += -int(amount or 0)
        for rid, owner, amount in database.execute_sql(
            sql(
                'SELECT e."receipt_id", a."owner_id", SUM(e."amount") FROM "ledger_entry" e '
                'JOIN "ledger_account" a ON a."id" = e."account_id" '
                f'WHERE a."kind" = ? AND e."kind" = ? AND e."receipt_id" IN ({marks}) '
                'GROUP BY e."receipt_id", a."owner_id"'
            ),
            ["partner", "reward", *chunk],
        ).fetchall():
            rewards[(int(rid), int(owner))] += int(amount or 0)
    for rid, pid, eid, cid, commission, total in sales:
        rid = int(rid)
        targets = [row_of(pid, None)] + ([row_of(pid, eid)] if eid is not None else [])
        for row in targets:
            row.receipts += 1
            row.revenue += int(total) - returned_total[rid]
            row.cost += line_cost[rid] - returned_cost[rid]
            row.commission += int(commission) - commission_back[rid]
            row.rewards += rewards[(rid, pid)]
            if cid is not None:
                row._buyers.add(int(cid))
    out: list[Row] = []
    for pid in partners:
        for key in sorted(
            (k for k in rows if k[0] == pid),
            key=lambda k: (k[1] is not None, rows[k].employee, k[1] or 0),
        ):
            row = rows[key]
            row.buyers = len(row._buyers)
            out.append(row)
    return out


__all__ = ["Row", "attracted_report"]
