"""Role settings (Settings, F2): which role may do what, permission by permission, as the
built-in table with the owner's changes (torgtui.roles). Space or Enter on a cell lets that
role do it, or not; the service refuses what may not change (the owner's own rights, a right
the one changing does not hold) in words, audits every change, and every register sees it at
its next check.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label

from torgtui import roles
from torgtui.i18n import _
from torgtui.roles import RoleGrant
from torgtui.screens.area import AreaScreen
from torgtui.screens.office import OfficeJobs, fit
from torgtui.staff import Permission, Role, permission_title, role_title

HERE = Path(__file__).parent
ROLE_WIDTH = 10  # with no cell padding: a one-word heading and a gap


def role_heading(role: Role) -> str:
    """A role in a column's heading (one short word)."""
    return {
        Role.CASHIER: _("Cashier"),
        Role.SENIOR_CASHIER: _("Senior"),
        Role.MANAGER: _("Manager"),
        Role.OWNER: _("Owner"),
        Role.SUPPORT: _("Support"),
    }[role]


def cell(grant: RoleGrant) -> Text:
    """ "yes"/"-", with "*" and in bold where the owner changed the built-in value."""
    text = Text(_("yes") if grant.granted else "-", no_wrap=True, justify="center")
    if grant.changed:
        text.append("*")
        text.stylize("bold reverse")
    return text


class RolesScreen(OfficeJobs, AreaScreen):
    """The permission table: a row per permission, a column per role."""

    CSS_PATH = [HERE / "area.tcss", HERE / "loyalty.tcss"]
    AUTO_FOCUS = "#roles"
    BINDINGS = [
        # Enter on a cell does the same (the table's own cell selection)
        Binding("space", "toggle", _("Switch"), id="roles.toggle"),
    ]

    def __init__(self, area) -> None:
        super().__init__(area)
        self.grants: dict[tuple[Role, Permission], RoleGrant] = {}
        self.busy = False

    def place(self) -> str:
        return _("Roles")

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("Space on a cell: the role may, or may not. *: changed by the owner."),
            classes="loyalty-hint",
        )
        yield DataTable(id="roles", cursor_type="cell", zebra_stripes=True, cell_padding=0)
        yield Label("", id="roles-detail", markup=False)
        yield Label("", id="loyalty-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#roles", DataTable)
        width = max(10, min(self.app.size.width, 80) - 4 - ROLE_WIDTH * len(Role))
        self.title_width = width
        table.add_column(" " + _("May"), width=width, key="permission")
        for role in Role:
            table.add_column(
                Text(role_heading(role), justify="center"), width=ROLE_WIDTH, key=role.value
            )
        for permission in Permission:
            title = Text(" " + fit(permission_title(permission), width - 1), no_wrap=True)
            table.add_row(title, *("" for _r in Role), key=permission.value)
        table.move_cursor(row=0, column=1)
        self.read()

    def read(self) -> None:
        self.job(roles.role_permissions, self.show)

    def show(self, grants: list[RoleGrant]) -> None:
        self.busy = False
        self.grants = {(g.role, g.permission): g for g in grants}
        table = self.query_one("#roles", DataTable)
        for grant in grants:
            table.update_cell(grant.permission.value, grant.role.value, cell(grant))
        self.show_detail()

    def say(self, text: str) -> None:
        self.busy = False
        message = self.query_one("#loyalty-message", Label)
        message.update(text)
        message.display = bool(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#loyalty-message", Label).content)

    def current(self) -> tuple[Role, Permission] | None:
        table = self.query_one("#roles", DataTable)
        row, column = table.cursor_coordinate
        if not 0 <= row < len(Permission) or not 1 <= column <= len(Role):
            return None
        return list(Role)[column - 1], list(Permission)[row]

    def show_detail(self) -> None:
        found = self.current()
        table = self.query_one("#roles", DataTable)
        permission = list(Permission)[table.cursor_coordinate.row]
        if found is None:
            text = permission_title(permission)
        else:
            role, permission = found
            grant = self.grants.get(found)
            may = grant is not None and grant.granted
            text = (_("{role}: may {action}") if may else _("{role}: may not {action}")).format(
                role=role_title(role), action=permission_title(permission)
            )
            if grant is not None and grant.changed:
                text += " " + _("(changed by the owner)")
        self.query_one("#roles-detail", Label).update(text)

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        event.stop()
        self.show_detail()

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        event.stop()
        self.action_toggle()

    def action_toggle(self) -> None:
        found = self.current()
        if found is None or self.busy:
            if found is None:
                self.say(_("Choose a role's cell (right arrow), then press Space."))
            return
        grant = self.grants.get(found)
        if grant is None:
            return
        role, permission = found
        employee, clock = self.app.employee, self.app.clock
        self.say("")
        self.busy = True

        def done(new: RoleGrant) -> None:
            self.app.notify(
                (
                    _("{role} may now {action}.")
                    if new.granted
                    else _("{role} may no longer {action}.")
                ).format(role=role_title(role), action=permission_title(permission))
            )
            self.read()

        self.job(
            lambda: roles.set_role_permission(
                role, permission, not grant.granted, by=employee, clock=clock
            ),
            done,
        )
