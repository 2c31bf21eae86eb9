"""The Checkbox cloud PRRO (``https://api.checkbox.ua/api/v1``) as a fiscal unit.

A small httpx client of our own rather than ``checkbox-sdk`` (1.6.0): we use nine endpoints
with plain JSON bodies, and the SDK would cost more than it gives here. Its transport always
rate-limits with ``time.sleep`` and its ``wait_status`` polls with ``time.sleep`` too, so
neither can take an injected sleep; it turns timeouts, refused connections and 5xx answers
into one ``CheckBoxError``, while we must tell "not delivered" from "delivered, answer lost"
to keep receipts exactly-once; and it pins ``httpx<0.29`` and adds ``pyjwt``.

Exactly once: every receipt is sent with our own ``id`` (the receipt's UUID). When a POST is
refused (e.g. "id already exists") or its outcome is unknown (timeout, dropped connection, 5xx)
the receipt is looked up with GET ``/receipts/{id}`` and followed from its status, so a resend
never makes a second fiscal receipt. Outages raise ``FiscalError(retryable=True)``; refusals
raise it with ``retryable=False`` and the service's message in words.
"""

from __future__ import annotations

import math
import time
import uuid as uuidlib
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from torgtui import __version__
from torgtui.hw.fiscal.base import FiscalError, FiscalReceipt, FiscalResult
from torgtui.hw.fiscal.tenders import LABELS
from torgtui.i18n import _

DEFAULT_URL = "https://api.checkbox.ua/api/v1"
# Our tax group letter -> the tax code set up for the organisation in the Checkbox cabinet.
DEFAULT_TAX_CODES: Mapping[str, int | str] = {"A": 1, "B": 2, "C": 3}
PAYMENT_TYPES = {
    "cash": "CASH",
    "card": "CARD",
    "cashless": "CASHLESS",
    "credit": "CASHLESS",
    "prepayment": "CASHLESS",
    "certificate": "CASHLESS",
}
RETRYABLE_4XX = {408, 409, 423, 425, 429}


class _OutcomeUnknown(FiscalError):
    """The request may have reached Checkbox but its answer was lost (timeout, 5xx)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


class _Refused(FiscalError):
    """Checkbox answered with a 4xx: it did not do what was asked."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message, retryable=status in RETRYABLE_4XX)
        self.status = status


def error_reason(response: httpx.Response) -> str:
    """The service's ``message`` and validation ``detail`` of an error answer, in words."""
    try:
        body = response.json()
    except ValueError:
        text = " ".join(response.text.split())[:200]
        return f"HTTP {response.status_code}" + (f": {text}" if text else "")
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}: {body}"
    parts = []
    message = str(body.get("message") or "").strip()
    if message:
        parts.append(message)
    detail = body.get("detail")
    if isinstance(detail, str) and detail.strip() and detail.strip() != message:
        parts.append(detail.strip())
    elif isinstance(detail, list):
        for item in detail:
            if not isinstance(item, dict):
                continue
            loc = ".".join(str(x) for x in item.get("loc", []) if x != "body")
            msg = str(item.get("msg", "")).strip()
            parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or f"HTTP {response.status_code}"


class CheckboxUnit:
    """Checkbox PRRO over its REST API: a cashier signed in by PIN on one cash register."""

    name = "checkbox"

    def __init__(
        self,
        base_url: str,
        license_key: str,
        pin_code: str,
        *,
        client_name: str = "torgtui",
        client_version: str = __version__,
        timeout: float = 15.0,
        poll_interval: float = 0.75,
        poll_timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        tax_codes: Mapping[str, int | str] = DEFAULT_TAX_CODES,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = (base_url or DEFAULT_URL).rstrip("/")
        self.license_key = license_key
        self.pin_code = pin_code
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.poll_timeout = poll_timeout
        self.tax_codes = dict(tax_codes)
        self._sleep = sleep
        self._token: str | None = None
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            headers={
                "X-Client-Name": client_name,
                "X-Client-Version": client_version,
                "X-License-Key": license_key,
                "Accept": "application/json",
            },
        )

    # --- HTTP ------------------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request; transport failures become retryable FiscalErrors."""
        try:
            return self._http.request(method, path, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
            raise FiscalError(
                _(
                    "Checkbox cannot be reached ({detail}): receipts are kept and sent when "
                    "the connection is back."
                ).format(detail=exc.__class__.__name__),
                retryable=True,
            ) from None
        except httpx.TimeoutException:
            raise _OutcomeUnknown(
                _(
                    "Checkbox did not answer within {seconds} s: the document is kept, "
                    "checked and sent again."
                ).format(seconds=f"{self.timeout:g}")
            ) from None
        except httpx.TransportError as exc:
            raise _OutcomeUnknown(
                _("The connection to Checkbox broke ({detail}): the document is kept.").format(
                    detail=exc.__class__.__name__
                )
            ) from None

    def _sign_in(self) -> str:
        response = self._send("POST", "/cashier/signinPinCode", json={"pin_code": self.pin_code})
        if response.status_code in (401, 403):
            raise FiscalError(
                _(
                    "Checkbox refused the cashier PIN or the cash register licence key "
                    "({reason}): check devices.checkbox_pin and devices.checkbox_license_key."
                ).format(reason=error_reason(response)),
                retryable=False,
            )
        body = self._check(response, _("the cashier sign-in"))
        token = body.get("access_token") if isinstance(body, dict) else None
        if not token:
            raise FiscalError(_("Checkbox sent no access token at sign-in."), retryable=True)
        self._token = str(token)
        return self._token

    def _call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """An authorised call (signing in when needed, again once on 401); the JSON answer."""
        for attempt in (1, 2):
            token = self._token or self._sign_in()
            response = self._send(
                method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs
            )
            if response.status_code == 401 and attempt == 1:
                self._token = None
                continue
            return self._check(response, what)
        raise AssertionError("unreachable")  # pragma: no cover

    def _check(self, response: httpx.Response, what: str) -> Any:
        status = response.status_code
        if status >= 500:
            raise _OutcomeUnknown(
                _(
                    "Checkbox has a server error (HTTP {status}) on {what}: the document is "
                    "kept and sent again later."
                ).format(status=status, what=what)
            )
        if status >= 400:
            raise _Refused(
                _("Checkbox refused {what}: {reason}.").format(
                    what=what, reason=error_reason(response)
                ),
                status,
            )
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise _OutcomeUnknown(
                _("Checkbox sent an unreadable answer on {what}.").format(what=what)
            ) from None

    def _poll(self, path: str, finals: set[str], what: str, body: dict) -> dict:
        """Follow ``body`` (an object with a ``status``) until it reaches one of ``finals``."""
        polls = max(1, math.ceil(self.poll_timeout / self.poll_interval))
        for _i in range(polls):
            if body.get("status") in finals:
                return body
            self._sleep(self.poll_interval)
            body = self._call("GET", path, what)
        if body.get("status") in finals:
            return body
        raise FiscalError(
            _(
                "Checkbox has not finished {what} yet (status {status}): it is checked again "
                "on the next try."
            ).format(what=what, status=body.get("status")),
            retryable=True,
        )

    # --- receipts --------------------------------------------------------------------------

    def _lookup_receipt(self, receipt_id: str, what: str) -> dict | None:
        """The receipt Checkbox holds under ``receipt_id``; None if it has none."""
        try:
            body = self._call("GET", f"/receipts/{receipt_id}", what)
        except _Refused as exc:
            if exc.status in (404, 422):
                return None
            raise
        return body if isinstance(body, dict) else None

    def _fiscalise(self, path: str, payload: dict, what: str) -> FiscalResult:
        """POST a receipt with our own id, recover its state if that is unclear, poll to DONE."""
        receipt_id = payload["id"]
        try:
            body = self._call("POST", path, what, json=payload)
        except (_OutcomeUnknown, _Refused) as exc:
            found = self._lookup_receipt(receipt_id, what)
            if found is not None:
                body = found
            elif isinstance(exc, _Refused) and self._active_shift() is None:
                # Checkbox closed its shift (they last 24 h at most) or never had one: open
                # it, as the cashier's shift is open here, and send the receipt once more
                self.open_shift()
                body = self._call("POST", path, what, json=payload)
            else:
                raise exc from None
        if not isinstance(body, dict) or "status" not in body:
            raise FiscalError(
                _("Checkbox sent an unreadable answer on {what}.").format(what=what),
                retryable=True,
            )
        body = self._poll(f"/receipts/{receipt_id}", {"DONE", "ERROR", "CANCELLED"}, what, body)
        if body["status"] != "DONE":
            transaction = body.get("transaction") or {}
            reason = transaction.get("response_error_message") or body["status"]
            raise FiscalError(
                _(
                    "Checkbox could not fiscalise {what}: {reason}. Check it and retry it from "
                    "the fiscal queue."
                ).format(what=what, reason=reason),
                retryable=False,
            )
        return FiscalResult(
            fiscal_code=str(body.get("fiscal_code") or ""),
            remote_id=str(body.get("id") or receipt_id),
            extra={"serial": body.get("serial"), "tax_url": body.get("tax_url", "")},
        )

    def _tax(self, group: str) -> int | str | None:
        if not group:
            return None
        if group not in self.tax_codes:
            raise FiscalError(
                _(
                    "Tax group {group} has no Checkbox tax code (known: {known}): set the "
                    "product's tax group or the Checkbox tax codes."
                ).format(group=group, known=", ".join(sorted(self.tax_codes))),
                retryable=False,
            )
        return self.tax_codes[group]

    def sell_payload(self, doc: FiscalReceipt) -> dict:
        """The body of POST /receipts/sell for ``doc`` (a sale or a return)."""
        goods = []
        for line in doc.lines:
            good: dict[str, Any] = {"code": line.code, "name": line.name, "price": line.price}
            if line.barcode:
                good["barcode"] = line.barcode
            tax = self._tax(line.tax_group)
            if tax is not None:
                good["tax"] = [tax]
            item: dict[str, Any] = {"good": good, "quantity": line.qty}
            if doc.kind == "return":
                item["is_return"] = True
            if line.discount:
                kind = "DISCOUNT" if line.discount > 0 else "EXTRA_CHARGE"
                item["discounts"] = [{"type": kind, "mode": "VALUE", "value": abs(line.discount)}]
            goods.append(item)
        payments = []
        for tender, amount in doc.payments:
            if tender not in PAYMENT_TYPES:
                raise FiscalError(
                    _("Payments by {tender} cannot be sent to Checkbox.").format(tender=tender),
                    retryable=False,
                )
            payment: dict[str, Any] = {"type": PAYMENT_TYPES[tender], "value": amount}
            if tender in LABELS:  # see torgtui.hw.fiscal.tenders
                payment["label"] = LABELS[tender]
            payments.append(payment)
        payload: dict[str, Any] = {"id": doc.uuid, "goods": goods, "payments": payments}
        if doc.rounding:
            payload["rounding"] = True
        if doc.header:
            payload["header"] = doc.header
        if doc.footer:
            payload["footer"] = doc.footer
        if doc.related_uuid:
            payload["related_receipt_id"] = doc.related_uuid
        return payload

    def receipt(self, doc: FiscalReceipt) -> FiscalResult:
        what = (_("return receipt {n}") if doc.kind == "return" else _("receipt {n}")).format(
            n=doc.number
        )
        return self._fiscalise("/receipts/sell", self.sell_payload(doc), what)

    def service(self, amount: int, *, uuid: str = "") -> FiscalResult:
        """Cash in (``amount`` > 0) or out (< 0) as a service receipt, idempotent by ``uuid``."""
        what = _("the cash in") if amount > 0 else _("the cash out")
        payload = {
            "id": uuid or str(uuidlib.uuid4()),
            "payment": {"type": "CASH", "value": amount},
        }
        return self._fiscalise("/receipts/service", payload, what)

    # --- shifts and reports ----------------------------------------------------------------

    def _active_shift(self) -> dict | None:
        body = self._call("GET", "/cashier/shift", _("the shift check"))
        return body if isinstance(body, dict) and body.get("id") else None

    def open_shift(self) -> FiscalResult:
        what = _("the shift opening")
        shift = self._active_shift()  # a resend after a crash finds the shift already there
        if shift is None or shift.get("status") == "CLOSED":
            shift = self._call("POST", "/shifts", what, json={})
        if shift.get("status") == "CLOSING":
            raise FiscalError(
                _("The Checkbox shift is still closing: the opening is tried again."),
                retryable=True,
            )
        shift = self._poll(f"/shifts/{shift['id']}", {"OPENED", "CLOSED"}, what, shift)
        if shift["status"] != "OPENED":
            transaction = shift.get("initial_transaction") or {}
            reason = transaction.get("response_error_message") or _("no reason given")
            raise FiscalError(
                _("Checkbox could not open the shift: {reason}.").format(reason=reason),
                retryable=False,
            )
        return FiscalResult(fiscal_code=str(shift.get("serial", "")), remote_id=shift["id"])

    def close_shift(self) -> FiscalResult:
        """Close the shift; ``extra["z_report"]`` is Checkbox's Z report."""
        what = _("the shift closing (Z report)")
        shift = self._active_shift()
        if shift is None:  # closed already, e.g. by a send whose answer was lost
            page = self._call(
                "GET",
                "/shifts",
                what,
                params={"statuses": "CLOSED", "desc": "true", "limit": 1},
            )
            results = (page or {}).get("results") or []
            if not results:  # Checkbox never had a shift here: nothing to close or report
                return FiscalResult(fiscal_code="", extra={"z_report": {}})
            shift = results[0]
        elif shift.get("status") != "CLOSING":
            shift = self._call("POST", "/shifts/close", what, json={})
        shift = self._poll(f"/shifts/{shift['id']}", {"CLOSED"}, what, shift)
        z_report = shift.get("z_report") or {}
        return FiscalResult(
            fiscal_code=str(z_report.get("serial", shift.get("serial", ""))),
            remote_id=shift["id"],
            extra={"z_report": z_report},
        )

    def x_report(self) -> FiscalResult:
        report = self._call("POST", "/reports", _("the X report")) or {}
        return FiscalResult(
            fiscal_code=str(report.get("serial", "")),
            remote_id=str(report.get("id", "")),
            extra={"x_report": report},
        )

    def close(self) -> None:
        self._http.close()
