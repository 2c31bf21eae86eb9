"""A senior confirming at the register, as the screens do it: try, and when the service says
an approval is needed, grant one with the senior's real PIN and try again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from torgtui import approvals
from torgtui.approvals import Approval, ApprovalNeeded
from torgtui.clock import Clock, system_clock
from torgtui.models import Employee

PINS = {
    "owner": "1111",
    "manager": "2222",
    "cashier": "3333",
    "senior_cashier": "4444",
    "support": "5555",
}

T = TypeVar("T")


def confirmed(
    call: Callable[[Approval | None], T], senior: Employee, *, clock: Clock = system_clock
) -> T:
    """``call(None)``; if it needs an approval, ``senior`` gives it with their PIN."""
    try:
        return call(None)
    except ApprovalNeeded as needed:
        approval = approvals.grant(
            senior.id,
            PINS[senior.role],
            action=needed.action,
            scope=needed.scope,
            subject=needed.subject,
            facts=needed.facts,
            clock=clock,
        )
        return call(approval)
