"""The contract between the message outbox and the gateways that carry its messages.

The outbox (torgtui.channels.outbox) decides *what* is sent to whom and *when*, and keeps each
message as one row from "pending" to its last status. A gateway only carries one message at a
time and says what became of it, in these plain values, so the sender never needs to know
which service is behind it (TurboSMS, AlphaSMS, e-pochta, SMTP, the demo's sandbox).

The rules every gateway keeps:

* ``send`` never raises for what the service answered or for the network: it returns a
  :class:`SendResult` whose ``outcome`` says what the sender must do next --
  ``ACCEPTED`` (the service took it: store ``gateway_id`` and never send it again),
  ``RETRY`` (nothing was taken for sure: a timeout before an answer, a refused connection,
  5xx, "too frequent": try again later with back-off) or ``REJECTED`` (the service will never
  take it as it is: an invalid phone, the service's stop-list, a text too long, a button too
  long, no money on the account, wrong credentials: stop and show ``error``). Only a bug may
  raise.
* ``error`` is words for the owner (what is wrong and what to do), never the API key or the
  password; ``detail`` may hold the service's raw answer for the log, with secrets removed.
* A message carries the outbox row's id as ``ref``. A gateway whose service takes a client
  id (AlphaSMS ``id``) sends it, so a resend after a crash is recognised by the service; for
  the others the outbox's own states make a resend impossible (see the outbox).
* ``poll`` asks the service what became of messages it accepted (by their ``gateway_id``)
  and returns only the ones it knows; an outage returns ``{}`` (the next poll asks again).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


class Channel(enum.StrEnum):
    SMS = "sms"
    VIBER = "viber"  # Viber first; the gateway falls back to SMS when ``sms_fallback``
    EMAIL = "email"


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    RETRY = "retry"
    REJECTED = "rejected"


class Delivery(enum.StrEnum):
    """What became of an accepted message, as far as the service knows."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"  # Viber: opened
    CLICKED = "clicked"  # Viber: the button or link was clicked
    FAILED = "failed"  # undeliverable, expired, rejected after acceptance


FINAL = frozenset({Delivery.DELIVERED, Delivery.READ, Delivery.CLICKED, Delivery.FAILED})


@dataclass(frozen=True)
class ViberExtras:
    """A Viber rich message: an image, and a button with its link (both or neither)."""

    image_url: str = ""
    button_text: str = ""  # at most 30 characters (the services refuse more)
    button_url: str = ""


@dataclass(frozen=True)
class Message:
    """One message, ready to go: the text is rendered, the address checked."""

    ref: int  # the outbox row's id
    channel: Channel
    to: str  # a phone as 380XXXXXXXXX (digits only) or an e-mail address
    text: str
    subject: str = ""  # e-mail only
    sender: str = ""  # an alpha name for SMS/Viber; a From address for e-mail
    viber: ViberExtras | None = None
    sms_fallback: bool = True  # Viber only: the service sends an SMS when Viber cannot


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    gateway_id: str = ""  # the service's id of the message (ACCEPTED)
    parts: int = 0  # SMS parts billed, when the service says
    cost: int = 0  # kopecks, when the service says
    error: str = ""  # words for the owner (RETRY, REJECTED)
    detail: str = ""  # the service's answer for the log, no secrets
    retry_after: float | None = None  # seconds, when the service asks to wait


@dataclass(frozen=True)
class Status:
    delivery: Delivery
    at: str = ""  # the service's time of it, as given (ISO text when it can)
    error: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Gateway(Protocol):
    """What the sender needs of a gateway (see the module doc for the rules)."""

    name: str  # "turbosms", "alphasms", "epochta", "smtp", "sandbox"
    channels: frozenset[Channel]

    def send(self, message: Message) -> SendResult: ...

    def poll(self, gateway_ids: Iterable[str]) -> dict[str, Status]: ...

    def close(self) -> None: ...
