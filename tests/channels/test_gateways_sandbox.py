"""The demo's sandbox gateway (whole JSON lines in a file, "delivered" at once, Viber read later,
never the network) and open_gateway: the settings' choice per channel, keys required by name
and never quoted."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest

from torgtui.channels.alphasms import AlphaSmsGateway
from torgtui.channels.epochta import EpochtaGateway
from torgtui.channels.gateway import (
    Channel,
    Delivery,
    Gateway,
    Message,
    Outcome,
    ViberExtras,
)
from torgtui.channels.gateways import open_gateway, sandbox_path
from torgtui.channels.sandbox import SandboxGateway, recent
from torgtui.channels.smtp_gateway import SmtpGateway
from torgtui.channels.turbosms import TurboSmsGateway
from torgtui.config import Settings
from torgtui.errors import ConfigError


class Clock:
    def __init__(self) -> None:
        self.now = 1_796_205_600.0  # 2026-12-02 10:00 UTC

    def __call__(self) -> float:
        return self.now


def viber(ref: int, button: str = "Купити") -> Message:
    return Message(
        ref=ref,
        channel=Channel.VIBER,
        to="380671234567",
        text="Нова колекція вже в магазині",
        viber=ViberExtras("https://shop.example/a.png", button, "https://shop.example/new"),
    )


def test_each_message_is_one_whole_line_and_delivered(tmp_path, monkeypatch) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("the sandbox touched the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    clock = Clock()
    path = tmp_path / "demo" / "messages-sandbox.jsonl"
    gateway = SandboxGateway(path, sms_sender="Shop", email_from="shop@example.com", clock=clock)
    assert isinstance(gateway, Gateway)
    sms = gateway.send(Message(ref=1, channel=Channel.SMS, to="380671234567", text="Код: 4821"))
    email = gateway.send(
        Message(ref=2, channel=Channel.EMAIL, to="olena@example.org", subject="Бонуси", text="Ok")
    )
    rich = gateway.send(viber(3))
    assert all(r.outcome == Outcome.ACCEPTED for r in (sms, email, rich))
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["ref"] for r in rows] == [1, 2, 3]
    assert rows[0] == {
        "at": "2026-12-02T10:00:00+00:00",
        "id": sms.gateway_id,
        "ref": 1,
        "channel": "sms",
        "to": "380671234567",
        "sender": "Shop",
        "subject": "",
        "text": "Код: 4821",
    }
    assert rows[1]["sender"] == "shop@example.com" and rows[1]["subject"] == "Бонуси"
    assert rows[2]["viber"] == {
        "image_url": "https://shop.example/a.png",
        "button_text": "Купити",
        "button_url": "https://shop.example/new",
        "sms_fallback": True,
    }
    assert [r["ref"] for r in recent(path)] == [3, 2, 1]  # newest first, for a screen
    # delivered at once; the Viber message is read on a later poll
    polled = gateway.poll([sms.gateway_id, email.gateway_id, rich.gateway_id, "other-id"])
    assert {k: v.delivery for k, v in polled.items()} == {
        sms.gateway_id: Delivery.DELIVERED,
        email.gateway_id: Delivery.DELIVERED,
        rich.gateway_id: Delivery.DELIVERED,
    }
    clock.now += 60
    assert gateway.poll([rich.gateway_id])[rich.gateway_id].delivery == Delivery.READ
    # another process (no memory of the send) answers the same
    other = SandboxGateway(path, clock=clock)
    assert other.poll([sms.gateway_id])[sms.gateway_id].delivery == Delivery.DELIVERED


def test_bad_input_is_refused_like_the_services_do(tmp_path) -> None:
    gateway = SandboxGateway(tmp_path / "s.jsonl")
    assert gateway.send(viber(1, button="x" * 31)).outcome == Outcome.REJECTED
    assert "at most 30" in gateway.send(viber(1, button="x" * 31)).error
    bad_phone = Message(ref=2, channel=Channel.SMS, to="+380 67", text="x")
    assert gateway.send(bad_phone).outcome == Outcome.REJECTED
    empty = Message(ref=3, channel=Channel.SMS, to="380671234567", text=" ")
    assert gateway.send(empty).outcome == Outcome.REJECTED
    assert not (tmp_path / "s.jsonl").exists()


def test_concurrent_senders_write_whole_lines(tmp_path) -> None:
    path = tmp_path / "s.jsonl"
    long_text = "Довгий текст розсилки " * 200  # ~4 KB a line

    def send(start: int) -> None:
        gateway = SandboxGateway(path)
        for ref in range(start, start + 100):
            message = Message(ref=ref, channel=Channel.SMS, to="380671234567", text=long_text)
            assert gateway.send(message).outcome == Outcome.ACCEPTED

    threads = [threading.Thread(target=send, args=(n * 1000,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 400 and all(r["text"] == long_text for r in rows)
    assert len({r["ref"] for r in rows}) == 400


def test_a_file_that_cannot_be_written_is_retry(tmp_path) -> None:
    (tmp_path / "dir").mkdir()
    gateway = SandboxGateway(tmp_path / "dir")  # a folder, not a file
    result = gateway.send(Message(ref=1, channel=Channel.SMS, to="380671234567", text="x"))
    assert result.outcome == Outcome.RETRY and "cannot be written" in result.error


def test_recent_skips_a_cut_line(tmp_path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "a", "ref": 1}\n{"id": "b", "re', encoding="utf-8")
    assert recent(path) == [{"id": "a", "ref": 1}]
    assert recent(tmp_path / "missing.jsonl") == []


# --- open_gateway ------------------------------------------------------------------------------


def settings(tmp_path: Path, **messages) -> Settings:
    s = Settings()
    s.database.url = str(tmp_path / "shop.sqlite")
    for key, value in messages.items():
        setattr(s.messages, key, value)
    return s


def test_the_default_is_the_sandbox_next_to_the_database(tmp_path) -> None:
    s = settings(tmp_path)
    for channel in Channel:
        gateway = open_gateway(s, channel)
        assert isinstance(gateway, SandboxGateway)
        assert gateway.path == tmp_path / "messages-sandbox.jsonl"
    s.database.url = f"sqlite:///{tmp_path}/sub/shop.sqlite"
    assert sandbox_path(s) == tmp_path / "sub" / "messages-sandbox.jsonl"
    s.messages.sandbox_file = str(tmp_path / "elsewhere.jsonl")
    assert sandbox_path(s) == tmp_path / "elsewhere.jsonl"


def test_each_service_by_the_settings(tmp_path) -> None:
    s = settings(
        tmp_path,
        sms_gateway="turbosms",
        turbosms_token="tok-1",
        email_gateway="smtp",
        smtp_host="mail.example.com",
        email_from="shop@example.com",
    )
    sms, vib, email = (open_gateway(s, c) for c in (Channel.SMS, Channel.VIBER, Channel.EMAIL))
    assert isinstance(sms, TurboSmsGateway) and isinstance(vib, TurboSmsGateway)
    assert isinstance(email, SmtpGateway) and email.host == "mail.example.com"
    s.messages.sms_gateway, s.messages.alphasms_key = "alphasms", "key-1"
    assert isinstance(open_gateway(s, Channel.VIBER), AlphaSmsGateway)
    s.messages.sms_gateway = "epochta"
    s.messages.epochta_public_key, s.messages.epochta_private_key = "pub", "priv"
    assert isinstance(open_gateway(s, Channel.SMS), EpochtaGateway)
    assert open_gateway(s, Channel.VIBER) is None  # e-pochta carries no Viber
    s.messages.sms_gateway = s.messages.email_gateway = "none"
    assert all(open_gateway(s, c) is None for c in Channel)
    for g in (sms, vib, email):
        g.close()


@pytest.mark.parametrize(
    ("messages", "channel", "missing"),
    [
        ({"sms_gateway": "turbosms"}, Channel.SMS, "messages.turbosms_token"),
        ({"sms_gateway": "alphasms"}, Channel.VIBER, "messages.alphasms_key"),
        (
            {"sms_gateway": "epochta", "epochta_private_key": "hidden-918273"},
            Channel.SMS,
            "messages.epochta_public_key",
        ),
        ({"email_gateway": "smtp", "email_from": "a@b.ua"}, Channel.EMAIL, "messages.smtp_host"),
        (
            {"email_gateway": "smtp", "smtp_host": "h", "email_from": "a@b.ua", "smtp_user": "u"},
            Channel.EMAIL,
            "messages.smtp_password",
        ),
    ],
)
def test_a_service_without_its_key_names_the_setting(tmp_path, messages, channel, missing) -> None:
    with pytest.raises(ConfigError) as err:
        open_gateway(settings(tmp_path, **messages), channel)
    assert missing in str(err.value) and "hidden-918273" not in str(err.value)


def test_which_gateways_recognise_a_resend_by_its_ref(tmp_path) -> None:
    """The sender resends a row a dead sender left mid-send only through these (sender.py)."""
    assert TurboSmsGateway("t").dedupes_ref and AlphaSmsGateway("k").dedupes_ref
    assert not EpochtaGateway("p", "q").dedupes_ref
    assert not SmtpGateway("h").dedupes_ref and not SandboxGateway(tmp_path / "s").dedupes_ref
