"""Shifts, per cashier and register: open with a float, cash in and out, X report, close with
a Z report. The totals come from the receipts and cash movements, never kept separately."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.db import insert_rows, is_sqlite, query_value, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _, ngettext
from torgtui.models import (
    CashMovement,
    Draft,
    Employee,
    FiscalJob,
    Location,
    Payment,
    Receipt,
    Shift,
)
from torgtui.staff import Permission, audit, audit_head, require
from torgtui.values import check_id, check_kopecks, check_text

# Cash a feature pays out of the drawer (a bonus cash-out): a cash movement of kind
# PAYOUT_PREFIX + what ("out:bonus"), summed per ``what`` into ShiftReport.payouts and taken
# from the cash expected; the feature names its report line with :func:`register_payout`, so
# sales imports no feature.
PAYOUT_PREFIX = "out:"
_PAYOUT_TITLES: dict[str, Callable[[], str]] = {}


def register_payout(what: str, title: Callable[[], str]) -> str:
    """Name the X/Z report line of the payouts ``what``; returns their cash movement kind."""
    _PAYOUT_TITLES[what] = title
    return PAYOUT_PREFIX + what


def payout_title(what: str) -> str:
    """The report line of the payouts ``what`` (its own name when nobody registered it)."""
    title = _PAYOUT_TITLES.get(what)
    return title() if title is not None else what


def current_shift(employee: Employee, register: str) -> Shift | None:
    return (
        Shift.select()
        .where(
            (Shift.employee == employee.id)
            & (Shift.register == register)
            & (Shift.status == "open")
        )
        .first()
    )


def require_shift(employee: Employee, register: str) -> Shift:
    shift = current_shift(employee, register)
    if shift is None:
        raise ValidationError(_("No open shift: press F10 to open one (with the cash float)."))
    return shift


def enqueue_fiscal(
    kind: str, *, shift: Shift, receipt: Receipt | None = None, payload: dict | None = None, now
) -> FiscalJob:
    return FiscalJob.create(
        kind=kind,
        receipt=receipt,
        shift=shift,
        payload=json.dumps(payload or {}),
        status="pending",
        created_at=now,
        updated_at=now,
    )


def record_cash(
    shift_id: int,
    kind: str,
    amount: int,
    *,
    employee_id: int | None,
    note: str,
    now: dt.datetime,
    fiscal_cash_in: bool,
) -> None:
    """Money that reaches the drawer (or the card terminal) outside a receipt's payments, in
    the caller's transaction: change kept on a card, a VIP debt paid. A cash movement the X
    and Z reports count, and for cash into the drawer a service cash-in for the fiscal unit
    (``fiscal_cash_in``), so its drawer balance matches."""
    at = str(now) if is_sqlite() else now
    insert_rows(
        "cash_movement",
        ["shift_id", "kind", "amount", "employee_id", "at", "note"],
        [(shift_id, kind, amount, employee_id, at, note[:200])],
    )
    if fiscal_cash_in:
        queue_fiscal_job("cash_in", shift_id=shift_id, payload={"amount": amount}, now=now)


def queue_fiscal_job(
    kind: str,
    *,
    shift_id: int,
    now: dt.datetime,
    receipt_id: int | None = None,
    payload: dict | None = None,
) -> None:
    """One job for the fiscal queue, in the caller's transaction (one prepared insert: it is
    on the commit path)."""
    at = str(now) if is_sqlite() else now
    insert_rows(
        "fiscal_job",
        [
            "kind",
            "receipt_id",
            "shift_id",
            "payload",
            "status",
            "attempts",
            "created_at",
            "updated_at",
            "last_error",
            "remote_id",
            "fiscal_code",
        ],
        [(kind, receipt_id, shift_id, json.dumps(payload or {}), "pending", 0, at, at, "", "", "")],
    )


def open_shift(
    employee: Employee,
    register: str,
    location: Location,
    opening_float: int,
    *,
    clock: Clock = system_clock,
    fiscal: bool = True,
) -> Shift:
    require(employee, Permission.SHIFT)
    opening_float = check_kopecks(opening_float, _("The float"))
    register = check_text(register, _("The register's name"), max_len=40, required=True)
    check_id(getattr(location, "id", None), _("The location"))
    now = clock()
    with write_tx():
        if current_shift(employee, register) is not None:
            raise ValidationError(_("Your shift on this register is already open."))
        shift = Shift.create(
            location=location,
            register=register,
            employee=employee,
            opened_at=now,
            opening_float=opening_float,
            status="open",
        )
        if opening_float:
            CashMovement.create(
                shift=shift, kind="float", amount=opening_float, employee=employee, at=now, note=""
            )
        if fiscal:
            enqueue_fiscal("open_shift", shift=shift, now=now)
            if opening_float:
                enqueue_fiscal("cash_in", shift=shift, payload={"amount": opening_float}, now=now)
        audit(
            "shift.open",
            employee,
            object_type="shift",
            object_id=shift.id,
            after={"float": opening_float},
            terminal=register,
            clock=clock,
        )
    return shift


def cash_move(
    shift: Shift,
    employee: Employee,
    kind: str,
    amount: int,
    note: str = "",
    *,
    clock: Clock = system_clock,
    fiscal: bool = True,
) -> CashMovement:
    """Cash in ("in") or out ("out") of the drawer; out may not exceed the cash there."""
    require(employee, Permission.SHIFT)
    if not isinstance(kind, str) or kind not in ("in", "out"):
        raise ValidationError(_("Cash moves are 'in' or 'out'."))
    amount = check_kopecks(amount, _("The amount"), minimum=1)
    note = check_text(note, _("The note"), max_len=200)
    now = clock()
    with write_tx():
        _check_open(shift)
        if kind == "out" and amount > x_report(shift).cash_expected:
            raise ValidationError(_("There is less cash in the drawer than that."))
        move = CashMovement.create(
            shift=shift, kind=kind, amount=amount, employee=employee, at=now, note=note[:200]
        )
        if fiscal:
            enqueue_fiscal(f"cash_{kind}", shift=shift, payload={"amount": amount}, now=now)
        audit(
            f"shift.cash_{kind}",
            employee,
            object_type="shift",
            object_id=shift.id,
            after={"amount": amount, "note": note},
            clock=clock,
        )
    return move


def _check_open(shift: Shift) -> None:
    """Inside a write transaction: refuse if the shift was closed (on any register)."""
    lock = "" if is_sqlite() else " FOR UPDATE"
    status = query_value(f'SELECT "status" FROM "shift" WHERE "id" = ?{lock}', (shift.id,))
    if status != "open":
        raise ValidationError(_("This shift is closed: open a new one."))


@dataclass
class ShiftReport:
    shift_id: int
    receipts: int = 0
    returns: int = 0
    sales_total: int = 0
    returns_total: int = 0
    discounts: int = 0
    rounding: int = 0
    by_tender: dict[str, int] = field(default_factory=dict)  # sales minus returns
    cash_float: int = 0
    cash_in: int = 0
    cash_out: int = 0
    to_card: int = 0  # change customers kept as bonuses: cash that stayed in the drawer
    vip_cash: int = 0  # VIP debts and deposits paid in cash (into the drawer)
    vip_card: int = 0  # ... and by card
    payouts: dict[str, int] = field(default_factory=dict)  # cash paid out by features
    cash_expected: int = 0
    audit_head: list = field(default_factory=list)  # [id, hash] of the audit chain at the Z

    def as_dict(self) -> dict:
        return asdict(self)


def x_report(shift: Shift) -> ShiftReport:
    """Totals of the shift so far (also what the Z report freezes)."""
    report = ShiftReport(shift_id=shift.id)
    rows = (
        Receipt.select(
            Receipt.kind,
            peewee.fn.COUNT(Receipt.id),
            peewee.fn.SUM(Receipt.total),
            peewee.fn.SUM(Receipt.discount),
            peewee.fn.SUM(Receipt.rounding),
        )
        .where(Receipt.shift == shift.id)
        .group_by(Receipt.kind)
        .tuples()
    )
    for kind, count, total, discount, rounding in rows:
        if kind == "sale":
            report.receipts, report.sales_total = count, int(total or 0)
            report.discounts += int(discount or 0)
            report.rounding += int(rounding or 0)
        else:
            report.returns, report.returns_total = count, int(total or 0)
            report.discounts -= int(discount or 0)
            report.rounding -= int(rounding or 0)
    sign = peewee.Case(Receipt.kind, [("return", -1)], 1)
    tenders = (
        Payment.select(Payment.tender, peewee.fn.SUM(Payment.amount * sign))
        .join(Receipt)
        .where(Receipt.shift == shift.id)
        .group_by(Payment.tender)
        .tuples()
    )
    report.by_tender = {tender: int(amount or 0) for tender, amount in tenders}
    moves = (
        CashMovement.select(CashMovement.kind, peewee.fn.SUM(CashMovement.amount))
        .where(CashMovement.shift == shift.id)
        .group_by(CashMovement.kind)
        .tuples()
    )
    sums = {kind: int(amount or 0) for kind, amount in moves}
    report.cash_float, report.cash_in, report.cash_out = (
        sums.get("float", 0),
        sums.get("in", 0),
        sums.get("out", 0),
    )
    report.to_card = sums.get("to_card", 0)
    report.vip_cash, report.vip_card = sums.get("vip_cash", 0), sums.get("vip_card", 0)
    report.payouts = {
        kind[len(PAYOUT_PREFIX) :]: amount
        for kind, amount in sorted(sums.items())
        if kind.startswith(PAYOUT_PREFIX)
    }
    report.cash_expected = (
        report.cash_float
        + report.cash_in
        + report.to_card
        + report.vip_cash
        - report.cash_out
        - sum(report.payouts.values())
        + report.by_tender.get("cash", 0)
    )
    return report


def unfinished_receipts(employee_id: int) -> list[Draft]:
    """The open and held receipts (with lines) of one employee, in every session and on every
    register, oldest first: what stops their Z report."""
    drafts = (
        Draft.select()
        .where(
            (Draft.employee == employee_id)
            & (Draft.status.in_(["open", "held"]))
            & (Draft.data != "")
        )
        .order_by(Draft.updated_at, Draft.id)
    )
    return [d for d in drafts if json.loads(d.data).get("lines")]


def check_nothing_unfinished(shift: Shift) -> None:
    """ValidationError while the shift's employee has open or held receipts (the Z report
    checks it; the shift screen asks before the cash is counted)."""
    pending = unfinished_receipts(shift.employee_id)
    if pending:
        raise ValidationError(
            ngettext(
                "{n} receipt is open or held: finish or cancel it before the Z report.",
                "{n} receipts are open or held: finish or cancel them before the Z report.",
                len(pending),
            ).format(n=len(pending))
        )


def hold_left_open(uuid: str, employee: Employee, *, clock: Clock = system_clock) -> bool:
    """Put aside ``employee``'s receipt left open in another session (a second login, a lost
    link), so that it can be recalled here. True when it was open and theirs."""
    require(employee, Permission.SELL)
    with write_tx():
        changed = (
            Draft.update(status="held", updated_at=clock())
            .where(
                (Draft.uuid == uuid) & (Draft.employee == employee.id) & (Draft.status == "open")
            )
            .execute()
        )
    return changed == 1


def close_shift(
    shift: Shift,
    employee: Employee,
    counted_cash: int | None = None,
    *,
    clock: Clock = system_clock,
    fiscal: bool = True,
) -> ShiftReport:
    """The Z report: freeze the totals, close the shift. Refused while receipts are held."""
    require(employee, Permission.SHIFT)
    if counted_cash is not None:
        counted_cash = check_kopecks(counted_cash, _("The counted cash"))
    now = clock()
    with write_tx():
        _check_open(shift)
        check_nothing_unfinished(shift)
        report = x_report(shift)
        head_id, head_hash = audit_head()
        report.audit_head = [head_id, head_hash] if head_id is not None else []
        Shift.update(
            status="closed",
            closed_at=now,
            closing_cash=counted_cash,
            z_report=json.dumps(report.as_dict()),
        ).where(Shift.id == shift.id).execute()
        if fiscal:
            enqueue_fiscal("close_shift", shift=shift, now=now)
        audit(
            "shift.close",
            employee,
            object_type="shift",
            object_id=shift.id,
            after={"z": report.as_dict(), "counted_cash": counted_cash},
            terminal=shift.register,
            clock=clock,
        )
    return report
