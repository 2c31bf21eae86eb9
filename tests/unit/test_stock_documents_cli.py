"""``torgtui stock``: a goods receipt from a CSV file posted, a stocktake from the scanner's
codes, a count sheet written, a write-off left as a draft then posted once; a bad file or an
unknown code refused in words with nothing written (all of it or nothing)."""

from __future__ import annotations

import csv
import json

from tests.unit import promotions_shop
from torgtui.catalog.stock import stock_of
from torgtui.cli import main
from torgtui.models import Product, StockMovement
from torgtui.models.stockdocs import StockDocument, StockDocumentLine

ps = promotions_shop.ps  # fixture
WHO = ("--employee", "Maria Manager")


def cli(capsys, backend: str, *argv: str) -> tuple[int, str, str]:
    code = main(["--db", backend, "stock", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_stock_commands(db, backend, staff, ps, capsys, tmp_path) -> None:
    receipt = tmp_path / "in.csv"
    receipt.write_text("code,qty,cost\nS-1,4,150.00\nK-1,10,19.99\nS-1,1\n", encoding="utf-8")
    code, out, err = cli(capsys, backend, "receive", str(receipt), "--supplier", "Вовна", *WHO)
    assert (code, err) == (0, ""), err
    done = json.loads(out)
    assert (done["posted"], done["movements"], done["total_cost"]) == (True, 2, 75_000 + 19_990)
    db.connect(reuse_if_open=True)
    scarf = Product.get_by_id(ps.scarf.id)
    assert stock_of(scarf, ps.location_id) == 5_000 and scarf.cost == 15_000
    scans = tmp_path / "scans.csv"
    scans.write_text("S-1\nS-1\nS-1\nK-1,9\n", encoding="utf-8")
    code, out, err = cli(capsys, backend, "count", str(scans), "--group", "Одяг", "--draft", *WHO)
    assert code == 0, err
    number = json.loads(out)["number"]
    sheet = tmp_path / "sheet.csv"
    code, out, err = cli(capsys, backend, "sheet", str(number), str(sheet), *WHO)
    assert code == 0, err
    rows = {r[0]: (r[4], r[5]) for r in csv.reader(sheet.open(encoding="utf-8"))}
    assert rows["S-1"] == ("5", "3") and rows["K-1"] == ("10", "9")
    code, out, err = cli(capsys, backend, "post", str(number), *WHO)
    assert code == 0 and json.loads(out)["movements"] == 2
    code, out, err = cli(capsys, backend, "post", str(number), *WHO)
    assert code == 0 and json.loads(out)["posted"] is False
    db.connect(reuse_if_open=True)
    assert stock_of(ps.scarf, ps.location_id) == 3_000
    code, out, err = cli(capsys, backend, "list", *WHO)
    assert [d["kind"] for d in json.loads(out)] == ["count", "receipt"]
    db.connect(reuse_if_open=True)
    before = (
        StockDocument.select().count(),
        StockDocumentLine.select().count(),
        StockMovement.select().count(),
    )
    bad = tmp_path / "bad.csv"
    for text, argv, words in [
        ("S-1,2\nNOPE,1\n", ("writeoff", "--reason", "x"), "Unknown code NOPE"),
        ("S-1,-2\n", ("writeoff", "--reason", "x"), "Row 1: The quantity must be more than zero"),
        ("S-1,1.5\n", ("writeoff", "--reason", "x"), "sold by the piece"),
        ("", ("writeoff", "--reason", "x"), "has no rows"),
        ("S-1,1,abc\n", ("receive", "--supplier", "X"), "Row 1:"),
    ]:
        bad.write_text(text, encoding="utf-8")
        code, out, err = cli(capsys, backend, argv[0], str(bad), *argv[1:], *WHO)
        assert (code, out) == (2, ""), (text, err)
        assert words in err and "Traceback" not in err, err
    bad.write_bytes(b"\xff\xfe\x00garbage\x9c,1\n")
    code, out, err = cli(capsys, backend, "writeoff", str(bad), "--reason", "x", *WHO)
    assert code == 2 and "is not a UTF-8 CSV file" in err
    code, out, err = cli(capsys, backend, "receive", str(receipt), "--supplier", " ", *WHO)
    assert code == 2 and "supplier" in err.lower()
    bad.write_text("S-1,1\n", encoding="utf-8")
    code, out, err = cli(
        capsys, backend, "writeoff", str(bad), "--reason", "x", "--employee", "Kateryna Cashier"
    )
    assert code == 2 and "may not" in err
    db.connect(reuse_if_open=True)
    after = (
        StockDocument.select().count(),
        StockDocumentLine.select().count(),
        StockMovement.select().count(),
    )
    assert after == before
