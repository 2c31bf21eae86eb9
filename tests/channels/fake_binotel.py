"""A fake Binotel REST API 4.0: a real HTTP server on 127.0.0.1.

POST ``/api/4.0/<group>/<method>.json`` with a JSON body holding ``key`` and ``secret``;
always HTTP 200 as the service does: ``{status: "success", callDetails: {"<id>": {...}}}``
(an object keyed by generalCallID, every value a string) or ``{status: "error", code,
message}``. It serves ``stats/list-of-lost-calls-for-today`` (today's incoming calls nobody
answered) and ``stats/list-of-calls-for-period`` (``startTime`` .. ``stopTime``, unix, at most
a day, else error 120). Switches: ``too_frequent_left`` (error 106), ``fail_left`` (HTTP 500),
``html_left`` (an HTML page); a wrong key or secret is error 101 with words that quote the
key, as a careless service might (the client must not repeat it).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.channels.local_server import LocalServer

KEY, SECRET = "test-key-4f1e", "test-secret-9a7c"


def call(
    general_call_id: str,
    start: dt.datetime,
    *,
    incoming: bool = True,
    number: str = "0671234567",
    disposition: str = "ANSWER",
    waitsec: int = 5,
    billsec: int = 60,
    internal: str = "901",
    employee: str = "Оператор1",
) -> dict[str, Any]:
    """A call's details as the stats methods give them: every value a string."""
    return {
        "companyID": "10906",
        "generalCallID": general_call_id,
        "callID": general_call_id,
        "startTime": str(int(start.timestamp())),
        "callType": "0" if incoming else "1",
        "internalNumber": internal,
        "internalAdditionalData": "",
        "externalNumber": number,
        "waitsec": str(waitsec),
        "billsec": str(billsec if disposition == "ANSWER" else 0),
        "disposition": disposition,
        "isNewCall": "0",
        "customerData": {"id": "", "name": ""},
        "employeeData": {"name": employee, "email": "op1@example.com"},
        "pbxNumberData": {"number": "0443334455", "name": "Shop"},
    }


@dataclass
class FakeBinotel(LocalServer):
    url_path = "/api/4.0"
    calls: list[dict[str, Any]] = field(default_factory=list)
    today: dt.date = dt.date(2026, 11, 22)
    too_frequent_left: int = 0
    fail_left: int = 0
    html_left: int = 0
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.init_server()

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    def answer(self, method: str, body: dict[str, Any]) -> tuple[int, Any]:
        self.requests.append(
            (method, {k: v for k, v in body.items() if k not in ("key", "secret")})
        )
        if self.fail_left:
            self.fail_left -= 1
            return 500, "<h1>502 Bad Gateway</h1>"
        if self.html_left:
            self.html_left -= 1
            return 200, "<html><body>Maintenance</body></html>"
        if body.get("key") != KEY or body.get("secret") != SECRET:
            return 200, {
                "status": "error",
                "code": "101",
                "message": f"Key {body.get('key')} or secret {body.get('secret')} is wrong",
            }
        if self.too_frequent_left:
            self.too_frequent_left -= 1
            return 200, {"status": "error", "code": "106", "message": "Too frequent requests"}
        if method == "stats/list-of-lost-calls-for-today":
            found = [
                c
                for c in self.calls
                if c["callType"] == "0"
                and c["disposition"] != "ANSWER"
                and dt.datetime.fromtimestamp(int(c["startTime"])).date() == self.today
            ]
        elif method == "stats/list-of-calls-for-period":
            try:
                start, stop = int(body["startTime"]), int(body["stopTime"])
            except (KeyError, TypeError, ValueError):
                return 200, {"status": "error", "code": "120", "message": "Wrong time"}
            if not 0 <= stop - start <= 86400:
                return 200, {"status": "error", "code": "120", "message": "Period over a day"}
            found = [c for c in self.calls if start <= int(c["startTime"]) <= stop]
        else:
            return 200, {"status": "error", "code": "404", "message": "Unknown method"}
        return 200, {"status": "success", "callDetails": {c["generalCallID"]: c for c in found}}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeBinotel

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        prefix = FakeBinotel.url_path + "/"
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self.path.startswith(prefix) or not self.path.endswith(".json"):
            status, payload = 404, "not found"
        else:
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            method = self.path[len(prefix) : -len(".json")]
            status, payload = self.fake.answer(method, body if isinstance(body, dict) else {})
        data = (
            json.dumps(payload, ensure_ascii=False) if not isinstance(payload, str) else payload
        ).encode()
        self.send_response(status)
        self.send_header(
            "Content-Type", "text/html" if isinstance(payload, str) else "application/json"
        )
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
