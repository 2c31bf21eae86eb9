"""Staff: roles and their permissions, PINs (scrypt), login with lockout, and the audit log.

Permissions are checked here, in the services (:func:`require`), not only by hiding buttons: a
cashier's session calling a manager's service gets :class:`PermissionDenied` with a message.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import secrets
from enum import StrEnum
from typing import Any

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import AuthError, PermissionDenied, ValidationError
from torgtui.i18n import _
from torgtui.models import AuditEntry, Employee


class Role(StrEnum):
    CASHIER = "cashier"
    SENIOR_CASHIER = "senior_cashier"
    MANAGER = "manager"
    OWNER = "owner"
    SUPPORT = "support"


class Permission(StrEnum):
    SELL = "sell"
    RETURN = "return"
    SHIFT = "shift"  # open/close shift, cash in/out, X and Z reports
    CANCEL_RECEIPT = "cancel_receipt"
    MANUAL_DISCOUNT = "manual_discount"
    CREATE_CUSTOMERS = "create_customers"
    EDIT_CUSTOMERS = "edit_customers"
    MERGE_CUSTOMERS = "merge_customers"
    DELETE_CUSTOMERS = "delete_customers"  # clean a card, erase personal data
    SEE_PHONES = "see_phones"  # phone numbers in full (masked otherwise)
    EDIT_VIP = "edit_vip"
    EDIT_PRICES = "edit_prices"  # prices, products and promotions
    CONFIRM_BELOW_COST = "confirm_below_cost"
    WRITE_OFF_BONUSES = "write_off_bonuses"
    SEND_MAILINGS = "send_mailings"
    VIEW_REPORTS = "view_reports"
    VIEW_AUDIT = "view_audit"
    CHANGE_SETTINGS = "change_settings"
    MANAGE_STAFF = "manage_staff"


P = Permission
_CASHIER = {P.SELL, P.RETURN, P.SHIFT, P.CREATE_CUSTOMERS}
_SENIOR = _CASHIER | {P.CANCEL_RECEIPT, P.MANUAL_DISCOUNT, P.EDIT_CUSTOMERS, P.SEE_PHONES}
_MANAGER = _SENIOR | {
    P.MERGE_CUSTOMERS,
    P.DELETE_CUSTOMERS,
    P.EDIT_VIP,
    P.EDIT_PRICES,
    P.WRITE_OFF_BONUSES,
    P.SEND_MAILINGS,
    P.VIEW_REPORTS,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASHIER: frozenset(_CASHIER),
    Role.SENIOR_CASHIER: frozenset(_SENIOR),
    Role.MANAGER: frozenset(_MANAGER),
    Role.OWNER: frozenset(Permission),
    # support staff remote in to look and fix settings; they do not sell or touch money
    Role.SUPPORT: frozenset({P.VIEW_REPORTS, P.VIEW_AUDIT, P.CHANGE_SETTINGS}),
}


# The largest manual discount (percent of the line or receipt) each role may give by itself.
MANUAL_DISCOUNT_LIMIT: dict[Role, int] = {
    Role.CASHIER: 0,
    Role.SENIOR_CASHIER: 10,
    Role.MANAGER: 30,
    Role.OWNER: 100,
    Role.SUPPORT: 0,
}


def role_title(role: str) -> str:
    return {
        Role.CASHIER: _("Cashier"),
        Role.SENIOR_CASHIER: _("Senior cashier"),
        Role.MANAGER: _("Manager"),
        Role.OWNER: _("Owner"),
        Role.SUPPORT: _("Support"),
    }.get(Role(role), role)


def permission_title(permission: Permission) -> str:
    return {
        P.SELL: _("sell"),
        P.RETURN: _("take returns"),
        P.SHIFT: _("open and close shifts"),
        P.CANCEL_RECEIPT: _("cancel a receipt"),
        P.MANUAL_DISCOUNT: _("give a manual discount"),
        P.CREATE_CUSTOMERS: _("add customers"),
        P.EDIT_CUSTOMERS: _("edit customers"),
        P.MERGE_CUSTOMERS: _("merge customer cards"),
        P.DELETE_CUSTOMERS: _("clean or erase customer cards"),
        P.SEE_PHONES: _("see phone numbers in full"),
        P.EDIT_VIP: _("edit the VIP list"),
        P.EDIT_PRICES: _("edit prices and promotions"),
        P.CONFIRM_BELOW_COST: _("confirm a sale below cost"),
        P.WRITE_OFF_BONUSES: _("write off bonuses"),
        P.SEND_MAILINGS: _("send mailings"),
        P.VIEW_REPORTS: _("view reports"),
        P.VIEW_AUDIT: _("view the audit log"),
        P.CHANGE_SETTINGS: _("change settings"),
        P.MANAGE_STAFF: _("manage staff"),
    }[permission]


def can(employee: Employee | None, permission: Permission) -> bool:
    if employee is None or not employee.active:
        return False
    try:
        return permission in ROLE_PERMISSIONS[Role(employee.role)]
    except ValueError:
        return False


def require(employee: Employee | None, permission: Permission) -> Employee:
    """Return ``employee`` if allowed to ``permission``, else raise PermissionDenied."""
    if employee is None:
        raise AuthError(_("Nobody is logged in: log in with your PIN first."))
    if not can(employee, permission):
        raise PermissionDenied(
            _(
                "{name} ({role}) may not {action}. Ask a manager or the owner to log in and do it."
            ).format(
                name=employee.name,
                role=role_title(employee.role),
                action=permission_title(permission),
            )
        )
    return employee


# --- PINs ---------------------------------------------------------------------------------

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=5)


def check_pin_format(pin: str) -> str:
    pin = (pin or "").strip()
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise ValidationError(_("A PIN is 4 to 12 digits."))
    return pin


def hash_pin(pin: str, *, n: int = SCRYPT_N) -> str:
    """scrypt with a random salt; the stored form names its parameters so they can grow."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    enc = base64.b64encode
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(
            pin.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


# --- audit --------------------------------------------------------------------------------


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def audit(
    action: str,
    employee: Employee | None,
    *,
    object_type: str = "",
    object_id: Any = "",
    before: Any = None,
    after: Any = None,
    terminal: str = "",
    clock: Clock = system_clock,
) -> AuditEntry:
    """Append one entry to the audit log (inside the caller's transaction, if any)."""
    return AuditEntry.create(
        at=clock(),
        employee=employee,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=_json(before),
        after=_json(after),
        terminal=terminal,
    )


def audit_page(
    viewer: Employee, *, before_id: int | None = None, limit: int = 100
) -> list[AuditEntry]:
    """Newest-first page of the audit log, keyset-paged by id (owner and support only)."""
    require(viewer, P.VIEW_AUDIT)
    query = AuditEntry.select(AuditEntry, Employee).join(Employee, peewee.JOIN.LEFT_OUTER)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(query.order_by(AuditEntry.id.desc()).limit(limit))


# --- employees and login ------------------------------------------------------------------


def _snapshot(employee: Employee) -> dict[str, Any]:
    return {"name": employee.name, "role": employee.role, "active": employee.active}


def create_employee(
    name: str,
    role: Role | str,
    pin: str,
    *,
    by: Employee | None,
    clock: Clock = system_clock,
    system: bool = False,
) -> Employee:
    """Add an employee. ``system=True`` is for set-up from the command line (no actor)."""
    if not system:
        require(by, P.MANAGE_STAFF)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError(_("An employee's name is 1 to 120 characters."))
    try:
        role = Role(role)
    except ValueError:
        raise ValidationError(
            _("Unknown role {role!r}: choose one of {roles}.").format(
                role=role, roles=", ".join(r.value for r in Role)
            )
        ) from None
    pin = check_pin_format(pin)
    pin_hash = hash_pin(pin)
    with write_tx():
        if Employee.select().where(Employee.name == name).exists():
            raise ValidationError(_("There is already an employee named {name}.").format(name=name))
        employee = Employee.create(
            name=name, role=role.value, pin_hash=pin_hash, created_at=clock()
        )
        audit(
            "staff.create",
            by,
            object_type="employee",
            object_id=employee.id,
            after=_snapshot(employee),
            clock=clock,
        )
    return employee


def set_pin(
    employee: Employee,
    pin: str,
    *,
    by: Employee | None,
    clock: Clock = system_clock,
    system: bool = False,
) -> None:
    """Change a PIN: one's own, or anyone's with manage-staff permission."""
    if not system and (by is None or by.id != employee.id):
        require(by, P.MANAGE_STAFF)
    pin_hash = hash_pin(check_pin_format(pin))
    with write_tx():
        Employee.update(pin_hash=pin_hash, failed_logins=0, locked_until=None).where(
            Employee.id == employee.id
        ).execute()
        audit("staff.set_pin", by, object_type="employee", object_id=employee.id, clock=clock)


def set_role(
    employee: Employee, role: Role | str, *, by: Employee, clock: Clock = system_clock
) -> Employee:
    require(by, P.MANAGE_STAFF)
    role = Role(role)
    before = _snapshot(employee)
    with write_tx():
        Employee.update(role=role.value).where(Employee.id == employee.id).execute()
        employee.role = role.value
        audit(
            "staff.set_role",
            by,
            object_type="employee",
            object_id=employee.id,
            before=before,
            after=_snapshot(employee),
            clock=clock,
        )
    return employee


def login(
    employee_id: int, pin: str, *, clock: Clock = system_clock, terminal: str = ""
) -> Employee:
    """Check a PIN. Five wrong PINs in a row lock the employee for five minutes.

    The hash is checked outside the write transaction (scrypt is slow on purpose); the
    counters are then updated atomically, so two terminals guessing at once still count.
    """
    employee = Employee.get_or_none(Employee.id == employee_id)
    if employee is None or not employee.active:
        raise AuthError(_("No such employee. Choose your name from the list."))
    now = clock()
    if employee.locked_until and employee.locked_until > now:
        minutes = max(1, -(-int((employee.locked_until - now).total_seconds()) // 60))
        raise AuthError(
            _(
                "{name} is locked after {count} wrong PINs. Try again in {minutes} min, or ask "
                "a manager."
            ).format(name=employee.name, count=MAX_FAILED_LOGINS, minutes=minutes)
        )
    ok = verify_pin((pin or "").strip(), employee.pin_hash)
    with write_tx():
        if ok:
            Employee.update(failed_logins=0, locked_until=None).where(
                Employee.id == employee.id
            ).execute()
            audit(
                "login",
                employee,
                object_type="employee",
                object_id=employee.id,
                terminal=terminal,
                clock=clock,
            )
            employee.failed_logins, employee.locked_until = 0, None
            return employee
        Employee.update(failed_logins=Employee.failed_logins + 1).where(
            Employee.id == employee.id
        ).execute()
        failed = Employee.get_by_id(employee.id).failed_logins
        locked = failed >= MAX_FAILED_LOGINS
        if locked:
            Employee.update(failed_logins=0, locked_until=now + LOCKOUT).where(
                Employee.id == employee.id
            ).execute()
        audit(
            "login.locked" if locked else "login.failed",
            None,
            object_type="employee",
            object_id=employee.id,
            terminal=terminal,
            clock=clock,
            after={"locked_until": now + LOCKOUT} if locked else {"failed_logins": failed},
        )
    # raised after the transaction commits: the failure count must be kept
    if locked:
        raise AuthError(
            _("Wrong PIN. {name} is now locked for 5 minutes.").format(name=employee.name)
        )
    left = MAX_FAILED_LOGINS - failed
    raise AuthError(_("Wrong PIN. {left} tries left before a 5-minute lock.").format(left=left))


def active_employees() -> list[Employee]:
    return list(Employee.select().where(Employee.active == True).order_by(Employee.name))  # noqa: E712
