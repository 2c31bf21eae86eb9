"""e-pochta / Atompark SMS API v3 (https://api.myatompark.com/sms/3.0): SMS only.

Each call is a form POST to ``<url>/<action>`` with ``key`` (the public key), ``version=3.0``,
``action``, the action's fields, and ``sum``: the md5 of every other parameter's value
concatenated in the order of their sorted names, with the private key appended. The private key
itself never travels.

* ``sendSMS {sender (<= 11 characters), text, phone, datetime ("" = now), sms_lifetime (0 = the
  maximum)}`` -> ``{"result": {"id", "price", "currency"}}``;
* ``getCampaignDeliveryStats {id}`` -> ``{"result": {"phone": [...], "status": [...],
  "sentdate": [...]}}``;
* an error is ``{"error": "...", "code": "..."}`` (HTTP 200): 300 no sender, 301 no text, 303 no
  recipients, 304/305 no money; others as their words (docs/gateways.md).

The service takes no client id, so a resend cannot be recognised by it: the outbox's own states
keep a message from being sent twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from torgtui.channels.gateway import Channel, Delivery, Message, Outcome, SendResult, Status
from torgtui.channels.gateway_http import HttpGateway, code, dumps, pre_checks, text
from torgtui.i18n import _
from torgtui.money import round_kopecks

DEFAULT_URL = "https://api.myatompark.com/sms/3.0"
VERSION = "3.0"
MAX_SENDER = 11

STATUSES = {
    "0": Delivery.QUEUED,
    "queued": Delivery.QUEUED,
    "enqueued": Delivery.QUEUED,
    "new": Delivery.QUEUED,
    "sent": Delivery.SENT,
    "sending": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "delivrd": Delivery.DELIVERED,
    "not_delivered": Delivery.FAILED,
    "undelivered": Delivery.FAILED,
    "expired": Delivery.FAILED,
    "rejected": Delivery.FAILED,
    "invalid_phone_number": Delivery.FAILED,
    "spam": Delivery.FAILED,
    "failed": Delivery.FAILED,
}


def control_sum(params: Mapping[str, Any], private_key: str) -> str:
    """md5 of the values in the order of their sorted names, with the private key appended."""
    joined = "".join(str(params[name]) for name in sorted(params) if name != "sum")
    return hashlib.md5((joined + private_key).encode("utf-8")).hexdigest()


class EpochtaGateway(HttpGateway):
    name = "epochta"
    label = "e-pochta"
    secret_setting = "epochta_private_key"
    channels = frozenset({Channel.SMS})
    dedupes_ref = False  # a resend would be a second message: the outbox decides

    def __init__(
        self,
        public_key: str,
        private_key: str,
        *,
        url: str = DEFAULT_URL,
        sms_sender: str = "Shop",
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float | None = None,
    ) -> None:
        super().__init__(url, secrets=[private_key], transport=transport, timeout=timeout)
        self.public_key = public_key
        self.private_key = private_key
        self.sms_sender = sms_sender

    def call(self, action: str, fields: Mapping[str, Any]) -> tuple[Any, SendResult | None]:
        params = {**{k: str(v) for k, v in fields.items()}, "key": self.public_key}
        params.update(version=VERSION, action=action)
        params["sum"] = control_sum(params, self.private_key)
        return self.post(f"{self.url}/{action}", data=params)

    def send(self, message: Message) -> SendResult:
        if message.channel not in self.channels:
            return self.result(
                Outcome.REJECTED,
                _("{service} carries SMS only, not {channel}.").format(
                    service=self.label, channel=message.channel
                ),
            )
        problem = pre_checks(message, self.label)
        sender = message.sender or self.sms_sender
        if not problem and len(sender) > MAX_SENDER:
            problem = _("The SMS sender name {name!r} is longer than 11 characters.").format(
                name=sender
            )
        if problem:
            return self.result(Outcome.REJECTED, problem)
        answer, failed = self.call(
            "sendSMS",
            {
                "sender": sender,
                "text": message.text,
                "phone": message.to,
                "datetime": "",
                "sms_lifetime": 0,
            },
        )
        if failed is not None:
            return failed
        detail = dumps(answer)
        result = answer.get("result")
        if isinstance(result, dict) and text(result.get("id")) and "error" not in answer:
            return self.result(
                Outcome.ACCEPTED,
                detail=detail,
                gateway_id=text(result.get("id")),
                cost=_kopecks(result.get("price"), text(result.get("currency"))),
            )
        if "error" not in answer:
            return self.result(
                Outcome.RETRY,
                _("{service} answered without the message's id: tried again later.").format(
                    service=self.label
                ),
                detail,
            )
        return self.refusal(code(answer.get("code")), text(answer.get("error")), detail)

    def refusal(self, number: int | None, error: str, detail: str) -> SendResult:
        words = error.casefold()
        if number in (304, 305) or "money" in words or "balance" in words:
            return self.result(
                Outcome.REJECTED,
                _("The e-pochta account has no money left: top it up; nothing was sent."),
                detail,
            )
        if number == 300:
            return self.result(
                Outcome.REJECTED,
                _(
                    "e-pochta refused the sender name: set messages.sms_sender to a name "
                    "registered there."
                ),
                detail,
            )
        if any(w in words for w in ("key", "sum", "auth", "access")):
            return self.auth_refused(detail)
        if any(w in words for w in ("too many", "try again", "temporar", "internal")):
            return self.result(
                Outcome.RETRY,
                _("e-pochta asks to wait ({error}): tried again later.").format(error=error),
                detail,
            )
        return self.result(
            Outcome.REJECTED,
            _("e-pochta refused the message: {error} (code {code}).").format(
                error=error or _("no reason given"), code=number if number is not None else "—"
            ),
            detail,
        )

    def poll(self, gateway_ids: Iterable[str]) -> dict[str, Status]:
        found: dict[str, Status] = {}
        for gateway_id in dict.fromkeys(gateway_ids):
            if not gateway_id:
                continue
            answer, failed = self.call("getCampaignDeliveryStats", {"id": gateway_id})
            if failed is not None:
                return found
            result = answer.get("result")
            if not isinstance(result, dict):
                continue
            statuses = result.get("status")
            raw = text(statuses[0] if isinstance(statuses, list) and statuses else statuses)
            delivery = STATUSES.get(raw.casefold())
            if delivery is None:
                continue
            dates = result.get("sentdate")
            at = text(dates[0] if isinstance(dates, list) and dates else dates)
            found[gateway_id] = Status(delivery, at=at, extra={"status": raw})
        return found


def _kopecks(price: Any, currency: str) -> int:
    """The service's price in kopecks when it is in hryvnias, else 0 (not ours to convert)."""
    if currency.upper() not in ("UAH", "ГРН"):
        return 0
    try:
        amount = Decimal(text(price)) * 100
    except (InvalidOperation, ValueError):
        return 0
    return round_kopecks(amount) if amount.is_finite() and amount >= 0 else 0


__all__ = ["DEFAULT_URL", "EpochtaGateway", "control_sum"]
