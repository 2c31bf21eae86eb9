"""What the HTTP gateways (TurboSMS, AlphaSMS, e-pochta) share: one httpx client with short,
explicit timeouts, the checks made before anything is sent, and the mapping of what the network
did to an outcome (torgtui.channels.gateway's rules).

* Nothing leaves for a message the service would refuse anyway: a phone that is not
  380XXXXXXXXX-like digits, an empty text, a Viber button over 30 characters or without its link.
  Those are ``REJECTED`` before any request.
* A refused connection, a timeout, HTTP 5xx, 429 and an answer that is not the service's JSON (an
  HTML page from a proxy) are ``RETRY``: nothing was taken for sure. Another 4xx is ``REJECTED``
  (our address or our key is wrong: retrying cannot help).
* Secrets (a token, a key) are scrubbed from every ``error`` and ``detail``, even when a service
  quotes them back; they are sent in a header or a signature, never in a URL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import httpx

from torgtui.channels.gateway import Channel, Message, Outcome, SendResult, ViberExtras
from torgtui.i18n import _

# connect: a service that does not take the connection in 3 s is down for now; read: an answer
# should come in 10 s (the message is then RETRY, and the services dedupe a resend where they can)
TIMEOUT = httpx.Timeout(connect=3.0, read=10.0, write=5.0, pool=3.0)
MAX_BUTTON = 30  # characters of a Viber button (the services refuse more)
MAX_DETAIL = 500  # characters of a service's answer kept for the log
HIDDEN = "***"
PHONE = re.compile(r"^[1-9][0-9]{9,14}$")  # international digits, no "+": 380XXXXXXXXX


class HttpGateway:
    """A gateway over one httpx client; subclasses say ``name``, ``channels`` and ``label``."""

    name = ""
    label = ""  # the service's name in messages: "TurboSMS"
    secret_setting = ""  # the setting that holds the key, named in an auth refusal

    def __init__(
        self,
        url: str,
        *,
        secrets: Iterable[str] = (),
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._http = httpx.Client(
            timeout=timeout if timeout is not None else TIMEOUT,
            transport=transport,
            headers=headers or {},
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self):  # -> Self
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- words and secrets ---------------------------------------------------------------------

    def scrub(self, text: Any) -> str:
        """``text`` without any secret of this gateway, cut for the log."""
        out = str(text)
        for secret in self._secrets:
            out = out.replace(secret, HIDDEN)
        return out if len(out) <= MAX_DETAIL else out[: MAX_DETAIL - 1] + "…"

    def result(self, outcome: Outcome, error: str = "", detail: Any = "", **kw: Any) -> SendResult:
        return SendResult(
            outcome, error=self.scrub(error) if error else "", detail=self.scrub(detail), **kw
        )

    def auth_refused(self, detail: Any) -> SendResult:
        return self.result(
            Outcome.REJECTED,
            _(
                "{service} refused our key: check messages.{setting} in the settings (the key "
                "from the service's API page)."
            ).format(service=self.label, setting=self.secret_setting),
            detail,
        )

    # --- the request -----------------------------------------------------------------------------

    def post(self, url: str, **kwargs: Any) -> tuple[Any, SendResult | None]:
        """POST and read JSON: (the answer, None), or (None, a RETRY/REJECTED result) when the
        network or the HTTP layer failed or the answer is not JSON."""
        try:
            response = self._http.post(url, **kwargs)
        except httpx.TimeoutException as exc:
            return None, self.result(
                Outcome.RETRY,
                _("{service} did not answer in time: the message will be tried again.").format(
                    service=self.label
                ),
                f"{type(exc).__name__}",
            )
        except httpx.HTTPError as exc:  # refused, reset, DNS, TLS
            return None, self.result(
                Outcome.RETRY,
                _("{service} cannot be reached: the message will be tried again.").format(
                    service=self.label
                ),
                f"{type(exc).__name__}: {exc}",
            )
        status = response.status_code
        if status >= 500 or status in (408, 429):
            return None, self.result(
                Outcome.RETRY,
                _("{service} is busy or failing (HTTP {status}): tried again later.").format(
                    service=self.label, status=status
                ),
                f"HTTP {status}: {response.text[:200]}",
                retry_after=_retry_after(response),
            )
        if status in (401, 403):
            return None, self.auth_refused(f"HTTP {status}: {response.text[:200]}")
        if status >= 300:
            return None, self.result(
                Outcome.REJECTED,
                _(
                    "{service} answered HTTP {status} at {url}: check the address in the "
                    "settings (messages.{setting_url})."
                ).format(
                    service=self.label, status=status, url=url, setting_url=f"{self.name}_url"
                ),
                f"HTTP {status}: {response.text[:200]}",
            )
        try:
            answer = response.json()
        except (ValueError, UnicodeDecodeError):
            answer = None
        if not isinstance(answer, dict):
            return None, self.result(
                Outcome.RETRY,
                _(
                    "{service} answered with something that is not its API's JSON (a web page?): "
                    "tried again later; if it lasts, check messages.{setting_url}."
                ).format(service=self.label, setting_url=f"{self.name}_url"),
                response.text[:200],
            )
        return answer, None


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(min(int(value), 3600))
    return None


def check_phone(message: Message, label: str) -> str:
    """Words when ``message.to`` is not a phone the services take, else ""."""
    if not PHONE.match(message.to or ""):
        return _(
            "The phone {phone} is not a full international number (380XXXXXXXXX): fix it on "
            "the customer's card; nothing was sent by {service}."
        ).format(phone=message.to or "—", service=label)
    return ""


def check_text(message: Message) -> str:
    if not (message.text or "").strip():
        return _("The message is empty: nothing was sent.")
    return ""


def check_viber(extras: ViberExtras | None) -> str:
    """Words when a Viber rich message cannot be sent as it is, else ""."""
    if extras is None:
        return ""
    if len(extras.button_text) > MAX_BUTTON:
        return _(
            "The Viber button text has {n} characters: at most {max}. Shorten it in the template; "
            "nothing was sent."
        ).format(n=len(extras.button_text), max=MAX_BUTTON)
    if bool(extras.button_text.strip()) != bool(extras.button_url.strip()):
        return _(
            "A Viber button needs both its text and its link: fill both or neither; nothing was "
            "sent."
        )
    for url in (extras.image_url, extras.button_url):
        if url and not url.startswith(("https://", "http://")):
            return _(
                "The Viber image or link {url} is not a web address (https://...): nothing was "
                "sent."
            ).format(url=url)
    return ""


def dumps(value: Any) -> str:
    """An answer as one line for ``detail``."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        return repr(value)


def text(value: Any) -> str:
    if value is None or isinstance(value, (list, dict, bool)):
        return ""
    return " ".join(str(value).split())


def code(value: Any) -> int | None:
    """A service's numeric code given as 800, "800" or garbage (None)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    value = text(value)
    if value.lstrip("-").isdigit() and len(value) < 10:
        return int(value)
    return None


def pre_checks(message: Message, label: str, *, phone: bool = True) -> str:
    """The checks every SMS/Viber gateway makes before a request: words, or ""."""
    return (
        (check_phone(message, label) if phone else "")
        or check_text(message)
        or (check_viber(message.viber) if message.channel == Channel.VIBER else "")
    )


__all__ = [
    "MAX_BUTTON",
    "TIMEOUT",
    "HttpGateway",
    "check_phone",
    "check_text",
    "check_viber",
    "code",
    "dumps",
    "pre_checks",
    "text",
]
