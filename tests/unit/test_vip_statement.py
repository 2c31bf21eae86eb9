"""VIP statements with exact kopecks (entries with running balances, what each item owes, the
period's totals), the debtors list in overdue order with keyset pages, and the statement as
PDF and XLSX (cells safe from formulas)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.unit.test_vip import customer, give_back, make_vip, pay, sell
from torgtui.errors import AuthError, ValidationError
from torgtui.marketing import vip, vip_export, vip_statement
from torgtui.models import Customer
from torgtui.sales.checkout import Tender
from torgtui.sales.shifts import open_shift


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, 100000, clock=clock)


@pytest.fixture
def history(staff, shop, shift, clock):
    """An items-mode customer: a sale of 1 439.90 with 1 000.00 on account (22 Nov), 100.00
    paid for the cream (25 Nov), the cream returned (26 Nov), 300.00 paid (2 Dec)."""
    c = make_vip(staff, clock, "items", 500000, term=10, name="=cmd|' /C calc'!A0")
    receipt = sell(
        staff,
        shift,
        clock,
        c.id,
        [shop.dress_code, shop.cream_code],
        [Tender("credit", 100000), Tender("card", 43990)],
    )
    items = {i.what.split(", ")[1].split(" ×")[0]: i.entry_id for i in open_items(c)}
    clock.now = dt.datetime(2026, 11, 25, 12, 0)
    pay(staff, shift, clock, c, 10000, items=[items["Крем для рук"]], note="=1+1")
    clock.now = dt.datetime(2026, 11, 26, 12, 0)
    give_back(staff, shift, clock, receipt, {"Крем для рук": 1000})
    clock.now = dt.datetime(2026, 12, 2, 12, 0)
    pay(staff, shift, clock, c, 30000)
    clock.now = dt.datetime(2026, 12, 10, 9, 0)  # 6 days after the term (2 Dec) ended
    return c, receipt


def open_items(c):
    account = vip.ledger.find_account(vip.Kind.VIP, "customer", c.id)
    return vip_statement.open_debts(account, dt.datetime(2026, 11, 22, 10, 0))


def test_statement_entries_items_and_totals(staff, history, clock) -> None:
    c, receipt = history
    s = vip_statement.statement(c.id, by=staff["cashier"], clock=clock)
    # 1 000.00 over the lines: dress 868.12, cream 131.88; the cream's 100.00 paid, then its
    # return gives back 131.88 (31.88 on the cream, 100.00 to the dress), then 300.00 paid
    got = [(e.title, e.amount, e.balance) for e in s.entries]
    assert got == [
        ("Bought on account", -86812, -86812),
        ("Bought on account", -13188, -100000),
        ("Payment in cash", 10000, -90000),
        ("Goods returned", 13188, -76812),
        ("Payment in cash", 30000, -46812),
    ]
    assert s.entries[0].detail == f"Receipt {receipt.number}, Сукня літня × 1"
    assert s.entries[2].detail == "=1+1"
    assert (s.opening, s.closing, s.bought, s.paid, s.returned) == (0, -46812, 100000, 40000, 13188)
    (item,) = s.items
    assert (item.charged, item.paid, item.returned, item.owes) == (86812, 30000, 10000, 46812)
    assert item.due_at == dt.datetime(2026, 12, 2, 23, 59, 59) and item.overdue_days == 8
    assert s.owes == 46812 == s.state.debt == s.state.overdue
    assert s.state.overdue_days == 8
    assert vip_export.heading(s) == [
        "VIP statement: =cmd|' /C calc'!A0",
        f"Card {s.card}; item-level payment; limit 5\u202f000.00 ₴; term 10 days",
        "Period from the first entry to today; made 2026-12-10 09:00",
        "Opening balance 0.00 ₴; bought 1\u202f000.00 ₴; paid 400.00 ₴; returned 131.88 ₴",
        "Closing balance -468.12 ₴; owes now 468.12 ₴, of it overdue 468.12 ₴",
    ]


def test_a_statement_for_a_period_starts_from_the_balance_before(staff, history, clock) -> None:
    c, _receipt = history
    s = vip_statement.statement(
        c.id,
        by=staff["manager"],
        start=dt.date(2026, 11, 25),
        end=dt.date(2026, 11, 26),
        clock=clock,
    )
    assert s.opening == -100000 and s.closing == -76812
    assert [e.title for e in s.entries] == ["Payment in cash", "Goods returned"]
    assert (s.bought, s.paid, s.returned) == (0, 10000, 13188)
    with pytest.raises(ValidationError, match="ends before it starts"):
        vip_statement.statement(
            c.id, by=staff["manager"], start=dt.date(2026, 12, 1), end=dt.date(2026, 11, 1)
        )


def test_entries_page_newest_first_with_balances(staff, history, clock) -> None:
    c, _receipt = history
    first = vip_statement.entries_page(c.id, by=staff["cashier"], limit=2)
    assert [(e.amount, e.balance) for e in first] == [(30000, -46812), (13188, -76812)]
    rest = vip_statement.entries_page(
        c.id, by=staff["cashier"], before_id=first[-1].entry_id, limit=10
    )
    assert [(e.amount, e.balance) for e in rest] == [
        (10000, -90000),
        (-13188, -100000),
        (-86812, -86812),
    ]
    assert vip_statement.entries_page(customer("Нема").id, by=staff["cashier"]) == []


def test_debtors_most_overdue_first_in_keyset_pages(staff, shop, shift, clock) -> None:
    def on_account(c, amount):
        sell(staff, shift, clock, c.id, [shop.cream_code], [Tender("credit", amount)])

    late = make_vip(staff, clock, "credit", 100000, term=3, name="Late", card="2900000000013")
    soon = make_vip(staff, clock, "credit", 100000, term=30, name="Soon", card="2900000000020")
    open_ = make_vip(staff, clock, "account", 100000, term=0, name="NoTerm", card="2900000000037")
    none = make_vip(staff, clock, "credit", 100000, term=5, name="Clean", card="2900000000044")
    for c in (soon, late, open_):
        on_account(c, 18990)
    clock.advance(days=10)
    rows = vip_statement.debtors(by=staff["cashier"], at=clock())
    assert [(r.name, r.debt, r.overdue, r.overdue_days) for r in rows] == [
        ("Late", 18990, 18990, 7),
        ("Soon", 18990, 0, 0),
        ("NoTerm", 18990, 0, 0),
    ]
    assert rows[2].due_at is None and rows[0].limit == 100000 and rows[0].balance == -18990
    everyone = vip_statement.debtors(by=staff["manager"], at=clock(), debts_only=False)
    assert [r.customer_id for r in everyone] == [late.id, soon.id, open_.id, none.id]
    paged, after = [], None
    while True:
        page = vip_statement.debtors(by=staff["cashier"], at=clock(), after=after, limit=1)
        if not page:
            break
        paged += page
        after = page[-1].key
    assert [r.customer_id for r in paged] == [late.id, soon.id, open_.id]
    # paying the debt takes a card off the list
    pay(staff, shift, clock, late, 18990)
    assert [r.name for r in vip_statement.debtors(by=staff["cashier"], at=clock())] == [
        "Soon",
        "NoTerm",
    ]
    with pytest.raises(ValidationError):
        vip_statement.debtors(by=staff["cashier"], at=clock(), after=("x", 1))  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        vip_statement.debtors(by=staff["cashier"], at=clock(), limit=0)
    with pytest.raises(AuthError):
        vip_statement.debtors(by=None, at=clock())  # type: ignore[arg-type]


def money(value: object) -> Decimal:
    """An amount as the spreadsheet holds it (a number), to the kopeck."""
    assert isinstance(value, (int, float)), value
    return Decimal(str(value)).quantize(Decimal("0.01")).normalize()


def test_statement_as_pdf_and_xlsx(staff, history, clock, tmp_path) -> None:
    from openpyxl import load_workbook

    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    c, _receipt = history
    pdf = tmp_path / "statement.pdf"
    s = vip_export.export_statement(c.id, pdf, by=staff["support"], clock=clock)
    assert pdf.read_bytes().startswith(b"%PDF") and s.closing == -46812
    xlsx = tmp_path / "statement.xlsx"
    vip_export.export_statement(c.id, xlsx, by=staff["cashier"], clock=clock)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["statement.pdf", "statement.xlsx"]
    book = load_workbook(xlsx)
    entries, items = book.worksheets
    cells = [[c.value for c in row] for row in entries.iter_rows()]
    assert cells[0][0] == "VIP statement: =cmd|' /C calc'!A0"
    assert all(not str(v).startswith("=") for row in cells for v in row if v is not None)
    body = [row for row in cells if isinstance(row[0], dt.datetime)]
    assert [(r[1], money(r[3]), money(r[4])) for r in body] == [
        ("Bought on account", Decimal("-868.12"), Decimal("-868.12")),
        ("Bought on account", Decimal("-131.88"), Decimal("-1000")),
        ("Payment in cash", Decimal("100"), Decimal("-900")),
        ("Goods returned", Decimal("131.88"), Decimal("-768.12")),
        ("Payment in cash", Decimal("300"), Decimal("-468.12")),
    ]
    assert body[2][2] == "'=1+1"  # the note, neutralised
    rows = [[c.value for c in row] for row in items.iter_rows()]
    assert [money(v) for v in rows[1][2:6]] == [
        Decimal("868.12"),
        Decimal("300"),
        Decimal("100"),
        Decimal("468.12"),
    ]
    assert rows[1][7] == 8


def test_statement_bad_input(staff, shop, clock, tmp_path) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    plain = customer()
    with pytest.raises(ValidationError, match="no VIP account"):
        vip_statement.statement(plain.id, by=staff["cashier"], clock=clock)
    c = make_vip(staff, clock, "account", 0, term=0, name="Тарас", card="2900000000020")
    for bad in ("x.txt", "x", "missing/x.pdf"):
        with pytest.raises(ValidationError):
            vip_export.export_statement(c.id, tmp_path / bad, by=staff["cashier"], clock=clock)
    with pytest.raises(ValidationError):
        vip_export.export_statement(c.id, tmp_path, by=staff["cashier"], clock=clock)
    for bad_id in (0, -1, "1", None, 2**63):
        with pytest.raises(ValidationError):
            vip_statement.statement(bad_id, by=staff["cashier"], clock=clock)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        vip_statement.statement(c.id, by=staff["cashier"], start="yesterday", clock=clock)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []
    # an empty account still prints
    vip_export.export_statement(c.id, tmp_path / "empty.pdf", by=staff["cashier"], clock=clock)
    vip_export.export_statement(c.id, tmp_path / "empty.xlsx", by=staff["cashier"], clock=clock)
    assert Customer.get_by_id(c.id).vip_mode == "account"
