"""Accelerators through their service, end to end: buying a product lifts an accumulative card
to a threshold, buying from a group (or a subgroup) enrols onto a card type; the next receipt
shows it to the kopeck. Bad accelerators are refused whole, by permission, audited."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing.accelerators import (
    AcceleratorData,
    accelerators,
    deactivate_accelerator,
    save_accelerator,
)
from torgtui.marketing.cards import CardTypeData, save_card_type
from torgtui.models import AuditEntry, CardAccelerator, Customer, Product, ProductGroup, Receipt
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift

NOW = dt.datetime(2026, 11, 22, 10, 0)


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, 100000, clock=clock)


@pytest.fixture
def types(staff, clock):
    accum = save_card_type(
        CardTypeData(
            "accum",
            "Накопичувальна",
            "accumulative",
            thresholds=[(500000, Decimal(3)), (1500000, Decimal(5))],
        ),
        by=staff["manager"],
        clock=clock,
    )
    five = save_card_type(
        CardTypeData("five", "П'ять", "discount", percent=Decimal(5)),
        by=staff["manager"],
        clock=clock,
    )
    return accum, five


@pytest.fixture
def cosmetics(shop):
    parent = ProductGroup.create(name="Косметика", path="Косметика")
    child = ProductGroup.create(name="Руки", parent=parent, path="Косметика/Руки")
    Product.update(group=child).where(Product.id == shop.cream.id).execute()
    return parent


def person(name: str, card_type_id: int | None, card: str) -> Customer:
    return Customer.create(
        name=name, card=card, card_type=card_type_id, created_at=NOW, updated_at=NOW
    )


def sell(staff, shift, clock, customer_id: int, *codes: str) -> Receipt:
    reg = Register(staff["cashier"], register="till-1", clock=clock)
    for code in codes:
        reg.scan(code)
    reg.basket.customer_id = customer_id
    reg.save()
    receipt = commit_sale(
        reg.basket,
        [Tender("card", reg.priced().total)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    reg.forget()
    return Receipt.get_by_id(receipt.id)


def test_buying_the_product_lifts_to_the_threshold(staff, shop, shift, clock, types) -> None:
    accum, _five = types
    row = save_accelerator(
        AcceleratorData("dress-vip", "tier", "accum", product=shop.dress.id, threshold=1500000),
        by=staff["manager"],
        clock=clock,
    )
    olya = person("Оля", accum.id, "2900000000018")
    first = sell(staff, shift, clock, olya.id, shop.dress_code)
    assert first.discount == 0  # 0 bought before: no threshold yet
    assert json.loads(first.info)["accelerated"] == [
        {"product": "Сукня літня", "threshold": 1500000}
    ]
    assert Customer.get_by_id(olya.id).tier_floor == 1500000
    assert sell(staff, shift, clock, olya.id, shop.cream_code).discount == 950  # 5% of 189.90
    entry = AuditEntry.get(AuditEntry.action == "card_accelerator.save")
    assert entry.object_id == str(row.id) and '"threshold": 1500000' in entry.after


def test_buying_from_a_group_enrols_onto_a_card_type(
    staff, shop, shift, clock, types, cosmetics
) -> None:
    _accum, five = types
    save_accelerator(
        AcceleratorData("beauty", "enrol", "five", group=cosmetics.id),
        by=staff["manager"],
        clock=clock,
    )
    ira = person("Іра", None, "2900000000025")
    first = sell(staff, shift, clock, ira.id, shop.cream_code)  # a subgroup of Косметика
    assert first.discount == 0
    assert json.loads(first.info)["enrolled"] == [{"product": "Крем для рук", "card_type": "П'ять"}]
    assert Customer.get_by_id(ira.id).card_type_id == five.id
    assert sell(staff, shift, clock, ira.id, shop.dress_code).discount == 6250


def test_a_stopped_accelerator_does_nothing(staff, shop, shift, clock, types) -> None:
    accum, _five = types
    data = AcceleratorData("dress-vip", "tier", "accum", product=shop.dress.id, threshold=500000)
    save_accelerator(data, by=staff["manager"], clock=clock)
    data.threshold = 1500000  # changed by its id
    save_accelerator(data, by=staff["manager"], clock=clock)
    assert CardAccelerator.select().count() == 1
    assert [a.threshold for a in accelerators()] == [1500000]
    deactivate_accelerator("dress-vip", by=staff["manager"], clock=clock)
    olya = person("Оля", accum.id, "2900000000018")
    receipt = sell(staff, shift, clock, olya.id, shop.dress_code)
    assert "accelerated" not in json.loads(receipt.info or "{}")
    assert Customer.get_by_id(olya.id).tier_floor == 0
    with pytest.raises(ValidationError, match="stopped already"):
        deactivate_accelerator("dress-vip", by=staff["manager"], clock=clock)
    with pytest.raises(ValidationError, match="There is no accelerator 'nope'"):
        deactivate_accelerator("nope", by=staff["manager"], clock=clock)
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.action ** "card_acc%")]
    assert actions == ["card_accelerator.save"] * 2 + ["card_accelerator.deactivate"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(code="a b"), "has no spaces"),
        (dict(code=""), "is empty"),
        (dict(action="boost"), "not 'boost'"),
        (dict(product=None), "one product or for one product group"),
        (dict(group=1), "one product or for one product group"),
        (dict(product=99999), "There is no product 99999"),
        (dict(product=True), "must be a record number"),
        (dict(product=None, group=99999), "There is no product group 99999"),
        (dict(card_type="platinum"), "There is no card type 'platinum'"),
        (dict(card_type="five"), "has no thresholds"),
        (
            dict(threshold=1000000),
            "10.000.00 ₴ is not a threshold of Накопичувальна: choose one of 5.000.00 ₴",
        ),
        (dict(threshold=-5), "cannot be less than"),
        (dict(threshold="15000"), "whole number of kopecks"),
        (dict(action="enrol", card_type="five"), "has no threshold: leave it 0"),
        (dict(active="yes"), "Active is yes or no"),
    ],
)
def test_bad_accelerators_are_refused_and_nothing_is_written(
    staff, shop, clock, types, fields, message
) -> None:
    base = dict(
        code="dress-vip", action="tier", card_type="accum", product=shop.dress.id, threshold=500000
    )
    base.update(fields)
    with pytest.raises(ValidationError, match=message):
        save_accelerator(AcceleratorData(**base), by=staff["manager"], clock=clock)
    assert CardAccelerator.select().count() == 0
    assert not AuditEntry.select().where(AuditEntry.action == "card_accelerator.save").exists()


def test_only_who_edits_prices_sets_accelerators(staff, shop, clock, types) -> None:
    data = AcceleratorData("x", "enrol", "five", product=shop.cream.id)
    for who in ("cashier", "senior_cashier", "support"):
        with pytest.raises(PermissionDenied, match="may not edit prices and promotions"):
            save_accelerator(data, by=staff[who], clock=clock)
    save_accelerator(data, by=staff["owner"], clock=clock)
    with pytest.raises(PermissionDenied):
        deactivate_accelerator("x", by=staff["cashier"], clock=clock)


def test_enrolling_onto_a_card_type_no_longer_in_use_is_refused(staff, shop, clock) -> None:
    save_card_type(
        CardTypeData("old", "Стара", "discount", percent=Decimal(3), active=False),
        by=staff["manager"],
        clock=clock,
    )
    with pytest.raises(ValidationError, match="Стара is no longer in use"):
        save_accelerator(
            AcceleratorData("x", "enrol", "old", product=shop.cream.id),
            by=staff["manager"],
            clock=clock,
        )
