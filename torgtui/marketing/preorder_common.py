"""What every part of pre-orders shares: the statuses, the code the customer is given
("PO-12"), reading and locking one pre-order, its prepayment account on the ledger, and the
one message per change of status to the customer (the outbox).

Locking order, so that two transactions never wait for each other in a circle (PostgreSQL):
every write that touches a pre-order first takes its shift's row (when it moves money), then
the pre-order's row (``SELECT ... FOR UPDATE``), then the location's reserve lock
(torgtui.marketing.preorder_checkout), then the ledger account; the audit log last.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from torgtui.db import database, is_sqlite, query_value, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.bonuses import notify as write_notice
from torgtui.marketing.ledger import Kind
from torgtui.money import format_money
from torgtui.values import check_id


class Status(StrEnum):
    OPEN = "open"  # taken, waiting for goods
    RESERVED = "reserved"  # part of the goods arrived and is held for the customer
    READY = "ready"  # all of it is held: the customer may collect and pay
    SOLD = "sold"  # finished by a sale receipt
    CANCELLED = "cancelled"  # called off; the prepayment given back


ACTIVE = (Status.OPEN, Status.RESERVED, Status.READY)
OWNER = "preorder"  # the prepayment account's owner type (owner id: the pre-order's id)
CODE_PREFIX = "PO-"
_CODE = re.compile(r"PO-(\d{1,9})", re.IGNORECASE)


def status_title(status: str) -> str:
    return {
        Status.OPEN: _("waiting for goods"),
        Status.RESERVED: _("partly reserved"),
        Status.READY: _("ready to collect"),
        Status.SOLD: _("sold"),
        Status.CANCELLED: _("cancelled"),
    }.get(status, status)


def code_of(number: int) -> str:
    """The pre-order's code, as printed for the customer and typed at the register."""
    return f"{CODE_PREFIX}{number}"


def number_of(code: str) -> int | None:
    """The number in a pre-order code ("PO-12", "po-12"), or None when it is not one."""
    match = _CODE.fullmatch((code or "").strip())
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Head:
    """A pre-order as the services need it (one row, no lines)."""

    id: int
    number: int
    uuid: str
    customer_id: int
    location_id: int
    status: str
    total: int
    receipt_id: int | None

    @property
    def code(self) -> str:
        return code_of(self.number)


_HEAD = (
    'SELECT "id", "number", "uuid", "customer_id", "location_id", "status", "total", '
    '"receipt_id" FROM "preorder" '
)


def _head(row: tuple | None) -> Head | None:
    if row is None:
        return None
    return Head(row[0], row[1], row[2], row[3], row[4], row[5], int(row[6]), row[7])


def head(preorder_id: int) -> Head:
    """The pre-order with this id, or a ValidationError."""
    preorder_id = check_id(preorder_id, _("The pre-order"))
    found = _head(database.execute_sql(sql(_HEAD + 'WHERE "id" = ?'), (preorder_id,)).fetchone())
    if found is None:
        raise ValidationError(_("There is no such pre-order."))
    return found


def by_number(number: int) -> Head | None:
    return _head(database.execute_sql(sql(_HEAD + 'WHERE "number" = ?'), (number,)).fetchone())


def lock(preorder_id: int) -> Head:
    """Inside a write transaction: the pre-order's row, locked until commit (PostgreSQL; an
    immediate SQLite transaction holds the whole file already)."""
    preorder_id = check_id(preorder_id, _("The pre-order"))
    tail = "" if is_sqlite() else " FOR UPDATE"
    found = _head(
        database.execute_sql(sql(_HEAD + f'WHERE "id" = ?{tail}'), (preorder_id,)).fetchone()
    )
    if found is None:
        raise ValidationError(_("There is no such pre-order."))
    return found


def lock_shift(shift_id: int) -> None:
    """Inside a write transaction: refuse unless the shift is open (its row locked)."""
    tail = "" if is_sqlite() else " FOR UPDATE"
    if query_value(f'SELECT "status" FROM "shift" WHERE "id" = ?{tail}', (shift_id,)) != "open":
        raise ValidationError(_("This shift is closed: open a new one."))


def reserve_lock(location_id: int, *, shared: bool) -> None:
    """PostgreSQL: the location's reserve lock, held to the end of the transaction. Every
    sale takes it shared before it looks at the reserves (sales never wait for each other);
    making a reserve takes it alone, so a reserve and a sale of the same goods at the same
    moment never both pass their check. SQLite: nothing (immediate transactions already take
    turns)."""
    if is_sqlite():
        return
    how = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    database.execute_sql(
        f"SELECT {how}(hashtextextended(%s, 0))", (f"preorder_reserve:{location_id}",)
    )


def refusal(found: Head) -> ValidationError:
    """Why a pre-order that is sold or cancelled cannot be changed any more."""
    if found.status == Status.SOLD:
        number = query_value('SELECT "number" FROM "receipt" WHERE "id" = ?', (found.receipt_id,))
        return ValidationError(
            _("Pre-order {code} is sold already (receipt {n}): nothing more can change.").format(
                code=found.code, n=number if number is not None else "?"
            )
        )
    if found.status == Status.CANCELLED:
        return ValidationError(
            _("Pre-order {code} was cancelled: take a new pre-order instead.").format(
                code=found.code
            )
        )
    return ValidationError(
        _("Pre-order {code} is {status}.").format(
            code=found.code, status=status_title(found.status)
        )
    )


def find_account(preorder_id: int) -> int | None:
    return ledger.find_account(Kind.PREPAYMENT, OWNER, preorder_id)


def account_of(preorder_id: int, now: dt.datetime) -> int:
    """The pre-order's prepayment account (made on first use)."""
    return ledger.account(Kind.PREPAYMENT, OWNER, preorder_id, now=now)


def prepaid_of(preorder_id: int) -> int:
    """What is prepaid and not yet spent or given back (kopecks)."""
    return ledger.balance(find_account(preorder_id))


def notify(found: Head, status: str, now: dt.datetime, **extra: object) -> bool:
    """Tell the customer the pre-order is now ``status``: one outbox message per pre-order
    and status (key ``preorder:ID:STATUS``), whatever retries; True when it is new."""
    prepaid = prepaid_of(found.id)
    location = query_value('SELECT "name" FROM "location" WHERE "id" = ?', (found.location_id,))
    payload: dict[str, object] = {
        "preorder": found.code,
        "status": str(status),
        "total": found.total,
        "prepaid": prepaid,
        "to_pay": max(found.total - prepaid, 0),
        "total_text": format_money(found.total),
        "location": location or "",
        **extra,
    }
    return write_notice(
        found.customer_id, f"preorder_{status}", f"preorder:{found.id}:{status}", payload, now
    )


__all__ = [
    "ACTIVE",
    "CODE_PREFIX",
    "OWNER",
    "Head",
    "Status",
    "account_of",
    "by_number",
    "code_of",
    "find_account",
    "head",
    "lock",
    "lock_shift",
    "notify",
    "number_of",
    "prepaid_of",
    "refusal",
    "reserve_lock",
    "status_title",
]
