"""Card types (in the Loyalty and promotions area): the list, and the editor of one type with
its thresholds (accumulative cards) or bonus rates per product group (bonus cards) and its
own card numbering. Saving goes through torgtui.marketing.cards.save_card_type, which checks
the permission to edit prices, validates everything and audits it.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label, Select

from torgtui.catalog.service import group_choices
from torgtui.i18n import _, ngettext
from torgtui.marketing import cards
from torgtui.marketing.cards import KINDS, CardTypeData, kind_title
from torgtui.money import format_money
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import OfficeJobs, fit, money_field
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.values import check_count, check_percent, parse_money

HERE = Path(__file__).parent
# id, name (the rest), kind, rule, active
LIST_WIDTHS = (10, 0, 14, 24, 3)


def whole(kopecks: int) -> str:
    """5 000.00 ₴ -> "5 000" (thresholds are round amounts)."""
    return format_money(kopecks, symbol=False).removesuffix(".00")


def plain_percent(value: Decimal) -> str:
    """Decimal("3.50") -> "3.5" (as typed into a field)."""
    return f"{value.normalize():f}"


def percent_text(value: Decimal) -> str:
    return plain_percent(value) + "%"


def rule_text(data: CardTypeData) -> str:
    """What a card type gives, in a few words."""
    if data.kind in ("discount", "one_time"):
        return percent_text(data.percent)
    if data.kind == "accumulative":
        return "; ".join(f"{whole(a)}: {percent_text(p)}" for a, p in data.thresholds)
    days = data.bonus_expiry_days
    text = _("{percent} bonus").format(percent=percent_text(data.bonus_percent))
    if days:
        text += ", " + ngettext("{n} day", "{n} days", days).format(n=days)
    return text


def percent_field(value: Decimal) -> str:
    return plain_percent(value) if value else ""


def yes_no() -> tuple[tuple[str, str], ...]:
    return (("yes", _("yes")), ("no", _("no")))


class CardTypesScreen(OfficeJobs, AreaScreen):
    """Every card type, by id; Enter edits one, Insert adds one."""

    CSS_PATH = [HERE / "area.tcss", HERE / "loyalty.tcss"]
    AUTO_FOCUS = "#card-types"
    BINDINGS = [
        Binding("enter", "edit", _("Edit"), id="card_types.edit"),
        Binding("insert", "new", _("New card type"), id="card_types.new"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.types: list[CardTypeData] = []

    def place(self) -> str:
        return _("Card types")

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("Enter edits a card type, Insert adds one."),
            classes="loyalty-hint",
        )
        yield DataTable(id="card-types", cursor_type="row", zebra_stripes=True)
        yield Label("", id="loyalty-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#card-types", DataTable)
        titles = (_("Id"), _("Title"), _("Kind"), _("Rule"), _("On"))
        for title, width in zip(titles, self.widths(), strict=True):
            table.add_column(title, width=width)
        self.read()

    def widths(self) -> tuple[int, ...]:
        fixed = sum(LIST_WIDTHS) + 2 * len(LIST_WIDTHS)
        room = max(8, min(self.app.size.width, 80) - 3 - fixed)
        return tuple(w or room for w in LIST_WIDTHS)

    def read(self) -> None:
        self.job(cards.card_types, self.show)

    def show(self, types: list[CardTypeData]) -> None:
        self.types = types
        table = self.query_one("#card-types", DataTable)
        row = table.cursor_row
        table.clear()
        for data in types:
            cells = (
                data.code,
                data.name,
                kind_title(data.kind),
                rule_text(data),
                _("yes") if data.active else _("no"),
            )
            table.add_row(
                *(Text(fit(c, w), no_wrap=True) for c, w in zip(cells, self.widths(), strict=True)),
                key=data.code,
            )
        if not types:
            self.say(_("No card types yet: press Insert to add the first."))
        elif row:
            table.move_cursor(row=min(row, table.row_count - 1))

    def say(self, text: str) -> None:
        message = self.query_one("#loyalty-message", Label)
        message.update(text)
        message.display = bool(text)

    def action_edit(self) -> None:
        table = self.query_one("#card-types", DataTable)
        if 0 <= table.cursor_row < len(self.types):
            self.open_editor(self.types[table.cursor_row])

    def action_new(self) -> None:
        self.open_editor(None)

    def open_editor(self, data: CardTypeData | None) -> None:
        def saved(result: object) -> None:
            self.read()

        self.job(
            group_choices,
            lambda groups: self.app.push_screen(CardTypeScreen(self.area, data, groups), saved),
        )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()


class CardTypeScreen(OfficeJobs, AreaScreen):
    """One card type: its fields, and its thresholds or group bonus rates in a table
    (Insert adds a row, Enter changes it, Delete removes it). F2 saves, Escape goes back
    without saving."""

    CSS_PATH = [HERE / "area.tcss", HERE / "loyalty.tcss"]
    BINDINGS = [
        Binding("f2", "save", _("Save"), id="card_type.save"),
        Binding("insert", "add_row", _("Add row"), id="card_type.add_row"),
        Binding("delete", "delete_row", _("Delete row"), id="card_type.delete_row"),
    ]

    def __init__(
        self, area: Area, data: CardTypeData | None, groups: list[tuple[int, str]]
    ) -> None:
        super().__init__(area)
        self.new = data is None
        self.data = data or CardTypeData("", "", "discount", Decimal(10))
        self.groups = dict(groups)
        self.thresholds: list[tuple[int, Decimal]] = list(self.data.thresholds)
        self.rates: list[tuple[int, Decimal]] = list(self.data.group_rates)

    def place(self) -> str:
        return _("New card type") if self.new else _("Card type {name}").format(name=self.data.name)

    def compose_body(self) -> ComposeResult:
        d = self.data

        def field(key: str, label: str, value: str, width: int, **kw: Any) -> ComposeResult:
            yield Label(label, classes="field-label", markup=False)
            box = Input(value, compact=True, id=f"ct-{key}", select_on_focus=True, **kw)
            box.styles.width = width
            yield box

        with Horizontal(classes="field-row"):
            yield from field("code", _("Id"), d.code, 12, disabled=not self.new)
            yield from field("name", _("Title"), d.name, 36)
        with Horizontal(classes="field-row"):
            yield Label(_("Kind"), classes="field-label")
            yield Select(
                [(kind_title(k), k) for k in KINDS],
                value=d.kind,
                allow_blank=False,
                compact=True,
                id="ct-kind",
            )
            yield Label(_("Active"), classes="field-label")
            yield Select(
                [(title, value) for value, title in yes_no()],
                value="yes" if d.active else "no",
                allow_blank=False,
                compact=True,
                id="ct-active",
            )
        with Horizontal(classes="field-row", id="ct-percent-row"):
            yield from field("percent", _("Discount, %"), percent_field(d.percent), 8)
        with Horizontal(classes="field-row", id="ct-bonus-row"):
            yield from field("bonus", _("Bonus, %"), percent_field(d.bonus_percent), 8)
            days = str(d.bonus_expiry_days or "")
            yield from field("days", _("Lasts, days"), days, 8, placeholder=_("forever"))
        with Horizontal(classes="field-row"):
            yield from field("prefix", _("Numbers"), d.prefix, 8, placeholder=_("prefix"))
            yield from field("from", _("from"), str(d.range_from or ""), 14)
            yield from field("to", _("to"), str(d.range_to or ""), 14)
        yield Label("", id="ct-rows-title", classes="loyalty-hint")
        yield DataTable(id="ct-rows", cursor_type="row", zebra_stripes=True)
        yield Label("", id="loyalty-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#ct-code" if self.new else "#ct-name", Input).focus()
        self.show_kind()

    @property
    def kind(self) -> str:
        return str(self.query_one("#ct-kind", Select).value)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "ct-kind":
            self.show_kind()

    def show_kind(self) -> None:
        kind = self.kind
        self.query_one("#ct-percent-row").display = kind in ("discount", "one_time")
        self.query_one("#ct-bonus-row").display = kind == "bonus"
        table = self.query_one("#ct-rows", DataTable)
        title = self.query_one("#ct-rows-title", Label)
        shown = kind in ("accumulative", "bonus")
        table.display = title.display = shown
        table.clear(columns=True)
        if kind == "accumulative":
            title.update(_("Thresholds: from the total bought, the discount (Insert, Delete)"))
            table.add_column(_("From, ₴"), width=16)
            table.add_column(_("Discount, %"), width=12)
            for amount, value in self.thresholds:
                table.add_row(format_money(amount, symbol=False), percent_text(value))
        elif kind == "bonus":
            title.update(_("Other bonus rates by product group (Insert, Delete)"))
            table.add_column(_("Product group"), width=40)
            table.add_column(_("Bonus, %"), width=10)
            for group_id, value in self.rates:
                path = self.groups.get(group_id, str(group_id))
                table.add_row(Text(fit(path, 40), no_wrap=True), percent_text(value))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("add_row", "delete_row"):
            return self.kind in ("accumulative", "bonus")
        return True

    def say(self, text: str) -> None:
        message = self.query_one("#loyalty-message", Label)
        message.update(text)
        message.display = bool(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#loyalty-message", Label).content)

    # --- rows -----------------------------------------------------------------------------

    def row_dialog(self, index: int | None) -> FormDialog:
        if self.kind == "accumulative":
            amount, value = self.thresholds[index] if index is not None else (0, Decimal(0))

            def parse_threshold(values: dict[str, str]) -> tuple[int, Decimal]:
                return (
                    parse_money(values["from"], _("A threshold")),
                    check_percent(values["percent"], _("A threshold's discount")),
                )

            return FormDialog(
                _("Threshold"),
                [
                    FormField("from", _("From, ₴"), money_field(amount), _("e.g. 5000")),
                    FormField("percent", _("Discount, %"), percent_field(value), _("e.g. 3")),
                ],
                parse_threshold,
            )
        group, value = self.rates[index] if index is not None else (None, Decimal(0))
        choices = tuple((str(gid), path) for gid, path in self.groups.items())

        def parse_rate(values: dict[str, str]) -> tuple[int, Decimal]:
            return (
                int(values["group"]),
                check_percent(values["percent"], _("A group's bonus rate"), allow_zero=True),
            )

        return FormDialog(
            _("Bonus rate of a product group"),
            [
                FormField("group", _("Product group"), str(group or ""), choices=choices),
                FormField("percent", _("Bonus, %"), percent_field(value), _("e.g. 10")),
            ],
            parse_rate,
        )

    def action_add_row(self) -> None:
        self.edit_row(None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.edit_row(event.cursor_row)

    def edit_row(self, index: int | None) -> None:
        if self.kind == "bonus" and not self.groups:
            self.say(_("The catalog has no product groups to give a rate to."))
            return
        rows = self.thresholds if self.kind == "accumulative" else self.rates

        def done(row: tuple[int, Decimal] | None) -> None:
            if row is None:
                return
            if index is None:
                rows.append(row)
            else:
                rows[index] = row
            rows.sort(key=lambda r: r[0])
            self.show_kind()

        self.app.push_screen(self.row_dialog(index), done)

    def action_delete_row(self) -> None:
        table = self.query_one("#ct-rows", DataTable)
        rows = self.thresholds if self.kind == "accumulative" else self.rates
        if table.has_focus and 0 <= table.cursor_row < len(rows):
            del rows[table.cursor_row]
            self.show_kind()
        else:
            self.say(_("Choose the row in the table (Tab), then press Delete."))

    # --- saving ---------------------------------------------------------------------------

    def value(self, key: str) -> str:
        return self.query_one(f"#ct-{key}", Input).value.strip()

    def collected(self) -> CardTypeData:
        """The fields as the card type service takes them (text read into numbers here)."""
        days_text = self.value("days")
        kind = self.kind
        return replace(
            self.data,
            code=self.value("code"),
            name=self.value("name"),
            kind=kind,
            percent=self.value("percent") or "0",  # type: ignore[arg-type]  # checked there
            bonus_percent=self.value("bonus") or "0",  # type: ignore[arg-type]
            bonus_expiry_days=check_count(days_text, _("Days bonuses last"), minimum=1)
            if kind == "bonus" and days_text
            else None,
            thresholds=list(self.thresholds) if kind == "accumulative" else [],
            group_rates=list(self.rates) if kind == "bonus" else [],
            prefix=self.value("prefix"),
            range_from=check_count(
                self.value("from") or "0", _("A card number range"), maximum=10**12
            ),
            range_to=check_count(self.value("to") or "0", _("A card number range"), maximum=10**12),
            active=self.query_one("#ct-active", Select).value == "yes",
        )

    def action_save(self) -> None:
        from torgtui.errors import TorgError

        try:
            data = self.collected()
        except TorgError as exc:
            self.say(exc.message)
            return
        employee, clock = self.app.employee, self.app.clock

        def saved(_row: object) -> None:
            self.app.notify(_("Card type {name} saved.").format(name=data.name))
            self.dismiss(data.code)

        self.say("")
        self.job(lambda: cards.save_card_type(data, by=employee, clock=clock), saved)

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)
