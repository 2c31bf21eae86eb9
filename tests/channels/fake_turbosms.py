"""A fake TurboSMS HTTP API (https://api.turbosms.ua) on 127.0.0.1: ``/message/send.json`` and
``/message/status.json`` with the envelope ``{response_code, response_status, response_result}``,
always HTTP 200 for a request it understood, as the service does.

It checks what the service checks: the token (``Authorization: Bearer``, ``Basic`` or
``?token=``; none: 103, a wrong one: 105), the balance (203), each phone (305 not 380XXXXXXXXX,
404 on the stop-list), a Viber button over 30 characters (408), a text over 1000 characters
(413). A request repeating a ``sequence_id`` gets the first answer again, and nothing is sent
twice. Beyond FakeService's switches: ``code_next`` (the next answers carry this envelope code
and status, e.g. (999, "INTERNAL_ERROR")) and ``duplicate_next`` (the next recipients answer 407).
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.channels.fake_service import FakeService, Request

PHONE = re.compile(r"^380\d{9}$")
MAX_TEXT = 1000
MAX_BUTTON = 30


def envelope(code: int, status: str, result: Any = None) -> dict[str, Any]:
    return {"response_code": code, "response_status": status, "response_result": result}


@dataclass
class FakeTurboSms(FakeService):
    token: str = "turbo-test-token"
    balance: int = 1000  # messages it can still pay for
    stop_list: set[str] = field(default_factory=set)
    code_next: list[tuple[int, str]] = field(default_factory=list)
    duplicate_next: int = 0
    # what it took: message_id -> the message
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # sequence_id -> answer

    def __post_init__(self) -> None:
        super().__post_init__()
        self._ids = itertools.count(1)

    def _token(self, request: Request) -> str:
        auth = request.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :]
        if auth.startswith("Basic "):
            return base64.b64decode(auth[len("Basic ") :]).decode("utf-8", "replace")
        return (parse_qs(urlsplit(request.path).query).get("token") or [""])[0]

    def answer(self, request: Request) -> tuple[int, Any]:
        token = self._token(request)
        if not token:
            return 200, envelope(103, "REQUIRED_TOKEN")
        if token != self.token:
            return 200, envelope(105, f"INVALID_TOKEN {token}")  # a service quoting it back
        try:
            body = request.json()
        except ValueError:
            return 200, envelope(100, "INVALID_REQUEST")
        path = urlsplit(request.path).path
        if path == "/message/send.json":
            return 200, self.send(body)
        if path == "/message/status.json":
            return 200, self.status(body)
        return 200, envelope(101, "UNKNOWN_METHOD")

    def send(self, body: dict[str, Any]) -> dict[str, Any]:
        sequence = str(body.get("sequence_id") or "")
        if sequence and sequence in self.answers:
            return self.answers[sequence]
        if self.code_next:
            code, status = self.code_next.pop(0)
            return envelope(code, status)
        sms, viber = body.get("sms"), body.get("viber")
        if not sms and not viber:
            return envelope(300, "REQUIRED_CONTENT")
        for part in (sms, viber):
            if part and len(str(part.get("text", ""))) > MAX_TEXT:
                return envelope(413, "TEXT_TOO_LONG")
        if viber and len(str(viber.get("caption", ""))) > MAX_BUTTON:
            return envelope(408, "VIBER_CAPTION_TOO_LONG")
        if self.balance <= 0:
            return envelope(203, "NOT_ENOUGH_MONEY")
        results = []
        for phone in body.get("recipients") or []:
            phone = str(phone)
            if self.duplicate_next > 0:
                self.duplicate_next -= 1
                results.append(
                    {"phone": phone, "response_code": 407, "response_status": "DUPLICATE"}
                )
            elif not PHONE.match(phone):
                results.append(
                    {"phone": phone, "response_code": 305, "response_status": "INVALID_PHONE"}
                )
            elif phone in self.stop_list:
                results.append(
                    {"phone": phone, "response_code": 404, "response_status": "IN_STOP_LIST"}
                )
            else:
                self.balance -= 1
                message_id = f"{next(self._ids):08x}-5ad3-4b9e-9c3a-{len(self.messages):012x}"
                self.messages[message_id] = {
                    "phone": phone,
                    "type": "viber" if viber else "sms",
                    "sms": sms,
                    "viber": viber,
                    "status": "Queued",
                    "click_time": None,
                    "sent": dt.datetime(2026, 12, 2, 10, 0, 0).isoformat(sep=" "),
                }
                results.append(
                    {
                        "phone": phone,
                        "response_code": 0,
                        "message_id": message_id,
                        "response_status": "OK",
                    }
                )
        answer = envelope(800, "SUCCESS_MESSAGE_ACCEPTED", results)
        if sequence:
            self.answers[sequence] = answer
        return answer

    def status(self, body: dict[str, Any]) -> dict[str, Any]:
        rows = []
        for message_id in body.get("messages") or []:
            message = self.messages.get(str(message_id))
            if message is None:
                rows.append(
                    {"message_id": message_id, "response_code": 414, "response_status": "NOT_FOUND"}
                )
                continue
            rows.append(
                {
                    "message_id": message_id,
                    "response_code": 0,
                    "response_status": "OK",
                    "recipient": message["phone"],
                    "sent": message["sent"],
                    "updated": message.get("updated", message["sent"]),
                    "status": message["status"],
                    "type": message["type"],
                    "rejected_status": message.get("rejected_status"),
                    "click_time": message["click_time"],
                }
            )
        return envelope(0, "OK", rows)

    # --- for tests -------------------------------------------------------------------------------

    def set_status(self, message_id: str, status: str, **fields: Any) -> None:
        with self.lock:
            self.messages[message_id].update(status=status, **fields)

    def sent(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.messages.values())


__all__ = ["FakeTurboSms", "envelope"]
