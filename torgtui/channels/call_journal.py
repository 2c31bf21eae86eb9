"""The call journal: Binotel's calls stored once each, the missed ones to call back.

A call comes from the apiCallCompleted webhook (torgtui.channels.binotel_hook) or from the
polling fallback (torgtui.channels.binotel); both hand Binotel's call details here. The details
are the same in both (the webhook's are "identical to the REST API's stats"): ``generalCallID``,
``startTime`` (unix), ``callType`` (0 in, 1 out), ``internalNumber``, ``externalNumber``,
``waitsec``, ``billsec``, ``disposition`` (ANSWER, NOANSWER, BUSY, CANCEL, ...),
``employeeData`` / ``employeeName``; values usually strings. :func:`parse_call` reads them
into a :class:`CallRecord` or says in words what is wrong; :func:`store_call` writes it with an
insert that does nothing when the ``generalCallID`` is there already (the unique index
decides, never a read-then-write), so a retried webhook and a poll store each call once.

A missed incoming call is "to call back" (``callback`` "due"). It is done when an employee
marks it (:func:`mark_called_back`) or when a later answered call with the same number is
stored (we reached them, or they reached us): then ``callback_by`` stays empty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Customer, CustomerPhone, Employee, PhoneCall
from torgtui.staff import Permission, require
from torgtui.values import check_id

# Binotel's disposition -> the journal's word
DISPOSITIONS = {
    "ANSWER": "answered",
    "TRANSFER": "answered",
    "NOANSWER": "missed",
    "BUSY": "busy",
    "CANCEL": "cancelled",
    "CONGESTION": "failed",
    "CHANUNAVAIL": "failed",
    "VM": "voicemail",
    "VM-SUCCESS": "voicemail",
}
ANSWERED = "answered"
NOT_FINISHED = {"ONLINE"}  # a call still going on: stored when it ends
MAX_ID = 40
MAX_SECONDS = 7 * 24 * 3600


def disposition_title(word: str) -> str:
    """The journal's disposition in words."""
    return {
        "answered": _("answered"),
        "missed": _("missed"),
        "busy": _("busy"),
        "cancelled": _("cancelled"),
        "failed": _("failed"),
        "voicemail": _("voicemail"),
    }.get(word, word)


@dataclass(frozen=True)
class CallRecord:
    """A call as Binotel reported it, checked and typed."""

    general_call_id: str
    direction: str  # in, out
    external_number: str  # E.164
    internal_number: str
    employee_name: str
    started_at: dt.datetime
    wait_seconds: int
    talk_seconds: int
    disposition: str  # the journal's word (DISPOSITIONS)

    @property
    def missed(self) -> bool:
        return self.direction == "in" and self.disposition != ANSWERED


def text(value: Any) -> str:
    """A field as clean text: None, lists and objects become "", numbers their digits."""
    if value is None or isinstance(value, list | dict | bool):
        return ""
    return " ".join(str(value).split())


def whole(value: Any, what: str, *, low: int = 0, high: int = MAX_SECONDS) -> int:
    """A count that may come as 12, "12", "12.0"; "" is 0; anything else is refused."""
    if isinstance(value, bool):
        value = ""
    raw = text(value)
    try:
        number = Decimal(raw or "0")
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number != number.to_integral_value() or not low <= number <= high:
        raise ValidationError(
            _("{what} must be a whole number from {low} to {high}, not {value!r}.").format(
                what=what, low=low, high=high, value=raw[:20]
            )
        )
    return int(number)


def clean_number(value: Any) -> str:
    """The customer's number of a call or webhook as E.164, or a ValidationError that says
    what came (a missing or malformed number is refused: nothing is stored for it)."""
    from torgtui.customers.phones import normalize_phone

    raw = text(value)
    if not raw:
        raise ValidationError(_("The call has no externalNumber: nothing was stored."))
    try:
        return normalize_phone(raw)
    except ValidationError as exc:
        raise ValidationError(
            _("externalNumber {number!r} is not a phone number ({reason})").format(
                number=raw[:40], reason=exc.message
            )
        ) from None


def _employee_name(details: dict[str, Any]) -> str:
    data = details.get("employeeData")
    name = text(data.get("name")) if isinstance(data, dict) else ""
    return (name or text(details.get("employeeName")))[:200]


def parse_call(details: Any) -> CallRecord | None:
    """One call's details (a dict, values often strings) as a :class:`CallRecord`; None for a
    call still going on (``disposition`` ONLINE). Bad details raise ValidationError."""
    if not isinstance(details, dict):
        raise ValidationError(_("The call's details are not an object: nothing was stored."))
    call_id = text(details.get("generalCallID"))
    if not call_id or len(call_id) > MAX_ID or not call_id.replace(".", "").isalnum():
        raise ValidationError(
            _("The call has no usable generalCallID ({value!r}): nothing was stored.").format(
                value=call_id[:MAX_ID]
            )
        )
    raw_disposition = text(details.get("disposition")).upper()
    if raw_disposition in NOT_FINISHED:
        return None
    call_type = text(details.get("callType"))
    if call_type not in ("0", "1"):
        raise ValidationError(
            _("callType must be 0 (incoming) or 1 (outgoing), not {value!r}.").format(
                value=call_type[:10]
            )
        )
    started = whole(details.get("startTime"), "startTime", low=1, high=2**35)
    return CallRecord(
        general_call_id=call_id,
        direction="in" if call_type == "0" else "out",
        external_number=clean_number(details.get("externalNumber")),
        internal_number=text(details.get("internalNumber"))[:40],
        employee_name=_employee_name(details),
        started_at=dt.datetime.fromtimestamp(started),
        wait_seconds=whole(details.get("waitsec"), "waitsec"),
        talk_seconds=whole(details.get("billsec"), "billsec"),
        disposition=DISPOSITIONS.get(raw_disposition, raw_disposition.lower()[:20] or "missed"),
    )


def customer_for(number: str) -> int | None:
    """The active card with this phone (the one whose main phone it is first), or None."""
    row = (
        Customer.select(Customer.id)
        .join(CustomerPhone, on=(CustomerPhone.customer == Customer.id))
        .where((CustomerPhone.phone == number) & (Customer.status == "active"))
        .order_by((Customer.phone != number), Customer.last_visit.desc(nulls="LAST"))
        .limit(1)
        .scalar()
    )
    return row


def store_call(record: CallRecord, *, source: str, clock: Clock = system_clock) -> bool:
    """Write ``record`` to the journal unless its ``generalCallID`` is there already; True
    when it was new. A missed incoming call is due to be called back; an answered one closes
    the earlier missed calls of its number."""
    now = clock()
    with write_tx():
        inserted = (
            PhoneCall.insert(
                general_call_id=record.general_call_id,
                direction=record.direction,
                external_number=record.external_number,
                customer=customer_for(record.external_number),
                internal_number=record.internal_number,
                employee_name=record.employee_name,
                started_at=record.started_at,
                wait_seconds=record.wait_seconds,
                talk_seconds=record.talk_seconds,
                disposition=record.disposition,
                callback="due" if record.missed else "",
                source=source,
                received_at=now,
            )
            .on_conflict_ignore()
            .as_rowcount()
            .execute()
        )
        if inserted and record.disposition == ANSWERED:
            PhoneCall.update(callback="done", callback_at=now).where(
                (PhoneCall.external_number == record.external_number)
                & (PhoneCall.callback == "due")
                & (PhoneCall.started_at <= record.started_at)
            ).execute()
    return bool(inserted)


def store_calls(
    details: Any, *, source: str, clock: Clock = system_clock
) -> tuple[int, int, list[str]]:
    """Every call of an answer (Binotel's ``callDetails``: an object keyed by id, or a list):
    (new, already there, problems in words). One bad call does not stop the others."""
    items = details.values() if isinstance(details, dict) else details
    if not isinstance(items, list) and not isinstance(details, dict):
        return 0, 0, [_("The answer's callDetails is not a list of calls.")]
    new = old = 0
    problems: list[str] = []
    for item in items:
        try:
            record = parse_call(item)
        except ValidationError as exc:
            problems.append(exc.message)
            continue
        if record is None:
            continue
        if store_call(record, source=source, clock=clock):
            new += 1
        else:
            old += 1
    return new, old, problems


# --- reading and calling back -------------------------------------------------------------


@dataclass(frozen=True)
class JournalRow:
    id: int
    started_at: dt.datetime
    direction: str
    external_number: str
    customer_id: int | None
    customer: str
    internal_number: str
    employee_name: str
    wait_seconds: int
    talk_seconds: int
    disposition: str
    callback: str
    callback_by: str
    callback_at: dt.datetime | None


def journal_page(
    *, missed_only: bool = False, before: tuple[dt.datetime, int] | None = None, limit: int = 50
) -> list[JournalRow]:
    """One page of the journal, newest first (keyset: pass the last row's (started_at, id) as
    ``before``); ``missed_only``: the calls still to call back."""
    who = Employee.alias()
    query = (
        PhoneCall.select(
            PhoneCall, Customer.name.alias("customer_name"), who.name.alias("callback_name")
        )
        .join(Customer, peewee.JOIN.LEFT_OUTER, on=(PhoneCall.customer == Customer.id))
        .switch(PhoneCall)
        .join(who, peewee.JOIN.LEFT_OUTER, on=(PhoneCall.callback_by == who.id))
    )
    if missed_only:
        query = query.where(PhoneCall.callback == "due")
    if before is not None:
        at, last_id = before
        query = query.where(
            (PhoneCall.started_at < at) | ((PhoneCall.started_at == at) & (PhoneCall.id < last_id))
        )
    rows = query.order_by(PhoneCall.started_at.desc(), PhoneCall.id.desc()).limit(limit).objects()
    return [
        JournalRow(
            r.id,
            r.started_at,
            r.direction,
            r.external_number,
            r.customer_id,
            r.customer_name or "",
            r.internal_number,
            r.employee_name,
            r.wait_seconds,
            r.talk_seconds,
            r.disposition,
            r.callback,
            r.callback_name or "",
            r.callback_at,
        )
        for r in rows
    ]


def missed_count() -> int:
    return PhoneCall.select().where(PhoneCall.callback == "due").count()


def mark_called_back(call_id: int, *, by: Employee, clock: Clock = system_clock) -> int:
    """Mark a missed call (and the earlier missed calls of its number) called back by ``by``;
    returns how many were marked. A call not to be called back is refused in words."""
    require(by, Permission.CREATE_CUSTOMERS)
    call = PhoneCall.get_or_none(PhoneCall.id == check_id(call_id, _("The call")))
    if call is None:
        raise ValidationError(_("This call is not in the journal any more: refresh the list."))
    if call.callback != "due":
        raise ValidationError(
            _("This call is not waiting for a call back (it was answered or is done already).")
        )
    with write_tx():
        return (
            PhoneCall.update(callback="done", callback_by=by.id, callback_at=clock())
            .where(
                (PhoneCall.external_number == call.external_number)
                & (PhoneCall.callback == "due")
                & (PhoneCall.started_at <= call.started_at)
            )
            .execute()
        )


# --- when cards merge or are erased (torgtui.customers.merge) -----------------------------


def move_calls(source_ids: list[int], target_id: int) -> int:
    """Merging cards: the sources' calls belong to the card they became."""
    return PhoneCall.update(customer=target_id).where(PhoneCall.customer.in_(source_ids)).execute()


def forget_calls(customer_ids: list[int]) -> int:
    """Erasing a card's personal data: its calls stay in the journal (counted) but no longer say
    who called nor from which number; nor do calls from its phones that no other active card
    has. Nothing is left to call back. Call before the card's phones are deleted."""
    own = {
        p
        for (p,) in CustomerPhone.select(CustomerPhone.phone)
        .where(CustomerPhone.customer.in_(customer_ids))
        .tuples()
    }
    shared = {
        p
        for (p,) in CustomerPhone.select(CustomerPhone.phone)
        .join(Customer, on=(CustomerPhone.customer == Customer.id))
        .where(
            CustomerPhone.phone.in_(list(own))
            & CustomerPhone.customer.not_in(customer_ids)
            & (Customer.status == "active")
        )
        .tuples()
    }
    return (
        PhoneCall.update(
            customer=None,
            external_number="",
            callback=peewee.Case(None, [(PhoneCall.callback == "due", "")], PhoneCall.callback),
        )
        .where(
            PhoneCall.customer.in_(customer_ids)
            | PhoneCall.external_number.in_(sorted(own - shared) or [""])
        )
        .execute()
    )
