"""Merging duplicate cards (every history row kept, totals summed, drafts re-pointed), cleaning
a card for reissue, and erasing a person's data."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest

from torgtui.customers.merge import clean_card, erase_customer, merge_customers, reissue_card
from torgtui.customers.service import CardData, FamilyData, create_customer, find_by_phone_or_card
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.models import (
    AuditEntry,
    Contact,
    Customer,
    CustomerInterest,
    CustomerPhone,
    CustomerWord,
    DeliveryAddress,
    Draft,
    FamilyMember,
    Product,
    ProductGroup,
    Receipt,
    ReceiptLine,
    Reminder,
)
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift

TABLES = (Receipt, CustomerPhone, FamilyMember, Contact, Reminder, DeliveryAddress)


def sell(staff, shop, customer, *codes, shift, clock) -> Receipt:
    """One card-paid sale of ``codes`` to ``customer`` at register "t"."""
    reg = Register(staff["cashier"], register="t", clock=clock)
    for code in codes:
        reg.scan(code)
    reg.attach_customer(customer)
    basket = reg.priced()
    return commit_sale(
        basket,
        [Tender("card", basket.total)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
        fiscal=False,
    )


def make(staff, clock, name, phones=(), **kw) -> Customer:
    return create_customer(CardData(name, list(phones), **kw), by=staff["manager"], clock=clock)


def counts() -> dict[str, int]:
    return {m.__name__: m.select().count() for m in (*TABLES, CustomerInterest)}


def hang(customer: Customer, staff, clock, tag: str) -> None:
    """One contact, reminder and delivery address on a card."""
    Contact.create(customer=customer, employee=staff["manager"], at=clock(), kind="call", text=tag)
    Reminder.create(
        customer=customer,
        employee=staff["manager"],
        created_at=clock(),
        due_date=clock().date(),
        text=f"call {tag}",
    )
    DeliveryAddress.create(
        customer=customer,
        carrier="nova_poshta",
        city="Київ",
        branch=tag,
        created_at=clock(),
        used_at=clock(),
    )


@pytest.fixture
def groups(shop) -> tuple[ProductGroup, ProductGroup]:
    clothes = ProductGroup.create(name="Одяг", path="Одяг")
    care = ProductGroup.create(name="Догляд", path="Догляд")
    Product.update(group=clothes).where(Product.id == shop.dress.id).execute()
    Product.update(group=care).where(Product.id == shop.cream.id).execute()
    return clothes, care


def test_merging_three_cards_keeps_every_history_row(db, staff, shop, clock, groups) -> None:
    clothes, care = groups
    shift = open_shift(staff["cashier"], "t", shop.location, 0, clock=clock, fiscal=False)
    keep = make(
        staff,
        clock,
        "Олена Шевченко",
        ["0671111111"],
        card="2900000000018",
        family=[FamilyData("child", "Марко", dt.date(2015, 3, 1))],
        note="любить зелене",
    )
    dup1 = make(
        staff,
        clock,
        "Олена Шевченко",
        ["0502222222", "0633333333"],
        email="olena@example.com",
        birth_date=dt.date(1990, 5, 17),
        gender="f",
        family=[FamilyData("child", "марко", dt.date(2015, 3, 1)), FamilyData("spouse", "Іван")],
        note="просила дзвонити ввечері",
        attention=True,
        attention_note="сперечається",
    )
    dup2 = make(staff, clock, "О. Шевченко", ["0934444444"], card="2900000000025", language="uk")
    sales = [
        sell(staff, shop, keep, shop.dress_code, shift=shift, clock=clock),
        sell(staff, shop, dup1, shop.cream_code, shop.dress_code, shift=shift, clock=clock),
        sell(staff, shop, dup2, shop.cream_code, shift=shift, clock=clock),
        sell(staff, shop, dup2, shop.cream_code, shift=shift, clock=clock),
    ]
    for card, tag in ((keep, "k"), (dup1, "d1"), (dup2, "d2")):
        hang(card, staff, clock, tag)
    CustomerInterest.create(customer=keep, group=care, source="auto", created_at=clock())
    CustomerInterest.create(customer=dup1, group=care, source="manual", created_at=clock())
    CustomerInterest.create(customer=dup2, group=clothes, source="auto", created_at=clock())
    # a held receipt of the senior cashier and an open one of the owner name duplicates
    held = Register(staff["senior_cashier"], register="t2", clock=clock)
    held.scan(shop.cream_code)
    held.attach_customer(dup1)
    held_uuid = held.hold()
    open_reg = Register(staff["owner"], register="t3", clock=clock)
    open_reg.scan(shop.dress_code)
    open_reg.attach_customer(dup2)
    totals = sum(r.total for r in sales)
    before = counts()

    merged = merge_customers(keep, [dup1, dup2], by=staff["manager"], clock=clock)

    after = counts()
    assert after["Receipt"] == before["Receipt"] == 4
    assert after["CustomerPhone"] == before["CustomerPhone"] == 4
    assert (after["Contact"], after["Reminder"], after["DeliveryAddress"]) == (3, 3, 3)
    assert after["FamilyMember"] == before["FamilyMember"] - 1  # Марко was on two cards
    assert after["CustomerInterest"] == 2  # care (manual wins) and clothes
    for model in TABLES:
        assert {row.customer_id for row in model.select()} == {keep.id}, model.__name__
    assert {(i.group_id, i.source) for i in CustomerInterest.select()} == {
        (care.id, "manual"),
        (clothes.id, "auto"),
    }
    # the target keeps its own values and takes what it lacked
    assert (merged.phone, merged.card) == ("+380671111111", "2900000000018")
    assert (merged.email, merged.birth_date, merged.birth_md) == (
        "olena@example.com",
        dt.date(1990, 5, 17),
        517,
    )
    assert (merged.gender, merged.language, merged.attention) == ("f", "uk", True)
    assert merged.note == "любить зелене\nпросила дзвонити ввечері"
    assert merged.attention_note == "сперечається"
    assert (merged.total_bought, merged.receipts_count) == (totals, 4)
    assert merged.last_visit == clock()
    for dup in (dup1, dup2):
        row = Customer.get_by_id(dup.id)
        assert (row.status, row.merged_into_id) == ("merged", keep.id)
        assert (row.phone, row.card, row.total_bought, row.receipts_count) == (None, None, 0, 0)
        assert not CustomerWord.select().where(CustomerWord.customer == dup.id).exists()
    # every old phone and the old card number now find the kept card
    for text in ("0502222222", "0633333333", "0934444444", "0671111111", "2900000000018"):
        assert find_by_phone_or_card(text).id == keep.id
    assert find_by_phone_or_card("2900000000025") is None
    drafts = {d.uuid: json.loads(d.data)["customer_id"] for d in Draft.select()}
    assert drafts == {held_uuid: keep.id, open_reg.uuid: keep.id}
    entry = AuditEntry.get(AuditEntry.action == "customer.merge")
    assert entry.object_id == str(keep.id) and entry.employee_id == staff["manager"].id
    assert set(json.loads(entry.before)) == {str(keep.id), str(dup1.id), str(dup2.id)}
    after_audit = json.loads(entry.after)
    assert after_audit["merged"] == [dup1.id, dup2.id]
    assert after_audit["moved"]["receipts"] == 3 and after_audit["moved"]["drafts"] == 2


def test_sale_after_merge_counts_on_the_kept_card(db, staff, shop, clock) -> None:
    shift = open_shift(staff["cashier"], "t", shop.location, 0, clock=clock, fiscal=False)
    keep = make(staff, clock, "Ірина", ["0671111111"])
    dup = make(staff, clock, "Ірина К.", ["0502222222"])
    sell(staff, shop, dup, shop.cream_code, shift=shift, clock=clock)
    merge_customers(keep, [dup], by=staff["manager"], clock=clock)
    clock.advance(days=1)
    sell(
        staff, shop, find_by_phone_or_card("0502222222"), shop.cream_code, shift=shift, clock=clock
    )
    row = Customer.get_by_id(keep.id)
    assert (row.total_bought, row.receipts_count, row.last_visit) == (2 * 18990, 2, clock())


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("self", "merged into itself"),
        ("empty", "at least one card"),
        ("merged_source", "only active cards"),
        ("merged_target", "choose an active card to keep"),
    ],
)
def test_merge_refusals(db, staff, clock, case, message) -> None:
    a = make(staff, clock, "Анна", ["0671111111"])
    b = make(staff, clock, "Богдан", ["0502222222"])
    c = make(staff, clock, "Віра", ["0633333333"])
    target, sources = {
        "self": (a, [a, b]),
        "empty": (a, []),
        "merged_source": (a, [c]),
        "merged_target": (c, [a]),
    }[case]
    if case.startswith("merged"):
        merge_customers(b, [c], by=staff["manager"], clock=clock)
    audits = AuditEntry.select().count()
    with pytest.raises(ValidationError, match=message):
        merge_customers(target, sources, by=staff["manager"], clock=clock)
    assert AuditEntry.select().count() == audits
    assert Customer.get_by_id(a.id).status == "active"


def test_a_refused_merge_changes_nothing(db, staff, clock) -> None:
    a = make(staff, clock, "Анна", ["0671111111"])
    b = make(staff, clock, "Богдан", ["0502222222"])
    gone = make(staff, clock, "Віра", ["0633333333"])
    clean_card(gone, by=staff["manager"], clock=clock)
    with pytest.raises(ValidationError, match="cleaned"):
        merge_customers(a, [b, gone], by=staff["manager"], clock=clock)
    assert Customer.get_by_id(b.id).status == "active"
    assert Customer.get_by_id(b.id).phone == "+380502222222"


def test_merging_needs_a_manager(db, staff, clock) -> None:
    a = make(staff, clock, "Анна", ["0671111111"])
    b = make(staff, clock, "Богдан", ["0502222222"])
    with pytest.raises(PermissionDenied):
        merge_customers(a, [b], by=staff["senior_cashier"], clock=clock)
    with pytest.raises(PermissionDenied):
        clean_card(a, by=staff["senior_cashier"], clock=clock)
    with pytest.raises(PermissionDenied):
        erase_customer(a, by=staff["cashier"], clock=clock)


def test_clean_keeps_the_card_number_and_the_receipts(db, staff, shop, clock, groups) -> None:
    shift = open_shift(staff["cashier"], "t", shop.location, 0, clock=clock, fiscal=False)
    c = make(
        staff,
        clock,
        "Тарас Коваль",
        ["0671111111", "0502222222"],
        card="2900000000018",
        email="t@example.com",
        birth_date=dt.date(1985, 1, 2),
        family=[FamilyData("child", "Ія")],
        note="VIP",
        social="https://t.me/taras",
    )
    receipt = sell(staff, shop, c, shop.dress_code, shift=shift, clock=clock)
    hang(c, staff, clock, "x")
    CustomerInterest.create(customer=c, group=groups[0], source="manual", created_at=clock())
    draft = Register(staff["owner"], register="t3", clock=clock)
    draft.scan(shop.cream_code)
    draft.attach_customer(c)

    cleaned = clean_card(c, by=staff["manager"], clock=clock)

    assert (cleaned.status, cleaned.name, cleaned.card) == (
        "cleaned",
        "Cleaned card",
        "2900000000018",
    )
    assert (cleaned.phone, cleaned.email, cleaned.birth_date, cleaned.note, cleaned.social) == (
        None,
        "",
        None,
        "",
        "",
    )
    assert (cleaned.total_bought, cleaned.receipts_count, cleaned.last_visit) == (0, 0, None)
    for model in (*TABLES[1:], CustomerInterest, CustomerWord):
        assert model.select().count() == 0, model.__name__
    row = Receipt.get_by_id(receipt.id)
    assert row.customer_id is None and row.total == receipt.total
    assert ReceiptLine.select().where(ReceiptLine.receipt == receipt.id).count() == 1
    assert json.loads(Draft.get().data)["customer_id"] is None
    assert find_by_phone_or_card("0671111111") is None
    assert find_by_phone_or_card("2900000000018") is None  # until reissued
    entry = AuditEntry.get(AuditEntry.action == "customer.clean")
    assert json.loads(entry.before)["name"] == "•••"  # no personal data in the audit log
    assert "Тарас" not in entry.before and "Тарас" not in entry.after
    assert json.loads(entry.after)["status"] == "cleaned"
    with pytest.raises(ValidationError, match="only an active card"):
        clean_card(c, by=staff["manager"], clock=clock)

    # the plastic card goes to someone else, with the same number and a clean history
    new = reissue_card(
        cleaned, CardData("Нова Власниця", ["0939999999"]), by=staff["manager"], clock=clock
    )
    assert (new.status, new.name, new.card) == ("active", "Нова Власниця", "2900000000018")
    assert find_by_phone_or_card("2900000000018").id == c.id
    assert Customer.get_by_id(c.id).receipts_count == 0
    with pytest.raises(ValidationError, match="Only a cleaned card"):
        reissue_card(new, CardData("Ще хтось"), by=staff["manager"], clock=clock)


def test_erase_leaves_no_personal_data(db, staff, shop, clock) -> None:
    shift = open_shift(staff["cashier"], "t", shop.location, 0, clock=clock, fiscal=False)
    c = make(
        staff, clock, "Марія Бондар", ["0671111111"], card="2900000000018", email="m@example.com"
    )
    old = make(staff, clock, "Марія Бондар (стара)", ["0502222222"], email="old@example.com")
    sell(staff, shop, old, shop.cream_code, shift=shift, clock=clock)
    merge_customers(c, [old], by=staff["manager"], clock=clock)
    hang(c, staff, clock, "x")

    erased = erase_customer(c, by=staff["owner"], clock=clock)

    assert (erased.status, erased.name, erased.card, erased.phone) == (
        "erased",
        "Erased",
        None,
        None,
    )
    # the card merged into it loses its old name and email too
    tomb = Customer.get_by_id(old.id)
    assert (tomb.status, tomb.name, tomb.email) == ("merged", "Erased", "")
    assert Receipt.select().where(Receipt.customer.is_null(False)).count() == 0
    for model in (*TABLES[1:], CustomerWord):
        assert model.select().count() == 0, model.__name__
    entry = AuditEntry.get(AuditEntry.action == "customer.erase")
    assert entry.employee_id == staff["owner"].id and entry.before is None
    assert json.loads(entry.after) == {"id": c.id, "status": "erased"}
    # the card number is free for a new card
    again = make(staff, clock, "Інша людина", ["0671111111"], card="2900000000018")
    assert find_by_phone_or_card("2900000000018").id == again.id
    with pytest.raises(ValidationError, match="erased"):
        erase_customer(c, by=staff["owner"], clock=clock)


def _merge_in_thread(db, staff, clock, barrier, outcomes, name, target, source) -> None:
    """One manager's merge on this thread's own connection, recording how it ended."""
    try:
        barrier.wait(timeout=10)
        merge_customers(target, [source], by=staff["manager"], clock=clock)
        outcomes[name] = "merged"
    except ValidationError as exc:
        outcomes[name] = exc.message
    except BaseException as exc:  # asserted on by the caller, with its type
        outcomes[name] = exc
    finally:
        db.close()


def test_crosswise_merges_queue_and_the_second_is_refused(db, staff, clock) -> None:
    """A into B while B into A, from two connections at once: every pair ends with one merge
    done and the other refused with the app's own message, never a driver error or deadlock
    (PostgreSQL used to lock target then sources in two statements, and deadlocked)."""
    for trial in range(12):
        a = make(staff, clock, f"Анна {trial}", [f"067{trial:07d}"])
        b = make(staff, clock, f"Богдан {trial}", [f"050{trial:07d}"])
        barrier = threading.Barrier(2)
        outcomes: dict[str, object] = {}
        common = (db, staff, clock, barrier, outcomes)
        threads = [
            threading.Thread(target=_merge_in_thread, args=(*common, "a into b", b.id, a.id)),
            threading.Thread(target=_merge_in_thread, args=(*common, "b into a", a.id, b.id)),
        ]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert time.monotonic() - started < 5, outcomes  # no deadlock detector waits
        done = [k for k, v in outcomes.items() if v == "merged"]
        refused = [v for v in outcomes.values() if v != "merged"]
        assert len(done) == 1 and len(refused) == 1, outcomes
        assert isinstance(refused[0], str) and "merged into another card" in refused[0], outcomes
        kept, gone = (b, a) if done == ["a into b"] else (a, b)
        assert Customer.get_by_id(kept.id).status == "active"
        assert Customer.get_by_id(gone.id).merged_into_id == kept.id
