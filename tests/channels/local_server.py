"""Running a fake outside service: a real HTTP server on 127.0.0.1 in a thread, stopped and
started again to play an outage. Each fake says its URL path and its request handler class
(whose ``fake`` attribute is set to the running fake)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer:
    url_path = ""

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise TypeError(f"{type(self).__name__} must say its request handler")

    def init_server(self) -> None:
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.release = threading.Event()  # ends a slow answer early when the test is over

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.url_path}"

    def start(self):  # -> Self
        handler = type("Handler", (self.handler_class(),), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]  # kept, so a restart listens there again
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def go_down(self) -> None:
        """Stop listening: calls get "connection refused" until :meth:`start` again."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def stop(self) -> None:
        self.release.set()
        self.go_down()
