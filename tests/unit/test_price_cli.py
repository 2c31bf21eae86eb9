"""`torgtui price BASKET.json`: the priced basket as JSON, unknown codes reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from torgtui.cli import main
from torgtui.db import database
from torgtui.sales.price_cli import price_basket

DATA = Path(__file__).parent.parent / "data"


def test_fixture_basket(shop) -> None:
    result = price_basket(json.loads((DATA / "basket_weighed.json").read_text()))
    assert [(ln["sku"], ln["qty"], ln["unit_price"], ln["total"]) for ln in result["lines"]] == [
        ("D-1", 2, 125000, 250000),
        ("C-1", 1, 18990, 18990),
        ("00042", 1.25, 32000, 40000),
    ]
    assert (result["subtotal"], result["discount"], result["total"]) == (308990, 0, 308990)
    assert result["errors"] == [
        "line 4: Barcode 4820000000001 has a wrong check digit (the last digit should be 0): "
        "rescan it or type it again.",
        "line 5: Unknown barcode NOPE: press F3 to search by name.",
    ]


def test_bad_quantity_is_reported(shop) -> None:
    result = price_basket({"lines": [{"sku": "D-1", "qty": 0}, {"sku": "D-1", "qty": 1.5}]})
    assert result["lines"] == [] and len(result["errors"]) == 2


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "shop.sqlite")
    assert main(["--db", db, "init", "--owner", "O", "--pin", "1111"]) == 0
    from tests.shop_fixture import T0
    from torgtui.models import Barcode, Product

    dress = Product.create(sku="D-1", name="Сукня", price=125000, created_at=T0, updated_at=T0)
    Barcode.create(code="2100000000012", product=dress)
    database.close()
    basket = tmp_path / "b.json"
    basket.write_text(json.dumps({"lines": [{"barcode": "2100000000012", "qty": 3}]}))
    capsys.readouterr()
    assert main(["--db", db, "price", str(basket)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == 375000 and out["lines"][0]["adjustments"] == []
    shutil.copy(DATA / "basket_weighed.json", basket)
    assert main(["--db", db, "price", str(basket)]) == 1  # some codes unknown
    capsys.readouterr()
    basket.write_text("{not json")
    assert main(["--db", db, "price", str(basket)]) == 2
    assert "is not valid JSON" in capsys.readouterr().err
