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


# --- issue 7: the basket file's boundary ----------------------------------------------------


@pytest.fixture
def priced_shop(tmp_path: Path) -> str:
    """A SQLite shop with a dress (barcode 2100000000012) and a card holder."""
    db = str(tmp_path / "shop.sqlite")
    assert main(["--db", db, "init", "--owner", "O", "--pin", "1111"]) == 0
    from tests.shop_fixture import T0
    from torgtui.customers.service import CardData, create_customer
    from torgtui.models import Barcode, Employee, Product

    dress = Product.create(sku="D-1", name="Сукня", price=125000, created_at=T0, updated_at=T0)
    Barcode.create(code="2100000000012", product=dress)
    owner = Employee.get()
    create_customer(CardData("Олена", ["067 123 45 67"], card="2900000000018"), by=owner)
    database.close()
    return db


def price_file(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes
) -> tuple[int, str, str]:
    basket = tmp_path / "basket.json"
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    basket.write_bytes(content)
    code = main(["--db", db, "price", str(basket)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"lines": [{"sku": "D-1", "quantity": 5}]}', 'line 1: unknown key "quantity"; the keys'),
        ('{"lines": [], "discount": 5}', 'unknown key "discount"; the keys are "lines"'),
        ('{"lines": [], "customer": {"card": "1", "x": 1}}', '"customer" must be null'),
        ('{"lines": [], "customer": {"name": "Olena"}}', '"customer": unknown key "name"'),
        ('{"lines": [], "customer": 7}', '"customer" must be null'),
        ('{"lines": [], "customer": {"card": "2900000000025"}}', "no active customer has the"),
        ('{"lines": [], "customer": {"phone": "050 000 00 00"}}', "no active customer has the"),
        ('{"lines": [], "customer": {"card": "a b"}}', "is not a code"),
        ('{"lines": [], "at": "yesterday"}', "\"at\": 'yesterday' is not a date and time"),
        ('{"lines": [{"sku": "D-1", "barcode": "2100000000012"}]}', "(one of them)"),
        ('{"lines": [{"qty": 1}]}', "(one of them)"),
        ('{"lines": [5]}', "line 1 must be an object"),
        ('{"lines": {}}', 'must be an object with a "lines" list'),
        ("[]", 'must be an object with a "lines" list'),
        ("[" * 100_000 + "]" * 100_000, "is nested too deeply"),
        ('{"lines": [{"sku": "D-1", "qty": ' + "9" * 5000 + "}]}", "holds the number"),
        ('{"lines": [{"sku": "D-1", "qty": NaN}]}', 'holds the number "NaN"'),
        ('{"lines": [{"sku": "D-1", "qty": -Infinity}]}', 'holds the number "-Infinity"'),
        (b"\xff\xfe{}", "is not UTF-8 text"),
        ("{not json", "is not valid JSON"),
        ('{"lines": [' + ",".join(['{"sku": "D-1"}'] * 10_001) + "]}", "has 10001 lines"),
        ('{"lines": []}' + " " * (4 * 1024 * 1024), "is larger than 4 MB"),
    ],
)
def test_a_basket_that_cannot_be_read_exits_2(
    priced_shop: str, tmp_path: Path, capsys, content: str | bytes, message: str
) -> None:
    code, out, err = price_file(priced_shop, tmp_path, capsys, content)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_bad_lines_are_listed_and_the_rest_priced(priced_shop: str, tmp_path: Path, capsys):
    lines = [
        {"sku": "D-1", "qty": 1},
        {"sku": "\ud800"},  # a lone surrogate
        {"sku": "D-1", "qty": 1e30},
        {"sku": "D-1", "qty": "9" * 40},
        {"sku": "D-1", "qty": True},
        {"sku": "D-1", "qty": 1.5},
        {"barcode": 2100000000012},
        {"sku": "NOPE"},
    ]
    text = json.dumps({"lines": lines, "at": "2026-11-22T12:00:00"})
    code, out, err = price_file(priced_shop, tmp_path, capsys, text)
    result = json.loads(out)
    assert code == 1 and "7 of 8 lines were not priced" in err
    assert [ln["sku"] for ln in result["lines"]] == ["D-1"] and result["total"] == 125000
    assert result["errors"] == [
        "line 2: The code holds a broken character: retype it.",
        "line 3: '1E+30' is not a quantity: type a number like 3 or 1.25.",
        f"line 4: {'9' * 40} is too large a quantity (at most 100000).",
        "line 5: 'True' is not a quantity: type a number like 3 or 1.25.",
        "line 6: Сукня is sold by the piece: the quantity must be whole.",
        "line 7: The code must be text, not '2100000000012'.",
        "line 8: Unknown barcode NOPE: press F3 to search by name.",
    ]


def test_customer_by_card_or_phone_and_a_bom(priced_shop: str, tmp_path: Path, capsys) -> None:
    from torgtui.db import open_database
    from torgtui.models import Customer

    open_database(priced_shop)
    olena = Customer.get(Customer.card == "2900000000018").id
    database.close()
    for customer in ({"card": "2900000000018"}, {"phone": "+380671234567"}, None):
        text = json.dumps({"lines": [{"barcode": "2100000000012"}], "customer": customer})
        code, out, _ = price_file(priced_shop, tmp_path, capsys, b"\xef\xbb\xbf" + text.encode())
        assert code == 0
        assert json.loads(out)["customer_id"] == (olena if customer else None)


def test_stdin(priced_shop: str, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    basket = json.dumps({"lines": [{"sku": "D-1", "qty": "2"}]}).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(basket), encoding="utf-8"))
    assert main(["--db", priced_shop, "price", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 250000


def test_a_large_basket_is_priced_with_a_few_queries(shop, monkeypatch) -> None:
    """Pricing is linear: a 5 000-line basket asks the database a handful of times, not twice
    per line (it took 4.6 s; the issue's 20 000 lines 14 s)."""
    from torgtui.db import database as proxy

    calls = []
    real = proxy.obj.execute_sql
    monkeypatch.setattr(proxy.obj, "execute_sql", lambda *a, **k: calls.append(1) or real(*a, **k))
    lines = [{"sku": "D-1", "qty": 1}, {"barcode": shop.cream_code}, {"sku": f"X-{0}"}] * 1666
    result = price_basket({"lines": lines, "at": "2026-11-22T12:00:00"})
    assert len(result["lines"]) == 2 * 1666 and len(result["errors"]) == 1666
    # a fixed few: the lines' lookups in batches, the rules version once, and each kind of
    # rule loaded once by this first pricing; never a query per line (5 000 lines here)
    assert len(calls) < 20, calls
