"""Settings: file, environment and flags; every bad value names its key and the expected form."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from torgtui.config import load_settings
from torgtui.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file(tmp_path: Path) -> None:
    s = load_settings(env={"TORGTUI_CONFIG": str(write(tmp_path, ""))})
    assert s.money.currency == "UAH" and s.money.cash_rounding == 10
    assert [g.code for g in s.tax.groups] == ["A", "B", "C"]
    assert s.devices.printer == "screen" and s.devices.fiscal == "sandbox"
    assert s.ui.language == "en"


def test_file_env_and_flags_in_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[store]
name = "Квітка"
location = "KYIV1"
[money]
cash_rounding = 50
[devices]
printer = "network"
printer_host = "10.0.0.5"
printer_codepage = "CP1251"
[ui]
language = "uk"
[[tax.groups]]
code = "A"
name = "ПДВ 20%"
rate = 20
[[tax.groups]]
code = "D"
name = "Акциз 5%"
rate = "5.5"
""",
    )
    env = {"TORGTUI_DEVICES_PRINTER_PORT": "9101", "TORGTUI_DB": "/srv/shop.sqlite"}
    s = load_settings(path, env, overrides={"ui.language": "en", "database.url": None})
    assert s.store.name == "Квітка" and s.store.location == "KYIV1"
    assert s.money.cash_rounding == 50
    assert (s.devices.printer, s.devices.printer_port) == ("network", 9101)
    assert s.devices.printer_codepage == "CP1251"
    assert s.ui.language == "en"  # the flag wins over the file
    assert s.database.url == "/srv/shop.sqlite"
    assert s.tax_group("D").rate == Decimal("5.5")
    assert s.source == str(path)


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[devices]\nprinter_port = 'abc'", {}, r"devices.printer_port = 'abc'.*a whole number"),
        ("[devices]\nprinter = 'laser'", {}, r"devices.printer = 'laser'.*one of: 'screen'"),
        ("[money]\ncash_rounding = 7", {}, r"money.cash_rounding = 7.*one of: 1, 5, 10"),
        ("[ui]\nidle_lock_seconds = true", {}, r"ui.idle_lock_seconds = True.*whole number"),
        ("[ui]\nlanguage = 'de'", {}, r"ui.language = 'de'.*en, uk"),
        ("[devices]\nprinterr = 'file'", {}, r"Unknown setting devices.printerr.*known in"),
        ("[printers]\nx = 1", {}, r"Unknown settings section \[printers\]"),
        ("store = 'x'", {}, r"store must be a \[section\] table"),
        ("[tax]\ndefault = 'Z'", {}, r"tax.default = 'Z' names no group"),
        ("[[tax.groups]]\ncode = 'A'\nrate = 120", {}, r"tax.groups\[1\].rate = 120.*0 and 100"),
        ("", {"TORGTUI_UI_IDLE_LOCK_SECONDS": "soon"}, r"TORGTUI_UI_IDLE_LOCK_SECONDS.*number"),
        ("", {"TORGTUI_DEVICES_DRAWER": "maybe"}, r"devices.drawer = 'maybe'.*true or false"),
    ],
)
def test_bad_values_name_the_key(tmp_path: Path, text: str, env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, text), env)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[store\nname = 1")
    with pytest.raises(ConfigError, match=r"settings.toml is not valid TOML.*line 1"):
        load_settings(path, {})


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_bytes(b"[store]\nname = '\xff\xfe'")
    with pytest.raises(ConfigError, match="Cannot read settings file"):
        load_settings(path, {})


def test_named_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", {})
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(None, {"TORGTUI_CONFIG": str(tmp_path / "nope.toml")})


def test_default_file_may_be_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty-config"))
    s = load_settings(None, {})
    assert s.source == ""


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        # a TOML bool is not the number 1, a TOML number is not text (issue 7)
        ("[money]\ncash_rounding = true", {}, r"money.cash_rounding = True .*one of: 1, 5, 10"),
        ("[register]\nscale_prefixes = 20", {}, r"register.scale_prefixes = 20 .*expected text"),
        ("[store]\nname = 5", {}, r"store.name = 5 \(.*settings.toml\) .*expected text"),
        ("[store]\nname = 1979-05-27", {}, r"store.name = .*expected text"),
        ("[devices]\nprinter = true", {}, r"devices.printer = True .*one of: 'screen'"),
        ("[devices]\ndrawer = 1", {}, r"devices.drawer = 1 .*true or false"),
        ("[devices]\nprinter_port = 1.0", {}, r"devices.printer_port = 1.0 .*1 to 65535"),
        # natural bounds
        ("[devices]\nprinter_port = 0", {}, r"devices.printer_port = 0 .*from 1 to 65535"),
        ("[devices]\nprinter_port = 70000", {}, r"printer_port = 70000 .*from 1 to 65535"),
        ("[devices]\nprinter_baudrate = 12345", {}, r"printer_baudrate = 12345 .*one of: 1200"),
        ("[devices]\nprinter_width = 5", {}, r"devices.printer_width = 5 .*from 16 to 100"),
        ("[devices]\nprinter_usb_vendor = 0x10000", {}, r"printer_usb_vendor .*0 to 65535"),
        ("[ui]\nidle_lock_seconds = -1", {}, r"ui.idle_lock_seconds = -1 .*from 0 to 86400"),
        ("[ui]\nidle_lock_seconds = 9999999", {}, r"idle_lock_seconds = 9999999 .*0 to 86400"),
        ("[customers]\ninterest_threshold = 0", {}, r"interest_threshold = 0 .*from 1 to 1000"),
        ("[register]\nscale_prefixes = '2a'", {}, r"scale_prefixes = '2a' .*two-digit prefixes"),
        ("[register]\nscale_prefixes = '20,211'", {}, r"scale_prefixes .*two-digit prefixes"),
        ("[customers]\ncard_prefix = 'AB'", {}, r"card_prefix = 'AB' .*1 to 6 digits"),
        ('[store]\nname = "a\\u0000b"', {}, r"store.name \(.*\): store.name holds a control"),
        ("[[tax.groups]]\ncode = 1\nrate = 20", {}, r"tax.groups\[1\].code = 1 .*expected text"),
        ("[[tax.groups]]\ncode = 'A'\nrate = nan", {}, r"tax.groups\[1\].rate = nan .*0 and 100"),
        ("[[tax.groups]]\ncode = 'A'\nrate = true", {}, r"tax.groups\[1\].rate = True"),
        ("[[tax.groups]]\ncode = 'A'\nrate = 20\nratee = 1", {}, r"tax.groups\[1\].ratee"),
        # from the environment
        ("", {"TORGTUI_DEVICES_PRINTER_PORT": "9" * 5000}, r"printer_port = '9999.*1 to 65535"),
        ("", {"TORGTUI_STORE_NAME": "\x1b[31mRed"}, r"environment TORGTUI_STORE_NAME.*U\+001B"),
        ("", {"TORGTUI_LANG": "fr"}, r"ui.language = 'fr' \(environment TORGTUI_LANG\)"),
        ("", {"TORGTUI_DB": "a\udcffb"}, r"database.url \(environment TORGTUI_DB\).*broken"),
    ],
)
def test_values_are_taken_as_typed_and_within_bounds(
    tmp_path: Path, text: str, env: dict, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, text), env)


def test_bounds_accept_their_ends(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[devices]\nprinter_port = 65535\nprinter_baudrate = 115200\nprinter_usb_vendor = 0x0416\n"
        "[ui]\nidle_lock_seconds = 0\n[register]\nscale_prefixes = '20, 21'\n",
    )
    s = load_settings(path, {"TORGTUI_DEVICES_SCANNER_BAUDRATE": "1200"})
    assert (s.devices.printer_port, s.devices.printer_baudrate) == (65535, 115200)
    assert (s.devices.printer_usb_vendor, s.devices.scanner_baudrate) == (0x0416, 1200)
    assert s.register.prefixes() == ("20", "21") and s.ui.idle_lock_seconds == 0


@pytest.mark.parametrize(
    "text",
    [
        "[a]\nb = " + "[" * 5000 + "]" * 5000,  # RecursionError inside tomllib
        "b = " + "{c = " * 3000 + "1" + "}" * 3000,
        "[store]\nname = " + "9" * 5000,  # ValueError: too many digits
    ],
)
def test_a_file_nested_deeply_names_the_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=r"settings.toml is not a settings file"):
        load_settings(path, {})


def test_a_huge_file_is_not_read(tmp_path: Path) -> None:
    path = write(tmp_path, "# " + "x" * (1024 * 1024) + "\n")
    with pytest.raises(ConfigError, match=r"settings.toml is larger than 1024 KB"):
        load_settings(path, {})


def test_the_nova_poshta_sender_is_read_for_the_invoices_waybills(tmp_path: Path) -> None:
    ref = "8d5a980d-391c-11dd-90d9-001a92567626"
    path = write(
        tmp_path,
        f"""
[customers]
novaposhta_sender = "{ref}"
novaposhta_contact = "{ref}"
novaposhta_city = "{ref}"
novaposhta_address = "{ref}"
novaposhta_phone = "380671234567"
""",
    )
    from torgtui.marketing.invoices_waybill import Shipper

    c = load_settings(env={"TORGTUI_CONFIG": str(path)}).customers
    names = ("sender", "contact", "city", "address", "phone")
    shipper = Shipper(*(getattr(c, f"novaposhta_{n}") for n in names)).checked()
    assert (shipper.sender, shipper.phone) == (ref, "380671234567")
    empty = load_settings(env={"TORGTUI_CONFIG": str(write(tmp_path, ""))}).customers
    assert empty.novaposhta_sender == "" and empty.novaposhta_phone == ""
