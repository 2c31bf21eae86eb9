"""Contacts with customers (logged, paged newest first) and reminders (due on a day, done,
snoozed), with the day fixed by the injected clock."""

from __future__ import annotations

import datetime as dt

import pytest

from torgtui.customers.contacts import (
    CONTACT_TEXT_MAX,
    add_reminder,
    contacts_of,
    done,
    due_reminders,
    log_contact,
    snooze,
)
from torgtui.customers.merge import clean_card
from torgtui.customers.service import CardData, create_customer
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.models import Contact, Customer, Reminder

TODAY = dt.date(2026, 11, 22)  # the clock fixture's day


@pytest.fixture
def customer(db, staff, clock) -> Customer:
    return create_customer(CardData("Галина", ["0671111111"]), by=staff["cashier"], clock=clock)


def test_log_and_page_contacts_newest_first(db, staff, clock, customer) -> None:
    texts = []
    for i, kind in enumerate(["call", "message", "invoice", "promise", "note"] * 3):
        text = f"{kind} {i}"
        log_contact(customer, kind, text, direction="out", by=staff["cashier"], clock=clock)
        texts.append(text)
        clock.advance(minutes=5)
    seen, before = [], None
    while page := contacts_of(customer, before_id=before, limit=4):
        seen += [c.text for c in page]
        before = page[-1].id
    assert seen == texts[::-1]
    newest = contacts_of(customer, limit=1)[0]
    assert (newest.kind, newest.direction, newest.employee.name) == (
        "note",
        "out",
        "Kateryna Cashier",
    )
    assert newest.at == clock() - dt.timedelta(minutes=5)
    # a call needs no words; a promise does
    call = log_contact(customer.id, "call", "", direction="in", by=staff["cashier"], clock=clock)
    assert call.text == "" and Contact.select().count() == 16


@pytest.mark.parametrize(
    ("kind", "text", "direction", "message"),
    [
        ("visit", "x", "", "Unknown contact kind 'visit'"),
        ("call", "x", "sideways", "Direction: in"),
        ("promise", "   ", "", "write what it is about"),
        ("note", "я" * (CONTACT_TEXT_MAX + 1), "", "at most 2000 characters"),
    ],
)
def test_bad_contacts_are_refused(db, staff, clock, customer, kind, text, direction, message):
    with pytest.raises(ValidationError, match=message):
        log_contact(customer, kind, text, direction=direction, by=staff["cashier"], clock=clock)
    assert Contact.select().count() == 0


def test_contacts_need_an_active_card_and_a_seller(db, staff, clock, customer) -> None:
    with pytest.raises(PermissionDenied):
        log_contact(customer, "note", "x", by=staff["support"], clock=clock)
    clean_card(customer, by=staff["manager"], clock=clock)
    with pytest.raises(ValidationError, match="not active"):
        log_contact(customer, "note", "x", by=staff["manager"], clock=clock)


def test_reminders_pop_up_on_their_day(db, staff, clock, customer) -> None:
    manager, cashier = staff["manager"], staff["cashier"]
    today = add_reminder(
        manager, TODAY, "Передзвонити Галині", customer=customer, by=manager, clock=clock
    )
    later = add_reminder(
        manager, TODAY + dt.timedelta(days=2), "Оплата рахунку", by=cashier, clock=clock
    )
    add_reminder(cashier, TODAY, "Прийняти товар", by=manager, clock=clock)
    due = due_reminders(manager, TODAY)
    assert [r.id for r in due] == [today.id]
    assert due[0].customer.name == "Галина" and due[0].created_by_id == manager.id

    clock.advance(days=2)
    assert [r.id for r in due_reminders(manager, clock().date())] == [today.id, later.id]
    snoozed = snooze(today, clock().date() + dt.timedelta(days=1), by=manager, clock=clock)
    assert snoozed.snoozed_until == dt.date(2026, 11, 25)
    assert [r.id for r in due_reminders(manager, clock().date())] == [later.id]
    # the author (the cashier) may close the reminder set for the manager
    closed = done(later, by=cashier, clock=clock)
    assert closed.done_at == clock()
    assert done(later, by=manager, clock=clock).done_at == clock()  # twice changes nothing
    assert due_reminders(manager, clock().date()) == []

    clock.advance(days=1)
    assert [r.id for r in due_reminders(manager, clock().date())] == [today.id]
    with pytest.raises(ValidationError, match="already done"):
        snooze(later, clock().date() + dt.timedelta(days=3), by=manager, clock=clock)


def test_bad_reminders_are_refused(db, staff, clock, customer) -> None:
    manager = staff["manager"]
    with pytest.raises(ValidationError, match="in the past"):
        add_reminder(manager, TODAY - dt.timedelta(days=1), "x", by=manager, clock=clock)
    with pytest.raises(ValidationError, match="write what it is about"):
        add_reminder(manager, TODAY, "  ", by=manager, clock=clock)
    with pytest.raises(ValidationError, match="at most 500"):
        add_reminder(manager, TODAY, "x" * 501, by=manager, clock=clock)
    with pytest.raises(PermissionDenied):
        add_reminder(manager, TODAY, "x", by=staff["support"], clock=clock)
    reminder = add_reminder(manager, TODAY, "Зателефонувати", by=manager, clock=clock)
    for until in (TODAY, TODAY - dt.timedelta(days=1)):
        with pytest.raises(ValidationError, match="after today"):
            snooze(reminder, until, by=manager, clock=clock)
    with pytest.raises(PermissionDenied, match="for someone else"):
        done(reminder, by=staff["cashier"], clock=clock)
    assert done(reminder, by=staff["senior_cashier"], clock=clock).done_at == clock()
    assert Reminder.select().count() == 1
