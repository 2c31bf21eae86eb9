"""Reading pre-orders: the list of open ones (a page at a time, newest first, with what is
prepaid of each) and one pre-order with its lines, what is held and what has arrived for each,
and its prepayment by tender (for the pre-order screens)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from torgtui.catalog.stock import available
from torgtui.db import database, query_value, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.preorder_common import (
    ACTIVE,
    OWNER,
    Head,
    Status,
    code_of,
    find_account,
    head,
    prepaid_of,
    status_title,
)
from torgtui.marketing.preorder_money import by_tender
from torgtui.models import Customer, Employee, Location
from torgtui.models.preorders import Preorder, PreorderLine
from torgtui.money import line_amount
from torgtui.staff import Permission, require
from torgtui.values import check_count, check_id

MAX_PAGE = 500


def lines_with_held(preorder_id: int) -> list[tuple[int, int, int, int, str, bool]]:
    """(line id, product id, ordered, held now, product name, weighed) of each line."""
    rows = database.execute_sql(
        sql(
            'SELECT l."id", l."product_id", l."qty", COALESCE((SELECT SUM(r."qty") FROM '
            '"preorder_reserve" r WHERE r."line_id" = l."id" AND r."status" = ?), 0), '
            'p."name", p."weighed" FROM "preorder_line" l '
            'JOIN "product" p ON p."id" = l."product_id" '
            'WHERE l."preorder_id" = ? ORDER BY l."position"'
        ),
        ("held", preorder_id),
    ).fetchall()
    return [(r[0], r[1], int(r[2]), int(r[3]), r[4], bool(r[5])) for r in rows]


@dataclass(frozen=True)
class Listed:
    """One row of the pre-order list."""

    id: int
    code: str
    status: str
    customer: str
    total: int
    prepaid: int
    created_at: dt.datetime

    @property
    def to_pay(self) -> int:
        return max(self.total - self.prepaid, 0)


def _as_dt(value: object) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def open_preorders(
    *,
    by: Employee,
    location_id: int | None = None,
    statuses: Sequence[str] = ACTIVE,
    before_id: int | None = None,
    limit: int = 50,
) -> list[Listed]:
    """A page of pre-orders, newest first (open, reserved and ready by default; ``before_id``
    is the last id of the page before: keyset paging), with what is prepaid of each."""
    require(by, Permission.SELL)
    limit = check_count(limit, _("The page size"), text=False)
    limit = min(max(limit, 1), MAX_PAGE)
    if not isinstance(statuses, (list, tuple)) or any(s not in list(Status) for s in statuses):
        raise ValidationError(
            _("Choose pre-orders by status: {known}.").format(known=", ".join(Status))
        )
    wanted = [str(s) for s in statuses] if statuses else [str(s) for s in Status]
    where = [f'p."status" IN ({", ".join("?" * len(wanted))})']
    params: list[object] = [*wanted]
    if location_id is not None:
        where.append('p."location_id" = ?')
        params.append(check_id(location_id, _("The location")))
    if before_id is not None:
        where.append('p."id" < ?')
        params.append(check_id(before_id, _("The pre-order")))
    rows = database.execute_sql(
        sql(
            'SELECT p."id", p."number", p."status", c."name", p."total", '
            'COALESCE(a."balance", 0), p."created_at" FROM "preorder" p '
            'JOIN "customer" c ON c."id" = p."customer_id" '
            'LEFT JOIN "ledger_account" a ON a."kind" = ? AND a."owner_type" = ? '
            'AND a."owner_id" = p."id" '
            f'WHERE {" AND ".join(where)} ORDER BY p."id" DESC LIMIT {limit}'
        ),
        ["prepayment", OWNER, *params],
    ).fetchall()
    return [
        Listed(r[0], code_of(r[1]), r[2], r[3], int(r[4]), int(r[5]), _as_dt(r[6])) for r in rows
    ]


@dataclass(frozen=True)
class LineView:
    id: int
    product_id: int
    name: str
    qty: int
    unit_price: int  # agreed
    list_price: int  # the catalog's when agreed
    held: int  # reserved for it now
    free: int  # in stock at the location and held for nobody (what could be reserved)

    @property
    def total(self) -> int:
        return line_amount(self.unit_price, self.qty)


@dataclass(frozen=True)
class View:
    head: Head
    status_title: str
    customer: str
    location: str
    lines: tuple[LineView, ...]
    prepaid: int
    prepaid_by: dict[str, int]
    receipt_number: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def to_pay(self) -> int:
        return max(self.head.total - self.prepaid, 0)


def show(preorder_id: int, *, by: Employee) -> View:
    """One pre-order with its lines, what is held and what has arrived for each, and its
    prepayment (for the pre-order card on screen)."""
    require(by, Permission.SELL)
    found = head(preorder_id)
    row = Preorder.get_by_id(found.id)
    prices = {
        lid: (int(unit), int(listed))
        for lid, unit, listed in PreorderLine.select(
            PreorderLine.id, PreorderLine.unit_price, PreorderLine.list_price
        )
        .where(PreorderLine.preorder == found.id)
        .tuples()
    }
    lines = tuple(
        LineView(
            lid,
            pid,
            name,
            ordered,
            *prices[lid],
            held,
            max(available(pid, found.location_id), 0),
        )
        for lid, pid, ordered, held, name, _w in lines_with_held(found.id)
    )
    number = (
        query_value('SELECT "number" FROM "receipt" WHERE "id" = ?', (found.receipt_id,))
        if found.receipt_id
        else None
    )
    return View(
        head=found,
        status_title=status_title(found.status),
        customer=Customer.get_by_id(found.customer_id).name,
        location=Location.get_by_id(found.location_id).name,
        lines=lines,
        prepaid=prepaid_of(found.id),
        prepaid_by=by_tender(find_account(found.id)),
        receipt_number=int(number) if number is not None else None,  # type: ignore[call-overload]
        created_at=_as_dt(row.created_at),
        updated_at=_as_dt(row.updated_at),
    )


__all__ = ["MAX_PAGE", "LineView", "Listed", "View", "lines_with_held", "open_preorders", "show"]
