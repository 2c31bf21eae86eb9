"""Taking payment and committing a receipt: one immediate transaction that writes the receipt,
its lines, adjustments, payments, stock movements and the fiscal queue entry, idempotent by
the receipt's UUID (a retried commit returns the receipt already written, never a second one).

Checkout trusts no caller. The basket's prices are recomputed from the catalog by the pricing
pipeline; every manual discount, price override and sale below cost must carry an approval that
was granted and spent for exactly this receipt (torgtui.approvals), and its approver must still
have the right; quantities, tenders and the shift are checked against the database.

On PostgreSQL two registers committing the same UUID at once (one draft open on two tills) wait
on an advisory lock of that UUID, so the second returns the first's receipt instead of hitting
the unique index. The receipt number is taken last (``receipt_counter``, one upsert), so
registers queue on the number only for the final statements of their transactions.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from torgtui import approvals
from torgtui.approvals import Action
from torgtui.clock import Clock, system_clock
from torgtui.db import database, insert_rows, is_sqlite, query_value, sql, stamp, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Employee, Receipt, Shift
from torgtui.money import format_money, round_cash
from torgtui.sales import extensions
from torgtui.sales.basket import Basket
from torgtui.sales.extensions import SaleEvent
from torgtui.sales.pricing import PricingContext, price
from torgtui.sales.shifts import _check_open, queue_fiscal_job, record_cash
from torgtui.staff import Permission, audit, require
from torgtui.values import MAX_AMOUNT, check_id, check_kopecks, check_qty, check_uuid

TENDERS = ("cash", "card", "cashless")  # the register's own; features add theirs


def tender_kinds() -> list[str]:
    """Every way to pay: cash, card, cashless and what features add (bonuses, credit ...)."""
    extensions.load()
    return [*TENDERS, *extensions.TENDERS]


MAX_CHANGE = 100_000  # 1 000 UAH: more change than the largest note means a typing slip
MAX_LINES = 1000  # as the register: a basket of more lines is refused whole


@dataclass(frozen=True)
class Tender:
    kind: str  # cash, card, cashless
    amount: int  # cash: handed over; card/cashless: charged


@dataclass(frozen=True)
class Settlement:
    payments: list[tuple[str, int, int]]  # (tender, amount paid toward the receipt, tendered)
    rounding: int  # cash rounding: paid = total + rounding
    change: int


def check_tenders(tenders: Sequence[Tender]) -> list[str]:
    """Each tender is a known way to pay with an amount in kopecks; returns the known ways."""
    if not isinstance(tenders, (list, tuple)) or len(tenders) > 20:
        raise ValidationError(_("Give the payments as a short list of tenders."))
    known = tender_kinds()
    for t in tenders:
        if not isinstance(t, Tender) or not isinstance(t.kind, str) or t.kind not in known:
            kind = getattr(t, "kind", t)
            raise ValidationError(_("Unknown way to pay: {kind}.").format(kind=str(kind)[:40]))
        check_kopecks(t.amount, _("A payment"), minimum=1)
    return known


def settle(total: int, tenders: Sequence[Tender], cash_step: int) -> Settlement:
    """Check the tenders cover ``total``; work out cash rounding and change."""
    check_kopecks(total, _("The amount to pay"))
    if cash_step not in (1, 5, 10, 50, 100):
        raise ValidationError(_("Cash is rounded to 1, 5, 10, 50 or 100 kopecks."))
    known = check_tenders(tenders)
    noncash = [t for t in tenders if t.kind != "cash"]
    noncash_sum = sum(t.amount for t in noncash)
    if noncash_sum > total:
        raise ValidationError(
            _("The card payment is more than the amount to pay ({total}).").format(
                total=format_money(total)
            )
            if all(t.kind in ("card", "cashless") for t in noncash)
            else _(
                "The payments other than cash come to more than the amount to pay ({total})."
            ).format(total=format_money(total))
        )
    cash_due = total - noncash_sum
    cash_given = sum(t.amount for t in tenders if t.kind == "cash")
    rounding = 0
    if cash_given:
        rounded = round_cash(cash_due, cash_step)
        rounding, cash_due = rounded - cash_due, rounded
    if cash_given < cash_due:
        raise ValidationError(
            _("{left} still to pay.").format(left=format_money(cash_due - cash_given))
        )
    change = cash_given - cash_due
    if change > MAX_CHANGE:
        raise ValidationError(
            _("The change would be {change}: check the amount typed.").format(
                change=format_money(change)
            )
        )
    payments: list[tuple[str, int, int]] = []
    for kind in [k for k in known if k != "cash"]:
        amount = sum(t.amount for t in noncash if t.kind == kind)
        if amount:
            payments.append((kind, amount, amount))
    if cash_given:
        payments.append(("cash", cash_due, cash_given))
    return Settlement(payments, rounding, change)


def take_number(location_id: int) -> int:
    """The next receipt number at a location, inside the caller's write transaction: one
    upsert on ``receipt_counter`` that holds its row until commit. It never falls behind the
    receipts already there (rows written by an import or a demo build count too)."""
    biggest = "GREATEST" if not is_sqlite() else "MAX"
    value = query_value(
        'INSERT INTO "receipt_counter" ("location_id", "last_number") VALUES (?, '
        '(SELECT COALESCE(MAX("number"), 0) + 1 FROM "receipt" '
        'WHERE "location_id" = ? AND "number" > 0)) '
        'ON CONFLICT ("location_id") DO UPDATE SET "last_number" = '
        f'{biggest}("receipt_counter"."last_number" + 1, "excluded"."last_number") '
        'RETURNING "last_number"',
        (location_id, location_id),
    )
    return int(value)  # type: ignore[call-overload]


def lock_uuid(uuid: str) -> None:
    """PostgreSQL: wait for any other transaction committing this receipt UUID (an advisory
    lock held to the end of the transaction). SQLite's immediate transaction already does."""
    if not is_sqlite():
        database.execute_sql("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (uuid,))


def write_lines(
    receipt_id: int,
    basket: Basket,
    *,
    sign: int,
    now: dt.datetime,
    location_id: int,
    employee_id: int,
    originals: Sequence[int | None] = (),
) -> list[int]:
    """Insert the lines, their adjustments and stock movements; returns the line ids.

    This is the register's hot path, so it uses prepared statements (see db.insert_rows)."""
    ids = insert_rows(
        "receipt_line",
        [
            "receipt_id",
            "position",
            "product_id",
            "barcode",
            "name",
            "qty",
            "unit_price",
            "unit_cost",
            "subtotal",
            "discount",
            "total",
            "original_line_id",
            "bonus_earned",
        ],
        [
            (
                receipt_id,
                i,
                ln.product_id,
                ln.barcode,
                ln.name,
                ln.qty,
                ln.unit_price,
                ln.unit_cost,
                ln.subtotal,
                ln.discount,
                ln.total,
                originals[i - 1] if originals else None,
                ln.bonus_earn,
            )
            for i, ln in enumerate(basket.lines, 1)
        ],
        ids=True,
    )
    insert_rows(
        "line_adjustment",
        ["line_id", "step", "rule", "reason", "amount", "employee_id"],
        [
            (line_id, a.step, a.rule, a.reason[:200], a.amount, a.employee_id)
            for line_id, ln in zip(ids, basket.lines, strict=True)
            for a in ln.adjustments
        ],
    )
    at = stamp(now)
    stockless = extensions.stockless_of({ln.product_id for ln in basket.lines})
    insert_rows(
        "stock_movement",
        [
            "product_id",
            "location_id",
            "qty",
            "kind",
            "at",
            "employee_id",
            "note",
            "receipt_line_id",
        ],
        [
            (
                ln.product_id,
                location_id,
                -sign * ln.qty,
                "sale" if sign > 0 else "return",
                at,
                employee_id,
                "",
                line_id,
            )
            for line_id, ln in zip(ids, basket.lines, strict=True)
            if ln.product_id not in stockless
        ],
    )
    return ids


def write_receipt(
    *,
    uuid: str,
    kind: str,
    basket: Basket,
    payments: Sequence[tuple[str, int, int]],
    rounding: int,
    shift: Shift,
    employee: Employee,
    now: dt.datetime,
    fiscal: bool,
    original_id: int | None = None,
    originals: Sequence[int | None] = (),
    finish: Callable[[int], None] | None = None,
) -> Receipt:
    """Write one receipt with everything hanging off it (inside the caller's write_tx).

    The number is taken last on PostgreSQL (the receipt is written with a placeholder, minus
    its id, until then) and first on SQLite, where the immediate transaction already makes
    every writer wait its turn; ``finish`` (the caller's audit entries) runs just before."""
    uuid = check_uuid(uuid)  # it becomes the fiscal unit's receipt id, which is a UUID
    late = not is_sqlite()
    receipt_id: int | None = None
    if late:
        receipt_id = int(
            query_value("SELECT nextval(pg_get_serial_sequence('receipt', 'id'))")  # type: ignore[arg-type]
        )
        number = -receipt_id
    else:
        number = take_number(shift.location_id)
    fields = dict(
        uuid=uuid,
        number=number,
        kind=kind,
        status="closed",
        location_id=shift.location_id,
        shift_id=shift.id,
        employee_id=employee.id,
        customer_id=basket.customer_id,
        original_id=original_id,
        created_at=now,
        closed_at=now,
        subtotal=basket.subtotal,
        discount=basket.discount,
        total=basket.total,
        rounding=rounding,
        fiscal_status="pending" if fiscal else "",
        fiscal_code="",
        print_status="",
    )
    row = {k: (stamp(v) if isinstance(v, dt.datetime) else v) for k, v in fields.items()}
    if receipt_id is not None:
        row = {"id": receipt_id, **row}
        insert_rows("receipt", list(row), [tuple(row.values())])
    else:
        (receipt_id,) = insert_rows("receipt", list(row), [tuple(row.values())], ids=True)
    write_lines(
        receipt_id,
        basket,
        sign=1 if kind == "sale" else -1,
        now=now,
        location_id=shift.location_id,
        employee_id=employee.id,
        originals=originals,
    )
    insert_rows(
        "payment",
        ["receipt_id", "tender", "amount", "tendered"],
        [(receipt_id, t, a, g) for t, a, g in payments],
    )
    if basket.customer_id is not None:
        _count_on_card(basket.customer_id, kind, basket.total, now)
    if fiscal:
        queue_fiscal_job(kind, shift_id=shift.id, receipt_id=receipt_id, now=now)
    if finish is not None:
        finish(receipt_id)
    if late:
        fields["number"] = take_number(shift.location_id)
        database.execute_sql(
            sql('UPDATE "receipt" SET "number" = ? WHERE "id" = ?'), (fields["number"], receipt_id)
        )
    return Receipt(id=receipt_id, **fields)


def _count_on_card(customer_id: int, kind: str, total: int, now: dt.datetime) -> None:
    """Keep the card's totals (bought, returned, visits) with the receipt, so the customer
    list can sort a million cards by them without summing receipts."""
    if kind == "sale":
        database.execute_sql(
            sql(
                'UPDATE "customer" SET "total_bought" = "total_bought" + ?, '
                '"receipts_count" = "receipts_count" + 1, "last_visit" = ? WHERE "id" = ?'
            ),
            (total, stamp(now), customer_id),
        )
    else:
        database.execute_sql(
            sql('UPDATE "customer" SET "total_returned" = "total_returned" + ? WHERE "id" = ?'),
            (total, customer_id),
        )


def receipt_by_uuid(uuid: str) -> Receipt | None:
    receipt_id = query_value('SELECT "id" FROM "receipt" WHERE "uuid" = ?', (uuid,))
    return Receipt.get_by_id(receipt_id) if receipt_id is not None else None


def _check_basket(basket: Basket) -> None:
    """The basket's shape before anything is priced: lines, quantities and ids of the types
    a basket holds, within the bounds of one receipt."""
    if not isinstance(basket, Basket) or not isinstance(basket.lines, list):
        raise ValidationError(_("That is not a basket: nothing was saved."))
    if not basket.lines:
        raise ValidationError(_("The receipt is empty: scan something first."))
    if len(basket.lines) > MAX_LINES:
        raise ValidationError(
            _("A receipt holds at most {n} lines: split the sale.").format(n=MAX_LINES)
        )
    for line in basket.lines:
        check_id(line.product_id, _("A line's product"))
        check_qty(line.qty, weighed=True, name=line.name)
    if basket.customer_id is not None:
        check_id(basket.customer_id, _("The customer"))


def verify_approvals(basket: Basket, uuid: str, ctx: PricingContext) -> bool:
    """Inside the commit: every manual discount, price override and sale below cost of
    ``basket`` (already priced) was approved for this receipt by someone who may, and each
    approval serves one thing. Each request is then credited to its verified approver; returns
    True when that changed what the basket said (so its adjustments must be priced again)."""
    seen: set[object] = set()
    changed = False

    def once(approval_id: object) -> None:
        if approval_id in seen:
            raise ValidationError(_("One confirmation was used twice: ask for it again."))
        seen.add(approval_id)

    shares = ctx.extra.get("manual_shares") or []
    for request, share in zip(basket.manual_discounts, shares, strict=True):
        once(request.approval_id)
        approver = approvals.check(
            request.approval_id,
            action=Action.MANUAL_DISCOUNT,
            scope=uuid,
            subject=request.subject(),
            facts={**request.subject(), "share": str(share)},
        )
        changed |= request.employee_id != approver.id
        request.employee_id = approver.id
    for override in basket.overrides:
        once(override.approval_id)
        approver = approvals.check(
            override.approval_id,
            action=Action.PRICE_OVERRIDE,
            scope=uuid,
            subject=override.subject(),
        )
        changed |= override.employee_id != approver.id
        override.employee_id = approver.id
    if basket.below_cost:
        once(basket.below_cost_approval)
        approvals.check(
            basket.below_cost_approval,
            action=Action.BELOW_COST,
            scope=uuid,
            subject=basket.below_cost_subject(),
        )
    return changed


def _check_lines_against_catalog(basket: Basket, ctx: PricingContext) -> None:
    """After pricing: every line is an active product sold in whole pieces unless weighed."""
    catalog = ctx.catalog or {}
    for line in basket.lines:
        item = catalog[line.product_id]
        if not item.active:
            raise ValidationError(
                _("{name} is not sold any more: delete the line.").format(name=item.name)
            )
        check_qty(line.qty, weighed=item.weighed, name=item.name)
        if line.total > MAX_AMOUNT:
            raise ValidationError(
                _("Line {name} comes to more than {max}: check the quantity.").format(
                    name=item.name, max=format_money(MAX_AMOUNT)
                )
            )


def refused_codes(basket: Basket) -> dict[str, str]:
    """{code: why} for each code the last pricing of ``basket`` refused (the code kinds put
    ``{"code": ..., "reason": ...}`` in ``info["refused"]``)."""
    out: dict[str, str] = {}
    for item in basket.info.get("refused") or []:  # type: ignore[union-attr]
        if isinstance(item, dict) and item.get("code"):
            out.setdefault(str(item["code"]), str(item.get("reason") or ""))
    return out


def _check_codes_kept(shown: dict[str, str], priced: Basket) -> None:
    """A code the register priced the receipt with, refused now (another register used it a
    moment ago, its batch was blocked): the sale is refused naming the code and why, with
    the new total, rather than taken without its discount ("... still to pay")."""
    lost = {code: why for code, why in refused_codes(priced).items() if code not in shown}
    if lost:
        raise ValidationError(
            _("{why} Nothing was saved: without it the receipt comes to {total}.").format(
                why=" ".join(lost.values()), total=format_money(priced.total)
            )
        )


def commit_sale(
    basket: Basket,
    tenders: Sequence[Tender],
    *,
    uuid: str,
    employee: Employee,
    shift: Shift,
    cash_step: int,
    clock: Clock = system_clock,
    fiscal: bool = True,
    below_cost: str = "confirm",
    change_to_card: int = 0,
    verification: object = None,
) -> Receipt:
    """Write the sale. Calling it again with the same ``uuid`` returns the same receipt.

    Tenders besides cash and card (bonuses, credit ...) are posted by the features' sale
    hooks in the same transaction; ``change_to_card`` is the part of the cash change the
    customer keeps on the card (it stays in the drawer: a cash movement of its own).
    ``verification`` is the ``[verification]`` settings: when paying with bonuses needs the
    customer's SMS code (torgtui.channels.verification; None: the defaults)."""
    require(employee, Permission.SELL)
    uuid = check_uuid(uuid)
    _check_basket(basket)
    check_tenders(tenders)
    change_to_card = check_kopecks(change_to_card, _("The change to the card"))
    basket.bonus_redeem = sum(t.amount for t in tenders if t.kind == "bonus")
    now = clock()
    location_id = (
        Shift.select(Shift.location)
        .where(Shift.id == check_id(getattr(shift, "id", None), _("The shift")))
        .scalar()
    )
    ctx = PricingContext(
        at=now, customer_id=basket.customer_id, location_id=location_id, below_cost=below_cost
    )
    ctx.extra["verification"] = verification
    shown = refused_codes(basket) if basket.info else None  # as the register last priced it
    priced = price(basket, ctx)
    if shown is not None:
        _check_codes_kept(shown, priced)
    _check_lines_against_catalog(priced, ctx)
    settlement = settle(priced.total, tenders, cash_step)
    if change_to_card > settlement.change:
        raise ValidationError(
            _("Only {change} of change can go onto the card.").format(
                change=format_money(settlement.change)
            )
        )
    with write_tx():
        lock_uuid(uuid)
        existing = receipt_by_uuid(uuid)
        if existing is not None:  # a retried commit: the receipt is already written
            return existing
        shift = _open_shift_of(shift)
        if verify_approvals(priced, uuid, ctx):
            price(priced, ctx)  # credit each adjustment to its verified approver
        if priced.customer_id is not None:
            status = query_value(
                'SELECT "status" FROM "customer" WHERE "id" = ?', (priced.customer_id,)
            )
            if status != "active":
                raise ValidationError(_("That customer card is not active: check the card."))
        manual = [a for ln in priced.lines for a in ln.adjustments if a.step == "manual"]
        overridden = [a for ln in priced.lines for a in ln.adjustments if a.step == "override"]

        def finish(receipt_id: int) -> None:
            event = SaleEvent(
                receipt_id=receipt_id,
                uuid=uuid,
                basket=priced,
                ctx=ctx,
                payments=settlement.payments,
                employee=employee,
                shift=shift,
                now=now,
                change_to_card=change_to_card,
            )
            for hook in extensions.SALE_HOOKS:
                hook(event)
            info = {**priced.info, **event.info}
            info.pop("refused", None)
            if info:
                database.execute_sql(
                    sql('UPDATE "receipt" SET "info" = ? WHERE "id" = ?'),
                    (json.dumps(info, ensure_ascii=False, default=str), receipt_id),
                )
            if change_to_card:  # the cash stays in the drawer: a movement of its own
                record_cash(
                    shift.id,
                    "to_card",
                    change_to_card,
                    employee_id=employee.id,
                    note=f"receipt:{receipt_id}",
                    now=now,
                    fiscal_cash_in=fiscal,
                )
            audit_discounts(receipt_id)

        def audit_discounts(receipt_id: int) -> None:
            if manual:
                audit(
                    "discount.manual",
                    employee,
                    object_type="receipt",
                    object_id=receipt_id,
                    after={
                        "amount": sum(a.amount for a in manual),
                        "by": sorted({a.employee_id for a in manual if a.employee_id}),
                    },
                    terminal=shift.register,
                    clock=clock,
                )
            if overridden or priced.below_cost:
                audit(
                    "price.below_list",
                    employee,
                    object_type="receipt",
                    object_id=receipt_id,
                    after={
                        "overrides": sum(a.amount for a in overridden),
                        "below_cost": priced.below_cost,
                    },
                    terminal=shift.register,
                    clock=clock,
                )

        receipt = write_receipt(
            uuid=uuid,
            kind="sale",
            basket=priced,
            payments=settlement.payments,
            rounding=settlement.rounding,
            shift=shift,
            employee=employee,
            now=now,
            fiscal=fiscal,
            finish=finish,
        )
        database.execute_sql(sql('DELETE FROM "draft" WHERE "uuid" = ?'), (uuid,))
    receipt.change = settlement.change - change_to_card  # type: ignore[attr-defined]
    return receipt


def _open_shift_of(shift: Shift) -> Shift:
    """The shift as the database has it (not as the caller described it), open."""
    shift_id = check_id(getattr(shift, "id", None), _("The shift"))
    _check_open(Shift(id=shift_id))
    # in SQL as written: peewee's get_by_id built its query anew on every commit (a fifth of
    # a sale's commit, docs/performance.md)
    (found,) = Shift.raw(sql('SELECT * FROM "shift" WHERE "id" = ?'), shift_id)
    return found
