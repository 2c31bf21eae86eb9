"""Gift certificates on paper and in files: the PDF certificate (A6, A4, four on A4; the
barcode's number readable in the page stream, the Cyrillic shop name in DejaVu), TSPL and
ZPL labels, and a batch's barcodes in CSV and XLSX read back (formulas neutralised), with the
permission checked and the export audited, on both databases. The batch's rows are written
as the models keep them (CERT's service issues them in the app)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import socket
import threading
import zlib
from decimal import Decimal
from pathlib import Path

import pytest

from tests.unit import test_certificates as cert_tests
from torgtui.errors import AuthError, PermissionDenied, ValidationError
from torgtui.hw.labels import LabelPrinterError
from torgtui.marketing import certificates as gc
from torgtui.marketing import certificates_export, certificates_office, certificates_print
from torgtui.marketing.certificates_print import CertificateFace
from torgtui.models import AuditEntry, Customer
from torgtui.models.certificates import Certificate, CertificateBatch, CertificateType

SHOP = "Крамниця «Ромашка»"
kinds, shift = cert_tests.kinds, cert_tests.shift  # fixtures: CERT's four types, a shift
issue, sale = cert_tests.issue, cert_tests.sale


def page_streams(data: bytes) -> bytes:
    """Every stream of a PDF, inflated where it is deflated (fpdf2 compresses pages)."""
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            out.append(raw)
    return b"\n".join(out)


ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    """A PDF literal string's bytes (backslash escapes and octal codes undone)."""

    def one(m: re.Match[bytes]) -> bytes:
        body = m.group(1)
        if body[:1].isdigit():
            return bytes([int(body, 8)])
        return ESCAPES.get(body, body)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, raw, flags=re.S)


def pdf_text(data: bytes) -> str:
    """The text an embedded (Identity-H) font shows, read back through its ToUnicode map."""
    cmap: dict[int, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for glyph, code in re.findall(rb"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]{4})>", section):
            cmap[int(glyph, 16)] = chr(int(code, 16))
    out = []
    for raw in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", page_streams(data), re.S):
        text = _unescape(raw)
        out.append(
            "".join(
                cmap.get(int.from_bytes(text[i : i + 2]), "") for i in range(0, len(text) - 1, 2)
            )
        )
    return "\n".join(out)


def make_batch(staff, clock, *, mode: str = "money", statuses=("issued",) * 3, note=""):
    """A type, a batch and its certificates as the models keep them."""
    now = clock()
    ctype = CertificateType.create(
        code=f"GC-{mode.upper()}",
        name="Подарунковий сертифікат" if mode == "money" else "=cmd|' /C calc'!A0",
        mode=mode,
        face_value=50000 if mode != "discount" else 0,
        discount_percent=Decimal("10") if mode == "discount" else None,
        min_total=100000 if mode == "discount" else 0,
        prefix="290",
        valid_days=180,
        valid_until=dt.date(2027, 12, 31),
        template="a4-4",
        note=note,
        created_at=now,
        updated_at=now,
        created_by=staff["manager"],
    )
    batch = CertificateBatch.create(
        type=ctype, count=len(statuses), issued_at=now, issued_by=staff["manager"]
    )
    buyer = Customer.create(name="Олена Іваненко", created_at=now, updated_at=now)
    barcodes = []
    for n, status in enumerate(statuses, 1):
        code = f"2900000{n:05d}"
        code += str((10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code))) % 10)
        sold = status != "issued"
        Certificate.create(
            type=ctype,
            batch=batch,
            barcode=code,
            status=status,
            value=50000 if mode != "discount" else 0,
            issued_at=now,
            issued_by=staff["manager"],
            sold_at=now if sold else None,
            expires_at=dt.datetime(2027, 5, 21) if sold else None,
            customer=buyer if sold else None,
        )
        barcodes.append(code)
    return batch, barcodes


def face(**kw) -> CertificateFace:
    values = {
        "barcode": "4820000000017",
        "title": "Подарунковий сертифікат",
        "value": "500.00 UAH",
        "shop": SHOP,
        "valid_until": dt.date(2027, 3, 1),
        "note": "Не обмінюється на гроші. " * 12,
    }
    return CertificateFace(**{**values, **kw})


@pytest.mark.parametrize(("layout", "pages"), [("a6", 5), ("a4", 5), ("a4-4", 2)])
def test_the_pdf_holds_the_barcode_and_cyrillic(layout, pages, tmp_path: Path) -> None:
    faces = [face(barcode=f"GC{n:06d}") for n in range(5)]
    path = tmp_path / "certificates.pdf"
    assert certificates_print.write_pdf(certificates_print.faces_pdf(faces, layout), path) == pages
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    text = page_streams(data)
    for f in faces:  # the number under the bars, in Courier: literal in the page
        assert f"({f.barcode}) Tj".encode() in text
    assert b"/BaseFont /Courier" in data and b"DejaVu" in data
    shown = pdf_text(data)  # the Cyrillic text, read back through the embedded font's map
    assert SHOP in shown and "Подарунковий сертифікат" in shown and "500.00 UAH" in shown
    assert "GIFT CERTIFICATE" in shown and "Valid until 01.03.2027" in shown
    assert "Не обмінюється на гроші." in shown
    assert not list(tmp_path.glob(".*partial"))


def test_the_validity_in_words() -> None:
    text = certificates_print.validity_text
    assert text(face()) == "Valid until 01.03.2027"
    assert text(face(valid_until=None, valid_days=90)) == "Valid 90 days from the sale"
    assert text(face(valid_days=90)) == "Valid 90 days from the sale, at most until 01.03.2027"
    assert text(face(valid_until=None)) == "No expiry date"


def test_a_types_template_names_its_page() -> None:
    pages = [certificates_print.layout_for(t) for t in ("a4", "gift-a6", "gift-a4-4", "x", "")]
    assert pages == ["a4", "a6", "a4-4", "a6", "a6"]


def test_a_bad_barcode_or_layout_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="cannot be printed"):
        certificates_print.faces_pdf([face(), face(barcode="ЖЖЖ")])
    with pytest.raises(ValidationError, match="Unknown certificate page 'a3'"):
        certificates_print.faces_pdf([face()], "a3")
    with pytest.raises(ValidationError, match="No certificates"):
        certificates_print.faces_pdf([])
    with pytest.raises(ValidationError, match=r"with \.pdf at the end"):
        certificates_print.write_pdf(certificates_print.faces_pdf([face()]), tmp_path / "a.txt")
    assert list(tmp_path.iterdir()) == []


def test_labels_in_tspl_and_zpl() -> None:
    tspl = certificates_print.face_label(face())
    assert tspl.startswith(b"SIZE 58 mm,40 mm\r\n")
    assert '"Подарунковий сертифікат: 500.00 UAH"'.encode("cp1251") in tspl
    assert b'"Valid until 01.03.2027"' in tspl
    assert b'"EAN13",' in tspl and b'"482000000001"' in tspl  # the printer adds the check digit
    zpl = certificates_print.face_label(face(barcode="GC-000042"), language="zpl")
    assert zpl.startswith(b"^XA^CI28") and zpl.endswith(b"^XZ")
    assert "Подарунковий".encode() in zpl and b"^BCN," in zpl and b"^FDGC-000042^FS" in zpl
    both = certificates_print.faces_labels([face(), face(barcode="GC-1")], language="zpl")
    assert both.count(b"^XA") == 2


def test_a_batch_prints_what_is_in_force(db, staff, clock, tmp_path: Path) -> None:
    batch, barcodes = make_batch(staff, clock, statuses=("issued", "sold", "blocked"))
    faces = certificates_office.batch_faces(batch.id, SHOP)
    assert [f.barcode for f in faces] == barcodes[:2]
    issued, sold = faces
    assert (issued.valid_until, issued.valid_days) == (dt.date(2027, 12, 31), 180)
    assert (sold.valid_until, sold.valid_days) == (dt.date(2027, 5, 20), 0)
    assert issued.value == "500.00 UAH" and issued.shop == SHOP
    path = tmp_path / "batch.pdf"
    manager = staff["manager"]
    assert certificates_print.batch_pdf(batch.id, path, by=manager, shop=SHOP, clock=clock) == 2
    text = page_streams(path.read_bytes())
    assert f"({barcodes[0]}) Tj".encode() in text and barcodes[2].encode() not in text
    data = certificates_print.batch_labels(
        batch.id, by=manager, language="zpl", barcodes=[barcodes[1]], clock=clock
    )
    assert data.count(b"^XA") == 1 and barcodes[1][:12].encode() in data
    with pytest.raises(PermissionDenied):
        certificates_print.batch_labels(batch.id, by=staff["cashier"], clock=clock)
    actions = [
        (a.action, a.after)
        for a in AuditEntry.select().where(AuditEntry.object_type == "certificate_batch")
    ]
    assert [a for a, _after in actions] == ["certificate_batch.print", "certificate_batch.labels"]
    assert all(b not in str(after) for _a, after in actions for b in barcodes)


def test_the_barcodes_to_csv_and_xlsx(db, staff, clock, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    batch, barcodes = make_batch(staff, clock, mode="discount", statuses=("issued", "sold"))
    manager = staff["manager"]
    path = tmp_path / "gc.csv"
    assert certificates_export.export(batch.id, path, by=manager, clock=clock) == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8")), delimiter=";"))
    assert rows[0] == certificates_export.columns()
    formula = "'=cmd|' /C calc'!A0"  # the type's name, neutralised
    assert rows[1:] == [
        [barcodes[0], "1", "GC-DISCOUNT", formula, "deferred discount", "", "issued",
         "2026-11-22", "", "2027-12-31", ""],
        [barcodes[1], "1", "GC-DISCOUNT", formula, "deferred discount", "", "sold",
         "2026-11-22", "2026-11-22", "2027-05-20", "Олена Іваненко"],
    ]  # fmt: skip
    book = tmp_path / "gc.xlsx"
    assert certificates_export.export(batch.id, book, by=manager, clock=clock) == 2
    sheet = load_workbook(book, read_only=True).active
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[0] == certificates_export.columns()
    assert cells[1][0] == barcodes[0] and isinstance(cells[1][0], str)  # text, not 2.9E+12
    assert cells[2][3] == formula and cells[2][10] == "Олена Іваненко"
    with pytest.raises(PermissionDenied):
        certificates_export.export(batch.id, tmp_path / "x.csv", by=staff["cashier"])
    with pytest.raises(ValidationError, match="no such folder"):
        certificates_export.export(batch.id, tmp_path / "nope" / "x.csv", by=manager)
    exports = AuditEntry.select().where(AuditEntry.action == "certificate_batch.export")
    assert [e.after for e in exports].count(None) == 0 and exports.count() == 2


def test_money_value_is_a_number_in_the_sheet(db, staff, clock, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    batch, _codes = make_batch(staff, clock, statuses=("issued",))
    book = tmp_path / "gc.xlsx"
    certificates_export.export_xlsx(batch.id, book, by=staff["manager"], clock=clock)
    row = list(load_workbook(book, read_only=True).active.iter_rows(values_only=True))[1]
    assert row[5] == 500 and row[4] == "as money"
    path = tmp_path / "gc.csv"
    certificates_export.export_csv(batch.id, path, by=staff["manager"], encoding="cp1251")
    text = path.read_bytes().decode("cp1251")
    assert ";500.00;" in text and "Подарунковий сертифікат" in text


def test_a_certificates_card_tells_its_lives_receipts_and_ledger(
    staff, shop, shift, clock, kinds
) -> None:
    """Sold, part spent on the cream, blocked: the card the search shows, read back."""
    first, _second = issue(staff, clock, kinds["money"])
    sold = sale(staff, shop, shift, clock, [first])
    cream = sale(staff, shop, shift, clock, [shop.cream_code, first])
    gc.block(first, by=staff["senior_cashier"], reason="загубили", clock=clock)
    with pytest.raises(AuthError):
        certificates_office.find(first, by=None)
    card = certificates_office.find(f" {first} ", by=staff["support"])  # reports may look
    life = card.current
    assert (card.type_code, card.mode, card.value) == ("GIFT1000", "money", "1 000.00 UAH")
    assert (life.status, life.value, life.balance) == ("blocked", 100000, 81010)
    assert life.sale_receipt == str(sold.number) and life.block_reason == "загубили"
    assert [(u.kind, u.amount, u.receipt) for u in life.uses] == [("pay", 18990, str(cream.number))]
    assert sum(e.amount for e in life.entries) == 81010
    events = [(e.what, e.amount, e.receipt) for e in certificates_office.history(card, clock())]
    assert events[0] == ("issued", 100000, "")
    assert ("sold", 100000, str(sold.number)) in events
    assert ("paid for a receipt", 18990, str(cream.number)) in events
    assert ("value credited on sale", 100000, str(sold.number)) in events
    assert ("value spent on a receipt", -18990, str(cream.number)) in events
    assert events[-1] == ("blocked: загубили", None, "")
    with pytest.raises(ValidationError, match="No certificate has the barcode 123"):
        certificates_office.find("123", by=staff["cashier"])


def test_a_reissued_certificates_card_shows_both_lives(staff, shop, shift, clock, kinds) -> None:
    once, _other = issue(staff, clock, kinds["once"])
    sale(staff, shop, shift, clock, [once])
    spent = sale(staff, shop, shift, clock, [shop.dress_code, once])
    assert gc.find(once).status == "used"
    gc.reissue(once, by=staff["manager"], clock=clock)
    card = certificates_office.find(once, by=staff["cashier"])
    assert [(life.generation, life.status) for life in card.lives] == [
        (2, "issued"),
        (1, "reissued"),
    ]
    assert card.lives[1].uses[0].receipt == str(spent.number)
    events = [(e.generation, e.what) for e in certificates_office.history(card, clock())]
    assert events[0] == (1, "issued") and events[-1] == (2, "reissued as a new life")
    assert (1, "paid for a receipt") in events and (1, "used up") in events


def test_labels_go_to_a_network_printer_or_a_file(db, staff, clock, tmp_path: Path) -> None:
    batch, barcodes = make_batch(staff, clock, statuses=("issued", "sold", "used"))
    manager = staff["manager"]
    server = socket.create_server(("127.0.0.1", 0))
    received = bytearray()

    def printer() -> None:
        conn, _addr = server.accept()
        with conn:
            while chunk := conn.recv(4096):
                received.extend(chunk)

    thread = threading.Thread(target=printer)
    thread.start()
    try:
        where = f"127.0.0.1:{server.getsockname()[1]}"
        sent = certificates_print.print_labels(
            batch.id, by=manager, language="tspl", printer=where, clock=clock
        )
        thread.join(10)
    finally:
        server.close()
    assert sent == 2 and bytes(received).count(b"PRINT 1,1") == 2
    assert barcodes[0][:12].encode() in received and barcodes[2][:12].encode() not in received
    path = tmp_path / "labels.zpl"
    assert certificates_print.print_labels(batch.id, by=manager, language="zpl", path=path) == 2
    assert path.read_bytes().count(b"^XZ") == 2
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(LabelPrinterError, match="did not answer"):
        certificates_print.print_labels(
            batch.id, by=manager, language="zpl", printer=f"127.0.0.1:{port}"
        )
    with pytest.raises(ValidationError, match="host or host:port"):
        certificates_print.print_labels(batch.id, by=manager, language="zpl", printer="x:y")
    with pytest.raises(ValidationError, match=r"with \.tspl at the end"):
        certificates_print.print_labels(batch.id, by=manager, language="tspl", path=path)
    audited = AuditEntry.select().where(AuditEntry.action == "certificate_batch.labels")
    assert [e.after for e in audited if "127.0.0.1" in (e.after or "")] != []
    assert audited.count() == 2  # the printer that did not answer printed nothing
