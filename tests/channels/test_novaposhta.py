"""The Nova Poshta client and a customer from a waybill, against a fake Nova Poshta on 127.0.0.1
(real HTTP) and a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from torgtui.channels.novaposhta import (
    NovaPoshtaClient,
    NovaPoshtaError,
    NovaPoshtaUnavailable,
    client_from_settings,
    number,
    text,
)
from torgtui.config import Settings
from torgtui.customers.delivery import addresses_of, customer_from_ttn
from torgtui.customers.service import CardData, create_customer
from torgtui.errors import PermissionDenied, TorgError, ValidationError
from torgtui.models import AuditEntry, Customer, DeliveryAddress

from .fake_novaposhta import KYIV_REF, FakeNovaPoshta

KEY = "test-np-key"
SENDER_TTN, LOCKER_TTN = "20450000001234", "59000123456789"
UNAVAILABLE = "Nova Poshta does not answer: try again later; the customer can be added by hand."


@pytest.fixture
def fake() -> Iterator[FakeNovaPoshta]:
    server = FakeNovaPoshta(api_key=KEY, slow_seconds=30).start()
    yield server
    server.stop()


@pytest.fixture
def client(fake: FakeNovaPoshta) -> Iterator[NovaPoshtaClient]:
    c = NovaPoshtaClient(KEY, base_url=fake.url, timeout=5)
    yield c
    c.close()


# --- the client ---------------------------------------------------------------------------------


def test_status_documents_sends_the_documented_envelope(fake, client) -> None:
    rows = client.status_documents([(SENDER_TTN, "380671234567")])
    [request] = fake.calls("getStatusDocuments")
    assert request == {
        "apiKey": KEY,
        "modelName": "TrackingDocument",
        "calledMethod": "getStatusDocuments",
        "methodProperties": {
            "Documents": [{"DocumentNumber": SENDER_TTN, "Phone": "380671234567"}]
        },
    }
    assert rows[0]["SenderFullNameEW"] == "Шевченко Тарас Григорович"
    assert rows[0]["StatusCode"] == "7"


def test_another_phone_gets_the_waybill_without_names(client) -> None:
    [row] = client.status_documents([(SENDER_TTN, "380999999999")])
    assert row["Number"] == SENDER_TTN and row["CityRecipient"] == "Київ"
    assert "PhoneSender" not in row and "RecipientFullName" not in row


def test_unknown_number_is_status_3_not_an_error(client) -> None:
    [row] = client.status_documents([("20450000009999", "")])
    assert (row["StatusCode"], row["Status"]) == ("3", "Номер не знайдено")


def test_settlements_and_warehouses(fake, client) -> None:
    [kyiv] = client.search_settlements("Ки", limit=5)
    assert kyiv["DeliveryCity"] == KYIV_REF and kyiv["Present"] == "м. Київ, Київська обл."
    by_ref = client.warehouses(KYIV_REF)
    assert [w["Number"] for w in by_ref] == ["1", "5"]
    assert fake.calls("getWarehouses")[-1]["methodProperties"]["CityRef"] == KYIV_REF
    [lviv] = client.warehouses("Львів", find="15")
    assert lviv["Description"].startswith("Відділення №15")
    assert fake.calls("getWarehouses")[-1]["methodProperties"] == {
        "Page": "1",
        "Limit": "50",
        "CityName": "Львів",
        "FindByString": "15",
    }
    assert client.warehouses(KYIV_REF, limit=1) == by_ref[:1]


def test_bad_key_is_refused_in_the_services_words(fake) -> None:
    with (
        NovaPoshtaClient("wrong-key", base_url=fake.url, timeout=5) as bad,
        pytest.raises(NovaPoshtaError) as err,
    ):
        bad.warehouses(KYIV_REF)
    assert "API key is invalid" in str(err.value)
    assert "novaposhta_key" in str(err.value)
    assert err.value.codes == ["20000200068"]


@pytest.mark.parametrize(
    "errors",
    [
        ["CityRef is invalid", "Limit is too big"],
        {"20000900746": "CityRef is invalid", "20000900747": "Limit is too big"},
    ],
)
def test_refusal_in_the_services_words(fake, client, errors) -> None:
    fake.refuse = errors
    with pytest.raises(NovaPoshtaError) as err:
        client.warehouses(KYIV_REF)
    assert err.value.errors == ["CityRef is invalid", "Limit is too big"]
    assert (
        str(err.value) == "Nova Poshta refused the request: CityRef is invalid; Limit is too big."
    )


@pytest.mark.parametrize("mode", ["down", "500", "slow"])
def test_outages_are_one_message(fake, mode: str) -> None:
    with NovaPoshtaClient(KEY, base_url=fake.url, timeout=0.3) as quick:
        if mode == "down":
            fake.go_down()
        elif mode == "500":
            fake.fail_left = 1
        else:
            fake.slow_left = 1
        with pytest.raises(NovaPoshtaUnavailable) as err:
            quick.status_documents([(SENDER_TTN, "380671234567")])
    assert str(err.value) == UNAVAILABLE
    assert isinstance(err.value, TorgError)


def test_a_wrong_url_is_a_refusal_with_the_http_status(fake) -> None:
    wrong = fake.url.replace("/v2.0/json/", "/nope")
    with (
        NovaPoshtaClient(KEY, base_url=wrong, timeout=5) as c,
        pytest.raises(NovaPoshtaError) as err,  # a 404 page: our URL is wrong
    ):
        c.warehouses(KYIV_REF)
    assert "HTTP 404" in str(err.value)


def test_values_are_read_defensively() -> None:
    assert text(None) == "" and text([1]) == "" and text("  Київ \n") == "Київ"
    assert text(15) == "15"
    assert number("12") == 12 and number("12.0") == 12 and number(7) == 7
    assert number("") == 0 and number("n/a", -1) == -1 and number("inf") == 0


def test_client_from_settings(fake) -> None:
    settings = Settings()
    settings.customers.novaposhta_url = fake.url
    settings.customers.novaposhta_key = KEY
    with client_from_settings(settings, timeout=5) as c:
        assert c.warehouses("Львів")[0]["Number"] == "15"


# --- a customer from a waybill ------------------------------------------------------------------


def test_sender_becomes_a_customer_with_the_branch(db, staff, clock, client) -> None:
    customer, created = customer_from_ttn(
        "20 4500 0000 1234", "067 123 45 67", client=client, by=staff["cashier"], clock=clock
    )
    assert created is True
    card = Customer.get_by_id(customer.id)
    assert (card.name, card.phone) == ("Шевченко Тарас Григорович", "+380671234567")
    assert SENDER_TTN in card.note
    [address] = addresses_of(card)
    assert (address.carrier, address.city) == ("nova_poshta", "Львів")
    assert address.branch == "Відділення №15 (до 30 кг на одне місце): вул. Городоцька, 20"
    assert (address.recipient, address.phone) == ("Шевченко Тарас Григорович", "+380671234567")
    assert address.used_at == clock()
    entry = AuditEntry.get(AuditEntry.action == "customer.from_ttn")
    after = json.loads(entry.after)
    assert after == {"ttn": SENDER_TTN, "side": "sender", "created": True, "address": address.id}
    assert entry.employee_id == staff["cashier"].id


def test_recipient_becomes_a_customer(db, staff, clock, client) -> None:
    customer, created = customer_from_ttn(
        SENDER_TTN, "+380501112233", client=client, by=staff["cashier"], clock=clock
    )
    assert created and customer.name == "Коваленко Олена"
    [address] = addresses_of(customer)
    assert (address.city, address.branch) == ("Київ", "Відділення №5: вул. Хрещатик, 22")


def test_recipient_name_from_the_ew_field_and_a_parcel_locker(db, staff, clock, client) -> None:
    customer, created = customer_from_ttn(
        LOCKER_TTN, "0931234567", client=client, by=staff["manager"], clock=clock
    )
    assert created and customer.name == "Іваненко Іван"  # RecipientFullName is empty
    [address] = addresses_of(customer)
    assert address.branch.startswith("Поштомат")


def test_business_sender_name(db, staff, clock, client) -> None:
    customer, _ = customer_from_ttn(
        LOCKER_TTN, "044 123 45 67", client=client, by=staff["cashier"], clock=clock
    )
    assert customer.name == "Квітка ФОП"
    assert addresses_of(customer)[0].city == "Київ"


def test_courier_delivery_gives_a_street_address(db, staff, clock, fake, client) -> None:
    fake.waybills[SENDER_TTN].update(
        ServiceType="WarehouseDoors",
        WarehouseRecipient="",
        RecipientAddress="м. Київ, вул. Лесі Українки, 7, кв. 12",
    )
    customer, _ = customer_from_ttn(
        SENDER_TTN, "0501112233", client=client, by=staff["cashier"], clock=clock
    )
    [address] = addresses_of(customer)
    assert (address.carrier, address.city, address.branch) == ("street", "Київ", "")
    assert address.street == "м. Київ, вул. Лесі Українки, 7, кв. 12"


def test_existing_phone_returns_that_card_and_adds_the_address_once(
    db, staff, clock, client
) -> None:
    mine = create_customer(
        CardData(name="Тарас Шевченко", phones=["0671234567"], card="2900000000018"),
        by=staff["cashier"],
        clock=clock,
    )
    for _ in range(2):
        clock.advance(minutes=5)
        customer, created = customer_from_ttn(
            SENDER_TTN, "0671234567", client=client, by=staff["cashier"], clock=clock
        )
        assert (customer.id, created) == (mine.id, False)
    assert Customer.select().count() == 1
    assert Customer.get_by_id(mine.id).name == "Тарас Шевченко"  # the card is not overwritten
    [address] = addresses_of(mine)
    assert address.used_at == clock()  # the second time only marked it used
    assert AuditEntry.select().where(AuditEntry.action == "customer.from_ttn").count() == 2


def test_phone_of_a_merged_card_leads_to_the_card_it_was_merged_into(
    db, staff, clock, client
) -> None:
    kept = create_customer(CardData(name="Тарас"), by=staff["cashier"], clock=clock)
    old = create_customer(
        CardData(name="Тарас (старий)", phones=["0671234567"]), by=staff["cashier"], clock=clock
    )
    Customer.update(status="merged", merged_into=kept.id).where(Customer.id == old.id).execute()
    customer, created = customer_from_ttn(
        SENDER_TTN, "0671234567", client=client, by=staff["cashier"], clock=clock
    )
    assert (customer.id, created) == (kept.id, False)


@pytest.mark.parametrize("ttn", ["2045000000123", "204500000012345", "30450000001234", "2045O0000"])
def test_wrong_waybill_number_is_refused_before_asking(db, staff, clock, fake, client, ttn) -> None:
    with pytest.raises(ValidationError, match="is not a Nova Poshta waybill number"):
        customer_from_ttn(ttn, "0671234567", client=client, by=staff["cashier"], clock=clock)
    assert fake.requests == []


def test_bad_phone_is_refused_before_asking(db, staff, clock, fake, client) -> None:
    with pytest.raises(ValidationError, match="not a valid phone number"):
        customer_from_ttn(SENDER_TTN, "067 12", client=client, by=staff["cashier"], clock=clock)
    assert fake.requests == []


def test_unknown_waybill(db, staff, clock, client) -> None:
    with pytest.raises(ValidationError) as err:
        customer_from_ttn(
            "20450000009999", "0671234567", client=client, by=staff["cashier"], clock=clock
        )
    assert str(err.value) == "Waybill 20450000009999 was not found: check the number."
    assert Customer.select().count() == 0


def test_deleted_waybill(db, staff, clock, fake, client) -> None:
    fake.waybills[SENDER_TTN]["StatusCode"] = "2"
    fake.waybills[SENDER_TTN]["Status"] = "Видалено"
    with pytest.raises(ValidationError, match="was deleted by its sender"):
        customer_from_ttn(SENDER_TTN, "0671234567", client=client, by=staff["cashier"], clock=clock)


def test_phone_of_somebody_else(db, staff, clock, client) -> None:
    with pytest.raises(ValidationError) as err:
        customer_from_ttn(SENDER_TTN, "0991234567", client=client, by=staff["cashier"], clock=clock)
    assert str(err.value) == "This waybill belongs to another phone number: check the phone."
    assert Customer.select().count() == 0 and DeliveryAddress.select().count() == 0


@pytest.mark.parametrize("mode", ["down", "500", "slow"])
def test_service_outage_writes_nothing(db, staff, clock, fake, mode: str) -> None:
    if mode == "down":
        fake.go_down()
    elif mode == "500":
        fake.fail_left = 1
    else:
        fake.slow_left = 1
    with (
        NovaPoshtaClient(KEY, base_url=fake.url, timeout=0.3) as quick,
        pytest.raises(NovaPoshtaUnavailable) as err,
    ):
        customer_from_ttn(SENDER_TTN, "0671234567", client=quick, by=staff["cashier"], clock=clock)
    assert str(err.value) == UNAVAILABLE
    assert Customer.select().count() == 0 and DeliveryAddress.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action == "customer.from_ttn").count() == 0


def test_bad_key_writes_nothing(db, staff, clock, fake) -> None:
    with (
        NovaPoshtaClient("wrong-key", base_url=fake.url, timeout=5) as bad,
        pytest.raises(NovaPoshtaError, match="API key is invalid"),
    ):
        customer_from_ttn(SENDER_TTN, "0671234567", client=bad, by=staff["cashier"], clock=clock)
    assert Customer.select().count() == 0


def test_tracking_without_a_key_where_the_service_allows_it(db, staff, clock, fake) -> None:
    fake.key_for_tracking = False
    with NovaPoshtaClient("", base_url=fake.url, timeout=5) as anonymous:
        _customer, created = customer_from_ttn(
            SENDER_TTN, "0671234567", client=anonymous, by=staff["cashier"], clock=clock
        )
    assert created and fake.calls("getStatusDocuments")[0]["apiKey"] == ""


def test_support_cannot_add_customers_and_nothing_is_asked(db, staff, clock, fake, client) -> None:
    with pytest.raises(PermissionDenied):
        customer_from_ttn(SENDER_TTN, "0671234567", client=client, by=staff["support"], clock=clock)
    assert fake.requests == []
