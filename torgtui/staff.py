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
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.db import database, is_sqlite, query_value, sql, write_tx
from torgtui.errors import AuthError, PermissionDenied, ValidationError
from torgtui.i18n import _
from torgtui.models import AuditEntry, Employee
from torgtui.values import check_text


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
    SHARE_PHONE = "share_phone"  # a second card on a phone another card has (a family)
    DELETE_CUSTOMERS = "delete_customers"  # clean a card, erase personal data
    SEE_PHONES = "see_phones"  # phone numbers in full (masked otherwise)
    EDIT_VIP = "edit_vip"
    EDIT_PRICES = "edit_prices"  # prices, products and promotions
    CONFIRM_BELOW_COST = "confirm_below_cost"
    OVERRIDE_PRICE = "override_price"  # sell a line at a price other than the catalog's
    ADJUST_STOCK = "adjust_stock"  # correct or write off stock, with a reason
    RETURN_OLD_RECEIPT = "return_old_receipt"  # older than register.return_days_without_approval
    WRITE_OFF_BONUSES = "write_off_bonuses"
    SEND_MAILINGS = "send_mailings"
    VIEW_REPORTS = "view_reports"
    VIEW_AUDIT = "view_audit"
    CHANGE_SETTINGS = "change_settings"
    MANAGE_STAFF = "manage_staff"
    SKIP_VERIFICATION = "skip_verification"  # let a customer through without their SMS code
    RECEIVE_GOODS = "receive_goods"  # goods receipts from suppliers (stock and cost)
    CASH_OUT_BONUSES = "cash_out_bonuses"  # pay a customer's bonuses out of the drawer
    BLOCK_CERTIFICATES = "block_certificates"  # block a lost gift certificate
    MANAGE_CERTIFICATES = "manage_certificates"  # certificate types, batches, reissue


P = Permission
_CASHIER = {P.SELL, P.RETURN, P.SHIFT, P.CREATE_CUSTOMERS}
_SENIOR = _CASHIER | {
    P.CANCEL_RECEIPT,
    P.MANUAL_DISCOUNT,
    P.EDIT_CUSTOMERS,
    P.SEE_PHONES,
    P.RETURN_OLD_RECEIPT,
    P.SKIP_VERIFICATION,
    P.CASH_OUT_BONUSES,
    P.BLOCK_CERTIFICATES,
}
_MANAGER = _SENIOR | {
    P.OVERRIDE_PRICE,
    P.ADJUST_STOCK,
    P.RECEIVE_GOODS,
    P.MERGE_CUSTOMERS,
    P.SHARE_PHONE,
    P.DELETE_CUSTOMERS,
    P.EDIT_VIP,
    P.EDIT_PRICES,
    P.WRITE_OFF_BONUSES,
    P.SEND_MAILINGS,
    P.VIEW_REPORTS,
    P.MANAGE_CERTIFICATES,
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


# --- role settings: the owner's changes on top of the built-in table -----------------------
# Stored in ``role_permission`` (torgtui.roles changes them, audited). Every process keeps the
# effective table in memory and reloads it when the ``roles.version`` setting moves (bumped in
# the transaction of every change): one indexed read per check, like torgtui.marketing.rulecache.

ROLES_VERSION_KEY = "roles.version"
# the owner never loses these, whatever is stored: nobody could give them back (no lock-out)
OWNER_KEEPS = frozenset({P.MANAGE_STAFF, P.CHANGE_SETTINGS})

_roles_cache: dict[str, Any] = {}


def _roles_stamp() -> str | None:
    """The open database and its roles version, or None when no database is open."""
    db = database.obj
    if db is None:
        return None
    token = getattr(db, "_torgtui_roles_token", None)
    if token is None:
        token = secrets.token_hex(8)
        db._torgtui_roles_token = token
    version = query_value('SELECT "value" FROM "setting" WHERE "key" = ?', (ROLES_VERSION_KEY,))
    return f"{token}:{version or 0}"


def apply_changes(
    changes: Iterable[tuple[str, str, bool]],
) -> dict[Role, frozenset[Permission]]:
    """The built-in table with ``changes`` (role, permission, granted) applied; unknown roles
    or permissions (a newer version's) are ignored, and the owner keeps OWNER_KEEPS."""
    table = {role: set(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for role_name, permission_name, granted in changes:
        try:
            role, permission = Role(role_name), Permission(permission_name)
        except ValueError:
            continue
        if granted:
            table[role].add(permission)
        else:
            table[role].discard(permission)
    table[Role.OWNER] |= OWNER_KEEPS
    return {role: frozenset(perms) for role, perms in table.items()}


def effective_permissions() -> dict[Role, frozenset[Permission]]:
    """What each role may do now: the built-in table with the owner's changes."""
    stamp = _roles_stamp()
    if stamp is None:
        return ROLE_PERMISSIONS
    if _roles_cache.get("stamp") != stamp:
        rows = database.execute_sql(
            'SELECT "role", "permission", "granted" FROM "role_permission"'
        ).fetchall()
        _roles_cache["table"] = apply_changes((r, p, bool(g)) for r, p, g in rows)
        _roles_cache["stamp"] = stamp
    return _roles_cache["table"]  # type: ignore[no-any-return]


def bump_roles_version() -> None:
    """Mark the role settings changed (inside the transaction that changes them)."""
    database.execute_sql(
        sql(
            'INSERT INTO "setting" ("key", "value") VALUES (?, \'1\') ON CONFLICT ("key") '
            'DO UPDATE SET "value" = CAST(CAST("setting"."value" AS INTEGER) + 1 AS TEXT)'
        ),
        (ROLES_VERSION_KEY,),
    )


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
        P.SHARE_PHONE: _("add a second card on a phone another card has"),
        P.DELETE_CUSTOMERS: _("clean or erase customer cards"),
        P.SEE_PHONES: _("see phone numbers in full"),
        P.EDIT_VIP: _("edit the VIP list"),
        P.EDIT_PRICES: _("edit prices and promotions"),
        P.CONFIRM_BELOW_COST: _("confirm a sale below cost"),
        P.OVERRIDE_PRICE: _("sell at a price other than the catalog's"),
        P.ADJUST_STOCK: _("correct or write off stock"),
        P.RETURN_OLD_RECEIPT: _("take back an old receipt"),
        P.WRITE_OFF_BONUSES: _("write off bonuses"),
        P.SEND_MAILINGS: _("send mailings"),
        P.VIEW_REPORTS: _("view reports"),
        P.VIEW_AUDIT: _("view the audit log"),
        P.CHANGE_SETTINGS: _("change settings"),
        P.MANAGE_STAFF: _("manage staff"),
        P.SKIP_VERIFICATION: _("let a customer through without their SMS code"),
        P.RECEIVE_GOODS: _("receive goods from suppliers"),
        P.CASH_OUT_BONUSES: _("pay bonuses out in cash"),
        P.BLOCK_CERTIFICATES: _("block a lost gift certificate"),
        P.MANAGE_CERTIFICATES: _("set up, issue and reissue gift certificates"),
    }[permission]


def role_whom(role: Role) -> str:
    """Whom to ask, in a sentence: "a manager", "the owner" (Ukrainian: accusative)."""
    return {
        Role.CASHIER: _("a cashier"),
        Role.SENIOR_CASHIER: _("a senior cashier"),
        Role.MANAGER: _("a manager"),
        Role.OWNER: _("the owner"),
        Role.SUPPORT: _("support staff"),
    }[role]


def roles_with(permission: Permission) -> list[Role]:
    """The roles that hold ``permission`` (with the owner's changes), most junior first."""
    table = effective_permissions()
    return [role for role in Role if permission in table[role]]


def ask_whom(permission: Permission, employee: Employee | None = None) -> str:
    """ "a manager or the owner": the roles (other than the employee's own) that may do it;
    empty when nobody else may."""
    own = employee.role if employee is not None else None
    whom = [role_whom(r) for r in roles_with(permission) if r.value != own]
    if not whom:
        return ""
    if len(whom) == 1:
        return whom[0]
    return _("{some} or {last}").format(some=", ".join(whom[:-1]), last=whom[-1])


def can(employee: Employee | None, permission: Permission) -> bool:
    if employee is None or not employee.active:
        return False
    try:
        role = Role(employee.role)
    except ValueError:
        return False
    return permission in effective_permissions()[role]


def require(employee: Employee | None, permission: Permission) -> Employee:
    """Return ``employee`` if allowed to ``permission``, else raise PermissionDenied."""
    if employee is None:
        raise AuthError(_("Nobody is logged in: log in with your PIN first."))
    if not can(employee, permission):
        whom = ask_whom(permission, employee)
        text = (
            _("{name} ({role}) may not {action}. Ask {whom} to log in and do it.")
            if whom
            else _("{name} ({role}) may not {action}.")
        )
        raise PermissionDenied(
            text.format(
                name=employee.name,
                role=role_title(employee.role),
                action=permission_title(permission),
                whom=whom,
            )
        )
    return employee


# --- PINs ---------------------------------------------------------------------------------

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=5)


def check_pin_format(pin: str) -> str:
    pin = pin.strip() if isinstance(pin, str) else ""
    if not (pin.isascii() and pin.isdigit()) or not 4 <= len(pin) <= 12:
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


# PostgreSQL advisory lock that orders writers of the audit chain (SQLite's immediate
# transaction already lets one writer in at a time). Take it as late as possible in a
# transaction: it is held until commit.
AUDIT_CHAIN_LOCK = 0x7467_6175  # "tgau"


def audit_digest(prev_hash: str, entry: AuditEntry) -> str:
    """The chain hash of one entry: SHA-256 over the previous entry's hash and every field.

    Frozen: migration 0006 computes the same for entries written before the chain existed.
    """
    payload = [
        prev_hash,
        entry.at.isoformat(sep=" ", timespec="microseconds"),
        entry.employee_id,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.before,
        entry.after,
        entry.terminal,
    ]
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    """Append one entry to the audit log (inside the caller's transaction, if any), chained
    to the entry before it by its hash."""
    with write_tx():
        if not is_sqlite():
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (AUDIT_CHAIN_LOCK,))
        prev = query_value('SELECT "hash" FROM "audit_entry" ORDER BY "id" DESC LIMIT 1')
        entry = AuditEntry(
            at=clock(),
            employee=employee.id if employee is not None else None,
            action=action[:60],
            object_type=object_type[:40],
            object_id=str(object_id)[:60],
            before=_json(before),
            after=_json(after),
            terminal=(terminal or "")[:60],
            prev_hash=str(prev or ""),
        )
        entry.hash = audit_digest(entry.prev_hash, entry)
        entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class ChainCheck:
    """What ``torgtui audit verify`` found: entries checked, the head, the first broken link."""

    checked: int
    head_id: int | None
    head_hash: str
    broken_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_audit_chain(*, batch: int = 5000) -> ChainCheck:
    """Walk the audit log in id order and check every link: each entry's ``prev_hash`` is the
    hash of the entry before it, and its ``hash`` is what its fields hash to. An entry edited,
    inserted or deleted behind the triggers' back breaks the chain at that point."""
    prev, last, checked = "", 0, 0
    prev_id: int | None = None
    while True:
        rows = list(
            AuditEntry.select().where(AuditEntry.id > last).order_by(AuditEntry.id).limit(batch)
        )
        if not rows:
            return ChainCheck(checked, prev_id, prev)
        for entry in rows:
            if entry.prev_hash != prev:
                return ChainCheck(
                    checked,
                    prev_id,
                    prev,
                    entry.id,
                    _(
                        "it does not follow entry {prev}: an entry before it was removed, added "
                        "or changed"
                    ).format(prev=prev_id if prev_id is not None else "-"),
                )
            if audit_digest(prev, entry) != entry.hash:
                return ChainCheck(
                    checked, prev_id, prev, entry.id, _("its contents were changed after writing")
                )
            prev, prev_id = entry.hash, entry.id
            checked += 1
        last = rows[-1].id


def audit_head() -> tuple[int | None, str]:
    """(id, hash) of the newest audit entry: printed on every Z report, so a chain rewritten
    from some point on no longer matches the paper."""
    row = database.execute_sql(
        'SELECT "id", "hash" FROM "audit_entry" ORDER BY "id" DESC LIMIT 1'
    ).fetchone()
    return (row[0], row[1]) if row else (None, "")


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
    name = check_text(name, _("The employee's name"), max_len=1000)
    if not name or len(name) > 120:
        raise ValidationError(_("An employee's name is 1 to 120 characters."))
    try:
        role = Role(role) if isinstance(role, str) else Role("")
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


def _locked_message(employee: Employee, now: dt.datetime) -> str:
    minutes = max(1, -(-int((employee.locked_until - now).total_seconds()) // 60))
    whom = ask_whom(P.MANAGE_STAFF, employee)
    text = (
        _(
            "{name} is locked after {count} wrong PINs. Try again in {minutes} min, or ask "
            "{whom} to set a new PIN."
        )
        if whom
        else _("{name} is locked after {count} wrong PINs. Try again in {minutes} min.")
    )
    return text.format(name=employee.name, count=MAX_FAILED_LOGINS, minutes=minutes, whom=whom)


def check_pin(
    employee_id: int,
    pin: str,
    *,
    clock: Clock = system_clock,
    terminal: str = "",
    purpose: str = "login",
) -> Employee:
    """Verify ``pin`` for ``employee_id``, counting wrong PINs toward the lockout; the employee,
    or AuthError with what to do. Used by login and by every senior confirmation.

    Every try first *reserves* an attempt with one conditional UPDATE (unlocked and fewer than
    MAX_FAILED_LOGINS counted), whose row count decides: so four terminals guessing at once
    still get five PINs checked in all, never more. The scrypt check runs outside any
    transaction (it is slow on purpose); a right PIN then clears the count, a wrong one that
    reaches the limit locks the employee.
    """
    if (
        isinstance(employee_id, bool)
        or not isinstance(employee_id, int)
        or not 0 < employee_id < 2**63
    ):
        raise AuthError(_("No such employee. Choose your name from the list."))
    # a PIN that cannot be anyone's (not 4-12 digits) is refused without counting a try
    pin = check_pin_format(pin)
    employee = Employee.get_or_none(Employee.id == employee_id)
    if employee is None or not employee.active:
        raise AuthError(_("No such employee. Choose your name from the list."))
    now = clock()
    with write_tx():
        reserved = (
            Employee.update(failed_logins=Employee.failed_logins + 1)
            .where(
                (Employee.id == employee.id)
                & (Employee.failed_logins < MAX_FAILED_LOGINS)
                & (Employee.locked_until.is_null() | (Employee.locked_until <= now))
            )
            .execute()
        )
        counted = Employee.get_by_id(employee.id)
    if not reserved:
        if counted.locked_until and counted.locked_until > now:
            raise AuthError(_locked_message(counted, now))
        raise AuthError(
            _(
                "Too many PINs for {name} are being checked at once: wait a moment, then try again."
            ).format(name=employee.name)
        )
    ok = verify_pin(pin, employee.pin_hash)
    with write_tx():
        if ok:
            Employee.update(failed_logins=0, locked_until=None).where(
                Employee.id == employee.id
            ).execute()
            employee.failed_logins, employee.locked_until = 0, None
            return employee
        locked = (
            Employee.update(failed_logins=0, locked_until=now + LOCKOUT)
            .where((Employee.id == employee.id) & (Employee.failed_logins >= MAX_FAILED_LOGINS))
            .execute()
        )
        audit(
            f"{purpose}.locked" if locked else f"{purpose}.failed",
            None,
            object_type="employee",
            object_id=employee.id,
            terminal=terminal,
            clock=clock,
            after={"locked_until": now + LOCKOUT}
            if locked
            else {"failed_logins": counted.failed_logins},
        )
    # raised after the transaction commits: the failure count must be kept
    if locked:
        raise AuthError(
            _("Wrong PIN. {name} is now locked for 5 minutes.").format(name=employee.name)
        )
    left = MAX_FAILED_LOGINS - counted.failed_logins
    raise AuthError(_("Wrong PIN. {left} tries left before a 5-minute lock.").format(left=left))


def login(
    employee_id: int, pin: str, *, clock: Clock = system_clock, terminal: str = ""
) -> Employee:
    """Log in: check the PIN (see :func:`check_pin`: five wrong PINs in a row lock the
    employee for five minutes) and write the login to the audit log."""
    employee = check_pin(employee_id, pin, clock=clock, terminal=terminal)
    audit(
        "login",
        employee,
        object_type="employee",
        object_id=employee.id,
        terminal=terminal,
        clock=clock,
    )
    return employee


def active_employees() -> list[Employee]:
    return list(Employee.select().where(Employee.active == True).order_by(Employee.name))  # noqa: E712
