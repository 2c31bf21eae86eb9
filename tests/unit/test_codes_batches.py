"""Code batches on both databases: generation (no ambiguous characters, unique, EAN-13 valid
and in the shop's promo range, never a product or a card), personal codes, every refusal of a
bad batch with nothing written, blocking, and who may."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.unit import codes_shop
from tests.unit.codes_shop import NOW, batch, make_codes, person, promotion
from torgtui.catalog.barcodes import is_valid_gtin, make_ean13
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import codes
from torgtui.marketing.cards import CardTypeData, save_card_type
from torgtui.models import AuditEntry, Barcode, Location, Product
from torgtui.models.codes import CodeBatch, CodeBatchLocation, PromoCode

promo = codes_shop.promo  # fixture

AMBIGUOUS = set("01OIL")


def test_random_codes_are_unique_unguessable_and_never_ambiguous(staff, clock, promo) -> None:
    found = batch(staff, clock, promo, prefix="fy", length=8)
    assert found.prefix == "FY"
    made = make_codes(staff, clock, found, 2000) + make_codes(staff, clock, found, 1000)
    assert len(made) == len(set(made)) == 3000 == codes.code_count(found.id)
    assert all(len(c) == 10 and c.startswith("FY") for c in made)
    assert not AMBIGUOUS & set("".join(c[2:] for c in made))
    assert set("".join(c[2:] for c in made)) == set(codes.ALPHABET)  # every character drawn
    audit = (
        AuditEntry.select()
        .where(AuditEntry.action == "code_batch.generate")
        .order_by(AuditEntry.id)
    )
    assert [json.loads(a.after) for a in audit] == [{"codes": 2000}, {"codes": 3000}]  # no codes
    assert codes.looks_like_code(made[0]) and not codes.looks_like_code("FY0000000O")


def test_ean13_codes_are_valid_in_range_and_never_a_product_or_a_card(
    staff, shop, clock, promo
) -> None:
    found = batch(staff, clock, promo, "EAN", style="ean13")
    assert (found.prefix, found.length) == ("28", 13)
    made = make_codes(staff, clock, found, 500)
    assert len(set(made)) == 500
    assert all(len(c) == 13 and c.startswith("28") and is_valid_gtin(c) for c in made)
    assert codes.looks_like_code(made[0]) and not codes.looks_like_code(shop.dress_code)
    own = batch(staff, clock, promo, "EAN27", style="ean13", prefix="271")
    assert all(c.startswith("271") for c in make_codes(staff, clock, own, 10))


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"style": "ean13", "prefix": "20"}, "Prefix 20 is the scale labels' (20)"),
        ({"style": "ean13", "prefix": "29"}, "Prefix 29 is the loyalty cards' (2901)"),
        ({"style": "ean13", "prefix": "2"}, "2 to 4 digits of the shop's own range 20-29"),
        ({"style": "ean13", "prefix": "48"}, "2 to 4 digits of the shop's own range"),
        ({"style": "ean13", "prefix": "21"}, "Products have barcodes with the prefix 21"),
        ({"prefix": "FLO"}, "may have only digits 2-9 and capital letters without O, I and L"),
        ({"length": 6}, "The random part's length must be from 8 to 20, not 6"),
        ({"style": "qr"}, "Codes are random, ean13 or given, not 'qr'"),
        ({"style": "given", "given": "A B"}, "codes have no spaces"),
        ({"style": "given", "given": "ЗИМА"}, "4 to 20 Latin letters and digits"),
        ({"style": "given", "given": "D-1"}, "4 to 20 Latin letters and digits"),
        ({"style": "given", "given": "SALE", "personal": True}, "one for everybody"),
        ({"given": "SALE"}, "Only a batch of a chosen code (given) takes the code itself"),
        ({"uses_per_code": 0}, "Uses per code must be from 1 to 1000000, not 0"),
        ({"per_customer": -1}, "Uses per customer must be from 0 to 1000000, not -1"),
        (
            {"valid_from": dt.date(2026, 12, 1), "valid_until": dt.date(2026, 11, 1)},
            "would stop being valid (2026-11-01) before they start (2026-12-01)",
        ),
        ({"valid_until": "2026-13-01"}, "Valid until: '2026-13-01' is not a date"),
        ({"location_ids": (999,)}, "There is no such location"),
        ({"channel": "Flyer\x07"}, "control character"),
    ],
)
def test_bad_batches_are_refused_and_nothing_is_written(
    staff, shop, clock, promo, kw, message
) -> None:
    save_card_type(
        CardTypeData(code="gold", name="Gold", kind="discount", percent=5, prefix="2901"),
        by=staff["manager"],
        clock=clock,
    )
    before = AuditEntry.select().count()
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        batch(staff, clock, promo, **kw)
    assert CodeBatch.select().count() == 0 and PromoCode.select().count() == 0
    assert AuditEntry.select().count() == before


def test_a_prefix_overlapping_a_card_types_own_numbering(staff, clock, promo) -> None:
    save_card_type(
        CardTypeData(code="gold", name="Gold", kind="discount", percent=5, prefix="2801"),
        by=staff["manager"],
        clock=clock,
    )
    with pytest.raises(ValidationError, match="Prefix 28 is the loyalty cards' \\(2801\\)"):
        batch(staff, clock, promo, style="ean13")


def test_an_unknown_promotion_and_who_may(staff, clock, promo) -> None:
    with pytest.raises(ValidationError, match="There is no such promotion"):
        codes.save_batch(
            codes.BatchData(code="X", name="X", promotion_id=999),
            by=staff["manager"],
            clock=clock,
        )
    with pytest.raises(PermissionDenied):
        codes.save_batch(
            codes.BatchData(code="X", name="X", promotion_id=promo.id), by=staff["cashier"]
        )
    found = batch(staff, clock, promo)
    for call in (
        lambda: codes.generate_codes(found, 1, by=staff["senior_cashier"]),
        lambda: codes.block_batch(found, by=staff["cashier"]),
        lambda: codes.list_codes(found, by=staff["cashier"]),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_a_given_code_is_one_code_and_never_a_products_article(staff, shop, clock, promo) -> None:
    found = batch(staff, clock, promo, "INSTA", style="given", given="spring25", uses_per_code=500)
    assert [r.code for r in codes.list_codes(found, by=staff["manager"])] == ["SPRING25"]
    with pytest.raises(ValidationError, match="SPRING25 is a code of another batch already"):
        batch(staff, clock, promo, "INSTA2", style="given", given="Spring25")
    Product.create(sku="WINTER26", name="Шапка", price=100, created_at=NOW, updated_at=NOW)
    with pytest.raises(ValidationError, match="WINTER26 is a product's barcode or article"):
        batch(staff, clock, promo, "W", style="given", given="winter26")
    with pytest.raises(ValidationError, match="has one chosen code"):
        make_codes(staff, clock, found, 1)
    with pytest.raises(ValidationError, match="Batch INSTA's code is SPRING25"):
        batch(staff, clock, promo, "INSTA", style="given", given="AUTUMN25", uses_per_code=500)


def test_generated_codes_skip_what_is_a_barcode_article_or_card(staff, shop, clock, promo) -> None:
    """A drawn code that is something else already is drawn again (forced here by filling
    the first draws with a product's barcode and a card)."""
    from torgtui.marketing import codes_make

    found = batch(staff, clock, promo, "EAN", style="ean13")
    taken = [make_ean13("28", 1), make_ean13("28", 2)]
    Barcode.create(code=taken[0], product=shop.cream)
    person("Оля", taken[1])
    draws = iter([*taken, make_ean13("28", 3), make_ean13("28", 4)])
    real = codes_make._draw
    codes_make._draw = lambda b: next(draws)
    try:
        made = make_codes(staff, clock, found, 2)
    finally:
        codes_make._draw = real
    assert made == [make_ean13("28", 3), make_ean13("28", 4)]


def test_too_many_codes_for_the_room_are_refused(staff, clock, promo) -> None:
    found = batch(staff, clock, promo, "EAN", style="ean13", prefix="2801")  # 10^8 numbers
    with pytest.raises(ValidationError, match="people could guess one"):
        make_codes(staff, clock, found, 10_001)
    with pytest.raises(ValidationError, match="The number of codes must be from 1 to 50000"):
        make_codes(staff, clock, found, 50_001)
    assert codes.code_count(found.id) == 0


def test_personal_codes_one_per_customer(staff, clock, promo) -> None:
    olya, ivan = person(), person("Іван", "2900000000020")
    found = batch(staff, clock, promo, "VIP", personal=True)
    first = codes.issue_codes(found, [olya.id, ivan.id, olya.id], by=staff["manager"], clock=clock)
    assert list(first) == [olya.id, ivan.id] and first[olya.id] != first[ivan.id]
    again = codes.issue_codes(found, [ivan.id], by=staff["manager"], clock=clock)
    assert again == {ivan.id: first[ivan.id]}  # one who has a code keeps it
    rows = codes.list_codes(found, by=staff["manager"])
    assert [(r.customer_id, r.customer) for r in rows] == [
        (olya.id, "Оля (2900000000013)"),
        (ivan.id, "Іван (2900000000020)"),
    ]
    with pytest.raises(ValidationError, match="is personal: issue its codes to customers"):
        make_codes(staff, clock, found, 1)
    with pytest.raises(ValidationError, match="Customer record 999 is not an active customer"):
        codes.issue_codes(found, [999], by=staff["manager"], clock=clock)
    plain = batch(staff, clock, promo, "PLAIN")
    with pytest.raises(ValidationError, match="is not personal"):
        codes.issue_codes(plain, [olya.id], by=staff["manager"], clock=clock)


def test_changing_a_batch(staff, shop, clock, promo) -> None:
    kyiv = Location.create(code="KYIV", name="Київ")
    found = batch(staff, clock, promo, channel="flyer ", location_ids=(kyiv.id,))
    second = batch(staff, clock, promo, "FLY-DEC", channel="FLYER")
    assert (found.channel, second.channel) == ("flyer", "flyer")  # one spelling per channel
    assert codes.channels() == ["flyer"]
    assert [r.location_id for r in CodeBatchLocation.select()] == [kyiv.id]
    data = codes.batch_data(found)
    data.uses_per_code, data.location_ids = 2, ()
    codes.save_batch(data, by=staff["manager"], clock=clock)
    assert (
        CodeBatch.get_by_id(found.id).uses_per_code == 2 and CodeBatchLocation.select().count() == 0
    )
    make_codes(staff, clock, found, 3)
    data.length = 12
    with pytest.raises(ValidationError, match="has codes already: how its codes look"):
        codes.save_batch(data, by=staff["manager"], clock=clock)
    other = promotion("OTHER", "Інша")
    data.length, data.promotion_id = 10, other.id
    codes.save_batch(data, by=staff["manager"], clock=clock)  # no code used yet: allowed
    summary = {s.code: s for s in codes.summaries()}["FLY-NOV"]
    assert (summary.codes, summary.uses, summary.promotion_id) == (3, 0, other.id)


def test_blocking_a_code_and_a_batch(staff, clock, promo) -> None:
    found = batch(staff, clock, promo)
    (code,) = make_codes(staff, clock, found, 1)
    codes.block_code(code.lower(), by=staff["manager"], reason="posted online", clock=clock)
    with pytest.raises(ValidationError, match=f"{code} is blocked already"):
        codes.block_code(code, by=staff["manager"], clock=clock)
    codes.unblock_code(code, by=staff["manager"], clock=clock)
    codes.block_batch("FLY-NOV", by=staff["manager"], clock=clock)
    assert CodeBatch.get_by_id(found.id).blocked and not PromoCode.get().blocked
    with pytest.raises(ValidationError, match="Code NOPE is not known"):
        codes.block_code("nope", by=staff["manager"], clock=clock)
    actions = [a.action for a in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions[-3:] == ["promo_code.block", "promo_code.unblock", "code_batch.block"]
