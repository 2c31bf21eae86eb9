"""Card numbering, issuing, blocking and printing: exact EAN-13 numbers from a card type's own
range and from the shop's prefix, numbers already on a card or a product skipped, a range used
up, two registers issuing at once (two processes, each backend), and every bad number refused
with nothing written."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from decimal import Decimal

import pytest

from torgtui.customers.printing import card_label_for, card_pdf
from torgtui.customers.service import CardData, create_customer, update_customer
from torgtui.db import database
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.hw.labels import card_label
from torgtui.marketing import numbering
from torgtui.marketing.cards import CardTypeData, save_card_type
from torgtui.marketing.numbering import (
    block_card,
    clean_card_number,
    generate_number,
    in_card_range,
    issue_card,
    next_numbers,
    unblock_card,
)
from torgtui.models import AuditEntry, Barcode, CardType, Customer, Setting

NOW = dt.datetime(2026, 11, 22, 10, 0)


def make_type(staff, clock, code="gold", **kw) -> CardType:
    fields = dict(name=code.title(), kind="discount", percent=Decimal(5))
    fields.update(kw)
    return save_card_type(CardTypeData(code=code, **fields), by=staff["manager"], clock=clock)


def person(name: str = "Оля", card: str | None = None) -> Customer:
    return Customer.create(name=name, card=card, created_at=NOW, updated_at=NOW)


def audits(action: str) -> int:
    return AuditEntry.select().where(AuditEntry.action == action).count()


# --- numbers ------------------------------------------------------------------------------


def test_own_range_gives_exact_ean13_numbers_in_order(db, staff, clock) -> None:
    gold = make_type(staff, clock, prefix="25", range_from=100, range_to=102)
    assert next_numbers(gold, 2) == ["2500000001000", "2500000001017"]
    got = [generate_number(gold) for _ in range(3)]
    assert got == ["2500000001000", "2500000001017", "2500000001024"]
    assert CardType.get_by_id(gold.id).next_number == 103
    with pytest.raises(ValidationError, match="All numbers of Gold cards .* are used"):
        generate_number(gold)
    assert CardType.get_by_id(gold.id).next_number == 103  # the refusal wrote nothing


def test_types_without_numbering_use_the_shop_prefix(db, staff, clock) -> None:
    plain = make_type(staff, clock, code="plain")
    assert [generate_number(plain) for _ in range(3)] == [
        "2900000000018",
        "2900000000025",
        "2900000000032",
    ]
    assert generate_number(None, shop_prefix="777") == "7770000000012"
    assert Setting.get_by_id("cards.next_number.29").value == "4"
    with pytest.raises(ValidationError, match="prefix is digits"):
        generate_number(plain, shop_prefix="2x")


def test_numbers_on_a_card_or_a_product_are_skipped(db, staff, clock, shop) -> None:
    gold = make_type(staff, clock, prefix="25", range_from=100, range_to=2000)
    person("Стара картка", "2500000001000")  # 100: a blank card scanned earlier
    Barcode.create(code="2500000001017", product=shop.cream)  # 101: a product's barcode
    person("Друга", "2500000001031")  # 103
    assert generate_number(gold) == "2500000001024"  # 102
    assert generate_number(gold) == "2500000001048"  # 104
    # a long run of numbers taken is jumped in windows, not one query per number
    for n in range(105, 105 + numbering.WINDOW + 10):
        person(f"N{n}", numbering.make_ean13("25", n))
    assert generate_number(gold) == numbering.make_ean13("25", 105 + numbering.WINDOW + 10)


def test_a_prefix_without_a_range_numbers_the_whole_room(db, staff, clock) -> None:
    wide = make_type(staff, clock, prefix="2501")
    assert generate_number(wide) == "2501000000017"
    assert numbering.numbering_of(wide, "29").high == 99_999_999


def test_card_ranges_are_known_from_memory(db, staff, clock) -> None:
    make_type(staff, clock, prefix="25", range_from=100, range_to=199)
    assert in_card_range("2500000001000")  # 100
    assert not in_card_range("2500000002007")  # 200: outside the range
    assert in_card_range("2900000000018")  # the shop's prefix
    assert in_card_range("7770000000012", "777") and not in_card_range("7770000000012")
    assert not in_card_range("4820000000017") and not in_card_range("C100")


# --- issuing ------------------------------------------------------------------------------


def test_issue_a_generated_card(db, staff, clock) -> None:
    gold = make_type(staff, clock, prefix="25", range_from=100, range_to=199)
    olya = person()
    issued = issue_card(olya, gold, by=staff["cashier"], clock=clock)
    assert (issued.card, issued.card_type_id, issued.card_status, issued.card_issued_at) == (
        "2500000001000",
        gold.id,
        "active",
        NOW,
    )
    entry = AuditEntry.get(AuditEntry.action == "customer.card_issue")
    assert entry.object_id == str(olya.id) and '"generated": true' in entry.after


def test_issue_a_scanned_blank_card(db, staff, clock) -> None:
    gold = make_type(staff, clock, prefix="25", range_from=100, range_to=199)
    olya = person()
    issued = issue_card(olya, gold.id, "2500000001505", by=staff["cashier"], clock=clock)
    assert issued.card == "2500000001505"
    assert generate_number(gold) == "2500000001000"  # the counter did not move


def test_replacing_a_card_needs_edit_rights_and_resets_a_one_time_card(db, staff, clock) -> None:
    once = make_type(staff, clock, code="once", kind="one_time", percent=Decimal(10))
    olya = person(card="2900000000018")
    Customer.update(card_type=once.id, card_spent_at=NOW).where(Customer.id == olya.id).execute()
    with pytest.raises(PermissionDenied, match="may not edit customers"):
        issue_card(olya, once, by=staff["cashier"], clock=clock)
    assert Customer.get_by_id(olya.id).card == "2900000000018"
    new = issue_card(olya, once, by=staff["senior_cashier"], clock=clock)
    assert (new.card, new.card_spent_at) == ("2900000000025", None)
    # the old number is free again: a blank card with it may be issued to someone else
    assert issue_card(person("Інна"), once, "2900000000018", by=staff["cashier"]).card


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("2500000001001", "wrong check digit .*should be 0"),
        ("2500000002007", "not a Gold card: its numbers are 2500000001000 to 2500000001994"),
        ("2900000000018", "not a Gold card"),
        ("25 00", "not a card number"),
        ("C1", "not a card number"),
        ("", "is empty"),
        ("2500000001017", "already belongs to Інша"),
        ("2500000001024", "the barcode of the product Крем для рук"),
    ],
)
def test_bad_numbers_are_refused_and_nothing_is_written(
    db, staff, clock, shop, number, message
) -> None:
    gold = make_type(staff, clock, prefix="25", range_from=100, range_to=199)
    person("Інша", "2500000001017")
    Barcode.create(code="2500000001024", product=shop.cream)
    olya = person()
    before = AuditEntry.select().count()
    with pytest.raises(ValidationError, match=message):
        issue_card(olya, gold, number, by=staff["cashier"], clock=clock)
    assert Customer.get_by_id(olya.id).card is None
    assert AuditEntry.select().count() == before
    assert CardType.get_by_id(gold.id).next_number == 100


def test_other_refusals(db, staff, clock) -> None:
    gold = make_type(staff, clock, prefix="25", range_from=100, range_to=199)
    old = make_type(staff, clock, code="old", active=False)
    olya = person()
    with pytest.raises(ValidationError, match="no longer in use"):
        issue_card(olya, old, by=staff["cashier"], clock=clock)
    with pytest.raises(ValidationError, match="no such card type"):
        issue_card(olya, 9999, by=staff["cashier"], clock=clock)
    with pytest.raises(ValidationError, match="card type must be a record number"):
        issue_card(olya, "gold", by=staff["cashier"], clock=clock)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        issue_card(olya, gold, by=staff["support"], clock=clock)
    Customer.update(status="erased").where(Customer.id == olya.id).execute()
    with pytest.raises(ValidationError, match="not active"):
        issue_card(olya, gold, by=staff["cashier"], clock=clock)
    assert audits("customer.card_issue") == 0
    assert CardType.get_by_id(gold.id).next_number == 100


def test_block_and_unblock(db, staff, clock) -> None:
    olya = person(card="2900000000018")
    with pytest.raises(PermissionDenied):
        block_card(olya, by=staff["cashier"], clock=clock)
    blocked = block_card(olya, by=staff["senior_cashier"], reason="lost", clock=clock)
    assert blocked.card_status == "blocked"
    with pytest.raises(ValidationError, match="blocked already"):
        block_card(olya, by=staff["manager"], clock=clock)
    assert unblock_card(olya, by=staff["manager"], clock=clock).card_status == "active"
    with pytest.raises(ValidationError, match="is not blocked"):
        unblock_card(olya, by=staff["manager"], clock=clock)
    with pytest.raises(ValidationError, match="no card yet"):
        block_card(person("Без картки"), by=staff["manager"], clock=clock)
    assert (audits("customer.card_block"), audits("customer.card_unblock")) == (1, 1)


# --- cards typed into the customer card ---------------------------------------------------


def test_the_customer_card_checks_numbers_like_barcodes(db, staff, clock, shop) -> None:
    cashier = staff["cashier"]
    for number, message in [
        ("2900000000017", "wrong check digit"),
        (shop.dress_code, "the barcode of the product Сукня літня"),
        ("00042", "the barcode of the product Мило на вагу"),  # an article
        ("C1", "not a card number"),
    ]:
        with pytest.raises(ValidationError, match=message):
            create_customer(CardData("Анна", card=number), by=cashier, clock=clock)
    assert Customer.select().count() == 0 and audits("customer.create") == 0
    made = create_customer(CardData("Анна", card="2900000000018"), by=cashier, clock=clock)
    assert made.card_issued_at == NOW
    gold = make_type(staff, clock, prefix="25", range_from=100, range_to=199)
    Customer.update(card_type=gold.id).where(Customer.id == made.id).execute()
    made = Customer.get_by_id(made.id)
    with pytest.raises(ValidationError, match="not a Gold card"):
        update_customer(made, CardData("Анна", card="2900000000025"), by=staff["manager"])
    clock.advance(hours=1)
    edited = update_customer(
        made, CardData("Анна", card="2500000001000"), by=staff["manager"], clock=clock
    )
    assert edited.card == "2500000001000"
    assert Customer.get_by_id(made.id).card_issued_at == NOW + dt.timedelta(hours=1)


# --- printing -----------------------------------------------------------------------------


def test_card_label_and_pdf(db, staff, clock, tmp_path) -> None:
    gold = make_type(staff, clock, name="Золота картка", prefix="25", range_from=100, range_to=199)
    olya = issue_card(person("Ольга Петренко"), gold, by=staff["cashier"], clock=clock)
    tspl = card_label_for(olya)
    assert b'"EAN13"' in tspl and b'"250000000100"' in tspl
    assert "Золота картка".encode("cp1251") in tspl and "Ольга Петренко".encode("cp1251") in tspl
    zpl = card_label_for(olya, language="zpl")
    assert zpl.startswith(b"^XA^CI28") and b"^BEN" in zpl and "Золота".encode() in zpl
    assert b"^BCN" in card_label("C100", "Bob", "Old card", language="zpl")
    with pytest.raises(ValidationError, match="tspl or zpl"):
        card_label("C100", "Bob", "Old card", language="epl")
    with pytest.raises(ValidationError, match="no card yet"):
        card_label_for(person("Без картки"))
    out = tmp_path / "cards.pdf"
    summary = card_pdf(out, [olya, person("Без картки")], store_name="Квітка")
    assert (summary.printed, summary.skipped, summary.pages) == (1, 1, 1)
    assert out.read_bytes().startswith(b"%PDF")
    assert card_pdf(tmp_path / "none.pdf", [person("Х")]).printed == 0
    assert not (tmp_path / "none.pdf").exists()


def test_clean_card_number() -> None:
    assert clean_card_number(" 2900000000018 ") == "2900000000018"
    assert clean_card_number("C100") == "C100"
    for bad in (None, 42, "С100", "29000000000\n18", "x" * 41):  # "С" is Cyrillic
        with pytest.raises(ValidationError):
            clean_card_number(bad)


# --- two registers issuing at once --------------------------------------------------------


def _issue_in_a_process(url: str, pairs: list[tuple[int, int]], barrier, out) -> None:
    from torgtui import db
    from torgtui.errors import TorgError
    from torgtui.marketing.numbering import issue_card
    from torgtui.models import Employee

    db.open_database(url)
    cashier = Employee.get(Employee.role == "cashier")
    for customer_id, type_id in pairs:
        barrier.wait(timeout=60)
        try:
            issued = issue_card(customer_id, type_id, by=cashier)
            out.put((customer_id, issued.card))
        except TorgError as exc:
            out.put((customer_id, f"refused: {exc.message}"))
        except Exception as exc:  # a raw driver error (deadlock, unique violation) is the finding
            out.put((customer_id, f"raw {type(exc).__name__}: {exc}"))
    db.database.close()


def test_two_registers_issuing_at_once_never_share_a_number(db, backend, staff, clock) -> None:
    gold = make_type(staff, clock, prefix="25", range_from=100, range_to=199)
    plain = make_type(staff, clock, code="plain")
    people = [person(f"Клієнт {n}").id for n in range(24)]
    halves = [
        [(cid, gold.id if n % 2 == 0 else plain.id) for n, cid in enumerate(people[:12])],
        [(cid, gold.id if n % 2 == 0 else plain.id) for n, cid in enumerate(people[12:])],
    ]
    database.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_issue_in_a_process, args=(backend, half, barrier, out))
        for half in halves
    ]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=120) for _ in range(24))
    for p in procs:
        p.join(timeout=60)
    database.connect(reuse_if_open=True)
    assert all(len(v) == 13 for v in results.values()), results
    assert sorted(v for v in results.values() if v.startswith("25")) == [
        numbering.make_ean13("25", n) for n in range(100, 112)
    ]
    assert sorted(v for v in results.values() if v.startswith("29")) == [
        numbering.make_ean13("29", n) for n in range(1, 13)
    ]
    assert CardType.get_by_id(gold.id).next_number == 112
    assert Setting.get_by_id("cards.next_number.29").value == "13"
