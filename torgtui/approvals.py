"""Approvals: how "a senior confirms" is proven, for every action that needs it.

A bare employee id proves nothing. Instead:

1. :func:`grant` verifies the approver's PIN (counted toward the lockout like a login, see
   :func:`torgtui.staff.check_pin`), checks that the approver may do ``action`` for exactly
   this ``subject`` (the rule in :data:`RULES`), and records a single-use approval bound to a
   ``scope`` (the receipt's uuid), valid for :data:`APPROVAL_TTL`. It returns an
   :class:`Approval` with a secret token. :func:`grant_own` records the same for an employee
   acting within their own rights (they are logged in; no PIN).
2. :func:`use` spends it on exactly that scope and subject: one conditional UPDATE (unused,
   unexpired, the right token) whose row count decides, so it is used once even when two
   registers try at the same moment. The caller stores the approval's id with what it
   approved (a discount in the draft, a return).
3. :func:`check` runs where the thing is committed (checkout, returns): the approval with that
   id was granted and spent for this scope and this subject, and its approver still has the
   right (with the facts as they are now, e.g. the discount's share of the line today).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from torgtui import staff
from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.i18n import _
from torgtui.models import Approval as ApprovalRow
from torgtui.models import Employee
from torgtui.staff import Permission, Role

APPROVAL_TTL = dt.timedelta(minutes=2)  # from the PIN to its use; a spent one lasts forever


class Action(StrEnum):
    MANUAL_DISCOUNT = "manual_discount"
    PRICE_OVERRIDE = "price_override"
    BELOW_COST = "below_cost"
    CANCEL_RECEIPT = "cancel_receipt"
    OLD_RETURN = "old_return"
    SKIP_VERIFICATION = "skip_verification"


def _discount_within_limit(employee: Employee, facts: Mapping[str, Any]) -> None:
    share = Decimal(str(facts.get("share", "100")))
    limit = staff.MANUAL_DISCOUNT_LIMIT.get(Role(employee.role), 0)
    if share > limit:
        raise PermissionDenied(
            _("{name} may give at most {limit}% by hand, and this is {share}%.").format(
                name=employee.name, limit=limit, share=share.normalize()
            )
        )


@dataclass(frozen=True)
class Rule:
    """Who may approve an action: a permission, and optionally a check of the facts."""

    permission: Permission
    check: Callable[[Employee, Mapping[str, Any]], None] | None = None


RULES: dict[Action, Rule] = {
    Action.MANUAL_DISCOUNT: Rule(Permission.MANUAL_DISCOUNT, _discount_within_limit),
    Action.PRICE_OVERRIDE: Rule(Permission.OVERRIDE_PRICE),
    Action.BELOW_COST: Rule(Permission.CONFIRM_BELOW_COST),
    Action.CANCEL_RECEIPT: Rule(Permission.CANCEL_RECEIPT),
    Action.OLD_RETURN: Rule(Permission.RETURN_OLD_RECEIPT),
    Action.SKIP_VERIFICATION: Rule(Permission.SKIP_VERIFICATION),
}


@dataclass(frozen=True)
class Approval:
    """What :func:`grant` hands back: show nothing of it; pass it to the service that uses it."""

    id: int
    token: str
    approver_id: int
    approver_name: str
    action: str
    scope: str
    subject: str


class ApprovalNeeded(PermissionDenied):
    """The employee may not do this alone: someone who may must confirm it with their PIN.

    Carries what to ask for, so a screen can offer exactly the employees who could say yes
    (:meth:`confirmers`) and then call :func:`grant` and the service again."""

    def __init__(
        self,
        message: str,
        *,
        action: Action,
        scope: str,
        subject: Mapping[str, Any],
        facts: Mapping[str, Any] | None = None,
        requester: Employee | None = None,
    ) -> None:
        super().__init__(message)
        self.action = action
        self.scope = scope
        self.subject = dict(subject)
        self.facts = dict(facts or subject)
        self.requester_id = requester.id if requester is not None else None

    def confirmers(self) -> list[Employee]:
        """Active employees, other than the one asking, who could approve this."""
        return [
            e
            for e in staff.active_employees()
            if e.id != self.requester_id and may(e, self.action, self.facts)
        ]


def canonical(subject: Mapping[str, Any]) -> str:
    """The subject as stored and compared: sorted JSON, Decimals as text."""
    return json.dumps(subject, sort_keys=True, ensure_ascii=False, default=str)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may(employee: Employee | None, action: Action, facts: Mapping[str, Any]) -> bool:
    try:
        require_right(employee, action, facts)
    except PermissionDenied:
        return False
    return True


def require_right(employee: Employee | None, action: Action, facts: Mapping[str, Any]) -> None:
    """PermissionDenied unless ``employee`` may approve ``action`` with these facts."""
    rule = RULES[Action(action)]
    staff.require(employee, rule.permission)
    if rule.check is not None:
        assert employee is not None
        rule.check(employee, facts)


def _record(
    approver: Employee,
    method: str,
    *,
    action: Action,
    scope: str,
    subject: Mapping[str, Any],
    clock: Clock,
    terminal: str,
) -> Approval:
    token = secrets.token_hex(16)
    now = clock()
    text = canonical(subject)
    with write_tx():
        row = ApprovalRow.create(
            action=action.value,
            scope=scope,
            subject=text,
            approver=approver.id,
            method=method,
            token_hash=_hash(token),
            created_at=now,
            expires_at=now + APPROVAL_TTL,
            terminal=terminal[:60],
        )
        if method == "pin":
            staff.audit(
                "approval.grant",
                approver,
                object_type=action.value,
                object_id=scope,
                after={"subject": subject, "approval": row.id},
                terminal=terminal,
                clock=clock,
            )
    return Approval(row.id, token, approver.id, approver.name, action.value, scope, text)


def grant(
    approver_id: int,
    pin: str,
    *,
    action: Action,
    scope: str,
    subject: Mapping[str, Any],
    facts: Mapping[str, Any] | None = None,
    clock: Clock = system_clock,
    terminal: str = "",
) -> Approval:
    """A senior confirms with their PIN. Wrong PINs count toward their lockout; a senior
    without the right (or over their limit, per ``facts``) is refused, and nothing is granted."""
    action = Action(action)
    approver = staff.check_pin(approver_id, pin, clock=clock, terminal=terminal, purpose="approval")
    require_right(approver, action, facts or subject)
    return _record(
        approver, "pin", action=action, scope=scope, subject=subject, clock=clock, terminal=terminal
    )


def grant_own(
    employee: Employee,
    *,
    action: Action,
    scope: str,
    subject: Mapping[str, Any],
    facts: Mapping[str, Any] | None = None,
    clock: Clock = system_clock,
    terminal: str = "",
) -> Approval:
    """The employee doing it has the right themselves: recorded the same way, without a PIN."""
    action = Action(action)
    require_right(employee, action, facts or subject)
    return _record(
        employee, "own", action=action, scope=scope, subject=subject, clock=clock, terminal=terminal
    )


def use(
    approval: Approval | None,
    *,
    action: Action,
    scope: str,
    subject: Mapping[str, Any],
    clock: Clock = system_clock,
) -> int:
    """Spend ``approval`` on exactly this; returns its id to store with what it approved."""
    if not isinstance(approval, Approval):
        raise PermissionDenied(_("This needs a confirmation: ask a senior employee for their PIN."))
    now = clock()
    with write_tx():
        spent = (
            ApprovalRow.update(used_at=now)
            .where(
                (ApprovalRow.id == approval.id)
                & (ApprovalRow.token_hash == _hash(approval.token))
                & ApprovalRow.used_at.is_null()
                & (ApprovalRow.expires_at > now)
                & (ApprovalRow.action == Action(action).value)
                & (ApprovalRow.scope == scope)
                & (ApprovalRow.subject == canonical(subject))
            )
            .execute()
        )
    if spent != 1:
        raise ValidationError(
            _(
                "That confirmation was already used, has expired or was given for something "
                "else: ask for it again."
            )
        )
    return approval.id


def check(
    approval_id: Any,
    *,
    action: Action,
    scope: str,
    subject: Mapping[str, Any],
    facts: Mapping[str, Any] | None = None,
) -> Employee:
    """Where the approved thing is committed: the approval was granted and spent for this
    scope and subject, and its approver may still approve it with ``facts`` as they are now.
    Returns the approver."""
    action = Action(action)
    row = None
    if isinstance(approval_id, int) and not isinstance(approval_id, bool):
        row = ApprovalRow.get_or_none(ApprovalRow.id == approval_id)
    if (
        row is None
        or row.used_at is None
        or row.action != action.value
        or row.scope != scope
        or row.subject != canonical(subject)
    ):
        raise PermissionDenied(
            _("{what} was not confirmed by anyone who may: ask again.").format(
                what=action_title(action)
            )
        )
    approver = Employee.get_by_id(row.approver_id)
    require_right(approver, action, facts or subject)
    return approver


def action_title(action: Action) -> str:
    return {
        Action.MANUAL_DISCOUNT: _("The manual discount"),
        Action.PRICE_OVERRIDE: _("The price change"),
        Action.BELOW_COST: _("The sale below cost"),
        Action.CANCEL_RECEIPT: _("Cancelling the receipt"),
        Action.OLD_RETURN: _("The return of an old receipt"),
        Action.SKIP_VERIFICATION: _("Going on without the customer's code"),
    }[Action(action)]
