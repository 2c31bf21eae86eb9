"""The message outbox: every message to a customer is one row here before anything is sent.

One row per ``dedupe`` key (a unique index): a mailing writes
``mailing:{mailing_id}:{customer_id}:{channel}``, a bonus notice its own key, so a retry, a
second register or a crash never makes a second row. The sender (torgtui.channels.sender)
takes rows from ``pending`` through ``sending`` to what the gateway said; the states and why
they exist are in docs/messages.md. Marketing rows are checked against the customer's consent
and the stop-list when they are written (a blocked one is written ``suppressed`` with the
reason, so a mailing's counts add up) and again when they are sent.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass

from torgtui.channels import consent
from torgtui.db import database, is_sqlite, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.values import check_id, check_text

CHANNELS = ("any", "sms", "viber", "email")
MAX_TEXT = 10_000  # an e-mail's body; SMS and Viber are far shorter


class State(enum.StrEnum):
    PENDING = "pending"  # waiting for its time, its turn, a retry or its template
    SENDING = "sending"  # claimed by one sender, the gateway is being asked
    ACCEPTED = "accepted"  # the gateway took it (gateway_id stored): never sent again
    DELIVERED = "delivered"  # the service says it arrived (read/clicked times may follow)
    FAILED = "failed"  # undeliverable after acceptance, or retries used up
    REJECTED = "rejected"  # the gateway will never take it as it is (last_error says why)
    SUPPRESSED = "suppressed"  # marketing to someone who opted out or gave no consent
    SKIPPED = "skipped"  # no valid phone or e-mail to send to (reason says which)
    UNKNOWN = "unknown"  # the sender died while the gateway was asked: the owner checks
    PAUSED = "paused"  # its mailing is paused: back to pending when it resumes
    CANCELLED = "cancelled"  # its mailing was cancelled before it went


OPEN = frozenset({State.PENDING, State.SENDING})  # not settled yet
TOUCHED_GATEWAY = frozenset({State.ACCEPTED, State.DELIVERED, State.FAILED, State.UNKNOWN})


def _db_time(moment: dt.datetime | None) -> object:
    if moment is None:
        return None
    return str(moment) if is_sqlite() else moment


def db_time(moment: dt.datetime | None) -> object:
    """``moment`` as the bound database takes it in a raw statement."""
    return _db_time(moment)


def _check_channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise ValidationError(
            _("Unknown channel {channel!r}: use one of {channels}.").format(
                channel=channel, channels=", ".join(CHANNELS)
            )
        )
    return channel


@dataclass(frozen=True)
class Message:
    """One message to write (:func:`enqueue_many`); the fields are :func:`enqueue`'s."""

    customer_id: int | None
    kind: str
    dedupe: str
    channel: str = "any"
    payload: dict | None = None
    to: str = ""
    text: str = ""
    subject: str = ""
    marketing: bool = False
    mailing_id: int | None = None
    send_after: dt.datetime | None = None


def _checked(m: Message) -> Message:
    """``m`` validated and normalised, or ValidationError in words."""
    customer_id = m.customer_id
    if customer_id is not None:
        customer_id = check_id(customer_id, _("Customer"))
    mailing_id = m.mailing_id
    if mailing_id is not None:
        mailing_id = check_id(mailing_id, _("Mailing"))
    kind = check_text(m.kind, _("Message kind"), max_len=30)
    dedupe = check_text(m.dedupe, _("Message key"), max_len=120)
    if not kind or not dedupe:
        raise ValidationError(_("A message needs a kind and a key (dedupe): nothing written."))
    channel = _check_channel(m.channel)
    to = check_text(m.to, _("Address"), max_len=200)
    subject = check_text(m.subject, _("Subject"), max_len=200)
    text = check_text(m.text, _("Message text"), max_len=MAX_TEXT, multiline=True)
    if customer_id is None and not to:
        raise ValidationError(_("A message needs a customer or an address: nothing written."))
    return Message(
        customer_id,
        kind,
        dedupe,
        channel=channel,
        payload=m.payload,
        to=to,
        text=text,
        subject=subject,
        marketing=bool(m.marketing),
        mailing_id=mailing_id,
        send_after=m.send_after,
    )


_COLUMNS = (
    "customer_id",
    "kind",
    "channel",
    "dedupe",
    "payload",
    "status",
    "created_at",
    "send_after",
    "gateway_id",
    "attempts",
    "last_error",
    "address",
    "text",
    "subject",
    "mailing_id",
    "marketing",
    "reason",
)
_NAMES = ", ".join(f'"{c}"' for c in _COLUMNS)
_TAIL = ' ON CONFLICT ("dedupe") DO NOTHING RETURNING "id", "dedupe"'
# SQLite: INSERT ... VALUES (...), (...), ... (the driver keeps the statement prepared)
_ONE = "(" + ", ".join("?" * len(_COLUMNS)) + ")"
# PostgreSQL: one array per column, unnested in the order given. A VALUES list of 17 000
# parameters cost psycopg more to rewrite (its placeholders, every time: too long to cache)
# than the server took to insert it
_PG_TYPES = (
    "integer", "text", "text", "text", "text", "text", "timestamp", "timestamp", "text",
    "integer", "text", "text", "text", "text", "integer", "boolean", "text",
)  # fmt: skip
_PG_INSERT = (
    f'INSERT INTO "outbox_message" ({_NAMES}) SELECT {_NAMES} FROM unnest('
    + ", ".join(f"?::{t}[]" for t in _PG_TYPES)
    + f') WITH ORDINALITY AS m({_NAMES}, "n") ORDER BY "n"'
    + _TAIL
)
CHUNK = 1_000  # rows per INSERT (17 000 parameters on SQLite: well inside its limit)


def enqueue_many(rows: Iterable[Message], *, now: dt.datetime) -> list[int | None]:
    """Write many messages to the outbox, in the caller's transaction, as :func:`enqueue` would
    one by one: for each row in order, its new id, or None when a row with its ``dedupe`` key
    is there already (or came earlier in ``rows``). Any row refused: nothing written.

    The checks are made for the whole lot, not per row: the stop-list by customer and by
    address, and the consents, in three queries per :data:`CHUNK` rows; then one multi-row
    ``INSERT ... ON CONFLICT ("dedupe") DO NOTHING RETURNING`` (SQLite >= 3.35, as the
    receipt counter already needs). Rows go in in the order given, so their ids keep it.
    """
    checked = [_checked(m) for m in rows]
    ids: list[int | None] = [None] * len(checked)
    seen: set[str] = set()
    with write_tx():
        for start in range(0, len(checked), CHUNK):
            part = checked[start : start + CHUNK]
            asked = [(m.customer_id, m.channel, m.to) for m in part if m.marketing]
            blocks = iter(consent.marketing_blocks(asked) if asked else [])
            values: list[tuple] = []
            places: dict[str, int] = {}  # dedupe -> index in ``checked``
            for i, m in enumerate(part, start):
                reason = next(blocks) if m.marketing else ""
                if m.dedupe in seen:
                    continue  # the same key again: written once, as enqueue would
                seen.add(m.dedupe)
                places[m.dedupe] = i
                status = State.SUPPRESSED if reason else State.PENDING
                values.append(
                    (
                        m.customer_id,
                        m.kind,
                        m.channel,
                        m.dedupe,
                        json.dumps(m.payload or {}, ensure_ascii=False, default=str),
                        str(status),
                        _db_time(now),
                        _db_time(m.send_after),
                        "",
                        0,
                        "",
                        m.to,
                        m.text,
                        m.subject,
                        m.mailing_id,
                        m.marketing,
                        reason[:200],
                    )
                )
            if not values:
                continue
            if is_sqlite():
                statement = f'INSERT INTO "outbox_message" ({_NAMES}) VALUES '
                statement += ", ".join([_ONE] * len(values)) + _TAIL
                params: list[object] = [v for row in values for v in row]
            else:
                statement, params = _PG_INSERT, [list(c) for c in zip(*values, strict=True)]
            for new_id, dedupe in database.execute_sql(sql(statement), params).fetchall():
                ids[places[dedupe]] = new_id
    return ids


def enqueue(
    customer_id: int | None,
    kind: str,
    dedupe: str,
    *,
    channel: str = "any",
    payload: dict | None = None,
    to: str = "",
    text: str = "",
    subject: str = "",
    marketing: bool = False,
    mailing_id: int | None = None,
    send_after: dt.datetime | None = None,
    now: dt.datetime,
) -> int | None:
    """Write one message to the outbox, in the caller's transaction; the new row's id, or None
    when a row with this ``dedupe`` key is there already (it is left as it is).

    ``text`` given: sent as it is; empty: rendered at send time from the template for ``kind``
    in the customer's language with ``payload``. ``to`` empty: the card's phone or e-mail.
    ``marketing`` rows respect consent, the stop-list and quiet hours: one to a customer who
    opted out (or gave no consent for the channel) is written ``suppressed`` with the reason.
    Many at once: :func:`enqueue_many` (the same checks; this is it with one row).
    """
    message = Message(
        customer_id,
        kind,
        dedupe,
        channel=channel,
        payload=payload,
        to=to,
        text=text,
        subject=subject,
        marketing=marketing,
        mailing_id=mailing_id,
        send_after=send_after,
    )
    return enqueue_many([message], now=now)[0]


@dataclass(frozen=True)
class MessageRow:
    """One message as the card's log shows it."""

    id: int
    kind: str
    channel: str  # what was asked (any, sms, viber, email)
    via: str  # what it went by
    status: str
    address: str
    text: str
    created_at: dt.datetime
    accepted_at: dt.datetime | None
    delivery: str
    delivery_at: dt.datetime | None
    read_at: dt.datetime | None
    clicked_at: dt.datetime | None
    cost: int
    why: str  # the reason it was suppressed or skipped, or the last error
    mailing_id: int | None
    marketing: bool


_ROW_COLUMNS = (
    '"id", "kind", "channel", "via", "status", "address", "text", "created_at", '
    '"accepted_at", "delivery", "delivery_at", "read_at", "clicked_at", "cost", "reason", '
    '"last_error", "mailing_id", "marketing"'
)


def _as_time(value: object) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _message_row(row: tuple) -> MessageRow:
    return MessageRow(
        id=row[0],
        kind=row[1],
        channel=row[2],
        via=row[3],
        status=row[4],
        address=row[5],
        text=row[6],
        created_at=_as_time(row[7]),  # type: ignore[arg-type]
        accepted_at=_as_time(row[8]),
        delivery=row[9],
        delivery_at=_as_time(row[10]),
        read_at=_as_time(row[11]),
        clicked_at=_as_time(row[12]),
        cost=row[13],
        why=row[14] or row[15],
        mailing_id=row[16],
        marketing=bool(row[17]),
    )


def messages_of(customer_id: int, limit: int = 50) -> list[MessageRow]:
    """The customer's messages, newest first (the card's message log)."""
    customer_id = check_id(customer_id, _("Customer"))
    rows = database.execute_sql(
        sql(
            f'SELECT {_ROW_COLUMNS} FROM "outbox_message" WHERE "customer_id" = ? '
            'ORDER BY "id" DESC LIMIT ?'
        ),
        (customer_id, max(1, min(int(limit), 1000))),
    ).fetchall()
    return [_message_row(r) for r in rows]


def messages(status: str = "", *, limit: int = 100) -> list[MessageRow]:
    """The newest messages, all or in one state (``torgtui messages list``)."""
    if status and status not in {s.value for s in State}:
        raise ValidationError(
            _("Unknown message status {status!r}: use one of {states}.").format(
                status=status, states=", ".join(s.value for s in State)
            )
        )
    where, params = ("", ()) if not status else ('WHERE "status" = ? ', (status,))
    rows = database.execute_sql(
        sql(f'SELECT {_ROW_COLUMNS} FROM "outbox_message" {where}ORDER BY "id" DESC LIMIT ?'),
        (*params, max(1, min(int(limit), 100000))),
    ).fetchall()
    return [_message_row(r) for r in rows]


def counts() -> dict[str, int]:
    """How many messages are in each state."""
    rows = database.execute_sql(
        'SELECT "status", COUNT(*) FROM "outbox_message" GROUP BY "status"'
    ).fetchall()
    return {status: int(n) for status, n in rows}


__all__ = [
    "CHANNELS",
    "OPEN",
    "TOUCHED_GATEWAY",
    "Message",
    "MessageRow",
    "State",
    "counts",
    "db_time",
    "enqueue",
    "enqueue_many",
    "messages",
    "messages_of",
]
