"""The outbox: one row per dedupe key (also two processes at once), consent and the stop-list
at enqueue, the card's message log; on both databases."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from typing import Any

import peewee
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from torgtui.channels import consent
from torgtui.channels.outbox import State, counts, enqueue, messages, messages_of
from torgtui.errors import ValidationError
from torgtui.models import Customer, OutboxMessage

NOW = dt.datetime(2026, 11, 22, 10, 0)


def make_customer(name: str = "Олена", phone: str = "+380671234567", **kw) -> Customer:
    return Customer.create(name=name, phone=phone, created_at=NOW, **kw)


def test_enqueue_once_per_key(db: peewee.Database) -> None:
    c = make_customer()
    first = enqueue(c.id, "bonus_expiring", "bonus:1", payload={"bonus": 5}, now=NOW)
    again = enqueue(c.id, "bonus_expiring", "bonus:1", text="other", now=NOW)
    assert isinstance(first, int) and again is None
    row = OutboxMessage.get_by_id(first)
    assert (row.status, row.text, row.channel, row.marketing) == ("pending", "", "any", False)
    assert counts() == {"pending": 1}
    log = messages_of(c.id)
    assert [m.id for m in log] == [first] and log[0].status == "pending"
    assert [m.id for m in messages("pending")] == [first]


def test_marketing_needs_consent_and_respects_stop_list(db: peewee.Database, staff) -> None:
    c = make_customer()
    no = enqueue(c.id, "mailing", "m:1:sms", channel="sms", marketing=True, text="Sale", now=NOW)
    row = OutboxMessage.get_by_id(no)
    assert row.status == State.SUPPRESSED and "No consent" in row.reason
    consent.set_consent(c.id, "sms", True, how="card", by=staff["manager"], now=NOW)
    yes = enqueue(c.id, "mailing", "m:2:sms", channel="sms", marketing=True, text="Sale", now=NOW)
    assert OutboxMessage.get_by_id(yes).status == State.PENDING
    assert consent.opt_out(c.id, "asked at the till", by=staff["manager"], now=NOW)
    assert not consent.consents_of(c.id)["sms"].granted
    out = enqueue(c.id, "mailing", "m:3:sms", channel="sms", marketing=True, text="Sale", now=NOW)
    row = OutboxMessage.get_by_id(out)
    assert row.status == State.SUPPRESSED and "asked at the till" in row.reason
    # a service message still goes
    svc = enqueue(c.id, "preorder_arrived", "p:1", now=NOW)
    assert OutboxMessage.get_by_id(svc).status == State.PENDING
    # consent again lifts the stop-list
    consent.set_consent(c.id, "sms", True, how="questionnaire", by=staff["manager"], now=NOW)
    assert consent.stop_of(c.id) is None


def test_bad_input_writes_nothing(db: peewee.Database) -> None:
    c = make_customer()
    for kwargs in (
        {"channel": "fax"},
        {"kind": ""},
        {"dedupe": "x" * 121},
        {"customer_id": None},
        {"to": "a\x00b"},
        {"text": "\ud800"},
        {"text": "a\x00b"},
        {"text": 5},
    ):
        args = {"customer_id": c.id, "kind": "k", "dedupe": "d", **kwargs}
        with pytest.raises(ValidationError):
            enqueue(args.pop("customer_id"), args.pop("kind"), args.pop("dedupe"), now=NOW, **args)
    assert OutboxMessage.select().count() == 0
    with pytest.raises(ValidationError):
        messages("nonsense")


def test_existing_writers_rows_are_pending_for_the_sender(db: peewee.Database) -> None:
    from torgtui.marketing.bonuses import notify

    c = make_customer()
    assert notify(c.id, "bonus_expiring", "bonus:exp:1", {"amount": 100}, NOW)
    row = OutboxMessage.get(OutboxMessage.dedupe == "bonus:exp:1")
    assert (row.status, row.address, row.text, row.marketing, row.next_try_at) == (
        "pending",
        "",
        "",
        False,
        None,
    )


def _enqueue_in_a_process(
    url: str, customer_id: int, keys: list[str], barrier: Any, out: Any
) -> None:
    from torgtui import db

    db.open_database(url)
    try:
        for key in keys:
            barrier.wait(timeout=60)
            out.put((key, enqueue(customer_id, "mailing", key, text="Sale", now=NOW)))
    finally:
        db.database.close()


def test_two_processes_at_once_write_one_row_per_key(db: peewee.Database, backend: str) -> None:
    c = make_customer()
    keys = [f"mailing:1:{c.id}:sms:{n}" for n in range(15)]
    db.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_enqueue_in_a_process, args=(backend, c.id, keys, barrier, out))
        for _ in range(2)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in range(2 * len(keys))]
    for p in procs:
        p.join(timeout=60)
    db.connect(reuse_if_open=True)
    for key in keys:
        got = [mid for k, mid in results if k == key]
        assert len(got) == 2 and sum(mid is not None for mid in got) == 1, (key, got)
    assert OutboxMessage.select().count() == len(keys)


TEXTS = st.text(max_size=140) | st.sampled_from(["", " ", "a\x00b", "x" * 121, "ok", "\ud800"])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=TEXTS,
    dedupe=TEXTS,
    channel=st.sampled_from(["any", "sms", "viber", "email", "fax", "", "SMS"]),
    to=TEXTS,
    text=TEXTS | st.integers(),
    marketing=st.booleans(),
    with_customer=st.booleans(),
)
def test_fuzz_enqueue_writes_a_row_or_refuses_in_words(
    sqlite_db, kind, dedupe, channel, to, text, marketing, with_customer
) -> None:
    customer = Customer.get_or_none() or make_customer()
    before = OutboxMessage.select().count()
    try:
        made = enqueue(
            customer.id if with_customer else None,
            kind,
            dedupe,
            channel=channel,
            to=to,
            text=text,
            marketing=marketing,
            now=NOW,
        )
    except ValidationError as exc:
        assert exc.message and OutboxMessage.select().count() == before
        return
    after = OutboxMessage.select().count()
    assert after == before + (made is not None)
    if made is not None:
        row = OutboxMessage.get_by_id(made)
        assert row.status in ("pending", "suppressed") and row.dedupe == dedupe.strip()
