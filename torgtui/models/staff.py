"""Employees and the append-only audit log."""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel


class Employee(BaseModel):
    name = peewee.CharField(max_length=120, unique=True)
    role = peewee.CharField(max_length=20)  # a torgtui.staff.Role value
    pin_hash = peewee.CharField(max_length=200)  # scrypt$n$r$p$salt$hash, see torgtui.staff
    failed_logins = peewee.IntegerField(default=0)
    locked_until = peewee.DateTimeField(null=True)
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField()


class AuditEntry(BaseModel):
    """Who did what, when, with the state before and after. Never updated, never deleted
    (triggers in the schema refuse both)."""

    at = peewee.DateTimeField(index=True)
    employee = peewee.ForeignKeyField(Employee, null=True, backref="audit_entries")
    action = peewee.CharField(max_length=60, index=True)
    object_type = peewee.CharField(max_length=40, default="")
    object_id = peewee.CharField(max_length=60, default="")
    before = peewee.TextField(null=True)  # JSON
    after = peewee.TextField(null=True)  # JSON
    terminal = peewee.CharField(max_length=60, default="")
    # migration 0006: a hash chain, so an edit made behind the triggers' back shows
    # (see torgtui.staff.verify_audit_chain)
    prev_hash = peewee.CharField(max_length=64, default="")
    hash = peewee.CharField(max_length=64, default="")


class Approval(BaseModel):
    """A senior's (or one's own) agreement to one thing: ``action`` on ``scope`` (a receipt's
    uuid) for ``subject`` (canonical JSON of what exactly). Granted after a verified PIN,
    spent once, checked again where the thing is committed (see torgtui.approvals)."""

    action = peewee.CharField(max_length=40)
    scope = peewee.CharField(max_length=64)
    subject = peewee.TextField()
    approver = peewee.ForeignKeyField(Employee, backref="approvals")
    method = peewee.CharField(max_length=8)  # pin (a senior typed it) or own (the actor's right)
    token_hash = peewee.CharField(max_length=64)
    created_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField()
    used_at = peewee.DateTimeField(null=True)
    terminal = peewee.CharField(max_length=60, default="")

    class Meta:
        indexes = ((("scope", "action"), False),)
