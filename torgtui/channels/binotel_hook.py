"""The Binotel webhook endpoint: a small HTTP server in a thread (stdlib ``http.server``),
off until ``binotel.listen`` is set.

Binotel's webhooks are not signed, so a request is served only when it comes from an address
on ``binotel.allow`` (loopback only when that is empty) and names our ``binotel.company_id``;
anything else gets 403 and nothing happens. Bodies come as form fields (most often, with
PHP-style nested names such as ``callDetails[generalCallID]``) or as JSON: both are read.

* ``apiCallSettings`` (an incoming call, before it rings): the answer is
  ``{"customerData": {"name", "description", "linkToCrmUrl"}}`` for a number a card has (the
  description says card, bonuses, debt and the Attention flag in a few words), else ``{}``.
* ``apiCallCompleted`` (``callDetails`` of a finished call): stored in the call journal, once
  per ``generalCallID`` however often Binotel retries; the answer is ``{"status": "success"}``.
* push events ``receivedTheCall``, ``answeredTheCall``, ``hangupTheCall``: handed to the
  ``on_event`` callback as a :class:`CallEvent` (the app shows the incoming-call popup); for a
  received call the caller's card is read here, in the server's thread, so the popup has it.

A missing or malformed number, or a call the journal cannot read, gets 400 with the reason in
words (``{"status": "error", "message": ...}``) and nothing is stored.
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import peewee

from torgtui import db
from torgtui.channels import call_journal
from torgtui.channels.caller import CallerInfo, caller_info, description
from torgtui.clock import Clock, system_clock
from torgtui.errors import ConfigError, TorgError, ValidationError
from torgtui.i18n import _

MAX_BODY = 256 * 1024
PUSH_EVENTS = {
    "receivedTheCall": "received",
    "answeredTheCall": "answered",
    "hangupTheCall": "hangup",
}
LOOPBACK = ("127.0.0.1/32", "::1/128")
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


@dataclass(frozen=True)
class CallEvent:
    """A push event: ``kind`` received, answered or hangup; ``caller`` read for received."""

    kind: str
    general_call_id: str
    direction: str  # in, out
    number: str  # E.164
    internal_number: str
    caller: CallerInfo | None
    arrived: float  # time.perf_counter() when the request came in


class HookError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def nested_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """PHP-style form names as nested dicts: ``callDetails[dstNumbers][0][billsec]=5`` ->
    ``{"callDetails": {"dstNumbers": {"0": {"billsec": "5"}}}}`` (lists stay keyed by index,
    as Binotel's own JSON keys calls by id)."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        match = _KEY.match(name)
        if match is None:
            out[name] = value
            continue
        keys = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        node = out
        for i, key in enumerate(keys[:-1]):
            nxt = node.get(key)
            if not isinstance(nxt, dict):
                nxt = node[key] = {}
            if keys[i + 1] == "":  # name[] appends
                keys[i + 1] = str(len(nxt))
            node = nxt
        node[keys[-1]] = value
    return out


def read_body(content_type: str, body: bytes) -> dict[str, Any]:
    """A request body as a dict: JSON, urlencoded or multipart form fields."""
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        if kind == "application/json" or (not kind and body.lstrip()[:1] == b"{"):
            data = json.loads(body.decode("utf-8"))
            if not isinstance(data, dict):
                raise HookError(400, _("The JSON body is not an object."))
            return data
        if kind == "multipart/form-data":
            message = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
            )
            pairs = []
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name:
                    pairs.append((str(name), str(part.get_content())))
            return nested_form(pairs)
        return nested_form(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError) as exc:
        raise HookError(400, _("The body cannot be read ({error}).").format(error=exc)) from None


def _allowed_networks(allow: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    parts = [p.strip() for p in allow.split(",") if p.strip()] or list(LOOPBACK)
    try:
        return [ipaddress.ip_network(p, strict=False) for p in parts]
    except ValueError:
        raise ConfigError(
            _('Setting binotel.allow = {value!r}: give addresses like "194.88.218.116".').format(
                value=allow
            )
        ) from None


class BinotelHook:
    """The endpoint; ``start()`` listens in a thread, ``stop()`` ends it."""

    def __init__(
        self,
        *,
        listen: str,
        allow: str,
        company_id: str,
        on_event: Callable[[CallEvent], None] | None = None,
        clock: Clock = system_clock,
    ) -> None:
        host, _sep, port = listen.strip().rpartition(":")
        self.host, self.port = host or "0.0.0.0", int(port)
        self.networks = _allowed_networks(allow)
        self.company_id = company_id.strip()
        if not self.company_id:
            raise ConfigError(
                _(
                    "Setting binotel.company_id is empty: give the companyID Binotel sends, so "
                    "the endpoint serves only your company's calls."
                )
            )
        self.on_event = on_event
        self.clock = clock
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def start(self) -> BinotelHook:
        handler = type("Handler", (_Handler,), {"hook": self})
        try:
            self.server = ThreadingHTTPServer((self.host, self.port), handler)
        except OSError as exc:
            raise ConfigError(
                _(
                    "The Binotel endpoint cannot listen on {address} ({error}): change "
                    "binotel.listen or stop what uses that port."
                ).format(address=f"{self.host}:{self.port}", error=exc.strerror or exc)
            ) from None
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="binotel-hook",
            daemon=True,
        )
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    # --- the requests -----------------------------------------------------------------------

    def allowed(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in net for net in self.networks if net.version == ip.version)

    def check_company(self, data: dict[str, Any]) -> None:
        details = data.get("callDetails")
        company = call_journal.text(data.get("companyID"))
        if not company and isinstance(details, dict):
            company = call_journal.text(details.get("companyID"))
        if company != self.company_id:
            raise HookError(
                403,
                _("companyID {value!r} is not this shop's: the request was refused.").format(
                    value=company[:20]
                ),
            )

    def handle(self, data: dict[str, Any], arrived: float) -> dict[str, Any]:
        """The answer to one request (raises HookError for a refusal)."""
        self.check_company(data)
        kind = call_journal.text(data.get("requestType"))
        try:
            if kind == "apiCallSettings":
                return self.call_settings(data)
            if kind == "apiCallCompleted":
                record = call_journal.parse_call(data.get("callDetails"))
                if record is not None:
                    with db.database.connection_context():
                        call_journal.store_call(record, source="hook", clock=self.clock)
                return {"status": "success"}
            if kind in PUSH_EVENTS:
                self.push(PUSH_EVENTS[kind], data, arrived)
                return {"status": "success"}
        except ValidationError as exc:
            raise HookError(400, exc.message) from None
        raise HookError(
            400,
            _("Unknown requestType {value!r}: expected {known}.").format(
                value=kind[:40],
                known=", ".join(["apiCallSettings", "apiCallCompleted", *PUSH_EVENTS]),
            ),
        )

    def call_settings(self, data: dict[str, Any]) -> dict[str, Any]:
        number = call_journal.clean_number(data.get("externalNumber"))
        with db.database.connection_context():
            info = caller_info(number, clock=self.clock)
        if not info.known:
            return {}
        return {
            "customerData": {
                "name": info.name,
                "description": description(info),
                "linkToCrmUrl": "",
            }
        }

    def push(self, kind: str, data: dict[str, Any], arrived: float) -> None:
        number = call_journal.clean_number(data.get("externalNumber"))
        caller = None
        if kind == "received":
            with db.database.connection_context():
                caller = caller_info(number, clock=self.clock)
        event = CallEvent(
            kind=kind,
            general_call_id=call_journal.text(data.get("generalCallID"))[:40],
            direction="out" if call_journal.text(data.get("callType")) == "1" else "in",
            number=number,
            internal_number=call_journal.text(data.get("internalNumber"))[:40],
            caller=caller,
            arrived=arrived,
        )
        if self.on_event is not None:
            self.on_event(event)


class _Handler(BaseHTTPRequestHandler):
    hook: BinotelHook
    server_version = "torgtui-binotel"
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Nothing to stderr: the register's screen is there."""

    def reply(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")  # one request per connection
        self.end_headers()
        self.wfile.write(body)

    def refuse(self, status: int, message: str) -> None:
        self.reply(status, {"status": "error", "message": message})

    def do_GET(self) -> None:
        self.close_connection = True
        self.refuse(405, _("Binotel's webhooks are POST requests."))

    def do_POST(self) -> None:
        arrived = time.perf_counter()
        self.close_connection = True
        if not self.hook.allowed(self.client_address[0]):
            self.refuse(
                403,
                _("Address {address} is not on binotel.allow: the request was refused.").format(
                    address=self.client_address[0]
                ),
            )
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.refuse(
                413, _("The body is missing or larger than {kb} KB.").format(kb=MAX_BODY // 1024)
            )
            return
        try:
            data = read_body(self.headers.get("Content-Type", ""), self.rfile.read(length))
            self.reply(200, self.hook.handle(data, arrived))
        except HookError as exc:
            self.refuse(exc.status, exc.message)
        except TorgError as exc:
            self.refuse(500, exc.message)
        except peewee.DatabaseError:
            self.refuse(
                500, _("The database could not be read or written now: Binotel will try again.")
            )
