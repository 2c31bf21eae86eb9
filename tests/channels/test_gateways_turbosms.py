"""The TurboSMS gateway against a fake TurboSMS on 127.0.0.1 (real HTTP): what it sends, each
answer as an outcome with words, statuses, Viber rich messages and the token kept secret."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from torgtui.channels.gateway import (
    Channel,
    Delivery,
    Gateway,
    Message,
    Outcome,
    SendResult,
    ViberExtras,
)
from torgtui.channels.turbosms import TurboSmsGateway, sequence_id

from .fake_turbosms import FakeTurboSms

TOKEN = "turbo-secret-7f3a9c21e5"
PHONE = "380671234567"


@pytest.fixture
def fake() -> Iterator[FakeTurboSms]:
    server = FakeTurboSms(token=TOKEN, slow_seconds=10).start()
    yield server
    server.stop()


@pytest.fixture
def gateway(fake: FakeTurboSms) -> Iterator[TurboSmsGateway]:
    g = TurboSmsGateway(TOKEN, url=fake.url, sms_sender="Shop", timeout=2)
    yield g
    g.close()


def sms(ref: int = 1, to: str = PHONE, text: str = "Вам нараховано 50 бонусів") -> Message:
    return Message(ref=ref, channel=Channel.SMS, to=to, text=text)


def viber(ref: int = 2, extras: ViberExtras | None = None, fallback: bool = True) -> Message:
    return Message(
        ref=ref,
        channel=Channel.VIBER,
        to=PHONE,
        text="Знижка 20% на все до неділі",
        viber=extras,
        sms_fallback=fallback,
    )


def no_secret(result: SendResult) -> None:
    assert TOKEN not in result.error and TOKEN not in result.detail


def test_it_is_a_gateway(gateway) -> None:
    assert isinstance(gateway, Gateway)
    assert gateway.channels == {Channel.SMS, Channel.VIBER}


def test_sms_is_accepted_with_the_services_id(fake, gateway) -> None:
    result = gateway.send(sms())
    [request] = fake.calls("/message/send.json")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in request.path
    assert request.json() == {
        "recipients": [PHONE],
        "sequence_id": sequence_id(sms()),
        "sms": {"sender": "Shop", "text": "Вам нараховано 50 бонусів"},
    }
    [taken] = fake.messages
    assert result == SendResult(Outcome.ACCEPTED, gateway_id=taken, detail=result.detail)
    assert '"response_code":800' in result.detail


def test_viber_rich_message_with_sms_fallback(fake, gateway) -> None:
    extras = ViberExtras(
        image_url="https://shop.example/img/sale.png",
        button_text="Обрати товари",
        button_url="https://shop.example/sale",
    )
    result = gateway.send(viber(extras=extras))
    assert result.outcome == Outcome.ACCEPTED and result.gateway_id
    body = fake.calls("/message/send.json")[0].json()
    assert body["viber"] == {
        "sender": "Shop",
        "text": "Знижка 20% на все до неділі",
        "ttl": 3600,
        "image_url": "https://shop.example/img/sale.png",
        "caption": "Обрати товари",
        "action": "https://shop.example/sale",
        "count_clicks": 1,
    }
    assert body["sms"] == {"sender": "Shop", "text": "Знижка 20% на все до неділі"}


def test_viber_without_fallback_sends_no_sms(fake, gateway) -> None:
    assert gateway.send(viber(fallback=False)).outcome == Outcome.ACCEPTED
    body = fake.calls("/message/send.json")[0].json()
    assert "sms" not in body and body["viber"]["text"] == "Знижка 20% на все до неділі"


def test_a_button_of_30_is_sent_31_is_refused_before_sending(fake, gateway) -> None:
    ok = ViberExtras(button_text="x" * 30, button_url="https://shop.example")
    assert gateway.send(viber(ref=3, extras=ok)).outcome == Outcome.ACCEPTED
    long = ViberExtras(button_text="я" * 31, button_url="https://shop.example")
    result = gateway.send(viber(ref=4, extras=long))
    assert result.outcome == Outcome.REJECTED
    assert "31 characters: at most 30" in result.error
    assert len(fake.calls("/message/send.json")) == 1  # the long one never left


def test_a_button_without_its_link_is_refused(fake, gateway) -> None:
    result = gateway.send(viber(extras=ViberExtras(button_text="Купити")))
    assert result.outcome == Outcome.REJECTED and "both its text and its link" in result.error
    assert fake.calls("/message/send.json") == []


@pytest.mark.parametrize("to", ["0671234567", "+380671234567", "", "38067abc4567"])
def test_a_bad_phone_is_refused_before_sending(fake, gateway, to) -> None:
    result = gateway.send(sms(to=to))
    assert result.outcome == Outcome.REJECTED and "380XXXXXXXXX" in result.error
    assert fake.requests == []


def test_email_is_not_turbosms(gateway) -> None:
    result = gateway.send(Message(ref=1, channel=Channel.EMAIL, to="a@b.ua", text="x"))
    assert result.outcome == Outcome.REJECTED and "not email" in result.error


@pytest.mark.parametrize(
    ("setup", "outcome", "words"),
    [
        (lambda f: setattr(f, "balance", 0), Outcome.REJECTED, "no money left"),
        (lambda f: f.stop_list.add(PHONE), Outcome.REJECTED, "stop-list"),
        (lambda f: f.code_next.append((999, "INTERNAL")), Outcome.RETRY, "failed on its side"),
        (lambda f: f.code_next.append((413, "TOO_LONG")), Outcome.REJECTED, "too long"),
        (lambda f: f.code_next.append((408, "CAPTION")), Outcome.REJECTED, "at most 30"),
        (lambda f: f.code_next.append((777, "ODD_THING")), Outcome.REJECTED, "ODD_THING"),
        (lambda f: setattr(f, "fail_left", 1), Outcome.RETRY, "HTTP 500"),
        (lambda f: setattr(f, "html_left", 1), Outcome.RETRY, "not its API's JSON"),
        (lambda f: setattr(f, "slow_left", 1), Outcome.RETRY, "did not answer in time"),
        (lambda f: f.go_down(), Outcome.RETRY, "cannot be reached"),
    ],
)
def test_each_failure_is_an_outcome_with_words(fake, setup, outcome, words) -> None:
    setup(fake)
    with TurboSmsGateway(TOKEN, url=fake.url, timeout=0.5) as gateway:
        result = gateway.send(sms())
    assert result.outcome == outcome, result
    assert words in result.error
    assert result.gateway_id == ""
    no_secret(result)


def test_an_invalid_phone_answer_from_the_service(fake, gateway) -> None:
    result = gateway.send(sms(to="380501234"))  # 9 digits: refused here, nothing sent
    assert result.outcome == Outcome.REJECTED and fake.requests == []
    result = gateway.send(sms(to="481234567890"))  # a foreign number the service refuses
    assert result.outcome == Outcome.REJECTED and "phone is not valid" in result.error
    assert len(fake.requests) == 1


def test_a_resend_after_a_lost_answer_is_not_a_second_sms(fake) -> None:
    fake.slow_left = 1  # the service takes the message but the answer comes too late
    with TurboSmsGateway(TOKEN, url=fake.url, timeout=0.5) as quick:
        first = quick.send(sms(ref=7))
    assert first.outcome == Outcome.RETRY
    fake.release.set()  # let the slow answer finish
    with TurboSmsGateway(TOKEN, url=fake.url, timeout=2) as gateway:
        again = gateway.send(sms(ref=7))
    assert again.outcome == Outcome.ACCEPTED
    assert len(fake.sent()) == 1 and again.gateway_id == next(iter(fake.messages))


def test_duplicate_answer_is_taken_as_accepted_never_sent_again(fake, gateway) -> None:
    fake.duplicate_next = 1
    result = gateway.send(sms())
    assert result.outcome == Outcome.ACCEPTED and result.gateway_id == ""
    assert "407" in result.detail


def test_a_wrong_token_is_rejected_and_never_quoted(fake, caplog) -> None:
    wrong = "turbo-wrong-0a1b2c3d4e"
    caplog.set_level(logging.DEBUG)
    with TurboSmsGateway(wrong, url=fake.url, timeout=2) as bad:
        result = bad.send(sms())
    assert result.outcome == Outcome.REJECTED
    assert "messages.turbosms_token" in result.error
    assert wrong not in result.error and wrong not in result.detail  # the fake quoted it back
    assert "***" in result.detail
    assert wrong not in caplog.text and TOKEN not in caplog.text
    with TurboSmsGateway("", url=fake.url, timeout=2) as none:
        assert "turbosms_token" in none.send(sms()).error


def test_the_token_is_in_no_log_or_exception_text(fake, gateway, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    results = [gateway.send(sms(ref=1))]
    fake.go_down()
    results.append(gateway.send(sms(ref=2)))
    results.append(gateway.send(sms(ref=3, to="1")))
    for result in results:
        no_secret(result)
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(gateway.__dict__.get("url"))


def test_statuses_are_polled(fake, gateway) -> None:
    ids = [gateway.send(sms(ref=i)).gateway_id for i in range(1, 6)]
    assert all(ids)
    fake.set_status(ids[0], "Delivered")
    fake.set_status(ids[1], "Read", type="viber")
    fake.set_status(ids[2], "Read", click_time="2026-12-02 10:07:00", type="viber")
    fake.set_status(ids[3], "Undelivered", rejected_status="Absent subscriber")
    statuses = gateway.poll([*ids, "ffffffff-0000-0000-0000-000000000000"])
    assert set(statuses) == set(ids)  # the unknown id (414) is left out
    assert statuses[ids[0]].delivery == Delivery.DELIVERED
    assert statuses[ids[1]].delivery == Delivery.READ and statuses[ids[1]].extra["type"] == "viber"
    assert statuses[ids[2]].delivery == Delivery.CLICKED
    assert statuses[ids[3]].delivery == Delivery.FAILED
    assert statuses[ids[3]].error == "Absent subscriber"
    assert statuses[ids[4]].delivery == Delivery.QUEUED
    unknown = "ffffffff-0000-0000-0000-000000000000"
    assert fake.calls("/message/status.json")[0].json() == {"messages": [*ids, unknown]}


def test_poll_during_an_outage_knows_nothing(fake, gateway) -> None:
    gateway_id = gateway.send(sms()).gateway_id
    fake.fail_left = 1
    assert gateway.poll([gateway_id]) == {}
    fake.go_down()
    assert gateway.poll([gateway_id]) == {}
    fake.start()
    assert gateway.poll([gateway_id])[gateway_id].delivery == Delivery.QUEUED
    assert gateway.poll([]) == {}


def test_a_transport_can_be_injected() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/message/send.json"
        return httpx.Response(
            200,
            json={
                "response_code": 0,
                "response_status": "OK",
                "response_result": [{"phone": PHONE, "response_code": 0, "message_id": "m-1"}],
            },
        )

    with TurboSmsGateway(TOKEN, transport=httpx.MockTransport(answer)) as gateway:
        assert gateway.send(sms()).gateway_id == "m-1"
