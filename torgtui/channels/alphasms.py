"""AlphaSMS (https://alphasms.ua/api/json.php): SMS, Viber, and Viber with an SMS fallback.

One JSON POST ``{"auth": <key>, "data": [item]}`` per message. The item carries our ``id`` = the
outbox ref, so a resend after a lost answer is recognised by the service (it answers with the
message it has, or says the id is taken) and never becomes a second SMS::

    {"type": "sms", "id": 17, "phone": 380671234567, "sms_signature": "Shop",
     "sms_message": "...", "sms_lifetime": 86400}
    {"type": "viber" | "viber+sms", "id": 17, "phone": 380671234567,
     "viber_type": "text" | "text+image" | "text+link" | "text+image+link",
     "viber_signature": "Shop", "viber_message": "...", "viber_lifetime": 3600,
     "viber_image": "...", "viber_link": "...", "viber_button": "...",
     "sms_signature": "Shop", "sms_message": "..."}             # viber+sms only

Answers (HTTP 200): ``{"success": true, "data": [{"success": true, "data": {"id", "msg_id",
"parts"}}]}``; a refusal of the whole request ``{"success": false, "error": "..."}`` (a wrong
key: "Access denied"), of the item ``{"success": false, "error": "...", "data": {"id"}}``. The
errors are words, not codes, so they are sorted by their words (docs/gateways.md lists them).

Statuses: ``{"type": "status", "id": <our id>}`` items -> ``data.status``: ACCEPTED, QUEUED,
DELIVERED, READ, CLICKED, EXPIRED, REJECTED, UNDELIVERABLE. ``gateway_id`` is our id (the ref),
as the status asks by it; the service's own ``msg_id`` goes to ``detail``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from torgtui.channels.gateway import Channel, Delivery, Message, Outcome, SendResult, Status
from torgtui.channels.gateway_http import HttpGateway, code, dumps, pre_checks, text
from torgtui.i18n import _

DEFAULT_URL = "https://alphasms.ua/api/json.php"
SMS_LIFETIME = 86400  # seconds the operator keeps trying an SMS
VIBER_LIFETIME = 3600  # seconds Viber keeps trying before the fallback SMS
POLL_BATCH = 100

STATUSES = {
    "accepted": Delivery.QUEUED,
    "queued": Delivery.QUEUED,
    "enroute": Delivery.SENT,
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.READ,
    "seen": Delivery.READ,
    "clicked": Delivery.CLICKED,
    "expired": Delivery.FAILED,
    "rejected": Delivery.FAILED,
    "undeliverable": Delivery.FAILED,
    "undelivered": Delivery.FAILED,
    "failed": Delivery.FAILED,
}

# The service's words (lower case) -> what they mean; the first match wins.
AUTH_WORDS = ("access denied", "auth", "api key", "apikey", "unauthori")
RETRY_WORDS = ("too many", "too frequent", "rate limit", "try again", "temporar", "internal")
DUPLICATE_WORDS = ("duplicate", "already exists", "already sent", "already in use", "id is used")
BALANCE_WORDS = ("balance", "money", "funds", "insufficient")


class AlphaSmsGateway(HttpGateway):
    name = "alphasms"
    label = "AlphaSMS"
    secret_setting = "alphasms_key"
    channels = frozenset({Channel.SMS, Channel.VIBER})
    # a resend carries the same id (the ref): the service answers with the message it has
    dedupes_ref = True

    def __init__(
        self,
        key: str,
        *,
        url: str = DEFAULT_URL,
        sms_sender: str = "Shop",
        viber_sender: str = "",
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float | None = None,
    ) -> None:
        super().__init__(url, secrets=[key], transport=transport, timeout=timeout)
        self.key = key
        self.sms_sender = sms_sender
        self.viber_sender = viber_sender or sms_sender

    # --- send ------------------------------------------------------------------------------------

    def item(self, message: Message) -> dict[str, Any]:
        item: dict[str, Any] = {"id": message.ref, "phone": int(message.to)}
        sms = {
            "sms_signature": message.sender or self.sms_sender,
            "sms_message": message.text,
            "sms_lifetime": SMS_LIFETIME,
        }
        if message.channel == Channel.SMS:
            return {"type": "sms", **item, **sms}
        extras = message.viber
        image = extras.image_url if extras is not None else ""
        link = extras.button_url if extras is not None else ""
        viber_type = "text" + ("+image" if image else "") + ("+link" if link else "")
        item.update(
            type="viber+sms" if message.sms_fallback else "viber",
            viber_type=viber_type,
            viber_signature=message.sender or self.viber_sender,
            viber_message=message.text,
            viber_lifetime=VIBER_LIFETIME,
        )
        if image:
            item["viber_image"] = image
        if link and extras is not None:
            item["viber_link"] = link
            item["viber_button"] = extras.button_text
        if message.sms_fallback:
            item.update(sms)
        return item

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
        answer, failed = self.post(self.url, json={"auth": self.key, "data": [self.item(message)]})
        if failed is not None:
            return failed
        detail = dumps(answer)
        if answer.get("success") is not True:
            return self.refusal(text(answer.get("error")), detail, message)
        items = [i for i in answer.get("data") or [] if isinstance(i, dict)]
        mine = [i for i in items if _item_id(i) in (None, message.ref)] or items
        if not mine:
            return self.result(
                Outcome.RETRY,
                _("{service} answered without the message: tried again later.").format(
                    service=self.label
                ),
                detail,
            )
        entry = mine[0]
        if entry.get("success") is True:
            data = entry.get("data") if isinstance(entry.get("data"), dict) else {}
            return self.result(
                Outcome.ACCEPTED,
                detail=detail,
                gateway_id=str(message.ref),
                parts=code(data.get("parts")) or 0,
            )
        return self.refusal(text(entry.get("error")), detail, message)

    def refusal(self, error: str, detail: str, message: Message) -> SendResult:
        words = error.casefold()
        if any(w in words for w in DUPLICATE_WORDS):  # our id is known: taken before
            return self.result(Outcome.ACCEPTED, detail=detail, gateway_id=str(message.ref))
        if any(w in words for w in AUTH_WORDS):
            return self.auth_refused(detail)
        if any(w in words for w in RETRY_WORDS):
            return self.result(
                Outcome.RETRY,
                _("AlphaSMS asks to wait ({error}): tried again later.").format(error=error),
                detail,
            )
        if any(w in words for w in BALANCE_WORDS):
            return self.result(
                Outcome.REJECTED,
                _("The AlphaSMS account has no money left ({error}): top it up.").format(
                    error=error
                ),
                detail,
            )
        return self.result(
            Outcome.REJECTED,
            _("AlphaSMS refused the message: {error}.").format(error=error or _("no reason given")),
            detail,
        )

    # --- statuses --------------------------------------------------------------------------------

    def poll(self, gateway_ids: Iterable[str]) -> dict[str, Status]:
        ids = [i for i in dict.fromkeys(gateway_ids) if code(i) is not None]
        found: dict[str, Status] = {}
        for start in range(0, len(ids), POLL_BATCH):
            batch = ids[start : start + POLL_BATCH]
            items = [{"type": "status", "id": int(i)} for i in batch]
            answer, failed = self.post(self.url, json={"auth": self.key, "data": items})
            if failed is not None or answer.get("success") is not True:
                return found
            for entry in answer.get("data") or []:
                if not isinstance(entry, dict) or entry.get("success") is not True:
                    continue
                data = entry.get("data") if isinstance(entry.get("data"), dict) else {}
                delivery = STATUSES.get(text(data.get("status")).casefold())
                key = text(data.get("id"))
                if delivery is None or key not in batch:
                    continue
                found[key] = Status(
                    delivery,
                    at=text(data.get("time")) or text(data.get("date")),
                    extra={"status": text(data.get("status")), "msg_id": text(data.get("msg_id"))},
                )
        return found


def _item_id(item: dict[str, Any]) -> int | None:
    data = item.get("data")
    return code(data.get("id")) if isinstance(data, dict) else None


__all__ = ["DEFAULT_URL", "AlphaSmsGateway"]
