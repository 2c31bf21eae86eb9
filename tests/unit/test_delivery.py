"""Delivery addresses of a card: the history order, picking one again, validation, permissions."""

from __future__ import annotations

import json

import pytest

from torgtui.customers.delivery import (
    add_address,
    addresses_of,
    clean_ttn,
    remove_address,
    use_address,
    waybill_party,
)
from torgtui.customers.service import CardData, create_customer
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.models import AuditEntry, Customer, DeliveryAddress


@pytest.fixture
def olena(db, staff, clock) -> Customer:
    return create_customer(
        CardData(name="Олена Коваленко", phones=["0501112233"]), by=staff["cashier"], clock=clock
    )


def test_history_is_most_recently_used_first(db, staff, clock, olena) -> None:
    cashier = staff["cashier"]
    kyiv = add_address(
        olena, "nova_poshta", city="Київ", branch="Відділення №5", by=cashier, clock=clock
    )
    clock.advance(days=1)
    lviv = add_address(olena, "ukrposhta", city="Львів", branch="79000", by=cashier, clock=clock)
    clock.advance(days=1)
    home = add_address(
        olena,
        "street",
        city="Київ",
        street="вул. Хрещатик, 22, кв. 5",
        recipient="Олена Коваленко",
        phone="050 111 22 33",
        by=cashier,
        clock=clock,
    )
    assert [a.id for a in addresses_of(olena)] == [home.id, lviv.id, kyiv.id]
    assert home.phone == "+380501112233"

    clock.advance(hours=3)
    picked = use_address(kyiv, clock=clock)  # picked from history for a new shipment
    assert picked.used_at == clock()
    assert [a.id for a in addresses_of(olena.id)] == [kyiv.id, home.id, lviv.id]
    assert (
        DeliveryAddress.get_by_id(kyiv.id).created_at < DeliveryAddress.get_by_id(kyiv.id).used_at
    )


def test_same_address_again_is_marked_used_not_duplicated(db, staff, clock, olena) -> None:
    first = add_address(
        olena, "nova_poshta", city="Київ", branch="Відділення №5", by=staff["cashier"], clock=clock
    )
    clock.advance(days=2)
    again = add_address(
        olena,
        "nova_poshta",
        city=" київ ",
        branch="відділення  №5",
        by=staff["cashier"],
        clock=clock,
    )
    assert again.id == first.id
    assert DeliveryAddress.get_by_id(first.id).used_at == clock()
    assert DeliveryAddress.select().count() == 1
    assert AuditEntry.select().where(AuditEntry.action == "customer.address_add").count() == 1
    other = add_address(
        olena, "nova_poshta", city="Київ", branch="Відділення №6", by=staff["cashier"], clock=clock
    )
    assert other.id != first.id


def test_adding_is_audited(db, staff, clock, olena) -> None:
    address = add_address(
        olena, "ukrposhta", city="Львів", branch="79000", by=staff["cashier"], clock=clock
    )
    entry = AuditEntry.get(AuditEntry.action == "customer.address_add")
    assert entry.object_id == str(address.id)
    assert json.loads(entry.after) == {
        "customer": olena.id,
        "carrier": "ukrposhta",
        "city": "Львів",
    }  # who lives where stays out of the log


@pytest.mark.parametrize(
    ("carrier", "fields", "message"),
    [
        ("dhl", {"city": "Київ", "branch": "1"}, "Carrier: nova_poshta, ukrposhta or street"),
        ("nova_poshta", {"city": "Київ"}, "Branch: a Nova Poshta or Ukrposhta address needs"),
        ("ukrposhta", {"city": "Львів", "branch": "   "}, "Branch:"),
        ("nova_poshta", {"branch": "Відділення №5"}, "City: a delivery address needs a city"),
        ("street", {"city": "Київ", "branch": "5"}, "Street: a courier address needs"),
        ("street", {"city": "Київ", "street": "x" * 251}, "Street: at most 250 characters"),
        ("nova_poshta", {"city": "К" * 121, "branch": "1"}, "City: at most 120 characters"),
        ("nova_poshta", {"city": "Київ", "branch": "1" * 201}, "Branch: at most 200 characters"),
        (
            "street",
            {"city": "Київ", "street": "вул. Лесі, 1", "recipient": "Я" * 201},
            "Recipient: at most 200 characters",
        ),
        (
            "street",
            {"city": "Київ", "street": "вул. Лесі, 1", "phone": "12"},
            "is not a valid phone number",
        ),
    ],
)
def test_validation(db, staff, clock, olena, carrier, fields, message) -> None:
    with pytest.raises(ValidationError, match=message):
        add_address(olena, carrier, by=staff["cashier"], clock=clock, **fields)
    assert DeliveryAddress.select().count() == 0


def test_cards_that_are_not_active_get_no_addresses(db, staff, clock, olena) -> None:
    Customer.update(status="merged").where(Customer.id == olena.id).execute()
    card = Customer.get_by_id(olena.id)
    with pytest.raises(ValidationError, match="This card is merged into another card"):
        add_address(card, "nova_poshta", city="Київ", branch="1", by=staff["owner"], clock=clock)


def test_permissions(db, staff, clock, olena) -> None:
    with pytest.raises(PermissionDenied):
        add_address(olena, "nova_poshta", city="Київ", branch="1", by=staff["support"], clock=clock)
    address = add_address(
        olena, "nova_poshta", city="Київ", branch="1", by=staff["cashier"], clock=clock
    )
    with pytest.raises(PermissionDenied):
        remove_address(address, by=staff["cashier"], clock=clock)
    remove_address(address, by=staff["senior_cashier"], clock=clock)
    assert addresses_of(olena) == []
    entry = AuditEntry.get(AuditEntry.action == "customer.address_remove")
    assert json.loads(entry.before)["city"] == "Київ"


def test_waybill_numbers() -> None:
    assert clean_ttn(" 20 4500-0000 1234 ") == "20450000001234"
    assert clean_ttn("59000123456789") == "59000123456789"
    assert clean_ttn("10000000000001") == "10000000000001"
    for bad in ["", "2045000000123", "204500000012345", "40450000001234", "RR123456789UA"]:
        with pytest.raises(ValidationError, match="is not a Nova Poshta waybill number"):
            clean_ttn(bad)


def test_waybill_party_reads_the_service_fields() -> None:
    doc = {
        "Number": "20400255487089",
        "StatusCode": "9",
        "PhoneSender": "380634273067",
        "PhoneRecipient": "380953843368",
        "SenderFullNameEW": "",
        "CounterpartySenderDescription": "КОВАЛЬОВ СЕРГІЙ ОЛЕГОВИЧ ФОП",
        "RecipientFullName": "",
        "RecipientFullNameEW": "Тимур Лавренцов",
        "CounterpartyRecipientDescription": "Приватна особа",
        "CitySender": "Шацк",
        "WarehouseSender": "Отделение №1: ул. С. Шковороды, 29",
        "CityRecipient": "Селидово",
        "WarehouseRecipient": "",
        "RecipientAddress": "м. Селидове, вул. Солона, 114, кв. 2",
    }
    sender = waybill_party(doc, "20400255487089", "+380634273067")
    assert (sender.side, sender.name, sender.city) == (
        "sender",
        "КОВАЛЬОВ СЕРГІЙ ОЛЕГОВИЧ ФОП",
        "Шацк",
    )
    recipient = waybill_party(doc, "20400255487089", "+380953843368")
    assert (recipient.name, recipient.branch) == ("Тимур Лавренцов", "")
    assert recipient.street == "м. Селидове, вул. Солона, 114, кв. 2"
    doc["CounterpartyRecipientDescription"] = "Приватна особа"
    doc["RecipientFullNameEW"] = ""
    with pytest.raises(ValidationError, match="has no name for"):  # "private person" is no name
        waybill_party(doc, "20400255487089", "+380953843368")
    with pytest.raises(ValidationError, match="not found"):
        waybill_party({}, "20400255487089", "+380953843368")
