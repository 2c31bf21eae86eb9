"""An invoice's Nova Poshta waybill, against the fake Nova Poshta on 127.0.0.1 (real HTTP) and a
real database: the documented InternetDocument.save request, the number stored on the invoice,
one waybill per invoice, and what happens when the gateway is down or refuses (nothing lost,
a clear message, the next try works)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from torgtui.channels.novaposhta import (
    NovaPoshtaClient,
    NovaPoshtaError,
    NovaPoshtaUnavailable,
)
from torgtui.customers.delivery import add_address
from torgtui.errors import ValidationError
from torgtui.marketing import invoices, vip
from torgtui.marketing.invoices_draft import InvoiceDraft
from torgtui.marketing.invoices_waybill import Parcel, Shipper, branch_number, create_waybill
from torgtui.models import AuditEntry, Customer
from torgtui.models.invoices import Invoice
from torgtui.sales.shifts import open_shift

from .fake_novaposhta import KYIV_REF, FakeNovaPoshta

KEY = "test-np-key"
NOW = dt.datetime(2026, 11, 22, 10, 0)
SHOP = Shipper(
    sender="11111111-2222-3333-4444-555555555555",
    contact="66666666-7777-8888-9999-000000000000",
    city=KYIV_REF,
    address="00000000-0000-0000-0000-000000000001",
    phone="380441234567",
)
UNAVAILABLE = (
    "Nova Poshta does not answer: the invoice is saved without a waybill; try making the "
    "waybill again later."
)


@pytest.fixture
def fake() -> Iterator[FakeNovaPoshta]:
    server = FakeNovaPoshta(api_key=KEY, slow_seconds=30).start()
    yield server
    server.stop()


@pytest.fixture
def client(fake: FakeNovaPoshta) -> Iterator[NovaPoshtaClient]:
    c = NovaPoshtaClient(KEY, base_url=fake.url, timeout=2)
    yield c
    c.close()


@pytest.fixture
def shipped(staff, shop, clock):
    """An invoice paid later to a wholesale buyer, shipped to Lviv branch 15."""
    shift = open_shift(staff["cashier"], "till-1", shop.location, 0, clock=clock)
    buyer = Customer.create(name="ТОВ Опт", card="2900000000013", created_at=NOW, updated_at=NOW)
    vip.set_vip(buyer.id, "credit", limit=1_000_000, term_days=14, by=staff["manager"], clock=clock)
    address = add_address(
        buyer,
        "nova_poshta",
        city="Львів",
        branch="Відділення №15: вул. Городоцька, 20",
        recipient="Коваль Іван",
        phone="067 123 45 67",
        by=staff["cashier"],
        clock=clock,
    )
    form = InvoiceDraft(staff["cashier"], register="office", clock=clock)
    form.enter("2*" + shop.dress_code)
    return invoices.issue(
        form.basket,
        customer_id=buyer.id,
        payment="later",
        uuid=form.uuid,
        by=staff["cashier"],
        shift=shift,
        address_id=address.id,
        clock=clock,
    )


def test_the_waybill_is_made_by_the_documented_request_and_stored(
    fake, client, staff, clock, shipped
) -> None:
    inv = create_waybill(
        shipped.id,
        client=client,
        shipper=SHOP,
        parcel=Parcel(weight_g=1500, description="Сукні"),
        by=staff["cashier"],
        clock=clock,
    )
    [request] = fake.calls("save")
    assert request["apiKey"] == KEY and request["modelName"] == "InternetDocument"
    props = request["methodProperties"]
    assert {
        k: props[k]
        for k in (
            "PayerType",
            "ServiceType",
            "Weight",
            "SeatsAmount",
            "Cost",
            "DateTime",
            "NewAddress",
            "RecipientCityName",
            "RecipientAddressName",
            "RecipientName",
            "RecipientsPhone",
            "SendersPhone",
            "CitySender",
            "Description",
            "InfoRegClientBarcodes",
        )
    } == {
        "PayerType": "Recipient",
        "ServiceType": "WarehouseWarehouse",
        "Weight": "1.5",
        "SeatsAmount": "1",
        "Cost": "2500",  # the invoice's 2 500.00, declared in whole hryvnias
        "DateTime": "22.11.2026",
        "NewAddress": "1",
        "RecipientCityName": "Львів",
        "RecipientAddressName": "15",
        "RecipientName": "Коваль Іван",
        "RecipientsPhone": "380671234567",
        "SendersPhone": "380441234567",
        "CitySender": KYIV_REF,
        "Description": "Сукні",
        "InfoRegClientBarcodes": "2026-00001",
    }
    assert inv.waybill == "59000000000001" and inv.waybill_state == "done"
    assert inv.waybill_cost == 7000 and inv.waybill_ref
    assert Invoice.get_by_id(shipped.id).waybill == "59000000000001"
    # Nova Poshta tracks it from now on
    [status] = client.status_documents([(inv.waybill, "380671234567")])
    assert status["StatusCode"] == "1" and status["CityRecipient"] == "Львів"
    [entry] = AuditEntry.select().where(AuditEntry.action == "invoice.waybill")
    assert '"waybill": "59000000000001"' in entry.after
    # one waybill per invoice
    with pytest.raises(ValidationError, match="has its waybill already: 59000000000001"):
        create_waybill(
            shipped.id,
            client=client,
            shipper=SHOP,
            parcel=Parcel(1500),
            by=staff["cashier"],
            clock=clock,
        )
    assert len(fake.calls("save")) == 1


def test_gateway_down_loses_nothing_and_the_next_try_works(
    fake, client, staff, clock, shipped
) -> None:
    fake.go_down()
    with pytest.raises(NovaPoshtaUnavailable) as down:
        create_waybill(
            shipped.id,
            client=client,
            shipper=SHOP,
            parcel=Parcel(800),
            by=staff["cashier"],
            clock=clock,
        )
    assert str(down.value) == UNAVAILABLE
    after = Invoice.get_by_id(shipped.id)
    assert (after.waybill, after.waybill_state, after.total) == ("", "", 250000)
    assert invoices.owed(after) == 250000  # the sale and its debt are untouched
    fake.start()
    fake.fail_left = 1  # HTTP 500 once
    with pytest.raises(NovaPoshtaUnavailable):
        create_waybill(
            shipped.id,
            client=client,
            shipper=SHOP,
            parcel=Parcel(800),
            by=staff["cashier"],
            clock=clock,
        )
    assert Invoice.get_by_id(shipped.id).waybill_state == ""
    inv = create_waybill(
        shipped.id,
        client=client,
        shipper=SHOP,
        parcel=Parcel(800),
        by=staff["cashier"],
        clock=clock,
    )
    assert inv.waybill == "59000000000001"


def test_a_refusal_is_shown_in_nova_poshtas_words(fake, client, staff, clock, shipped) -> None:
    fake.refuse = ["RecipientsPhone is invalid"]
    with pytest.raises(NovaPoshtaError, match="RecipientsPhone is invalid"):
        create_waybill(
            shipped.id,
            client=client,
            shipper=SHOP,
            parcel=Parcel(800),
            by=staff["cashier"],
            clock=clock,
        )
    assert Invoice.get_by_id(shipped.id).waybill_state == ""


def test_no_address_and_bad_input_are_refused_before_any_call(
    fake, client, staff, shop, clock, shipped
) -> None:
    shift = open_shift(staff["senior_cashier"], "till-2", shop.location, 0, clock=clock)
    form = InvoiceDraft(staff["senior_cashier"], register="office", clock=clock)
    form.enter(shop.cream_code)
    collected = invoices.issue(
        form.basket,
        customer_id=shipped.customer_id,
        payment="later",
        uuid=form.uuid,
        by=staff["senior_cashier"],
        shift=shift,
        clock=clock,
    )
    with pytest.raises(ValidationError, match="has no delivery address"):
        create_waybill(
            collected.id,
            client=client,
            shipper=SHOP,
            parcel=Parcel(800),
            by=staff["cashier"],
            clock=clock,
        )
    with pytest.raises(ValidationError, match="sender is not set up"):
        create_waybill(
            shipped.id,
            client=client,
            shipper=Shipper("", "", "", "", ""),
            parcel=Parcel(800),
            by=staff["cashier"],
            clock=clock,
        )
    with pytest.raises(ValidationError, match="Weigh the parcel"):
        create_waybill(
            shipped.id,
            client=client,
            shipper=SHOP,
            parcel=Parcel(0),
            by=staff["cashier"],
            clock=clock,
        )
    with pytest.raises(ValidationError, match="No invoice 999"):
        create_waybill(
            999, client=client, shipper=SHOP, parcel=Parcel(800), by=staff["cashier"], clock=clock
        )
    assert fake.calls("save") == []
    assert Invoice.get_by_id(shipped.id).waybill_state == ""


def test_a_claim_left_by_a_dead_till_is_taken_over_later(
    fake, client, staff, clock, shipped
) -> None:
    Invoice.update(waybill_state="creating", waybill_at=clock()).where(
        Invoice.id == shipped.id
    ).execute()
    with pytest.raises(ValidationError, match="being made at another till"):
        create_waybill(
            shipped.id,
            client=client,
            shipper=SHOP,
            parcel=Parcel(800),
            by=staff["cashier"],
            clock=clock,
        )
    clock.advance(minutes=6)
    inv = create_waybill(
        shipped.id,
        client=client,
        shipper=SHOP,
        parcel=Parcel(800),
        by=staff["cashier"],
        clock=clock,
    )
    assert inv.waybill_state == "done" and len(fake.calls("save")) == 1


def test_the_fake_refuses_what_the_service_would(fake, client) -> None:
    with pytest.raises(NovaPoshtaError, match="Weight is empty"):
        client.save_internet_document({"PayerType": "Recipient"})


def test_branch_numbers_from_the_address_history() -> None:
    assert branch_number("15") == "15"
    assert branch_number("Відділення №15: вул. Городоцька, 20") == "15"
    assert branch_number("Поштомат №3012") == "3012"
    with pytest.raises(ValidationError, match="has no number"):
        branch_number("біля ринку")
