"""The e-pochta (Atompark v3) gateway against a fake on 127.0.0.1 (real HTTP): the signed form
(the fake checks the md5 sum on its own), each answer as an outcome with words, statuses, and
the private key that never travels nor appears."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest

from torgtui.channels.epochta import EpochtaGateway, control_sum
from torgtui.channels.gateway import Channel, Delivery, Gateway, Message, Outcome

from .fake_epochta import FakeEpochta, expected_sum

PUBLIC, PRIVATE = "epochta-public-1", "epochta-private-c4ca4238a0b9"
PHONE = "380671234567"


@pytest.fixture
def fake() -> Iterator[FakeEpochta]:
    server = FakeEpochta(public_key=PUBLIC, private_key=PRIVATE, slow_seconds=10).start()
    yield server
    server.stop()


@pytest.fixture
def gateway(fake: FakeEpochta) -> Iterator[EpochtaGateway]:
    g = EpochtaGateway(PUBLIC, PRIVATE, url=fake.url, sms_sender="Shop", timeout=2)
    yield g
    g.close()


def sms(ref: int = 1, text: str = "Бонуси згорають 31.12") -> Message:
    return Message(ref=ref, channel=Channel.SMS, to=PHONE, text=text)


def test_the_control_sum_is_the_documented_one() -> None:
    # the documentation's addAddressbook example, worked by hand
    params = {"version": "3.0", "action": "addAddressbook", "key": "K", "name": "N"}
    import hashlib

    assert control_sum(params, "P") == hashlib.md5(b"addAddressbookKN3.0P").hexdigest()
    assert control_sum({**params, "sum": "x"}, "P") == control_sum(params, "P")


def test_sms_is_signed_and_accepted_with_id_and_price(fake, gateway) -> None:
    assert isinstance(gateway, Gateway) and gateway.channels == {Channel.SMS}
    result = gateway.send(sms())
    [request] = fake.calls("/sendSMS")
    form = {k: v[0] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()}
    assert form["sum"] == expected_sum(form, PRIVATE)
    assert {k: v for k, v in form.items() if k != "sum"} == {
        "sender": "Shop",
        "text": "Бонуси згорають 31.12",
        "phone": PHONE,
        "datetime": "",
        "sms_lifetime": "0",
        "key": PUBLIC,
        "version": "3.0",
        "action": "sendSMS",
    }
    assert PRIVATE not in request.body.decode() and PRIVATE not in request.path
    assert result.outcome == Outcome.ACCEPTED and result.gateway_id == "3100001"
    assert result.cost == 95  # 0.95 UAH


def test_viber_and_email_are_not_epochta(gateway, fake) -> None:
    for channel in (Channel.VIBER, Channel.EMAIL):
        result = gateway.send(Message(ref=1, channel=channel, to=PHONE, text="x"))
        assert result.outcome == Outcome.REJECTED and "SMS only" in result.error
    assert fake.requests == []


@pytest.mark.parametrize(
    ("setup", "outcome", "words"),
    [
        (lambda f: setattr(f, "balance", 0), Outcome.REJECTED, "no money left"),
        (lambda f: f.error_next.append((305, "Not enough money")), Outcome.REJECTED, "no money"),
        (lambda f: f.error_next.append((300, "No sender")), Outcome.REJECTED, "sender name"),
        (lambda f: f.error_next.append((301, "No text")), Outcome.REJECTED, "No text (code 301)"),
        (lambda f: setattr(f, "private_key", "other"), Outcome.REJECTED, "epochta_private_key"),
        (lambda f: setattr(f, "fail_left", 1), Outcome.RETRY, "HTTP 500"),
        (lambda f: setattr(f, "html_left", 1), Outcome.RETRY, "not its API's JSON"),
        (lambda f: setattr(f, "slow_left", 1), Outcome.RETRY, "did not answer in time"),
        (lambda f: f.go_down(), Outcome.RETRY, "cannot be reached"),
    ],
)
def test_each_failure_is_an_outcome_with_words(fake, setup, outcome, words) -> None:
    setup(fake)
    with EpochtaGateway(PUBLIC, PRIVATE, url=fake.url, timeout=0.5) as gateway:
        result = gateway.send(sms())
    assert result.outcome == outcome, result
    assert words in result.error
    assert PRIVATE not in result.error and PRIVATE not in result.detail


def test_a_long_sender_name_is_refused_before_sending(fake) -> None:
    with EpochtaGateway(PUBLIC, PRIVATE, url=fake.url, sms_sender="VeryLongShopName") as g:
        result = g.send(sms())
    assert result.outcome == Outcome.REJECTED and "longer than 11" in result.error
    assert fake.requests == []


def test_the_private_key_is_in_no_log(fake, gateway, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    gateway.send(sms())
    fake.private_key = "changed"
    gateway.send(sms(ref=2))
    assert PRIVATE not in caplog.text


def test_statuses(fake, gateway) -> None:
    ids = [gateway.send(sms(ref=i)).gateway_id for i in (1, 2, 3)]
    fake.set_status(ids[0], "DELIVERED")
    fake.set_status(ids[1], "NOT_DELIVERED")
    statuses = gateway.poll([*ids, "999"])
    assert {k: v.delivery for k, v in statuses.items()} == {
        ids[0]: Delivery.DELIVERED,
        ids[1]: Delivery.FAILED,
        ids[2]: Delivery.QUEUED,
    }
    assert statuses[ids[0]].at == "2026-12-02 10:00:01"
    fake.fail_left = 5
    assert gateway.poll(ids) == {}
