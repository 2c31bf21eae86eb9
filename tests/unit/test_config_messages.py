"""The [messages] settings: defaults, the forms each value must have, and secrets that are never
quoted (a refusal, the settings screen)."""

from __future__ import annotations

from pathlib import Path

import pytest

from torgtui.config import load_settings, secret_setting
from torgtui.errors import ConfigError
from torgtui.screens.settings import settings_sections


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults(tmp_path: Path) -> None:
    m = load_settings(write(tmp_path, ""), {}).messages
    assert (m.sms_gateway, m.email_gateway, m.sms_sender, m.viber_sender) == (
        "sandbox",
        "sandbox",
        "Shop",
        "",
    )
    assert m.turbosms_url == "https://api.turbosms.ua" and m.turbosms_token == ""
    assert m.alphasms_url == "https://alphasms.ua/api/json.php"
    assert m.epochta_url == "https://api.myatompark.com/sms/3.0"
    assert (m.smtp_port, m.smtp_starttls, m.sandbox_file) == (587, True, "messages-sandbox.jsonl")
    assert (m.price_sms_part, m.price_viber, m.price_email) == (120, 90, 0)
    assert (m.quiet_start, m.quiet_end) == ("21:00", "09:00")
    assert (m.rate_per_second, m.max_attempts, m.poll_minutes) == (20, 8, 10)


def test_file_and_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[messages]\nsms_gateway = "turbosms"\nturbosms_token = "tok-file"\n'
        'email_from = "Shop <shop@example.com>"\nsmtp_starttls = false\nquiet_start = "22:30"\n',
    )
    m = load_settings(
        path, {"TORGTUI_MESSAGES_TURBOSMS_TOKEN": "tok-env", "TORGTUI_MESSAGES_SMTP_PORT": "465"}
    ).messages
    assert (m.sms_gateway, m.turbosms_token, m.smtp_port) == ("turbosms", "tok-env", 465)
    assert (m.email_from, m.smtp_starttls, m.quiet_start) == (
        "Shop <shop@example.com>",
        False,
        "22:30",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sms_gateway = 'viber'", r"messages.sms_gateway = 'viber' .*one of: 'sandbox'"),
        ("email_gateway = 'turbosms'", r"messages.email_gateway .*'sandbox', 'smtp', 'none'"),
        ("sms_sender = 'Магазин'", r"messages.sms_sender .*1 to 11 Latin letters"),
        ("sms_sender = 'VeryLongShopName'", r"messages.sms_sender .*1 to 11 Latin letters"),
        ("sms_sender = '0671234567'", r"messages.sms_sender .*1 to 11 Latin letters"),
        ("sms_sender = ''", r"messages.sms_sender .*1 to 11 Latin letters"),
        ("turbosms_url = 'api.turbosms.ua'", r"messages.turbosms_url .*https://api.turbosms.ua"),
        ("alphasms_url = 'ftp://x'", r"messages.alphasms_url .*an address like"),
        ("email_from = 'shop'", r"messages.email_from = 'shop' .*an e-mail address"),
        ("email_from = 'Shop <shop@>'", r"messages.email_from .*an e-mail address"),
        ("quiet_start = '25:00'", r"messages.quiet_start = '25:00' .*a time of day"),
        ("quiet_end = '9'", r"messages.quiet_end = '9' .*a time of day"),
        ("sandbox_file = ''", r"messages.sandbox_file .*a file name"),
        ("smtp_port = 0", r"messages.smtp_port = 0 .*from 1 to 65535"),
        ("smtp_starttls = 1", r"messages.smtp_starttls = 1 .*true or false"),
        ("price_sms_part = -1", r"messages.price_sms_part = -1 .*from 0 to 100000"),
        ("rate_per_second = 0", r"messages.rate_per_second = 0 .*from 1 to 1000"),
        ("max_attempts = 0", r"messages.max_attempts = 0 .*from 1 to 100"),
        ("poll_minutes = 0", r"messages.poll_minutes = 0 .*from 1 to 1440"),
        ("smtp_pasword = 'x'", r"Unknown setting messages.smtp_pasword"),
    ],
)
def test_bad_values_name_the_key_and_the_form(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(write(tmp_path, "[messages]\n" + text), {})


def test_a_secret_is_never_quoted_in_a_refusal(tmp_path: Path) -> None:
    for key in ("turbosms_token", "alphasms_key", "epochta_private_key", "smtp_password"):
        with pytest.raises(ConfigError) as err:
            load_settings(write(tmp_path, f"[messages]\n{key} = 918273645"), {})
        assert f"messages.{key} = *** " in str(err.value) and "918273645" not in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_settings(write(tmp_path, ""), {"TORGTUI_DEVICES_CHECKBOX_PIN": "77\x0177"})
    assert "77" not in str(err.value).replace("U+0001", "")


def test_secrets_are_marked_and_hidden_on_the_settings_screen(tmp_path: Path) -> None:
    secrets = {
        ("messages", "turbosms_token"): "tok-918273645",
        ("messages", "alphasms_key"): "alpha-918273645",
        ("messages", "epochta_private_key"): "priv-918273645",
        ("messages", "smtp_password"): "pass-918273645",
        ("devices", "checkbox_license_key"): "lic-918273645",
        ("devices", "checkbox_pin"): "918273645",
        ("customers", "novaposhta_key"): "np-918273645",
    }
    for section, key in secrets:
        assert secret_setting(section, key)
    assert not secret_setting("messages", "epochta_public_key")
    assert not secret_setting("messages", "smtp_user") and not secret_setting("nope", "x")
    settings = load_settings(
        write(tmp_path, ""), {}, overrides={f"{s}.{k}": v for (s, k), v in secrets.items()}
    )
    text = "\n".join(line for _name, lines in settings_sections(settings) for line in lines)
    assert "918273645" not in text
    assert "turbosms_token = ***" in text and "smtp_password = ***" in text
    assert "epochta_public_key = " in text and "sms_gateway = sandbox" in text
