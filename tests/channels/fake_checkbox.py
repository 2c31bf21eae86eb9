"""A fake Checkbox PRRO: a real HTTP server on 127.0.0.1 speaking the documented API.

It checks request bodies against the schemas of the vendor's OpenAPI v0.1.79, kept in
``data/checkbox-openapi-v0.1.79.json`` (see ``data/README.md``), stricter than the service:
unknown fields are refused too, to catch our typos. It records every request, keeps one fiscal
receipt per id for ever, and has switchable failures: down (connection refused), HTTP 500 for
the next N calls, slow answers, receipts DONE only after N polls, and receipts refused with a
422 message. A resent receipt id is answered with HTTP 400
``{"message": ...}``: the spec does not document that answer, so the client must not rely on
its wording (it looks the receipt up instead).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.channels.local_server import LocalServer

SPEC_PATH = Path(__file__).resolve().parent / "data" / "checkbox-openapi-v0.1.79.json"
PREFIX = "/api/v1"
_SPEC: dict | None = None


def spec() -> dict:
    global _SPEC
    if _SPEC is None:
        _SPEC = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return _SPEC


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def validate(schema: dict, value: Any, loc: tuple = ("body",)) -> list[dict]:
    """Errors of ``value`` against an OpenAPI schema, as FastAPI's ``detail`` items."""
    schema = _resolve(schema)
    if "allOf" in schema:
        return [e for part in schema["allOf"] for e in validate(part, value, loc)]
    if "anyOf" in schema:
        tries = [validate(part, value, loc) for part in schema["anyOf"]]
        return [] if any(not t for t in tries) else min(tries, key=len)
    errors: list[dict] = []

    def err(msg: str, kind: str) -> None:
        errors.append({"loc": list(loc), "msg": msg, "type": kind})

    kind = schema.get("type")
    if "enum" in schema and value not in schema["enum"]:
        err(f"value is not a valid enumeration member; permitted: {schema['enum']}", "enum")
    elif kind == "object" or "properties" in schema:
        if not isinstance(value, dict):
            err("value is not a valid dict", "type_error.dict")
            return errors
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(
                    {"loc": [*loc, name], "msg": "field required", "type": "value_error.missing"}
                )
        for name, item in value.items():
            if name not in props:
                errors.append(
                    {"loc": [*loc, name], "msg": "extra field", "type": "value_error.extra"}
                )
            else:
                errors += validate(props[name], item, (*loc, name))
    elif kind == "array":
        if not isinstance(value, list):
            err("value is not a valid list", "type_error.list")
            return errors
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            err(f"ensure this value has at most {schema['maxItems']} items", "value_error")
        for i, item in enumerate(value):
            errors += validate(schema.get("items", {}), item, (*loc, i))
    elif kind == "string":
        if not isinstance(value, str):
            err("str type expected", "type_error.str")
        elif len(value) > schema.get("maxLength", len(value)):
            err(f"ensure this value has at most {schema['maxLength']} characters", "value_error")
        elif schema.get("format") == "uuid":
            try:
                uuid.UUID(value)
            except ValueError:
                err("value is not a valid uuid", "type_error.uuid")
    elif kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            err("value is not a valid integer", "type_error.integer")
    elif kind == "number":
        if not isinstance(value, int | float) or isinstance(value, bool):
            err("value is not a valid number", "type_error.number")
    elif kind == "boolean" and not isinstance(value, bool):
        err("value could not be parsed to a boolean", "type_error.bool")
    return errors


def body_schema(method: str, path: str) -> dict | None:
    op = spec()["paths"][PREFIX + path][method.lower()]
    body = op.get("requestBody")
    return body["content"]["application/json"]["schema"] if body else None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Recorded:
    method: str
    path: str  # without /api/v1
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: Any
    status: int = 0


class ApiError(Exception):
    def __init__(self, status: int, message: str, detail: list | None = None) -> None:
        super().__init__(message)
        self.status, self.body = status, {"message": message}
        if detail is not None:
            self.body["detail"] = detail


@dataclass
class FakeCheckbox(LocalServer):
    url_path = PREFIX

    license_key: str = "test-license-key"
    pin_code: str = "5555"
    # switches
    fail_status: int = 500
    fail_left: int = 0  # the next N requests fail with fail_status
    slow_left: int = 0  # the next N matching requests answer only after slow_seconds
    slow_seconds: float = 5.0
    slow_path: str = "/receipts/sell"
    slow_stores_first: bool = True  # False: the slow request is handled only after the delay
    done_after_polls: int = 0  # a receipt stays CREATED for its first N polls
    shift_polls: int = 1  # a shift stays CREATED/CLOSING for N polls
    refuse_receipts: str = ""  # a 422 message for every POST /receipts/sell while set
    refuse_shift: str = ""  # a shift opening ends CLOSED with this reason
    error_receipts: str = ""  # receipts end in status ERROR with this reason
    # state
    requests: list[Recorded] = field(default_factory=list)
    receipts: dict[str, dict] = field(default_factory=dict)
    created: list[str] = field(default_factory=list)  # receipt ids, once per creation
    shifts: dict[str, dict] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.seen = threading.Condition(self.lock)
        self.init_server()
        self._polls: dict[str, int] = {}
        self._serial = 0

    # --- running -----------------------------------------------------------------------------

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    # --- helpers for tests ---------------------------------------------------------------------

    def calls(self, method: str, path: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    def wait_for(self, method: str, path: str, count: int = 1, timeout: float = 30.0) -> bool:
        """Block until ``count`` such requests have arrived (for the crash test)."""
        with self.seen:
            return self.seen.wait_for(lambda: len(self.calls(method, path)) >= count, timeout)

    def wait_created(self, receipt_id: str, timeout: float = 30.0) -> bool:
        with self.seen:
            return self.seen.wait_for(lambda: receipt_id in self.receipts, timeout)

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def open_shift(self) -> dict | None:
        with self.lock:
            return next((s for s in self.shifts.values() if s["status"] != "CLOSED"), None)

    # --- the API --------------------------------------------------------------------------------

    def handle(self, rec: Recorded) -> tuple[int, Any]:
        with self.lock:
            if self.fail_left > 0:
                self.fail_left -= 1
                return self.fail_status, {"message": "Internal Server Error"}
            if rec.body is _BAD_JSON:
                raise ApiError(422, "Validation error", [{"loc": ["body"], "msg": "bad JSON"}])
            if rec.method == "POST" and rec.path == "/cashier/signinPinCode":
                return self._sign_in(rec)
            auth = rec.headers.get("authorization", "")
            if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
                raise ApiError(401, "Not authenticated")
            for (method, pattern), handler in ROUTES.items():
                params = _match(pattern, rec.path)
                if method == rec.method and params is not None:
                    schema = body_schema(method, pattern)
                    if schema is not None:
                        errors = validate(schema, rec.body if rec.body is not None else {})
                        if errors:
                            raise ApiError(422, "Validation error", errors)
                    return handler(self, rec, **params)
            raise ApiError(404, "Not Found")

    def _need_license(self, rec: Recorded) -> None:
        if rec.headers.get("x-license-key") != self.license_key:
            raise ApiError(403, "Невірний ключ ліцензії каси")

    def _sign_in(self, rec: Recorded) -> tuple[int, Any]:
        self._need_license(rec)
        errors = validate(body_schema("POST", "/cashier/signinPinCode"), rec.body)
        if errors:
            raise ApiError(422, "Validation error", errors)
        if rec.body["pin_code"] != self.pin_code:
            raise ApiError(403, "Невірний пін-код")
        token = uuid.uuid4().hex
        self.tokens.add(token)
        return 200, {"type": "bearer", "token_type": "bearer", "access_token": token}

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def _shift_model(self, shift: dict) -> dict:
        return {k: v for k, v in shift.items() if not k.startswith("_")}

    def cashier_shift(self, rec: Recorded) -> tuple[int, Any]:
        shift = self.open_shift()
        return 200, self._shift_model(shift) if shift else None

    def create_shift(self, rec: Recorded) -> tuple[int, Any]:
        self._need_license(rec)
        if self.open_shift() is not None:
            raise ApiError(400, "Касир вже працює з відкритою зміною")
        sid = rec.body.get("id") or str(uuid.uuid4())
        shift = {
            "id": sid,
            "serial": len(self.shifts) + 1,
            "status": "CREATED",
            "created_at": _now(),
            "taxes": [],
            "cash_register": {
                "id": str(uuid.uuid4()),
                "fiscal_number": "TEST4000000001",
                "active": True,
                "created_at": _now(),
            },
            "cashier": {
                "id": str(uuid.uuid4()),
                "full_name": "Тест Касир",
                "nin": "0000000000",
                "key_id": "test",
                "signature_type": "AGENT",
                "created_at": _now(),
            },
            "initial_transaction": {
                "id": str(uuid.uuid4()),
                "type": "SHIFT_OPEN",
                "serial": 1,
                "status": "CREATED",
            },
            "_polls": 0,
        }
        self.shifts[sid] = shift
        return 202, self._shift_model(shift)

    def get_shift(self, rec: Recorded, shift_id: str) -> tuple[int, Any]:
        shift = self.shifts.get(shift_id)
        if shift is None:
            raise ApiError(404, "Зміну не знайдено")
        shift["_polls"] += 1
        if shift["_polls"] >= self.shift_polls:
            if shift["status"] == "CREATED":
                if self.refuse_shift:
                    shift["status"] = "CLOSED"
                    shift["initial_transaction"]["status"] = "ERROR"
                    shift["initial_transaction"]["response_error_message"] = self.refuse_shift
                else:
                    shift["status"], shift["opened_at"] = "OPENED", _now()
                    shift["initial_transaction"]["status"] = "DONE"
            elif shift["status"] == "CLOSING":
                shift["status"], shift["closed_at"] = "CLOSED", _now()
                shift["z_report"] = self._report(shift["id"], z=True)
        return 200, self._shift_model(shift)

    def list_shifts(self, rec: Recorded) -> tuple[int, Any]:
        statuses = rec.query.get("statuses", [])
        rows = [s for s in self.shifts.values() if not statuses or s["status"] in statuses]
        if rec.query.get("desc", ["false"])[0] == "true":
            rows.reverse()
        limit = int(rec.query.get("limit", ["25"])[0])
        return 200, {
            "meta": {"limit": limit, "offset": 0},
            "results": [self._shift_model(s) for s in rows[:limit]],
        }

    def close_shift(self, rec: Recorded) -> tuple[int, Any]:
        shift = self.open_shift()
        if shift is None or shift["status"] != "OPENED":
            raise ApiError(400, "Зміну не відкрито")
        shift["status"], shift["_polls"] = "CLOSING", 0
        return 202, self._shift_model(shift)

    def _report(self, shift_id: str, *, z: bool) -> dict:
        mine = [
            r
            for r in self.receipts.values()
            if r["shift"]["id"] == shift_id and r["status"] == "DONE"
        ]
        by_type: dict[str, dict] = {}
        for r in mine:
            for p in r["payments"]:
                row = by_type.setdefault(
                    p["type"],
                    {
                        "id": str(uuid.uuid4()),
                        "type": p["type"],
                        "label": p["type"],
                        "sell_sum": 0,
                        "return_sum": 0,
                        "service_in": 0,
                        "service_out": 0,
                        "cash_withdrawal": 0,
                        "cash_withdrawal_commission": 0,
                    },
                )
                key = {"SELL": "sell_sum", "RETURN": "return_sum"}.get(r["type"])
                if key:
                    row[key] += p["value"]
                elif p["value"] >= 0:
                    row["service_in"] += p["value"]
                else:
                    row["service_out"] -= p["value"]
        cash = by_type.get("CASH", {})
        balance = (
            cash.get("sell_sum", 0)
            - cash.get("return_sum", 0)
            + cash.get("service_in", 0)
            - cash.get("service_out", 0)
        )
        return {
            "id": str(uuid.uuid4()),
            "serial": self._next_serial(),
            "is_z_report": z,
            "payments": list(by_type.values()),
            "taxes": [],
            "sell_receipts_count": sum(r["type"] == "SELL" for r in mine),
            "return_receipts_count": sum(r["type"] == "RETURN" for r in mine),
            "cash_withdrawal_receipts_count": 0,
            "transfers_count": 0,
            "transfers_sum": 0,
            "balance": balance,
            "initial": 0,
            "created_at": _now(),
        }

    def x_report(self, rec: Recorded) -> tuple[int, Any]:
        shift = self.open_shift()
        if shift is None or shift["status"] != "OPENED":
            raise ApiError(400, "Зміну не відкрито")
        return 201, self._report(shift["id"], z=False)

    def _new_receipt(self, rid: str, kind: str, body: dict, goods: list, total: int) -> dict:
        shift = self.open_shift()
        if shift is None or shift["status"] != "OPENED":
            raise ApiError(400, "Зміну не відкрито")
        if rid in self.receipts:
            raise ApiError(400, f"Чек з ідентифікатором {rid} вже існує")
        paid = sum(p["value"] for p in body.get("payments", []))
        receipt = {
            "id": rid,
            "type": kind,
            "serial": self._next_serial(),
            "status": "CREATED",
            "goods": goods,
            "payments": body.get("payments", []),
            "total_sum": total,
            "total_payment": paid,
            "total_rest": max(0, paid - total) if kind in ("SELL", "RETURN") else 0,
            "created_at": _now(),
            "taxes": [],
            "shift": self._shift_model(shift),
            "related_receipt_id": body.get("related_receipt_id"),
            "transaction": {
                "id": str(uuid.uuid4()),
                "type": "RECEIPT",
                "serial": 1,
                "status": "CREATED",
            },
        }
        self.receipts[rid] = receipt
        self.created.append(rid)
        self._polls[rid] = 0
        return receipt

    def sell(self, rec: Recorded) -> tuple[int, Any]:
        body = rec.body
        if self.refuse_receipts:
            raise ApiError(
                422,
                self.refuse_receipts,
                [{"loc": ["body", "goods"], "msg": self.refuse_receipts, "type": "value_error"}],
            )
        if not body["goods"]:
            raise ApiError(400, "Чек не містить товарів")
        returns = {bool(g.get("is_return")) for g in body["goods"]}
        if len(returns) > 1:
            raise ApiError(400, "Чек не може містити продаж і повернення водночас")
        is_return = returns == {True}
        related = body.get("related_receipt_id")
        if related and related not in self.receipts:
            raise ApiError(400, f"Чек {related} не знайдено")
        goods, total = [], 0
        for g in body["goods"]:
            line = _half_up(Decimal(g["good"]["price"]) * g["quantity"] / 1000)
            for d in g.get("discounts", []):
                amount = (
                    d["value"]
                    if d["mode"] == "VALUE"
                    else _half_up(Decimal(str(d["value"])) * line / 100)
                )
                line += -amount if d["type"] == "DISCOUNT" else amount
            if line < 0:
                raise ApiError(400, "Знижка більша за суму товару")
            total += line
            goods.append(
                {
                    "good": g["good"],
                    "sum": line,
                    "quantity": g["quantity"],
                    "is_return": is_return,
                    "taxes": [],
                    "discounts": g.get("discounts", []),
                }
            )
        for d in body.get("discounts", []):
            total -= d["value"] if d["type"] == "DISCOUNT" else -d["value"]
        paid = sum(p["value"] for p in body.get("payments", []))
        tolerance = 9 if body.get("rounding") else 0
        if paid < total - tolerance:
            raise ApiError(400, f"Сума оплат {paid} менша за суму чека {total}")
        if paid > total + tolerance and not any(
            p.get("type", "CASH") == "CASH" for p in body.get("payments", [])
        ):
            raise ApiError(400, f"Безготівкова оплата {paid} більша за суму чека {total}")
        rid = body.get("id") or str(uuid.uuid4())
        receipt = self._new_receipt(rid, "RETURN" if is_return else "SELL", body, goods, total)
        return 201, receipt

    def service(self, rec: Recorded) -> tuple[int, Any]:
        body = rec.body
        rid = body.get("id") or str(uuid.uuid4())
        value = body["payment"]["value"]
        kind = "SERVICE_IN" if value >= 0 else "SERVICE_OUT"
        receipt = self._new_receipt(rid, kind, {"payments": [body["payment"]]}, [], value)
        return 201, receipt

    def get_receipt(self, rec: Recorded, receipt_id: str) -> tuple[int, Any]:
        receipt = self.receipts.get(receipt_id)
        if receipt is None:
            raise ApiError(404, "Чек не знайдено")
        self._polls[receipt_id] += 1
        if receipt["status"] == "CREATED" and self._polls[receipt_id] > self.done_after_polls:
            if self.error_receipts:
                receipt["status"] = "ERROR"
                receipt["transaction"]["status"] = "ERROR"
                receipt["transaction"]["response_error_message"] = self.error_receipts
            else:
                receipt["status"] = "DONE"
                receipt["fiscal_code"] = f"TEST-{receipt['serial']:06d}"
                receipt["fiscal_date"] = _now()
                receipt["transaction"]["status"] = "DONE"
        return 200, receipt


ROUTES = {
    ("GET", "/cashier/shift"): FakeCheckbox.cashier_shift,
    ("POST", "/shifts"): FakeCheckbox.create_shift,
    ("GET", "/shifts"): FakeCheckbox.list_shifts,
    ("POST", "/shifts/close"): FakeCheckbox.close_shift,
    ("GET", "/shifts/{shift_id}"): FakeCheckbox.get_shift,
    ("POST", "/reports"): FakeCheckbox.x_report,
    ("POST", "/receipts/sell"): FakeCheckbox.sell,
    ("POST", "/receipts/service"): FakeCheckbox.service,
    ("GET", "/receipts/{receipt_id}"): FakeCheckbox.get_receipt,
}

_BAD_JSON = object()


def _match(pattern: str, path: str) -> dict[str, str] | None:
    want, have = pattern.strip("/").split("/"), path.strip("/").split("/")
    if len(want) != len(have):
        return None
    params = {}
    for w, h in zip(want, have, strict=True):
        if w.startswith("{"):
            params[w[1:-1]] = h
        elif w != h:
            return None
    return params


class _Handler(BaseHTTPRequestHandler):
    fake: FakeCheckbox

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        fake = self.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = _BAD_JSON
        path = parts.path[len(PREFIX) :] if parts.path.startswith(PREFIX) else parts.path
        rec = Recorded(
            method,
            path,
            parse_qs(parts.query),
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        with fake.seen:
            fake.requests.append(rec)
            fake.seen.notify_all()
            slow = fake.slow_left > 0 and path == fake.slow_path and method == "POST"
            if slow:
                fake.slow_left -= 1
        if slow and not fake.slow_stores_first:
            fake.release.wait(fake.slow_seconds)
        try:
            status, answer = fake.handle(rec)
        except ApiError as exc:
            status, answer = exc.status, exc.body
        rec.status = status
        with fake.seen:
            fake.seen.notify_all()
        if (
            slow and fake.slow_stores_first
        ):  # done and stored, but the answer comes late (or never, to a killed client)
            fake.release.wait(fake.slow_seconds)
        data = json.dumps(answer, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass
