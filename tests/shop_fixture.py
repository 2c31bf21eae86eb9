"""A small shop for register tests: a location, piece and weighed goods with barcodes.

Imported by tests/conftest.py, so every test folder has the ``shop`` fixture."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from torgtui.catalog.barcodes import make_ean13
from torgtui.models import Barcode, Location, Product

T0 = dt.datetime(2026, 11, 1, 9, 0)


@dataclass
class Shop:
    location: Location
    dress: Product  # 1 250.00, cost 600.00
    cream: Product  # 189.90
    soap: Product  # weighed, 320.00 per kg, PLU 00042
    dress_code: str
    cream_code: str


@pytest.fixture
def shop(db) -> Shop:
    loc = Location.create(code="MAIN", name="Квітка")

    def product(sku: str, name: str, price: int, cost: int, **kw) -> Product:
        return Product.create(
            sku=sku, name=name, price=price, cost=cost, created_at=T0, updated_at=T0, **kw
        )

    dress = product("D-1", "Сукня літня", 125000, 60000)
    cream = product("C-1", "Крем для рук", 18990, 9000)
    soap = product("00042", "Мило на вагу", 32000, 15000, unit="kg", weighed=True)
    dress_code, cream_code = make_ean13("21", 1), make_ean13("21", 2)
    Barcode.create(code=dress_code, product=dress)
    Barcode.create(code=cream_code, product=cream)
    return Shop(loc, dress, cream, soap, dress_code, cream_code)
