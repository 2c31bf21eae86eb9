"""The demo shop: counts, staff that can log in, valid barcodes, consistent receipts and stock,
determinism for a seed, the refusal to overwrite, and the ``torgtui demo`` command; its loyalty:
card types and the discounts they gave in the history, bonuses earned through the ledger (some
lapsed, some about to), VIP customers in each mode with one overdue, a wholesale price type, and
every ledger account proving out."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from torgtui import db as dbmod
from torgtui import staff
from torgtui.catalog.barcodes import is_valid_gtin, make_ean13
from torgtui.cli import main
from torgtui.demo import EMPLOYEES, DemoSummary, build_demo, months_before
from torgtui.errors import DatabaseError
from torgtui.marketing import (
    accelerators,
    bonuses,
    cards,
    ledger,
    numbering,
    policy,
    pricerules,
    vip,
    vip_statement,
)
from torgtui.models import (
    Barcode,
    CashMovement,
    Customer,
    Employee,
    LedgerAccount,
    LedgerEntry,
    LedgerOpen,
    LineAdjustment,
    Location,
    Manufacturer,
    Payment,
    Product,
    ProductGroup,
    Receipt,
    ReceiptLine,
    Shift,
    StockMovement,
)
from torgtui.models.certificates import CertificateType
from torgtui.money import line_amount, percent_of

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    path = tmp_path_factory.mktemp("demo") / "shop.sqlite"
    summary = build_demo(str(path), customers=50, months=1, today=TODAY, seed=7)
    dbmod.database.close()
    return path, summary


@pytest.fixture
def shop(small: tuple[Path, DemoSummary]) -> Iterator[DemoSummary]:
    """The small demo shop, opened."""
    path, summary = small
    database = dbmod.open_database(str(path))
    yield summary
    database.close()


def sku_prices() -> list[tuple[str, int]]:
    return [(p.sku, p.price) for p in Product.select().order_by(Product.id)]


def receipt_totals() -> list[int]:
    return [r.total for r in Receipt.select(Receipt.total).order_by(Receipt.number)]


def certificate_articles(goods: bool) -> set[int]:
    """The gift certificates' articles: of product certificates (goods) or of the others."""
    mode = CertificateType.mode == "product" if goods else CertificateType.mode != "product"
    return {t.product_id for t in CertificateType.select().where(mode)}


def check_receipts() -> None:
    """Every receipt adds up: lines, adjustments, payments and stock movements agree."""
    not_goods = certificate_articles(goods=False)
    receipts = {r.id: r for r in Receipt.select()}
    lines: dict[int, list[ReceiptLine]] = defaultdict(list)
    line_by_id = {}
    for line in ReceiptLine.select():
        lines[line.receipt_id].append(line)
        line_by_id[line.id] = line
    paid: dict[int, int] = defaultdict(int)
    for pay in Payment.select(Payment, Receipt).join(Receipt):
        paid[pay.receipt_id] += pay.amount
        assert pay.amount > 0
        if pay.receipt.kind == "return":  # the history writes 0, the return service the sum
            assert pay.tendered in (0, pay.amount)
        elif pay.tender == "cash":
            assert pay.tendered >= pay.amount and pay.tendered % 10 == 0
    adjusted: dict[int, int] = defaultdict(int)
    for adj in LineAdjustment.select():
        assert adj.reason and adj.amount > 0
        # a card's, promotion's or (the invoices') wholesale price's: a rule, nobody typed it
        rules = ("card", "promotion", "price_type", "qty_breaks", "manufacturer", "intermediary")
        if adj.step in (*rules, "certificate", "certificate_discount", "referral"):
            assert adj.rule and adj.employee_id is None
        elif adj.step == "return":  # a return's share of the original sale's discount
            assert adj.employee_id is None
        else:
            assert adj.step == "manual" and adj.employee_id
        adjusted[adj.line_id] += adj.amount
    moved: dict[int, list[StockMovement]] = defaultdict(list)
    for move in StockMovement.select().where(StockMovement.receipt_line_id.is_null(False)):
        moved[move.receipt_line_id].append(move)

    assert sorted(r.number for r in receipts.values()) == list(range(1, len(receipts) + 1))
    # the history's receipts are numbered in the order of time (the features' demos sell
    # afterwards through their services, dated among it, on registers of their own)
    history = [r for r in receipts.values() if r.shift is None or r.shift.register == "POS-1"]
    numbers = [r.number for r in sorted(history, key=lambda r: r.created_at)]
    assert numbers == sorted(numbers)
    for receipt in receipts.values():
        own = lines[receipt.id]
        assert own, receipt.number
        assert receipt.total == receipt.subtotal - receipt.discount > 0
        assert receipt.total == sum(line.total for line in own) == paid[receipt.id]
        assert receipt.subtotal == sum(line.subtotal for line in own)
        assert receipt.discount == sum(line.discount for line in own)
        assert receipt.status == "closed" and receipt.shift_id is not None
        for line in own:
            assert line.qty > 0
            assert line.subtotal == line_amount(line.unit_price, line.qty)
            assert line.discount == adjusted.get(line.id, 0)
            assert line.total == line.subtotal - line.discount
            if line.product_id in not_goods:  # a money or discount certificate: an advance
                assert not moved[line.id]
                continue
            (move,) = moved[line.id]
            assert move.kind == receipt.kind
            assert move.qty == (-line.qty if receipt.kind == "sale" else line.qty)
        if receipt.kind == "return":
            original = receipts[receipt.original_id]
            assert original.kind == "sale" and original.created_at < receipt.created_at
            for line in own:
                sold = line_by_id[line.original_line_id]
                assert sold.receipt_id == original.id
                assert (sold.product_id, sold.qty, sold.total) == (
                    line.product_id,
                    line.qty,
                    line.total,
                )
        else:
            assert receipt.original_id is None


def check_stock() -> None:
    """Stock is the sum of the ledger and never went below zero along the way."""
    running: dict[int, int] = defaultdict(int)
    for product_id, qty in (
        StockMovement.select(StockMovement.product_id, StockMovement.qty)
        .order_by(StockMovement.id)
        .tuples()
    ):
        running[product_id] += qty
        assert running[product_id] >= 0, product_id
    goods = {p.id for p in Product.select(Product.id)} - certificate_articles(goods=False)
    assert set(running) == goods


def test_small_build_has_a_whole_shop(shop: DemoSummary) -> None:
    assert 250 <= shop.products == Product.select().count() <= 350
    assert shop.customers == Customer.select().count() == 50
    assert shop.receipts == Receipt.select().count() > 30 * 30
    assert shop.lines == ReceiptLine.select().count() > shop.receipts
    assert shop.returns == Receipt.select().where(Receipt.kind == "return").count()
    assert LineAdjustment.select().count() > 0
    assert (Location.get().code, Location.get().name) == ("MAIN", "Demo shop")
    assert 15 <= Manufacturer.select().count() <= 25
    tops = {g.name for g in ProductGroup.select().where(ProductGroup.parent.is_null())}
    assert tops == {"Одяг", "Косметика", "Дитячі товари"}
    weighed = list(Product.select().where(Product.weighed == True))  # noqa: E712
    assert weighed and all(p.unit == "kg" for p in weighed)
    articles = CertificateType.select(CertificateType.product)  # gift certificates' own
    for product in Product.select().where(Product.id.not_in(articles)):
        assert 8_900 <= product.price <= 450_000 and product.price % 100 in (0, 50, 90)
        assert product.price * 45 // 100 <= product.cost <= product.price * 70 // 100
        assert product.tax_group == "A" and product.active
    first_day = months_before(TODAY, 1) + dt.timedelta(days=1)
    # a shift and sales every day up to yesterday; today is left for the cashier (the bonus
    # cash-out's short shift of torgtui.demo_stock is on a register of its own)
    # (the features' demos sell on registers of their own: certificates, invoices, friends)
    history = Shift.select().where(Shift.register == "POS-1")
    assert history.count() == (TODAY - first_day).days
    days = Receipt.select(Receipt.created_at).join(Shift).where(Shift.register == "POS-1").tuples()
    assert {d.date() for (d,) in days} == {
        first_day + dt.timedelta(days=n) for n in range((TODAY - first_day).days)
    }
    assert all(9 <= d.hour < 20 for (d,) in days)
    attached = Receipt.select().where(Receipt.customer.is_null(False)).count()
    assert 0.2 < attached / shop.receipts < 0.5


def test_customers_are_plausible_and_unique(shop: DemoSummary) -> None:
    customers = list(Customer.select())
    phones = [c.phone for c in customers]
    cards = [c.card for c in customers]
    assert len(set(phones)) == len(set(cards)) == len(customers)
    assert all(re.fullmatch(r"\+380(67|50|63)\d{7}", p) for p in phones)
    assert all(is_valid_gtin(c) and len(c) == 13 and c.startswith("29") for c in cards)
    assert {c.gender for c in customers} == {"f", "m"}
    assert any(c.email for c in customers)
    for c in customers:
        age = (TODAY - c.birth_date).days / 365.25
        assert 18 <= age <= 75.1
        assert c.created_at <= dt.datetime.combine(TODAY, dt.time(20))
    for receipt in Receipt.select().where(Receipt.customer.is_null(False)):
        assert receipt.customer.created_at <= receipt.created_at


def test_fixed_employees_log_in_with_their_pins(shop: DemoSummary, clock) -> None:
    assert Employee.select().count() == len(EMPLOYEES)
    for name, role, pin in EMPLOYEES:
        employee = Employee.get(Employee.name == name)
        assert staff.login(employee.id, pin, clock=clock).role == role.value
    assert [name for name, _role, pin in EMPLOYEES if pin in ("1111", "2222", "3333")] == [
        "Olena Kovalenko",
        "Maria Shevchenko",
        "Kateryna Bondarenko",
    ]


def test_barcodes_are_valid_unique_in_store_codes(shop: DemoSummary) -> None:
    codes = [b.code for b in Barcode.select()]
    assert len(codes) == len(set(codes))
    assert all(is_valid_gtin(c) and len(c) == 13 and c[:2] in ("21", "22") for c in codes)
    per_product: dict[int, int] = defaultdict(int)
    for barcode in Barcode.select():
        per_product[barcode.product_id] += 1
    # a gift certificate's article is sold by the certificate's own barcode, never its own
    certificate_articles = {
        t.product_id for t in CertificateType.select() if t.product_id is not None
    }
    assert not certificate_articles & set(per_product)
    assert len(per_product) + len(certificate_articles) == shop.products
    assert set(per_product.values()) == {1, 2}


def test_receipts_add_up(shop: DemoSummary) -> None:
    check_receipts()
    tenders = {p.tender for p in Payment.select()}
    # credit: VIP purchases on account; cashless: the invoices paid by bank transfer
    assert tenders == {"cash", "card", "credit", "cashless", "certificate"}
    assert shop.returns > 0


def test_stock_is_the_ledger_and_never_negative(shop: DemoSummary) -> None:
    check_stock()
    kinds = {m.kind for m in StockMovement.select(StockMovement.kind).distinct()}
    assert kinds == {"inbound", "sale", "return", "adjust"}  # adjust: the demo's stocktake


def test_stock_documents_and_a_bonus_cash_out(shop: DemoSummary) -> None:
    """torgtui.demo_stock: a posted goods receipt and stocktake, and a bonus cash-out on the Z
    report of its short shift."""
    import json

    from torgtui.models.stockdocs import StockDocument

    assert {(d.kind, d.state) for d in StockDocument.select()} == {
        ("receipt", "posted"),
        ("count", "posted"),
    }
    move = CashMovement.get(CashMovement.kind == "out:bonus")
    z = json.loads(Shift.get_by_id(move.shift_id).z_report)
    assert z["payouts"] == {"bonus": move.amount} and 5_000 <= move.amount <= 20_000


def test_same_seed_same_shop_other_seed_other_shop(
    small: tuple[Path, DemoSummary], tmp_path: Path
) -> None:
    path, _summary = small
    dbmod.open_database(str(path))
    expected = (sku_prices(), receipt_totals())
    dbmod.database.close()
    build_demo(str(tmp_path / "again.sqlite"), customers=50, months=1, today=TODAY, seed=7)
    assert (sku_prices(), receipt_totals()) == expected
    dbmod.database.close()
    build_demo(str(tmp_path / "other.sqlite"), customers=50, months=1, today=TODAY, seed=8)
    assert sku_prices() != expected[0]
    assert receipt_totals() != expected[1]
    dbmod.database.close()


def test_existing_file_is_refused_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite"
    path.write_bytes(b"precious")
    Path(f"{path}-wal").write_bytes(b"stale")
    with pytest.raises(DatabaseError, match="already exists"):
        build_demo(str(path), customers=5, months=1, today=TODAY)
    assert path.read_bytes() == b"precious"
    summary = build_demo(str(path), customers=5, months=1, today=TODAY, force=True)
    assert Customer.select().count() == summary.customers == 5
    dbmod.database.close()
    # nothing of the build is left beside it; the sandbox file holds the demo's sent messages
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messages-sandbox.jsonl", "shop.sqlite"]
    database = dbmod.open_and_upgrade(str(path))
    assert Receipt.select().count() == summary.receipts
    database.close()


def test_months_before_clamps_to_the_month_end() -> None:
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 11, 22), 6) == dt.date(2026, 5, 22)
    assert months_before(dt.date(2026, 1, 15), 2) == dt.date(2025, 11, 15)


def test_cli_builds_and_prints_the_pins(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = str(tmp_path / "cli.sqlite")
    args = ["--db", path, "demo", "--customers", "20", "--months", "1", "--today", "2026-11-22"]
    assert main(args) == 0
    out = capsys.readouterr().out
    for name, _role, pin in EMPLOYEES:
        assert re.search(rf"{name}.*PIN {pin}", out)
    assert f"torgtui --db {path}" in out
    assert Customer.select().count() == 20
    dbmod.database.close()
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err
    assert main([*args[:-1], "22.11.2026", "--force"]) == 2
    assert "'22.11.2026' is not a date like 2026-11-22" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--customers", "-1"], "--customers must be from 0 to 1000000, not -1."),
        (["--customers", "99999999999999999"], "--customers must be a whole number from 0"),
        (["--customers", "1e3"], "--customers must be a whole number from 0 to 1000000"),
        (["--months", "0"], "--months must be from 1 to 36, not 0."),
        (["--months", "37"], "--months must be from 1 to 36, not 37."),
        (["--seed", "-1"], "--seed must be from 0 to 999999999999, not -1."),
        (["--seed", "9" * 5000], "--seed must be a whole number"),
        (["--today", "0001-01-01"], "--today 0001-01-01 is out of range: check the year."),
        (["--today", "2026-02-30"], "--today: '2026-02-30' is not a date like 2026-11-22."),
    ],
)
def test_cli_checks_its_arguments_before_building(
    tmp_path: Path, capsys: pytest.CaptureFixture, argv: list[str], message: str
) -> None:
    assert main(["--db", str(tmp_path / "demo.sqlite"), "demo", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.pg
def test_build_on_postgresql(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the demo's sandbox file goes in the current folder here
    summary = build_demo(pg_url, customers=20, months=1, today=TODAY, force=True)
    try:
        assert summary.customers == Customer.select().count() == 20
        assert summary.receipts == Receipt.select().count()
        check_receipts()
        check_stock()
        check_loyalty_books()
        assert Customer.select().where(Customer.vip_mode != "").count() == 3
        employee = Employee.get(Employee.name == EMPLOYEES[2][0])
        assert staff.login(employee.id, EMPLOYEES[2][2]).id == employee.id
        # ids were set by the build: the sequences must have moved past them
        extra = Customer.create(name="Нова Покупниця", email="", created_at=dt.datetime.now())
        assert extra.id == summary.customers + 1
        with pytest.raises(DatabaseError, match="already holds a shop"):
            build_demo(pg_url, customers=5, months=1, today=TODAY)
    finally:
        dbmod.database.close()


def test_failed_build_leaves_no_file(tmp_path: Path) -> None:
    """A failed build leaves neither the target nor the temporary file behind."""
    path = tmp_path / "shop.sqlite"
    with pytest.raises(ValueError):
        build_demo(str(path), customers=-1, months=1, today=TODAY)
    dbmod.database.close()
    assert list(tmp_path.iterdir()) == []


def test_demo_does_not_import_textual() -> None:
    code = "import sys, torgtui.demo; assert 'textual' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- loyalty ------------------------------------------------------------------------------------

NOW = dt.datetime.combine(TODAY, dt.time(10))


def check_loyalty_books() -> None:
    """Every ledger account proves out, and every VIP account's list row with it."""
    accounts = list(LedgerAccount.select())
    assert accounts
    assert [a.id for a in accounts if not ledger.check_account(a.id).ok] == []
    for customer in Customer.select().where(Customer.vip_mode != ""):
        assert vip.check(customer.id).ok, customer.id


def test_card_types_with_thresholds_and_customers_on_each(shop: DemoSummary) -> None:
    rules = {r.code: r for r in cards.rules().values()}
    assert {code: r.kind for code, r in rules.items()} == {
        "DISCOUNT5": "discount",
        "WELCOME": "one_time",
        "GOLD": "accumulative",
        "BONUS": "bonus",
    }
    gold, bonus = rules["GOLD"], rules["BONUS"]
    assert [(t.from_amount, t.percent) for t in gold.thresholds] == [
        (500_000, 3),
        (1_500_000, 5),
        (3_000_000, 7),
    ]
    assert (bonus.bonus_bp, bonus.expiry_days) == (500, 180)
    (cosmetics,) = ProductGroup.select().where(ProductGroup.path == "Косметика")
    assert bonus.group_rates == {cosmetics.id: 800}
    held = {c.card_type_id for c in Customer.select(Customer.card_type)}
    assert held >= {r.id for r in rules.values()}
    # the cards are the shop's numbering, in order, and a new card continues it
    cards_by_id = [c.card for c in Customer.select().order_by(Customer.id)]
    assert cards_by_id == [make_ean13("29", n) for n in range(1, shop.customers + 1)]
    assert numbering.next_numbers(None) == [make_ean13("29", shop.customers + 1)]


def test_the_history_gives_card_discounts_as_the_card_step_does(shop: DemoSummary) -> None:
    rules = {r.id: r for r in cards.rules().values()}
    counted: dict[int, int] = defaultdict(int)
    welcome_used: set[int] = set()
    kinds = {c.id: rules[c.card_type_id].kind if c.card_type_id else "" for c in Customer.select()}

    def left(line: ReceiptLine) -> int:  # the card's % is on what promotions left
        return line.subtotal - sum(a.amount for a in line.adjustments if a.step == "promotion")

    for receipt in Receipt.select().where(Receipt.customer.is_null(False)).order_by(Receipt.id):
        customer = receipt.customer_id
        lines = list(receipt.lines)
        card = [a for line in lines for a in line.adjustments if a.step == "card"]
        kind = kinds[customer]
        if receipt.kind == "return":
            counted[customer] -= receipt.total
            continue
        if kind == "discount":
            assert card and all(a.amount == percent_of(left(a.line), 5) for a in card)
        elif kind == "one_time":
            assert bool(card) == (customer not in welcome_used)
            welcome_used.add(customer)
        elif kind == "accumulative":
            reached = [p for amount, p in ((500_000, 3), (1_500_000, 5), (3_000_000, 7))
                       if counted[customer] >= amount]  # fmt: skip
            want = reached[-1] if reached else 0
            assert all(a.amount == percent_of(left(a.line), want) for a in card)
            assert bool(card) == bool(want) or not any(percent_of(left(ln), want) for ln in lines)
        else:
            assert not card
        counted[customer] += receipt.total
    spent = {c.id for c in Customer.select().where(Customer.card_spent_at.is_null(False))}
    assert spent == welcome_used and spent
    assert any(counted[c] >= 500_000 for c, kind in kinds.items() if kind == "accumulative")


def test_bonuses_are_earned_from_the_history_on_the_ledger(shop: DemoSummary) -> None:
    check_loyalty_books()
    earned_by_receipt = {
        r.id: sum(line.bonus_earned for line in r.lines)
        for r in Receipt.select().where(Receipt.customer.is_null(False))
    }
    # demo_stock's cash-out and demo_referral's rewards are not earned by receipts
    others = ("cash_out", "referral", "referral_back")
    bonus = (LedgerAccount.kind == "bonus") & LedgerEntry.kind.not_in(others)
    entries = list(LedgerEntry.select().join(LedgerAccount).where(bonus))
    assert entries and all(e.kind == "earn" and e.receipt_id for e in entries)
    assert {e.receipt_id: e.amount for e in entries} == {
        rid: amount for rid, amount in earned_by_receipt.items() if amount
    }
    for e in entries:
        receipt = Receipt.get_by_id(e.receipt_id)
        if receipt.shift.register != "POS-1":  # the history's rates; the features' demos
            continue  # sell through the services, by the card types' own terms
        assert e.expires_at == e.created_at + dt.timedelta(days=180)
        assert receipt.customer.card_type.code == "BONUS"
        # 8% on cosmetics, 5% on the rest, per line on what the line costs
        for line in receipt.lines:
            top = line.product.group.path.split("/")[0]
            rate = 8 if top == "Косметика" else 5
            assert line.bonus_earned == percent_of(line.total, rate)
    assert {e.kind for e in entries} == {"earn"}


def test_vip_customers_in_each_mode_one_overdue(shop: DemoSummary) -> None:
    check_loyalty_books()
    states = {
        c.vip_mode: vip.state_of(c.id, NOW)
        for c in Customer.select().where(Customer.vip_mode != "")
    }
    assert set(states) == {"credit", "account", "items"}
    credit, account, items = states["credit"], states["account"], states["items"]
    assert credit.overdue > 0 and credit.overdue_days == 12 and credit.debt > credit.overdue
    assert account.overdue == 0 and account.deposit > 0 and account.debt == 0
    assert items.overdue == 0 and items.debt > 0
    kinds = {
        e.kind for e in LedgerEntry.select().join(LedgerAccount).where(LedgerAccount.kind == "vip")
    }
    assert kinds == {"charge", "payment", "deposit"}
    # the items customer paid one item of her first purchase whole, by card
    (paid,) = (
        LedgerEntry.select()
        .join(LedgerAccount)
        .where(
            (LedgerAccount.kind == "vip")
            & (LedgerAccount.owner_id == items.customer_id)
            & (LedgerEntry.kind == "payment")
        )
    )
    assert paid.document.startswith("card:")
    # money taken for the accounts is in the shifts' cash movements
    moved = {(m.kind, m.amount) for m in CashMovement.select()}
    assert ("vip_card", paid.amount) in moved and ("vip_cash", 1_000_000) in moved
    # the list shows the overdue one first
    owner = Employee.get(Employee.name == EMPLOYEES[0][0])
    first = vip_statement.debtors(by=owner, at=NOW, limit=1)[0]
    assert first.customer_id == credit.customer_id and first.overdue_days == 12


def test_a_wholesale_price_type_breaks_and_a_wholesale_customer(shop: DemoSummary) -> None:
    (wholesale,) = pricerules.list_price_types()
    assert (wholesale.code, wholesale.name) == ("WHOLESALE", "Оптова")
    breaks = {b.code: (b.min_qty, b.percent, b.price_type) for b in pricerules.list_qty_breaks()}
    assert breaks == {
        "WS-10": (10_000, Decimal(5), "WHOLESALE"),
        "WS-50": (50_000, Decimal(10), "WHOLESALE"),
    }
    prices = pricerules.type_prices("WHOLESALE")
    assert prices and all(
        price == Product.get_by_id(pid).price * 85 // 100 for pid, price in prices.items()
    )
    (customer,) = Customer.select().where(Customer.price_type.is_null(False))
    discounts = pricerules.list_manufacturer_discounts(customer.id)
    makers = {Manufacturer.get_by_id(d.manufacturer_id).name: d.percent for d in discounts}
    assert makers == {"Малятко": Decimal(5), "Веселка": Decimal(3)}
    (accelerator,) = accelerators.accelerators()
    assert (accelerator.card_type, accelerator.action, accelerator.threshold) == (
        "GOLD",
        "tier",
        1_500_000,
    )


@pytest.fixture(scope="module")
def six_months(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A default-length history: bonuses old enough to lapse."""
    path = tmp_path_factory.mktemp("demo6") / "shop.sqlite"
    build_demo(str(path), customers=40, months=6, today=TODAY, seed=3)
    dbmod.database.close()
    return path


def test_some_bonuses_lapsed_and_some_lapse_within_the_notice_days(six_months: Path) -> None:
    database = dbmod.open_database(str(six_months))
    try:
        check_loyalty_books()
        notice = policy.load().expiry_notice_days
        open_credits = [
            (o.amount, o.expires_at)
            for o in LedgerOpen.select().join(LedgerAccount).where(LedgerAccount.kind == "bonus")
        ]
        lapsed = [a for a, at in open_credits if at <= NOW]
        soon = [a for a, at in open_credits if NOW < at <= NOW + dt.timedelta(days=notice)]
        assert lapsed and soon
        run = bonuses.expire(NOW, clock=lambda: NOW)
        assert run.expired == sum(lapsed) and run.notices >= len(lapsed) + len(soon)
        check_loyalty_books()
        assert bonuses.expire(NOW, clock=lambda: NOW).expired == 0  # found once
    finally:
        database.close()


def test_same_seed_same_loyalty(small: tuple[Path, DemoSummary], tmp_path: Path) -> None:
    def books() -> list[tuple[int, str, int, dt.datetime]]:
        return [
            (e.account_id, e.kind, e.amount, e.created_at)
            for e in LedgerEntry.select().order_by(LedgerEntry.id)
        ]

    dbmod.open_database(str(small[0]))
    expected = books()
    dbmod.database.close()
    build_demo(str(tmp_path / "again.sqlite"), customers=50, months=1, today=TODAY, seed=7)
    assert books() == expected
    dbmod.database.close()
