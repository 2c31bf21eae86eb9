"""A fake Nova Poshta API v2.0: a real HTTP server on 127.0.0.1 speaking the JSON envelope.

POST ``/v2.0/json/`` ``{apiKey, modelName, calledMethod, methodProperties}`` ->
``{success, data[], errors[], warnings[], info[], messageCodes[], errorCodes[], warningCodes[],
infoCodes[]}``, always HTTP 200 as the service does. It knows a few waybills, with values as
strings and the field names of ``TrackingDocument.getStatusDocuments``; like the service it
shows the parties' names and phones only to a request that gives the sender's or the
recipient's phone, and answers an unknown number with StatusCode "3" "Номер не знайдено"
(still ``success: true``). ``searchSettlements`` and ``getWarehouses`` serve two cities;
``InternetDocument.save`` makes a waybill (the documented "NewAddress" form or recipient
refs), refusing what the service would (a field empty, a branch the city does not have), and
tracks it from then on.
Switches: ``go_down()`` (connection refused), ``fail_left`` (HTTP 500), ``slow_left`` (answers
after ``slow_seconds``), ``refuse`` (``success: false`` with those words); a wrong key is
refused too (tracking is anonymous on the service: set ``key_for_tracking=False`` for that).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.channels.local_server import LocalServer

PATH = "/v2.0/json/"
KYIV_REF = "8d5a980d-391c-11dd-90d9-001a92567626"
LVIV_REF = "db5c88f5-391c-11dd-90d9-001a92567626"
BAD_KEY = "API key is invalid"  # what the service says is not documented: any words will do

# Fields the service leaves out unless the request gives the sender's or the recipient's phone.
PERSONAL = (
    "SenderFullNameEW",
    "PhoneSender",
    "RecipientFullName",
    "RecipientFullNameEW",
    "PhoneRecipient",
    "SenderAddress",
    "RecipientAddress",
    "CounterpartySenderDescription",
    "CounterpartyRecipientDescription",
)


def waybill(number: str, **fields: str) -> dict[str, str]:
    """A waybill record as getStatusDocuments returns it (a subset of its ~130 keys)."""
    record = {
        "Number": number,
        "StatusCode": "7",
        "Status": "Прибув у відділення",
        "DateCreated": "18-11-2026 12:04:10",
        "ScheduledDeliveryDate": "20-11-2026 13:00:00",
        "ServiceType": "WarehouseWarehouse",
        "CargoType": "Parcel",
        "DocumentWeight": "0.5",
        "DocumentCost": "70",
        "AnnouncedPrice": "1250",
        "PayerType": "Recipient",
        "CitySender": "Київ",
        "WarehouseSender": "Відділення №1: вул. Пирогівський шлях, 135",
        "SenderAddress": "м. Київ, Відділення №1: вул. Пирогівський шлях, 135",
        "CityRecipient": "Львів",
        "WarehouseRecipient": "Відділення №15 (до 30 кг на одне місце): вул. Городоцька, 20",
        "WarehouseRecipientNumber": "15",
        "RecipientAddress": (
            "м. Львів, Відділення №15 (до 30 кг на одне місце), вул. Городоцька, 20"
        ),
        "RefCityRecipient": LVIV_REF,
        "RefCitySender": KYIV_REF,
        "CounterpartySenderDescription": "Приватна особа",
        "CounterpartyRecipientDescription": "Приватна особа",
        "CounterpartyType": "PrivatePerson",
    }
    record.update(fields)
    return record


def default_waybills() -> dict[str, dict[str, str]]:
    return {
        # a customer in Lviv who sent a parcel to a friend in Kyiv
        "20450000001234": waybill(
            "20450000001234",
            SenderFullNameEW="Шевченко Тарас Григорович",
            PhoneSender="380671234567",
            CitySender="Львів",
            WarehouseSender="Відділення №15 (до 30 кг на одне місце): вул. Городоцька, 20",
            RecipientFullName="Коваленко Олена",
            RecipientFullNameEW="Коваленко Олена",
            PhoneRecipient="380501112233",
            CityRecipient="Київ",
            WarehouseRecipient="Відділення №5: вул. Хрещатик, 22",
        ),
        # a shop (a business sender, a 59... number) sent to a customer's parcel locker
        "59000123456789": waybill(
            "59000123456789",
            SenderFullNameEW="Квітка ФОП",
            CounterpartySenderDescription="ФОП Квітка Марія Петрівна",
            PhoneSender="380441234567",
            RecipientFullName="",
            RecipientFullNameEW="Іваненко Іван",
            PhoneRecipient="380931234567",
            CityRecipient="Київ",
            WarehouseRecipient='Поштомат "Нова Пошта" №3012: вул. Антоновича, 50',
        ),
    }


def settlements() -> list[dict[str, Any]]:
    return [
        {
            "Present": "м. Київ, Київська обл.",
            "Warehouses": 2,
            "MainDescription": "Київ",
            "Area": "Київська",
            "Region": "",
            "SettlementTypeCode": "м.",
            "Ref": "e718a680-4b33-11e4-ab6d-005056801329",
            "DeliveryCity": KYIV_REF,
        },
        {
            "Present": "м. Львів, Львівська обл.",
            "Warehouses": 1,
            "MainDescription": "Львів",
            "Area": "Львівська",
            "Region": "",
            "SettlementTypeCode": "м.",
            "Ref": "e71abb60-4b33-11e4-ab6d-005056801329",
            "DeliveryCity": LVIV_REF,
        },
    ]


def warehouses() -> list[dict[str, str]]:
    def branch(city: str, ref: str, n: str, address: str) -> dict[str, str]:
        return {
            "Description": f"Відділення №{n}: {address}",
            "ShortAddress": f"{city}, {address}",
            "Number": n,
            "CityRef": ref,
            "CityDescription": city,
            "Ref": f"00000000-0000-0000-0000-{int(n):012d}",
            "TotalMaxWeightAllowed": "30",
        }

    return [
        branch("Київ", KYIV_REF, "1", "вул. Пирогівський шлях, 135"),
        branch("Київ", KYIV_REF, "5", "вул. Хрещатик, 22"),
        branch("Львів", LVIV_REF, "15", "вул. Городоцька, 20"),
    ]


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


@dataclass
class FakeNovaPoshta(LocalServer):
    url_path = PATH

    api_key: str = "test-np-key"
    key_for_tracking: bool = True
    waybills: dict[str, dict[str, str]] = field(default_factory=default_waybills)
    # switches
    fail_left: int = 0  # the next N requests answer HTTP 500
    slow_left: int = 0  # the next N requests answer after slow_seconds
    slow_seconds: float = 3.0
    # success: false with these errors (a list of words, or a dict of code -> words)
    refuse: list[str] | dict[str, str] = field(default_factory=list)
    # what arrived
    requests: list[dict[str, Any]] = field(default_factory=list)
    saved: int = 0  # waybills made by InternetDocument.save

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.init_server()

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _Handler

    def calls(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r.get("calledMethod") == method]

    # --- the API ---------------------------------------------------------------------------

    def handle(self, body: Any) -> tuple[int, Any]:
        with self.lock:
            self.requests.append(body if isinstance(body, dict) else {"raw": body})
            if self.fail_left > 0:
                self.fail_left -= 1
                return 500, "<html><body><h1>500 Internal Server Error</h1></body></html>"
            slow = self.slow_left > 0
            if slow:
                self.slow_left -= 1
        if slow:
            self.release.wait(self.slow_seconds)
        if not isinstance(body, dict):
            return 200, envelope(errors=["Invalid JSON"], codes=["20000900746"])
        if self.refuse:
            return 200, envelope(errors=self.refuse)
        model, method = body.get("modelName"), body.get("calledMethod")
        props = body.get("methodProperties") or {}
        anonymous = model == "TrackingDocument" and not self.key_for_tracking
        if not anonymous and body.get("apiKey") != self.api_key:
            return 200, envelope(errors=[BAD_KEY], codes=["20000200068"])
        if (model, method) == ("TrackingDocument", "getStatusDocuments"):
            return 200, envelope(data=self.status_documents(props))
        if (model, method) == ("Address", "searchSettlements"):
            return 200, envelope(data=self.search_settlements(props))
        if (model, method) == ("Address", "getWarehouses"):
            return 200, envelope(data=self.get_warehouses(props))
        if (model, method) == ("InternetDocument", "save"):
            errors = save_errors(props)
            if errors:
                return 200, envelope(errors=errors)
            return 200, envelope(data=[self.save_internet_document(props)])
        return 200, envelope(errors=[f"Method {method} of model {model} not found"])

    def status_documents(self, props: dict[str, Any]) -> list[dict[str, Any]]:
        rows = []
        for doc in props.get("Documents") or []:
            number = str(doc.get("DocumentNumber", ""))
            record = self.waybills.get(number)
            if record is None:
                rows.append({"Number": number, "StatusCode": "3", "Status": "Номер не знайдено"})
                continue
            phone = _digits(doc.get("Phone"))[-9:]
            own = {
                _digits(record.get("PhoneSender"))[-9:],
                _digits(record.get("PhoneRecipient"))[-9:],
            }
            if len(phone) == 9 and phone in own:
                rows.append(dict(record))
            else:
                rows.append({k: v for k, v in record.items() if k not in PERSONAL})
        return rows

    def save_internet_document(self, props: dict[str, Any]) -> dict[str, Any]:
        """A new waybill: numbered as the API's business waybills are (59..., 14 digits),
        kept so getStatusDocuments knows it ("created by the sender, not handed over yet")."""
        with self.lock:
            self.saved += 1
            number = f"5900{self.saved:010d}"
            ref = f"{self.saved:08x}-0000-4000-8000-{self.saved:012x}"
            self.waybills[number] = waybill(
                number,
                StatusCode="1",
                Status="Відправник самостійно створив цю накладну, але ще не надав до відправки",
                CityRecipient=str(props.get("RecipientCityName", "")),
                RecipientFullName=str(props.get("RecipientName", "")),
                PhoneRecipient=str(props.get("RecipientsPhone", "")),
                DocumentWeight=str(props.get("Weight", "")),
                AnnouncedPrice=str(props.get("Cost", "")),
            )
        return {
            "Ref": ref,
            "CostOnSite": 70,
            "EstimatedDeliveryDate": "24.11.2026",
            "IntDocNumber": number,
            "TypeDocument": "InternetDocument",
        }

    def search_settlements(self, props: dict[str, Any]) -> list[dict[str, Any]]:
        name = str(props.get("CityName", "")).casefold()
        limit = int(props.get("Limit") or 20)
        found = [s for s in settlements() if s["MainDescription"].casefold().startswith(name)]
        return [{"TotalCount": len(found), "Addresses": found[:limit]}]

    def get_warehouses(self, props: dict[str, Any]) -> list[dict[str, Any]]:
        rows = warehouses()
        if props.get("CityRef"):
            rows = [w for w in rows if w["CityRef"] == props["CityRef"]]
        elif props.get("CityName"):
            rows = [w for w in rows if w["CityDescription"] == props["CityName"]]
        find = str(props.get("FindByString", "")).casefold()
        if find:
            rows = [w for w in rows if find in w["Description"].casefold() or find == w["Number"]]
        return rows[: int(props.get("Limit") or 500)]


# InternetDocument.save: what every waybill needs (the sender's refs from the shop's cabinet),
# and the recipient given either by refs or, with NewAddress "1", by name, city and branch
# number (the documented form for a recipient who is not a counterparty yet).
SAVE_REQUIRED = (
    "PayerType",
    "PaymentMethod",
    "DateTime",
    "CargoType",
    "Weight",
    "ServiceType",
    "SeatsAmount",
    "Description",
    "Cost",
    "CitySender",
    "Sender",
    "SenderAddress",
    "ContactSender",
    "SendersPhone",
)
NEW_ADDRESS_REQUIRED = (
    "RecipientCityName",
    "RecipientAddressName",
    "RecipientName",
    "RecipientType",
    "RecipientsPhone",
)
RECIPIENT_REFS = ("CityRecipient", "Recipient", "RecipientAddress", "ContactRecipient")


def save_errors(props: dict[str, Any]) -> list[str]:
    """What the service would refuse in an InternetDocument.save, in its own style."""
    errors = [f"{key} is empty" for key in SAVE_REQUIRED if not str(props.get(key) or "").strip()]
    new_address = str(props.get("NewAddress", "")) == "1"
    needed = NEW_ADDRESS_REQUIRED if new_address else RECIPIENT_REFS
    errors += [f"{key} is empty" for key in needed if not str(props.get(key) or "").strip()]
    if errors:
        return errors
    if props.get("PayerType") not in ("Sender", "Recipient", "ThirdPerson"):
        errors.append("PayerType is invalid")
    if props.get("ServiceType") not in (
        "WarehouseWarehouse",
        "WarehouseDoors",
        "DoorsWarehouse",
        "DoorsDoors",
    ):
        errors.append("ServiceType is invalid")
    try:
        if float(str(props.get("Weight"))) <= 0:
            errors.append("Weight is invalid")
    except ValueError:
        errors.append("Weight is invalid")
    if len(_digits(props.get("RecipientsPhone", "380000000000"))) != 12:
        errors.append("RecipientsPhone is invalid")
    if new_address and props.get("ServiceType") == "WarehouseWarehouse":
        city = str(props.get("RecipientCityName"))
        number = str(props.get("RecipientAddressName"))
        if not any(w["CityDescription"] == city and w["Number"] == number for w in warehouses()):
            errors.append("RecipientAddressName is invalid")
    return errors


def envelope(
    data: list[Any] | None = None,
    errors: list[str] | dict[str, str] | None = None,
    codes: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "success": not errors,
        "data": data or [],
        "errors": errors or [],
        "warnings": [],
        "info": {"totalCount": len(data or [])},
        "messageCodes": [],
        "errorCodes": codes or [],
        "warningCodes": [],
        "infoCodes": [],
    }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeNovaPoshta
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path.split("?")[0] != PATH:
            self._send(404, "Not Found")
            return
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            body = None
        status, answer = self.fake.handle(body)
        self._send(status, answer)

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


__all__ = ["KYIV_REF", "LVIV_REF", "FakeNovaPoshta", "envelope", "waybill"]
