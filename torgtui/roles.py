"""Role settings: the owner changes which role may do what (seed 001: who may see and edit the
customer base, the VIP list, ...), on top of the built-in table in :mod:`torgtui.staff`.

A change is stored in ``role_permission`` (one row per role and permission that differs from
the built-in table), audited, and bumps the ``roles.version`` setting in the same transaction,
so every register reloads the table at its next check. The services still check permissions
themselves through :func:`torgtui.staff.require`, which sees the changes.

API for the settings screen:

* :func:`role_permissions` -> every (role, permission) with ``granted`` now, ``builtin`` (the
  built-in value) and who changed it when; show ``changed`` rows marked.
* :func:`set_role_permission` (role, permission, granted, by=...) -> the new row; needs
  MANAGE_STAFF. Setting a value back to the built-in one removes the owner's change.

Guards (each a ValidationError naming what to do, nothing written): the owner always keeps
MANAGE_STAFF and CHANGE_SETTINGS (otherwise nobody could undo a slip); only the owner changes
the owner's rights; nobody grants a right they do not hold themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.models import Employee, RolePermission
from torgtui.staff import (
    OWNER_KEEPS,
    ROLE_PERMISSIONS,
    Permission,
    Role,
    audit,
    bump_roles_version,
    can,
    effective_permissions,
    permission_title,
    require,
    role_title,
)


@dataclass(frozen=True)
class RoleGrant:
    """One cell of the role settings table."""

    role: Role
    permission: Permission
    granted: bool  # in force now
    builtin: bool  # what the built-in table says
    changed_at: dt.datetime | None = None  # when the owner's change was made (None: built-in)
    changed_by_id: int | None = None

    @property
    def changed(self) -> bool:
        return self.changed_at is not None


def _role(value: Any) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationError(
            _("Unknown role {role!r}: choose one of {roles}.").format(
                role=str(value)[:40], roles=", ".join(r.value for r in Role)
            )
        ) from None


def _permission(value: Any) -> Permission:
    try:
        return Permission(value)
    except ValueError:
        raise ValidationError(
            _("Unknown permission {name!r}: choose one from the role settings list.").format(
                name=str(value)[:40]
            )
        ) from None


def role_permissions() -> list[RoleGrant]:
    """The effective table, role by role (most junior first), permission by permission."""
    table = effective_permissions()
    changes = {(r.role, r.permission): r for r in RolePermission.select()}
    out = []
    for role in Role:
        for permission in Permission:
            row = changes.get((role.value, permission.value))
            out.append(
                RoleGrant(
                    role,
                    permission,
                    permission in table[role],
                    permission in ROLE_PERMISSIONS[role],
                    row.changed_at if row is not None else None,
                    row.changed_by_id if row is not None else None,
                )
            )
    return out


def set_role_permission(
    role: Role | str,
    permission: Permission | str,
    granted: bool,
    *,
    by: Employee,
    clock: Clock = system_clock,
) -> RoleGrant:
    """Let ``role`` do ``permission`` (``granted``) or not, from now on, on every register."""
    require(by, Permission.MANAGE_STAFF)
    role, permission = _role(role), _permission(permission)
    if not isinstance(granted, bool):
        raise ValidationError(_("Granted is yes or no."))
    what = {"role": role_title(role), "action": permission_title(permission)}
    if role == Role.OWNER and permission in OWNER_KEEPS and not granted:
        raise ValidationError(
            _(
                "The owner always may {action}: otherwise nobody could change the role "
                "settings back."
            ).format(**what)
        )
    if role == Role.OWNER and by.role != Role.OWNER.value:
        raise ValidationError(_("Only the owner changes what the owner may do."))
    if granted and not can(by, permission):
        raise ValidationError(
            _("You may not {action} yourself, so you cannot let the {role} role do it.").format(
                **what
            )
        )
    builtin = permission in ROLE_PERMISSIONS[role]
    now = clock()
    with write_tx():
        before = permission in effective_permissions()[role]
        key = (RolePermission.role == role.value) & (RolePermission.permission == permission.value)
        RolePermission.delete().where(key).execute()
        if granted != builtin:
            RolePermission.create(
                role=role.value,
                permission=permission.value,
                granted=granted,
                changed_at=now,
                changed_by=by.id,
            )
        bump_roles_version()
        audit(
            "staff.role_permission",
            by,
            object_type="role",
            object_id=role.value,
            before={"permission": permission.value, "granted": before},
            after={"permission": permission.value, "granted": granted, "builtin": builtin},
            clock=clock,
        )
    changed = granted != builtin
    return RoleGrant(
        role,
        permission,
        granted,
        builtin,
        now if changed else None,
        by.id if changed else None,
    )


__all__ = ["RoleGrant", "role_permissions", "set_role_permission"]
