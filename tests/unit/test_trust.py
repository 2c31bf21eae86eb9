"""Services trust no caller: what issue 7 tried with a cashier's identity through the public
services, each now refused, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import multiprocessing
import threading
import uuid as uuidlib
from decimal import Decimal

import peewee
import pytest

from tests.approve import PINS, confirmed
from torgtui import approvals
from torgtui import staff as st
from torgtui.approvals import Action, ApprovalNeeded
from torgtui.db import database, is_sqlite
from torgtui.errors import AuthError, PermissionDenied, ValidationError
from torgtui.models import (
    Approval,
    AuditEntry,
    Draft,
    Employee,
    Product,
    Receipt,
    ReceiptLine,
    StockMovement,
)
from torgtui.sales.basket import ManualDiscount, PriceOverride
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register, WeightNeeded
from torgtui.sales.returns import commit_return
from torgtui.sales.shifts import close_shift, open_shift


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, 0, clock=clock)


@pytest.fixture
def reg(staff, shop, clock) -> Register:
    return Register(staff["cashier"], register="till-1", clock=clock)


def pay(reg: Register, shift, tenders, basket=None, **kw) -> Receipt:
    return commit_sale(
        basket if basket is not None else reg.basket,
        tenders,
        uuid=reg.uuid,
        employee=reg.employee,
        shift=shift,
        cash_step=10,
        clock=reg.clock,
        **kw,
    )


def expensive(shop) -> Product:
    """The issue's product: 2 053.90, cost 1 252.87."""
    Product.update(price=205390, cost=125287).where(Product.id == shop.dress.id).execute()
    return Product.get_by_id(shop.dress.id)


# --- prices come from the catalog ---------------------------------------------------------


def test_a_hand_set_price_is_not_what_is_charged(reg, shift, shop) -> None:
    expensive(shop)
    reg.scan(shop.dress_code)
    forged = dataclasses.replace(reg.basket)
    forged.lines = [dataclasses.replace(reg.basket.lines[0], unit_price=1, unit_cost=0)]
    with pytest.raises(ValidationError, match="still to pay"):
        pay(reg, shift, [Tender("cash", 1)], basket=forged)
    receipt = pay(reg, shift, [Tender("card", 205390)], basket=forged)
    line = ReceiptLine.get(ReceiptLine.receipt == receipt.id)
    assert (line.unit_price, line.unit_cost, line.total) == (205390, 125287, 205390)


def test_a_line_for_a_product_that_does_not_exist_is_refused(reg, shift, shop) -> None:
    reg.scan(shop.cream_code)
    forged = dataclasses.replace(reg.basket)
    forged.lines = [dataclasses.replace(reg.basket.lines[0], product_id=999_999)]
    with pytest.raises(ValidationError, match="no such product"):
        pay(reg, shift, [Tender("card", 18990)], basket=forged)
    assert Receipt.select().count() == 0


# --- approvals are proven, not named ------------------------------------------------------


def test_a_discount_naming_the_owner_is_refused(reg, shift, shop, staff) -> None:
    expensive(shop)
    reg.scan(shop.dress_code)
    reg.basket.manual_discounts = [
        ManualDiscount(employee_id=staff["owner"].id, percent=Decimal(99), line=0)
    ]
    with pytest.raises(PermissionDenied, match="manual discount was not confirmed"):
        pay(reg, shift, [Tender("card", 2054)])
    # an approval id of someone else's discount proves nothing either
    other = Register(staff["senior_cashier"], register="till-2", clock=reg.clock)
    other.scan(shop.cream_code)
    other.manual_discount(percent=Decimal(5))
    reg.basket.manual_discounts[0].approval_id = other.basket.manual_discounts[0].approval_id
    with pytest.raises(PermissionDenied, match="not confirmed"):
        pay(reg, shift, [Tender("card", 2054)])
    assert Receipt.select().count() == 0


def test_an_approval_is_for_one_receipt_one_thing_once(reg, shop, staff, clock) -> None:
    reg.scan(shop.dress_code)
    with pytest.raises(ApprovalNeeded) as needed:
        reg.manual_discount(percent=Decimal(20), line=0)
    ask = needed.value
    approval = approvals.grant(
        staff["manager"].id,
        "2222",
        action=ask.action,
        scope=ask.scope,
        subject=ask.subject,
        facts=ask.facts,
        clock=clock,
    )
    # not for 25%, not twice
    with pytest.raises(ValidationError, match="given for something else"):
        reg.manual_discount(percent=Decimal(25), line=0, approval=approval)
    reg.manual_discount(percent=Decimal(20), line=0, approval=approval)
    with pytest.raises(ValidationError, match="already used"):
        reg.manual_discount(percent=Decimal(20), line=0, approval=approval)
    # nor another receipt's
    reg.hold()
    reg.scan(shop.dress_code)
    with pytest.raises(ValidationError, match="already used"):
        reg.manual_discount(percent=Decimal(20), line=0, approval=approval)


def test_an_approval_expires_unused(reg, shop, staff, clock) -> None:
    reg.scan(shop.dress_code)
    with pytest.raises(ApprovalNeeded) as needed:
        reg.manual_discount(percent=Decimal(20), line=0)
    ask = needed.value
    approval = approvals.grant(
        staff["manager"].id,
        "2222",
        action=ask.action,
        scope=ask.scope,
        subject=ask.subject,
        facts=ask.facts,
        clock=clock,
    )
    clock.advance(minutes=3)
    with pytest.raises(ValidationError, match="has expired"):
        reg.manual_discount(percent=Decimal(20), line=0, approval=approval)


def test_a_wrong_pin_grants_nothing_and_counts(reg, shop, staff, clock) -> None:
    reg.scan(shop.dress_code)
    with pytest.raises(ApprovalNeeded) as needed:
        reg.manual_discount(percent=Decimal(20), line=0)
    ask = needed.value
    with pytest.raises(AuthError, match="4 tries left"):
        approvals.grant(
            staff["manager"].id,
            "0000",
            action=ask.action,
            scope=ask.scope,
            subject=ask.subject,
            facts=ask.facts,
            clock=clock,
        )
    assert Approval.select().where(Approval.method == "pin").count() == 0
    assert Employee.get_by_id(staff["manager"].id).failed_logins == 1


def test_a_senior_over_their_limit_grants_nothing(reg, shop, staff, clock) -> None:
    reg.scan(shop.dress_code)
    with pytest.raises(PermissionDenied, match="at most 10%"):
        confirmed(
            lambda ok: reg.manual_discount(percent=Decimal(50), line=0, approval=ok),
            staff["senior_cashier"],
            clock=clock,
        )
    assert reg.basket.manual_discounts == []


def test_a_shrunken_line_makes_an_amount_discount_too_big_for_its_approver(
    staff, shop, shift, clock
) -> None:
    """100.00 off three creams is 17.5%, within a senior's 10%? No: 17.5 > 10, a manager's.
    Then the line shrinks to one cream: 100.00 of 189.90 is 52.7%, over the manager's 30%."""
    reg = Register(staff["cashier"], register="till-1", clock=clock)
    reg.scan(f"3*{shop.cream_code}")
    confirmed(
        lambda ok: reg.manual_discount(amount=10000, line=0, approval=ok),
        staff["manager"],
        clock=clock,
    )
    reg.set_qty(0, 1000)
    with pytest.raises(PermissionDenied, match="at most 30%"):
        pay(reg, shift, [Tender("card", 8990)])


def test_price_override_needs_the_permission(reg, shift, shop, staff, clock) -> None:
    reg.scan(shop.dress_code)
    with pytest.raises(ApprovalNeeded, match="may not change a price"):
        reg.override_price(0, 100000, reason="Вітринний зразок")
    confirmed(
        lambda ok: reg.override_price(0, 100000, reason="Вітринний зразок", approval=ok),
        staff["manager"],
        clock=clock,
    )
    receipt = pay(reg, shift, [Tender("card", 100000)])
    assert receipt.total == 100000
    reg.forget()
    # a forged override with no approval
    reg.scan(shop.dress_code)
    reg.basket.overrides = [PriceOverride(0, shop.dress.id, 1, employee_id=staff["owner"].id)]
    with pytest.raises(PermissionDenied, match="price change was not confirmed"):
        pay(reg, shift, [Tender("card", 1)])


# --- the below-cost guard -----------------------------------------------------------------


def test_below_cost_needs_a_confirmer(reg, shift, shop, staff, clock) -> None:
    """The issue's case: 50% off a 1 031.90 dress with cost 536.58 sold at 515.95."""
    Product.update(price=103190, cost=53658).where(Product.id == shop.dress.id).execute()
    reg.scan(shop.dress_code)
    confirmed(
        lambda ok: reg.manual_discount(percent=Decimal(50), line=0, approval=ok),
        staff["owner"],
        clock=clock,
    )
    needed = reg.below_cost_needed()
    assert needed is not None and "20.63" in needed.message
    assert [e.role for e in needed.confirmers()] == ["owner"]
    with pytest.raises(PermissionDenied, match="sale below cost was not confirmed"):
        pay(reg, shift, [Tender("card", 51595)])
    with pytest.raises(ApprovalNeeded):
        reg.confirm_below_cost()  # the cashier may not
    confirmed(lambda ok: reg.confirm_below_cost(approval=ok), staff["owner"], clock=clock)
    assert reg.below_cost_needed() is None
    receipt = pay(reg, shift, [Tender("card", 51595)])
    assert receipt.total == 51595
    entry = AuditEntry.get(AuditEntry.action == "price.below_list")
    assert '"below_cost": 2063' in entry.after


def test_below_cost_never_sells_at_cost(staff, shop, shift, clock) -> None:
    Product.update(price=103190, cost=53658).where(Product.id == shop.dress.id).execute()
    reg = Register(staff["owner"], register="till-1", clock=clock, below_cost="never")
    reg.scan(shop.dress_code)
    reg.manual_discount(percent=Decimal(50), line=0)
    assert reg.priced().total == 53658 and reg.below_cost_needed() is None


# --- stock, returns, weighed goods --------------------------------------------------------


def test_returning_an_old_receipt_needs_a_senior(reg, shift, shop, staff, clock) -> None:
    reg.scan(shop.cream_code)
    receipt = pay(reg, shift, [Tender("card", 18990)])
    line = ReceiptLine.get(ReceiptLine.receipt == receipt.id)
    clock.advance(days=30)

    uuid = str(uuidlib.uuid4())

    def back(approval=None):
        return commit_return(
            receipt,
            {line.id: 1000},
            uuid=uuid,
            employee=staff["cashier"],
            shift=shift,
            cash_step=10,
            clock=clock,
            max_age_days=14,
            approval=approval,
        )

    with pytest.raises(ApprovalNeeded, match="30 days old.*up to 14 days"):
        back()
    assert Receipt.select().where(Receipt.kind == "return").count() == 0
    returned = confirmed(back, staff["senior_cashier"], clock=clock)
    assert returned.total == 18990


@pytest.mark.parametrize("qty", [0, -1000, 500, 10**30, 1.5, "x", None, True])
def test_a_return_of_a_bad_quantity_writes_nothing(reg, shift, shop, staff, clock, qty) -> None:
    reg.scan(shop.cream_code)
    receipt = pay(reg, shift, [Tender("card", 18990)])
    line = ReceiptLine.get(ReceiptLine.receipt == receipt.id)
    with pytest.raises(ValidationError):
        commit_return(
            receipt,
            {line.id: qty},
            uuid=str(uuidlib.uuid4()),
            employee=staff["cashier"],
            shift=shift,
            cash_step=10,
            clock=clock,
        )
    assert Receipt.select().where(Receipt.kind == "return").count() == 0


def test_a_weighed_product_by_its_own_barcode_asks_for_the_weight(reg, shop) -> None:
    from torgtui.models import Barcode

    Barcode.create(code="2300000000011", product=shop.soap)
    with pytest.raises(WeightNeeded, match="sold by weight"):
        reg.scan("2300000000011")
    assert reg.basket.lines == []
    reg.scan("2300000000011", 1250)
    assert reg.basket.lines[0].qty == 1250


# --- PIN lockout from many terminals at once ----------------------------------------------


def test_four_terminals_guessing_at_once_get_five_pins_in_all(staff, backend) -> None:
    cashier = staff["cashier"]
    errors: list[str] = []
    start = threading.Barrier(4)

    def guess() -> None:
        with database.connection_context():
            start.wait()
            for _ in range(5):
                try:
                    st.login(cashier.id, "0000")
                except AuthError as exc:
                    errors.append(exc.message)

    threads = [threading.Thread(target=guess) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checked = (
        AuditEntry.select().where(AuditEntry.action.in_(["login.failed", "login.locked"])).count()
    )
    assert checked == st.MAX_FAILED_LOGINS == 5
    assert len(errors) == 20 and Employee.get_by_id(cashier.id).locked_until is not None


# --- append-only means append-only, and the audit chain shows an edit -------------------


def test_replace_cannot_rewrite_the_audit_log_or_the_stock_ledger(staff, shop, clock) -> None:
    st.audit("test.first", staff["owner"], clock=clock)
    StockMovement.create(
        product=shop.dress, location=shop.location, qty=1000, kind="import", at=clock(), note=""
    )
    first = AuditEntry.select().order_by(AuditEntry.id).first()
    move = StockMovement.get()
    if is_sqlite():
        attempts = [
            'INSERT OR REPLACE INTO "audit_entry" ("id", "at", "action", "object_type", '
            '"object_id", "terminal", "prev_hash", "hash") '
            f"VALUES ({first.id}, '2026-01-01', 'forged', '', '', '', '', '')",
            'REPLACE INTO "stock_movement" ("id", "product_id", "location_id", "qty", "kind", '
            f'"at", "note") VALUES ({move.id}, {shop.dress.id}, {shop.location.id}, '
            "999999000, 'import', '2026-01-01', '')",
        ]
    else:
        attempts = [
            'INSERT INTO "audit_entry" ("id", "at", "action", "object_type", "object_id", '
            '"terminal", "prev_hash", "hash") '
            f"VALUES ({first.id}, '2026-01-01', 'forged', '', '', '', '', '') "
            'ON CONFLICT ("id") DO UPDATE SET "action" = \'forged\'',
            'TRUNCATE "stock_movement"',
        ]
    for statement in attempts:
        with pytest.raises(peewee.DatabaseError, match="append-only"), database.atomic():
            database.execute_sql(statement)
    assert AuditEntry.get_by_id(first.id).action == first.action
    assert StockMovement.get_by_id(move.id).qty == 1000


def test_audit_verify_finds_the_first_broken_link(staff, clock) -> None:
    for n in range(5):
        st.audit("test.entry", staff["owner"], object_id=n, clock=clock)
    check = st.verify_audit_chain()
    assert check.ok and check.checked == AuditEntry.select().count()
    assert check.head_hash == AuditEntry.select().order_by(AuditEntry.id.desc()).first().hash
    victim = AuditEntry.select().order_by(AuditEntry.id).offset(2).first()
    # whoever holds the file can drop a trigger ...
    if is_sqlite():
        database.execute_sql('DROP TRIGGER "audit_entry_no_update"')
    else:
        database.execute_sql('ALTER TABLE "audit_entry" DISABLE TRIGGER "audit_entry_append_only"')
    database.execute_sql(
        'UPDATE "audit_entry" SET "object_id" = \'tampered\' WHERE "id" = ' + str(victim.id)
    )
    # ... but not forge the chain unnoticed
    broken = st.verify_audit_chain()
    assert broken.broken_id == victim.id and "changed" in broken.problem
    # rewriting its hash too breaks the next link
    from torgtui.staff import audit_digest

    row = AuditEntry.get_by_id(victim.id)
    database.execute_sql(
        'UPDATE "audit_entry" SET "hash" = '
        + ("?" if is_sqlite() else "%s")
        + ' WHERE "id" = '
        + str(victim.id),
        (audit_digest(row.prev_hash, row),),
    )
    assert st.verify_audit_chain().broken_id == victim.id + 1


def test_the_z_report_carries_the_audit_head(staff, shift, clock) -> None:
    """The chain's head at the Z report is on paper: a chain rewritten later won't match."""
    report = close_shift(shift, staff["cashier"], counted_cash=0, clock=clock)
    closing = AuditEntry.get(AuditEntry.action == "shift.close")
    before = AuditEntry.get(AuditEntry.hash == closing.prev_hash)
    assert report.audit_head == [before.id, before.hash]


# --- the same receipt paid on two registers at once --------------------------------------


def test_one_draft_paid_on_two_registers_at_once_is_one_receipt(staff, shop, shift, backend):
    """One employee's drafts open on two tills, pay pressed on both at the same moment, 12
    times: both calls return the same receipt each time, never a raw unique violation."""
    drafts = []
    for _ in range(12):
        reg = Register(staff["cashier"], register="till-1", clock=lambda: dt.datetime(2026, 1, 1))
        reg.scan(shop.cream_code)
        drafts.append(reg.uuid)
        reg.hold()
    Draft.update(status="open").execute()
    database.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    from tests.races import commit_drafts

    procs = [
        ctx.Process(
            target=commit_drafts,
            args=(backend, staff["cashier"].id, shift.id, drafts, barrier, out),
        )
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in range(2 * len(drafts))]
    for p in procs:
        p.join(timeout=60)
    database.connect(reuse_if_open=True)
    assert [r for r in results if r[0] != "ok"] == []
    by_uuid: dict[str, set[int]] = {}
    for _kind, uuid, receipt_id in results:
        by_uuid.setdefault(uuid, set()).add(receipt_id)
    assert all(len(ids) == 1 for ids in by_uuid.values())
    assert Receipt.select().count() == len(drafts)
    numbers = sorted(r.number for r in Receipt.select())
    assert numbers == list(range(1, len(drafts) + 1))


def test_pins_of_the_fixture_are_the_approval_helpers() -> None:
    assert PINS["manager"] == "2222" and Action.MANUAL_DISCOUNT == "manual_discount"
