"""The customer card and list: phones, duplicates, permissions, search in both alphabets,
keyset pages with sorts and filters, and the totals kept with each receipt."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from torgtui.customers import listing
from torgtui.customers.phones import mask_phone, normalize_phone
from torgtui.customers.service import (
    CardData,
    DuplicateCustomer,
    FamilyData,
    create_customer,
    find_by_phone_or_card,
    recompute_totals,
    reindex_all,
    shown_phone,
    update_customer,
)
from torgtui.customers.words import name_words, sort_key
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.models import AuditEntry, Customer, CustomerInterest, CustomerWord, ProductGroup

TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("067 123 45 67", "+380671234567"),
        ("+38 (050) 123-45-67", "+380501234567"),
        ("380931234567", "+380931234567"),
        ("0931234567", "+380931234567"),
    ],
)
def test_phone_normalisation(text: str, e164: str) -> None:
    assert normalize_phone(text) == e164


@pytest.mark.parametrize("text", ["", "12345", "067 123", "abc", "+380 00 000 00 00"])
def test_malformed_phones(text: str) -> None:
    with pytest.raises(ValidationError, match="phone number"):
        normalize_phone(text)


def test_names_sort_in_ukrainian_alphabet_order() -> None:
    names = [
        "Ящук",
        "Біла",
        "Бондар",
        "Євтушенко",
        "Ґудзь",
        "Іваненко",
        "Їжак",
        "Гнатюк",
        "Жук",
        "Шевчук",
        "Abramov",
        "Єрмак",
    ]
    expected = [
        "Abramov",
        "Біла",
        "Бондар",
        "Гнатюк",
        "Ґудзь",
        "Євтушенко",
        "Єрмак",
        "Жук",
        "Іваненко",
        "Їжак",
        "Шевчук",
        "Ящук",
    ]
    assert sorted(names, key=sort_key) == expected


def test_words_in_both_alphabets() -> None:
    words = name_words("Шевченко Юлія")
    assert {"шевченко", "shevchenko", "юлія", "yuliia"} <= words
    assert mask_phone("+380671234567") == "+38067 *** ** 67"


@pytest.fixture
def manager(staff):
    return staff["manager"]


def card(name: str, *phones: str, **kw) -> CardData:
    return CardData(name=name, phones=list(phones), **kw)


def test_create_and_find(db, staff, clock) -> None:
    c = create_customer(
        card(
            "Олена Петренко",
            "067 123 45 67",
            "050 765 43 21",
            card="2900000000018",
            birth_date=dt.date(1990, 3, 8),
            gender="f",
            family=[FamilyData("child", "Марко", dt.date(2019, 5, 1), "m")],
        ),
        by=staff["cashier"],
        clock=clock,
    )
    assert (c.phone, c.card, c.birth_md, c.name_sort) == (
        "+380671234567",
        "2900000000018",
        308,
        sort_key("Олена  Петренко"),
    )
    assert find_by_phone_or_card("0507654321").id == c.id
    assert find_by_phone_or_card("2900000000018").id == c.id
    assert find_by_phone_or_card("0991112233") is None
    assert {w.word for w in CustomerWord.select()} >= {"олена", "olena", "петренко", "petrenko"}
    assert AuditEntry.get(AuditEntry.action == "customer.create").object_id == str(c.id)


def test_duplicates_warn_and_offer_the_card(db, staff, clock) -> None:
    first = create_customer(card("Іван Бондар", "0671234567"), by=staff["cashier"], clock=clock)
    with pytest.raises(DuplicateCustomer, match="already belongs to Іван Бондар") as err:
        create_customer(card("Іван Б.", "+380671234567"), by=staff["cashier"], clock=clock)
    assert [c.id for c in err.value.existing] == [first.id]
    second = create_customer(
        card("Петро", "0501112233", card="C22"), by=staff["cashier"], clock=clock
    )
    with pytest.raises(DuplicateCustomer):
        update_customer(
            second, card("Петро", "0501112233", "0671234567"), by=staff["manager"], clock=clock
        )
    with pytest.raises(DuplicateCustomer):
        create_customer(card("X", card="C22"), by=staff["cashier"], clock=clock)
    assert Customer.select().count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (card(""), "needs a name"),
        (card("A", "12"), "phone number"),
        (card("A", birth_date=dt.date(2030, 1, 1)), "not a possible birth date"),
        (card("A", birth_date=dt.date(1850, 1, 1)), "not a possible birth date"),
        (card("A", email="nope"), "not an address"),
        (card("A", card="bad card!"), "letters or digits"),
        (card("A", family=[FamilyData("cousin", "B")]), "relation"),
        (card("x" * 201), "200"),
    ],
)
def test_bad_cards(db, staff, clock, data: CardData, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        create_customer(data, by=staff["cashier"], clock=clock)
    assert Customer.select().count() == 0


def test_roles(db, staff, clock) -> None:
    c = create_customer(card("Ганна", "0671234567"), by=staff["cashier"], clock=clock)
    with pytest.raises(PermissionDenied, match="may not edit customers"):
        update_customer(c, card("Ганна К."), by=staff["cashier"], clock=clock)
    with pytest.raises(PermissionDenied, match="may not add customers"):
        create_customer(card("Z"), by=staff["support"], clock=clock)
    assert shown_phone(c.phone, staff["cashier"]) == "+38067 *** ** 67"
    assert shown_phone(c.phone, staff["senior_cashier"]) == "+380671234567"
    update_customer(c, card("Ганна Коваль", "0671234567"), by=staff["senior_cashier"], clock=clock)
    assert Customer.get_by_id(c.id).name == "Ганна Коваль"
    entry = AuditEntry.get(AuditEntry.action == "customer.update")
    assert "Ганна" not in entry.before and "Ганна" not in entry.after  # no personal data
    assert json.loads(entry.after)["changed"] == ["name"]


@pytest.fixture
def crowd(db, staff, clock):
    """40 cards with names, visits, totals, birthdays and children spread out."""
    group = ProductGroup.create(name="Іграшки", path="Іграшки")
    people = []
    for i in range(40):
        c = create_customer(
            card(
                f"{'Бондар' if i % 2 else 'Коваль'} {i:02d} {'Олена' if i % 3 else 'Ігор'}",
                f"067{1000000 + i:07d}",
                birth_date=dt.date(1980 + i % 20, 1 + i % 12, 1 + i % 28),
                family=[FamilyData("child", "Дитина", dt.date(2026 - i % 15, 6, 1))],
                attention=i % 10 == 0,
            ),
            by=staff["cashier"],
            clock=clock,
        )
        visit = None if i % 4 == 0 else dt.datetime(2026, 11, 1) - dt.timedelta(days=i)
        Customer.update(total_bought=i * 1000 % 7000, last_visit=visit).where(
            Customer.id == c.id
        ).execute()
        if i % 5 == 0:
            CustomerInterest.create(customer=c, group=group, source="manual", created_at=clock())
        people.append(c.id)
    return people, group


def walk(sort: str, limit: int = 7, **kw) -> list[int]:
    seen, key = [], None
    while True:
        page = listing.list_page(sort=sort, after=key, limit=limit, today=TODAY, **kw)
        seen += [r.id for r in page.rows]
        if page.next is None:
            return seen
        key = page.next


@pytest.mark.parametrize("sort", listing.SORTS)
def test_keyset_pages_cover_every_card_once(crowd, sort: str) -> None:
    people, _g = crowd
    ids = walk(sort)
    assert sorted(ids) == sorted(people)
    rows = {c.id: c for c in Customer.select()}
    if sort == "name":
        assert [rows[i].name_sort for i in ids] == sorted(rows[i].name_sort for i in ids)
    if sort == "total_bought":
        totals = [rows[i].total_bought for i in ids]
        assert totals == sorted(totals, reverse=True)
    if sort == "last_visit":
        visits = [rows[i].last_visit for i in ids]
        dated = [v for v in visits if v is not None]
        assert dated == sorted(dated, reverse=True) and visits[len(dated) :] == [None] * 10


def test_page_up_returns_the_previous_page(crowd) -> None:
    first = listing.list_page(limit=10, today=TODAY)
    second = listing.list_page(after=first.next, limit=10, today=TODAY)
    back = listing.list_page(before=second.prev, limit=10, today=TODAY)
    assert [r.id for r in back.rows] == [r.id for r in first.rows]


def test_filters(crowd) -> None:
    people, group = crowd
    f = listing.Filters

    def by(**kw):
        return {
            r.id
            for r in listing.list_page(
                filters=f(**kw),
                limit=100,
                today=TODAY,
            ).rows
        }

    rows = {c.id: c for c in Customer.select()}
    assert by(birthday_this_month=True) == {i for i in people if rows[i].birth_date.month == 11}
    soon = by(birthday_within_days=10)
    assert soon == {
        i for i in people if (rows[i].birth_date.replace(year=2026) - TODAY).days in range(0, 11)
    }
    assert by(attention=True) == {people[0], people[10], people[20], people[30]}
    assert by(interest_group_id=group.id) == {people[i] for i in range(0, 40, 5)}
    kids = by(children_age=(3, 5))
    from torgtui.models import FamilyMember

    exact = set()
    for m in FamilyMember.select():
        age = (
            TODAY.year
            - m.birth_date.year
            - ((TODAY.month, TODAY.day) < (m.birth_date.month, m.birth_date.day))
        )
        if 3 <= age <= 5:
            exact.add(m.customer_id)
    assert kids == exact
    stale = by(not_bought_days=25)
    assert stale == {
        i
        for i in people
        if rows[i].last_visit is not None and rows[i].last_visit < dt.datetime(2026, 10, 28)
    }


def test_search_as_you_type(crowd) -> None:
    people, _g = crowd
    names = {c.id: c.name for c in Customer.select()}
    hits = listing.search("бонд", limit=100, today=TODAY).rows
    assert {r.id for r in hits} == {i for i in people if names[i].startswith("Бондар")}
    latin = listing.search("BOND", limit=100, today=TODAY).rows
    assert {r.id for r in latin} == {r.id for r in hits}
    both = listing.search("коваль ігор", limit=100, today=TODAY).rows
    assert {r.id for r in both} == {
        i for i in people if names[i].startswith("Коваль") and "Ігор" in names[i]
    }
    assert [r.id for r in listing.search("067 100 00 07", today=TODAY).rows] == [people[7]]
    page1 = listing.search("о", limit=5, today=TODAY)
    page2 = listing.search("о", limit=5, after=(page1.next.value, page1.next.id), today=TODAY)
    assert not {r.id for r in page1.rows} & {r.id for r in page2.rows}


def test_totals_follow_receipts(db, staff, shop, clock) -> None:
    from torgtui.sales.checkout import Tender, commit_sale
    from torgtui.sales.register import Register
    from torgtui.sales.returns import commit_return
    from torgtui.sales.shifts import open_shift

    c = create_customer(card("Покупець", "0671234567"), by=staff["cashier"], clock=clock)
    shift = open_shift(staff["cashier"], "t", shop.location, 0, clock=clock)
    reg = Register(staff["cashier"], register="t", clock=clock)
    reg.scan(shop.cream_code)
    reg.attach_customer(c)
    sale = commit_sale(
        reg.priced(),
        [Tender("card", 18990)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    line = sale.lines.get()
    commit_return(
        sale,
        {line.id: 1000},
        uuid="0b5e4c1e-3f1a-4b7e-8d2c-5a9f1e2d3c4b",
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    row = Customer.get_by_id(c.id)
    assert (row.total_bought, row.total_returned, row.receipts_count) == (18990, 18990, 1)
    assert row.last_visit == clock()
    Customer.update(total_bought=0, receipts_count=0, last_visit=None).execute()
    assert recompute_totals([c.id]) == 1
    row = Customer.get_by_id(c.id)
    assert (row.total_bought, row.receipts_count, row.last_visit) == (18990, 1, clock())


def test_reindex_all_after_bulk_insert(db, clock) -> None:
    Customer.insert_many(
        [
            {
                "name": f"Тарас {i}",
                "phone": f"+38067100000{i}",
                "birth_date": dt.date(1990, 1, 1 + i),
                "created_at": clock(),
            }
            for i in range(5)
        ]
    ).execute()
    assert reindex_all(batch=2) == 5
    assert {r.id for r in listing.search("taras", today=TODAY).rows} == {
        c.id for c in Customer.select()
    }
    assert find_by_phone_or_card("0671000003").name == "Тарас 3"
    assert Customer.get(Customer.name == "Тарас 2").birth_md == 103


def test_average_check_uses_the_rounding_rule(db, staff, clock) -> None:
    from torgtui.customers.service import average_check

    c = create_customer(card("Середній"), by=staff["cashier"], clock=clock)
    assert average_check(c) == 0
    c.total_bought, c.receipts_count = 1000, 3  # 333.33... kopecks
    assert average_check(c) == 333
    c.total_bought = 1001  # 333.67
    assert average_check(c) == 334
