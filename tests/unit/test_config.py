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
