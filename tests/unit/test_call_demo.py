"""The demo shop's call journal: a morning of calls, five still to call back (customers'
numbers and unknown ones), each on the card whose phone called."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from torgtui import db as dbmod
from torgtui.channels.call_journal import journal_page, missed_count
from torgtui.demo import build_demo
from torgtui.models import Customer, PhoneCall

TODAY = dt.date(2026, 11, 22)


def test_demo_has_calls_to_call_back(tmp_path: Path) -> None:
    build_demo(str(tmp_path / "shop.sqlite"), customers=50, months=1, today=TODAY, seed=7)
    try:
        rows = journal_page()
        assert len(rows) == 8 and missed_count() == 5
        assert {r.disposition for r in rows} == {"answered", "missed", "busy", "cancelled"}
        for row in rows:
            if row.customer_id is not None:
                assert Customer.get_by_id(row.customer_id).phone == row.external_number
        assert sum(r.customer_id is None for r in rows) == 2  # two numbers no card has
        first = [(c.general_call_id, c.external_number) for c in PhoneCall.select()]
    finally:
        dbmod.database.close()
    build_demo(str(tmp_path / "again.sqlite"), customers=50, months=1, today=TODAY, seed=7)
    try:
        assert [(c.general_call_id, c.external_number) for c in PhoneCall.select()] == first
    finally:
        dbmod.database.close()
