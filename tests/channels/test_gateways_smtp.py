"""The SMTP gateway against a small SMTP server on 127.0.0.1 (tests/channels/fake_smtp.py):
STARTTLS with a test certificate, a login, the message as it arrives, and each server answer as
an outcome (4xx retry, 5xx rejected), with the password never in words or details."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from torgtui.channels.gateway import Channel, Gateway, Message, Outcome
from torgtui.channels.smtp_gateway import SmtpGateway

from .fake_smtp import FakeSmtp, free_port, make_certificate

USER, PASSWORD = "shop@example.com", "smtp-secret-8277e0910d75"
FROM = "Квітка <shop@example.com>"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    made = make_certificate(tmp_path_factory.mktemp("smtp"))
    if made is None:
        pytest.skip("openssl is needed to make the test server's certificate")
    return made


@pytest.fixture
def server(certificate) -> Iterator[FakeSmtp]:
    cert, key = certificate
    fake = FakeSmtp(cert=cert, key=key, user=USER, password=PASSWORD, slow_seconds=10).start()
    yield fake
    fake.stop()


def trusting(certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture
def gateway(server, certificate) -> Iterator[SmtpGateway]:
    g = SmtpGateway(
        "127.0.0.1",
        server.port,
        user=USER,
        password=PASSWORD,
        sender=FROM,
        timeout=2,
        ssl_context=trusting(certificate),
    )
    yield g
    g.close()


def mail(ref: int = 1, to: str = "olena@example.org") -> Message:
    return Message(
        ref=ref,
        channel=Channel.EMAIL,
        to=to,
        subject="Ваші бонуси",
        text="Олено, на вашій картці 150 бонусів.\nДо зустрічі!",
    )


def test_a_message_goes_over_starttls_with_a_login(server, gateway) -> None:
    assert isinstance(gateway, Gateway) and gateway.channels == {Channel.EMAIL}
    result = gateway.send(mail())
    assert result.outcome == Outcome.ACCEPTED, result
    [got] = server.messages
    assert got.tls and got.user == USER
    assert (got.mail_from, got.rcpt_to) == ("shop@example.com", ["olena@example.org"])
    message = got.message()
    assert message["Subject"] == "Ваші бонуси" and message["To"] == "olena@example.org"
    assert message["From"] == FROM
    body = message.get_content().replace("\r\n", "\n")
    assert body == "Олено, на вашій картці 150 бонусів.\nДо зустрічі!\n"
    assert result.gateway_id == message["Message-ID"]
    assert result.gateway_id.startswith("<torgtui.1.") and result.gateway_id.endswith(
        "@example.com>"
    )
    assert gateway.poll([result.gateway_id]) == {}  # SMTP has no statuses


def test_the_connection_is_kept_and_opened_again_when_dropped(server, gateway) -> None:
    for ref in range(1, 4):
        assert gateway.send(mail(ref)).outcome == Outcome.ACCEPTED
    assert server.connections == 1
    server.drop_after = 1  # the server closes after each message from now on (a new connection)
    gateway.close()
    for ref in range(4, 7):
        assert gateway.send(mail(ref)).outcome == Outcome.ACCEPTED
    assert len(server.messages) == 6 and server.connections == 4


def test_the_same_message_has_the_same_message_id(gateway, server) -> None:
    first, again = gateway.send(mail(5)), gateway.send(mail(5))
    assert first.gateway_id == again.gateway_id != gateway.send(mail(6)).gateway_id


@pytest.mark.parametrize(
    ("setup", "outcome", "words"),
    [
        (lambda s: setattr(s, "rcpt_reply", (450, "4.2.0 Greylisted")), Outcome.RETRY, "450"),
        (lambda s: setattr(s, "rcpt_reply", (550, "5.1.1 No such user")), Outcome.REJECTED, "550"),
        (lambda s: setattr(s, "data_reply", (452, "4.3.1 Full")), Outcome.RETRY, "try later"),
        (lambda s: setattr(s, "data_reply", (554, "5.7.1 Spam")), Outcome.REJECTED, "refused"),
        (lambda s: setattr(s, "password", "other"), Outcome.REJECTED, "messages.smtp_password"),
        (lambda s: setattr(s, "offer_starttls", False), Outcome.REJECTED, "STARTTLS"),
        (lambda s: setattr(s, "slow_greeting", True), Outcome.RETRY, "did not answer in time"),
        (lambda s: s.go_down(), Outcome.RETRY, "cannot be reached"),
    ],
)
def test_each_failure_is_an_outcome_with_words(
    server, certificate, setup, outcome, words, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    setup(server)
    gateway = SmtpGateway(
        "127.0.0.1",
        server.port,
        user=USER,
        password=PASSWORD,
        sender=FROM,
        timeout=0.5,
        ssl_context=trusting(certificate),
    )
    result = gateway.send(mail())
    gateway.close()
    assert result.outcome == outcome, result
    assert words in result.error
    assert PASSWORD not in result.error and PASSWORD not in result.detail
    assert PASSWORD not in caplog.text
    if outcome != Outcome.ACCEPTED:
        assert server.messages == []


def test_an_untrusted_certificate_is_rejected(server) -> None:
    gateway = SmtpGateway("127.0.0.1", server.port, user=USER, password=PASSWORD, sender=FROM)
    result = gateway.send(mail())  # the system's trust store does not know the test certificate
    assert result.outcome == Outcome.REJECTED and "certificate" in result.error
    assert server.messages == []


def test_a_connection_refused(certificate) -> None:
    gateway = SmtpGateway("127.0.0.1", free_port(), sender=FROM, timeout=0.5)
    assert gateway.send(mail()).outcome == Outcome.RETRY


@pytest.mark.parametrize(
    ("kwargs", "message", "words"),
    [
        ({"host": ""}, mail(), "messages.smtp_host"),
        ({"sender": "shop"}, mail(), "messages.email_from"),
        ({}, mail(to="olena@"), "not valid"),
        ({}, mail(to="a@b.ua\r\nBcc: x@y.ua"), "not valid"),
        ({}, Message(ref=1, channel=Channel.EMAIL, to="a@b.ua", text="  "), "empty"),
        ({}, Message(ref=1, channel=Channel.SMS, to="380671234567", text="x"), "not sms"),
    ],
)
def test_bad_input_is_refused_before_connecting(server, kwargs, message, words) -> None:
    options = {"host": "127.0.0.1", "sender": FROM, **kwargs}
    gateway = SmtpGateway(options.pop("host"), server.port, **options)
    result = gateway.send(message)
    assert result.outcome == Outcome.REJECTED and words in result.error
    assert server.connections == 0


def test_without_starttls_and_login_for_a_local_relay(server) -> None:
    gateway = SmtpGateway("127.0.0.1", server.port, starttls=False, sender=FROM, timeout=2)
    server.user = ""  # a relay on this machine that takes mail without a login
    assert gateway.send(mail()).outcome == Outcome.ACCEPTED
    assert not server.messages[0].tls
    gateway.close()
