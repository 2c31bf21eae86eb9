"""Settings: one typed object from a TOML file and ``TORGTUI_*`` environment variables.

Precedence (later wins): built-in defaults, the TOML file (``--config``, ``TORGTUI_CONFIG`` or
``<user config dir>/torgtui/settings.toml``), environment variables, command-line flags.
Environment variables are ``TORGTUI_<SECTION>_<KEY>`` (``TORGTUI_DEVICES_PRINTER=file``), plus
the short forms ``TORGTUI_DB`` and ``TORGTUI_LANG``. A bad value names the key, where it came
from and the form expected; unknown keys are refused so that a typo is not silently ignored.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from torgtui.errors import ConfigError
from torgtui.i18n import LANGUAGES, _

ENV_PREFIX = "TORGTUI_"
ENV_NOT_SETTINGS = {"TORGTUI_CONFIG", "TORGTUI_TEST_PG", "TORGTUI_DB", "TORGTUI_LANG"}


def default_config_path() -> Path:
    """``$XDG_CONFIG_HOME/torgtui/settings.toml`` (``~/.config/...``) on Linux; the
    platform's own place elsewhere (platformdirs is imported only there: start-up time)."""
    if os.name == "posix" and not hasattr(os, "startfile") and os.uname().sysname == "Linux":
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(base) / "torgtui" / "settings.toml"
    from platformdirs import user_config_dir

    return Path(user_config_dir("torgtui")) / "settings.toml"


def _hostname() -> str:
    return os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "")


@dataclass(frozen=True)
class TaxGroup:
    code: str
    name: str
    rate: Decimal  # percent


DEFAULT_TAX_GROUPS = (
    TaxGroup("A", "ПДВ 20%", Decimal(20)),
    TaxGroup("B", "ПДВ 7%", Decimal(7)),
    TaxGroup("C", "Без ПДВ", Decimal(0)),
)


@dataclass
class StoreSettings:
    name: str = "Demo shop"
    location: str = "MAIN"  # location code this register sells from
    address: str = ""
    register: str = field(default_factory=_hostname)  # this terminal's name


@dataclass
class MoneySettings:
    currency: Literal["UAH"] = "UAH"
    cash_rounding: Literal[1, 5, 10, 50, 100] = 10  # kopecks; see torgtui.money


@dataclass
class TaxSettings:
    groups: tuple[TaxGroup, ...] = DEFAULT_TAX_GROUPS
    default: str = "A"


@dataclass
class DeviceSettings:
    printer: Literal["screen", "file", "network", "serial", "usb", "none"] = "screen"
    printer_host: str = ""
    printer_port: int = 9100
    printer_path: str = "receipts.txt"  # file backend: output file; serial: device path
    printer_baudrate: int = 19200
    printer_usb_vendor: int = 0
    printer_usb_product: int = 0
    printer_codepage: Literal["CP866", "CP1251"] = "CP866"
    printer_width: int = 42  # characters per line
    drawer: bool = True
    scanner: Literal["wedge", "serial"] = "wedge"
    scanner_port: str = ""
    scanner_baudrate: int = 9600
    fiscal: Literal["sandbox", "checkbox", "serial", "none"] = "sandbox"
    checkbox_url: str = "https://api.checkbox.ua/api/v1"
    checkbox_license_key: str = ""
    checkbox_pin: str = ""
    fiscal_port: str = ""
    fiscal_baudrate: int = 115200
    audio: Literal["auto", "off"] = "auto"


@dataclass
class RegisterSettings:
    # barcodes printed by the shop's scales: prefix + 5-digit PLU + 5-digit weight (g) + check
    scale_prefixes: str = "20"  # comma-separated two-digit prefixes
    receipt_header: str = ""  # extra lines printed at the top of receipts ("\n" separated)
    receipt_footer: str = "Дякуємо за покупку!"
    wedge_max_gap_ms: int = 30  # keyboard-wedge scanner: max gap between keys of one scan
    wedge_min_length: int = 6
    # a line discounted below its cost: "confirm" (someone with the permission approves with
    # their PIN) or "never" (the discount is limited so the line sells at cost)
    below_cost: Literal["confirm", "never"] = "confirm"
    # receipts older than this many days are taken back only with a senior's approval
    return_days_without_approval: int = 14

    def prefixes(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.scale_prefixes.split(",") if p.strip())


@dataclass
class CustomerSettings:
    # a product group becomes a customer's interest after this many receipts with it
    interest_threshold: int = 2
    novaposhta_url: str = "https://api.novaposhta.ua/v2.0/json/"
    novaposhta_key: str = ""
    card_prefix: str = "29"  # in-store card numbers: EAN-13 with this prefix


@dataclass
class UiSettings:
    language: str = "en"
    idle_lock_seconds: int = 300  # 0 = never lock by idle time
    simplified_customer_list: bool = False


@dataclass
class DatabaseSettings:
    url: str = "torgtui.sqlite"


@dataclass
class Settings:
    store: StoreSettings = field(default_factory=StoreSettings)
    money: MoneySettings = field(default_factory=MoneySettings)
    tax: TaxSettings = field(default_factory=TaxSettings)
    devices: DeviceSettings = field(default_factory=DeviceSettings)
    register: RegisterSettings = field(default_factory=RegisterSettings)
    customers: CustomerSettings = field(default_factory=CustomerSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    source: str = ""  # where the file came from, for messages

    def tax_group(self, code: str) -> TaxGroup | None:
        return next((g for g in self.tax.groups if g.code == code), None)


SECTIONS = [f.name for f in dataclasses.fields(Settings) if f.name != "source"]


def _expected(tp: Any) -> str:
    if get_origin(tp) is Literal:
        return _("one of: {choices}").format(choices=", ".join(repr(c) for c in get_args(tp)))
    return {
        str: _("text"),
        int: _("a whole number"),
        bool: _("true or false"),
        Decimal: _("a number like 20 or 7.5"),
    }.get(tp, str(tp))


def _coerce(value: Any, tp: Any, key: str, where: str) -> Any:
    """Convert a TOML or environment value to ``tp``, or raise a ConfigError naming ``key``."""

    def bad() -> ConfigError:
        return ConfigError(
            _("Setting {key} = {value!r} ({where}) is not valid: expected {expected}.").format(
                key=key, value=value, where=where, expected=_expected(tp)
            )
        )

    if get_origin(tp) is Literal:
        choices = get_args(tp)
        for choice in choices:
            if value == choice or (isinstance(value, str) and str(choice) == value.strip()):
                return choice
        raise bad()
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
            return True
        if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off"}:
            return False
        raise bad()
    if tp is int:
        if isinstance(value, bool):
            raise bad()
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip(), 0)
        except ValueError:
            raise bad() from None
    if tp is Decimal:
        try:
            if isinstance(value, float):
                value = repr(value)
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise bad() from None
    if tp is str:
        if isinstance(value, (dict, list)):
            raise bad()
        return str(value)
    raise bad()


def _tax_groups(value: Any, where: str) -> tuple[TaxGroup, ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(
            _(
                "Setting tax.groups ({where}) must be a list of tables like "
                '[[tax.groups]] code = "A", name = "ПДВ 20%", rate = 20.'
            ).format(where=where)
        )
    groups = []
    for i, item in enumerate(value, 1):
        key = f"tax.groups[{i}]"
        if not isinstance(item, dict) or not {"code", "rate"} <= set(item):
            raise ConfigError(
                _(
                    'Setting {key} ({where}) needs code and rate, e.g. code = "A", rate = 20.'
                ).format(key=key, where=where)
            )
        rate = _coerce(item["rate"], Decimal, f"{key}.rate", where)
        if not Decimal(0) <= rate <= Decimal(100):
            raise ConfigError(
                _("Setting {key}.rate = {rate} ({where}) must be between 0 and 100.").format(
                    key=key, rate=rate, where=where
                )
            )
        groups.append(TaxGroup(str(item["code"]), str(item.get("name", item["code"])), rate))
    return tuple(groups)


def _apply(settings: Settings, section: str, key: str, value: Any, where: str) -> None:
    if section not in SECTIONS:
        raise ConfigError(
            _("Unknown settings section [{section}] ({where}); known: {known}.").format(
                section=section, where=where, known=", ".join(SECTIONS)
            )
        )
    target = getattr(settings, section)
    hints = typing.get_type_hints(type(target))
    if key not in hints:
        raise ConfigError(
            _("Unknown setting {section}.{key} ({where}); known in [{section}]: {known}.").format(
                section=section, key=key, where=where, known=", ".join(hints)
            )
        )
    if (section, key) == ("tax", "groups"):
        setattr(target, key, _tax_groups(value, where))
    else:
        setattr(target, key, _coerce(value, hints[key], f"{section}.{key}", where))


def _validate(settings: Settings) -> None:
    if settings.ui.language not in LANGUAGES:
        raise ConfigError(
            _("Setting ui.language = {value!r} is not valid: expected one of: {choices}.").format(
                value=settings.ui.language, choices=", ".join(LANGUAGES)
            )
        )
    if settings.customers.interest_threshold < 1:
        raise ConfigError(_("Setting customers.interest_threshold must be 1 or more."))
    if settings.ui.idle_lock_seconds < 0:
        raise ConfigError(_("Setting ui.idle_lock_seconds must be 0 (never) or more seconds."))
    if not settings.tax_group(settings.tax.default):
        raise ConfigError(
            _("Setting tax.default = {code!r} names no group in tax.groups.").format(
                code=settings.tax.default
            )
        )
    for prefix in settings.register.prefixes():
        if not (prefix.isdigit() and len(prefix) == 2):
            raise ConfigError(
                _("Setting register.scale_prefixes: {prefix!r} is not a two-digit prefix.").format(
                    prefix=prefix
                )
            )
    for name in ("printer_port", "printer_width", "printer_baudrate", "scanner_baudrate"):
        if getattr(settings.devices, name) <= 0:
            raise ConfigError(
                _("Setting devices.{name} must be a positive number.").format(name=name)
            )


def load_settings(
    path: str | Path | None = None,
    env: typing.Mapping[str, str] | None = None,
    *,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Read defaults, the TOML file, the environment and ``overrides`` ("section.key": value).

    ``path`` None means ``TORGTUI_CONFIG`` or the default file, which may be missing; a path that
    was named explicitly must exist.
    """
    env = os.environ if env is None else env
    settings = Settings()
    explicit = path is not None or "TORGTUI_CONFIG" in env
    file = Path(path if path is not None else env.get("TORGTUI_CONFIG") or default_config_path())
    if file.exists() or explicit:
        where = str(file)
        import tomllib  # only when there is a file to read (start-up time)

        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                _("Settings file {file} does not exist: check the path given to --config.").format(
                    file=file
                )
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                _("Cannot read settings file {file}: {error}").format(file=file, error=exc)
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                _("Settings file {file} is not valid TOML: {error}. Fix that line.").format(
                    file=file, error=exc
                )
            ) from None
        for section, table in data.items():
            if not isinstance(table, dict):
                raise ConfigError(
                    _("{file}: {section} must be a [section] table, not a single value.").format(
                        file=file, section=section
                    )
                )
            for key, value in table.items():
                _apply(settings, section, key, value, where)
        settings.source = where
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name in ENV_NOT_SETTINGS:
            continue
        section, _sep, key = name[len(ENV_PREFIX) :].lower().partition("_")
        if section in SECTIONS and key:
            _apply(settings, section, key, value, _("environment {name}").format(name=name))
    if env.get("TORGTUI_DB"):
        settings.database.url = env["TORGTUI_DB"]
    if env.get("TORGTUI_LANG"):
        settings.ui.language = env["TORGTUI_LANG"].strip().lower()
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        section, key = dotted.split(".", 1)
        _apply(settings, section, key, value, _("command line"))
    _validate(settings)
    return settings
