"""TurboSMS (https://api.turbosms.ua): SMS, Viber, and Viber first with an SMS when Viber cannot.

One JSON POST per message to ``/message/send.json`` with ``Authorization: Bearer <token>``::

    {"recipients": ["380671234567"], "sequence_id": "<ref>-<digest>",
     "sms": {"sender": "Shop", "text": "..."},                       # SMS, and Viber's fallback
     "viber": {"sender": "Shop", "text": "...", "ttl": 3600,         # Viber
               "image_url": "...", "caption": "<button>", "action": "<link>", "count_clicks": 1}}

The service answers HTTP 200 with ``{response_code, response_status, response_result}``;
``response_result`` lists one entry per recipient ``{phone, response_code, message_id,
response_status}``. Codes 0 and 800..803 are accepted (the ``message_id`` is kept); 103/105 a
wrong token, 203 no money, 305 an invalid phone, 404 the service's stop-list, 408 a button over
30 characters, 413 a text too long are REJECTED; 407 (duplicate) means the service has this
message already, so it is ACCEPTED without an id rather than sent again; 999 (the service's own
failure) is RETRY. ``sequence_id`` (the outbox ref and a digest of phone and text) asks the
service to carry one request once, so a resend after a lost answer is not a second SMS.

Statuses: ``/message/status.json {"messages": [ids]}`` -> entries ``{message_id, status, type,
click_time, ...}``; an unknown id answers 414 and is left out. See docs/gateways.md.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import httpx

from torgtui.channels.gateway import Channel, Delivery, Message, Outcome, SendResult, Status
from torgtui.channels.gateway_http import HttpGateway, code, dumps, pre_checks, text
from torgtui.i18n import _

DEFAULT_URL = "https://api.turbosms.ua"
ACCEPTED_CODES = frozenset({0, 800, 801, 802, 803})
AUTH_CODES = frozenset({102, 103, 104, 105})
VIBER_TTL = 3600  # seconds Viber keeps trying before the SMS goes (the service's minimum is 60)
POLL_BATCH = 100  # ids per status request
UNKNOWN_ID = 414

STATUSES = {
    "queued": Delivery.QUEUED,
    "accepted": Delivery.QUEUED,
    "enroute": Delivery.SENT,
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.READ,
    "seen": Delivery.READ,
    "expired": Delivery.FAILED,
    "undelivered": Delivery.FAILED,
    "undeliverable": Delivery.FAILED,
    "rejected": Delivery.FAILED,
    "failed": Delivery.FAILED,
    "cancelled": Delivery.FAILED,
    "canceled": Delivery.FAILED,
}


def sequence_id(message: Message) -> str:
    """The same for every attempt at one message, different for another message (even one with
    the same ref from another database on the same account)."""
    digest = hashlib.sha256(f"{message.channel}\0{message.to}\0{message.text}".encode()).hexdigest()
    return f"{message.ref}-{digest[:12]}"


class TurboSmsGateway(HttpGateway):
    name = "turbosms"
    label = "TurboSMS"
    secret_setting = "turbosms_token"
    channels = frozenset({Channel.SMS, Channel.VIBER})
    # a resend with the same ref, phone and text carries the same sequence_id: done once
    dedupes_ref = True

    def __init__(
        self,
        token: str,
        *,
        url: str = DEFAULT_URL,
        sms_sender: str = "Shop",
        viber_sender: str = "",
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float | None = None,
    ) -> None:
        super().__init__(
            url,
            secrets=[token],
            transport=transport,
            timeout=timeout,
            headers={"Authorization": f"Bearer {token}"} if token.strip() else {},
        )
        self.sms_sender = sms_sender
        self.viber_sender = viber_sender or sms_sender

    # --- send ------------------------------------------------------------------------------------

    def body(self, message: Message) -> dict[str, Any]:
        body: dict[str, Any] = {"recipients": [message.to], "sequence_id": sequence_id(message)}
        sms = {"sender": message.sender or self.sms_sender, "text": message.text}
        if message.channel == Channel.SMS:
            body["sms"] = sms
            return body
        viber: dict[str, Any] = {
            "sender": message.sender or self.viber_sender,
            "text": message.text,
            "ttl": VIBER_TTL,
        }
        extras = message.viber
        if extras is not None and extras.image_url:
            viber["image_url"] = extras.image_url
        if extras is not None and extras.button_text:
            viber["caption"] = extras.button_text
            viber["action"] = extras.button_url
            viber["count_clicks"] = 1
        body["viber"] = viber
        if message.sms_fallback:
            body["sms"] = sms
        return body

    def send(self, message: Message) -> SendResult:
        if message.channel not in self.channels:
            return self.result(
                Outcome.REJECTED,
                _("{service} carries SMS and Viber, not {channel}.").format(
                    service=self.label, channel=message.channel
                ),
            )
        problem = pre_checks(message, self.label)
        if problem:
            return self.result(Outcome.REJECTED, problem)
        answer, failed = self.post(f"{self.url}/message/send.json", json=self.body(message))
        if failed is not None:
            return failed
        return self.read_send(answer, message)

    def read_send(self, answer: dict[str, Any], message: Message) -> SendResult:
        detail = dumps(answer)
        top = code(answer.get("response_code"))
        results = [r for r in answer.get("response_result") or [] if isinstance(r, dict)]
        if top not in ACCEPTED_CODES:
            return self.refusal(top, text(answer.get("response_status")), detail)
        mine = [r for r in results if text(r.get("phone")) in ("", message.to)] or results
        for entry in mine:  # Viber with its SMS may come as two entries: the first id wins
            if code(entry.get("response_code")) in ACCEPTED_CODES and text(entry.get("message_id")):
                return self.result(
                    Outcome.ACCEPTED, detail=detail, gateway_id=text(entry.get("message_id"))
                )
        if mine:
            entry = mine[0]
            return self.refusal(
                code(entry.get("response_code")), text(entry.get("response_status")), detail
            )
        return self.result(
            Outcome.RETRY,
            _("{service} answered without the message's id: tried again later.").format(
                service=self.label
            ),
            detail,
        )

    def refusal(self, number: int | None, status: str, detail: str) -> SendResult:
        """A code that is not "accepted" as an outcome with words."""
        words = status or _("no reason given")
        if number in AUTH_CODES:
            return self.auth_refused(detail)
        if number == 203:
            return self.result(
                Outcome.REJECTED,
                _("The TurboSMS account has no money left: top it up; nothing was sent."),
                detail,
            )
        if number == 305:
            return self.result(
                Outcome.REJECTED,
                _("TurboSMS says the phone is not valid: fix it on the customer's card."),
                detail,
            )
        if number == 404:
            return self.result(
                Outcome.REJECTED,
                _(
                    "The phone is on TurboSMS's stop-list (the customer refused messages there): "
                    "it is not sent."
                ),
                detail,
            )
        if number == 407:  # the service has this message already: taken before, never twice
            return self.result(Outcome.ACCEPTED, detail=detail)
        if number == 408:
            return self.result(
                Outcome.REJECTED,
                _("TurboSMS refused the Viber button: at most 30 characters."),
                detail,
            )
        if number == 413:
            return self.result(
                Outcome.REJECTED,
                _("TurboSMS says the text is too long: shorten the template."),
                detail,
            )
        if number == 999 or number is None:
            return self.result(
                Outcome.RETRY,
                _("TurboSMS failed on its side ({status}): tried again later.").format(
                    status=words
                ),
                detail,
            )
        return self.result(
            Outcome.REJECTED,
            _("TurboSMS refused the message: {status} (code {code}).").format(
                status=words, code=number
            ),
            detail,
        )

    # --- statuses --------------------------------------------------------------------------------

    def poll(self, gateway_ids: Iterable[str]) -> dict[str, Status]:
        ids = [i for i in dict.fromkeys(gateway_ids) if i]
        found: dict[str, Status] = {}
        for start in range(0, len(ids), POLL_BATCH):
            batch = ids[start : start + POLL_BATCH]
            answer, failed = self.post(f"{self.url}/message/status.json", json={"messages": batch})
            if failed is not None:  # an outage: what we have; the next poll asks again
                return found
            if code(answer.get("response_code")) not in ACCEPTED_CODES:
                return found
            for entry in answer.get("response_result") or []:
                status = self.read_status(entry)
                if status is not None and text(entry.get("message_id")) in batch:
                    found[text(entry.get("message_id"))] = status
        return found

    def read_status(self, entry: Any) -> Status | None:
        if not isinstance(entry, dict) or code(entry.get("response_code")) == UNKNOWN_ID:
            return None
        raw = text(entry.get("status"))
        delivery = STATUSES.get(raw.casefold())
        if delivery is None:
            return None
        if text(entry.get("click_time")) and delivery != Delivery.FAILED:
            delivery = Delivery.CLICKED
        extra = {"type": text(entry.get("type")), "status": raw}
        if text(entry.get("click_time")):
            extra["click_time"] = text(entry.get("click_time"))
        return Status(
            delivery,
            at=text(entry.get("updated")) or text(entry.get("sent")),
            error=text(entry.get("rejected_status")) if delivery == Delivery.FAILED else "",
            extra=extra,
        )


__all__ = ["DEFAULT_URL", "TurboSmsGateway", "sequence_id"]
