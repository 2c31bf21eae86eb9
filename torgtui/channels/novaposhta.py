"""Nova Poshta API v2.0: waybill (TTN) status with the parties' names, settlements, branches.

A small httpx client of our own rather than ``novaposhta-python-client`` (0.1.14). That client
does take an endpoint URL and a timeout and returns the raw envelope, but it reads
``response.json()`` without looking at the HTTP status (a 502 page from a proxy becomes a
``JSONDecodeError``), lets timeouts and refused connections out as bare httpx exceptions,
cannot take an httpx transport, and pins ``certifi>=2026.10``, ``h11<0.17`` and ``anyio>=4.14``
under our own httpx. We call four methods of one JSON envelope, so it costs more than it gives.

Every call is one POST of ``{apiKey, modelName, calledMethod, methodProperties}``; the answer is
``{success, data[], errors[], warnings[], info, errorCodes...}``. An outage (refused, timeout,
5xx, an answer that is not the envelope) raises :class:`NovaPoshtaUnavailable`; a refusal
(``success: false``) raises :class:`NovaPoshtaError` with the service's own words. Values come
as strings more often than not: callers read them with :func:`text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Any

import httpx

from torgtui.errors import TorgError
from torgtui.i18n import _

DEFAULT_URL = "https://api.novaposhta.ua/v2.0/json/"
MAX_WAREHOUSES = 500  # the API's own limit per page
MAX_SETTLEMENTS = 500
REF = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


class NovaPoshtaUnavailable(TorgError):
    """Nova Poshta did not answer usefully (down, slow, 5xx): try again later."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            _("Nova Poshta does not answer: try again later; the customer can be added by hand.")
        )
        self.detail = detail  # for the log, not for the cashier


class NovaPoshtaError(TorgError):
    """Nova Poshta refused the request (``success: false``); ``errors`` are its own words."""

    def __init__(self, errors: list[str], codes: list[str] | None = None) -> None:
        reason = "; ".join(errors) or _("no reason given")
        if any(k in reason.casefold() for k in ("api key", "apikey", "auth")):
            message = _(
                "Nova Poshta refused the request: {reason}. Check the Nova Poshta API key in "
                "the settings (customers, novaposhta_key)."
            ).format(reason=reason)
        else:
            message = _("Nova Poshta refused the request: {reason}.").format(reason=reason)
        super().__init__(message)
        self.errors = errors
        self.codes = codes or []


def text(value: Any) -> str:
    """A field of an answer as clean text: None and lists become "", numbers become digits."""
    if value is None or isinstance(value, list | dict | bool):
        return ""
    return " ".join(str(value).split())


def number(value: Any, default: int = 0) -> int:
    """A count or code that may come as "12", "12.0", 12 or garbage."""
    try:
        return int(Decimal(text(value)))
    except (InvalidOperation, ValueError, OverflowError):  # "", "abc", "NaN", "Infinity"
        return default


def _messages(value: Any) -> list[str]:
    """``errors`` / ``errorCodes`` come as a list of strings, a dict of code -> text, or text."""
    if isinstance(value, dict):
        return [text(v) for v in value.values() if text(v)]
    if isinstance(value, list):
        return [text(v) for v in value if text(v)]
    return [text(value)] if text(value) else []


def _records(data: Any) -> list[dict[str, Any]]:
    return [row for row in data if isinstance(row, dict)] if isinstance(data, list) else []


class NovaPoshtaClient:
    """One API key against one endpoint (the real one, or a fake in tests)."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_URL,
        timeout: float = 10,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api_key = api_key or ""  # tracking works without a key; lookups need one
        self.url = base_url
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> NovaPoshtaClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def call(self, model: str, method: str, properties: dict[str, Any]) -> list[dict[str, Any]]:
        """One API method; returns ``data`` (the records), raises on outage or refusal."""
        body = {
            "apiKey": self.api_key,
            "modelName": model,
            "calledMethod": method,
            "methodProperties": properties,
        }
        try:
            response = self._http.post(self.url, json=body)
        except httpx.HTTPError as exc:  # refused, timeout, reset, bad TLS...
            raise NovaPoshtaUnavailable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise NovaPoshtaUnavailable(f"HTTP {response.status_code}")
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or "success" not in envelope:
            if response.status_code >= 400:
                raise NovaPoshtaError([f"HTTP {response.status_code}"])
            raise NovaPoshtaUnavailable(f"not the API envelope (HTTP {response.status_code})")
        success = envelope.get("success")
        if success is not True and text(success).casefold() not in ("true", "1"):
            raise NovaPoshtaError(
                _messages(envelope.get("errors")) or [f"HTTP {response.status_code}"],
                _messages(envelope.get("errorCodes")),
            )
        return _records(envelope.get("data"))

    def status_documents(self, documents: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
        """``TrackingDocument.getStatusDocuments`` for (waybill number, phone) pairs.

        With a phone of the sender or the recipient the records carry both parties' names and
        phones; with another phone (or none) the service leaves those fields out.
        """
        docs = [{"DocumentNumber": ttn, "Phone": phone or ""} for ttn, phone in documents]
        return self.call("TrackingDocument", "getStatusDocuments", {"Documents": docs})

    def search_settlements(self, name: str, limit: int = 20) -> list[dict[str, Any]]:
        """``Address.searchSettlements``: the matching settlements (``Present``,
        ``MainDescription``, ``DeliveryCity`` = the city ref for branches...)."""
        limit = max(1, min(int(limit), MAX_SETTLEMENTS))
        data = self.call(
            "Address",
            "searchSettlements",
            {"CityName": name.strip(), "Limit": str(limit), "Page": "1"},
        )
        found: list[dict[str, Any]] = []
        for page in data:  # data is [{TotalCount, Addresses: [...]}]
            found.extend(_records(page.get("Addresses")))
        return found[:limit]

    def warehouses(
        self, city_ref_or_name: str, find: str = "", limit: int = 50
    ) -> list[dict[str, Any]]:
        """``Address.getWarehouses`` of a city given by its ref (a UUID) or its name, narrowed
        by ``find`` (a branch number or part of the address)."""
        city = city_ref_or_name.strip()
        limit = max(1, min(int(limit), MAX_WAREHOUSES))
        properties: dict[str, Any] = {"Page": "1", "Limit": str(limit)}
        properties["CityRef" if REF.match(city) else "CityName"] = city
        if find.strip():
            properties["FindByString"] = find.strip()
        return self.call("Address", "getWarehouses", properties)[:limit]

    def save_internet_document(self, properties: dict[str, Any]) -> dict[str, Any]:
        """``InternetDocument.save``: make a waybill (express waybill, "ЕН"). Returns its record
        (``IntDocNumber`` = the waybill number, ``Ref``, ``CostOnSite``,
        ``EstimatedDeliveryDate``); an answer without a number counts as an outage, since
        nothing says a waybill was made."""
        data = self.call("InternetDocument", "save", properties)
        if not data or not text(data[0].get("IntDocNumber")):
            raise NovaPoshtaUnavailable("InternetDocument.save answered without IntDocNumber")
        return data[0]


def client_from_settings(settings: Any, *, timeout: float = 10) -> NovaPoshtaClient:
    """A client from ``Settings.customers`` (``novaposhta_url``, ``novaposhta_key``)."""
    customers = settings.customers
    return NovaPoshtaClient(
        customers.novaposhta_key, base_url=customers.novaposhta_url, timeout=timeout
    )


__all__ = [
    "DEFAULT_URL",
    "NovaPoshtaClient",
    "NovaPoshtaError",
    "NovaPoshtaUnavailable",
    "client_from_settings",
    "number",
    "text",
]
