"""A batch's codes in files and on labels (CSV and XLSX read back, formulas neutralised; TSPL
and ZPL bytes; an A4 PDF sheet) and in the rules file (the batch round trip; import makes the
missing codes once, never twice), on both databases."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from tests.unit import codes_shop
from tests.unit.codes_shop import batch, make_codes, person
from torgtui.errors import PermissionDenied, TorgError, ValidationError
from torgtui.marketing import codes, codes_print
from torgtui.marketing.rules_file import import_rules, read_rules
from torgtui.marketing.rules_toml import dumps
from torgtui.models import AuditEntry, Location
from torgtui.models.codes import CodeBatch, PromoCode

promo = codes_shop.promo  # fixture


@pytest.fixture
def flyer(staff, clock, promo):
    found = batch(
        staff,
        clock,
        promo,
        name='=HYPERLINK("http://x")',  # a name a spreadsheet would run: kept as text
        channel="@partner",
        valid_until=dt.date(2026, 11, 30),
    )
    return found, make_codes(staff, clock, found, 3)


def test_csv_reads_back(staff, clock, flyer, tmp_path: Path) -> None:
    found, made = flyer
    codes.block_code(made[1], by=staff["manager"], clock=clock)
    path = tmp_path / "codes.csv"
    assert codes_print.export_csv(found, path, by=staff["manager"], clock=clock) == 3
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))
    assert rows[0] == codes_print.columns()
    assert rows[1:] == [
        [c, "FLY-NOV", "Листівка −10%", "'@partner", "1", "0", flag, "", "", "2026-11-30"]
        for c, flag in zip(made, ["0", "1", "0"], strict=True)
    ]
    cp = tmp_path / "codes-1251.csv"
    codes_print.export_csv(found, cp, by=staff["manager"], encoding="cp1251", clock=clock)
    assert "Листівка" in cp.read_bytes().decode("cp1251")
    last = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    assert last.action == "code_batch.export" and made[0] not in (last.after or "")


def test_xlsx_reads_back(staff, clock, flyer, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    found, made = flyer
    path = tmp_path / "codes.xlsx"
    assert codes_print.export_xlsx(found, path, by=staff["manager"], clock=clock) == 3
    sheet = load_workbook(path).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == codes_print.columns()
    assert rows[1] == [
        made[0],
        "FLY-NOV",
        "Листівка −10%",
        "'@partner",
        1,
        0,
        "0",
        None,
        None,
        "2026-11-30",
    ]
    assert [r[0] for r in rows[1:]] == made


def test_exports_refuse(staff, clock, flyer, tmp_path: Path) -> None:
    found, _made = flyer
    with pytest.raises(PermissionDenied):
        codes_print.export_csv(found, tmp_path / "c.csv", by=staff["cashier"])
    with pytest.raises(ValidationError, match="name the file with .xlsx at the end"):
        codes_print.export_xlsx(found, tmp_path / "c.csv", by=staff["manager"])
    with pytest.raises(ValidationError, match="no such folder"):
        codes_print.export_csv(found, tmp_path / "nope" / "c.csv", by=staff["manager"])
    with pytest.raises(ValidationError, match="Unknown encoding 'latin-1'"):
        codes_print.export_csv(found, tmp_path / "c.csv", by=staff["manager"], encoding="latin-1")
    assert list(tmp_path.glob("c.*")) == [] and not (tmp_path / "nope").exists()


def test_label_printer_bytes(staff, clock, flyer) -> None:
    found, made = flyer
    tspl = codes_print.label_bytes(found, by=staff["manager"], codes=[made[0]], clock=clock)
    text = tspl.decode("cp1251")
    assert text.count("PRINT 1,1") == 1
    assert '"128",' in text and f'"{made[0]}"' in text
    assert "Листівка −10%".replace("−", "?") in text and "Valid until 30.11.2026" in text
    zpl = codes_print.label_bytes(found, by=staff["manager"], language="zpl", clock=clock)
    assert zpl.count(b"^XA") == 3 and all(f"^FD{c}^FS".encode() in zpl for c in made)
    ean = batch(staff, clock, codes_shop.promotion("E5", "E5"), "EAN", style="ean13")
    (code,) = make_codes(staff, clock, ean, 1)
    assert b'"EAN13",' in codes_print.label_bytes(ean, by=staff["manager"], clock=clock)
    assert f'"{code[:12]}"'.encode() in codes_print.label_bytes(ean, by=staff["manager"])
    with pytest.raises(ValidationError, match="Some codes are not codes of FLY-NOV"):
        codes_print.label_bytes(found, by=staff["manager"], codes=[code])
    with pytest.raises(ValidationError, match="A label printer speaks tspl or zpl"):
        codes_print.label_bytes(found, by=staff["manager"], language="epl")


def test_a_pdf_sheet_of_labels(staff, clock, flyer, tmp_path: Path) -> None:
    found, made = flyer
    more = make_codes(staff, clock, found, 40)
    path = tmp_path / "labels.pdf"
    assert (
        codes_print.labels_pdf(found, path, by=staff["manager"], layout="a4-24", clock=clock) == 2
    )
    assert path.read_bytes().startswith(b"%PDF") and len(made + more) == 43
    with pytest.raises(ValidationError, match="Unknown label layout 'a5'"):
        codes_print.labels_pdf(found, tmp_path / "x.pdf", by=staff["manager"], layout="a5")


# --- the rules file -------------------------------------------------------------------------


def load(text: str, tmp_path: Path, staff, clock, name: str = "rules.toml", **kw):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return import_rules(read_rules(str(path)), employee=staff["manager"], clock=clock, **kw)


def section(text: str) -> str:
    """The [[code_batch]] tables of a rules file's text."""
    tables = [t.strip("\n") for t in text.split("\n\n")]
    return "\n\n".join(t for t in tables if t.startswith("[[code_batch]]")) + "\n"


def test_the_rules_file_round_trip(staff, shop, clock, promo, tmp_path: Path) -> None:
    kyiv = Location.create(code="KYIV", name="Київ")
    flyer = batch(
        staff,
        clock,
        promo,
        per_customer=1,
        valid_from=dt.date(2026, 11, 1),
        location_ids=(kyiv.id, shop.location.id),
    )
    make_codes(staff, clock, flyer, 5)
    batch(
        staff,
        clock,
        promo,
        "INSTA",
        channel="Instagram",
        style="given",
        given="SPRING25",
        uses_per_code=500,
    )
    vip = batch(staff, clock, promo, "VIP", personal=True, channel="")
    codes.issue_codes(vip, [person().id], by=staff["manager"], clock=clock)
    codes.block_batch(vip, by=staff["manager"], clock=clock)
    text = dumps()
    assert section(text) == (
        "[[code_batch]]\n"
        'code = "FLY-NOV"\n'
        'channel = "Flyer"\n'
        "count = 5\n"
        "length = 10\n"
        'locations = "KYIV, MAIN"\n'
        'name = "Fly-Nov"\n'
        "per_customer = 1\n"
        'promotion = "FLY10"\n'
        'style = "random"\n'
        "uses_per_code = 1\n"
        'valid_from = "2026-11-01"\n'
        "\n"
        "[[code_batch]]\n"
        'code = "INSTA"\n'
        'channel = "Instagram"\n'
        'given = "SPRING25"\n'
        'name = "Insta"\n'
        'promotion = "FLY10"\n'
        'style = "given"\n'
        "uses_per_code = 500\n"
        "\n"
        "[[code_batch]]\n"
        'code = "VIP"\n'
        "blocked = true\n"
        "length = 10\n"
        'name = "Vip"\n'
        "personal = true\n"
        'promotion = "FLY10"\n'
        'style = "random"\n'
        "uses_per_code = 1\n"
    )  # no code but the chosen one: the others are secrets (CSV, XLSX)
    again = load(text, tmp_path, staff, clock)
    assert not again.any and dumps() == text  # export -> import -> export is identical
    # more codes asked: made once, at random; the same file again makes nothing
    more = text.replace("count = 5\n", "count = 8\n")
    report = load(more, tmp_path, staff, clock)
    assert report.changed == {"code_batch": ["FLY-NOV"]} and codes.code_count(flyer.id) == 8
    assert not load(more, tmp_path, staff, clock).any and codes.code_count(flyer.id) == 8
    # a new batch from the file gets its codes
    new = more + (
        '\n[[code_batch]]\ncode = "PARTNER"\nname = "Партнер"\npromotion = "FLY10"\n'
        'style = "ean13"\nchannel = "Кав\'ярня"\ncount = 20\n'
    )
    assert load(new, tmp_path, staff, clock).created == {"code_batch": ["PARTNER"]}
    partner = CodeBatch.get(CodeBatch.code == "PARTNER")
    assert (partner.prefix, codes.code_count(partner.id)) == ("28", 20)
    assert not load(dumps(), tmp_path, staff, clock).any


def test_bad_batches_in_the_rules_file(staff, shop, clock, promo, tmp_path: Path) -> None:
    found = batch(staff, clock, promo)
    make_codes(staff, clock, found, 5)
    text = dumps()
    before = (PromoCode.select().count(), AuditEntry.select().count())
    cases = [
        (text.replace("count = 5", "count = 3"), "has 5 codes: codes are never deleted"),
        (text.replace('promotion = "FLY10"', 'promotion = "NOPE"'), "There is no promotion 'NOPE'"),
        (text.replace('style = "random"', 'style = "qr"'), "style is random, ean13 or given"),
        (text.replace("length = 10", "length = 5"), "length must be from 8 to 20"),
        (
            text.replace('channel = "Flyer"', 'channel = "Flyer"\nlocations = "MARS"'),
            "no location 'MARS'",
        ),
        (text.replace("count = 5", "count = 60000"), "At most 50000 new codes in one import"),
    ]
    for bad, message in cases:
        with pytest.raises(TorgError, match=message) as exc:
            load(bad, tmp_path, staff, clock)
        assert str(exc.value).startswith(str(tmp_path / "rules.toml") + ":")  # FILE:LINE
    assert (PromoCode.select().count(), AuditEntry.select().count()) == before


def test_replace_blocks_a_batch_the_file_does_not_have(staff, shop, clock, promo, tmp_path) -> None:
    batch(staff, clock, promo)
    report = load("code_batch = []\n", tmp_path, staff, clock, replace=True)
    assert report.retired == {"code_batch": ["FLY-NOV"]} and CodeBatch.get().blocked
