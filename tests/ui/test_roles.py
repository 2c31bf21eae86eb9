"""Role settings (Settings, F2): the owner lets a role do something by keyboard, audited and in
force at once; what may not change is refused in words; who may not manage staff is not
offered the table."""

from __future__ import annotations

from textual.widgets import DataTable

from torgtui import roles, staff
from torgtui.app import TorgApp
from torgtui.models import AuditEntry, RolePermission
from torgtui.screens.roles import RolesScreen
from torgtui.screens.settings import SettingsScreen
from torgtui.staff import Permission, Role

from .helpers import log_in, settle


async def wait(pilot, rounds: int = 3) -> None:
    for _round in range(rounds):
        await settle(pilot)


async def open_roles(pilot, name: str, pin: str) -> RolesScreen:
    await log_in(pilot, name, pin)
    await pilot.press("9")
    await wait(pilot)
    assert isinstance(pilot.app.screen, SettingsScreen)
    await pilot.press("f2")
    await wait(pilot)
    assert isinstance(pilot.app.screen, RolesScreen)
    return pilot.app.screen


def go_to(screen: RolesScreen, role: Role, permission: Permission) -> None:
    table = screen.query_one("#roles", DataTable)
    table.move_cursor(row=list(Permission).index(permission), column=list(Role).index(role) + 1)


def cell_text(screen: RolesScreen, role: Role, permission: Permission) -> str:
    table = screen.query_one("#roles", DataTable)
    return str(table.get_cell(permission.value, role.value))


async def test_the_owner_lets_cashiers_edit_the_vip_list_and_takes_it_back(
    settings, ui_staff, clock
):
    app = TorgApp(settings, clock=clock)
    cashier = ui_staff["cashier"]
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_roles(pilot, "Olena Owner", "1111")
        assert cell_text(screen, Role.CASHIER, Permission.EDIT_VIP) == "-"
        assert cell_text(screen, Role.MANAGER, Permission.EDIT_VIP) == "yes"
        go_to(screen, Role.CASHIER, Permission.EDIT_VIP)
        await pilot.pause()
        assert "Cashier: may not edit the VIP list" in str(
            screen.query_one("#roles-detail").content
        )
        await pilot.press("space")
        await wait(pilot)
        assert cell_text(screen, Role.CASHIER, Permission.EDIT_VIP) == "yes*"
        assert staff.can(cashier, Permission.EDIT_VIP)  # in force at once
        assert "(changed by the owner)" in str(screen.query_one("#roles-detail").content)
        (row,) = RolePermission.select()
        assert (row.role, row.permission, row.granted) == ("cashier", "edit_vip", True)
        await pilot.press("enter")  # Enter on a cell changes it too: back to the built-in
        await wait(pilot)
        assert cell_text(screen, Role.CASHIER, Permission.EDIT_VIP) == "-"
    assert not staff.can(cashier, Permission.EDIT_VIP)
    assert RolePermission.select().count() == 0
    changes = AuditEntry.select().where(AuditEntry.action == "staff.role_permission")
    assert [c.employee_id for c in changes] == [ui_staff["owner"].id] * 2


async def test_the_owner_keeps_managing_staff(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_roles(pilot, "Olena Owner", "1111")
        go_to(screen, Role.OWNER, Permission.MANAGE_STAFF)
        await pilot.press("space")
        await wait(pilot)
        assert "The owner always may manage staff" in screen.message
        assert cell_text(screen, Role.OWNER, Permission.MANAGE_STAFF) == "yes"
    assert RolePermission.select().count() == 0


async def test_a_toggle_of_the_owners_rights_is_refused_to_a_manager(settings, ui_staff, clock):
    roles.set_role_permission("manager", "manage_staff", True, by=ui_staff["owner"], clock=clock)
    before = AuditEntry.select().count()
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        await pilot.press("9")
        await wait(pilot)
        settings_screen = app.screen
        assert isinstance(settings_screen, SettingsScreen)
        assert not settings_screen.query("#settings-body")  # not the settings: only the roles
        await pilot.press("f2")
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, RolesScreen)
        go_to(screen, Role.OWNER, Permission.SEND_MAILINGS)
        await pilot.press("space")
        await wait(pilot)
        assert "Only the owner changes what the owner may do." in screen.message
        go_to(screen, Role.CASHIER, Permission.VIEW_AUDIT)  # a right she does not hold
        await pilot.press("space")
        await wait(pilot)
        assert "You may not view the audit log yourself" in screen.message
    assert AuditEntry.select().count() == before + 1  # her login, no change
    assert RolePermission.select().count() == 1


async def test_support_sees_the_settings_but_not_the_roles(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Petro Support", "5555")
        await pilot.press("9")
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        assert screen.check_action("roles", ()) is False
        await pilot.press("f2")
        await pilot.pause()
        assert app.screen is screen
