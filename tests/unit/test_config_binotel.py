"""The [binotel] settings: off by default, each value checked in words, key and secret never
quoted in a refusal."""

from __future__ import annotations

import pytest

from torgtui.config import load_settings, secret_setting
from torgtui.errors import ConfigError

EMPTY = {"TORGTUI_CONFIG": "/dev/null"}


def test_defaults_are_off() -> None:
    conf = load_settings(env=EMPTY).binotel
    assert (conf.listen, conf.allow, conf.company_id, conf.key, conf.secret) == ("",) * 5
    assert conf.api_url == "https://api.binotel.com/api/4.0" and conf.poll_minutes == 5
    assert secret_setting("binotel", "key") and secret_setting("binotel", "secret")
    assert not secret_setting("binotel", "company_id")


def test_values_from_the_environment() -> None:
    conf = load_settings(
        env=EMPTY
        | {
            "TORGTUI_BINOTEL_LISTEN": "127.0.0.1:8089",
            "TORGTUI_BINOTEL_ALLOW": "194.88.218.116, 194.88.219.0/24",
            "TORGTUI_BINOTEL_COMPANY_ID": "10906",
            "TORGTUI_BINOTEL_POLL_MINUTES": "0",
        }
    ).binotel
    assert (conf.listen, conf.company_id, conf.poll_minutes) == ("127.0.0.1:8089", "10906", 0)


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("LISTEN", "8089", 'an address and port like "127.0.0.1:8089"'),
        ("LISTEN", "127.0.0.1:70000", 'an address and port like "127.0.0.1:8089"'),
        ("ALLOW", "binotel.com", "addresses or networks separated by commas"),
        ("COMPANY_ID", "ten", 'digits, like "10906"'),
        ("API_URL", "api.binotel.com", 'an address like "https://api.binotel.com/api/4.0"'),
        ("POLL_MINUTES", "2000", "a whole number from 0 to 1440"),
    ],
)
def test_bad_values_are_refused_in_words(name: str, value: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env=EMPTY | {f"TORGTUI_BINOTEL_{name}": value})
    assert words in caught.value.message and f"binotel.{name.lower()}" in caught.value.message


def test_a_bad_secret_is_not_quoted() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(path="/dev/null", env={}, overrides={"binotel.secret": 12345678})
    assert "12345678" not in caught.value.message and "binotel.secret" in caught.value.message
