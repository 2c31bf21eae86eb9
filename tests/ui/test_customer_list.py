"""The Customers area: a keyset-paged list (name order, pages, End), search as you type,
sorts, filters, the simplified mode, masked phones and the keys that open cards."""

from __future__ import annotations

import datetime as dt

import pytest
from textual.app import ComposeResult
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen
from textual.widgets import Label

from torgtui import db
from torgtui.app import TorgApp
from torgtui.clock import FixedClock
from torgtui.customers import listing
from torgtui.customers.service import CardData, create_customer, reindex_all
from torgtui.customers.words import prefix_bounds
from torgtui.demodata import FEMALE_NAMES, MALE_NAMES, SURNAMES
from torgtui.models import Customer, CustomerPhone
from torgtui.screens.areas import area_by_id
from torgtui.screens.customer_filters import FiltersScreen
from torgtui.screens.customers import SEARCH_DELAY, CustomerListScreen
from torgtui.widgets.paged_list import PagedList

from .helpers import log_in, make_settings, settle

COUNT = 300
COLUMNS = [
    "name",
    "phone",
    "card",
    "email",
    "birth_date",
    "gender",
    "note",
    "created_at",
    "last_visit",
    "total_bought",
    "receipts_count",
    "status",
    "language",
    "attention_note",
    "social",
    "attention",
    "total_returned",
]


@pytest.fixture
def customers(sqlite_db, ui_staff) -> list[Customer]:
    """300 cards (one "Шевченко Тарас", one "Smith John"), every 37th needing attention."""
    now = dt.datetime(2026, 11, 1, 12, 0)
    rows = []
    for i in range(COUNT):
        male_s, female_s = SURNAMES[i % len(SURNAMES)]
        female = i % 3 != 0
        first = (FEMALE_NAMES if female else MALE_NAMES)[i % 7]
        name = f"{female_s if female else male_s} {first}"
        if i == 150:
            name = "Шевченко Тарас"
        elif i == 151:
            name = "Smith John"
        rows.append(
            (
                name,
                f"+38067{i:07d}",
                f"29000{i:08d}",
                "",
                dt.date(1980, 1 + i % 12, 1 + i % 28),
                "f" if female else "m",
                "",
                str(now),
                str(now - dt.timedelta(days=i)) if i % 4 else None,
                (i * 7919) % 100_000 * 100,
                i % 9,
                "active",
                "",
                "",
                "",
                i % 37 == 0,
                0,
            )
        )
    with db.write_tx():
        db.insert_rows("customer", COLUMNS, rows)
    reindex_all()
    return list(Customer.select().order_by(Customer.name_sort, Customer.id))


async def wait_list(pilot: Pilot) -> PagedList:
    """Let the list's page reads finish and reach the screen."""
    paged = pilot.app.screen.query_one(PagedList)
    for _round in range(50):
        await settle(pilot)
        if not paged.busy:
            break
    return paged


def visible(paged: PagedList) -> list[str]:
    return [row.name for row in paged.rows[paged.top : paged.top + paged.height]]


def line(paged: PagedList, y: int) -> str:
    return paged.render_line(y).text


async def open_list(pilot: Pilot, name: str = "Olena Owner", pin: str = "1111") -> PagedList:
    await log_in(pilot, name, pin)
    await pilot.press("2")
    paged = await wait_list(pilot)
    assert isinstance(pilot.app.screen, CustomerListScreen)
    return paged


async def test_pages_down_up_end_and_home_in_name_order(settings, customers, clock: FixedClock):
    names = [c.name for c in customers]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        paged = await open_list(pilot)
        height = paged.height
        assert height >= 15
        assert visible(paged) == names[:height]
        assert paged.cursor_row.name == names[0]
        assert names[0] in line(paged, 0)
        for page in (1, 2, 3):
            await pilot.press("pagedown")
            paged = await wait_list(pilot)
            assert visible(paged) == names[page * height : (page + 1) * height]
        assert paged.cursor_row.name == names[3 * height]
        for page in (2, 1, 0):
            await pilot.press("pageup")
            paged = await wait_list(pilot)
            assert visible(paged) == names[page * height : (page + 1) * height]
        assert paged.cursor_row.name == names[0]
        await pilot.press("enter")  # from the search box to the list
        assert app.focused is paged
        await pilot.press("end")
        paged = await wait_list(pilot)
        assert visible(paged) == names[-height:]
        assert paged.cursor_row.name == names[-1]
        assert len(paged.rows) < COUNT  # a window, not the table
        await pilot.press("pageup")
        paged = await wait_list(pilot)
        assert visible(paged) == names[-2 * height : -height]
        await pilot.press("home")
        paged = await wait_list(pilot)
        assert visible(paged) == names[:height]
        for _step in range(height + 2):  # down past the screen scrolls a row at a time
            await pilot.press("down")
        paged = await wait_list(pilot)
        assert paged.cursor_row.name == names[height + 2]
        assert visible(paged) == names[3 : height + 3]


async def test_long_paging_keeps_a_small_window(settings, customers, clock: FixedClock):
    names = [c.name for c in customers]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        paged = await open_list(pilot)
        height = paged.height
        pages = COUNT // height
        for _page in range(pages):
            await pilot.press("pagedown")
            paged = await wait_list(pilot)
            assert len(paged.rows) <= (paged.max_pages + 1) * paged.limit
        assert visible(paged) == names[-height:]
        for _page in range(pages):
            await pilot.press("pageup")
            paged = await wait_list(pilot)
        assert visible(paged) == names[:height]


async def test_search_as_you_type_in_both_alphabets(settings, customers, clock: FixedClock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        paged = await open_list(pilot)
        await pilot.press(*"Шевч")
        await pilot.pause(SEARCH_DELAY + 0.1)
        paged = await wait_list(pilot)
        assert "Шевченко Тарас" in [row.name for row in paged.rows]
        assert all("шевч" in row.name.lower() for row in paged.rows)
        await pilot.press(*" тар")
        await pilot.pause(SEARCH_DELAY + 0.1)
        paged = await wait_list(pilot)
        assert [row.name for row in paged.rows] == ["Шевченко Тарас"]
        await pilot.press("ctrl+u", *"shevchenko")  # Latin letters find the Cyrillic name
        await pilot.pause(SEARCH_DELAY + 0.1)
        paged = await wait_list(pilot)
        assert "Шевченко Тарас" in [row.name for row in paged.rows]
        await pilot.press("ctrl+u", *"smi", "enter")  # Enter searches at once
        paged = await wait_list(pilot)
        assert [row.name for row in paged.rows] == ["Smith John"]
        assert app.focused is paged
        await pilot.press("tab")  # back to the search box (the focus cycles)
        app.screen.query_one("#customers-search").focus()
        await pilot.press("ctrl+u", *"zzqq", "enter")
        paged = await wait_list(pilot)
        assert paged.rows == []
        assert "Nobody found for 'zzqq'" in line(paged, 0)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CustomerListScreen)


async def test_sort_by_total_bought_and_attention_filter(settings, customers, clock: FixedClock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        paged = await open_list(pilot)
        await pilot.press("f2")
        paged = await wait_list(pilot)
        by_visit = list(
            Customer.select()
            .where(Customer.last_visit.is_null(False))
            .order_by(Customer.last_visit.desc(), Customer.id.desc())
        )
        assert paged.cursor_row.id == by_visit[0].id
        await pilot.press("f2")
        paged = await wait_list(pilot)
        largest = max(customers, key=lambda c: (c.total_bought, c.id))
        assert paged.rows[0].id == largest.id
        totals = [row.total_bought for row in paged.rows[: paged.height]]
        assert totals == sorted(totals, reverse=True)
        assert "total bought" in str(app.screen.query_one("#customers-info", Label).content)
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, FiltersScreen)
        await pilot.press("tab", "tab", "tab", "tab", "tab")  # to "Needs attention"
        await pilot.press("space", "enter")
        paged = await wait_list(pilot)
        assert isinstance(app.screen, CustomerListScreen)
        attention = [c for c in customers if c.attention]
        assert len(attention) == 9
        assert sorted(row.id for row in paged.rows) == sorted(c.id for c in attention)
        assert all(line(paged, y).lstrip(" *").startswith("!") for y in range(9))
        assert "attention" in str(app.screen.query_one("#customers-info", Label).content)


async def test_simplified_mode_hides_the_totals(tmp_path, sqlite_db, customers, clock):
    settings = make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{"store.register": "till-1", "ui.simplified_customer_list": True},
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        paged = await open_list(pilot)
        header = str(app.screen.query_one("#customers-header", Label).content)
        assert "Phone" in header and "Card" in header
        assert "Bought" not in header and "Last visit" not in header
        first = paged.rows[0]
        text = line(paged, 0)
        assert first.name in text and first.card in text
        assert "." not in text.replace(first.name, "")  # no money, no dates
        await pilot.press("f2")  # no other order in the simplified list
        paged = await wait_list(pilot)
        assert app.screen.sort == "name"


@pytest.mark.parametrize(
    ("who", "pin", "masked"),
    [("Kateryna Cashier", "3333", True), ("Maria Manager", "2222", False)],
)
async def test_phones_are_masked_for_cashiers(settings, customers, clock, who, pin, masked):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        paged = await open_list(pilot, who, pin)
        phone = paged.rows[0].phone
        text = line(paged, 0)
        if masked:
            assert f"{phone[:6]} *** ** {phone[-2:]}" in text
            assert phone[6:11] not in text.replace(paged.rows[0].card, "")
        else:
            assert f"+380 67 {phone[6:9]} {phone[9:]}" in text


class CardStub(ModalScreen[int | None]):
    """Stands in for the card screen: remembers which card it was asked to open."""

    def __init__(self, customer_id: int | None) -> None:
        super().__init__()
        self.customer_id = customer_id

    def compose(self) -> ComposeResult:
        yield Label(f"card {self.customer_id}")


class MergeStub(ModalScreen[int | None]):
    def __init__(self, customer_ids: list[int]) -> None:
        super().__init__()
        self.customer_ids = customer_ids

    def compose(self) -> ComposeResult:
        yield Label("merge")


class StubbedList(CustomerListScreen):
    def card_screen(self, customer_id: int | None) -> Screen:
        return CardStub(customer_id)

    def merge_screen(self, customer_ids: list[int]) -> Screen:
        return MergeStub(customer_ids)


async def test_enter_insert_mark_and_merge_open_their_screens(settings, customers, clock):
    names = [c.name for c in customers]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        await app.push_screen(StubbedList(area_by_id("customers")))
        paged = await wait_list(pilot)
        await pilot.press("pagedown", "down", "down")
        paged = await wait_list(pilot)
        await pilot.press("enter", "enter")  # to the list, then open the card under the cursor
        await pilot.pause()
        card = app.screen
        assert isinstance(card, CardStub)
        assert card.customer_id == customers[paged.height + 2].id
        card.dismiss(card.customer_id)  # saved: the list reads its window again
        paged = await wait_list(pilot)
        assert paged.cursor_row.name == names[paged.height + 2]
        await pilot.press("insert")
        await pilot.pause()
        assert isinstance(app.screen, CardStub) and app.screen.customer_id is None
        app.screen.dismiss(None)
        await pilot.pause()
        await pilot.press("f8")  # nothing marked: says how
        await pilot.pause()
        assert "Mark two or more" in str(app.screen.query_one("#customers-message", Label).content)
        await pilot.press("space", "space")  # marks the row and steps down
        await pilot.pause()
        first, second = customers[paged.height + 2].id, customers[paged.height + 3].id
        assert list(paged.marked) == [first, second]
        assert line(paged, paged.cursor - paged.top - 1).startswith("*")
        assert "Marked: 2" in str(app.screen.query_one("#customers-info", Label).content)
        await pilot.press("f8")
        await pilot.pause()
        merge = app.screen
        assert isinstance(merge, MergeStub)
        assert merge.customer_ids == [first, second]
        merge.dismiss(first)
        paged = await wait_list(pilot)
        assert paged.marked == {}


async def test_enter_opens_the_real_card_screen(settings, customers, clock):
    from torgtui.screens.customer_card import CustomerCardScreen

    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        paged = await open_list(pilot)
        await pilot.press("down", "enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerCardScreen)
        assert app.screen.customer_id == customers[1].id == paged.cursor_row.id


@pytest.mark.parametrize("sort", ["name", "last_visit", "total_bought"])
def test_last_page_is_the_tail_of_every_order(db, staff, sort):
    """End reads one page before ``end_key``: the same rows as paging to the end would give."""
    from torgtui.customers import listing
    from torgtui.customers.listing import Filters
    from torgtui.screens.customers import end_key, list_loader
    from torgtui.widgets.paged_list import PageRequest

    today = dt.date(2026, 11, 22)
    with db.atomic():
        for i in range(23):
            Customer.create(
                name=f"Клієнт {i % 5} {i}",
                name_sort=f"клієнт {i % 5} {i}",
                created_at=dt.datetime(2026, 1, 1),
                last_visit=dt.datetime(2026, 1, 1 + i % 3) if i % 4 else None,
                total_bought=(i % 6) * 100,
            )
    everything, after = [], None
    while True:
        page = listing.list_page(sort=sort, after=after, limit=4, today=today)
        everything += [row.id for row in page.rows]
        if page.next is None:
            break
        after = page.next
    assert len(everything) == 23
    last = list_loader(sort, Filters(), today)(PageRequest("last", limit=5))
    assert [row.id for row in last.rows] == everything[-5:]
    assert end_key(sort, Filters(attention=True), today) is None


async def test_search_by_the_digits_cashiers_type(settings, ui_staff, clock: FixedClock):
    """A phone's beginning in local or international form, or its last digits: each one range
    of an index. A run from the middle of a number is not looked for (it would be a scan)."""
    owner = ui_staff["owner"]
    olha = create_customer(CardData(name="Olha Kravets", phones=["0509891234"]), by=owner)
    ivan = create_customer(CardData(name="Ivan Sirko", phones=["0671117693"]), by=owner)
    create_customer(CardData(name="Petro Bilyi", phones=["0935550000"]), by=owner)
    today = clock().date()

    def found(text: str) -> list[int]:
        return [row.id for row in listing.search(text, today=today).rows]

    for text in ("050989", "050 989", "(050) 98", "38050989", "+380 50 989", "80509891"):
        assert found(text) == [olha.id], text
    assert found("7693") == [ivan.id]
    assert found("1234") == [olha.id]
    assert found("0509891234") == [olha.id]
    assert found("0989") == []  # the middle of a number: refused by design, no LIKE scan
    low, high = prefix_bounds("3967")  # the range number_matches reads for "7693"
    tail = CustomerPhone.select(CustomerPhone.customer).where(
        (CustomerPhone.tail >= low) & (CustomerPhone.tail < high)
    )
    sql, params = tail.sql()
    plan = " ".join(str(r) for r in db.database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "customer_phone_number_tail" in plan
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_list(pilot)
        await pilot.press(*"7693")
        await pilot.pause(SEARCH_DELAY + 0.1)
        paged = await wait_list(pilot)
        assert [row.name for row in paged.rows] == ["Ivan Sirko"]
