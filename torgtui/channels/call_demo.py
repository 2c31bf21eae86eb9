"""The demo shop's calls: a morning of Binotel calls in the journal, a few of them missed and
waiting for a call back (customers' numbers and an unknown one), stored through the journal
service as a poll would store them (``source`` "demo")."""

from __future__ import annotations

import datetime as dt
import random

from torgtui.channels.call_journal import CallRecord, store_call
from torgtui.models import Customer

EMPLOYEES = (("901", "Олена"), ("902", "Марія"))
UNKNOWN = ("+380931112233", "+380661234500")


def add_demo_calls(today: dt.date, seed: int) -> int:
    """Store the demo's calls for ``today``; returns how many (the same for the same seed)."""
    rng = random.Random(seed * 7919 + 10)
    phones = [
        p
        for (p,) in Customer.select(Customer.phone)
        .where(Customer.phone.is_null(False) & (Customer.status == "active"))
        .order_by(Customer.id)
        .limit(200)
        .tuples()
    ]
    if not phones:
        return 0
    chosen = rng.sample(phones, min(6, len(phones)))
    start = dt.datetime.combine(today, dt.time(9, 5))
    plan = [
        # (minutes after 9:05, direction, number, disposition, wait, talk)
        (0, "in", chosen[0], "answered", 6, 185),
        (22, "in", chosen[1 % len(chosen)], "missed", 31, 0),
        (40, "in", UNKNOWN[0], "missed", 18, 0),
        (55, "out", chosen[2 % len(chosen)], "answered", 9, 74),
        (71, "in", chosen[3 % len(chosen)], "busy", 2, 0),
        (88, "in", chosen[4 % len(chosen)], "answered", 4, 240),
        (96, "in", UNKNOWN[1], "cancelled", 12, 0),
        (-1440 + 600, "in", chosen[5 % len(chosen)], "missed", 25, 0),  # yesterday
    ]
    stored = 0
    for n, (minutes, direction, number, disposition, wait, talk) in enumerate(plan, 1):
        line, employee = rng.choice(EMPLOYEES)
        at = start + dt.timedelta(minutes=minutes)
        record = CallRecord(
            general_call_id=f"demo-{seed}-{n}",
            direction=direction,
            external_number=number,
            internal_number=line,
            employee_name=employee if disposition == "answered" else "",
            started_at=at,
            wait_seconds=wait,
            talk_seconds=talk,
            disposition=disposition,
        )
        stored += store_call(record, source="demo", clock=lambda at=at: at)
    return stored
