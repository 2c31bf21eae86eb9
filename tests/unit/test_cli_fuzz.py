"""Every ``torgtui`` command fed generated bad input: never a traceback, a message on standard
error, exit status 1 or 2, and nothing written (row counts of every table, the output files).

The crash log's safety net (exit 3) counts as a failure here: it exists for the cashier, not to
hide bugs. The inputs issue 7 found are explicit examples, so they never come back. SQLite
only: the commands' PostgreSQL paths are those of the services, fuzzed in test_service_fuzz.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from torgtui.cli import main

FUZZ = settings(
    max_examples=int(os.environ.get("TORGTUI_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LEFT_BEHIND = ("-wal", "-shm", "-writelock")  # files an open SQLite shop may have beside it
SAFETY_NET = "stopped on an unexpected error"  # cli._crashed: a bug, here a failure


# --- the shop and the checks ----------------------------------------------------------------


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One SQLite shop for the module: an owner, a product and a customer."""
    root = tmp_path_factory.mktemp("fuzz")
    path = root / "shop.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_STATE_HOME", str(root / "state"))  # a crash log would land here
        mp.setenv("XDG_CONFIG_HOME", str(root / "config"))
        mp.delenv("TORGTUI_CONFIG", raising=False)
        mp.delenv("TORGTUI_DB", raising=False)
        assert call("--db", str(path), "init", "--owner", "Olena", "--pin", "1111")[0] == 0
        products = root / "seed-products.csv"
        products.write_text("sku;name;price;barcodes\nS-1;Сукня;100;4820000000017\n", "utf-8")
        assert call("--db", str(path), "import", "products", str(products))[0] == 0
        people = root / "seed-customers.csv"
        people.write_text("name;phone;card\nОлена;067 123 45 67;2900000000018\n", "utf-8")
        assert call("--db", str(path), "import", "customers", str(people))[0] == 0
        (root / "work").mkdir()
        yield path


def call(*argv: str) -> tuple[int, str, str]:
    """``torgtui ARGV`` in this process: (exit status, standard output, standard error)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        finally:
            from torgtui.db import database

            with contextlib.suppress(Exception):
                database.close()
    return code, out.getvalue(), err.getvalue()


def rows(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.endswith(LEFT_BEHIND)}


def refused(shop: Path, *argv: str, statuses: tuple[int, ...] = (1, 2)) -> tuple[str, str]:
    """Run a command that must be refused: (stdout, stderr) after checking the contract."""
    before, folder = rows(shop), files(shop.parent)
    code, out, err = call("--db", str(shop), *argv)
    assert "Traceback" not in out + err, err
    assert SAFETY_NET not in err, err  # the crash log's safety net is a bug here
    assert code in statuses, (code, out[-500:], err[-500:])
    assert err.strip(), "a refusal says why on standard error"
    assert rows(shop) == before, "nothing may be written"
    assert files(shop.parent) == folder, "no file may be left behind"
    return out, err


# --- strategies -----------------------------------------------------------------------------

CONTROL = st.sampled_from(["\x01", "\x1b[31m", "\x7f", "\u200b", "\x00"])
BROKEN = st.sampled_from(["\ud800", "\udcff"])  # lone surrogates: only in arguments and JSON
LONG = st.integers(min_value=201, max_value=5000).map(lambda n: "Я" * n)


SHORT = st.text(max_size=10)


def with_control(bad: st.SearchStrategy[str] = CONTROL) -> st.SearchStrategy[str]:
    """Some text with a control character (or what ``bad`` gives) inside."""
    return st.builds(lambda a, c, b: a + c + b, SHORT, bad, SHORT)


def with_broken() -> st.SearchStrategy[str]:
    """Text with a control character or a lone surrogate (arguments and JSON only)."""
    return with_control(st.one_of(CONTROL, BROKEN))


def not_matching(pattern: str, **kw) -> st.SearchStrategy[str]:
    return st.text(**kw).filter(lambda t: not re.fullmatch(pattern, t))


def no_digit(**kw) -> st.SearchStrategy[str]:
    """Text without an ASCII digit: never a number, whatever else it holds."""
    return st.text(**kw).filter(
        lambda t: t.strip() and not any(c.isascii() and c.isdigit() for c in t)
    )


BAD_NUMBER_WORDS = ["1e30", "9" * 40, "9" * 5000, "-1", "NaN", "Infinity", "1.2.3", "١٢", "0x10"]
BAD_AMOUNT = st.one_of(
    st.sampled_from([*BAD_NUMBER_WORDS, "", "12.345", "99999999.99", "-0.01", "12,5а", "1_000"]),
    no_digit(max_size=15),
    with_control(),
)
BAD_STOCK = st.one_of(  # an empty stock cell means "not given": not bad
    st.sampled_from([*BAD_NUMBER_WORDS, "0.0001", "100001", "1.5"]),  # 1.5 pcs: not whole
    no_digit(max_size=15),
)
CODE_TEXT = r"[0-9A-Za-z-]{1,40}"
ENCODINGS_REFUSED = st.one_of(
    st.sampled_from(["rot13", "hex", "base64", "zlib", "uu", "latin9", "latin-1", "utf-16"]),
    not_matching(r"(?i)\s*(utf-?8(-sig)?|cp1251|windows-1251|1251|win1251|cp866|koi8[-_]u)\s*"),
)

# one bad cell per product row: (column, the bad values)
PRODUCT_BAD = {
    "sku": st.one_of(st.just(""), with_control(), st.text(min_size=41, max_size=80)),
    "name": st.one_of(st.just(" "), with_control(), LONG),
    "price": BAD_AMOUNT,
    "stock": BAD_STOCK,
    "unit": st.sampled_from(["ящик", "шт.шт", "kgs", "\x00"]),
    "weighed": st.sampled_from(["може", "2", "yes!", "\x01"]),
    "tax_group": st.sampled_from(["Z", "AA", "\x1b"]),
    # a wrong check digit, too short, a barcode of the seeded product S-1
    "barcodes": st.sampled_from(["4820000000018", "12", "a|b", "4820000000017"]),
}
CUSTOMER_BAD = {
    "name": st.one_of(st.just(""), with_control(), LONG),
    "phone": st.one_of(st.sampled_from(["123", "+", "abc", "067 123", "0" * 30]), with_control()),
    "card": st.one_of(st.sampled_from(["29 00", "Ж" * 41, "2900000000018"]), with_control()),
    "email": st.sampled_from(["not-an-email", "a@", "@b", "a b@c.d", "x" * 300 + "@a.ua"]),
    "birth_date": st.sampled_from(["2026-13-45", "31.02.2020", "вчора", "9999-01-01", "1-1-1"]),
    "gender": st.sampled_from(["x", "жінка?", "\x00"]),
    "language": st.sampled_from(["de", "русский", "\x1b"]),
    "attention": st.sampled_from(["може", "2", "\x1b"]),
}


def csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@st.composite
def bad_product_rows(draw: st.DrawFn) -> str:
    columns = list(PRODUCT_BAD)
    lines = [";".join(columns)]
    for n in range(draw(st.integers(1, 4))):
        good = {
            "sku": f"F-{n}",
            "name": "Товар",
            "price": "10",
            "stock": "1",
            "unit": "pcs",
            "weighed": "0",
            "tax_group": "A",
            "barcodes": "",
        }
        column = draw(st.sampled_from(columns))
        good[column] = draw(PRODUCT_BAD[column])
        lines.append(";".join(csv_cell(good[c]) for c in columns))
    return "\n".join(lines) + "\n"


@st.composite
def bad_customer_rows(draw: st.DrawFn) -> str:
    columns = list(CUSTOMER_BAD)
    lines = [";".join(columns)]
    for n in range(draw(st.integers(1, 4))):
        good = dict.fromkeys(columns, "")
        good["name"] = f"Клієнт {n}"
        column = draw(st.sampled_from(columns))
        good[column] = draw(CUSTOMER_BAD[column])
        lines.append(";".join(csv_cell(good[c]) for c in columns))
    return "\n".join(lines) + "\n"


def write(shop: Path, name: str, data: str | bytes) -> Path:
    path = shop.parent / "work" / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))
    return path


# --- init, db, demo, staff ------------------------------------------------------------------

BAD_PIN = st.one_of(
    st.sampled_from(["1", "123", "1234567890123", "١٢٣٤", "12 34", "abcd", "", "1e10"]),
    st.text(max_size=14).filter(
        lambda t: not (t.strip().isascii() and t.strip().isdigit() and 4 <= len(t.strip()) <= 12)
    ),
)
BAD_NAME = st.one_of(st.just("   "), with_broken(), LONG.map(lambda t: t[:121] + "x"))


@FUZZ
@given(
    pin=BAD_PIN,
    owner=st.one_of(st.just("Olena"), BAD_NAME),
    location=st.sampled_from(["MAIN", "A B", "L" * 21, "\x00"]),
)
@example(pin="1", owner="Olena", location="MAIN")  # issue 7: a 401 KB file was left behind
def test_init(shop: Path, pin: str, owner: str, location: str) -> None:
    target = shop.parent / "work" / "new.sqlite"
    argv = ["--db", str(target), "--owner", owner, "--pin", pin, "--location", location]
    refused(shop, "init", *argv)
    assert not any(p.name.startswith("new.sqlite") for p in target.parent.iterdir())


DEMO_BAD = {
    "--customers": ["-1", "1000001", "99999999999999999", "9" * 5000, "1e3", "0x10", ""],
    "--months": ["0", "37", "-1", "1.5", ""],
    "--seed": ["-1", "1000000000000", "9" * 5000, "seed"],
    "--today": ["0001-01-01", "2026-02-30", "22.11.2026", "", "9999-12-31T00:00"],
}


@FUZZ
@given(
    option=st.sampled_from(sorted(DEMO_BAD)),
    value=st.one_of(
        st.sampled_from(sorted({v for values in DEMO_BAD.values() for v in values})),
        no_digit(max_size=12),
        with_broken(),
    ),
)
@example(option="--customers", value="99999999999999999")  # issue 7: ran for ever
@example(option="--today", value="0001-01-01")
def test_demo(shop: Path, option: str, value: str) -> None:
    if value not in DEMO_BAD[option] and value.strip().isdigit():
        return  # a value good for this option
    if option != "--today" and value in DEMO_BAD["--today"][:1]:
        return
    target = shop.parent / "work" / "demo.sqlite"
    refused(shop, "demo", "--db", str(target), "--months", "1", option, value)
    assert not any(p.name.startswith("demo.sqlite") for p in target.parent.iterdir())


ROLES = ("cashier", "senior_cashier", "manager", "owner", "support")


@FUZZ
@given(
    command=st.sampled_from(["add", "set-pin"]),
    name=st.one_of(st.just("Ivan"), st.just("Olena"), BAD_NAME),
    role=st.one_of(st.just("cashier"), st.text(max_size=10).filter(lambda r: r not in ROLES)),
    pin=st.one_of(st.just("3333"), BAD_PIN),
)
def test_staff(shop: Path, command: str, name: str, role: str, pin: str) -> None:
    if pin == "3333" and (
        (command == "add" and name == "Ivan" and role == "cashier")
        or (command == "set-pin" and name == "Olena")
    ):
        return  # a valid new employee, a valid new PIN
    # add Olena: she exists; set-pin Ivan: nobody of that name
    argv = ["staff", command, name, "--pin", pin]
    refused(shop, *argv, *(["--role", role] if command == "add" else []), statuses=(2,))


@FUZZ
@given(
    where=st.sampled_from(["missing/copy.sqlite", "", "shop.sqlite", "work"]),
)
def test_db_backup(shop: Path, where: str) -> None:
    refused(shop, "db", "backup", str(shop.parent / where) if where else "")


@pytest.mark.parametrize(
    "url",
    ["sqlite://x.sqlite", "mysql://x/y", "", "missing/nowhere.sqlite", "\x00", "a\udcffb", "."],
)
def test_bad_database_setting(shop: Path, url: str) -> None:
    before = rows(shop)
    code, _out, err = call("--db", url, "db", "version")
    assert code == 2 and err.strip() and "Traceback" not in err and SAFETY_NET not in err
    assert rows(shop) == before


# --- settings -------------------------------------------------------------------------------

SETTING_BAD = {
    ("money", "cash_rounding"): ["true", "7", "'ten'", "1.0"],
    ("register", "scale_prefixes"): ["20", "'2a'", "'200'", "[20]", "true"],
    ("devices", "printer_port"): ["0", "70000", "'abc'", "true", "1.5", "9" * 30],
    ("devices", "printer_baudrate"): ["12345", "-9600", "'fast'"],
    ("devices", "printer"): ["'laser'", "true", "1"],
    ("devices", "drawer"): ["1", "'maybe'"],
    ("ui", "idle_lock_seconds"): ["-1", "9999999", "true"],
    ("ui", "language"): ["'de'", "1"],
    ("store", "name"): ["5", "true", "[1, 2]", '"a\\u0000b"', "1979-05-27"],
    ("customers", "interest_threshold"): ["0", "false"],
    ("nosuch", "key"): ["1"],
    ("store", "nosuchkey"): ["'x'"],
}


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [(section, key, value) for (section, key), values in SETTING_BAD.items() for value in values],
)
def test_settings_file(shop: Path, section: str, key: str, value: str) -> None:
    """Issue 7: cash_rounding = true was the number 1, scale_prefixes = 20 was text."""
    path = write(shop, "settings.toml", f"[{section}]\n{key} = {value}\n")
    _, err = refused(shop, "--config", str(path), "db", "version", statuses=(2,))
    assert f"{section}" in err and "settings.toml" in err


@FUZZ
@given(garbage=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(lambda t: "[" + t)))
@example(garbage="[a]\nb = " + "[" * 5000 + "]" * 5000)  # issue 7: RecursionError
@example(garbage="[store]\nname = " + "9" * 5000)
def test_settings_garbage(shop: Path, garbage: str | bytes) -> None:
    path = write(shop, "garbage.toml", garbage)
    code, _out, err = call("--db", str(shop), "--config", str(path), "db", "version")
    if code == 0:  # some random text is a valid, empty settings file
        return
    assert code == 2 and "Traceback" not in err and SAFETY_NET not in err and err.strip()


# --- import ---------------------------------------------------------------------------------


@FUZZ
@given(text=bad_product_rows(), encoding=st.sampled_from(["utf-8", "cp1251"]))
@example(text="sku;name;price;stock\nX-1;Завеликий;10;1e30\n", encoding="utf-8")
@example(text=f"sku;name;price;stock\nX-2;Дев'ятки;10;{'9' * 40}\n", encoding="utf-8")
@example(text="sku;name;price\nX-3;Ціна;1e30\n", encoding="utf-8")
@example(text="sku;name;price\nX\x00-4;Нуль;10\n", encoding="utf-8")
@example(text="sku;name;price\nS-1;Сукня;10;зайве\n", encoding="utf-8")
def test_import_products_rows(shop: Path, text: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    path = write(shop, "products.csv", data)
    refused(shop, "import", "products", str(path), statuses=(2,))


@FUZZ
@given(text=bad_customer_rows())
def test_import_customers_rows(shop: Path, text: str) -> None:
    path = write(shop, "customers.csv", text)
    refused(shop, "import", "customers", str(path), statuses=(2,))


@FUZZ
@given(
    what=st.sampled_from(["products", "customers"]),
    data=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.just(b"\xef\xbb\xbf\xef\xbb\xbf\n"),
        st.just(b""),
    ),
    encoding=st.one_of(st.none(), ENCODINGS_REFUSED),
)
@example(what="products", data="sku;name;price\nS-9;Сукня;10\n".encode("cp1251"), encoding="latin9")
@example(what="customers", data="name\nОлена\n".encode("cp1251"), encoding="latin9")
@example(what="products", data=b"sku;name;price\n", encoding="rot13")
@example(what="products", data=b"sku;name;price\n", encoding="hex")
@example(what="products", data=b"sku;name;price\n", encoding="base64")
@example(what="products", data=b"sku;name;price\n", encoding="zlib")
@example(what="customers", data=b"name\n", encoding="uu")
def test_import_files(shop: Path, what: str, data: bytes, encoding: str | None) -> None:
    if encoding is None and (b"sku" in data.lower() or b"name" in data.lower()):
        return  # random bytes that happen to name the columns: not a bad file by construction
    path = write(shop, f"{what}.csv", data)
    argv = ["import", what, str(path), *(["--encoding", encoding] if encoding is not None else [])]
    refused(shop, *argv, statuses=(2,))


def test_import_missing_file_and_folder(shop: Path) -> None:
    refused(shop, "import", "products", str(shop.parent / "missing.csv"), statuses=(2,))
    refused(shop, "import", "customers", str(shop.parent / "work"), statuses=(2,))
    refused(shop, "import", "products", str(shop), "--location", "A B", statuses=(2,))


# --- export and print -----------------------------------------------------------------------

BAD_FILTER = st.one_of(
    st.tuples(
        st.just("--birthday-within"),
        st.one_of(st.integers(max_value=-1), st.integers(min_value=367)).map(str),
    ),
    st.tuples(
        st.just("--not-bought-days"),
        st.one_of(st.integers(max_value=0), st.integers(min_value=36601)).map(str),
    ),
    st.tuples(
        st.sampled_from(["--birthday-within", "--not-bought-days"]),
        st.text(max_size=8).filter(lambda t: not t.strip().lstrip("-").isdigit()),
    ),
    st.tuples(
        st.just("--children-age"),
        st.one_of(
            st.sampled_from(["7-3", "5-", "-5", "a-b", "99999999999999-5", "1-2-3", "121"]),
            st.text(max_size=8).filter(
                lambda t: not re.fullmatch(r"\s*\d{1,3}\s*(-\s*\d{1,3}\s*)?", t)
            ),
        ),
    ),
)


@FUZZ
@given(option=BAD_FILTER, encoding=st.sampled_from([None, "latin9", "utf-16"]))
@example(option=("--not-bought-days", "99999999999"), encoding=None)  # issue 7: OverflowError
@example(option=("--birthday-within", "-5"), encoding=None)  # issue 7: accepted
def test_export_customers(shop: Path, option: tuple[str, str], encoding: str | None) -> None:
    out = shop.parent / "work" / "export.csv"
    argv = ["export", "customers", str(out), *option]
    refused(shop, *argv, *(["--encoding", encoding] if encoding else []), statuses=(2,))
    assert not out.exists()


PRINT_BAD = {
    "questionnaire": st.one_of(with_broken(), st.just("9" * 41), st.just("29 00")).map(
        lambda card: ["--card", card]
    ),
    "envelopes": st.one_of(
        BAD_FILTER.map(list),
        st.one_of(with_broken(), st.just("x" * 301)).map(lambda s: ["--sender", s]),
    ),
    "labels": st.one_of(
        BAD_FILTER.map(list),
        st.lists(
            st.one_of(with_broken(), st.just("Ж"), st.just("9" * 41), st.just("a b")),
            min_size=1,
            max_size=3,
        ).map(lambda codes: ["--codes", "A1", *codes]),
        st.text(max_size=8)
        .filter(lambda t: t not in ("a4-24", "a4-40", "a4-65"))
        .map(lambda layout: ["--layout", layout]),
    ),
}


@FUZZ
@given(
    what_and_option=st.sampled_from(sorted(PRINT_BAD)).flatmap(
        lambda what: st.tuples(st.just(what), PRINT_BAD[what])
    )
)
def test_print(shop: Path, what_and_option: tuple[str, list[str]]) -> None:
    what, option = what_and_option
    pdf = shop.parent / "work" / "out.pdf"
    refused(shop, "print", what, str(pdf), *option, statuses=(2,))
    assert not pdf.exists()


# --- price ----------------------------------------------------------------------------------

JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
JSON_ANY = st.recursive(
    JSON_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
LINE_KEYS = ("barcode", "sku", "qty")


@st.composite
def bad_baskets(draw: st.DrawFn) -> object:
    """A basket wrong in its shape (exit 2) or in its lines (exit 1), by construction."""
    good_line = {"sku": "S-1", "qty": 1}
    kind = draw(st.integers(0, 8))
    if kind == 0:  # not an object with a list of lines
        return draw(JSON_ANY.filter(lambda v: not (isinstance(v, dict) and "lines" in v)))
    if kind == 1:  # "lines" not a list
        return {"lines": draw(JSON_ANY.filter(lambda v: not isinstance(v, list)))}
    if kind == 2:  # an unknown key at the top
        key = draw(st.text(max_size=10).filter(lambda k: k not in ("lines", "customer", "at")))
        return {"lines": [good_line], key: draw(JSON_ANY)}
    if kind == 3:  # a line that is not an object
        return {"lines": [good_line, draw(JSON_ANY.filter(lambda v: not isinstance(v, dict)))]}
    if kind == 4:  # an unknown key in a line ("quantity" for "qty" was silently 1)
        key = draw(st.text(max_size=10).filter(lambda k: k not in LINE_KEYS))
        return {"lines": [{"sku": "S-1", key: draw(JSON_ANY)}]}
    if kind == 5:  # a malformed or unknown customer
        customer = draw(
            st.one_of(
                JSON_ANY.filter(lambda v: v is not None and not isinstance(v, dict)),
                st.dictionaries(st.text(max_size=6), JSON_SCALAR, min_size=2, max_size=3),
                st.builds(lambda v: {"card": v}, st.one_of(st.integers(), with_broken())),
                st.just({"card": "2900000000025"}),
                st.just({"phone": "050 000 00 00"}),
            )
        )
        return {"lines": [good_line], "customer": customer}
    if kind == 6:  # a bad moment
        at = draw(JSON_ANY.filter(lambda v: v is not None and not isinstance(v, str)))
        return {"lines": [good_line], "at": at}
    if kind == 7:  # a bad code: lines refused, the rest priced (exit 1)
        code = draw(st.one_of(JSON_SCALAR, with_broken(), st.just("NOPE")))
        return {"lines": [good_line, {draw(st.sampled_from(["sku", "barcode"])): code}]}
    qty = draw(  # a bad quantity (exit 1)
        st.one_of(
            st.sampled_from([0, -1, 1.5, 10**40, True, "1e30", "", [1], {"a": 1}, "1,2,3"]),
            st.floats(max_value=0),
        )
    )
    return {"lines": [good_line, {"sku": "S-1", "qty": qty}]}


@FUZZ
@given(basket=bad_baskets())
@example(basket={"lines": [{"sku": "S-1", "quantity": 5}]})  # issue 7: silently 1
@example(basket={"lines": [], "customer": {"card": "nope"}})  # issue 7: unknown customer
@example(basket={"lines": [], "customer": {"id": 5}})
@example(basket={"lines": [{"sku": "\ud800"}]})  # issue 7: a lone surrogate
def test_price_baskets(shop: Path, basket: object) -> None:
    text = json.dumps(basket)  # \ud800 escapes: lone surrogates reach the checks
    path = write(shop, "basket.json", text)
    out, _err = refused(shop, "price", str(path))
    if out:  # exit 1: the priced basket with its errors
        assert json.loads(out)["errors"]


@FUZZ
@given(data=st.binary(max_size=300))
@example(data=("[" * 100_000 + "]" * 100_000).encode())  # issue 7: RecursionError
@example(data=('{"lines": [{"sku": "S-1", "qty": ' + "9" * 5000 + "}]}").encode())
@example(data=b'{"lines": [{"sku": "S-1", "qty": 1e30}]}')
@example(data=b'{"lines": [{"sku": "S-1", "qty": NaN}]}')
@example(data=b'{"lines": [], "at": "2026-02-30T10:00"}')
def test_price_files(shop: Path, data: bytes) -> None:
    with contextlib.suppress(ValueError, RecursionError):
        parsed = json.loads(data.decode("utf-8-sig"))
        if isinstance(parsed, dict) and parsed.keys() == {"lines"} and parsed["lines"] == []:
            return  # an empty basket is a good basket
    path = write(shop, "basket.json", data)
    refused(shop, "price", str(path))


def test_price_a_10_mb_basket_is_refused_at_once(shop: Path) -> None:
    """Issue 7: 330 000 lines (10 MB) ran for minutes."""
    line = '{"sku": "S-1", "qty": 1},'
    path = write(shop, "huge.json", '{"lines": [' + line * 330_000 + '{"sku": "S-1"}]}')
    _, err = refused(shop, "price", str(path), statuses=(2,))
    assert "larger than 4 MB" in err


# --- a few in a real process ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "stdin"),
    [
        (["price", "-"], b"[" * 100_000),
        (["price", "-"], b'{"lines": [{"sku": "\\ud800"}], "customer": {"card": "nope"}}'),
        (["export", "customers", "x.csv", "--not-bought-days", "99999999999"], b""),
        (["import", "products", "p.csv", "--encoding", "rot13"], b""),
        (["demo", "--customers", "9" * 5000], b""),
    ],
)
def test_in_a_real_process(shop: Path, argv: list[str], stdin: bytes) -> None:
    before = rows(shop)
    (shop.parent / "work" / "p.csv").write_text("sku;name;price\nS-9;Сукня;10\n", "utf-8")
    env = {**os.environ, "TORGTUI_DB": str(shop), "XDG_STATE_HOME": str(shop.parent / "state")}
    done = subprocess.run(
        [sys.executable, "-m", "torgtui", *argv],
        input=stdin,
        capture_output=True,
        cwd=shop.parent / "work",
        env=env,
        timeout=60,
    )
    err = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2 and err.startswith("torgtui: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert rows(shop) == before


# --- rules, sell, return, shift, customer show (the scripting contract) -----------------------

# a valid rules file for the fuzz shop, one rule of each kind; "{name}" marks each value
RULE_TABLES = {
    "loyalty": (
        "[loyalty]",
        {
            "return_when_spent": '"deduct"',
            "change_to_card": '"all"',
            "expiry_notice_days": "7",
            "point_value": "1",
        },
    ),
    "prices": ("[prices]", {"priority": '"customer"'}),
    "price_type": ("[[price_type]]", {"code": '"w"', "name": '"Опт"'}),
    "location": ("[[location]]", {"code": '"MAIN"', "price_type": '"w"'}),
    "qty_break": (
        "[[qty_break]]",
        {
            "code": '"Q"',
            "product": '"S-1"',
            "min_qty": "5",
            "percent": "5",
            "price_type": '"retail"',
            "active": "true",
        },
    ),
    "price_list": (
        "[[price_list]]",
        {"code": '"L"', "name": '"L"', "currency": '"EUR"', "rate": "40.5", "rounding": "0.05"},
    ),
    "card_type": (
        "[[card_type]]",
        {
            "code": '"C"',
            "name": '"Картка"',
            "kind": '"discount"',
            "percent": "5",
            "prefix": '"29"',
            "range_from": "1",
            "range_to": "9",
            "active": "true",
        },
    ),
    "accelerator": (
        "[[accelerator]]",
        {
            "code": '"A"',
            "action": '"enrol"',
            "card_type": '"C"',
            "product": '"S-1"',
            "active": "false",
        },
    ),
}
RULE_TEXT = ('"x\\u0001"', '"\\u001b[31m"', "5", "true", "[1]", "{a = 1}", "1979-05-27")
RULE_WHOLE = ('"5"', "5.5", "true", "-1", "1" + "0" * 30, "[]")
RULE_NUMBER = ('"5"', "true", "nan", "inf", "-1", "1e30", "{}")
RULE_BOOL = ("1", '"true"', "0.0")
RULE_BAD = {
    "expiry_notice_days": RULE_WHOLE,
    "range_from": RULE_WHOLE,
    "range_to": RULE_WHOLE,
    "point_value": RULE_NUMBER,
    "min_qty": RULE_NUMBER,
    "percent": RULE_NUMBER,
    "rate": RULE_NUMBER,
    "rounding": RULE_NUMBER,
    "active": RULE_BOOL,
}


def rules_text(tables: dict[str, dict[str, str]]) -> str:
    parts = []
    for kind, values in tables.items():
        parts.append(RULE_TABLES[kind][0])
        parts += [f"{key} = {value}" for key, value in values.items()]
        parts.append("")
    return "\n".join(parts)


@st.composite
def bad_rules(draw: st.DrawFn) -> str:
    """A rules file with exactly one thing wrong: a bad value, an unknown key or table."""
    tables = {kind: dict(values) for kind, (_h, values) in RULE_TABLES.items()}
    kind = draw(st.sampled_from(sorted(tables)))
    how = draw(st.integers(0, 2))
    if how == 0:
        key = draw(st.sampled_from(sorted(tables[kind])))
        tables[kind][key] = draw(st.sampled_from(RULE_BAD.get(key, RULE_TEXT)))
    elif how == 1:
        key = draw(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
        if key in RULE_TABLES[kind][1] or key in ("bonus_percent", "threshold", "group"):
            key = f"x_{key}"
        tables[kind][key] = draw(st.sampled_from(['"x"', "1", "true"]))
    text = rules_text(tables)
    if how == 2:
        text += f"\n[[{draw(st.sampled_from(['promo', 'card_types', 'Loyalty', 'x']))}]]\nx = 1\n"
    return text


def test_the_valid_rules_file_loads(shop: Path, tmp_path: Path) -> None:
    """What bad_rules spoils is a good file (on a copy of the shop: the others must not change)."""
    import shutil

    copy = tmp_path / "shop.sqlite"
    shutil.copy(shop, copy)
    path = write(shop, "good.toml", rules_text({k: v for k, (_h, v) in RULE_TABLES.items()}))
    code, out, err = call("--db", str(copy), "rules", "import", str(path), "--employee", "Olena")
    assert code == 0 and "5 rules created, 1 changed" in out, err


@FUZZ
@given(text=bad_rules())
@example(text="[[card_type]]\ncode = 'C'\nname = 'C'\nkind = 'accumulative'\nthreshold = [{}]\n")
@example(text="[prices]\npriority = 1979-05-27T07:32:00Z\n")
@example(text="[[price_type]]\ncode = 'w'\nname = 'w'\nprices = {'S-1' = -1}\n")
@example(text="qty_break = [1, 2]\n")
@example(text="[[qty_break]]\ncode = 'Q'\nproduct = 'S-1'\nmin_qty = " + "9" * 5000 + "\n")
def test_rules_import(shop: Path, text: str) -> None:
    path = write(shop, "rules.toml", text)
    _out, err = refused(shop, "rules", "import", str(path), "--employee", "Olena", statuses=(2,))
    assert re.match(rf"torgtui: {re.escape(str(path))}(:\d+)?: ", err) or "holds a value" in err, (
        err
    )


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
@example(data=b"[" * 100_000)
@example(data=b"a = [" * 10_000)
@example(data=b"\xef\xbb\xbf[loyalty]\n")
def test_rules_garbage(shop: Path, data: bytes) -> None:
    before = rows(shop)
    path = write(shop, "garbage.toml", data)
    code, _out, err = call("--db", str(shop), "rules", "import", str(path), "--employee", "Olena")
    assert "Traceback" not in err and SAFETY_NET not in err and code in (0, 2), err
    assert rows(shop) == before


@FUZZ
@given(
    order=st.one_of(
        bad_baskets(),
        st.builds(lambda p: {"lines": [{"sku": "S-1"}], "payments": p}, JSON_ANY),
        st.builds(
            lambda k, a: {"lines": [{"sku": "S-1"}], "payments": [{"kind": k, "amount": a}]},
            JSON_SCALAR,
            JSON_SCALAR,
        ),
        st.builds(lambda u: {"lines": [{"sku": "S-1"}], "payments": [], "uuid": u}, JSON_ANY),
    ),
    employee=st.one_of(st.just("Olena"), BAD_NAME, st.just("Nobody")),
)
def test_sell(shop: Path, order: object, employee: str) -> None:
    path = write(shop, "order.json", json.dumps(order))
    refused(shop, "sell", str(path), "--employee", employee, statuses=(2,))


@FUZZ
@given(
    number=st.one_of(st.sampled_from(["1", "0", "-1", "9" * 30, "1e3"]), st.text(max_size=8)),
    picks=st.lists(
        st.sampled_from(["--line", "--qty", "0", "1", "-2", "1.5", "x", "1e9"]), max_size=6
    ),
    approver=st.sampled_from([[], ["--approver", "Olena"], ["--approver-pin", "12"]]),
)
def test_return(shop: Path, number: str, picks: list[str], approver: list[str]) -> None:
    argv = ["return", number, *picks, "--employee", "Olena", *approver]
    if picks and picks[-1] in ("--line", "--qty"):
        argv.insert(-2 - len(approver), "1")  # an option's value, not the employee option
    refused(shop, *argv, statuses=(2,))


@FUZZ
@given(
    what=st.sampled_from(["open", "close"]),
    amount=BAD_AMOUNT,
    employee=st.one_of(st.just("Olena"), BAD_NAME),
)
def test_shift(shop: Path, what: str, amount: str, employee: str) -> None:
    option = "--float" if what == "open" else "--counted"
    refused(shop, "shift", what, "--employee", employee, option, amount, statuses=(2,))


@FUZZ
@given(text=st.one_of(st.text(max_size=50), with_broken(), st.just("050 000 00 00")))
def test_customer_show(shop: Path, text: str) -> None:
    if text.strip() in ("2900000000018",) or text.replace(" ", "").endswith("671234567"):
        return  # the seeded customer
    refused(shop, "customer", "show", text, "--json", statuses=(2,))
