"""Mailings (torgtui.marketing.mailings): every segment kind, the exclusions, invalid contacts
skipped and counted, the holdout reproducible and never sent, preparing resumed after a crash
with nothing written twice, pause/resume/cancel, the result from the outbox rows, and the effect
against the holdout in exact kopecks from receipts sold through the real checkout; on both
databases."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from decimal import Decimal

import pytest

from tests.shop_fixture import T0
from tests.unit import promotions_shop
from tests.unit.promotions_shop import give_back, sell
from torgtui.channels import consent
from torgtui.channels.gateway import ViberExtras
from torgtui.channels.templates import save_template
from torgtui.config import Settings
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import mailings as ml
from torgtui.models import (
    CardThreshold,
    CardType,
    Customer,
    CustomerInterest,
    FamilyMember,
    LedgerAccount,
    OutboxMessage,
    ProductGroup,
    Receipt,
)
from torgtui.models.codes import CodeBatch, PromoCode, PromoCodeUse
from torgtui.models.mailings import Mailing, MailingRecipient
from torgtui.models.messages import CustomerConsent
from torgtui.models.promotions import Promotion
from torgtui.sales.shifts import open_shift

ps = promotions_shop.ps  # fixture

KIND = "mailing:Spring"
NOW = dt.datetime(2026, 11, 22, 10, 0)


@pytest.fixture
def template(db, staff, clock):
    save_template(
        KIND,
        {"uk": "{first_name}, весняний розпродаж! Бонусів: {bonus_balance}",
         "en": "{first_name}, spring sale! Bonuses: {bonus_balance}"},
        subjects={"uk": "Весна", "en": "Spring"},
        by=staff["manager"],
        clock=clock,
    )  # fmt: skip
    return KIND


_numbers = iter(range(1, 10**6))


def person(
    name: str = "Олена Коваль",
    *,
    phone: str | None = "auto",
    email: str = "",
    language: str = "uk",
    agree: tuple[str, ...] = ("sms", "viber", "email"),
    **fields,
) -> Customer:
    """A card with a unique valid phone (unless given) and consent to ``agree``."""
    n = next(_numbers)
    if phone == "auto":
        phone = f"+38067{1000000 + n:07d}"
    customer = Customer.create(
        name=name,
        phone=phone,
        email=email,
        language=language,
        card=f"29{n:011d}",
        created_at=T0,
        updated_at=T0,
        **fields,
    )
    for channel in agree:
        CustomerConsent.create(customer=customer, channel=channel, granted=True, at=T0, how="card")
    return customer


def mailing(staff, clock, segment=None, **kw) -> Mailing:
    kw.setdefault("channels", ("sms",))
    data = ml.MailingData(
        kw.pop("name", "Spring"), kw.pop("kind", KIND), segment=segment or {}, **kw
    )
    created = ml.create_mailing(data, by=staff["manager"], clock=clock)
    return ml.start(created.id, by=staff["manager"], clock=clock)


def ids(segment: dict, now: dt.datetime = NOW) -> set[int]:
    where = ml.segment_conditions(ml.check_segment(segment), now)
    return {c.id for c in Customer.select(Customer.id).where(*where)}


def outbox(mailing_id: int) -> list[OutboxMessage]:
    return list(
        OutboxMessage.select()
        .where(OutboxMessage.mailing_id == mailing_id)
        .order_by(OutboxMessage.customer)
    )


def groups(mailing_id: int) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for r in MailingRecipient.select().where(MailingRecipient.mailing == mailing_id):
        out.setdefault(r.grp, set()).add(r.customer_id)
    return out


# --- segments --------------------------------------------------------------------------------


def test_every_segment_kind_finds_exactly_its_customers(db, staff, shop, clock) -> None:
    gold = CardType.create(code="GOLD", name="Gold", kind="accumulative", created_at=T0,
                           updated_at=T0)  # fmt: skip
    bonus_card = CardType.create(code="BONUS", name="Bonus", kind="bonus", created_at=T0,
                                 updated_at=T0)  # fmt: skip
    CardThreshold.create(card_type=gold, from_amount=100000, percent_bp=300)
    CardThreshold.create(card_type=gold, from_amount=500000, percent_bp=500)
    toys = ProductGroup.create(name="Іграшки", path="Іграшки")
    books = ProductGroup.create(name="Книги", path="Книги")

    a = person("Анна", card_type=gold, total_bought=150000, birth_date=dt.date(1990, 12, 30),
               birth_md=1230, last_visit=NOW - dt.timedelta(days=3), language="en")  # fmt: skip
    b = person("Богдан", card_type=gold, total_bought=600000, total_returned=50000,
               birth_md=105, last_visit=NOW - dt.timedelta(days=40))  # fmt: skip
    c = person("Віра", card_type=gold, total_bought=50000, tier_floor=120000, birth_md=601,
               attention=True)  # fmt: skip
    d = person("Галина", card_type=bonus_card, last_visit=NOW - dt.timedelta(days=10))
    merged = person("Дмитро", card_type=gold, status="merged")  # never in any segment
    CustomerInterest.create(customer=a, group=toys, source="manual", created_at=T0)
    CustomerInterest.create(customer=d, group=books, source="auto", created_at=T0)
    FamilyMember.create(customer=b, relation="child", name="Оля", birth_date=dt.date(2019, 6, 1))
    FamilyMember.create(customer=d, relation="child", name="Ігор", birth_date=dt.date(2010, 1, 1))
    for who, balance in ((a, 2500), (b, 50000), (d, 12000)):
        LedgerAccount.create(kind="bonus", owner_type="customer", owner_id=who.id,
                             balance=balance, created_at=T0)  # fmt: skip
    promo = Promotion.create(code="P", name="P", kind="percent", created_at=T0, updated_at=T0)
    batch = CodeBatch.create(code="FLY", name="Flyer", promotion=promo, channel="Кав'ярня Ліра",
                             style="given", created_at=T0, updated_at=T0)  # fmt: skip
    code = PromoCode.create(batch=batch, code="LIRA", created_at=T0)
    receipt = Receipt.create(uuid="u-1", number=1, location=shop.location,
                             employee=staff["cashier"], customer=c, created_at=T0)  # fmt: skip
    PromoCodeUse.create(code=code, batch=batch, receipt=receipt, customer=c, slot=1, used_at=T0)

    everyone = {a.id, b.id, c.id, d.id}
    assert merged.id not in ids({})
    assert ids({}) == everyone
    assert ids({"card_types": [gold.id]}) == {a.id, b.id, c.id}
    assert ids({"card_types": [bonus_card.id]}) == {d.id}
    # counted = bought - returned, or the accelerators' floor: a 150 000, b 550 000, c 120 000
    assert ids({"tier": {"card_type": gold.id, "from": 100000}}) == {a.id, c.id}
    assert ids({"tier": {"card_type": gold.id, "from": 500000}}) == {b.id}
    assert ids({"interests": [toys.id]}) == {a.id}
    assert ids({"interests": [toys.id, books.id]}) == {a.id, d.id}
    assert ids({"birthdays": {"from": "12-25", "to": "01-10"}}) == {a.id, b.id}  # over New Year
    assert ids({"birthdays": {"from": "05-01", "to": "06-30"}}) == {c.id}
    assert ids({"children_age": [5, 8]}) == {b.id}  # Оля is 7; Ігор is 16
    assert ids({"children_age": [16, 16]}) == {d.id}
    assert ids({"visited_within_days": 30}) == {a.id, d.id}
    assert ids({"not_visited_days": 30}) == {b.id}
    assert ids({"never_visited": True}) == {c.id}
    assert ids({"bonus": {"min": 10000}}) == {b.id, d.id}
    assert ids({"bonus": {"min": 1, "max": 20000}}) == {a.id, d.id}
    assert ids({"bonus": {"max": 0}}) == {c.id}  # no bonus account: a balance of 0
    assert ids({"languages": ["en"]}) == {a.id}
    assert ids({"languages": ["uk"]}) == {b.id, c.id, d.id}
    assert ids({"partner": "Кав'ярня Ліра"}) == {c.id}
    assert ids({"partner": "Instagram"}) == set()
    assert ids({"customer_filter": {"attention": True}}) == {c.id}
    assert ids({"customer_filter": {"not_bought_days": 30}}) == {b.id}
    # conditions combine: all of them
    assert ids({"card_types": [gold.id], "visited_within_days": 30}) == {a.id}
    assert ml.segment_count({"card_types": [gold.id]}, clock=lambda: NOW) == 3


@pytest.mark.parametrize(
    ("segment", "words"),
    [
        ({"colour": "red"}, "Unknown segment condition 'colour'"),
        ({"birthdays": {"from": "13-01", "to": "01-02"}}, "MM-DD"),
        ({"children_age": [9, 3]}, "X <= Y"),
        ({"bonus": {"min": 500, "max": 100}}, "lowest is above the highest"),
        ({"card_types": []}, "choose at least one"),
        ({"customer_filter": {"colour": 1}}, "Unknown customer filter"),
    ],
)
def test_a_bad_segment_is_refused_in_words(db, staff, clock, template, segment, words) -> None:
    with pytest.raises(ValidationError) as refused:
        ml.create_mailing(ml.MailingData("X", KIND, segment=segment), by=staff["manager"],
                          clock=clock)  # fmt: skip
    assert words in refused.value.message
    assert Mailing.select().count() == 0


def test_bad_mailing_input_and_permissions(db, staff, clock, template) -> None:
    manager = staff["manager"]
    for data, words in [
        (ml.MailingData("", KIND), "name"),
        (ml.MailingData("X", "mailing:Nothing"), "no mailing template"),
        (ml.MailingData("X", KIND, channels=("sms", "viber")), "falls back to SMS"),
        (ml.MailingData("X", KIND, channels=("fax",)), "Unknown channel"),
        (ml.MailingData("X", KIND, holdout_percent="60"), "from 0 to 50"),
        (ml.MailingData("X", KIND, holdout_percent="ten"), "from 0 to 50"),
        (ml.MailingData("X", KIND, exclusions={"mailed_within_days": 0}), "from 1 to 366"),
    ]:
        with pytest.raises(ValidationError) as refused:
            ml.create_mailing(data, by=manager, clock=clock)
        assert words in refused.value.message
    with pytest.raises(PermissionDenied):
        ml.create_mailing(ml.MailingData("X", KIND), by=staff["cashier"], clock=clock)
    assert Mailing.select().count() == 0
    draft = ml.create_mailing(ml.MailingData("X", KIND), by=manager, clock=clock)
    with pytest.raises(ValidationError, match="a draft"):
        ml.prepare(draft.id, clock=clock)
    changed = ml.update_mailing(
        draft.id, ml.MailingData("Y", KIND, segment={"languages": ["en"]}), by=manager,
        clock=clock,
    )  # fmt: skip
    assert (changed.name, json.loads(changed.segment)) == ("Y", {"languages": ["en"]})
    ml.start(draft.id, by=manager, clock=clock)
    with pytest.raises(ValidationError, match="scheduled: it cannot be changed"):
        ml.update_mailing(draft.id, ml.MailingData("Z", KIND), by=manager, clock=clock)
    with pytest.raises(ValidationError, match="cannot be started"):
        ml.start(draft.id, by=manager, clock=clock)
    with pytest.raises(ValidationError, match="no mailing 999"):
        ml.start(999, by=manager, clock=clock)


# --- exclusions, invalid contacts, holdout --------------------------------------------------


def test_exclusions_and_invalid_contacts_are_skipped_and_counted(db, staff, clock, template):
    ok = person("Олена Коваль")
    en = person("Jane Doe", language="en")
    opted = person("Петро")
    consent.opt_out(opted.id, "asked at the till", by=staff["manager"], now=T0)
    stopped_phone = person("Марія")
    consent.stop_address(stopped_phone.phone, "replied STOP", now=T0)
    no_consent = person("Ігор", agree=())
    no_phone = person("Олег", phone=None)
    bad_phone = person("Тарас", phone="12345")
    lately = person("Ганна", language="pl")  # no Polish text: she reads the Ukrainian one

    earlier = mailing(staff, clock, {"languages": ["pl"]}, name="Earlier")
    ml.prepare(earlier.id, clock=clock)
    assert groups(earlier.id) == {"sent": {lately.id}}

    clock.now = NOW + dt.timedelta(days=2)
    m = mailing(staff, clock, {}, exclusions={"mailed_within_days": 7})
    run = ml.prepare(m.id, clock=clock)
    assert run.state == "sending" and run.total == 8
    assert run.sent == 2 and run.holdout == 0 and run.written == 2
    assert run.skipped == {
        "opted_out": 2,
        "no_consent": 1,
        "no_contact": 1,
        "bad_phone": 1,
        "mailed_lately": 1,
    }
    rows = outbox(m.id)
    assert [(r.customer_id, r.channel, r.address, r.status, r.marketing) for r in rows] == [
        (ok.id, "sms", ok.phone, "pending", True),
        (en.id, "sms", en.phone, "pending", True),
    ]
    assert rows[0].text == "Олена, весняний розпродаж! Бонусів: 0.00 ₴"
    assert rows[1].text == "Jane, spring sale! Bonuses: 0.00 ₴"
    assert rows[0].dedupe == f"mailing:{m.id}:{ok.id}:sms"
    saved = Mailing.get_by_id(m.id)
    assert (saved.audience, saved.sent_count, saved.skipped_count, saved.messages) == (8, 2, 6, 2)
    reasons = {r.customer_id: r.reason for r in MailingRecipient.select().where(
        (MailingRecipient.mailing == m.id) & (MailingRecipient.grp == "skipped"))}  # fmt: skip
    assert reasons == {
        opted.id: "opted_out",
        stopped_phone.id: "opted_out",
        no_consent.id: "no_consent",
        no_phone.id: "no_contact",
        bad_phone.id: "bad_phone",
        lately.id: "mailed_lately",
    }


def test_email_and_viber_channels(db, staff, clock, template) -> None:
    both = person("Олена", email="olena@example.com")
    bad_email = person("Петро", email="petro at example")
    no_viber = person("Ігор", email="igor@example.com", agree=("email",))
    m = mailing(staff, clock, {}, channels=("viber", "email"))
    run = ml.prepare(m.id, clock=clock)
    assert run.sent == 3 and run.written == 4
    rows = [(r.customer_id, r.channel, r.address, r.subject) for r in outbox(m.id)]
    assert sorted(rows) == sorted([
        (both.id, "viber", both.phone, ""),
        (both.id, "email", "olena@example.com", "Весна"),
        (bad_email.id, "viber", bad_email.phone, ""),
        (no_viber.id, "email", "igor@example.com", "Весна"),
    ])  # fmt: skip
    viber = next(r for r in outbox(m.id) if r.channel == "viber")
    assert json.loads(viber.payload)["sms_fallback"] is True


def test_viber_button_link_promo_code_and_latin_sms_from_the_template(db, staff, clock) -> None:
    kind = "mailing:Latin"
    save_template(
        kind,
        {"uk": "{first_name}, знижка за кодом {promo_code}: {link}"},
        viber=ViberExtras("https://shop.example/img.png", "Купити", "https://shop.example/{card}"),
        sms_latin=True,
        by=staff["manager"],
        clock=clock,
    )
    olena = person("Олена Коваль")
    petro = person("Петро Іваненко", agree=("viber",))
    m = mailing(staff, clock, {}, kind=kind, channels=("viber",), link="https://s.example/x",
                promo_code="SPRING10")  # fmt: skip
    ml.prepare(m.id, clock=clock)
    viber = {r.customer_id: r for r in outbox(m.id)}
    assert viber[olena.id].text == "Олена, знижка за кодом SPRING10: https://s.example/x"
    assert json.loads(viber[petro.id].payload) == {
        "mailing": m.id,
        "sms_fallback": True,
        "viber": {
            "image_url": "https://shop.example/img.png",
            "button_text": "Купити",
            "button_url": f"https://shop.example/{petro.card}",
        },
    }
    sms = mailing(staff, clock, {}, kind=kind, name="SMS", link="https://s.example/x",
                  promo_code="SPRING10")  # fmt: skip
    ml.prepare(sms.id, clock=clock)
    assert [r.text for r in outbox(sms.id)] == [
        "Olena, znyzhka za kodom SPRING10: https://s.example/x",  # Petro agreed to Viber only
    ]
    found = ml.audience(ml.data_of(Mailing.get_by_id(sms.id)), clock=clock)
    assert found.sms_latin and found.by_channel == {"sms": {"uk": 1}}
    assert ml.cost_preview(found, Settings()).sms_parts == 1  # 52 Latin characters: one part


def test_holdout_is_reproducible_and_never_sent(db, staff, clock, template) -> None:
    people = [person(f"Клієнт {i}") for i in range(200)]
    m = mailing(staff, clock, {}, holdout_percent="25")
    data = ml.data_of(Mailing.get_by_id(m.id))
    preview = ml.audience(data, mailing_id=m.id, clock=clock)
    run = ml.prepare(m.id, clock=clock, batch=37)
    held = groups(m.id)["holdout"]
    assert held == {c.id for c in people if ml.in_holdout(m.id, c.id, 2500)}
    assert 30 <= len(held) <= 70  # about a quarter of 200
    assert (run.holdout, run.sent) == (len(held), 200 - len(held))
    assert (preview.holdout, preview.sent) == (run.holdout, run.sent)  # the preview agrees
    sent_to = {r.customer_id for r in outbox(m.id)}
    assert sent_to == {c.id for c in people} - held and not sent_to & held
    # another mailing holds back other customers; the same one always the same
    other = mailing(staff, clock, {}, holdout_percent="25", name="Other")
    ml.prepare(other.id, clock=clock)
    assert groups(other.id)["holdout"] != held
    assert {c.id for c in people if ml.in_holdout(m.id, c.id, 2500)} == held


def test_cost_preview_counts_parts_per_language(db, staff, clock, template) -> None:
    for i in range(3):
        person(f"Олена {i}")
    person("Jane Doe", language="en")
    data = ml.MailingData("Spring", KIND, segment={})
    found = ml.audience(data, clock=clock)
    assert found.by_channel == {"sms": {"uk": 3, "en": 1}}
    cost = ml.cost_preview(found, Settings())
    price = Settings().messages.price_sms_part
    # the Ukrainian text is UCS-2 (one part of 70), the English GSM-7 (one of 160)
    assert cost.total == 4 * price and cost.sms_parts == 4


# --- preparing: resumable, idempotent, pause/resume/cancel -----------------------------------


def test_prepare_resumes_after_a_crash_and_writes_nothing_twice(db, staff, clock, template):
    people = [person(f"Клієнт {i}") for i in range(50)]
    m = mailing(staff, clock, {})
    seen: list[tuple[int, int]] = []

    def crash(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 20:
            raise RuntimeError("the power went off")

    with pytest.raises(RuntimeError):
        ml.prepare(m.id, clock=clock, batch=10, progress=crash)
    assert seen == [(0, 50), (10, 50), (20, 50)]
    half = Mailing.get_by_id(m.id)
    assert (half.state, half.prepared_upto, len(outbox(m.id))) == ("preparing", people[19].id, 20)

    progress: list[tuple[int, int]] = []
    run = ml.prepare(m.id, clock=clock, batch=10, progress=lambda d, t: progress.append((d, t)))
    assert progress[0] == (20, 50) and progress[-1] == (50, 50)
    assert (run.state, run.walked, run.written, run.sent, run.messages) == (
        "sending", 30, 30, 50, 50)  # fmt: skip
    rows = outbox(m.id)
    assert len(rows) == len({r.dedupe for r in rows}) == 50
    assert [r.customer_id for r in rows] == [c.id for c in people]

    # a batch done again (the marker lost): nothing is written twice, the counts stay exact
    Mailing.update(state="preparing", prepared_upto=people[9].id).where(
        Mailing.id == m.id).execute()  # fmt: skip
    again = ml.prepare(m.id, clock=clock, batch=10)
    assert (again.written, again.sent, again.messages) == (0, 50, 50)
    assert MailingRecipient.select().where(MailingRecipient.mailing == m.id).count() == 50
    saved = Mailing.get_by_id(m.id)
    assert (saved.sent_count, saved.messages, saved.audience) == (50, 50, 50)
    # prepared already: a repeat writes nothing
    assert ml.prepare(m.id, clock=clock).written == 0
    assert len(outbox(m.id)) == 50


def test_pause_resume_and_cancel(db, staff, clock, template) -> None:
    manager = staff["manager"]
    for i in range(30):
        person(f"Клієнт {i}")
    m = mailing(staff, clock, {})
    batches = iter([False, True])
    first = ml.prepare(m.id, clock=clock, batch=10, cancel=lambda: next(batches))
    assert first.stopped and first.walked == 10 and first.state == "preparing"

    paused = ml.pause(m.id, by=manager, clock=clock)
    assert paused.state == "paused"
    assert {r.status for r in outbox(m.id)} == {"paused"}
    with pytest.raises(ValidationError, match="paused"):
        ml.prepare(m.id, clock=clock)
    with pytest.raises(ValidationError, match="paused"):
        ml.pause(m.id, by=manager, clock=clock)
    assert ml.resume(m.id, by=manager, clock=clock).state == "preparing"
    assert {r.status for r in outbox(m.id)} == {"pending"}
    assert ml.prepare(m.id, clock=clock, batch=10).state == "sending"
    assert len(outbox(m.id)) == 30

    # the sender took two; a pause holds the rest, resume gives them back
    two = [r.id for r in outbox(m.id)[:2]]
    OutboxMessage.update(status="accepted").where(OutboxMessage.id.in_(two)).execute()
    ml.pause(m.id, by=manager, clock=clock)
    assert ml.resume(m.id, by=manager, clock=clock).state == "sending"
    cancelled = ml.cancel(m.id, by=manager, clock=clock)
    assert cancelled.state == "cancelled"
    statuses = [r.status for r in outbox(m.id)]
    assert statuses.count("accepted") == 2 and statuses.count("cancelled") == 28
    with pytest.raises(ValidationError, match="cancelled"):
        ml.cancel(m.id, by=manager, clock=clock)
    with pytest.raises(PermissionDenied):
        ml.pause(m.id, by=staff["cashier"], clock=clock)


def test_a_pause_during_a_batch_holds_back_that_batch_too(
    db, staff, clock, template, monkeypatch
) -> None:
    """Another till pauses while a batch is being written: the pause waits for the batch (the
    mailing's row is locked for it), then holds back its rows too; nothing is left pending."""
    from torgtui import db as dbmod
    from torgtui.channels import outbox as ob

    for i in range(30):
        person(f"Клієнт {i}")
    m = mailing(staff, clock, {})
    real, calls, threads = ob.enqueue_many, {"n": 0}, []

    def pause_elsewhere() -> None:
        with dbmod.database.connection_context():
            ml.pause(m.id, by=staff["manager"], clock=clock)

    def enqueue_many(*args, **kw):
        calls["n"] += 1
        if calls["n"] == 2:  # the second batch, its rows about to be written
            threads.append(threading.Thread(target=pause_elsewhere))
            threads[0].start()
            time.sleep(0.3)
        return real(*args, **kw)

    monkeypatch.setattr(ob, "enqueue_many", enqueue_many)
    run = ml.prepare(m.id, clock=clock, batch=10)
    threads[0].join(10)
    # the pause came after the second batch (PostgreSQL: it waited for the row) or, SQLite's
    # write lock being no queue, after a later one: whichever, nothing of it is left pending
    assert run.walked in (20, 30) and run.stopped == (run.walked == 20)
    assert Mailing.get_by_id(m.id).state == "paused"
    assert [r.status for r in outbox(m.id)] == ["paused"] * run.walked
    ml.resume(m.id, by=staff["manager"], clock=clock)
    assert ml.prepare(m.id, clock=clock, batch=10).state == "sending"
    assert [r.status for r in outbox(m.id)] == ["pending"] * 30


def test_a_mailing_at_a_time_waits_for_it(db, staff, clock, template) -> None:
    person()
    later = NOW + dt.timedelta(days=1, hours=2)
    m = mailing(staff, clock, {}, send_at=later)
    ml.prepare(m.id, clock=clock)
    assert [r.send_after for r in outbox(m.id)] == [later]


# --- the result and the effect ---------------------------------------------------------------


def test_result_from_the_outbox_rows(db, staff, clock, template) -> None:
    for i in range(6):
        person(f"Клієнт {i}")
    person("Без телефону", phone="0000")
    m = mailing(staff, clock, {})
    ml.prepare(m.id, clock=clock)
    rows = outbox(m.id)

    # what the sender and the status polls would have written
    def mark(row, **values):
        OutboxMessage.update(**values).where(OutboxMessage.id == row.id).execute()

    t = NOW + dt.timedelta(minutes=5)
    mark(rows[0], status="delivered", accepted_at=t, delivery="read", read_at=t, cost=120)
    mark(rows[1], status="delivered", accepted_at=t, delivery="clicked", read_at=t,
         clicked_at=t, cost=240)  # fmt: skip
    mark(rows[2], status="delivered", accepted_at=t, delivery="delivered", cost=120)
    mark(rows[3], status="failed", accepted_at=t, delivery="failed", last_error="expired",
         cost=120)  # fmt: skip
    mark(rows[4], status="rejected", last_error="invalid number")
    result = ml.result(m.id, by=staff["manager"], clock=clock)
    assert (result.messages, result.sent, result.delivered, result.read, result.clicked) == (
        6, 4, 3, 2, 1)  # fmt: skip
    assert result.waiting == 1 and result.cost == 600
    assert result.failed == {"failed: expired": 1, "rejected: invalid number": 1}
    assert result.skipped == {"bad_phone": 1}
    assert result.state == "sending"
    mark(rows[5], status="delivered", accepted_at=t, delivery="delivered", cost=120)
    assert ml.result(m.id, by=staff["manager"], clock=clock).state == "done"
    assert ml.list_mailings()[0].state == "done"


def test_the_effect_against_the_holdout_in_kopecks(db, staff, ps, clock, template) -> None:
    """Ten customers, holdout 50 %. The mailing's hash puts customers 3, 4, 5, 6 and 8 (by
    creation) in the holdout and 0, 1, 2, 7, 9 in the sent group. Within 7 days:
    sent 0 buys a dress (1 250.00) and a cream (189.90), brings the cream back;
    sent 1 buys two creams (379.80), and a scarf (300.00) on the last evening;
    holdout 3 buys a scarf (300.00).
    Outside the window: sent 2 bought the day before; holdout 4 buys on day 8."""
    people = [person(f"Клієнт {i}") for i in range(10)]
    shift = open_shift(staff["cashier"], "till-1", ps.shop.location, 100000, clock=clock)
    clock.now = NOW - dt.timedelta(days=1)
    sell(staff, ps, shift, clock, [(ps.dress, 1)], customer_id=people[2].id)
    clock.now = NOW
    m = mailing(staff, clock, {}, holdout_percent="50")
    ml.prepare(m.id, clock=clock)
    got = groups(m.id)
    index = {c.id: i for i, c in enumerate(people)}
    assert sorted(index[c] for c in got["holdout"]) == [3, 4, 5, 6, 8]
    assert sorted(index[c] for c in got["sent"]) == [0, 1, 2, 7, 9]

    clock.now = NOW + dt.timedelta(days=1)
    first = sell(staff, ps, shift, clock, [(ps.dress, 1), (ps.cream, 1)], customer_id=people[0].id)
    give_back(staff, shift, clock, first, {"Крем для рук": 1})
    sell(staff, ps, shift, clock, [(ps.cream, 2)], customer_id=people[1].id)
    clock.now = NOW + dt.timedelta(days=6, hours=23)
    sell(staff, ps, shift, clock, [(ps.scarf, 1)], customer_id=people[1].id)
    sell(staff, ps, shift, clock, [(ps.scarf, 1)], customer_id=people[3].id)
    clock.now = NOW + dt.timedelta(days=8)
    sell(staff, ps, shift, clock, [(ps.scarf, 1)], customer_id=people[4].id)

    effect = ml.result(m.id, by=staff["manager"], days=7, clock=clock).effect
    assert effect is not None
    assert (effect.since, effect.until) == (NOW, NOW + dt.timedelta(days=7))
    assert effect.sent == ml.Group(
        customers=5,
        buyers=2,
        receipts=3,
        revenue=125000 + 18990 - 18990 + 2 * 18990 + 30000,
        returns=18990,
    )
    assert effect.holdout == ml.Group(customers=5, buyers=1, receipts=1, revenue=30000)
    assert effect.sent.conversion == Decimal("40.00")
    assert effect.holdout.conversion == Decimal("20.00")
    assert effect.conversion_diff == Decimal("20.00")
    assert effect.sent.receipts_per_customer == Decimal("0.600")
    assert effect.sent.revenue_per_customer == 38596  # 192 980 / 5
    assert effect.holdout.revenue_per_customer == 6000
    assert effect.revenue_per_customer_diff == 32596
    assert effect.extra_revenue == 32596 * 5
    # 14 days: the holdout's day-8 scarf counts too
    wide = ml.effect(m.id, days=14)
    assert wide is not None and wide.holdout.revenue == 60000 and wide.holdout.buyers == 2
