"""Workers for races between processes (two registers on one database). Each runs in a process
of its own (multiprocessing's "spawn"), opens the database itself, and meets the other at a
barrier before every attempt, so both really press "pay" at the same moment."""

from __future__ import annotations

import datetime as dt
import traceback
from typing import Any


def commit_drafts(
    url: str, employee_id: int, shift_id: int, uuids: list[str], barrier: Any, out: Any
) -> None:
    """Commit each draft in ``uuids`` (the same ones as the other process), reporting
    ("ok", uuid, receipt id) or ("error", uuid, message) for each."""
    from torgtui import db
    from torgtui.clock import FixedClock
    from torgtui.errors import TorgError
    from torgtui.models import Draft, Employee, Shift
    from torgtui.sales.checkout import Tender, commit_sale
    from torgtui.sales.register import basket_from_json

    db.open_database(url)
    clock = FixedClock(dt.datetime(2026, 11, 22, 10, 0))
    employee = Employee.get_by_id(employee_id)
    shift = Shift.get_by_id(shift_id)
    baskets = {d.uuid: basket_from_json(d.data) for d in Draft.select()}
    for uuid in uuids:
        barrier.wait(timeout=60)
        try:
            receipt = commit_sale(
                baskets[uuid],
                [Tender("card", 18990)],
                uuid=uuid,
                employee=employee,
                shift=shift,
                cash_step=10,
                clock=clock,
            )
            out.put(("ok", uuid, receipt.id))
        except TorgError as exc:
            out.put(("error", uuid, exc.message))
        except Exception:  # a raw driver error (deadlock, unique violation) is the finding
            out.put(("raw", uuid, traceback.format_exc(limit=3)))
    db.database.close()


def wrong_pins(url: str, employee_id: int, tries: int, barrier: Any, out: Any) -> None:
    """Type ``tries`` wrong PINs for ``employee_id`` as fast as possible."""
    from torgtui import db, staff
    from torgtui.errors import AuthError

    db.open_database(url)
    barrier.wait(timeout=60)
    for _ in range(tries):
        try:
            staff.login(employee_id, "0000")
        except AuthError as exc:
            out.put(exc.message)
    db.database.close()
