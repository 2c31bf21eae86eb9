"""Contacts with customers (calls, messages, invoices, promises, notes) and reminders: what an
employee must do on a day, shown when they log in that day until done or snoozed."""

from __future__ import annotations

import datetime as dt

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.i18n import _
from torgtui.models import Contact, Customer, Employee, Reminder
from torgtui.staff import Permission, can, require
from torgtui.values import check_id, check_text

KINDS = ("call", "message", "invoice", "promise", "note")
KINDS_NEED_TEXT = ("promise", "note")  # a call or an invoice sent means something by itself
DIRECTIONS = ("", "in", "out")
CONTACT_TEXT_MAX = 2000
REMINDER_TEXT_MAX = 500


def _active_customer(customer: Customer | int) -> Customer:
    cid = check_id(
        customer if isinstance(customer, int) else getattr(customer, "id", None), _("The customer")
    )
    row = Customer.get_or_none(Customer.id == cid)
    if row is None or row.status != "active":
        raise ValidationError(
            _("This card is not active (merged, cleaned or erased): open the card it became.")
        )
    return row


def _text(text: str, limit: int, what: str, *, required: bool) -> str:
    text = check_text(text, what, max_len=limit * 10, multiline=True)
    if required and not text:
        raise ValidationError(_("{what}: write what it is about.").format(what=what))
    if len(text) > limit:
        raise ValidationError(
            _("{what}: at most {limit} characters ({count} now); shorten it.").format(
                what=what, limit=limit, count=len(text)
            )
        )
    return text


# --- contacts -------------------------------------------------------------------------------


def log_contact(
    customer: Customer | int,
    kind: str,
    text: str,
    *,
    direction: str = "",
    by: Employee,
    clock: Clock = system_clock,
) -> Contact:
    """Record a contact with a customer: ``kind`` is call, message, invoice, promise or note;
    ``direction`` "in" (they reached us), "out" (we reached them) or ""."""
    require(by, Permission.CREATE_CUSTOMERS)
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationError(
            _("Unknown contact kind {kind!r}: choose one of {kinds}.").format(
                kind=kind, kinds=", ".join(KINDS)
            )
        )
    if not isinstance(direction, str) or direction not in DIRECTIONS:
        raise ValidationError(_("Direction: in (they called or wrote), out (we did) or empty."))
    text = _text(text, CONTACT_TEXT_MAX, _("Contact"), required=kind in KINDS_NEED_TEXT)
    card = _active_customer(customer)
    with write_tx():
        return Contact.create(
            customer=card.id, employee=by.id, at=clock(), kind=kind, direction=direction, text=text
        )


def contacts_of(
    customer: Customer | int, *, before_id: int | None = None, limit: int = 50
) -> list[Contact]:
    """One page of a customer's contacts, newest first, with the employee; pass the last id
    as ``before_id`` for the next page."""
    cid = customer if isinstance(customer, int) else customer.id
    query = (
        Contact.select(Contact, Employee)
        .join(Employee, peewee.JOIN.LEFT_OUTER)
        .where(Contact.customer == cid)
    )
    if before_id is not None:
        query = query.where(Contact.id < before_id)
    return list(query.order_by(Contact.id.desc()).limit(limit))


# --- reminders ------------------------------------------------------------------------------


def add_reminder(
    employee: Employee,
    due_date: dt.date,
    text: str,
    *,
    customer: Customer | int | None = None,
    by: Employee,
    clock: Clock = system_clock,
) -> Reminder:
    """Remind ``employee`` (oneself or a colleague) on ``due_date`` (today or later), about a
    customer or not."""
    require(by, Permission.CREATE_CUSTOMERS)
    today = clock().date()
    if not isinstance(due_date, dt.date) or isinstance(due_date, dt.datetime):
        raise ValidationError(_("Reminder: give the day it is due."))
    if due_date < today:
        raise ValidationError(
            _("Reminder: {date} is in the past; choose today or a later day.").format(
                date=due_date.isoformat()
            )
        )
    text = _text(text, REMINDER_TEXT_MAX, _("Reminder"), required=True)
    if not employee.active:
        raise ValidationError(
            _("{name} no longer works here: remind someone else.").format(name=employee.name)
        )
    card = _active_customer(customer) if customer is not None else None
    with write_tx():
        return Reminder.create(
            customer=card.id if card else None,
            employee=employee.id,
            created_by=by.id,
            created_at=clock(),
            due_date=due_date,
            text=text,
        )


def due_reminders(employee: Employee, today: dt.date) -> list[Reminder]:
    """What pops up when ``employee`` logs in on ``today``: not done, due by today and not
    snoozed past it; oldest due first, with the customer."""
    return list(
        Reminder.select(Reminder, Customer)
        .join(Customer, peewee.JOIN.LEFT_OUTER, on=Reminder.customer == Customer.id)
        .where(
            (Reminder.employee == employee.id)
            & (Reminder.due_date <= today)
            & Reminder.done_at.is_null()
            & (Reminder.snoozed_until.is_null() | (Reminder.snoozed_until <= today))
        )
        .order_by(Reminder.due_date, Reminder.id)
    )


def _may_handle(reminder: Reminder, by: Employee) -> None:
    """The reminded employee, whoever set the reminder, or a senior cashier and up."""
    if by is None or not by.active:
        require(by, Permission.CREATE_CUSTOMERS)
    if by.id in (reminder.employee_id, reminder.created_by_id):
        return
    if not can(by, Permission.EDIT_CUSTOMERS):
        raise PermissionDenied(
            _("This reminder is for someone else: only they, its author or a manager can close it.")
        )


def done(reminder: Reminder, *, by: Employee, clock: Clock = system_clock) -> Reminder:
    """Mark a reminder done (pressing it twice changes nothing)."""
    _may_handle(reminder, by)
    with write_tx():
        Reminder.update(done_at=clock()).where(
            (Reminder.id == reminder.id) & Reminder.done_at.is_null()
        ).execute()
    return Reminder.get_by_id(reminder.id)


def snooze(
    reminder: Reminder, until_date: dt.date, *, by: Employee, clock: Clock = system_clock
) -> Reminder:
    """Hide a reminder until ``until_date`` (after today); it pops up again that day."""
    _may_handle(reminder, by)
    today = clock().date()
    if not isinstance(until_date, dt.date) or isinstance(until_date, dt.datetime):
        raise ValidationError(_("Snooze: give the day to be reminded again."))
    if until_date <= today:
        raise ValidationError(_("Snooze: choose a day after today (tomorrow or later)."))
    with write_tx():
        changed = (
            Reminder.update(snoozed_until=until_date)
            .where((Reminder.id == reminder.id) & Reminder.done_at.is_null())
            .execute()
        )
    if changed != 1:
        raise ValidationError(_("This reminder is already done: there is nothing to snooze."))
    return Reminder.get_by_id(reminder.id)


__all__ = [
    "KINDS",
    "add_reminder",
    "contacts_of",
    "done",
    "due_reminders",
    "log_contact",
    "snooze",
]
