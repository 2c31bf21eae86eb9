"""Promotions (in the Loyalty and promotions area): the list with each promotion's status
(running, planned, ended, stopped), filtered by status (F3) and searched by id or name (F4);
a promotion's card in words (what goods, when, for whom, on what condition, what it gives,
how it combines), the real result of a running or ended one against the same weeks before,
and the goods it covers (stock, regular and promoted price, cost, margin); the builder to
create (Insert), change (F2) or copy (F5) one; stopping it (Delete); its forecast (F7, a
backtest over past receipts) and its cost documents (F8). torgtui.marketing.promotions
checks, saves and audits everything (screens.promotion_figures shows the figures).

The list reads at most :data:`LIMIT` promotions (the service's bounded page): a shop keeps
dozens, a chain a few hundred; past that, the search narrows it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Label

from torgtui.i18n import _
from torgtui.marketing.promotions import (
    copy_promotion,
    deactivate_promotion,
    get_promotion,
    list_promotions,
)
from torgtui.marketing.promotions.model import PromotionData, Summary, status_at
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import OfficeJobs, fit
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.promotion_figures import (
    CostDocumentsScreen,
    ForecastScreen,
    GoodsFound,
    fill_goods,
    goods_columns,
    goods_info,
    load_goods,
    real_result_of,
    result_lines,
)
from torgtui.screens.promotion_form import (
    Names,
    card_lines,
    names_of,
    read_choices,
    status_titles,
    summary_when,
    target_rows,
)
from torgtui.screens.promotions_message import PromotionsMessage
from torgtui.screens.till_dialogs import ConfirmDialog

HERE = Path(__file__).parent
CSS = [HERE / "area.tcss", HERE / "promotions.tcss"]
LIMIT = 500
# id, name (the rest), status, when
WIDTHS = (14, 0, 8, 17)  # ids are short words (HAPPY-HOURS, SWEATERS-25)
STATUS_ORDER = (None, "running", "planned", "ended", "inactive")


class PromotionActions(OfficeJobs):
    """What the list and the card both do with one promotion: open the builder on it (or on
    a new one), copy it, stop it. ``changed()`` is called after anything was written."""

    area: Area

    def changed(self) -> None:
        """Read again what the screen shows."""

    def open_builder(self, code: str | None) -> None:
        from torgtui.screens.promotion_builder import PromotionBuilderScreen

        def load() -> tuple[Any, PromotionData | None, list]:
            choices = read_choices()
            if code is None:
                return choices, None, []
            data = get_promotion(code)
            return choices, data, target_rows(data)

        def show(found: tuple[Any, PromotionData | None, list]) -> None:
            choices, data, rows = found
            screen = PromotionBuilderScreen(self.area, data, choices, rows)
            self.app.push_screen(screen, lambda result: self.saved(result))

        self.job(load, show)

    def saved(self, result: object) -> None:
        if result is not None:
            self.changed()

    def copy(self, code: str, name: str) -> None:
        employee, clock = self.app.employee, self.app.clock

        def parse(values: dict[str, str]) -> tuple[str, str]:
            return values["code"].strip(), values["name"].strip()

        def save(value: tuple[str, str]) -> str:
            new_code, new_name = value
            return copy_promotion(
                code, new_code, by=employee, name=new_name or None, clock=clock
            ).code

        def copied(new_code: str | None) -> None:
            if new_code is None:
                return
            self.app.notify(
                _("Copied as {code}, stopped: change it, make it active, save it.").format(
                    code=new_code
                ),
                timeout=8,
            )
            self.changed()
            self.open_builder(new_code)

        dialog = FormDialog(
            _("Copy promotion {code}").format(code=code),
            [
                FormField("code", _("New id"), "", _("e.g. {code}-2").format(code=code[:30])),
                FormField("name", _("Name"), name),
            ],
            parse,
            lines=[_("The copy is stopped until you make it active in the builder.")],
            label_width=10,
            save=save,
        )
        self.app.push_screen(dialog, copied)

    def stop(self, code: str, name: str) -> None:
        employee, clock = self.app.employee, self.app.clock

        def answered(yes: bool | None) -> None:
            if yes:
                self.job(
                    lambda: deactivate_promotion(code, by=employee, clock=clock),
                    self.stopped,
                )

        self.app.push_screen(
            ConfirmDialog(
                _("Stop this promotion?"),
                _(
                    "{name} ({code}) stops at once on every register; it stays in the list, "
                    "stopped, for the receipts that name it."
                ).format(name=name, code=code),
            ),
            answered,
        )

    def stopped(self, changed: bool) -> None:
        if not changed:
            self.say(_("That promotion is stopped already."))
        self.changed()


class PromotionsScreen(PromotionsMessage, PromotionActions, AreaScreen):
    """Every promotion, running first; F3 shows one status, F4 searches."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#promotions"
    BINDINGS = [
        Binding("enter", "open", _("Open"), id="promotions.open"),
        Binding("insert", "new", _("New"), id="promotions.new"),
        Binding("f3", "status", _("Status"), id="promotions.status"),
        Binding("f4", "search", _("Search"), id="promotions.search"),
        Binding("f5", "copy", _("Copy"), id="promotions.copy"),
        Binding("delete", "stop", _("Stop"), id="promotions.stop"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.items: list[Summary] = []
        self.status: str | None = None
        self.search = ""

    def place(self) -> str:
        return _("Promotions")

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="promotions-top"):
            yield Label("", id="promotions-info", markup=False)
            yield Input(
                placeholder=_("F4: search by id or name"),
                id="promotions-search",
                compact=True,
            )
        yield DataTable(id="promotions", cursor_type="row", zebra_stripes=True)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#promotions", DataTable)
        titles = (_("Id"), _("Name"), _("Status"), _("When"))
        for title, width in zip(titles, self.widths(), strict=True):
            table.add_column(title, width=width)
        self.read()

    def widths(self) -> tuple[int, ...]:
        fixed = sum(WIDTHS) + 2 * len(WIDTHS)
        room = max(8, min(self.app.size.width, 80) - 3 - fixed)
        return tuple(w or room for w in WIDTHS)

    def read(self) -> None:
        day, status, search = self.app.clock().date(), self.status, self.search
        self.job(
            lambda: list_promotions(day=day, status=status, search=search, limit=LIMIT), self.show
        )

    def changed(self) -> None:
        self.read()

    def show(self, items: list[Summary]) -> None:
        self.items = items
        titles = status_titles()
        table = self.query_one("#promotions", DataTable)
        row = table.cursor_row
        table.clear()
        widths = self.widths()
        for item in items:
            cells = (item.code, item.name, titles.get(item.status, item.status), summary_when(item))
            styled = [Text(fit(c, w), no_wrap=True) for c, w in zip(cells, widths, strict=True)]
            if item.status != "running":
                for text in styled:
                    text.stylize("dim")
            table.add_row(*styled, key=item.code)
        shown = titles[self.status] if self.status else _("all")
        info = _("Promotions: {status} · F3 another status").format(status=shown)
        if self.search:
            info = _("{info} · {text!r}").format(info=info, text=self.search)
        self.query_one("#promotions-info", Label).update(info)
        if not items:
            self.say(
                _("No promotion matches: F3 shows another status, F4 another search.")
                if self.status or self.search
                else _("No promotions yet: press Insert to build the first.")
            )
        else:
            self.say(
                _("The first {n} are shown: search to narrow them.").format(n=LIMIT)
                if len(items) >= LIMIT
                else ""
            )
            if row:
                table.move_cursor(row=min(row, table.row_count - 1))

    @property
    def current(self) -> Summary | None:
        row = self.query_one("#promotions", DataTable).cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("copy", "stop", "open"):
            return bool(self.items)
        return True

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.search = event.value.strip()
        self.query_one("#promotions", DataTable).focus()
        self.read()

    def action_open(self) -> None:
        item = self.current
        if item is not None:
            self.app.push_screen(
                PromotionCardScreen(self.area, item.code), lambda _r: self.changed()
            )

    def action_new(self) -> None:
        self.open_builder(None)

    def action_status(self) -> None:
        index = STATUS_ORDER.index(self.status)
        self.status = STATUS_ORDER[(index + 1) % len(STATUS_ORDER)]
        self.read()

    def action_search(self) -> None:
        self.query_one("#promotions-search", Input).focus()

    def action_copy(self) -> None:
        if self.current is not None:
            self.copy(self.current.code, self.current.name)

    def action_stop(self) -> None:
        item = self.current
        if item is None:
            return
        if item.status == "inactive":
            self.say(_("{code} is stopped already.").format(code=item.code))
            return
        self.stop(item.code, item.name)


class PromotionCardScreen(PromotionsMessage, PromotionActions, AreaScreen):
    """One promotion in words, its real result (running or ended) and its goods; F2 changes
    it, F5 copies it, F6 its code batches, F7 its forecast, F8 its cost documents, Delete
    stops it."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#promotion-card"
    BINDINGS = [
        Binding("f2", "edit", _("Edit"), id="promotion_card.edit"),
        Binding("f5", "copy", _("Copy"), id="promotion_card.copy"),
        Binding("f6", "codes", _("Codes"), id="promotion_card.codes"),
        Binding("f7", "forecast", _("Forecast"), id="promotion_card.forecast"),
        Binding("f8", "costs", _("Costs"), id="promotion_card.costs"),
        Binding("delete", "stop", _("Stop"), id="promotion_card.stop"),
    ]

    def __init__(self, area: Area, code: str) -> None:
        super().__init__(area)
        self.code = code
        self.data: PromotionData | None = None
        self.status = ""
        self.goods: GoodsFound | None = None
        self.result: object | None = None

    def place(self) -> str:
        return _("Promotion {code}").format(code=self.code)

    def compose_body(self) -> ComposeResult:
        yield Label("", id="promotion-title", markup=False)
        yield VerticalScroll(id="promotion-card")
        yield Label("", id="promotion-goods-info", classes="promo-heading", markup=False)
        yield DataTable(id="promotion-products", cursor_type="row", zebra_stripes=True)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        goods_columns(self.query_one("#promotion-products", DataTable), self.app.size.width)
        self.read()

    def read(self) -> None:
        code, day = self.code, self.app.clock().date()

        def load() -> tuple[PromotionData, str, Names]:
            data = get_promotion(code)
            return data, status_at(data.active, data.starts_on, data.ends_on, day), names_of(data)

        self.job(load, self.show)

    def changed(self) -> None:
        self.read()

    def show(self, found: tuple[PromotionData, str, Names]) -> None:
        self.data, self.status, names = found
        self.query_one("#promotion-title", Label).update(self.data.name)
        card = self.query_one("#promotion-card", VerticalScroll)
        card.remove_children()
        card.mount_all(self.card_rows(card_lines(self.data, self.status, names)))
        self.refresh_bindings()
        code, place = self.code, self.app.settings.store.location
        self.job(lambda: load_goods(code, place), self.show_goods)
        if self.has_result:
            employee, clock = self.app.employee, self.app.clock
            self.job(lambda: real_result_of(code, employee, clock), self.show_result)

    @property
    def has_result(self) -> bool:
        """Running or ended (or stopped after it started): it has a real result."""
        if self.status in ("running", "ended"):
            return True
        d = self.data
        return (
            self.status == "inactive"
            and d is not None
            and d.starts_on is not None
            and d.starts_on <= self.app.clock().date()
        )

    def card_rows(self, lines: list[tuple[str, str]], classes: str = "") -> list[Horizontal]:
        rows = []
        for what, text in lines:
            row = Horizontal(classes=f"card-row {classes}".strip())
            row.compose_add_child(Label(what, classes="card-label", markup=False))
            row.compose_add_child(Label(text, classes="card-text", markup=False))
            rows.append(row)
        return rows

    def show_goods(self, found: GoodsFound) -> None:
        self.goods = found
        table = self.query_one("#promotion-products", DataTable)
        fill_goods(table, found, self.app.size.width)
        info = goods_info(found)
        if found.goods.notes:
            info = f"{info} · {' '.join(found.goods.notes)}"
        self.query_one("#promotion-goods-info", Label).update(info)

    def show_result(self, result: object) -> None:
        """The real result under the card's words."""
        self.result = result
        card = self.query_one("#promotion-card", VerticalScroll)
        card.query(".result-row").remove()
        card.mount_all(self.card_rows(result_lines(result), "result-row"))

    @property
    def lines(self) -> list[str]:
        """The card as text (what, then the words), for tests."""
        return [
            " ".join(str(label.content) for label in row.query(Label))
            for row in self.query(".card-row")
        ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "copy", "codes", "stop", "forecast", "costs"):
            return self.data is not None
        return True

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def action_forecast(self) -> None:
        if self.data is not None:
            self.app.push_screen(ForecastScreen(self.area, self.code, self.data.name))

    def action_costs(self) -> None:
        if self.data is not None:
            self.app.push_screen(CostDocumentsScreen(self.area, self.data))

    def action_edit(self) -> None:
        self.open_builder(self.code)

    def action_copy(self) -> None:
        if self.data is not None:
            self.copy(self.code, self.data.name)

    def action_stop(self) -> None:
        if self.data is None:
            return
        if not self.data.active:
            self.say(_("{code} is stopped already.").format(code=self.code))
            return
        self.stop(self.code, self.data.name)

    def action_codes(self) -> None:
        from torgtui.screens.code_batches import CodeBatchesScreen

        if self.data is not None:
            self.app.push_screen(CodeBatchesScreen(self.area, promotion=self.code))
