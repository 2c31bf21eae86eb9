"""The promotion builder: every field of a promotion by keyboard, in the order a manager thinks
of them -- id and name; when and where; the goods (a table: Insert adds a product by barcode
or SKU, a group or a manufacturer, all goods, or goods taken out; Delete removes one); the
customers; the conditions; the mechanic and the reward; how it combines.

Tab and Enter go from field to field; a choice opens with Enter or Space; fields that do not
apply to the mechanic, reward or customers chosen are hidden. F2 saves through
torgtui.marketing.promotions.save_promotion: what it refuses (a conflict with another
exclusive promotion, naming both and a product; no goods; an end before the start ...) is
shown in words under the form and nothing is written. A fixed price above a product's regular
price is asked about (Y saves it confirmed). F7 runs its forecast and F8 shows the goods it
covers, as the form has them, before it is saved. Escape leaves, asking first when something
was changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Select

from torgtui.catalog.service import find_by_code
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.marketing.promotions import PromotionData, Target, save_promotion
from torgtui.marketing.promotions.service import AboveRegularPrice
from torgtui.money import format_money
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import Failed, OfficeJobs, fit, money_field
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.promotion_form import (
    ROLES,
    Choices,
    TargetRow,
    basis_titles,
    birthday_titles,
    customer_titles,
    day_field,
    hours_field,
    mechanic_titles,
    of_titles,
    on_titles,
    optional_count,
    optional_money,
    optional_qty,
    parse_hours,
    parse_locations,
    parse_weekdays,
    period_titles,
    qty_field,
    read_day,
    reward_titles,
    reward_value,
    role_titles,
    split_targets,
    stacking_titles,
    total_of_titles,
    value_field,
    value_hint,
    weekdays_field,
    with_card_titles,
    yes_no,
)
from torgtui.screens.till_dialogs import ConfirmDialog
from torgtui.values import check_count

HERE = Path(__file__).parent
# the reward's value: room for its longest hint ("the price of each, e.g. 99.00") beside the
# reward's choice at 80 columns (promotions.tcss keeps the value's label short)
VALUE_WIDTH = 29
NEW_CODE = "(new)"  # what the forecast calls a promotion whose id is not typed yet


@dataclass(frozen=True)
class Saved:
    code: str
    name: str


@dataclass(frozen=True)
class AskAbove:
    """The service refused a fixed price above a regular one: ask, then save confirmed."""

    message: str


def _pairs(choices: dict[str, str]) -> list[tuple[str, str]]:
    return [(title, value) for value, title in choices.items()]


class PromotionBuilderScreen(OfficeJobs, AreaScreen):
    """Create, change or finish a copy of one promotion (see the module doc)."""

    CSS_PATH = [HERE / "area.tcss", HERE / "promotions.tcss"]
    BINDINGS = [
        Binding("f2", "save", _("Save"), id="promotion_builder.save"),
        Binding("insert", "add_target", _("Add goods"), id="promotion_builder.add_target"),
        Binding("delete", "delete_target", _("Remove"), id="promotion_builder.delete_target"),
        Binding("f7", "forecast", _("Forecast"), id="promotion_builder.forecast"),
        Binding("f8", "goods", _("Goods"), id="promotion_builder.goods"),
    ]

    def __init__(
        self,
        area: Area,
        data: PromotionData | None,
        choices: Choices,
        rows: list[TargetRow],
    ) -> None:
        super().__init__(area)
        self.new = data is None
        self.data = data or PromotionData("", "")
        self.choices = choices
        self.rows: list[TargetRow] = list(rows)
        self.saving = False
        self.start: tuple[Any, ...] = ()

    def place(self) -> str:
        if self.new:
            return _("New promotion")
        return _("Promotion {code}").format(code=self.data.code)

    # --- the form --------------------------------------------------------------------------

    def field(self, key: str, label: str, value: str, width: int, **kw: Any) -> Horizontal:
        box = Input(value, compact=True, select_on_focus=True, id=f"pb-{key}", **kw)
        box.styles.width = width
        return self.pair(key, label, box)

    def choice(
        self, key: str, label: str, value: str, options: dict[str, str] | list
    ) -> Horizontal:
        pairs = _pairs(options) if isinstance(options, dict) else list(options)
        known = {v for _t, v in pairs}
        select: Select[str] = Select(
            pairs,
            value=value if value in known else (pairs[0][1] if pairs else Select.NULL),
            allow_blank=not pairs,
            compact=True,
            id=f"pb-{key}",
            classes="pb-yes-no" if known == {"yes", "no"} else "",
        )
        return self.pair(key, label, select)

    @staticmethod
    def pair(key: str, label: str, widget: Widget) -> Horizontal:
        row = Horizontal(classes="pb-pair", id=f"pb-pair-{key}")
        row.compose_add_child(Label(label, classes="pb-label", markup=False))
        row.compose_add_child(widget)
        return row

    def compose_body(self) -> ComposeResult:
        d = self.data
        c = self.choices
        yn = dict(yes_no())
        with VerticalScroll(id="pb-form"):
            with Horizontal(classes="pb-row"):
                yield self.field("code", _("Id"), d.code, 14, disabled=not self.new)
                yield self.field("name", _("Name"), d.name, 34)
            with Horizontal(classes="pb-row"):
                yield self.choice("active", _("Active"), "yes" if d.active else "no", yn)
                yield self.choice(
                    "requires_code", _("Needs a code"), "yes" if d.requires_code else "no", yn
                )
                yield self.choice("festive", _("Festive"), "yes" if d.festive else "no", yn)
            yield Label(_("When and where"), classes="pb-heading")
            with Horizontal(classes="pb-row"):
                yield self.field(
                    "from", _("From"), day_field(d.starts_on), 12, placeholder=_("DD.MM.YYYY")
                )
                yield self.field(
                    "to", _("To"), day_field(d.ends_on), 12, placeholder=_("DD.MM.YYYY")
                )
            with Horizontal(classes="pb-row"):
                yield self.field(
                    "weekdays",
                    _("Weekdays"),
                    weekdays_field(d.weekdays),
                    14,
                    placeholder=_("every day"),
                )
                yield self.field(
                    "hours", _("Hours"), hours_field(d.hours), 12, placeholder=_("all day")
                )
            with Horizontal(classes="pb-row"):
                places = ",".join(c.location_codes.get(i, str(i)) for i in d.locations)
                yield self.field(
                    "locations", _("Locations"), places, 30, placeholder=_("all; or their codes")
                )
            yield Label(
                _("Goods (Insert adds, Delete removes, Enter changes)"), classes="pb-heading"
            )
            yield DataTable(id="pb-targets", cursor_type="row", zebra_stripes=True)
            yield Label(_("Customers"), classes="pb-heading")
            with Horizontal(classes="pb-row"):
                yield self.choice("customers", _("Who"), d.customers, customer_titles())
                yield self.choice(
                    "card_type",
                    _("Card type"),
                    d.card_type,
                    [(name, code) for code, name in c.card_types],
                )
            with Horizontal(classes="pb-row"):
                yield self.choice("tier", _("Tier from"), str(d.tier_from or ""), [])
                yield self.field("partner", _("Partner"), d.partner, 16)
            yield Label(_("Conditions"), classes="pb-heading")
            with Horizontal(classes="pb-row"):
                yield self.field("min_qty", _("Items from"), qty_field(d.min_qty), 8)
                yield self.field("max_qty", _("up to"), qty_field(d.max_qty), 8)
            with Horizontal(classes="pb-row"):
                yield self.field("min_total", _("Total from"), money_field(d.min_total or 0), 12)
                yield self.field("max_total", _("up to"), money_field(d.max_total or 0), 12)
            with Horizontal(classes="pb-row", id="pb-row-total"):
                yield self.choice("total_of", _("Total of"), d.total_of, total_of_titles())
                yield self.choice("basis", _("Counted"), d.total_basis, basis_titles())
            with Horizontal(classes="pb-row"):
                yield self.choice("birthday", _("Birthday"), d.birthday, birthday_titles())
                yield self.field("bday_before", _("Days before"), str(d.birthday_before or ""), 4)
                yield self.field("bday_after", _("after"), str(d.birthday_after or ""), 4)
            with Horizontal(classes="pb-row"):
                yield self.field(
                    "nth_receipt",
                    _("Nth receipt"),
                    str(d.nth_receipt or ""),
                    10,
                    placeholder=_("e.g. 100"),
                )
                yield self.choice("nth_period", _("Counted"), d.nth_period, period_titles())
            yield Label(_("What it gives"), classes="pb-heading")
            with Horizontal(classes="pb-row"):
                yield self.choice("mechanic", _("Mechanic"), d.mechanic, mechanic_titles())
                yield self.field("n", _("N"), str(d.n or ""), 5, placeholder="2")
            with Horizontal(classes="pb-row"):
                yield self.choice("of", _("Of"), d.of, of_titles())
                yield self.field("max_times", _("Times"), str(d.max_times or ""), 5)
            with Horizontal(classes="pb-row"):
                yield self.field("buy", _("Buy"), str(d.buy or ""), 5)
                yield self.field("get", _("Get"), str(d.get or ""), 5)
            with Horizontal(classes="pb-row"):
                yield self.choice("reward", _("Reward"), d.reward, reward_titles())
                yield self.field(
                    "value",
                    _("Value"),
                    value_field(d),
                    VALUE_WIDTH,
                    placeholder=value_hint(d.reward),
                )
            with Horizontal(classes="pb-row"):
                yield self.choice("on", _("On"), d.on, on_titles())
                yield self.field("cap", _("Cap"), money_field(d.cap or 0), 10)
            yield Label(_("How it combines"), classes="pb-heading")
            with Horizontal(classes="pb-row"):
                yield self.choice("stacking", _("Stacking"), d.stacking, stacking_titles())
                yield self.field("best_of", _("Group"), d.best_of, 14)
            with Horizontal(classes="pb-row"):
                yield self.field("priority", _("Priority"), str(d.priority), 6)
                yield self.choice("with_card", _("Card"), d.with_card, with_card_titles())
        yield Label("", id="pb-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#pb-targets", DataTable)
        table.add_column(_("Role"), width=10)
        table.add_column(_("Goods"), width=max(20, min(self.app.size.width, 80) - 20))
        self.fill_targets()
        self.fill_tiers(str(self.data.tier_from or ""))
        self.show_applicable()
        self.query_one("#pb-code" if self.new else "#pb-name", Input).focus()
        self.start = self.snapshot()

    def fill_targets(self) -> None:
        table = self.query_one("#pb-targets", DataTable)
        row = table.cursor_row
        table.clear()
        titles = role_titles()
        width = table.columns[list(table.columns)[1]].width
        for item in self.rows:
            table.add_row(titles[item.role], Text(fit(item.name, width), no_wrap=True))
        if not self.rows:
            table.add_row("", _("none yet: press Insert"))
        elif row:
            table.move_cursor(row=min(row, table.row_count - 1))

    def fill_tiers(self, value: str = "") -> None:
        card = self.select("card_type")
        tiers = self.choices.tiers.get(card, [])
        select = self.query_one("#pb-tier", Select)
        options = [(format_money(a), str(a)) for a in tiers]
        select.set_options(options)
        if options:
            select.value = value if value in {v for _t, v in options} else options[0][1]

    # --- reading it ------------------------------------------------------------------------

    def value(self, key: str) -> str:
        return self.query_one(f"#pb-{key}", Input).value.strip()

    def select(self, key: str) -> str:
        value = self.query_one(f"#pb-{key}", Select).value
        return "" if value is Select.NULL else str(value)

    def snapshot(self) -> tuple[Any, ...]:
        values = [w.value for w in self.query("#pb-form Input, #pb-form Select")]
        return (*values, tuple(self.rows))

    def show_applicable(self) -> None:
        """Hide what does not apply to the choices made."""
        customers, mechanic = self.select("customers"), self.select("mechanic")
        reward, stacking = self.select("reward"), self.select("stacking")
        shown = {
            "card_type": customers in ("card_type", "tier"),
            "tier": customers == "tier",
            "partner": customers == "partner",
            "n": mechanic == "nth",
            "of": mechanic == "nth",
            "buy": mechanic == "buy_get",
            "get": mechanic == "buy_get",
            "max_times": mechanic in ("nth", "buy_get"),
            "on": mechanic == "all" and reward in ("percent", "amount"),
            "best_of": stacking == "best_of",
            "bday_before": self.select("birthday") != "",
            "bday_after": self.select("birthday") != "",
            "nth_period": bool(self.value("nth_receipt")),
        }
        for key, display in shown.items():
            self.query_one(f"#pb-pair-{key}").display = display
        total = self.query_one("#pb-row-total")
        total.display = bool(self.value("min_total") or self.value("max_total"))
        for row in self.query(".pb-row"):
            if row is not total:
                row.display = any(pair.display for pair in row.children)
        self.query_one("#pb-value", Input).placeholder = value_hint(reward)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "pb-card_type":
            self.fill_tiers()
        self.show_applicable()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("pb-nth_receipt", "pb-min_total", "pb-max_total"):
            self.show_applicable()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def collected(self) -> PromotionData:
        """The form as the service takes it (text read into values here, refused in words)."""
        d = self.data
        customers, mechanic = self.select("customers"), self.select("mechanic")
        reward, stacking = self.select("reward"), self.select("stacking")
        targets, given = split_targets(self.rows)
        tier = self.select("tier")
        values = reward_value(reward, self.value("value"))
        price = values.get("price")
        birthday = self.select("birthday")
        return PromotionData(
            code=self.value("code"),
            name=self.value("name"),
            active=self.select("active") == "yes",
            starts_on=read_day(self.value("from"), _("From")),
            ends_on=read_day(self.value("to"), _("To")),
            weekdays=parse_weekdays(self.value("weekdays")),
            hours=parse_hours(self.value("hours")),
            locations=parse_locations(self.value("locations"), self.choices.locations),
            targets=targets,
            customers=customers,
            card_type=self.select("card_type") if customers in ("card_type", "tier") else "",
            tier_from=int(tier) if customers == "tier" and tier else None,
            partner=self.value("partner") if customers == "partner" else "",
            min_qty=optional_qty(self.value("min_qty")),
            max_qty=optional_qty(self.value("max_qty")),
            min_total=optional_money(self.value("min_total"), _("The minimum total")),
            max_total=optional_money(self.value("max_total"), _("The maximum total")),
            total_of=self.select("total_of"),
            total_basis=self.select("basis"),
            birthday=birthday,
            birthday_before=optional_count(
                self.value("bday_before") if birthday else "", _("Days before"), maximum=60
            ),
            birthday_after=optional_count(
                self.value("bday_after") if birthday else "", _("Days after"), maximum=60
            ),
            nth_receipt=optional_count(
                self.value("nth_receipt"), _("Every Nth receipt"), maximum=1_000_000
            ),
            nth_period=self.select("nth_period"),
            mechanic=mechanic,
            n=optional_count(self.value("n"), _("Every Nth item")) if mechanic == "nth" else 0,
            of=self.select("of"),
            buy=optional_count(self.value("buy"), _("Buy")) if mechanic == "buy_get" else 0,
            get=optional_count(self.value("get"), _("Get")) if mechanic == "buy_get" else 0,
            get_targets=given,
            max_times=(
                optional_count(self.value("max_times"), _("Times per receipt"), minimum=1) or None
                if mechanic in ("nth", "buy_get")
                else None
            ),
            reward=reward,
            percent=values["percent"],  # type: ignore[arg-type]
            amount=values["amount"],  # type: ignore[arg-type]
            price=price,  # type: ignore[arg-type]
            on=self.select("on")
            if mechanic == "all" and reward in ("percent", "amount")
            else "lines",
            cap=optional_money(self.value("cap"), _("The cap per receipt")),
            stacking=stacking,
            best_of=self.value("best_of") if stacking == "best_of" else "",
            priority=check_count(
                self.value("priority") or "0", _("The priority"), minimum=-1000, maximum=1000
            ),
            with_card=self.select("with_card"),
            requires_code=self.select("requires_code") == "yes",
            festive=self.select("festive") == "yes",
            # a confirmation holds for the price it was given for
            above_regular=d.above_regular and reward == "price" and price == d.price,
        )

    # --- saving ----------------------------------------------------------------------------

    def say(self, text: str) -> None:
        message = self.query_one("#pb-message", Label)
        message.update(text)
        message.display = bool(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#pb-message", Label).content)

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            data = self.collected()
        except TorgError as exc:
            self.say(exc.message)
            return
        self.save(data, confirmed=False)

    def save(self, data: PromotionData, *, confirmed: bool) -> None:
        employee, clock = self.app.employee, self.app.clock
        self.saving = True
        self.say("")

        def call() -> Saved | AskAbove:
            try:
                row = save_promotion(
                    data, by=employee, clock=clock, confirm_above_regular=confirmed
                )
            except AboveRegularPrice as exc:
                return AskAbove(exc.message)
            return Saved(row.code, row.name)

        def done(result: Saved | AskAbove | Failed) -> None:
            self.saving = False
            if isinstance(result, Failed):
                self.say(result.message)
            elif isinstance(result, AskAbove):
                self.ask_above(data, result.message)
            else:
                self.app.notify(_("Promotion {code} saved.").format(code=result.code))
                self.dismiss(result)

        self.job(call, done, failures=True)

    def ask_above(self, data: PromotionData, text: str) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.save(data, confirmed=True)
            else:
                self.say(text)

        self.app.push_screen(ConfirmDialog(_("Above the regular price?"), text), answered)

    def action_back(self) -> None:
        if self.app.screen is not self:
            return
        if self.snapshot() == self.start:
            self.dismiss(None)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmDialog(
                _("Leave without saving?"),
                _("What you changed in this promotion is not saved. F2 in the form saves it."),
            ),
            answered,
        )

    # --- its figures, as the form has it ----------------------------------------------------

    def as_typed(self) -> PromotionData | None:
        """The form as it is, for its goods and forecast before it is saved (an id and a name
        not typed yet are stood in for); None: refused in words under the form."""
        try:
            data = self.collected()
        except TorgError as exc:
            self.say(exc.message)
            return None
        self.say("")
        return replace(data, code=data.code or NEW_CODE, name=data.name or _("New promotion"))

    def action_forecast(self) -> None:
        from torgtui.screens.promotion_figures import ForecastScreen

        data = self.as_typed()
        if data is not None:
            self.app.push_screen(ForecastScreen(self.area, data, data.name))

    def action_goods(self) -> None:
        from torgtui.screens.promotion_figures import PromotionGoodsScreen

        data = self.as_typed()
        if data is not None:
            self.app.push_screen(PromotionGoodsScreen(self.area, data))

    # --- the goods -------------------------------------------------------------------------

    @property
    def targets_table(self) -> DataTable:
        return self.query_one("#pb-targets", DataTable)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.rows and 0 <= event.cursor_row < len(self.rows):
            self.edit_target(event.cursor_row)
        else:
            self.edit_target(None)

    def action_add_target(self) -> None:
        self.edit_target(None)

    def action_delete_target(self) -> None:
        table = self.targets_table
        if table.has_focus and 0 <= table.cursor_row < len(self.rows):
            del self.rows[table.cursor_row]
            self.fill_targets()
        elif not table.has_focus:
            self.say(_("Choose the goods in their table (Tab), then press Delete."))

    def edit_target(self, index: int | None) -> None:
        current = self.rows[index] if index is not None else None
        c = self.choices

        def saved(row: TargetRow | None) -> None:
            if row is None:
                return
            if index is None:
                self.rows.append(row)
            else:
                self.rows[index] = row
            self.fill_targets()
            self.targets_table.focus()

        self.app.push_screen(target_dialog(current, c), saved)


def target_kind(target: Target | None) -> str:
    if target is None or target.product_id is not None:
        return "product"
    if target.group_id is not None:
        return "group"
    if target.manufacturer_id is not None:
        return "maker"
    return "all"


def target_dialog(current: TargetRow | None, c: Choices) -> FormDialog:
    """One line of the goods: a product (barcode or SKU), a group, a manufacturer or all
    goods, and its role. The product is found in a worker; not found is said in words."""
    target = current.target if current else None
    kind = target_kind(target)
    product = current.name.split(" ", 1)[0] if current and kind == "product" else ""
    groups = tuple((str(i), path) for i, path in c.groups) or (("", _("no groups")),)
    makers = tuple((str(i), name) for i, name in c.makers) or (("", _("no manufacturers")),)
    kinds = (
        ("product", _("a product")),
        ("group", _("a product group")),
        ("maker", _("a manufacturer")),
        ("all", _("all goods")),
    )

    def parse(values: dict[str, str]) -> dict[str, str]:
        if values["kind"] == "product" and not values["product"].strip():
            raise ValidationError(_("Scan or type the product's barcode or SKU."))
        if values["kind"] in ("group", "maker") and not values[values["kind"]]:
            raise ValidationError(_("There is nothing to choose: the catalog has none."))
        return values

    def resolve(values: dict[str, str]) -> TargetRow:
        role, kind = values["role"], values["kind"]
        if kind == "product":
            code = values["product"].strip()
            found = find_by_code(code)
            if found is None:
                raise ValidationError(
                    _("No active product has the barcode or SKU {code!r}.").format(code=code[:40])
                )
            return TargetRow(role, Target(product_id=found.id), f"{found.sku} {found.name}")
        if kind == "group":
            gid = int(values["group"])
            path = dict(c.groups).get(gid, str(gid))
            return TargetRow(role, Target(group_id=gid), _("{group} (group)").format(group=path))
        if kind == "maker":
            mid = int(values["maker"])
            name = dict(c.makers).get(mid, str(mid))
            return TargetRow(
                role, Target(manufacturer_id=mid), _("{maker} (manufacturer)").format(maker=name)
            )
        return TargetRow(role, Target(), _("all goods"))

    return FormDialog(
        _("Goods of the promotion"),
        [
            FormField(
                "role",
                _("Role"),
                current.role if current else "in",
                choices=tuple((r, role_titles()[r]) for r in ROLES),
            ),
            FormField("kind", _("What"), kind, choices=kinds),
            FormField("product", _("Product"), product, _("barcode or SKU")),
            FormField(
                "group",
                _("Group"),
                str(target.group_id) if target and target.group_id else "",
                choices=groups,
            ),
            FormField(
                "maker",
                _("Manufacturer"),
                str(target.manufacturer_id) if target and target.manufacturer_id else "",
                choices=makers,
            ),
        ],
        parse,
        lines=[
            _(
                "Goods: what it is for (a group takes its subgroups too); except: taken out "
                "again; given: what 'buy X get Y' gives, when not the same goods."
            )
        ],
        label_width=14,
        save=resolve,
    )


__all__ = ["PromotionBuilderScreen", "target_dialog"]
