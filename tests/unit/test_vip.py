"""VIP customers in their three modes, with exact kopecks, through the real register: sales on
account, the limit, overdue debts, payments (item by item), deposits, returns that reverse the
charges pro rata, merging cards, two registers charging one account, and bad input."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import uuid as uuidlib

import pytest

from torgtui.db import database
from torgtui.errors import AuthError, PermissionDenied, ValidationError
from torgtui.marketing import ledger, vip, vip_checkout
from torgtui.models import (
    AuditEntry,
    CashMovement,
    Customer,
    Draft,
    FiscalJob,
    LedgerEntry,
    Receipt,
    ReceiptLine,
)
from torgtui.models.vip import VipAccount, VipItem
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.returns import commit_return
from torgtui.sales.shifts import close_shift, open_shift, x_report

NOW = dt.datetime(2026, 11, 22, 10, 0)
DUE_14 = dt.datetime(2026, 12, 6, 23, 59, 59)  # the end of the 14th day after NOW


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, 100000, clock=clock)


def customer(name: str = "Оля", card: str = "2900000000013") -> Customer:
    return Customer.create(name=name, card=card, created_at=NOW, updated_at=NOW)


def make_vip(staff, clock, mode: str, limit: int, term: int = 14, name: str = "Оля", card=None):
    c = customer(name, card or f"29{abs(hash(name)) % 10**11:011d}")
    vip.set_vip(c.id, mode, limit=limit, term_days=term, by=staff["manager"], clock=clock)
    return c


def sell(staff, shift, clock, customer_id, codes, tenders) -> Receipt:
    reg = Register(staff["cashier"], register="till-1", clock=clock)
    for code in codes:
        reg.scan(code)
    reg.basket.customer_id = customer_id
    reg.save()
    try:
        return commit_sale(
            reg.basket,
            tenders,
            uuid=reg.uuid,
            employee=staff["cashier"],
            shift=shift,
            cash_step=10,
            clock=clock,
        )
    except ValidationError:
        Draft.delete().where(Draft.uuid == reg.uuid).execute()  # not resumed by the next sale
        raise
    finally:
        reg.forget()


def give_back(staff, shift, clock, receipt, qty_by_name: dict[str, int]) -> Receipt:
    lines = {ln.name: ln for ln in ReceiptLine.select().where(ReceiptLine.receipt == receipt.id)}
    return commit_return(
        receipt,
        {lines[name].id: qty for name, qty in qty_by_name.items()},
        uuid=str(uuidlib.uuid4()),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )


def pay(staff, shift, clock, c, amount, tender="cash", items=(), **kw) -> vip_checkout.Received:
    return vip_checkout.take_payment(
        c.id,
        amount,
        tender,
        uuid=kw.pop("uuid", str(uuidlib.uuid4())),
        by=staff["cashier"],
        shift=shift,
        items=items,
        clock=clock,
        **kw,
    )


def state(c, clock) -> vip.VipState:
    found = vip.state_of(c.id, clock())
    assert found is not None
    return found


def debts(c) -> dict[str, int]:
    """What each open debt still owes, by its note (the line's name) or receipt."""
    account = ledger.find_account(ledger.Kind.VIP, "customer", c.id)
    assert account is not None
    return {(i.note or f"receipt {i.receipt_id}"): i.amount for i in ledger.open_items(account, -1)}


def counts() -> tuple[int, ...]:
    return (
        Receipt.select().count(),
        LedgerEntry.select().count(),
        CashMovement.select().count(),
        VipItem.select().count(),
    )


def refunds(receipt: Receipt) -> dict[str, int]:
    return {p.tender: p.amount for p in receipt.payments}


# --- the VIP list ------------------------------------------------------------------------------


def test_only_the_vip_permission_edits_the_list_and_it_is_audited(staff, clock) -> None:
    c = customer()
    with pytest.raises(PermissionDenied):
        vip.set_vip(c.id, "credit", limit=100000, term_days=14, by=staff["cashier"], clock=clock)
    with pytest.raises(PermissionDenied):
        vip.set_vip(c.id, "credit", limit=100000, term_days=14, by=staff["senior_cashier"])
    got = vip.set_vip(c.id, "credit", limit=100000, term_days=14, by=staff["manager"], clock=clock)
    assert got is not None and (got.mode, got.limit, got.term_days, got.balance) == (
        "credit",
        100000,
        14,
        0,
    )
    # the same terms again (a rules import run twice) write nothing
    vip.set_vip(c.id, "credit", limit=100000, term_days=14, by=staff["manager"], clock=clock)
    entry = AuditEntry.get(AuditEntry.action == "vip.set")
    assert entry.employee_id == staff["manager"].id and '"limit": 100000' in entry.after
    assert VipAccount.get_by_id(c.id).debt == 0
    assert vip.set_vip(c.id, "", by=staff["owner"], clock=clock) is None
    assert VipAccount.get_or_none(VipAccount.customer == c.id) is None
    assert Customer.get_by_id(c.id).vip_mode == ""
    assert vip.check(c.id).ok


# --- (a) sale on credit ----------------------------------------------------------------------


def test_credit_sale_limit_payment_and_overdue(staff, shop, shift, clock) -> None:
    c = make_vip(staff, clock, "credit", 150000)
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [shop.dress_code, shop.cream_code],  # 1 439.90
        [Tender("credit", 100000), Tender("card", 43990)],
    )
    s = state(c, clock)
    assert (s.balance, s.debt, s.available, s.overdue) == (-100000, 100000, 50000, 0)
    assert s.next_due_at == DUE_14
    assert x_report(shift).by_tender == {"credit": 100000, "card": 43990}
    (charge,) = LedgerEntry.select().where(LedgerEntry.receipt == receipt.id)
    assert (charge.amount, charge.kind, charge.due_at) == (-100000, "charge", DUE_14)
    # over the limit: the whole receipt is refused, nothing written
    before = counts()
    with pytest.raises(ValidationError, match=r"may buy 500\.00 ₴ more on account"):
        sell(staff, shift, clock, c.id, [shop.dress_code], [Tender("credit", 125000)])
    assert counts() == before
    # a partial payment in cash goes into the drawer
    paid = pay(staff, shift, clock, c, 30000)
    assert (paid.balance, paid.debt, paid.advance) == (-70000, 70000, 0)
    assert paid.allocated == ((charge.id, 30000),)
    report = x_report(shift)
    move = CashMovement.get(CashMovement.kind == "vip_cash")
    assert (move.amount, move.shift_id) == (30000, shift.id)
    cash_ins = [j.payload for j in FiscalJob.select().where(FiscalJob.kind == "cash_in")]
    assert cash_ins == ['{"amount": 100000}', '{"amount": 30000}']  # the float, the payment
    assert report.by_tender == {"credit": 100000, "card": 43990}
    # the last day of the term is not overdue; the next day is
    clock.now = dt.datetime(2026, 12, 6, 20, 0)
    assert state(c, clock).overdue == 0 and vip.highlight(state(c, clock)) == ""
    clock.now = dt.datetime(2026, 12, 7, 9, 0)
    s = state(c, clock)
    assert (s.overdue, s.overdue_days) == (70000, 1)
    clock.now = dt.datetime(2026, 12, 17, 9, 0)
    s = vip.summary(c.id, by=staff["cashier"], at=clock())
    assert s is not None and (s.overdue, s.overdue_days) == (70000, 11)
    assert vip.highlight(s) == "Overdue debt 700.00 ₴, 11 days past the term: ask for payment."
    assert vip.check(c.id).ok


def test_the_register_sees_nothing_for_a_non_vip(staff, shop, clock) -> None:
    c = customer()
    assert vip.summary(c.id, by=staff["cashier"], at=clock()) is None
    assert vip.highlight(None) == ""
    with pytest.raises(AuthError):
        vip.summary(c.id, by=None, at=clock())  # type: ignore[arg-type]


def test_a_sale_on_account_needs_a_vip_customer(staff, shop, shift, clock) -> None:
    plain = customer()
    before = counts()
    with pytest.raises(ValidationError, match="Оля is not a VIP customer"):
        sell(staff, shift, clock, plain.id, [shop.cream_code], [Tender("credit", 18990)])
    with pytest.raises(ValidationError, match="Only a VIP customer buys on account"):
        sell(staff, shift, clock, None, [shop.cream_code], [Tender("credit", 18990)])
    assert counts() == before


# --- (b) goods-and-cash account ------------------------------------------------------------


def test_goods_and_cash_account(staff, shop, shift, clock) -> None:
    c = make_vip(staff, clock, "account", 100000, term=0)
    got = vip_checkout.deposit(
        c.id,
        50000,
        "cash",
        uuid=str(uuidlib.uuid4()),
        by=staff["cashier"],
        shift=shift,
        clock=clock,
    )
    assert (got.balance, got.debt, got.advance) == (50000, 0, 50000)
    sell(staff, shift, clock, c.id, [shop.cream_code], [Tender("credit", 18990)])
    assert (state(c, clock).balance, state(c, clock).debt) == (31010, 0)
    sell(staff, shift, clock, c.id, [shop.dress_code], [Tender("credit", 125000)])
    s = state(c, clock)
    assert (s.balance, s.debt, s.deposit, s.available, s.next_due_at) == (
        -93990,
        93990,
        0,
        6010,
        None,
    )
    with pytest.raises(ValidationError, match="Over the credit limit"):
        sell(staff, shift, clock, c.id, [shop.cream_code], [Tender("credit", 18990)])
    # without a term nothing is ever overdue
    clock.advance(days=400)
    assert state(c, clock).overdue == 0
    # a payment beyond the debt stays on the account
    got = pay(staff, shift, clock, c, 100000, tender="card")
    assert (got.balance, got.debt, got.advance) == (6010, 0, 6010)
    assert CashMovement.get(CashMovement.kind == "vip_card").amount == 100000
    assert vip.check(c.id).ok


def test_deposits_are_for_goods_and_cash_accounts(staff, shift, clock) -> None:
    c = make_vip(staff, clock, "credit", 100000)
    with pytest.raises(ValidationError, match="Deposits go onto a goods-and-cash account"):
        vip_checkout.deposit(
            c.id, 5000, "cash", uuid=str(uuidlib.uuid4()), by=staff["cashier"], shift=shift
        )
    with pytest.raises(ValidationError, match="Оля owes nothing"):
        pay(staff, shift, clock, c, 5000)


# --- (c) item-level payment ------------------------------------------------------------------


def test_item_level_charges_and_payments(staff, shop, shift, clock) -> None:
    c = make_vip(staff, clock, "items", 500000, term=30)
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [shop.dress_code, shop.cream_code],  # 1 250.00 + 189.90
        [Tender("credit", 100000), Tender("cash", 44000)],
    )
    # 1 000.00 over the lines in proportion: 868.115... and 131.884... (largest remainder)
    assert debts(c) == {"Сукня літня": 86812, "Крем для рук": 13188}
    items = {
        i.line.name: i.entry_id
        for i in VipItem.select().join(ReceiptLine).where(ReceiptLine.receipt == receipt.id)
    }
    assert set(items) == {"Сукня літня", "Крем для рук"}
    paid = pay(staff, shift, clock, c, 10000, items=[items["Крем для рук"]])
    assert paid.allocated == ((items["Крем для рук"], 10000),)
    assert debts(c) == {"Сукня літня": 86812, "Крем для рук": 3188}
    # the named item first, then the oldest
    paid = pay(staff, shift, clock, c, 50000, items=[items["Крем для рук"]])
    assert paid.allocated == ((items["Крем для рук"], 3188), (items["Сукня літня"], 46812))
    assert debts(c) == {"Сукня літня": 40000}
    # none named: the oldest first
    before = counts()
    with pytest.raises(ValidationError, match="is not an unpaid item"):
        pay(staff, shift, clock, c, 1000, items=[items["Крем для рук"]])
    with pytest.raises(ValidationError, match=r"owes 400\.00 ₴: take at most that"):
        pay(staff, shift, clock, c, 40001)
    assert counts() == before
    pay(staff, shift, clock, c, 40000)
    assert debts(c) == {} and state(c, clock).balance == 0
    # the limit counts the whole receipt: the first line fits, the second does not
    vip.set_vip(c.id, "items", limit=130000, term_days=30, by=staff["manager"], clock=clock)
    before = counts()
    with pytest.raises(ValidationError, match=r"may buy 1\u202f300\.00 ₴ more"):
        sell(
            staff,
            shift,
            clock,
            c.id,
            [shop.dress_code, shop.cream_code],
            [Tender("credit", 143990)],
        )
    assert counts() == before
    assert vip.check(c.id).ok


def test_a_retried_payment_is_taken_once(staff, shop, shift, clock) -> None:
    c = make_vip(staff, clock, "credit", 100000)
    sell(staff, shift, clock, c.id, [shop.cream_code], [Tender("credit", 18990)])
    key = str(uuidlib.uuid4())
    first = pay(staff, shift, clock, c, 5000, uuid=key)
    again = pay(staff, shift, clock, c, 5000, uuid=key)
    assert again.entry_id == first.entry_id and again.amount == 5000
    assert CashMovement.select().where(CashMovement.kind == "vip_cash").count() == 1
    assert state(c, clock).debt == 13990


# --- returns -----------------------------------------------------------------------------------


def test_a_return_reverses_a_credit_charge_pro_rata(staff, shop, shift, clock) -> None:
    c = make_vip(staff, clock, "credit", 200000)
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [shop.dress_code, shop.cream_code],  # 1 439.90
        [Tender("credit", 100000), Tender("card", 43990)],
    )
    cream = give_back(staff, shift, clock, receipt, {"Крем для рук": 1000})
    # 1 000.00 x 189.90 / 1 439.90 = 131.884 -> 131.88 on account, the rest to the card
    assert refunds(cream) == {"credit": 13188, "card": 5802}
    assert state(c, clock).debt == 100000 - 13188
    dress = give_back(staff, shift, clock, receipt, {"Сукня літня": 1000})
    assert refunds(dress) == {"credit": 86812, "card": 38188}
    s = state(c, clock)
    assert (s.debt, s.balance, s.deposit) == (0, 0, 0)  # exactly what was charged, no more
    back = LedgerEntry.select().where(LedgerEntry.kind == "return")
    assert sum(e.amount for e in back) == 100000
    assert all(e.reverses_id is not None for e in back)
    assert vip.check(c.id).ok


def test_a_return_after_a_payment_leaves_money_on_the_account(staff, shop, shift, clock) -> None:
    c = make_vip(staff, clock, "credit", 200000)
    receipt = sell(staff, shift, clock, c.id, [f"3*{shop.cream_code}"], [Tender("credit", 56970)])
    pay(staff, shift, clock, c, 20000)
    give_back(staff, shift, clock, receipt, {"Крем для рук": 1000})
    assert state(c, clock).debt == 56970 - 20000 - 18990
    give_back(staff, shift, clock, receipt, {"Крем для рук": 2000})
    s = state(c, clock)
    # the customer paid 200.00 for goods all returned: it is theirs, on the account
    assert (s.debt, s.deposit, s.balance) == (0, 20000, 20000)
    # and it pays the next purchase on account first
    sell(staff, shift, clock, c.id, [shop.cream_code], [Tender("credit", 18990)])
    assert (state(c, clock).balance, state(c, clock).debt) == (20000 - 18990, 0)
    assert vip.check(c.id).ok


def test_an_item_level_return_reverses_its_own_line_first(staff, shop, shift, clock) -> None:
    c = make_vip(staff, clock, "items", 500000, term=30)
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [shop.dress_code, shop.cream_code],
        [Tender("credit", 100000), Tender("card", 43990)],
    )
    assert debts(c) == {"Сукня літня": 86812, "Крем для рук": 13188}
    back = give_back(staff, shift, clock, receipt, {"Сукня літня": 1000})
    assert refunds(back)["credit"] == 86812  # 1 000.00 x 1 250.00 / 1 439.90, half up
    assert debts(c) == {"Крем для рук": 13188}  # the dress's own charge is gone, not the cream's
    assert vip.check(c.id).ok


def test_an_item_paid_already_gives_its_return_to_the_other_items(
    staff, shop, shift, clock
) -> None:
    c = make_vip(staff, clock, "items", 500000, term=30)
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [shop.dress_code, f"2*{shop.cream_code}"],  # 1 250.00 + 379.80
        [Tender("credit", 162980)],
    )
    cream = VipItem.select().join(ReceiptLine).where(ReceiptLine.name == "Крем для рук").get()
    pay(staff, shift, clock, c, 37980, items=[cream.entry_id])
    assert debts(c) == {"Сукня літня": 125000}
    give_back(staff, shift, clock, receipt, {"Крем для рук": 1000})
    assert debts(c) == {"Сукня літня": 125000 - 18990}
    give_back(staff, shift, clock, receipt, {"Крем для рук": 1000})
    assert debts(c) == {"Сукня літня": 125000 - 37980}
    give_back(staff, shift, clock, receipt, {"Сукня літня": 1000})
    s = state(c, clock)
    assert (s.debt, s.balance) == (0, 37980)  # paid for cream that came back: on the account
    assert vip.check(c.id).ok


def test_a_partial_quantity_return_of_an_item(staff, shop, shift, clock) -> None:
    c = make_vip(staff, clock, "items", 500000, term=30)
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [f"3*{shop.cream_code}"],
        [Tender("credit", 50000), Tender("cash", 7000)],
    )  # 569.70, 500.00 on account
    assert debts(c) == {"Крем для рук": 50000}
    first = give_back(staff, shift, clock, receipt, {"Крем для рук": 1000})
    assert refunds(first) == {"credit": 16667, "cash": 2320}  # 500.00 / 3 half up; 23.23 -> 23.20
    second = give_back(staff, shift, clock, receipt, {"Крем для рук": 2000})
    assert refunds(second)["credit"] == 50000 - 16667
    assert debts(c) == {} and state(c, clock).balance == 0
    assert vip.check(c.id).ok


def test_a_return_to_a_goods_and_cash_account(staff, shop, shift, clock) -> None:
    c = make_vip(staff, clock, "account", 0, term=0)
    vip_checkout.deposit(
        c.id,
        50000,
        "cash",
        uuid=str(uuidlib.uuid4()),
        by=staff["cashier"],
        shift=shift,
        clock=clock,
    )
    receipt = sell(staff, shift, clock, c.id, [shop.cream_code], [Tender("credit", 18990)])
    assert state(c, clock).balance == 31010
    back = give_back(staff, shift, clock, receipt, {"Крем для рук": 1000})
    assert refunds(back) == {"credit": 18990}
    assert state(c, clock).balance == 50000
    assert vip.check(c.id).ok


# --- merging cards -------------------------------------------------------------------------


def test_merging_cards_moves_debts_limits_and_items(staff, shop, shift, clock) -> None:
    a = make_vip(staff, clock, "items", 100000, term=30, name="Оля", card="2900000000013")
    b = make_vip(staff, clock, "credit", 50000, term=7, name="Ольга", card="2900000000020")
    receipt = sell(
        staff,
        shift,
        clock,
        b.id,
        [shop.dress_code, shop.cream_code],
        [Tender("credit", 40000), Tender("card", 103990)],
    )
    sell(staff, shift, clock, a.id, [shop.cream_code], [Tender("credit", 18990)])
    with database.atomic():
        moved = vip.merge_into([b.id], a.id, now=clock(), employee_id=staff["manager"].id)
        Receipt.update(customer=a.id).where(Receipt.customer == b.id).execute()
    assert moved == {"vip_moved": -40000, "vip_limit": 150000, "vip_mode": "items"}
    s = state(a, clock)
    assert (s.debt, s.limit, s.mode, s.term_days) == (58990, 150000, "items", 30)
    assert vip.state_of(b.id, clock()) is None
    # the moved debt keeps its due date (7 days) and its receipt, so a return still finds it
    assert s.next_due_at == dt.datetime(2026, 11, 29, 23, 59, 59)
    back = give_back(staff, shift, clock, receipt, {"Крем для рук": 1000})
    assert refunds(back)["credit"] == 5275  # 400.00 x 189.90 / 1 439.90 = 52.753
    assert state(a, clock).debt == 58990 - 5275
    assert vip.check(a.id).ok and vip.check(b.id).ok


# --- bad input ---------------------------------------------------------------------------------


def test_bad_input_is_refused_and_nothing_is_written(staff, shop, shift, clock) -> None:
    c = make_vip(staff, clock, "credit", 100000)
    sell(
        staff,
        shift,
        clock,
        c.id,
        [shop.dress_code],
        [Tender("credit", 100000), Tender("card", 25000)],
    )
    m = staff["manager"]
    before = counts()
    audits = AuditEntry.select().count()
    bad_settings = [
        dict(mode="gold", limit=100000, term_days=14),
        dict(mode="credit", limit=-1, term_days=14),
        dict(mode="credit", limit="1000", term_days=14),
        dict(mode="credit", limit=10**12, term_days=14),
        dict(mode="credit", limit=100000, term_days=0),
        dict(mode="credit", limit=100000, term_days=-3),
        dict(mode="credit", limit=99999, term_days=14),  # below the debt
        dict(mode="", limit=0, term_days=0),  # VIP taken away with a debt
    ]
    for kw in bad_settings:
        with pytest.raises(ValidationError):
            vip.set_vip(c.id, kw["mode"], limit=kw["limit"], term_days=kw["term_days"], by=m)
    with pytest.raises(ValidationError, match=r"owes 1\s000\.00 ₴: the credit limit"):
        vip.set_vip(c.id, "credit", limit=99999, term_days=14, by=m)
    for amount in (-5, 0, 1.5, "100", True, 10**12):
        with pytest.raises(ValidationError):
            pay(staff, shift, clock, c, amount)
    for tender in ("bonus", "credit", "", None):
        with pytest.raises(ValidationError, match="in cash or by card"):
            pay(staff, shift, clock, c, 100, tender=tender)
    for items in ([10**6], [0], ["1"], [1, 1], "1", [None]):
        with pytest.raises(ValidationError):
            pay(staff, shift, clock, c, 100, items=items)
    with pytest.raises(ValidationError, match="not a UUID"):
        pay(staff, shift, clock, c, 100, uuid="again")
    with pytest.raises(ValidationError):
        vip.set_vip(10**9, "credit", limit=100, term_days=1, by=m)
    assert counts() == before and AuditEntry.select().count() == audits
    close_shift(shift, staff["cashier"], clock=clock)
    with pytest.raises(ValidationError, match="shift is closed"):
        pay(staff, shift, clock, c, 100)
    assert vip.check(c.id).ok


def test_an_inactive_card_is_not_made_vip(staff, clock) -> None:
    c = customer()
    Customer.update(status="merged").where(Customer.id == c.id).execute()
    with pytest.raises(ValidationError, match="not active"):
        vip.set_vip(c.id, "account", limit=0, by=staff["manager"], clock=clock)


def test_cleaning_a_card_with_a_balance_is_refused(staff, shop, shift, clock) -> None:
    c = make_vip(staff, clock, "credit", 100000)
    vip.check_removable(c.id)
    sell(staff, shift, clock, c.id, [shop.cream_code], [Tender("credit", 18990)])
    with pytest.raises(ValidationError, match=r"owes 189\.90 ₴ on account"):
        vip.check_removable(c.id)


# --- two registers charging one account ----------------------------------------------------


def _charge_in_a_process(url: str, employee_id: int, customer_ids: list[int], barrier, out):
    from torgtui import db
    from torgtui.models import Employee, Location, Product
    from torgtui.sales.basket import Basket
    from torgtui.sales.register import line_from_product

    db.open_database(url)
    employee = Employee.get_by_id(employee_id)
    shift = open_shift(employee, f"till-{employee_id}", Location.get(), 0)
    dress = Product.get(Product.sku == "D-1")
    for customer_id in customer_ids:
        basket = Basket([line_from_product(dress, 1000)], customer_id=customer_id)
        barrier.wait(timeout=60)
        try:
            commit_sale(
                basket,
                [Tender("credit", 125000)],
                uuid=str(uuidlib.uuid4()),
                employee=employee,
                shift=shift,
                cash_step=10,
            )
            out.put((customer_id, "sold"))
        except ledger.InsufficientBalance:
            out.put((customer_id, "refused"))
        except Exception as exc:  # a raw driver error is the finding
            out.put((customer_id, f"raw {type(exc).__name__}: {exc}"))
    db.database.close()


def test_two_registers_never_cross_the_limit(staff, shop, clock, backend) -> None:
    """Ten VIP customers with room for one dress each; two registers sell each a dress on
    account at the same moment: one sale goes through, the other is refused, every time."""
    customers = [
        make_vip(staff, clock, "credit", 200000, name=f"VIP {n}", card=f"29000000001{n:02d}")
        for n in range(10)
    ]
    ids = [c.id for c in customers]
    cashiers = [staff["cashier"].id, staff["senior_cashier"].id]
    database.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_charge_in_a_process, args=(backend, e, ids, barrier, out))
        for e in cashiers
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=180) for _ in range(2 * len(ids))]
    for p in procs:
        p.join(timeout=60)
    database.connect(reuse_if_open=True)
    outcome: dict[int, list[str]] = {}
    for customer_id, what in results:
        outcome.setdefault(customer_id, []).append(what)
    assert all(sorted(v) == ["refused", "sold"] for v in outcome.values()), outcome
    for c in customers:
        s = state(c, clock)
        assert (s.balance, s.debt) == (-125000, 125000) and vip.check(c.id).ok
    assert Receipt.select().count() == len(ids)


def test_bonuses_credit_and_card_on_one_receipt_come_back_pro_rata(
    staff, shop, shift, clock
) -> None:
    from decimal import Decimal

    from torgtui.marketing import bonuses
    from torgtui.marketing.cards import CardTypeData, save_card_type

    ct = save_card_type(
        CardTypeData(code="bonus", name="Bonus", kind="bonus", bonus_percent=Decimal(5)),
        by=staff["manager"],
        clock=clock,
    )
    c = make_vip(staff, clock, "credit", 100000)
    Customer.update(card_type=ct.id).where(Customer.id == c.id).execute()
    ledger.post(bonuses.account_of(c.id, NOW), 10000, "earn", now=NOW)
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [f"3*{shop.cream_code}"],  # 569.70
        [Tender("bonus", 6000), Tender("credit", 30000), Tender("card", 20970)],
    )
    assert state(c, clock).debt == 30000
    back = give_back(staff, shift, clock, receipt, {"Крем для рук": 1000})
    # a third of each: 20.00 in bonuses, 100.00 on account, the rest (69.90) to the card
    assert refunds(back) == {"bonus": 2000, "credit": 10000, "card": 6990}
    assert state(c, clock).debt == 20000
    assert vip.check(c.id).ok
