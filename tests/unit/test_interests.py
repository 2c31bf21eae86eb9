"""Customer interests: automatic from repeated purchases in a group, manual by hand, paged
lists of interested customers for mailings, and the bulk rebuild."""

from __future__ import annotations

import pytest

from torgtui.customers.interests import (
    add_interest,
    customers_with_interest,
    interests_of,
    rebuild_auto_interests,
    record_interests,
    remove_interest,
)
from torgtui.customers.merge import clean_card
from torgtui.customers.service import CardData, create_customer
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.models import AuditEntry, Customer, CustomerInterest, Product, ProductGroup, Receipt
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift


def sell(staff, shop, customer, *codes, shift, clock) -> Receipt:
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


@pytest.fixture
def world(db, staff, shop, clock):
    """Groups Одяг > Одяг/Сукні and Догляд; the dress in Сукні, the cream in Догляд."""
    clothes = ProductGroup.create(name="Одяг", path="Одяг")
    dresses = ProductGroup.create(name="Сукні", parent=clothes, path="Одяг/Сукні")
    care = ProductGroup.create(name="Догляд", path="Догляд")
    Product.update(group=dresses).where(Product.id == shop.dress.id).execute()
    Product.update(group=care).where(Product.id == shop.cream.id).execute()
    shift = open_shift(staff["cashier"], "t", shop.location, 0, clock=clock, fiscal=False)
    return {"clothes": clothes, "dresses": dresses, "care": care, "shift": shift}


def card(staff, clock, name: str, phone: str) -> Customer:
    return create_customer(CardData(name, [phone]), by=staff["cashier"], clock=clock)


def pairs() -> set[tuple[int, int, str]]:
    return {(i.customer_id, i.group_id, i.source) for i in CustomerInterest.select()}


def test_interest_appears_on_the_threshold_receipt(db, staff, shop, clock, world) -> None:
    c = card(staff, clock, "Оксана", "0671111111")
    first = sell(
        staff, shop, c, shop.dress_code, shop.cream_code, shift=world["shift"], clock=clock
    )
    assert record_interests(first.id, threshold=2, clock=clock) == []
    # a second line of the same group on one receipt is still one receipt
    second = sell(staff, shop, c, shop.cream_code, shift=world["shift"], clock=clock)
    assert record_interests(second.id, threshold=2, clock=clock) == [world["care"].id]
    assert pairs() == {(c.id, world["care"].id, "auto")}
    assert record_interests(second.id, threshold=2, clock=clock) == []  # already there
    third = sell(staff, shop, c, shop.dress_code, shift=world["shift"], clock=clock)
    assert record_interests(third.id, threshold=2, clock=clock) == [world["dresses"].id]
    assert [i.group.path for i in interests_of(c)] == ["Догляд", "Одяг/Сукні"]


def test_record_ignores_anonymous_sales_and_threshold_zero(db, staff, shop, clock, world) -> None:
    anonymous = sell(staff, shop, None, shop.cream_code, shift=world["shift"], clock=clock)
    assert record_interests(anonymous.id, threshold=1, clock=clock) == []
    c = card(staff, clock, "Оксана", "0671111111")
    sale = sell(staff, shop, c, shop.cream_code, shift=world["shift"], clock=clock)
    assert record_interests(sale.id, threshold=0, clock=clock) == []
    assert record_interests(sale.id, threshold=1, clock=clock) == [world["care"].id]


def test_manual_interest_is_never_downgraded(db, staff, shop, clock, world) -> None:
    c = card(staff, clock, "Оксана", "0671111111")
    row = add_interest(c, world["care"], by=staff["senior_cashier"], clock=clock)
    assert row.source == "manual"
    sale = sell(staff, shop, c, shop.cream_code, shift=world["shift"], clock=clock)
    assert record_interests(sale.id, threshold=1, clock=clock) == []
    assert rebuild_auto_interests(1, clock=clock).added == 0
    assert pairs() == {(c.id, world["care"].id, "manual")}
    # an automatic interest made manual by hand stays manual
    sell(staff, shop, c, shop.dress_code, shift=world["shift"], clock=clock)
    rebuild_auto_interests(1, clock=clock)
    add_interest(c, world["dresses"], by=staff["senior_cashier"], clock=clock)
    add_interest(c, world["dresses"], by=staff["senior_cashier"], clock=clock)  # no-op
    assert pairs() == {(c.id, world["care"].id, "manual"), (c.id, world["dresses"].id, "manual")}
    assert AuditEntry.select().where(AuditEntry.action == "customer.interest.add").count() == 2
    assert remove_interest(c, world["care"], by=staff["senior_cashier"], clock=clock) is True
    assert remove_interest(c, world["care"], by=staff["senior_cashier"], clock=clock) is False
    assert pairs() == {(c.id, world["dresses"].id, "manual")}


def test_manual_interests_need_edit_permission_and_an_active_card(db, staff, clock, world) -> None:
    c = card(staff, clock, "Оксана", "0671111111")
    with pytest.raises(PermissionDenied):
        add_interest(c, world["care"], by=staff["cashier"], clock=clock)
    with pytest.raises(ValidationError, match="product group does not exist"):
        add_interest(c, 999999, by=staff["manager"], clock=clock)
    clean_card(c, by=staff["manager"], clock=clock)
    with pytest.raises(ValidationError, match="not active"):
        add_interest(c, world["care"], by=staff["manager"], clock=clock)


def test_customers_with_interest_pages_by_id_and_covers_subgroups(db, staff, clock, world) -> None:
    people = [card(staff, clock, f"Покупець {i}", f"067111111{i}") for i in range(5)]
    for person in people[:4]:
        add_interest(person, world["dresses"], by=staff["manager"], clock=clock)
    add_interest(people[4], world["clothes"], by=staff["manager"], clock=clock)
    add_interest(people[0], world["clothes"], by=staff["manager"], clock=clock)  # counted once
    clean_card(people[3], by=staff["manager"], clock=clock)  # no longer a customer to mail
    seen, after = [], None
    while page := customers_with_interest(world["clothes"].id, after_id=after, limit=2):
        seen += [c.id for c in page]
        after = page[-1].id
    assert seen == [people[i].id for i in (0, 1, 2, 4)]
    only = customers_with_interest(world["clothes"].id, subgroups=False)
    assert [c.id for c in only] == [people[0].id, people[4].id]
    assert customers_with_interest(world["care"].id) == []


def test_rebuild_matches_receipts(db, staff, shop, clock, world) -> None:
    a = card(staff, clock, "Андрій", "0671111111")
    b = card(staff, clock, "Богдана", "0502222222")
    for _ in range(3):
        sell(staff, shop, a, shop.cream_code, shift=world["shift"], clock=clock)
    sell(staff, shop, a, shop.dress_code, shift=world["shift"], clock=clock)
    sell(staff, shop, b, shop.dress_code, shop.cream_code, shift=world["shift"], clock=clock)
    sell(staff, shop, b, shop.dress_code, shift=world["shift"], clock=clock)
    add_interest(b, world["care"], by=staff["manager"], clock=clock)
    assert rebuild_auto_interests(2, clock=clock) == (2, 0)
    assert pairs() == {
        (a.id, world["care"].id, "auto"),
        (b.id, world["dresses"].id, "auto"),
        (b.id, world["care"].id, "manual"),
    }
    created = CustomerInterest.get(CustomerInterest.customer == a.id).created_at
    assert created == clock()
    clock.advance(days=1)
    assert rebuild_auto_interests(2, clock=clock) == (0, 0)  # nothing changed, dates kept
    assert CustomerInterest.get(CustomerInterest.customer == a.id).created_at == created
    assert rebuild_auto_interests(3, clock=clock) == (0, 1)  # b bought dresses only twice
    assert pairs() == {(a.id, world["care"].id, "auto"), (b.id, world["care"].id, "manual")}
    assert rebuild_auto_interests(0, clock=clock) == (0, 1)
    assert pairs() == {(b.id, world["care"].id, "manual")}
    with pytest.raises(ValidationError):
        rebuild_auto_interests(-1, clock=clock)
