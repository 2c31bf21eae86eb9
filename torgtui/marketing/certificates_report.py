"""The analysis of gift certificates for a period, by type: how many were issued and sold,
what they paid for (or took off), what returns gave back, what lapsed, and the liability left
at the end of the period. Everything is counted from the facts (certificate rows, their uses,
the ledger's entries), never from a kept total. The screen (CERTUI) shows it.

Definitions, for the period of days ``start``..``end`` (inclusive):

* **issued**: lives numbered in the period (a reissue is a new life);
* **sold**: certificates sold (or given) in the period, and their face value (a certificate
  returned unused is no longer sold: it is ``issued`` again);
* **redeemed**: uses in the period -- payments (money, product) and discounts given
  (discount mode) -- their count and amount; **returned**: what returns gave back onto
  certificates in the period;
* **expired**: money and product certificates whose lapsed value was written off in the
  period (its amount); discount certificates that lapsed unused in the period (no amount);
* **outstanding**: at the end of ``end``, sold certificates still valid then and not used up:
  their count, and what money and product ones hold (the shop's liability).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from torgtui.db import database, is_sqlite, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Employee
from torgtui.models.certificates import CertificateType
from torgtui.staff import Permission, require
from torgtui.values import check_date


@dataclass(frozen=True)
class TypeFigures:
    type_code: str
    type_name: str
    mode: str
    issued: int
    sold_count: int
    sold_value: int
    redeemed_count: int
    redeemed_value: int
    returned_value: int
    expired_count: int
    expired_value: int
    outstanding_count: int
    outstanding_value: int


def _stamp(moment: dt.datetime) -> object:
    return str(moment) if is_sqlite() else moment


def _rows(statement: str, params: tuple) -> dict[int, tuple]:
    return {r[0]: r[1:] for r in database.execute_sql(sql(statement), params).fetchall()}


def analysis(
    start: dt.date, end: dt.date, *, by: Employee, type_code: str | None = None
) -> list[TypeFigures]:
    """The figures of each certificate type (or of one) for the days ``start``..``end``."""
    require(by, Permission.VIEW_REPORTS)
    start = check_date(start, _("The first day"))
    end = check_date(end, _("The last day"))
    if end < start:
        raise ValidationError(_("The last day is before the first: swap them."))
    lo = _stamp(dt.datetime.combine(start, dt.time()))
    hi = _stamp(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    issued = _rows(
        'SELECT "type_id", COUNT(*) FROM "certificate" WHERE "issued_at" >= ? '
        'AND "issued_at" < ? GROUP BY "type_id"',
        (lo, hi),
    )
    sold = _rows(
        'SELECT "type_id", COUNT(*), SUM("value") FROM "certificate" WHERE "sold_at" >= ? '
        'AND "sold_at" < ? GROUP BY "type_id"',
        (lo, hi),
    )
    used = _rows(
        'SELECT c."type_id", COUNT(*), SUM(u."amount") FROM "certificate_use" u '
        'JOIN "certificate" c ON c."id" = u."certificate_id" '
        'WHERE u."kind" IN (?, ?) AND u."at" >= ? AND u."at" < ? GROUP BY c."type_id"',
        ("pay", "discount", lo, hi),
    )
    back = _rows(
        'SELECT c."type_id", SUM(-u."amount") FROM "certificate_use" u '
        'JOIN "certificate" c ON c."id" = u."certificate_id" '
        'WHERE u."kind" = ? AND u."at" >= ? AND u."at" < ? GROUP BY c."type_id"',
        ("back", lo, hi),
    )
    ledger_join = (
        'FROM "ledger_entry" e JOIN "ledger_account" a ON a."id" = e."account_id" '
        'AND a."kind" = ? AND a."owner_type" = ? '
        'JOIN "certificate" c ON c."id" = a."owner_id" '
    )
    expired = _rows(
        'SELECT c."type_id", COUNT(DISTINCT c."id"), SUM(-e."amount") '
        + ledger_join
        + 'WHERE e."kind" = ? AND e."created_at" >= ? AND e."created_at" < ? '
        'GROUP BY c."type_id"',
        ("certificate", "certificate", "cert_expire", lo, hi),
    )
    lapsed_discounts = _rows(
        'SELECT c."type_id", COUNT(*) FROM "certificate" c '
        'JOIN "certificate_type" t ON t."id" = c."type_id" '
        'WHERE t."mode" = ? AND c."sold_at" IS NOT NULL AND c."expires_at" > ? '
        'AND c."expires_at" <= ? AND c."used_at" IS NULL GROUP BY c."type_id"',
        ("discount", lo, hi),
    )
    held = _rows(
        'SELECT t_id, COUNT(*), SUM(held) FROM (SELECT c."type_id" AS t_id, c."id" AS cid, '
        'SUM(e."amount") AS held '
        + ledger_join
        + 'WHERE e."created_at" < ? AND (c."expires_at" IS NULL OR c."expires_at" > ?) '
        'GROUP BY c."type_id", c."id") x WHERE held > 0 GROUP BY t_id',
        ("certificate", "certificate", hi, hi),
    )
    open_discounts = _rows(
        'SELECT c."type_id", COUNT(*) FROM "certificate" c '
        'JOIN "certificate_type" t ON t."id" = c."type_id" '
        'WHERE t."mode" = ? AND c."sold_at" < ? '
        'AND (c."expires_at" IS NULL OR c."expires_at" > ?) '
        'AND (c."used_at" IS NULL OR c."used_at" >= ?) AND c."status" <> ? '
        'GROUP BY c."type_id"',
        ("discount", hi, hi, hi, "blocked"),
    )
    query = CertificateType.select().order_by(CertificateType.code)
    if type_code is not None:
        query = query.where(CertificateType.code == type_code)
    out = []
    for t in query:
        s = sold.get(t.id, (0, 0))
        u = used.get(t.id, (0, 0))
        x = expired.get(t.id, (0, 0))
        h = held.get(t.id, (0, 0))
        discount = t.mode == "discount"
        out.append(
            TypeFigures(
                type_code=t.code,
                type_name=t.name,
                mode=t.mode,
                issued=int(issued.get(t.id, (0,))[0] or 0),
                sold_count=int(s[0] or 0),
                sold_value=int(s[1] or 0),
                redeemed_count=int(u[0] or 0),
                redeemed_value=int(u[1] or 0),
                returned_value=int(back.get(t.id, (0,))[0] or 0),
                expired_count=int(lapsed_discounts.get(t.id, (0,))[0] or 0)
                if discount
                else int(x[0] or 0),
                expired_value=0 if discount else int(x[1] or 0),
                outstanding_count=int(open_discounts.get(t.id, (0,))[0] or 0)
                if discount
                else int(h[0] or 0),
                outstanding_value=0 if discount else int(h[1] or 0),
            )
        )
    return out
