"""The Audit log area: newest first, keyset-paged as the cursor goes down, owner/support only."""

from __future__ import annotations

from textual.widgets import DataTable

from torgtui import staff as st
from torgtui.app import TorgApp
from torgtui.clock import FixedClock
from torgtui.db import write_tx
from torgtui.models import AuditEntry
from torgtui.screens.areas import area_by_id
from torgtui.screens.audit import AuditScreen

from .helpers import label_text, log_in, settle


def _cells(table: DataTable, row: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(row)]


async def test_owner_sees_login_entries_newest_first(settings, ui_staff, clock: FixedClock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Kateryna Cashier", "0000")  # a failed login, by nobody
        await log_in(pilot, "Olena Owner", "1111")
        await pilot.press("0")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AuditScreen)
        table = screen.query_one(DataTable)
        expected = list(AuditEntry.select().order_by(AuditEntry.id.desc()))
        assert table.row_count == len(expected) == 7  # 5 staff.create, 1 failed, 1 login
        top = _cells(table, 0)
        assert top[:4] == ["2026-11-22 10:00", "Olena Owner", "login", "employee 1"]
        failed = _cells(table, 1)
        assert failed[1:4] == ["-", "login.failed", f"employee {ui_staff['cashier'].id}"]
        assert failed[4] == '- -> {"failed_log…'  # cut to its column; the detail has it all
        assert "Olena Owner: login employee 1 at till-1" in label_text(app, "#audit-detail")
        await pilot.press("down")
        assert label_text(app, "#audit-detail").endswith('- -> {"failed_logins": 1}')
        for column in table.columns.values():
            assert column.width <= 18
        assert table.region.right <= 80


async def test_audit_pages_load_as_the_cursor_goes_down(settings, ui_staff, clock: FixedClock):
    owner = ui_staff["owner"]
    with write_tx():
        for n in range(45):
            st.audit("test.entry", owner, object_type="thing", object_id=n, clock=clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        total = AuditEntry.select().count()  # 5 + 45 + login
        assert total == 51
        app.push_screen(AuditScreen(area_by_id("audit"), page_size=20))
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(DataTable)
        assert table.row_count == 20
        await pilot.press("end")
        await settle(pilot)
        assert table.row_count == 40
        await pilot.press("pagedown", "end")
        await settle(pilot)
        assert table.row_count == 51
        assert screen.exhausted
        ids = [int(key.value) for key in table.rows]
        assert ids == sorted(ids, reverse=True)
        assert len(set(ids)) == 51


async def test_audit_service_refuses_other_roles_even_if_opened(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        await pilot.press("0")  # not her area: the key does nothing
        await pilot.pause()
        assert not isinstance(app.screen, AuditScreen) and app.screen.message == ""
        app.open_area("audit")  # asked for all the same: the service refuses in words
        await pilot.pause()
        assert not isinstance(app.screen, AuditScreen)
        assert "may not view the audit log" in app.screen.message
        # even pushed directly, the screen shows the service's refusal and no rows
        app.push_screen(AuditScreen(area_by_id("audit")))
        await settle(pilot)
        assert app.screen.query_one(DataTable).row_count == 0
        assert "may not view the audit log" in label_text(app, "#audit-message")
