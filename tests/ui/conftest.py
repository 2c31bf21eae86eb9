"""UI fixtures: the app over a migrated SQLite file with the demo staff (UI tests need only one
backend; the services under them are tested on both in tests/unit)."""

from __future__ import annotations

from pathlib import Path

import peewee
import pytest
from textual import _wait

from torgtui import staff as st
from torgtui.clock import FixedClock
from torgtui.config import Settings
from torgtui.models import Employee

from .helpers import make_settings

# Pilot waits for the app to go idle after every key, in steps of textual._wait's
# SLEEP_GRANULARITY (20 ms: at least 40 ms a key, over half a second a barcode typed). 5 ms
# steps keep the same order of events (each key is still handled before the next) and keep
# typed keys over 10 ms apart, which helpers.make_settings' wedge gap (3 ms) tells from a
# scanner's burst (the tests' bursts are 1 ms apart) as 30 ms does at a real register.
_wait.SLEEP_GRANULARITY = 0.005

STAFF = [
    ("Olena Owner", st.Role.OWNER, "1111"),
    ("Maria Manager", st.Role.MANAGER, "2222"),
    ("Kateryna Cashier", st.Role.CASHIER, "3333"),
    ("Serhii Senior", st.Role.SENIOR_CASHIER, "4444"),
    ("Petro Support", st.Role.SUPPORT, "5555"),
]
PINS = {role.value: pin for _name, role, pin in STAFF}


@pytest.fixture
def ui_staff(sqlite_db: peewee.Database, clock: FixedClock) -> dict[str, Employee]:
    """owner 1111, manager 2222, cashier 3333, senior_cashier 4444, support 5555."""
    return {
        role.value: st.create_employee(name, role, pin, by=None, system=True, clock=clock)
        for name, role, pin in STAFF
    }


@pytest.fixture
def settings(tmp_path: Path, sqlite_db: peewee.Database) -> Settings:
    return make_settings(tmp_path, str(tmp_path / "shop.sqlite"), **{"store.register": "till-1"})
