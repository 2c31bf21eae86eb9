"""E-mail over SMTP (stdlib smtplib and email): STARTTLS, then a login when a user is set.

One connection is kept between messages (a mailing sends many) and opened again when the server
dropped it. Each message is an :class:`email.message.EmailMessage` with a Message-ID made from
the outbox ref and a digest of address and text, so a resend is the same message to the
recipient's server (``gateway_id`` is that Message-ID).

What the server says becomes an outcome by its reply code: 4xx (greylisting, a full mailbox, a
temporary failure) is RETRY, 5xx (no such user, relaying denied, a message refused) is REJECTED,
and a refused login (535) is REJECTED with words about messages.smtp_user/smtp_password.
A refused connection, a timeout and a dropped connection are RETRY. A server without STARTTLS
(when smtp_starttls is on) or with a certificate we cannot verify is REJECTED: the password is
never sent in the clear. SMTP has no delivery statuses: ``poll`` knows nothing (``{}``).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from torgtui.channels.gateway import Channel, Message, Outcome, SendResult, Status
from torgtui.i18n import _

TIMEOUT = 10.0  # seconds for the connection and each reply
MAX_DETAIL = 500
HIDDEN = "***"
ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def _address(value: str) -> str:
    """The bare address of "Name <a@b.c>" or "a@b.c", or "" when it is not one."""
    address = parseaddr(value or "")[1]
    return address if ADDRESS.match(address) else ""


class SmtpGateway:
    name = "smtp"
    label = "SMTP"
    channels = frozenset({Channel.EMAIL})
    dedupes_ref = False  # a resend would be a second message: the outbox decides

    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        user: str = "",
        password: str = "",
        starttls: bool = True,
        sender: str = "",
        timeout: float = TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.user = user
        self._password = password
        self.starttls = starttls
        self.sender = sender
        self.timeout = timeout
        self._context = ssl_context
        self._smtp: smtplib.SMTP | None = None

    # --- words and secrets ---------------------------------------------------------------------

    def scrub(self, text: object) -> str:
        out = str(text)
        if self._password:
            out = out.replace(self._password, HIDDEN)
        return out if len(out) <= MAX_DETAIL else out[: MAX_DETAIL - 1] + "…"

    def result(self, outcome: Outcome, error: str = "", detail: object = "", **kw) -> SendResult:
        return SendResult(outcome, error=self.scrub(error), detail=self.scrub(detail), **kw)

    # --- the connection --------------------------------------------------------------------------

    def _connect(self) -> smtplib.SMTP:
        context = self._context or ssl.create_default_context()
        if self.port == 465:  # implicit TLS ("SMTPS")
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.starttls and self.port != 465:
                smtp.starttls(context=context)  # raises SMTPNotSupportedError when not offered
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self._password)
        except BaseException:
            _quietly_close(smtp)
            raise
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(smtp)

    # --- send ------------------------------------------------------------------------------------

    def email(self, message: Message, sender: str) -> EmailMessage:
        email = EmailMessage()
        email["From"] = sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=True)
        digest = hashlib.sha256(f"{message.to}\0{message.subject}\0{message.text}".encode())
        domain = _address(sender).rpartition("@")[2] or "torgtui.invalid"
        email["Message-ID"] = f"<torgtui.{message.ref}.{digest.hexdigest()[:16]}@{domain}>"
        email.set_content(message.text)
        return email

    def send(self, message: Message) -> SendResult:
        if message.channel != Channel.EMAIL:
            return self.result(
                Outcome.REJECTED,
                _("SMTP carries e-mail, not {channel}.").format(channel=message.channel),
            )
        sender = message.sender or self.sender
        problem = ""
        if not self.host:
            problem = _("Set messages.smtp_host (the mail server) to send e-mail.")
        elif not _address(sender):
            problem = _(
                'Set messages.email_from to the shop\'s address ("Shop <shop@example.com>").'
            )
        elif not _address(message.to) or _address(message.to) != message.to.strip():
            problem = _(
                "The e-mail address {address} is not valid: fix it on the customer's card."
            ).format(address=message.to or "—")
        elif not message.text.strip():
            problem = _("The message is empty: nothing was sent.")
        if problem:
            return self.result(Outcome.REJECTED, problem)
        email = self.email(message, sender)
        for attempt in (1, 2):  # a kept connection the server dropped: once more on a new one
            reused = self._smtp is not None
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                refused = self._smtp.send_message(email)
            except smtplib.SMTPServerDisconnected as exc:
                self._drop()
                if reused and attempt == 1:
                    continue
                return self._retry(exc)
            except Exception as exc:
                self._drop()
                return self.failure(exc)
            if refused:  # some recipients refused: we send to one, so it is that one
                code, reply = next(iter(refused.values()))
                return self._by_code(code, reply)
            return self.result(Outcome.ACCEPTED, gateway_id=email["Message-ID"])
        return self._retry(smtplib.SMTPServerDisconnected())  # pragma: no cover

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            _quietly_close(smtp)

    def _retry(self, exc: BaseException) -> SendResult:
        return self.result(
            Outcome.RETRY,
            _(
                "The mail server {host}:{port} cannot be reached or did not answer in time: "
                "tried again later."
            ).format(host=self.host, port=self.port),
            f"{type(exc).__name__}: {exc}",
        )

    def _by_code(self, code: int, reply: bytes | str) -> SendResult:
        words = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        detail = f"{code} {words}"
        if 400 <= code < 500:
            return self.result(
                Outcome.RETRY,
                _("The mail server asks to try later ({code} {reply}).").format(
                    code=code, reply=words
                ),
                detail,
            )
        return self.result(
            Outcome.REJECTED,
            _("The mail server refused the message: {code} {reply}.").format(
                code=code, reply=words
            ),
            detail,
        )

    def failure(self, exc: Exception) -> SendResult:
        """What went wrong as an outcome (see the module doc)."""
        if isinstance(exc, smtplib.SMTPAuthenticationError) and exc.smtp_code >= 500:
            return self.result(
                Outcome.REJECTED,
                _(
                    "The mail server refused our login: check messages.smtp_user and "
                    "messages.smtp_password."
                ),
                f"{exc.smtp_code}",
            )
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            code, reply = next(iter(exc.recipients.values()), (550, b""))
            return self._by_code(code, reply)
        if isinstance(exc, smtplib.SMTPResponseException):  # sender, data, helo, auth 4xx
            return self._by_code(exc.smtp_code, exc.smtp_error)
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return self.result(
                Outcome.REJECTED,
                _(
                    "The mail server {host} does not offer STARTTLS (or the login asked for): "
                    "the password is not sent in the clear. Use the server's submission port "
                    "(587) or set messages.smtp_starttls = false only for a server on this "
                    "machine."
                ).format(host=self.host),
                str(exc),
            )
        if isinstance(exc, ssl.SSLCertVerificationError):
            return self.result(
                Outcome.REJECTED,
                _(
                    "The mail server's certificate cannot be verified ({reason}): check "
                    "messages.smtp_host (the name on its certificate)."
                ).format(reason=exc.verify_message or "?"),
                str(exc),
            )
        if isinstance(exc, (OSError, smtplib.SMTPException)):  # refused, timeout, reset, TLS
            return self._retry(exc)
        raise exc  # a bug: the contract lets only bugs raise

    def poll(self, gateway_ids: Iterable[str]) -> dict[str, Status]:
        return {}


def _quietly_close(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()


__all__ = ["SmtpGateway"]
