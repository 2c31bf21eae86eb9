"""Settings: one typed object from a TOML file and ``TORGTUI_*`` environment variables.

Precedence (later wins): built-in defaults, the TOML file (``--config``, ``TORGTUI_CONFIG`` or
``<user config dir>/torgtui/settings.toml``), environment variables, command-line flags.
Environment variables are ``TORGTUI_<SECTION>_<KEY>`` (``TORGTUI_DEVICES_PRINTER=file``), plus
the short forms ``TORGTUI_DB`` and ``TORGTUI_LANG``. A bad value names the key, where it came
from and the form expected; unknown keys are refused so that a typo is not silently ignored.

Values are taken as they are typed, never guessed: a TOML ``true`` is not the number 1, a TOML
number is not text, and numbers stay within their natural bounds (a field's ``range`` or
``choices`` metadata; any other whole number is 0..2 147 483 647). Text has no control
characters. A settings file larger than MAX_FILE_BYTES or nested too deeply is refused.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from torgtui.errors import ConfigError, ValidationError
from torgtui.i18n import LANGUAGES, _
from torgtui.values import MAX_DAYS, check_percent, check_text

ENV_PREFIX = "TORGTUI_"
ENV_NOT_SETTINGS = {"TORGTUI_CONFIG", "TORGTUI_TEST_PG", "TORGTUI_DB", "TORGTUI_LANG"}
MAX_FILE_BYTES = 1024 * 1024
MAX_TEXT = 2000  # characters of any text setting (a receipt header of several lines)
INT_RANGE = (0, 2**31 - 1)  # a whole-number setting without its own range
BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400)


def _range(low: int, high: int) -> dict[str, Any]:
    return {"range": (low, high)}


BAUD = {"choices": BAUDRATES}
SECRET = {"secret": True}  # a field's metadata: never shown, logged or quoted in a message


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
    printer_port: int = field(default=9100, metadata=_range(1, 65535))
    printer_path: str = "receipts.txt"  # file backend: output file; serial: device path
    printer_baudrate: int = field(default=19200, metadata=BAUD)
    printer_usb_vendor: int = field(default=0, metadata=_range(0, 0xFFFF))
    printer_usb_product: int = field(default=0, metadata=_range(0, 0xFFFF))
    printer_codepage: Literal["CP866", "CP1251"] = "CP866"
    printer_width: int = field(default=42, metadata=_range(16, 100))  # characters per line
    drawer: bool = True
    scanner: Literal["wedge", "serial"] = "wedge"
    scanner_port: str = ""
    scanner_baudrate: int = field(default=9600, metadata=BAUD)
    fiscal: Literal["sandbox", "checkbox", "serial", "none"] = "sandbox"
    checkbox_url: str = "https://api.checkbox.ua/api/v1"
    checkbox_license_key: str = field(default="", metadata=SECRET)
    checkbox_pin: str = field(default="", metadata=SECRET)
    fiscal_port: str = ""
    fiscal_baudrate: int = field(default=115200, metadata=BAUD)
    audio: Literal["auto", "off"] = "auto"
    festive_sound: str = ""  # a WAV file for festive promotions; empty: the built-in chime


@dataclass
class RegisterSettings:
    # barcodes printed by the shop's scales: prefix + 5-digit PLU + 5-digit weight (g) + check
    scale_prefixes: str = "20"  # comma-separated two-digit prefixes
    receipt_header: str = ""  # extra lines printed at the top of receipts ("\n" separated)
    receipt_footer: str = "Дякуємо за покупку!"
    # keyboard-wedge scanner: max gap between keys of one scan
    wedge_max_gap_ms: int = field(default=30, metadata=_range(1, 1000))
    wedge_min_length: int = field(default=6, metadata=_range(1, 100))
    # a line discounted below its cost: "confirm" (someone with the permission approves with
    # their PIN) or "never" (the discount is limited so the line sells at cost)
    below_cost: Literal["confirm", "never"] = "confirm"
    # receipts older than this many days are taken back only with a senior's approval
    return_days_without_approval: int = field(default=14, metadata=_range(0, MAX_DAYS))
    # a shared till: lock the register after every paid receipt (the next cashier's PIN)
    lock_after_receipt: bool = False

    def prefixes(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.scale_prefixes.split(",") if p.strip())


@dataclass
class CustomerSettings:
    # a product group becomes a customer's interest after this many receipts with it
    interest_threshold: int = field(default=2, metadata=_range(1, 1000))
    novaposhta_url: str = "https://api.novaposhta.ua/v2.0/json/"
    novaposhta_key: str = field(default="", metadata=SECRET)
    # the shop as the sender of invoices' waybills: refs from the Nova Poshta business cabinet
    # (counterparty, contact person, city, sending branch) and the contact's phone 380XXXXXXXXX
    novaposhta_sender: str = ""
    novaposhta_contact: str = ""
    novaposhta_city: str = ""
    novaposhta_address: str = ""
    novaposhta_phone: str = ""
    card_prefix: str = "29"  # in-store card numbers: EAN-13 with this prefix


@dataclass
class MessagesSettings:
    """SMS, Viber and e-mail gateways (torgtui.channels.gateways) and how the sender works."""

    sms_gateway: Literal["sandbox", "turbosms", "alphasms", "epochta", "none"] = "sandbox"
    email_gateway: Literal["sandbox", "smtp", "none"] = "sandbox"
    sms_sender: str = "Shop"  # the alpha name registered with the service
    viber_sender: str = ""  # empty: sms_sender
    turbosms_url: str = "https://api.turbosms.ua"
    turbosms_token: str = field(default="", metadata=SECRET)
    alphasms_url: str = "https://alphasms.ua/api/json.php"
    alphasms_key: str = field(default="", metadata=SECRET)
    epochta_url: str = "https://api.myatompark.com/sms/3.0"
    epochta_public_key: str = ""
    epochta_private_key: str = field(default="", metadata=SECRET)
    smtp_host: str = ""
    smtp_port: int = field(default=587, metadata=_range(1, 65535))
    smtp_user: str = ""
    smtp_password: str = field(default="", metadata=SECRET)
    smtp_starttls: bool = True
    email_from: str = ""
    sandbox_file: str = "messages-sandbox.jsonl"  # relative: next to the database file
    price_sms_part: int = field(default=120, metadata=_range(0, 100_000))  # kopecks
    price_viber: int = field(default=90, metadata=_range(0, 100_000))  # kopecks
    price_email: int = field(default=0, metadata=_range(0, 100_000))  # kopecks
    quiet_start: str = "21:00"  # marketing waits from here...
    quiet_end: str = "09:00"  # ...to here; codes and service messages do not
    rate_per_second: int = field(default=20, metadata=_range(1, 1000))
    max_attempts: int = field(default=8, metadata=_range(1, 100))
    poll_minutes: int = field(default=10, metadata=_range(1, 1440))


@dataclass
class BinotelSettings:
    """Binotel telephony (torgtui.channels.binotel, binotel_hook): the webhook endpoint is off
    until ``listen`` is set; the polling fallback runs when ``key`` and ``secret`` are."""

    listen: str = ""  # "127.0.0.1:8089": where the webhook endpoint listens; "" = off
    allow: str = ""  # source addresses (or networks) Binotel calls from, comma-separated
    company_id: str = ""  # the companyID Binotel sends; other companies' requests are refused
    api_url: str = "https://api.binotel.com/api/4.0"
    key: str = field(default="", metadata=SECRET)
    secret: str = field(default="", metadata=SECRET)
    poll_minutes: int = field(default=5, metadata=_range(0, 1440))  # 0: no polling


@dataclass
class VerificationSettings:
    """SMS codes at the register (torgtui.channels.verification, docs/verification.md)."""

    code_length: int = field(default=4, metadata=_range(4, 6))  # digits
    ttl_minutes: int = field(default=5, metadata=_range(1, 60))
    attempts: int = field(default=3, metadata=_range(1, 5))  # wrong codes, then it is spent
    cooldown_seconds: int = field(default=60, metadata=_range(0, 3600))  # between sends
    # F6 with a phone: "code" sends a code to it before the card is attached; "plain" attaches
    identify_by_phone: Literal["code", "plain"] = "plain"
    # paying with bonuses needs the customer's code: never, always, or above an amount
    bonus_confirm: Literal["never", "always", "above"] = "never"
    bonus_confirm_above: int = field(default=50000, metadata=_range(0, 10**11))  # kopecks


@dataclass
class UiSettings:
    language: str = "en"
    idle_lock_seconds: int = field(default=300, metadata=_range(0, 86400))  # 0 = never
    simplified_customer_list: bool = False
    # a blinking cursor repaints its field twice a second: "auto" is off over SSH (SSH_CONNECTION
    # or SSH_TTY set), where those bytes are the cashier's bandwidth, and on elsewhere
    cursor_blink: Literal["auto", "on", "off"] = "auto"


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
    messages: MessagesSettings = field(default_factory=MessagesSettings)
    binotel: BinotelSettings = field(default_factory=BinotelSettings)
    verification: VerificationSettings = field(default_factory=VerificationSettings)
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


def _shown(value: Any) -> str:
    """A value as quoted in a message: its repr, cut."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        text = type(value).__name__
    return text if len(text) <= 60 else text[:59] + "…"


def _digits(text: str, low: int, high: int) -> bool:
    text = text.strip()
    return low <= len(text) <= high and text.isascii() and text.isdigit()


def _clock(text: str) -> bool:
    hours, sep, minutes = text.strip().partition(":")
    return (
        bool(sep)
        and _digits(hours, 1, 2)
        and _digits(minutes, 2, 2)
        and int(hours) < 24
        and int(minutes) < 60
    )


def _web_address(text: str) -> bool:
    text = text.strip()
    return text.startswith(("https://", "http://")) and len(text) > 8 and " " not in text


def _alpha_name(text: str) -> bool:
    """An SMS sender name as the services register them: 1..11 Latin letters, digits, spaces
    and ``.-_&``; not digits only (that would be a phone number)."""
    text = text.strip()
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-_&")
    return 1 <= len(text) <= 11 and set(text) <= allowed and not text.replace(" ", "").isdigit()


def _email_or_empty(text: str) -> bool:
    text = text.strip()
    if not text:
        return True
    if "<" in text:  # Shop <shop@example.com>
        if not text.endswith(">"):
            return False
        text = text[text.rindex("<") + 1 : -1]
    local, at, domain = text.partition("@")
    return bool(local and at and "." in domain.strip(".")) and " " not in text


def _listen_address(text: str) -> bool:
    """ "" (off) or "host:port" with a port 1..65535 (the host may be empty: every address)."""
    text = text.strip()
    if not text:
        return True
    host, sep, port = text.rpartition(":")
    return bool(sep) and _digits(port, 1, 5) and 1 <= int(port) <= 65535 and " " not in host


def _address_list(text: str) -> bool:
    """Comma-separated IP addresses or networks ("194.88.218.116", "194.88.219.0/24")."""
    import ipaddress

    try:
        for part in text.split(","):
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)
    except ValueError:
        return False
    return True


def secret_setting(section: str, key: str) -> bool:
    """Whether ``section.key`` is a secret (a key, a token, a password, a PIN): never shown on
    the settings screen, never quoted in a message or a log."""
    table = {f.name: f for f in dataclasses.fields(Settings)}.get(section)
    if table is None or not isinstance(table.default_factory, type):
        return False
    fields = {f.name: f for f in dataclasses.fields(table.default_factory)}
    return key in fields and bool(fields[key].metadata.get("secret"))


# Text settings with a form of their own: (the check, the form as a message says it)
TEXT_FORMS: dict[str, tuple[typing.Callable[[str], bool], typing.Callable[[], str]]] = {
    "register.scale_prefixes": (
        lambda v: all(_digits(p, 2, 2) for p in v.split(",") if p.strip()),
        lambda: _('two-digit prefixes separated by commas, like "20" or "20,21"'),
    ),
    "customers.card_prefix": (
        lambda v: _digits(v, 1, 6),
        lambda: _('1 to 6 digits, like "29"'),
    ),
    "devices.festive_sound": (
        lambda v: not v.strip() or v.strip().lower().endswith(".wav"),
        lambda: _('the path of a .wav file, like "/usr/share/sounds/shop/birthday.wav", or ""'),
    ),
    "messages.sms_sender": (
        _alpha_name,
        lambda: _('1 to 11 Latin letters, digits, spaces or ".-_&", like "Shop"'),
    ),
    "messages.viber_sender": (
        lambda v: not v.strip() or len(v.strip()) <= 32,
        lambda: _('the Viber sender name registered with the service (up to 32 characters) or ""'),
    ),
    "messages.turbosms_url": (_web_address, lambda: _('an address like "https://api.turbosms.ua"')),
    "messages.alphasms_url": (
        _web_address,
        lambda: _('an address like "https://alphasms.ua/api/json.php"'),
    ),
    "messages.epochta_url": (
        _web_address,
        lambda: _('an address like "https://api.myatompark.com/sms/3.0"'),
    ),
    "messages.email_from": (
        _email_or_empty,
        lambda: _('an e-mail address like "shop@example.com" or "Shop <shop@example.com>", or ""'),
    ),
    "messages.sandbox_file": (
        lambda v: bool(v.strip()) and "\n" not in v,
        lambda: _('a file name like "messages-sandbox.jsonl"'),
    ),
    "messages.quiet_start": (_clock, lambda: _('a time of day like "21:00"')),
    "messages.quiet_end": (_clock, lambda: _('a time of day like "09:00"')),
    "binotel.listen": (
        _listen_address,
        lambda: _('an address and port like "127.0.0.1:8089", or "" (off)'),
    ),
    "binotel.allow": (
        _address_list,
        lambda: _(
            'addresses or networks separated by commas, like "194.88.218.116,194.88.219.0/24"'
        ),
    ),
    "binotel.company_id": (
        lambda v: not v.strip() or _digits(v, 1, 12),
        lambda: _('digits, like "10906"'),
    ),
    "binotel.api_url": (
        _web_address,
        lambda: _('an address like "https://api.binotel.com/api/4.0"'),
    ),
    "ui.language": (
        lambda v: v in LANGUAGES,
        lambda: _("one of: {choices}").format(choices=", ".join(LANGUAGES)),
    ),
}


def _coerce(
    value: Any, tp: Any, key: str, where: str, meta: typing.Mapping[str, Any] | None = None
) -> Any:
    """Convert a TOML or environment value to ``tp``, or raise a ConfigError naming ``key``."""

    secret = bool((meta or {}).get("secret"))

    def bad(expected: str | None = None) -> ConfigError:
        return ConfigError(
            _("Setting {key} = {value} ({where}) is not valid: expected {expected}.").format(
                key=key,
                value="***" if secret else _shown(value),
                where=where,
                expected=expected or _expected(tp),
            )
        )

    if get_origin(tp) is Literal:
        for choice in get_args(tp):
            if type(value) is type(choice) and value == choice:  # a TOML true is not 1
                return choice
            if isinstance(value, str) and str(choice) == value.strip():
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
        return _whole_number(value, meta or {}, bad)
    if tp is Decimal:
        if isinstance(value, float):
            value = repr(value)
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise bad()
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise bad() from None
        if not number.is_finite():
            raise bad()
        return number
    if tp is str:
        if not isinstance(value, str):
            raise bad()
        try:
            check_text(value, key, max_len=MAX_TEXT, multiline=True)
        except ValidationError as exc:
            raise ConfigError(
                _("Setting {key} ({where}): {reason}").format(
                    key=key, where=where, reason=exc.message
                )
            ) from None
        form = TEXT_FORMS.get(key)
        if form is not None and not form[0](value):
            raise bad(form[1]())
        return value
    raise bad()


def _whole_number(value: Any, meta: typing.Mapping[str, Any], bad: Any) -> int:
    """A whole-number setting within the field's ``choices`` or ``range`` (else INT_RANGE)."""
    choices = meta.get("choices")
    low, high = meta.get("range", INT_RANGE)
    expected = (
        _("one of: {choices}").format(choices=", ".join(str(c) for c in choices))
        if choices
        else _("a whole number from {low} to {high}").format(low=low, high=high)
    )
    if isinstance(value, str) and len(value.strip()) <= 20:
        try:
            value = int(value.strip(), 0)
        except ValueError:
            raise bad(expected) from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(expected)
    if (choices and value not in choices) or not low <= value <= high:
        raise bad(expected)
    return value


TAX_GROUP_KEYS = ("code", "name", "rate")


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
        for name in item:
            if name not in TAX_GROUP_KEYS:
                raise ConfigError(
                    _("Unknown setting {key}.{name} ({where}); known: {known}.").format(
                        key=key, name=name, where=where, known=", ".join(TAX_GROUP_KEYS)
                    )
                )
        rate = item["rate"]
        try:
            rate = check_percent(repr(rate) if isinstance(rate, float) else rate, allow_zero=True)
        except ValidationError:
            raise ConfigError(
                _("Setting {key}.rate = {rate} ({where}) must be between 0 and 100.").format(
                    key=key, rate=_shown(rate), where=where
                )
            ) from None
        code = _coerce(item["code"], str, f"{key}.code", where)
        name = _coerce(item.get("name", code), str, f"{key}.name", where)
        groups.append(TaxGroup(code, name, rate))
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
    if not isinstance(key, str) or key not in hints:
        raise ConfigError(
            _("Unknown setting {section}.{key} ({where}); known in [{section}]: {known}.").format(
                section=section, key=key, where=where, known=", ".join(hints)
            )
        )
    if (section, key) == ("tax", "groups"):
        setattr(target, key, _tax_groups(value, where))
    else:
        meta = {f.name: f.metadata for f in dataclasses.fields(target)}[key]
        setattr(target, key, _coerce(value, hints[key], f"{section}.{key}", where, meta))


def _validate(settings: Settings) -> None:
    """What involves several settings (each value was checked as it was read)."""
    if not settings.tax_group(settings.tax.default):
        raise ConfigError(
            _("Setting tax.default = {code!r} names no group in tax.groups.").format(
                code=settings.tax.default
            )
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
            if file.stat().st_size > MAX_FILE_BYTES:
                raise ConfigError(
                    _(
                        "Settings file {file} is larger than {kb} KB: it is not a settings file. "
                        "Check the path given to --config."
                    ).format(file=file, kb=MAX_FILE_BYTES // 1024)
                )
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
        except (RecursionError, ValueError):  # nested thousands deep; a 5 000-digit number
            raise ConfigError(
                _(
                    "Settings file {file} is not a settings file: it is nested too deeply or "
                    "holds a number too long to read. Check the path given to --config."
                ).format(file=file)
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
    for name, section, key in (
        ("TORGTUI_DB", "database", "url"),
        ("TORGTUI_LANG", "ui", "language"),
    ):
        if env.get(name):
            value = env[name].strip().lower() if key == "language" else env[name]
            _apply(settings, section, key, value, _("environment {name}").format(name=name))
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        section, key = dotted.split(".", 1)
        _apply(settings, section, key, value, _("command line"))
    _validate(settings)
    return settings
