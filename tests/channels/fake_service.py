"""What the fake SMS/Viber services share: a real HTTP server on 127.0.0.1 (LocalServer) that
records every request and can fail on demand, before the service's own logic answers.

Switches (each counts down per request): ``fail_left`` (HTTP 500 with an HTML page),
``html_left`` (HTTP 200 with an HTML page: a proxy or a maintenance page), ``slow_left``
(answers after ``slow_seconds``: the client's timeout); ``go_down()`` refuses connections until
``start()``. Subclasses implement :meth:`answer` (path, headers, body bytes) -> (status, JSON).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.channels.local_server import LocalServer

HTML = "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class FakeService(LocalServer):
    fail_left: int = 0
    html_left: int = 0
    slow_left: int = 0
    slow_seconds: float = 5.0
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.init_server()

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    def handle(self, request: Request) -> tuple[int, Any]:
        with self.lock:
            self.requests.append(request)
            if self.fail_left > 0:
                self.fail_left -= 1
                return 500, HTML
            if self.html_left > 0:
                self.html_left -= 1
                return 200, HTML
            slow = self.slow_left > 0
            if slow:
                self.slow_left -= 1
        if slow:
            self.release.wait(self.slow_seconds)
        with self.lock:
            return self.answer(request)

    def answer(self, request: Request) -> tuple[int, Any]:
        raise NotImplementedError

    def calls(self, path_end: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path.split("?")[0].endswith(path_end)]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeService
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed ACK

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.fake.server is None:  # gone down: a kept-alive connection dies unanswered too
            self.close_connection = True
            return
        request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, raw)
        status, answer = self.fake.handle(request)
        self._send(status, answer)

    def do_GET(self) -> None:
        self._send(405, HTML)

    def _send(self, status: int, answer: Any) -> None:
        if isinstance(answer, str):
            payload, kind = answer.encode("utf-8"), "text/html; charset=utf-8"
        else:
            payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            kind = "application/json"
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass


__all__ = ["HTML", "FakeService", "Request"]
