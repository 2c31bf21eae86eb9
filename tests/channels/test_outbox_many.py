"""enqueue_many (a mailing's batch) decides every row as enqueue does one by one: consent given
or refused per channel, the stop-list by customer and by address (the newest entry's reason),
a lifted opt-out, service rows, dedupe against rows already there and within the batch; a batch
enqueued twice writes nothing twice, and a bad row refuses the batch; on both databases."""

from __future__ import annotations

import datetime as dt
import itertools

import peewee
import pytest

from torgtui.channels import consent, outbox
from torgtui.channels.outbox import Message, State, enqueue, enqueue_many
from torgtui.errors import ValidationError
from torgtui.models import Customer, OutboxMessage

NOW = dt.datetime(2026, 11, 22, 10, 0)
LATER = NOW + dt.timedelta(days=1)
STOPPED_PHONE = "+380501112233"  # replied STOP, on no card of its own
FIELDS = (
    "customer_id", "kind", "channel", "status", "reason", "address", "text", "subject",
    "payload", "marketing", "mailing_id", "send_after", "created_at",
)  # fmt: skip


def _customers(staff) -> dict[str, Customer]:
    manager = staff["manager"]
    made: dict[str, Customer] = {}
    for n, name in enumerate(
        ["sms", "email", "none", "opted_out", "lifted", "phone_stopped", "both_stopped"]
    ):
        made[name] = Customer.create(
            name=f"Клієнт {name}", phone=f"+38067123450{n}", created_at=NOW
        )

    def agree(name: str, *channels: str) -> None:
        for channel in channels:
            consent.set_consent(made[name].id, channel, True, how="card", by=manager, now=NOW)

    agree("sms", "sms")
    agree("email", "email")
    consent.set_consent(made["none"].id, "sms", False, how="card", by=manager, now=NOW)
    agree("opted_out", "sms", "viber")
    consent.opt_out(made["opted_out"].id, "asked at the till", by=manager, now=NOW)
    agree("lifted", "sms")
    consent.opt_out(made["lifted"].id, "changed her mind", by=manager, now=NOW)
    agree("lifted", "viber")  # a yes lifts the stop-list
    agree("phone_stopped", "sms")
    consent.stop_address(made["phone_stopped"].phone, "replied STOP", now=NOW)
    # on the stop-list by customer, then (later) by the address it is sent to: the newer wins
    agree("both_stopped", "sms")
    consent.opt_out(made["both_stopped"].id, "older reason", by=manager, now=NOW)
    consent.stop_address("+380509998877", "newer reason", now=LATER)
    consent.stop_address(STOPPED_PHONE, "replied STOP", now=NOW)
    return made


def _messages(made: dict[str, Customer], prefix: str) -> list[Message]:
    """Every customer on every channel, to their own phone, to no address and to a stopped
    one, as marketing and not; address-only rows; a key repeated in the batch."""
    rows: list[Message] = []
    tos = {"card": "", "own": None, "stopped": STOPPED_PHONE, "both": "+380509998877"}
    for (name, c), channel, (to_name, to), marketing in itertools.product(
        made.items(), ("any", "sms", "viber", "email"), tos.items(), (True, False)
    ):
        rows.append(
            Message(
                c.id,
                "mailing:Spring",
                f"{prefix}:{name}:{channel}:{to_name}:{marketing}",
                channel=channel,
                payload={"mailing": 7, "name": name},
                to=c.phone if to is None else to,
                text=f"Sale for {name}",
                subject="Spring" if channel == "email" else "",
                marketing=marketing,
                send_after=LATER if marketing else None,
            )
        )
    for to in (STOPPED_PHONE, "+380631234567", "olena@example.com"):
        for marketing in (True, False):
            key = f"{prefix}:addr:{to}:{marketing}"
            rows.append(Message(None, "note", key, to=to, text="Hi", marketing=marketing))
    rows.insert(5, rows[3])  # the same key twice in one batch: written once
    rows.append(rows[0])
    return rows


def _row(message_id: int | None) -> tuple | None:
    if message_id is None:
        return None
    row = OutboxMessage.get_by_id(message_id)
    return tuple(getattr(row, f) for f in FIELDS)


def test_enqueue_many_agrees_with_enqueue_row_for_row(
    db: peewee.Database, staff, monkeypatch
) -> None:
    made = _customers(staff)
    one, many = _messages(made, "one"), _messages(made, "many")
    # rows already there (another register, an earlier run): left as they are, None back
    for prefix in ("one", "many"):
        for m in [m for m in _messages(made, prefix) if ":email:sms:" in m.dedupe][:4]:
            enqueue(m.customer_id, m.kind, m.dedupe, text="written before", now=NOW)
    before = OutboxMessage.select().count()

    one_ids = [
        enqueue(
            m.customer_id,
            m.kind,
            m.dedupe,
            channel=m.channel,
            payload=m.payload,
            to=m.to,
            text=m.text,
            subject=m.subject,
            marketing=m.marketing,
            send_after=m.send_after,
            now=NOW,
        )
        for m in one
    ]
    monkeypatch.setattr(outbox, "CHUNK", 7)  # several statements, a repeat across two of them
    many_ids = enqueue_many(many, now=NOW)

    assert len(many_ids) == len(many)
    assert [i is None for i in many_ids] == [i is None for i in one_ids]
    assert sum(i is None for i in many_ids) == 4 + 2  # the rows there before, the repeats
    assert [_row(i) for i in many_ids] == [_row(i) for i in one_ids]
    new = [i for i in many_ids if i is not None]
    assert new == sorted(new)  # written in the order given
    assert OutboxMessage.select().count() == before + 2 * len(new)

    # what was decided, spelt out for a few (so agreeing is not agreeing on nonsense)
    def got(name: str, channel: str, to: str = "own", marketing: bool = True) -> tuple:
        key = f"many:{name}:{channel}:{to}:{marketing}"
        row = OutboxMessage.get(OutboxMessage.dedupe == key)
        return row.status, row.reason

    assert got("sms", "sms") == (State.PENDING, "")
    assert got("sms", "any") == (State.PENDING, "")
    assert got("sms", "viber") == (State.SUPPRESSED, "No consent to marketing by viber")
    assert got("email", "email") == (State.PENDING, "")
    assert got("none", "any") == (State.SUPPRESSED, "No consent to marketing on any channel")
    assert got("opted_out", "sms") == (
        State.SUPPRESSED, "On the stop-list since 2026-11-22: asked at the till")  # fmt: skip
    assert got("opted_out", "sms", marketing=False) == (State.PENDING, "")
    assert got("lifted", "viber") == (State.PENDING, "")
    assert got("phone_stopped", "sms") == (
        State.SUPPRESSED, "On the stop-list since 2026-11-22: replied STOP")  # fmt: skip
    assert got("phone_stopped", "sms", "card") == (State.PENDING, "")  # no address given
    assert got("sms", "sms", "stopped") == (
        State.SUPPRESSED, "On the stop-list since 2026-11-22: replied STOP")  # fmt: skip
    assert got("both_stopped", "sms", "card")[1].endswith("older reason")
    assert got("both_stopped", "sms", "both")[1].endswith("newer reason")
    addr = OutboxMessage.get(OutboxMessage.dedupe == f"many:addr:{STOPPED_PHONE}:True")
    assert addr.status == State.SUPPRESSED
    free = OutboxMessage.get(OutboxMessage.dedupe == "many:addr:+380631234567:True")
    assert (free.status, free.customer_id) == (State.PENDING, None)


def test_a_batch_enqueued_twice_writes_nothing_twice(db: peewee.Database, staff) -> None:
    made = _customers(staff)
    batch = _messages(made, "m")
    first = enqueue_many(batch, now=NOW)
    count = OutboxMessage.select().count()
    assert count == sum(i is not None for i in first) == len({m.dedupe for m in batch})
    assert enqueue_many(batch, now=LATER) == [None] * len(batch)
    assert enqueue_many(list(reversed(batch)), now=LATER) == [None] * len(batch)
    assert OutboxMessage.select().count() == count
    assert not OutboxMessage.select().where(OutboxMessage.created_at == LATER).exists()
    assert enqueue_many([], now=NOW) == []


def test_one_bad_row_refuses_the_batch(db: peewee.Database, staff) -> None:
    made = _customers(staff)
    batch = _messages(made, "m")
    for bad in (
        Message(made["sms"].id, "k", "d", channel="fax"),
        Message(None, "k", "d"),
        Message(made["sms"].id, "", "d"),
        Message(made["sms"].id, "k", "d", text="a\x00b"),
    ):
        with pytest.raises(ValidationError):
            enqueue_many([*batch[:20], bad, *batch[20:]], now=NOW)
    assert OutboxMessage.select().count() == 0


def test_stop_of_by_customer_and_by_address(db: peewee.Database, staff) -> None:
    made = _customers(staff)
    assert consent.stop_of(made["sms"].id) is None
    assert consent.stop_of(made["opted_out"].id).reason == "asked at the till"
    assert consent.stop_of(None, STOPPED_PHONE).reason == "replied STOP"
    assert consent.stop_of(made["sms"].id, STOPPED_PHONE).reason == "replied STOP"
    assert consent.stop_of(made["lifted"].id) is None
    assert consent.stop_of(made["both_stopped"].id).reason == "older reason"
    assert consent.stop_of(made["both_stopped"].id, "+380509998877").reason == "newer reason"
    assert consent.stop_of(None, "") is None
