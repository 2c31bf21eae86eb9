"""The Invoices area by keyboard at 80x24 (key I): a new invoice with the code field (two dresses
and the customer's card), the delivery address picked from the card's history, issued to be
paid later; then from the invoice's screen a bank-transfer payment, the Nova Poshta waybill
(against the fake on 127.0.0.1) and the PDF. One Pilot test: the services are tested in
test_invoices*.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
import pytest
from textual.widgets import Input, Select

from tests.channels.fake_novaposhta import KYIV_REF, FakeNovaPoshta
from tests.ui.helpers import log_in, make_settings, settle
from tests.ui.snapshots import find_cuts
from torgtui import staff as st
from torgtui.app import TorgApp
from torgtui.catalog.barcodes import make_ean13
from torgtui.customers.delivery import add_address
from torgtui.marketing import invoices, vip
from torgtui.models import Barcode, Customer, Employee, Location, Product
from torgtui.models.invoices import Invoice
from torgtui.sales.shifts import open_shift
from torgtui.screens.invoices import InvoiceFormScreen, InvoicesScreen
from torgtui.screens.invoices_card import InvoiceScreen
from torgtui.screens.office_dialogs import FormDialog

NOW = dt.datetime(2026, 11, 22, 10, 0)


@pytest.fixture
def people(sqlite_db: peewee.Database, clock) -> dict[str, Employee]:
    return {
        role.value: st.create_employee(name, role, pin, by=None, system=True, clock=clock)
        for name, role, pin in [
            ("Maria Manager", st.Role.MANAGER, "2222"),
            ("Kateryna Cashier", st.Role.CASHIER, "3333"),
        ]
    }


async def type_code(pilot, code: str) -> None:
    pilot.app.screen.query_one("#invoice-code", Input).value = code
    await pilot.press("enter")
    await settle(pilot)


async def test_an_invoice_by_keyboard(people, clock, tmp_path: Path, sqlite_db) -> None:
    fake = FakeNovaPoshta(api_key="np-key").start()
    settings = make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{
            "store.register": "till-1",
            "customers.novaposhta_url": fake.url,
            "customers.novaposhta_key": "np-key",
        },
    )
    # the shop's Nova Poshta sender (the settings file has no such keys yet: see docs)
    for name, value in {
        "sender": "11111111-2222-3333-4444-555555555555",
        "contact": "66666666-7777-8888-9999-000000000000",
        "city": KYIV_REF,
        "address": "00000000-0000-0000-0000-000000000001",
        "phone": "380441234567",
    }.items():
        object.__setattr__(settings.customers, f"novaposhta_{name}", value)
    loc = Location.create(code="MAIN", name="Квітка")
    dress = Product.create(
        sku="D-1", name="Сукня літня", price=125000, cost=60000, created_at=NOW, updated_at=NOW
    )
    Barcode.create(code=make_ean13("21", 1), product=dress)
    buyer = Customer.create(name="ТОВ Опт", card="2900000000013", created_at=NOW, updated_at=NOW)
    vip.set_vip(buyer.id, "credit", limit=1_000_000, term_days=14, by=people["manager"])
    add_address(
        buyer,
        "nova_poshta",
        city="Львів",
        branch="15",
        recipient="Коваль Іван",
        phone="0671234567",
        by=people["manager"],
        clock=clock,
    )
    open_shift(people["cashier"], "till-1", loc, 0, clock=clock)
    app = TorgApp(settings, clock=clock)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await log_in(pilot, "Kateryna Cashier", "3333")
            await pilot.press("i")
            await settle(pilot)
            assert isinstance(app.screen, InvoicesScreen)
            assert "No invoices yet" in app.screen.query_one("#invoices").empty_text
            await pilot.press("f2")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, InvoiceFormScreen)
            await type_code(pilot, "2*" + make_ean13("21", 1))
            await type_code(pilot, "2900000000013")  # the customer's card
            assert "Customer: ТОВ Опт" in str(form.query_one("#invoice-title").content)
            assert "total 2\u202f500.00" in str(form.query_one("#invoice-total").content)
            assert find_cuts(app) == []  # the form and its keys fit 80x24
            await pilot.press("f4")
            await settle(pilot)
            assert isinstance(app.screen, FormDialog)
            await pilot.press("f2")  # the address used last is offered first
            await settle(pilot)
            assert "Львів, 15" in str(form.query_one("#invoice-address").content)
            await pilot.press("f2")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, FormDialog)
            assert dialog.query_one("#form-how", Select).value == "later"
            await pilot.press("f2")
            await settle(pilot)
            assert isinstance(app.screen, InvoiceScreen)
            assert find_cuts(app) == []
            inv = Invoice.get()
            assert (invoices.label(inv), inv.total, inv.city, invoices.owed(inv)) == (
                "2026-00001",
                250000,
                "Львів",
                250000,
            )
            # a bank transfer of 1 000.00
            await pilot.press("f5")
            await settle(pilot)
            app.screen.query_one("#form-amount", Input).value = "1000"
            await pilot.press("f2")
            await settle(pilot)
            assert "still owed 1\u202f500.00" in app.screen.message
            assert invoices.owed(inv) == 150000
            # the waybill through the fake Nova Poshta
            await pilot.press("f6")
            await settle(pilot)
            app.screen.query_one("#form-weight", Input).value = "2.5"
            await pilot.press("f2")
            await settle(pilot)
            assert "Waybill 59000000000001 made." in app.screen.message
            [call] = fake.calls("save")
            assert call["methodProperties"]["Weight"] == "2.5"
            assert Invoice.get_by_id(inv.id).waybill == "59000000000001"
            # the PDF
            await pilot.press("f7")
            await settle(pilot)
            target = tmp_path / "inv.pdf"
            app.screen.query_one("#form-path", Input).value = str(target)
            await pilot.press("f2")
            await settle(pilot)
            assert target.read_bytes().startswith(b"%PDF")
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, InvoicesScreen)
            assert find_cuts(app) == []
    finally:
        fake.stop()
