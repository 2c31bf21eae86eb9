"""Printed matter: the questionnaire (with and without children), DL envelopes from postal
addresses, A4 label sheets, and TSPL/ZPL labels sent to a TCP label printer on 127.0.0.1."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import zlib
from pathlib import Path

import pytest

from torgtui.catalog.barcodes import make_ean13
from torgtui.cli import main
from torgtui.customers.printing import (
    LAYOUTS,
    envelopes_pdf,
    labels_pdf,
    questionnaire_pdf,
)
from torgtui.customers.service import CardData, create_customer
from torgtui.errors import ValidationError
from torgtui.hw.labels import LabelPrinterError, send_label, tspl_label, zpl_label
from torgtui.models import Customer, DeliveryAddress

# --- reading our PDFs back without poppler --------------------------------------------------

_LITERAL = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _streams(data: bytes) -> list[bytes]:
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            out.append(raw)
    return out


def _unescape(literal: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(literal):
        ch = literal[i : i + 1]
        if ch != b"\\":
            out += ch
            i += 1
            continue
        nxt = literal[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", literal[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(), 8))
            i += 1 + len(octal.group())
        else:
            out += _ESCAPES.get(nxt, nxt)
            i += 2
    return bytes(out)


def pdf_text(path: Path) -> str:
    """The text of a PDF written by fpdf2 with an embedded TrueType font: glyph ids of every
    ``Tj`` mapped back to characters through the font's ToUnicode CMap."""
    streams = _streams(path.read_bytes())
    cmap: dict[int, str] = {}
    for s in streams:
        if b"begincmap" in s:
            for gid, uni in re.findall(rb"<([0-9A-F]{4})> <([0-9A-F]{4,8})>", s):
                cmap[int(gid, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    lines = []
    for s in streams:
        for literal in _LITERAL.findall(s):
            raw = _unescape(literal)
            ids = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
            lines.append("".join(cmap.get(g, "?") for g in ids))
    return "\n".join(lines)


def pages(path: Path) -> int:
    return len(re.findall(rb"/Type /Page\b", path.read_bytes()))


def assert_font_embedded(path: Path) -> None:
    data = path.read_bytes()
    assert b"/FontFile2" in data
    assert re.search(rb"/FontName /[A-Z]{6}\+DejaVuSans", data)


def poppler_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: checked with our own reader")
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- the questionnaire ----------------------------------------------------------------------


def test_questionnaire_with_children_has_the_children_table(tmp_path: Path) -> None:
    plain, family = tmp_path / "plain.pdf", tmp_path / "family.pdf"

    assert questionnaire_pdf(plain, with_children=False, store_name="Ластівка") == 1
    assert (
        questionnaire_pdf(
            family, with_children=True, store_name="Ластівка", card_number="2900000000018"
        )
        == 1
    )

    for path in (plain, family):
        assert pages(path) == 1
        assert_font_embedded(path)
        text = pdf_text(path)
        for words in (
            "АНКЕТА КЛІЄНТА",
            "Прізвище, ім'я, по батькові",
            "Телефон",
            "Дата народження",
            "Стать",
            "Мова спілкування",
            "Згода на повідомлення",
            "Підпис",
            "Signature",
            "«Ластівка»",
        ):
            assert words in text, words
    assert "Діти" not in pdf_text(plain)
    assert "Children" in pdf_text(family) and "Діти" in pdf_text(family)
    assert "2900000000018" in pdf_text(family)


def test_questionnaire_words_for_poppler(tmp_path: Path) -> None:
    path = tmp_path / "form.pdf"
    questionnaire_pdf(path, with_children=True, store_name="Ластівка")

    text = poppler_text(path)

    assert "АНКЕТА КЛІЄНТА" in text and "Діти" in text


# --- envelopes ------------------------------------------------------------------------------


@pytest.fixture
def people(db, staff, clock) -> list[Customer]:
    by = staff["manager"]
    names = ["Олена Петренко", "Іван Коваль", "Марія Шевчук", "Петро Бондар"]
    made = [
        create_customer(CardData(n, card=make_ean13("29", i + 1)), by=by, clock=clock)
        for i, n in enumerate(names)
    ]
    now = clock()
    earlier = now.replace(year=now.year - 1)
    # Olena: an old street address and a newer one; the newer goes on the envelope
    for used, street in ((earlier, "вул. Стара, 1"), (now, "вул. Хрещатик, 22, кв. 5")):
        DeliveryAddress.create(
            customer=made[0],
            carrier="street",
            city="Київ",
            street=street,
            created_at=used,
            used_at=used,
        )
    # Ivan: Ukrposhta post office; Maria: only Nova Poshta (not postal); Petro: nothing
    DeliveryAddress.create(
        customer=made[1],
        carrier="ukrposhta",
        city="Львів",
        branch="79000",
        recipient="Коваль Іван Петрович",
        created_at=now,
        used_at=now,
    )
    DeliveryAddress.create(
        customer=made[2],
        carrier="nova_poshta",
        city="Одеса",
        branch="Відділення №3",
        created_at=now,
        used_at=now,
    )
    return made


def test_envelopes_skip_customers_without_a_postal_address(tmp_path: Path, people) -> None:
    path = tmp_path / "env.pdf"

    summary = envelopes_pdf(path, people, sender="Ластівка\nвул. Садова, 3\nПолтава")

    assert (summary.printed, summary.skipped, summary.pages) == (2, 2, 2)
    assert pages(path) == 2
    assert_font_embedded(path)
    text = pdf_text(path)
    assert "вул. Хрещатик, 22, кв. 5" in text and "вул. Стара" not in text
    assert "Коваль Іван Петрович" in text and "79000" in text
    assert "Олена Петренко" in text and "Марія Шевчук" not in text
    assert "вул. Садова, 3" in text
    box = re.search(rb"/MediaBox \[([^\]]+)\]", path.read_bytes()).group(1).split()
    assert [round(float(v) / 72 * 25.4) for v in box[2:]] == [220, 110]


def test_no_envelope_no_file(tmp_path: Path, people) -> None:
    path = tmp_path / "none.pdf"

    summary = envelopes_pdf(path, people[2:], sender="Ластівка")

    assert (summary.printed, summary.skipped) == (0, 2)
    assert not path.exists()


# --- label sheets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "n", "expected"),
    [("a4-24", 24, 1), ("a4-24", 25, 2), ("a4-65", 131, 3), ("a4-40", 1, 1)],
)
def test_label_sheets_count_pages(tmp_path: Path, layout: str, n: int, expected: int) -> None:
    path = tmp_path / "labels.pdf"
    codes = [f"PROMO{i:03d}" if i % 2 else "2900000000018" for i in range(n)]

    summary = labels_pdf(path, codes, layout=layout)

    assert (summary.printed, summary.pages) == (n, expected)
    assert pages(path) == expected == -(-n // LAYOUTS[layout].per_page)
    assert "2900000000018" in pdf_text(path)


def test_customer_labels_name_and_card_barcode(tmp_path: Path, people) -> None:
    people[3].card = None
    path = tmp_path / "cards.pdf"

    summary = labels_pdf(path, people, layout="a4-24")

    assert (summary.printed, summary.skipped, summary.pages) == (3, 1, 1)
    text = pdf_text(path)
    assert "Олена Петренко" in text and people[0].card in text
    assert "Петро Бондар" not in text
    # bars are filled rectangles: an EAN-13 has 30 bars (3 guards x 2 + 2 x 6 digits x 2)
    content = b"".join(_streams(path.read_bytes()))
    assert content.count(b" re f") >= 3 * 30


def test_bad_layout_and_bad_code_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="Unknown label layout"):
        labels_pdf(tmp_path / "x.pdf", ["PROMO1"], layout="a5-1")
    with pytest.raises(ValidationError, match="cannot be printed as a barcode"):
        labels_pdf(tmp_path / "x.pdf", ["ЗНИЖКА"])


def test_print_commands(tmp_path: Path, capsys) -> None:
    shop = str(tmp_path / "shop.sqlite")
    assert main(["--db", shop, "init", "--owner", "O", "--pin", "1111"]) == 0
    form = tmp_path / "form.pdf"

    assert main(["--db", shop, "print", "questionnaire", str(form), "--children"]) == 0
    assert "Діти" in pdf_text(form)
    assert (
        main(["--db", shop, "print", "labels", str(tmp_path / "l.pdf"), "--codes", "A1", "B2"]) == 0
    )
    assert "2 printed on 1 page(s)" in capsys.readouterr().out
    assert main(["--db", shop, "print", "envelopes", str(tmp_path / "e.pdf")]) == 2
    assert "Nothing to print (0 without a postal address skipped)" in capsys.readouterr().err


# --- TSPL / ZPL over TCP --------------------------------------------------------------------


def test_tspl_label_text_in_cp1251() -> None:
    data = tspl_label('Знижка "10"', "2900000000018")

    assert data.startswith(b"SIZE 58 mm,40 mm\r\nGAP 2 mm,0\r\nCODEPAGE 1251\r\n")
    assert '"Знижка \\["]10\\["]"'.encode("cp1251") in data
    assert b'"EAN13",' in data and data.endswith(b',"290000000001"\r\nPRINT 1,1\r\n')
    assert b'"128",' in tspl_label("Promo", "PROMO10", width_mm=40, height_mm=30)


def test_zpl_label_utf8_and_escaped() -> None:
    data = zpl_label("Олена^1", "2900000000018", copies=2)

    assert data.startswith(b"^XA^CI28^PW464^LL320")
    assert "^FH_^FDОлена_5E1^FS".encode() in data
    assert b"^BEN,128,Y,N^FD290000000001^FS" in data and data.endswith(b"^PQ2^XZ")
    assert b"^BCN," in zpl_label("x", "PROMO~1") and b"PROMO_7E1" in zpl_label("x", "PROMO~1")


def test_send_label_to_a_tcp_printer() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    received = bytearray()

    def printer() -> None:
        conn, _addr = server.accept()
        with conn:
            while chunk := conn.recv(4096):
                received.extend(chunk)

    thread = threading.Thread(target=printer)
    thread.start()
    label = zpl_label("Олена Петренко", "2900000000018") + tspl_label("Іван", "PROMO10")
    try:
        assert send_label(label, "127.0.0.1", server.getsockname()[1], timeout=5) == len(label)
        thread.join(10)
    finally:
        server.close()
    assert bytes(received) == label


def test_send_label_to_nobody_is_a_clear_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(LabelPrinterError, match="did not answer"):
        send_label(b"^XA^XZ", "127.0.0.1", port, timeout=2)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["questionnaire", "--card", "9" * 3000], "The card number is 3000 characters long"),
        (["questionnaire", "--card", "29 00"], "'29 00' is not a code"),
        (["labels", "--codes", "Ж"], "'Ж' cannot be printed as a barcode"),
        (["labels", "--codes", "A\x00"], "holds a control character (U+0000)"),
        (["labels", "--codes", "9" * 41], "is 41 characters long: at most 40"),
        (["envelopes", "--sender", "x" * 301], "The sender is 301 characters long: at most 300"),
        (["envelopes", "--sender", "Shop\x1b[2J"], "The sender holds a control character"),
        (["labels", "--not-bought-days", "99999999999"], "--not-bought-days must be from 1"),
        (["envelopes", "--birthday-within", "-5"], "--birthday-within must be from 0 to 366"),
        (["labels", "--children-age", "3-x"], "--children-age '3-x': write two ages like 3-7."),
    ],
)
def test_print_commands_check_their_arguments(tmp_path: Path, capsys, argv, message) -> None:
    shop = str(tmp_path / "shop.sqlite")
    assert main(["--db", shop, "init", "--owner", "O", "--pin", "1111"]) == 0
    capsys.readouterr()
    pdf = tmp_path / "out.pdf"
    assert main(["--db", shop, "print", argv[0], str(pdf), *argv[1:]]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not pdf.exists()
