"""A fake e-pochta / Atompark SMS API v3 on 127.0.0.1: form POSTs to ``/sms/3.0/<action>``.

Every call must carry ``key`` (the public key), ``version=3.0``, ``action`` and ``sum``: the md5
of the other values in sorted-name order with the private key appended, computed here on its own
(not with the client's function). ``sendSMS`` -> ``{"result": {"id", "price", "currency"}}``;
``getCampaignDeliveryStats {id}`` -> ``{"result": {"phone": [], "sentdate": [], "status": []}}``;
errors are ``{"error", "code"}`` with HTTP 200: 300 no sender, 301 no text, 303 no recipients,
304 no money. Beyond FakeService's switches: ``error_next`` (the next answers are these
(code, words) errors).
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.channels.fake_service import FakeService, Request

PATH = "/sms/3.0"


def expected_sum(params: dict[str, str], private_key: str) -> str:
    values = [params[k] for k in sorted(params) if k != "sum"]
    return hashlib.md5(("".join(values) + private_key).encode("utf-8")).hexdigest()


@dataclass
class FakeEpochta(FakeService):
    url_path = PATH

    public_key: str = "epochta-public"
    private_key: str = "epochta-private-secret"
    balance: int = 1000
    price: str = "0.95"
    error_next: list[tuple[int, str]] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._ids = itertools.count(3100001)

    def answer(self, request: Request) -> tuple[int, Any]:
        path = request.path.split("?")[0]
        if not path.startswith(PATH + "/"):
            return 404, "<html><body>Not Found</body></html>"
        action = path[len(PATH) + 1 :]
        # keep_blank_values: datetime="" takes part in the sum
        form = {
            k: v[0]
            for k, v in parse_qs(request.body.decode("utf-8"), keep_blank_values=True).items()
        }
        if form.get("key") != self.public_key:
            return 200, {"error": "Invalid public key", "code": "-2"}
        if form.get("version") != "3.0" or form.get("action") != action:
            return 200, {"error": "Invalid version or action", "code": "-1"}
        if form.get("sum") != expected_sum(form, self.private_key):
            return 200, {"error": "Invalid control sum", "code": "-3"}
        if self.error_next:
            code, words = self.error_next.pop(0)
            return 200, {"error": words, "code": str(code)}
        if action == "sendSMS":
            return 200, self.send(form)
        if action == "getCampaignDeliveryStats":
            return 200, self.stats(form)
        return 200, {"error": "Unknown action", "code": "-4"}

    def send(self, form: dict[str, str]) -> dict[str, Any]:
        if not form.get("sender"):
            return {"error": "No sender", "code": "300"}
        if not form.get("text"):
            return {"error": "No text", "code": "301"}
        if not form.get("phone"):
            return {"error": "No recipients", "code": "303"}
        if self.balance <= 0:
            return {"error": "Not enough money", "code": "304"}
        self.balance -= 1
        message_id = str(next(self._ids))
        self.messages[message_id] = {**form, "status": "0"}
        return {"result": {"id": message_id, "price": self.price, "currency": "UAH"}}

    def stats(self, form: dict[str, str]) -> dict[str, Any]:
        message = self.messages.get(form.get("id", ""))
        if message is None:
            return {"error": "Campaign not found", "code": "-5"}
        return {
            "result": {
                "phone": [message["phone"]],
                "sentdate": ["2026-12-02 10:00:01"],
                "status": [message["status"]],
            }
        }

    # --- for tests -------------------------------------------------------------------------------

    def set_status(self, message_id: str, status: str) -> None:
        with self.lock:
            self.messages[message_id]["status"] = status

    def sent(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.messages.values())


__all__ = ["PATH", "FakeEpochta", "expected_sum"]
