"""Cash-out of bonuses (torgtui.marketing.cashout): the bonuses spent on the ledger, the cash
out of the drawer as the Z report's "Bonus cash-out" line to the kopeck, a service cash-out
queued for the fiscal unit, audited; more than the bonuses or the drawer, a closed shift or no
permission refused with nothing written."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit import test_service_fuzz as fuzz
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import bonuses, cashout, ledger
from torgtui.models import AuditEntry, CashMovement, Customer, FiscalJob, LedgerEntry
from torgtui.sales import shifts
from torgtui.screens.till import drawer_rows


@pytest.fixture
def setup(staff, shop, clock):
    customer = Customer.create(name="Ірина Друг", created_at=clock(), updated_at=clock())
    account = bonuses.account_of(customer.id, clock())
    ledger.post(
        account,
        30_000,
        "earn",
        now=clock() - dt.timedelta(days=40),
        expires_at=clock() - dt.timedelta(days=1),
    )  # lapsed: not paid out
    ledger.post(account, 123_45, "referral", now=clock())
    shift = shifts.open_shift(staff["senior_cashier"], "till-1", shop.location, 50_000, clock=clock)
    return customer, shift


def written() -> tuple[int, int, int, int]:
    return (
        LedgerEntry.select().count(),
        CashMovement.select().count(),
        FiscalJob.select().count(),
        AuditEntry.select().count(),
    )


def test_cash_out_in_the_z_report_to_the_kopeck(staff, setup, clock) -> None:
    customer, shift = setup
    senior = staff["senior_cashier"]
    assert cashout.cashable(customer.id, clock()) == 123_45
    done = cashout.cash_out_bonuses(
        customer.id, 100_01, shift=shift, by=senior, note="Друг привів 3", clock=clock
    )
    assert done.amount == 100_01
    entry = LedgerEntry.get_by_id(done.entry_id)
    assert (entry.amount, entry.kind, entry.employee_id) == (-100_01, "cash_out", senior.id)
    # the lapsed 300.00 are still on the balance (not written off yet) but were not paid out
    assert bonuses.spendable_of(customer.id, clock()) == 23_44
    move = CashMovement.get(CashMovement.kind == "out:bonus")
    assert (move.amount, move.shift_id) == (100_01, shift.id)
    job = FiscalJob.select().where(FiscalJob.kind == "cash_out").get()
    assert json.loads(job.payload)["amount"] == 100_01  # sent as a negative CASH value
    audit = AuditEntry.get(AuditEntry.action == "bonus.cash_out")
    assert json.loads(audit.after)["amount"] == 100_01
    z = shifts.close_shift(shift, senior, 39_999, clock=clock)
    assert z.payouts == {"bonus": 100_01}
    assert z.cash_expected == 50_000 - 100_01 == 39_999
    assert ("Bonus cash-out", "-100.01 ₴") in drawer_rows(z)
    assert json.loads(shift.__class__.get_by_id(shift.id).z_report)["payouts"] == {"bonus": 100_01}


def test_more_than_the_bonuses_is_refused_with_nothing_written(staff, setup, clock) -> None:
    customer, shift = setup
    before = written()
    with pytest.raises(ValidationError, match=r"has 123\.45 ₴ in bonuses that can be paid out"):
        cashout.cash_out_bonuses(
            customer.id, 123_46, shift=shift, by=staff["senior_cashier"], clock=clock
        )
    assert written() == before
    assert bonuses.balance_of(customer.id) == 300_00 + 123_45


def test_more_than_the_drawer_is_refused(staff, setup, clock) -> None:
    customer, shift = setup
    senior = staff["senior_cashier"]
    shifts.cash_move(shift, senior, "out", 49_000, "у банк", clock=clock)
    before = written()
    with pytest.raises(ValidationError, match=r"The drawer has 10\.00 ₴ in cash"):
        cashout.cash_out_bonuses(customer.id, 10_01, shift=shift, by=senior, clock=clock)
    assert written() == before
    cashout.cash_out_bonuses(customer.id, 10_00, shift=shift, by=senior, clock=clock)
    assert shifts.x_report(shift).cash_expected == 0


def test_permission_closed_shift_and_bad_input(staff, setup, clock) -> None:
    customer, shift = setup
    senior = staff["senior_cashier"]
    before = written()
    with pytest.raises(PermissionDenied, match="pay bonuses out in cash"):
        cashout.cash_out_bonuses(customer.id, 100, shift=shift, by=staff["cashier"], clock=clock)
    for amount in (0, -5, 1.5, "100", True):
        with pytest.raises(ValidationError):
            cashout.cash_out_bonuses(customer.id, amount, shift=shift, by=senior, clock=clock)
    with pytest.raises(ValidationError, match="no such customer"):
        cashout.cash_out_bonuses(999_999, 100, shift=shift, by=senior, clock=clock)
    Customer.update(card_status="blocked").where(Customer.id == customer.id).execute()
    with pytest.raises(ValidationError, match="blocked or no longer in use"):
        cashout.cash_out_bonuses(customer.id, 100, shift=shift, by=senior, clock=clock)
    Customer.update(card_status="active").where(Customer.id == customer.id).execute()
    assert written() == before
    shifts.close_shift(shift, senior, 50_000, clock=clock)
    before = written()
    with pytest.raises(ValidationError, match="shift is closed"):
        cashout.cash_out_bonuses(customer.id, 100, shift=shift, by=senior, clock=clock)
    assert written() == before


@settings(parent=fuzz.FUZZ, max_examples=25)
@given(data=st.data())
def test_generated_bad_input_is_refused_with_nothing_written(staff, setup, clock, data) -> None:
    customer, shift = setup
    senior = staff["senior_cashier"]
    cases = {
        "customer": (
            lambda v: cashout.cash_out_bonuses(v, 100, shift=shift, by=senior, clock=clock),
            fuzz.bad(fuzz.BAD_INT),
        ),
        "amount": (
            lambda v: cashout.cash_out_bonuses(customer.id, v, shift=shift, by=senior, clock=clock),
            fuzz.bad([*fuzz.BAD_MONEY, 123_46], fuzz.GENERATED_INT),
        ),
        "note": (
            lambda v: cashout.cash_out_bonuses(
                customer.id, 100, shift=shift, by=senior, note=v, clock=clock
            ),
            fuzz.bad(fuzz.BAD_TEXT),
        ),
        "shift": (
            lambda v: cashout.cash_out_bonuses(customer.id, 100, shift=v, by=senior, clock=clock),
            fuzz.bad([None, 5, "1"]),
        ),
    }
    name = data.draw(st.sampled_from(sorted(cases)))
    call, values = cases[name]
    value = data.draw(values, label=name)
    before = fuzz.counts()
    fuzz.refused(lambda: call(value))
    assert fuzz.counts() == before, (name, value)


def _cash_out_in_a_process(url, employee_id, shift_id, customer_id, barrier, out) -> None:
    import datetime as dt

    from torgtui import db
    from torgtui.clock import FixedClock
    from torgtui.errors import TorgError
    from torgtui.marketing import cashout
    from torgtui.models import Employee, Shift

    db.open_database(url)
    clock = FixedClock(dt.datetime(2026, 11, 22, 10, 0))
    who, shift = Employee.get_by_id(employee_id), Shift.get_by_id(shift_id)
    barrier.wait(timeout=60)
    try:
        cashout.cash_out_bonuses(customer_id, 100_00, shift=shift, by=who, clock=clock)
        out.put(("paid", ""))
    except TorgError as exc:
        out.put(("refused", exc.message))
    except Exception as exc:  # a raw driver error is the finding
        out.put(("raw", f"{type(exc).__name__}: {exc}"))
    db.database.close()


def test_two_registers_cash_out_the_same_bonuses_once(db, backend, staff, shop, setup, clock):
    """123.45 can be paid out; two registers pay 100.00 each at the same moment: one does."""
    customer, shift = setup
    other = shifts.open_shift(staff["manager"], "till-2", shop.location, 50_000, clock=clock)
    db.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(
            target=_cash_out_in_a_process, args=(backend, who.id, s.id, customer.id, barrier, out)
        )
        for who, s in ((staff["senior_cashier"], shift), (staff["manager"], other))
    ]
    for p in procs:
        p.start()
    results = sorted(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    db.connect(reuse_if_open=True)
    assert [r[0] for r in results] == ["paid", "refused"], results
    assert "can be paid out" in results[1][1] or "can be spent now" in results[1][1], results
    assert CashMovement.select().where(CashMovement.kind == "out:bonus").count() == 1
    assert cashout.cashable(customer.id, clock()) == 23_45
