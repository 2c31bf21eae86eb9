"""A fake AlphaSMS JSON API (``/api/json.php``) on 127.0.0.1: ``{"auth": key, "data": [items]}``
-> ``{"success": true, "data": [{"success": ..., "data": {...}}]}``, always HTTP 200.

It checks the key (``{"success": false, "error": "Access denied"}``), each item's phone, signature
and text, a Viber button over 30 characters, and the balance; and it remembers our ``id``s: an
item repeating one gets the first answer again (``duplicate_mode = "same"``, nothing sent twice)
or an error that says so (``"error"``). ``status`` items answer the message's status by our id.
Beyond FakeService's switches: ``request_error`` (the next whole answers are ``success: false``
with those words) and ``item_error`` (the next items are refused with those words).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from tests.channels.fake_service import FakeService, Request

PATH = "/api/json.php"
PHONE = re.compile(r"^380\d{9}$")
MAX_BUTTON = 30
TYPES = ("sms", "viber", "viber+sms")


@dataclass
class FakeAlphaSms(FakeService):
    url_path = PATH

    key: str = "alpha-test-key"
    balance: int = 1000
    stop_list: set[str] = field(default_factory=set)
    duplicate_mode: str = "same"  # "same": the first answer again; "error": refused as a duplicate
    request_error: list[str] = field(default_factory=list)
    item_error: list[str] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)  # our id -> message

    def __post_init__(self) -> None:
        super().__post_init__()
        self._msg_ids = itertools.count(900001)

    def answer(self, request: Request) -> tuple[int, Any]:
        if request.path.split("?")[0] != PATH:
            return 404, "<html><body>Not Found</body></html>"
        if "application/json" not in request.headers.get("content-type", ""):
            return 200, {"success": False, "error": "Invalid request"}
        try:
            body = request.json()
        except ValueError:
            return 200, {"success": False, "error": "Invalid JSON"}
        if not isinstance(body, dict) or body.get("auth") != self.key:
            return 200, {"success": False, "error": "Access denied"}
        if self.request_error:
            return 200, {"success": False, "error": self.request_error.pop(0)}
        items = body.get("data")
        if not isinstance(items, list) or not items:
            return 200, {"success": False, "error": "Empty data"}
        return 200, {"success": True, "data": [self.item(i) for i in items]}

    def item(self, item: Any) -> dict[str, Any]:
        if not isinstance(item, dict):
            return {"success": False, "error": "Invalid item"}
        kind, our_id = item.get("type"), item.get("id")
        if kind == "status":
            message = self.messages.get(our_id)  # type: ignore[arg-type]
            if message is None:
                return {"success": False, "error": "Message not found", "data": {"id": our_id}}
            return {
                "success": True,
                "data": {
                    "id": our_id,
                    "msg_id": message["msg_id"],
                    "status": message["status"],
                    "time": "2026-12-02 10:05:00",
                },
            }
        if kind not in TYPES:
            return {"success": False, "error": "Unknown type", "data": {"id": our_id}}
        if not isinstance(our_id, int):
            return {"success": False, "error": "Invalid id", "data": {"id": our_id}}
        if our_id in self.messages:
            if self.duplicate_mode == "error":
                return {
                    "success": False,
                    "error": "Duplicate message id",
                    "data": {"id": our_id},
                }
            return self.messages[our_id]["answer"]
        if self.item_error:
            return {"success": False, "error": self.item_error.pop(0), "data": {"id": our_id}}
        phone = str(item.get("phone", ""))
        if not PHONE.match(phone):
            return {"success": False, "error": "Invalid phone number", "data": {"id": our_id}}
        if phone in self.stop_list:
            return {"success": False, "error": "Phone is in the stop list", "data": {"id": our_id}}
        if kind in ("sms", "viber+sms") and not item.get("sms_signature"):
            return {"success": False, "error": "Error in Alpha-name", "data": {"id": our_id}}
        if kind.startswith("viber"):
            if not item.get("viber_signature"):
                return {"success": False, "error": "Error in Alpha-name", "data": {"id": our_id}}
            if len(str(item.get("viber_button", ""))) > MAX_BUTTON:
                return {
                    "success": False,
                    "error": "Viber button text is too long",
                    "data": {"id": our_id},
                }
        if self.balance <= 0:
            return {"success": False, "error": "Insufficient balance", "data": {"id": our_id}}
        self.balance -= 1
        msg_id = next(self._msg_ids)
        text = str(item.get("sms_message") or item.get("viber_message") or "")
        answer = {
            "success": True,
            "data": {"id": our_id, "msg_id": msg_id, "data": 1, "parts": 1 + len(text) // 70},
        }
        self.messages[our_id] = {
            "item": item,
            "msg_id": msg_id,
            "status": "ACCEPTED",
            "answer": answer,
        }
        return answer

    # --- for tests -------------------------------------------------------------------------------

    def set_status(self, our_id: int, status: str) -> None:
        with self.lock:
            self.messages[our_id]["status"] = status

    def sent(self) -> list[dict[str, Any]]:
        with self.lock:
            return [m["item"] for m in self.messages.values()]


__all__ = ["PATH", "FakeAlphaSms"]
