"""A small SMTP server on 127.0.0.1 for the e-mail gateway's tests (stdlib socketserver; aiosmtpd
is not installed and is not needed for this): EHLO, STARTTLS with a test certificate, AUTH PLAIN
and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.

Switches: ``offer_starttls`` (False: the server does not offer it), ``rcpt_reply`` / ``data_reply``
(e.g. (450, "4.2.0 Greylisted") or (550, "5.1.1 No such user")), ``slow_greeting`` (the 220
greeting waits ``slow_seconds``), ``drop_after`` (the connection is closed after this many
messages, as a server's idle timeout does), ``go_down()``. What it took is in ``messages``.
"""

from __future__ import annotations

import base64
import email
import email.policy
import socket
import socketserver
import ssl
import subprocess
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any


def make_certificate(folder: Path) -> tuple[Path, Path] | None:
    """A self-signed certificate for 127.0.0.1 and localhost (openssl), or None without it."""
    cert, key = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    try:
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
                *("-subj", "/CN=localhost"),
                *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
                *("-keyout", str(key), "-out", str(cert)),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return cert, key


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes
    tls: bool
    user: str

    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class FakeSmtp:
    cert: Path | None = None
    key: Path | None = None
    user: str = ""
    password: str = ""
    offer_starttls: bool = True
    rcpt_reply: tuple[int, str] | None = None
    data_reply: tuple[int, str] | None = None
    slow_greeting: bool = False
    slow_seconds: float = 5.0
    drop_after: int = 0
    messages: list[Received] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.server: socketserver.ThreadingTCPServer | None = None
        self.context: ssl.SSLContext | None = None
        if self.cert is not None and self.key is not None:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(self.cert, self.key)

    def start(self) -> FakeSmtp:
        handler = type("Handler", (_Handler,), {"fake": self})
        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def go_down(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def stop(self) -> None:
        self.release.set()
        self.go_down()


class _Handler(socketserver.BaseRequestHandler):
    fake: FakeSmtp

    def setup(self) -> None:
        self.sock: Any = self.request
        self.sock.settimeout(30)
        self.buffer = b""
        self.tls = False
        self.authed = ""
        self.taken = 0

    def send(self, line: str) -> None:
        self.sock.sendall(line.encode("utf-8") + b"\r\n")

    def readline(self) -> bytes | None:
        while b"\r\n" not in self.buffer:
            try:
                chunk = self.sock.recv(65536)
            except (OSError, ssl.SSLError):
                return None
            if not chunk:
                return None
            self.buffer += chunk
        line, _sep, self.buffer = self.buffer.partition(b"\r\n")
        return line

    def handle(self) -> None:
        fake = self.fake
        with fake.lock:
            fake.connections += 1
        if fake.slow_greeting:
            fake.release.wait(fake.slow_seconds)
        try:
            self.send("220 fake.test ESMTP ready")
            self.session()
        except (OSError, ssl.SSLError):
            return

    def session(self) -> None:
        fake = self.fake
        mail_from, rcpts = "", []
        while True:
            raw = self.readline()
            if raw is None:
                return
            line = raw.decode("utf-8", "replace")
            verb, _sep, arg = line.partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                lines = ["fake.test"]
                if fake.offer_starttls and fake.context is not None and not self.tls:
                    lines.append("STARTTLS")
                if fake.user and (self.tls or not fake.offer_starttls):
                    lines.append("AUTH PLAIN LOGIN")
                lines += ["8BITMIME", "SMTPUTF8"]
                for i, item in enumerate(lines):
                    self.send(("250 " if i == len(lines) - 1 else "250-") + item)
            elif verb == "STARTTLS" and fake.context is not None and fake.offer_starttls:
                self.send("220 2.0.0 Ready to start TLS")
                self.sock = fake.context.wrap_socket(self.sock, server_side=True)
                self.tls, self.buffer = True, b""
            elif verb == "AUTH":
                self.auth(arg)
            elif verb == "MAIL":
                if fake.user and not self.authed:
                    self.send("530 5.7.0 Authentication required")
                    continue
                mail_from, rcpts = arg.partition(":")[2].strip().strip("<>"), []
                self.send("250 2.1.0 Ok")
            elif verb == "RCPT":
                if fake.rcpt_reply is not None:
                    self.send(f"{fake.rcpt_reply[0]} {fake.rcpt_reply[1]}")
                    continue
                rcpts.append(arg.partition(":")[2].strip().strip("<>"))
                self.send("250 2.1.5 Ok")
            elif verb == "DATA":
                if not rcpts:
                    self.send("503 5.5.1 No valid recipients")
                    continue
                self.send("354 End data with <CR><LF>.<CR><LF>")
                data = self.data()
                if data is None:
                    return
                if fake.data_reply is not None:
                    self.send(f"{fake.data_reply[0]} {fake.data_reply[1]}")
                    continue
                with fake.lock:
                    fake.messages.append(Received(mail_from, rcpts, data, self.tls, self.authed))
                    n = len(fake.messages)
                self.send(f"250 2.0.0 Ok: queued as {n}")
                self.taken += 1
                if fake.drop_after and self.taken >= fake.drop_after:
                    self.sock.close()
                    return
            elif verb in ("RSET", "NOOP"):
                mail_from, rcpts = ("", []) if verb == "RSET" else (mail_from, rcpts)
                self.send("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.send("221 2.0.0 Bye")
                return
            else:
                self.send("502 5.5.2 Command not recognized")

    def auth(self, arg: str) -> None:
        fake = self.fake
        mechanism, _sep, initial = arg.partition(" ")
        mechanism = mechanism.upper()
        try:
            if mechanism == "PLAIN":
                if not initial:
                    self.send("334 ")
                    initial = (self.readline() or b"").decode()
                _authz, user, password = base64.b64decode(initial).decode().split("\0")
            elif mechanism == "LOGIN":
                self.send("334 VXNlcm5hbWU6")
                user = base64.b64decode(self.readline() or b"").decode()
                self.send("334 UGFzc3dvcmQ6")
                password = base64.b64decode(self.readline() or b"").decode()
            else:
                self.send("504 5.5.4 Unrecognized authentication type")
                return
        except ValueError:
            self.send("501 5.5.2 Cannot decode")
            return
        if (user, password) == (fake.user, fake.password):
            self.authed = user
            self.send("235 2.7.0 Authentication successful")
        else:
            self.send("535 5.7.8 Authentication credentials invalid")

    def data(self) -> bytes | None:
        lines = []
        while True:
            line = self.readline()
            if line is None:
                return None
            if line == b".":
                return b"\r\n".join(lines) + b"\r\n"
            lines.append(line[1:] if line.startswith(b"..") else line)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


__all__ = ["FakeSmtp", "Received", "free_port", "make_certificate"]
