"""What follows a committed sale outside its transaction: things that can always be rebuilt
(a customer's interests from purchases), so a failure here never touches the sale itself."""

from __future__ import annotations

import logging

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.config import Settings
from torgtui.errors import TorgError
from torgtui.models import Receipt

log = logging.getLogger(__name__)


def after_sale(receipt: Receipt, settings: Settings, *, clock: Clock = system_clock) -> None:
    """Record the customer's interests from this receipt (if a customer was attached)."""
    if receipt.customer_id is None or receipt.kind != "sale":
        return
    from torgtui.customers.interests import record_interests

    try:
        record_interests(receipt.id, threshold=settings.customers.interest_threshold, clock=clock)
    except (TorgError, peewee.DatabaseError) as exc:  # rebuilt by rebuild_auto_interests
        log.warning("interests not recorded for receipt %s: %s", receipt.id, exc)
