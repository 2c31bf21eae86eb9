"""Accelerators (in the Loyalty and promotions area): buying a given product, or one of a
product group, lifts the customer to a threshold of their accumulative card or enrols them on
another card type. Insert adds one, Enter changes it, Delete stops it (kept for the history);
torgtui.marketing.accelerators checks, saves and audits.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Label

from torgtui.catalog.service import find_by_code, group_choices
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import accelerators, cards
from torgtui.marketing.accelerators import AcceleratorData
from torgtui.money import format_money
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import OfficeJobs, fit, money_field
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.till_dialogs import ConfirmDialog
from torgtui.values import parse_money

HERE = Path(__file__).parent
# id, bought (the rest), does, card type, active
WIDTHS = (10, 0, 16, 12, 3)


def action_titles() -> dict[str, str]:
    return {"tier": _("lift to a threshold"), "enrol": _("enrol on the card type")}


def does_text(data: AcceleratorData) -> str:
    if data.action == "tier":
        return _("to {amount}").format(amount=format_money(data.threshold, symbol=False))
    return _("enrol")


def parse_fields(values: dict[str, str]) -> dict[str, object]:
    threshold = values["threshold"].strip()
    return {
        "code": values["code"].strip(),
        "action": values["action"],
        "card_type": values["card_type"],
        "product": values["product"].strip(),
        "group": int(values["group"]) if values["group"] else None,
        "threshold": parse_money(threshold, _("The threshold")) if threshold else 0,
        "active": values["active"] == "yes",
    }


def to_data(fields: dict[str, object]) -> AcceleratorData:
    """The dialog's fields with the product found by its barcode or SKU (in a worker)."""
    product_id = None
    code = str(fields["product"])
    if code:
        product = find_by_code(code)
        if product is None:
            raise ValidationError(
                _("No active product has the barcode or SKU {code!r}.").format(code=code[:40])
            )
        product_id = product.id
    return AcceleratorData(
        str(fields["code"]),
        str(fields["action"]),
        str(fields["card_type"]),
        product_id,
        fields["group"],  # type: ignore[arg-type]
        int(fields["threshold"]),  # type: ignore[call-overload]
        bool(fields["active"]),
    )


class AcceleratorsScreen(OfficeJobs, AreaScreen):
    """Every accelerator, by id."""

    CSS_PATH = [HERE / "area.tcss", HERE / "loyalty.tcss"]
    AUTO_FOCUS = "#accelerators"
    BINDINGS = [
        Binding("enter", "edit", _("Edit"), id="accelerators.edit"),
        Binding("insert", "new", _("New accelerator"), id="accelerators.new"),
        Binding("delete", "stop", _("Stop"), id="accelerators.stop"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.items: list[AcceleratorData] = []

    def place(self) -> str:
        return _("Accelerators")

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("Buying a product (or one of a group) lifts the card or enrols the customer."),
            classes="loyalty-hint",
        )
        yield DataTable(id="accelerators", cursor_type="row", zebra_stripes=True)
        yield Label("", id="loyalty-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#accelerators", DataTable)
        titles = (_("Id"), _("Bought"), _("Does"), _("Card type"), _("On"))
        for title, width in zip(titles, self.widths(), strict=True):
            table.add_column(title, width=width)
        self.read()

    def widths(self) -> tuple[int, ...]:
        fixed = sum(WIDTHS) + 2 * len(WIDTHS)
        room = max(8, min(self.app.size.width, 80) - 3 - fixed)
        return tuple(w or room for w in WIDTHS)

    def read(self) -> None:
        def load() -> tuple[list[AcceleratorData], dict[str, str]]:
            found = accelerators.accelerators()
            return found, accelerators.targets(found)

        self.job(load, self.show)

    def show(self, found: tuple[list[AcceleratorData], dict[str, str]]) -> None:
        self.items, targets = found
        table = self.query_one("#accelerators", DataTable)
        row = table.cursor_row
        table.clear()
        widths = self.widths()
        for item in self.items:
            cells = (
                item.code,
                targets.get(item.code, ""),
                does_text(item),
                item.card_type,
                _("yes") if item.active else _("no"),
            )
            table.add_row(
                *(Text(fit(c, w), no_wrap=True) for c, w in zip(cells, widths, strict=True)),
                key=item.code,
            )
        self.say("" if self.items else _("No accelerators yet: press Insert to add one."))
        if row and self.items:
            table.move_cursor(row=min(row, table.row_count - 1))

    def say(self, text: str) -> None:
        message = self.query_one("#loyalty-message", Label)
        message.update(text)
        message.display = bool(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#loyalty-message", Label).content)

    @property
    def current(self) -> AcceleratorData | None:
        row = self.query_one("#accelerators", DataTable).cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_edit(self) -> None:
        if self.current is not None:
            self.open_editor(self.current)

    def action_new(self) -> None:
        self.open_editor(None)

    def open_editor(self, data: AcceleratorData | None) -> None:
        def load() -> tuple[list[tuple[str, str]], list[tuple[int, str]], str]:
            types = [(t.code, t.name) for t in cards.card_types()]
            product = ""
            if data is not None and data.product is not None:
                product = accelerators.targets([data])[data.code].split(" ", 1)[0]
            return types, group_choices(), product

        self.job(load, lambda found: self.ask(data, *found))

    def ask(
        self,
        data: AcceleratorData | None,
        types: list[tuple[str, str]],
        groups: list[tuple[int, str]],
        product: str,
    ) -> None:
        if not types:
            self.say(_("Add a card type first: an accelerator lifts or enrols onto one."))
            return
        employee, clock = self.app.employee, self.app.clock
        d = data or AcceleratorData("", "tier", types[0][0])
        group_choices_ = (("", _("none: a product")), *((str(i), p) for i, p in groups))

        def save(fields: dict[str, object]) -> object:
            return accelerators.save_accelerator(to_data(fields), by=employee, clock=clock)

        dialog = FormDialog(
            _("Accelerator"),
            [
                FormField("code", _("Id"), d.code, _("e.g. GOLD-DRESS")),
                FormField(
                    "action",
                    _("Does"),
                    d.action,
                    choices=tuple(action_titles().items()),
                ),
                FormField("card_type", _("Card type"), d.card_type, choices=tuple(types)),
                FormField("product", _("Product"), product, _("barcode or SKU, or empty")),
                FormField(
                    "group",
                    _("or product group"),
                    str(d.group or ""),
                    choices=group_choices_,
                ),
                FormField("threshold", _("Threshold, ₴"), money_field(d.threshold), _("tier only")),
                FormField(
                    "active",
                    _("Active"),
                    "yes" if d.active else "no",
                    choices=(("yes", _("yes")), ("no", _("no"))),
                ),
            ],
            parse_fields,
            lines=[_("For one product (its barcode or SKU) or one product group.")],
            save=save,
        )
        self.app.push_screen(dialog, lambda result: self.read() if result is not None else None)

    def action_stop(self) -> None:
        item = self.current
        if item is None:
            return
        if not item.active:
            self.say(_("The accelerator {code} is stopped already.").format(code=item.code))
            return
        employee, clock = self.app.employee, self.app.clock

        def answered(yes: bool | None) -> None:
            if yes:
                self.job(
                    lambda: accelerators.deactivate_accelerator(
                        item.code, by=employee, clock=clock
                    ),
                    lambda _row: self.read(),
                )

        self.app.push_screen(
            ConfirmDialog(
                _("Stop this accelerator?"),
                _("{code} stops lifting cards; it stays in the list, inactive.").format(
                    code=item.code
                ),
            ),
            answered,
        )
