"""The messages screens for ``tests/ui/snapshots.py`` (issue 10): the Mailings area's list, the
builder of a new mailing with its count (F4), a sent mailing's screen with its result and its
effect against the holdout, the templates and a template's editor, the call journal, the
incoming-call popup, a card's message log (F7 in its contacts) and the register's SMS code
dialog, at 80x24, over a shop of their own.

The mailing was sent ten days before :data:`T0` through the real sender and the sandbox
gateway; what the phones answered (read, clicked, failed) is then written as fixed statuses,
and the app itself runs with no gateway, so nothing changes them while the shots are taken.
Every date is fixed (FixedClock), and so is the SMS code the register sends.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

T0 = dt.datetime(2026, 11, 22, 10, 0)
SENT_AT = dt.datetime(2026, 11, 12, 11, 0)
KIND = "mailing:Autumn"
STAFF = (
    ("Олена Власниця", "owner", "1111"),
    ("Марія Менеджерка", "manager", "2222"),
    ("Катерина Касирка", "cashier", "3333"),
)
CUSTOMERS = (
    ("Ольга Коваленко", "+380671234567", "uk"),
    ("Тарас Григорович Шевченко", "+380509891234", "uk"),
    ("Ірина Бондаренко", "+380931117693", "uk"),
    ("Галина Ткач", "+380661230011", "uk"),
    ("John Smith", "+380671110022", "en"),
    ("Андрій Мельник", "+380972220033", "uk"),
    ("Наталія Кравченко", "+380633330044", "uk"),
    ("Петро Олійник", "+380684440055", "uk"),
    ("Віра Без-Телефону", "12345", "uk"),
)
CODE = "4827"  # the register's SMS code (random otherwise)


def _sell(staff: dict[str, Any], clock: Any, shift: Any, at: dt.datetime, product: Any,
          units: int, customer_id: int) -> None:  # fmt: skip
    from torgtui.models import Customer
    from torgtui.sales.checkout import Tender, commit_sale
    from torgtui.sales.register import Register

    now, clock.now = clock.now, at
    try:
        seller = staff["cashier"]
        reg = Register(seller, register="till-9", clock=clock)
        reg.attach_customer(Customer.get_by_id(customer_id))
        reg.add(product, units * 1000)
        total = reg.priced().total
        commit_sale(reg.basket, [Tender("card", total)], uuid=reg.uuid, employee=seller,
                    shift=shift, cash_step=10, clock=clock, fiscal=False)  # fmt: skip
        reg.forget()
    finally:
        clock.now = now


def build_messages_shop(path: str, settings: Any) -> dict[str, Any]:
    """Staff, a cream, nine customers (eight with Viber and SMS consent, one with a bad phone), the
    autumn mailing (Viber, holdout 25 %) sent ten days ago through the sandbox with fixed answers,
    a few receipts of its customers after it, three calls in the journal and an open shift on
    till-1 for the register's code dialog."""
    from tests.channels.fake_binotel import call
    from torgtui import db
    from torgtui import staff as st
    from torgtui.channels import call_journal
    from torgtui.channels.sender import Sender
    from torgtui.channels.templates import save_template
    from torgtui.clock import FixedClock
    from torgtui.marketing import mailings as ml
    from torgtui.models import Customer, CustomerPhone, Location, OutboxMessage, Product
    from torgtui.models.messages import CustomerConsent
    from torgtui.sales.shifts import open_shift

    clock = FixedClock(T0 - dt.timedelta(days=30))
    db.open_and_upgrade(path, create=True)
    staff = {
        role: st.create_employee(name, st.Role(role), pin, by=None, system=True, clock=clock)
        for name, role, pin in STAFF
    }
    loc = Location.create(code="MAIN", name="Квітка")
    cream = Product.create(sku="C-1", name="Крем для рук", price=18990, cost=9000,
                           created_at=clock(), updated_at=clock())  # fmt: skip
    people = []
    for i, (name, phone, language) in enumerate(CUSTOMERS, start=1):
        customer = Customer.create(name=name, phone=phone, card=f"29{i:011d}",
                                   language=language, created_at=clock(),
                                   updated_at=clock())  # fmt: skip
        if phone.startswith("+"):
            CustomerPhone.create(customer=customer, phone=phone)
        for channel in ("viber", "sms"):
            CustomerConsent.create(customer=customer, channel=channel, granted=True,
                                   at=clock(), how="card")  # fmt: skip
        people.append(customer)
    save_template(
        KIND,
        {"uk": "{first_name}, осінній розпродаж у Квітці: -20% до неділі!",
         "en": "{first_name}, autumn sale at Kvitka: -20% till Sunday!"},
        by=staff["manager"],
        clock=clock,
    )  # fmt: skip
    clock.now = SENT_AT
    data = ml.MailingData("Осінній розпродаж", KIND, channels=("viber",), holdout_percent="25")
    mailing = ml.create_mailing(data, by=staff["manager"], clock=clock)
    ml.start(mailing.id, by=staff["manager"], clock=clock)
    ml.prepare(mailing.id, clock=clock)
    sandbox = dataclasses.replace(
        settings,
        messages=dataclasses.replace(
            settings.messages, sms_gateway="sandbox", email_gateway="sandbox"
        ),
        database=dataclasses.replace(settings.database, url=path),
    )
    sender = Sender(sandbox, clock=clock, sleep=lambda _s: None)
    try:
        while sender.run_once(100).handled:
            pass
        clock.now = SENT_AT + dt.timedelta(minutes=5)
        sender.poll()
    finally:
        sender.close()
    # what the phones answered: fixed, whatever the sandbox said
    rows = list(
        OutboxMessage.select()
        .where(OutboxMessage.mailing_id == mailing.id)
        .order_by(OutboxMessage.customer_id)
    )
    at = SENT_AT + dt.timedelta(minutes=2)
    later = SENT_AT + dt.timedelta(hours=3)
    answers = (
        {"delivery": "read", "read_at": later},
        {"delivery": "clicked", "read_at": later, "clicked_at": later},
        {"delivery": "delivered"},
        {"status": "failed", "delivery": "failed", "last_error": "expired"},
    )
    for i, row in enumerate(rows):
        values = {"status": "delivered", "accepted_at": at, "delivered_at": at, "cost": 120,
                  "delivery": "delivered", **answers[i % len(answers)]}  # fmt: skip
        fields = OutboxMessage._meta.fields
        values = {k: v for k, v in values.items() if k in fields}
        OutboxMessage.update(**values).where(OutboxMessage.id == row.id).execute()
    ml.result(mailing.id, by=staff["manager"], clock=clock)  # the state: done
    # receipts within the mailing's week: two who got it, one of the holdout
    clock.now = SENT_AT - dt.timedelta(hours=2)
    history = open_shift(staff["cashier"], "till-9", loc, 0, clock=clock, fiscal=False)
    got = {r.customer_id for r in rows}
    sent = [c for c in people if c.id in got]
    holdout = [c for c in people[:-1] if c.id not in got]
    day = SENT_AT + dt.timedelta(days=1)
    for n, customer in enumerate(sent[:2]):
        _sell(staff, clock, history, day + dt.timedelta(hours=n), cream, 2 - n, customer.id)
    for customer in holdout[:1]:
        _sell(staff, clock, history, day + dt.timedelta(days=2), cream, 1, customer.id)
    clock.now = T0
    t = T0 - dt.timedelta(hours=1)
    calls = [
        call("11", t, number="0671234567", disposition="NOANSWER"),
        call("12", t + dt.timedelta(minutes=5), number="0501112233", disposition="BUSY"),
        call("13", t + dt.timedelta(minutes=7), number="0931117693", billsec=95),
        call("14", t + dt.timedelta(minutes=20), incoming=False, number="0509891234", billsec=42),
    ]
    call_journal.store_calls(calls, source="poll", clock=clock)
    open_shift(staff["cashier"], "till-1", loc, 50000, clock=clock, fiscal=False)
    db.database.close()
    return {"olha": people[0].id, "phone": CUSTOMERS[0][1]}


async def capture_messages(
    settings: Any, shot: Callable[[Any, str], None], helpers: dict[str, Any]
) -> None:
    """Every screen of the messages issue, in its own shop."""
    import secrets

    from torgtui.app import TorgApp
    from torgtui.channels.binotel_hook import CallEvent
    from torgtui.channels.caller import caller_info
    from torgtui.clock import FixedClock
    from torgtui.screens.customer_card import CustomerCardScreen
    from torgtui.screens.incoming_call import IncomingCallScreen

    settle, log_in, index_of = helpers["settle"], helpers["log_in"], helpers["index_of"]

    async def press(pilot: Any, *keys: str) -> None:
        await pilot.press(*keys)
        for _round in range(3):
            await settle(pilot)

    path = str(Path(settings.database.url).with_name("messages.sqlite"))
    shop = build_messages_shop(path, settings)
    quiet = dataclasses.replace(
        settings,
        messages=dataclasses.replace(settings.messages, sms_gateway="none", email_gateway="none"),
        verification=dataclasses.replace(settings.verification, identify_by_phone="code"),
        database=dataclasses.replace(settings.database, url=path),
    )
    clock = FixedClock(T0)

    app = TorgApp(quiet, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, index_of(app, "Марія"), "2222")
        await press(pilot, "7")
        shot(app, "mailings")
        await press(pilot, "insert")
        await press(pilot, *"Зимова знижка")
        await press(pilot, "f4")
        shot(app, "mailing_builder")
        await press(pilot, "escape")
        await press(pilot, "enter")
        shot(app, "mailing_result")
        await press(pilot, "escape")
        await press(pilot, "f5")
        shot(app, "templates")
        await press(pilot, "enter")
        shot(app, "template_editor")
        await press(pilot, "escape", "escape")
        await press(pilot, "f6")
        shot(app, "calls")
        await press(pilot, "escape", "escape")
        number = shop["phone"]
        caller = caller_info(number, clock=clock)
        app.push_screen(
            IncomingCallScreen(
                CallEvent("received", "21", "in", number, "901", caller, arrived=0.0)
            )
        )
        await press(pilot)
        shot(app, "incoming_call")
        await press(pilot, "escape")
        app.push_screen(CustomerCardScreen(shop["olha"]))
        await press(pilot)
        for _section in range(3):  # family, history, contacts
            await press(pilot, "f4")
        await press(pilot, "f7")
        shot(app, "message_log")

    choice = secrets.choice
    digits = iter(CODE * 4)
    secrets.choice = lambda _seq: next(digits)  # type: ignore[assignment]
    try:
        app = TorgApp(quiet, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await log_in(pilot, index_of(app, "Катерина"), "3333")
            await press(pilot, "1")
            await press(pilot, "f6")
            await pilot.press(*"067 123 45 67")
            await pilot.pause(0.05)
            await press(pilot, "enter")
            shot(app, "sale_code")
    finally:
        secrets.choice = choice
