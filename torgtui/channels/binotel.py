"""Binotel REST API 4.0: the calls of a period and today's lost calls, the polling fallback
that fills the call journal when a webhook was lost (or the endpoint is off).

Every call is one POST to ``<api_url>/<group>/<method>.json`` with a JSON body holding ``key``
and ``secret`` (never logged, never quoted in a message). Binotel answers HTTP 200 both ways:
``{status: "success", callDetails: {"<generalCallID>": {...}}}`` (an object keyed by id, values
often strings) or ``{status: "error", code, message}``; code 106 means "too frequent", and the
:class:`Poller` then waits longer before the next try. An outage (refused, timeout, 5xx, an
answer that is not JSON) raises :class:`BinotelUnavailable`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx

from torgtui.channels import call_journal
from torgtui.clock import Clock, system_clock
from torgtui.errors import TorgError
from torgtui.i18n import _

DEFAULT_URL = "https://api.binotel.com/api/4.0"
TOO_FREQUENT = 106
MAX_PERIOD = dt.timedelta(hours=24)  # list-of-calls-for-period takes at most a day
OVERLAP = dt.timedelta(minutes=5)  # each poll looks a little before the last one's end
MAX_BACKOFF_MINUTES = 60


class BinotelUnavailable(TorgError):
    """Binotel did not answer usefully: the journal is filled at the next poll."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(_("Binotel does not answer: the calls are read again at the next poll."))
        self.detail = detail  # for the log, without the key or secret


class BinotelError(TorgError):
    """Binotel refused the request (``status: "error"``) with its code and words."""

    def __init__(self, code: int, reason: str) -> None:
        if code == TOO_FREQUENT:
            message = _("Binotel says the requests are too frequent (code 106): waiting longer.")
        else:
            message = _(
                "Binotel refused the request (code {code}: {reason}). Check the key, the secret "
                "and the address this computer calls from in the Binotel settings."
            ).format(code=code, reason=reason or _("no reason given"))
        super().__init__(message)
        self.code = code
        self.reason = reason


class BinotelClient:
    """One API key against one endpoint (the real one, or a fake in tests)."""

    def __init__(
        self,
        key: str,
        secret: str,
        *,
        base_url: str = DEFAULT_URL,
        timeout: float = 15,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._key, self._secret = key, secret
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BinotelClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _clean(self, text: str) -> str:
        """``text`` with the key and secret blanked (an answer may echo the request)."""
        for secret in (self._key, self._secret):
            if secret:
                text = text.replace(secret, "***")
        return text[:300]

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST ``method`` ("stats/list-of-lost-calls-for-today") and return the answer."""
        body = {**(params or {}), "key": self._key, "secret": self._secret}
        try:
            response = self._http.post(f"{self.base_url}/{method}.json", json=body)
        except httpx.HTTPError as exc:
            raise BinotelUnavailable(self._clean(f"{type(exc).__name__}: {exc}")) from None
        if response.status_code != 200:
            raise BinotelUnavailable(f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise BinotelUnavailable(self._clean("not JSON: " + response.text[:100])) from None
        if not isinstance(answer, dict):
            raise BinotelUnavailable("not an object")
        if answer.get("status") != "success":
            code = call_journal.text(answer.get("code"))
            raise BinotelError(
                int(code) if code.isdigit() else 0,
                self._clean(call_journal.text(answer.get("message"))),
            )
        return answer

    def lost_calls_today(self) -> Any:
        return self.call("stats/list-of-lost-calls-for-today").get("callDetails") or {}

    def calls_for_period(self, start: dt.datetime, stop: dt.datetime) -> Any:
        return (
            self.call(
                "stats/list-of-calls-for-period",
                {"startTime": int(start.timestamp()), "stopTime": int(stop.timestamp())},
            ).get("callDetails")
            or {}
        )


def client_from_settings(
    settings: Any, *, transport: httpx.BaseTransport | None = None
) -> BinotelClient | None:
    """The client for ``settings.binotel``; None when no key and secret are set."""
    conf = settings.binotel
    if not conf.key or not conf.secret:
        return None
    return BinotelClient(conf.key, conf.secret, base_url=conf.api_url, transport=transport)


@dataclass
class PollResult:
    new: int = 0
    old: int = 0
    problems: list[str] = field(default_factory=list)


def poll_once(client: BinotelClient, *, since: dt.datetime | None, now: dt.datetime) -> PollResult:
    """Today's lost calls and the calls since ``since`` (at most a day back) into the journal."""
    result = PollResult()
    start = max(since - OVERLAP if since else now - MAX_PERIOD, now - MAX_PERIOD)
    clock: Clock = lambda: now  # noqa: E731
    for details in (client.lost_calls_today(), client.calls_for_period(start, now)):
        new, old, problems = call_journal.store_calls(details, source="poll", clock=clock)
        result.new += new
        result.old += old
        result.problems.extend(problems)
    return result


class Poller:
    """When to poll next: every ``minutes``; after code 106 or an outage twice as long each
    time (at most an hour), back to ``minutes`` after a success."""

    def __init__(self, client: BinotelClient, minutes: int, *, clock: Clock = system_clock):
        self.client, self.minutes, self.clock = client, minutes, clock
        self.wait_minutes = minutes
        self.last_ok: dt.datetime | None = None
        self.next_at = clock()
        self.last_message = ""

    def due(self) -> bool:
        return self.clock() >= self.next_at

    def run(self) -> PollResult | None:
        """Poll now; None (and ``last_message`` says why) when Binotel did not give the calls."""
        now = self.clock()
        try:
            result = poll_once(self.client, since=self.last_ok, now=now)
        except (BinotelError, BinotelUnavailable) as exc:
            self.wait_minutes = min(max(self.wait_minutes * 2, 1), MAX_BACKOFF_MINUTES)
            self.next_at = now + dt.timedelta(minutes=self.wait_minutes)
            self.last_message = exc.message
            return None
        self.last_ok = now
        self.wait_minutes = self.minutes
        self.next_at = now + dt.timedelta(minutes=self.minutes)
        self.last_message = ""
        return result
