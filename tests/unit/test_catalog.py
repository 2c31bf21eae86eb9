"""Catalog services: the group tree, manufacturers, products with permission and audit,
barcodes, look-up by code, and the stock ledger."""

from __future__ import annotations

import json

import pytest

from torgtui.catalog import service, stock
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.models import AuditEntry, Location, ProductGroup, StockMovement

TAX = ("A", "B", "C")


def make(staff, clock, sku="D-001", **kw):
    kw.setdefault("name", "Сукня літня")
    kw.setdefault("price", 125050)
    return service.create_product(by=staff["manager"], tax_codes=TAX, sku=sku, clock=clock, **kw)


def test_group_tree_is_built_once(db):
    dresses = service.get_or_create_group("Clothing/Women/Dresses")
    again = service.get_or_create_group(" Clothing / Women /Dresses/ ")
    blouses = service.get_or_create_group("Clothing/Women/Blouses")

    assert again.id == dresses.id
    assert dresses.name == "Dresses"
    assert dresses.parent.path == "Clothing/Women"
    assert dresses.parent.parent.path == "Clothing"
    assert dresses.parent.parent.parent is None
    assert blouses.parent.id == dresses.parent.id
    assert ProductGroup.select().count() == 4
    with pytest.raises(ValidationError):
        service.get_or_create_group(" / ")


def test_manufacturer_is_found_by_name(db):
    first = service.get_or_create_manufacturer(" Ластівка ")
    assert service.get_or_create_manufacturer("Ластівка").id == first.id
    assert first.name == "Ластівка"


def test_create_product_is_audited(db, staff, clock):
    product = make(
        staff,
        clock,
        cost=80000,
        group="Одяг/Сукні",
        manufacturer="Ластівка",
        tax_group="B",
        barcodes=["4820000000017"],
    )

    assert (product.price, product.cost, product.tax_group, product.unit) == (
        125050,
        80000,
        "B",
        "pcs",
    )
    assert product.group.path == "Одяг/Сукні"
    assert [b.code for b in product.barcodes] == ["4820000000017"]
    entry = AuditEntry.get(AuditEntry.action == "catalog.product.create")
    assert entry.employee_id == staff["manager"].id
    assert entry.object_id == str(product.id)
    after = json.loads(entry.after)
    assert (after["price"], after["cost"], after["manufacturer"]) == (125050, 80000, "Ластівка")
    assert after["barcodes"] == ["4820000000017"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price": -1}, "negative price"),
        ({"cost": -100}, "negative cost"),
        ({"unit": "ящик"}, "unknown unit"),
        ({"tax_group": "Z"}, "unknown tax group 'Z'"),
        ({"name": "x" * 201}, "at most 200"),
        ({"barcodes": ["4820000000018"]}, "wrong check digit"),
    ],
)
def test_create_product_validation(db, staff, clock, change, message):
    with pytest.raises(ValidationError) as err:
        make(staff, clock, **change)
    assert message in err.value.message


def test_duplicate_sku_is_refused(db, staff, clock):
    make(staff, clock)
    with pytest.raises(ValidationError, match="already a product with SKU D-001"):
        make(staff, clock)


def test_update_product_audits_price_and_cost_change(db, staff, clock):
    product = make(staff, clock, cost=80000)
    clock.advance(hours=1)

    service.update_product(
        product, by=staff["owner"], tax_codes=TAX, clock=clock, price=99900, cost=70000, unit="шт"
    )

    entry = AuditEntry.get(AuditEntry.action == "catalog.product.update")
    assert entry.employee_id == staff["owner"].id
    assert json.loads(entry.before) == {"sku": "D-001", "price": 125050, "cost": 80000}
    assert json.loads(entry.after) == {"sku": "D-001", "price": 99900, "cost": 70000}
    fresh = type(product).get_by_id(product.id)
    assert (fresh.price, fresh.cost, fresh.updated_at) == (99900, 70000, clock())


def test_update_without_change_writes_no_audit(db, staff, clock):
    product = make(staff, clock)
    service.update_product(product, by=staff["manager"], tax_codes=TAX, clock=clock, price=125050)
    assert AuditEntry.select().where(AuditEntry.action == "catalog.product.update").count() == 0


def test_cashier_may_not_create_or_update(db, staff, clock):
    with pytest.raises(PermissionDenied, match="may not edit prices"):
        service.create_product(
            by=staff["cashier"], tax_codes=TAX, sku="X", name="X", price=100, clock=clock
        )
    product = make(staff, clock)
    with pytest.raises(PermissionDenied):
        service.update_product(product, by=staff["cashier"], tax_codes=TAX, price=1)
    with pytest.raises(PermissionDenied):
        service.add_barcode(product, "4820000000017", by=staff["senior_cashier"])
    assert type(product).get_by_id(product.id).price == 125050


def test_add_barcode(db, staff, clock):
    dress = make(staff, clock)
    blouse = make(staff, clock, sku="B-001", name="Блуза")

    service.add_barcode(dress, " 4820000000017 ", by=staff["manager"], clock=clock)
    service.add_barcode(dress, "4820000000017", by=staff["manager"], clock=clock)  # no-op
    with pytest.raises(ValidationError) as err:
        service.add_barcode(blouse, "4820000000017", by=staff["manager"])
    assert "already belongs to product D-001 (Сукня літня)" in err.value.message
    with pytest.raises(ValidationError, match="wrong check digit"):
        service.add_barcode(blouse, "4820000000018", by=staff["manager"])

    assert [b.code for b in dress.barcodes] == ["4820000000017"]
    assert list(blouse.barcodes) == []
    assert AuditEntry.select().where(AuditEntry.action == "catalog.barcode.add").count() == 1


def test_find_by_code(db, staff, clock):
    dress = make(staff, clock, barcodes=["4820000000017"])
    hidden = make(staff, clock, sku="OLD-1", name="Стара", barcodes=["4820000000024"])
    service.update_product(hidden, by=staff["manager"], tax_codes=TAX, active=False)

    assert service.find_by_code("4820000000017").id == dress.id
    assert service.find_by_code(" D-001 ").id == dress.id
    assert service.find_by_code("4820000000024") is None
    assert service.find_by_code("OLD-1") is None
    assert service.find_by_code("nothing") is None
    assert service.find_by_code("") is None


def test_stock_ledger(db, staff, clock):
    main = Location.create(code="MAIN", name="Магазин")
    store = Location.create(code="SKLAD", name="Склад")
    dress = make(staff, clock)
    blouse = make(staff, clock, sku="B-001", name="Блуза")
    socks = make(staff, clock, sku="S-001", name="Шкарпетки")

    stock.post_movement(dress, main, 10000, "inbound", staff["manager"], note="накладна 7")
    stock.post_movement(dress, main, -2000, "sale", receipt_line_id=42, clock=clock, system=True)
    stock.post_movement(dress, main, 1000, "return", clock=clock, system=True)
    stock.post_movement(dress, store, 5000, "import", clock=clock, system=True)
    stock.post_movement(blouse.id, main.id, -500, "writeoff", clock=clock, system=True)

    assert stock.stock_of(dress, main) == 9000
    assert stock.stock_of(dress, store) == 5000
    assert stock.stock_of(socks, main) == 0
    assert stock.stock_levels(main) == {dress.id: 9000, blouse.id: -500}
    assert stock.stock_levels(main, [blouse, socks]) == {blouse.id: -500}
    sale = StockMovement.get(StockMovement.kind == "sale")
    assert (sale.receipt_line_id, sale.at, sale.employee_id) == (42, clock(), None)
    assert StockMovement.select().count() == 5


@pytest.mark.parametrize(("qty", "kind"), [(1000, "stolen"), (0, "adjust"), (1.5, "adjust")])
def test_bad_movements_are_refused(db, staff, clock, qty, kind):
    main = Location.create(code="MAIN", name="Магазин")
    dress = make(staff, clock)
    with pytest.raises(ValidationError):
        stock.post_movement(dress, main, qty, kind, system=True)
    assert StockMovement.select().count() == 0


def test_stock_corrections_need_the_permission_and_a_reason(db, staff, clock):
    main = Location.create(code="MAIN", name="Магазин")
    dress = make(staff, clock)
    for who in ("cashier", "senior_cashier", "support"):
        with pytest.raises(PermissionDenied, match="may not correct or write off stock"):
            stock.correct_stock(dress, main, -1000, "writeoff", "розбито", by=staff[who])
        with pytest.raises(PermissionDenied):  # nor through the low-level append
            stock.post_movement(dress, main, -1000, "writeoff", staff[who])
    with pytest.raises(ValidationError, match="reason is empty"):
        stock.correct_stock(dress, main, -1000, "writeoff", "  ", by=staff["manager"])
    with pytest.raises(ValidationError, match="adjust or writeoff"):
        stock.correct_stock(dress, main, 1000, "sale", "x", by=staff["manager"])
    assert StockMovement.select().count() == 0
    stock.correct_stock(dress, main, 1000, "writeoff", "розбито", by=staff["manager"], clock=clock)
    stock.correct_stock(dress, main, 3000, "adjust", "перелік", by=staff["owner"], clock=clock)
    assert stock.stock_of(dress, main) == 2000  # a write-off always takes away
    entry = AuditEntry.get(AuditEntry.action == "stock.writeoff")
    assert entry.employee_id == staff["manager"].id and "розбито" in entry.after


def test_location_by_code(db):
    Location.create(code="MAIN", name="Магазин")
    assert stock.location_by_code("MAIN").name == "Магазин"
    with pytest.raises(ValidationError, match="known locations are MAIN"):
        stock.location_by_code("NOPE")
