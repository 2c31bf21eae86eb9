"""The AlphaSMS gateway against a fake AlphaSMS on 127.0.0.1 (real HTTP): our id = the outbox ref
(a resend is recognised by the service), each answer as an outcome with words, statuses, Viber
rich messages, and the key never quoted."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from torgtui.channels.alphasms import AlphaSmsGateway
from torgtui.channels.gateway import Channel, Delivery, Gateway, Message, Outcome, ViberExtras

from .fake_alphasms import FakeAlphaSms

KEY = "alpha-secret-5d41402abc4b"
PHONE = "380671234567"


@pytest.fixture
def fake() -> Iterator[FakeAlphaSms]:
    server = FakeAlphaSms(key=KEY, slow_seconds=10).start()
    yield server
    server.stop()


@pytest.fixture
def gateway(fake: FakeAlphaSms) -> Iterator[AlphaSmsGateway]:
    g = AlphaSmsGateway(KEY, url=fake.url, sms_sender="Shop", viber_sender="ShopViber", timeout=2)
    yield g
    g.close()


def sms(ref: int = 11, to: str = PHONE) -> Message:
    return Message(ref=ref, channel=Channel.SMS, to=to, text="Ваш код: 4821")


def viber(ref: int = 12, extras: ViberExtras | None = None, fallback: bool = True) -> Message:
    return Message(
        ref=ref, channel=Channel.VIBER, to=PHONE, text="Нова колекція", viber=extras,
        sms_fallback=fallback,
    )  # fmt: skip


def test_sms_carries_our_id_and_is_accepted(fake, gateway) -> None:
    assert isinstance(gateway, Gateway)
    result = gateway.send(sms())
    [request] = fake.calls("/api/json.php")
    assert request.json() == {
        "auth": KEY,
        "data": [
            {
                "type": "sms",
                "id": 11,
                "phone": 380671234567,
                "sms_signature": "Shop",
                "sms_message": "Ваш код: 4821",
                "sms_lifetime": 86400,
            }
        ],
    }
    assert result.outcome == Outcome.ACCEPTED and result.gateway_id == "11"
    assert result.parts == 1 and '"msg_id":900001' in result.detail


def test_viber_rich_with_sms_fallback(fake, gateway) -> None:
    extras = ViberExtras("https://shop.example/a.png", "Переглянути", "https://shop.example/new")
    assert gateway.send(viber(extras=extras)).outcome == Outcome.ACCEPTED
    [item] = fake.calls("/api/json.php")[0].json()["data"]
    assert item == {
        "type": "viber+sms",
        "id": 12,
        "phone": 380671234567,
        "viber_type": "text+image+link",
        "viber_signature": "ShopViber",
        "viber_message": "Нова колекція",
        "viber_lifetime": 3600,
        "viber_image": "https://shop.example/a.png",
        "viber_link": "https://shop.example/new",
        "viber_button": "Переглянути",
        "sms_signature": "Shop",
        "sms_message": "Нова колекція",
        "sms_lifetime": 86400,
    }


def test_viber_text_only_without_fallback(fake, gateway) -> None:
    assert gateway.send(viber(fallback=False)).outcome == Outcome.ACCEPTED
    [item] = fake.calls("/api/json.php")[0].json()["data"]
    assert item["type"] == "viber" and item["viber_type"] == "text"
    assert "sms_message" not in item and "viber_button" not in item


def test_button_over_30_refused_before_sending(fake, gateway) -> None:
    extras = ViberExtras(button_text="Б" * 31, button_url="https://shop.example")
    result = gateway.send(viber(extras=extras))
    assert result.outcome == Outcome.REJECTED and "at most 30" in result.error
    assert fake.requests == []


def test_a_resend_of_the_same_ref_is_not_a_second_sms(fake, gateway) -> None:
    first = gateway.send(sms(ref=21))
    again = gateway.send(sms(ref=21))  # the answer was lost; the sender tries again
    assert first.gateway_id == again.gateway_id == "21"
    assert again.outcome == Outcome.ACCEPTED and len(fake.sent()) == 1
    fake.duplicate_mode = "error"  # a service that says "duplicate" instead
    third = gateway.send(sms(ref=21))
    assert third.outcome == Outcome.ACCEPTED and third.gateway_id == "21"
    assert "Duplicate message id" in third.detail and len(fake.sent()) == 1


def test_a_lost_answer_then_a_resend(fake) -> None:
    fake.slow_left = 1
    with AlphaSmsGateway(KEY, url=fake.url, timeout=0.5) as quick:
        assert quick.send(sms(ref=31)).outcome == Outcome.RETRY
    fake.release.set()
    with AlphaSmsGateway(KEY, url=fake.url, timeout=2) as gateway:
        assert gateway.send(sms(ref=31)).outcome == Outcome.ACCEPTED
    assert len(fake.sent()) == 1


@pytest.mark.parametrize(
    ("setup", "outcome", "words"),
    [
        (lambda f: setattr(f, "balance", 0), Outcome.REJECTED, "no money left"),
        (lambda f: f.stop_list.add(PHONE), Outcome.REJECTED, "stop list"),
        (lambda f: f.item_error.append("Error in Alpha-name"), Outcome.REJECTED, "Alpha-name"),
        (lambda f: f.request_error.append("Too many requests"), Outcome.RETRY, "asks to wait"),
        (lambda f: setattr(f, "fail_left", 1), Outcome.RETRY, "HTTP 500"),
        (lambda f: setattr(f, "html_left", 1), Outcome.RETRY, "not its API's JSON"),
        (lambda f: setattr(f, "slow_left", 1), Outcome.RETRY, "did not answer in time"),
        (lambda f: f.go_down(), Outcome.RETRY, "cannot be reached"),
    ],
)
def test_each_failure_is_an_outcome_with_words(fake, setup, outcome, words) -> None:
    setup(fake)
    with AlphaSmsGateway(KEY, url=fake.url, timeout=0.5) as gateway:
        result = gateway.send(sms())
    assert result.outcome == outcome, result
    assert words in result.error
    assert KEY not in result.error and KEY not in result.detail


def test_the_service_refuses_a_foreign_phone(fake, gateway) -> None:
    result = gateway.send(sms(to="481234567890"))
    assert result.outcome == Outcome.REJECTED and "Invalid phone number" in result.error


def test_a_wrong_key_is_rejected_and_never_quoted(fake, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "alpha-wrong-9e107d9d372b"
    with AlphaSmsGateway(wrong, url=fake.url, timeout=2) as bad:
        result = bad.send(sms())
        fake.go_down()
        down = bad.send(sms(ref=2))
    assert result.outcome == Outcome.REJECTED and "messages.alphasms_key" in result.error
    for r in (result, down):
        assert wrong not in r.error and wrong not in r.detail
    assert wrong not in caplog.text and KEY not in caplog.text


def test_statuses_by_our_id(fake, gateway) -> None:
    for ref in (41, 42, 43, 44):
        assert gateway.send(sms(ref=ref)).outcome == Outcome.ACCEPTED
    fake.set_status(41, "DELIVERED")
    fake.set_status(42, "READ")
    fake.set_status(43, "UNDELIVERABLE")
    statuses = gateway.poll(["41", "42", "43", "44", "99", "not-a-number"])
    assert {k: v.delivery for k, v in statuses.items()} == {
        "41": Delivery.DELIVERED,
        "42": Delivery.READ,
        "43": Delivery.FAILED,
        "44": Delivery.QUEUED,
    }
    assert statuses["41"].extra["msg_id"] == "900001"
    request = fake.calls("/api/json.php")[-1].json()
    assert request["data"][:2] == [{"type": "status", "id": 41}, {"type": "status", "id": 42}]
    fake.go_down()
    assert gateway.poll(["41"]) == {}
