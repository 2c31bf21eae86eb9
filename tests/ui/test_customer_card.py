"""The customer card driven by keys at 80x24: create, validation messages, duplicates, edit,
family, purchase history, contacts, masked phones for a cashier."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Label

from torgtui.app import TorgApp
from torgtui.customers.service import CardData, create_customer
from torgtui.models import Contact, Customer, CustomerPhone, FamilyMember, Location, Product
from torgtui.sales.basket import Basket
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import line_from_product
from torgtui.sales.shifts import open_shift
from torgtui.screens.customer_card import CustomerCardScreen
from torgtui.screens.sale_dialogs import PickScreen

from .helpers import log_in, settle


async def open_card(pilot, customer_id: int | None, who=("Olena Owner", "1111")):
    await log_in(pilot, *who)
    results: list[int | None] = []
    pilot.app.push_screen(CustomerCardScreen(customer_id), results.append)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CustomerCardScreen)
    return screen, results


async def type_into(pilot, screen, field: str, text: str) -> None:
    box = screen.query_one(f"#card-{field}", Input)
    box.focus()
    box.value = ""
    await pilot.press(*text)


def message(screen) -> str:
    return str(screen.query_one("#card-message", Label).content)


async def test_create_by_keys_and_refusals(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, results = await open_card(pilot, None)
        await pilot.press(*"Iryna Koval", "enter")  # Enter moves to the phones
        assert app.focused is screen.query_one("#card-phones", Input)
        await pilot.press(*"067 12")
        await pilot.press("f2")
        await settle(pilot)
        assert "is not a valid phone number" in message(screen)
        assert Customer.select().count() == 0
        await type_into(pilot, screen, "phones", "067 123 45 67")
        await type_into(pilot, screen, "birth", "31.02.1990")
        await pilot.press("f2")
        await settle(pilot)
        assert "not a date" in message(screen)
        await type_into(pilot, screen, "birth", "01.01.2030")
        await pilot.press("f2")
        await settle(pilot)
        assert "not a possible birth date" in message(screen)
        assert Customer.select().count() == 0
        await type_into(pilot, screen, "birth", "07.03.1990")
        await pilot.press("f2")
        await settle(pilot)
        assert message(screen) == "Saved."
        card = Customer.get()
        assert (card.name, card.phone, str(card.birth_date)) == (
            "Iryna Koval",
            "+380671234567",
            "1990-03-07",
        )
        # edit and save
        await type_into(pilot, screen, "email", "iryna@example.com")
        screen.query_one("#card-attention-flag").value = True
        await type_into(pilot, screen, "attention_note", "Pays by card only")
        await pilot.press("f2")
        await settle(pilot)
        card = Customer.get_by_id(card.id)
        assert (card.email, card.attention, card.attention_note) == (
            "iryna@example.com",
            True,
            "Pays by card only",
        )
        assert "ATTENTION" in str(screen.query_one("#card-attention", Label).content)
        await pilot.press("escape")
        await settle(pilot)
        assert results == [card.id]


async def test_duplicate_phone_offers_the_existing_card(settings, ui_staff, clock):
    first = create_customer(
        CardData(name="Taras Melnyk", phones=["0501112233"]), by=ui_staff["owner"], clock=clock
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _results = await open_card(pilot, None)
        await type_into(pilot, screen, "name", "T. Melnyk")
        await type_into(pilot, screen, "phones", "+380 50 111 22 33")
        await pilot.press("f2")
        await settle(pilot)
        # the owner may also save a second card on a family's phone: both are offered
        assert isinstance(app.screen, PickScreen)
        assert "Taras Melnyk" in app.screen.options[1][1]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen is screen and screen.customer_id == first.id
        assert screen.query_one("#card-name", Input).value == "Taras Melnyk"
        assert Customer.select().count() == 1


async def test_family_history_and_contacts(settings, ui_staff, clock):
    owner = ui_staff["owner"]
    card = create_customer(CardData(name="Oksana Bondar", phones=["0671234567"]), by=owner)
    loc = Location.create(code="MAIN", name="Kvitka")
    tea = Product.create(
        sku="T-1", name="Green tea", price=3500, cost=1000, created_at=clock(), updated_at=clock()
    )
    shift = open_shift(owner, "till-1", loc, 0, clock=clock, fiscal=False)
    basket = Basket(lines=[line_from_product(tea, 2000)], customer_id=card.id)
    receipt = commit_sale(
        basket,
        [Tender("cash", 7000)],
        uuid="5f0c2a1e-8b7d-4c3e-9a1f-2e6d7c8b9a01",
        employee=owner,
        shift=shift,
        cash_step=1,
        clock=clock,
        fiscal=False,
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _results = await open_card(pilot, card.id)
        await pilot.press("f4")  # family
        await settle(pilot)
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("backspace", *"child", "enter", *"Marko", "enter")
        await pilot.press(*"12.05.2019", "enter", "m", "enter")
        await pilot.pause()
        assert "press F2" in message(screen)
        await pilot.press("f2")
        await settle(pilot)
        member = FamilyMember.get()
        assert (member.customer_id, member.name, str(member.birth_date), member.gender) == (
            card.id,
            "Marko",
            "2019-05-12",
            "m",
        )
        await pilot.press("f4")  # history
        await settle(pilot)
        table = screen.query_one("#sec-history DataTable", DataTable)
        assert table.row_count == 1
        assert str(table.get_row_at(0)[1]) == str(receipt.number)
        hint = str(screen.query_one("#sec-history .section-hint", Label).content)
        assert "Bought 70.00" in hint and "1 receipts" in hint
        await pilot.press("f4")  # contacts
        await settle(pilot)
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("enter")  # a call
        await pilot.pause()
        await pilot.press("enter", *"Asked about delivery", "enter")
        await settle(pilot)
        contact = Contact.get()
        assert (contact.kind, contact.direction, contact.text) == (
            "call",
            "out",
            "Asked about delivery",
        )
        assert screen.query_one("#sec-contacts DataTable", DataTable).row_count == 1


async def test_cashier_sees_masked_phone(settings, ui_staff, clock):
    card = create_customer(
        CardData(name="Ivan Shevchenko", phones=["0671234567"]), by=ui_staff["owner"]
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _results = await open_card(pilot, card.id, ("Kateryna Cashier", "3333"))
        phones = screen.query_one("#card-phones", Input)
        assert phones.value == "+38067 *** ** 67" and phones.disabled
        assert "masked" in str(screen.query_one("#card-phones-note", Label).content)
        assert CustomerPhone.get().phone == "+380671234567"


async def test_attention_flag_on_the_sale_screen(tmp_path, ui_staff, clock):
    from torgtui.screens.sale import SaleScreen

    from .helpers import make_settings

    settings = make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{"store.register": "till-1", "devices.printer": "screen", "devices.fiscal": "none"},
    )
    open_shift(ui_staff["cashier"], "till-1", Location.create(code="M", name="M"), 0, clock=clock)
    create_customer(
        CardData(
            name="Petro Hnatiuk",
            phones=["0931234567"],
            card="C100",
            attention=True,
            attention_note="Argued about a return in May",
        ),
        by=ui_staff["owner"],
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Kateryna Cashier", "3333")
        await pilot.press("1")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SaleScreen)
        flag = screen.query_one("#sale-attention", Label)
        assert not flag.display
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press(*"093 123 45 67", "enter")
        await settle(pilot)
        assert flag.display and flag.region.height >= 1
        assert "ATTENTION Petro Hnatiuk: Argued about a return in May" in str(flag.content)
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press("enter")  # empty: no customer
        await settle(pilot)
        assert not flag.display
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press(*"C100", "enter")
        await settle(pilot)
        assert flag.display


async def test_card_from_ttn_when_nova_poshta_is_down(tmp_path, ui_staff, clock):
    from .helpers import make_settings

    settings = make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{"customers.novaposhta_url": "http://127.0.0.1:9/v2.0/json/"},
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, _results = await open_card(pilot, None)
        await pilot.press("alt+5")  # delivery
        await settle(pilot)
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press(*"20450000001234", "enter", *"0671234567", "enter")
        await settle(pilot)
        assert "Nova Poshta does not answer" in message(screen)
        assert Customer.select().count() == 0
