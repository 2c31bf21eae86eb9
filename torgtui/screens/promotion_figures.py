"""A promotion's figures in the Promotions area (issue 9 sections 6 and 7): the goods it covers
(a table on its card, and a screen of their own from the builder), the forecast before launch
(a backtest over past receipts, with a progress bar; Escape stops it), its real result on the
card of a running or ended one, and the cost documents written after it (preview, write,
reverse).

The screen stays thin: torgtui.marketing.promotions.goods, .backtest and .result, and
torgtui.marketing.costs compute and write everything; here their figures become rows.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Label, ProgressBar

from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.marketing import costs
from torgtui.marketing.promotions.backtest import (
    DEFAULT_WEEKS,
    MAX_WEEKS,
    Backtest,
    Figures,
    backtest,
)
from torgtui.marketing.promotions.goods import BOUGHT, WEIGHED, CoveredGoods, covered_goods
from torgtui.marketing.promotions.model import PromotionData
from torgtui.money import format_money, format_qty
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import Failed, OfficeJobs, fit, parse_day, run_db
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.promotions_message import PromotionsMessage
from torgtui.screens.till_dialogs import ConfirmDialog
from torgtui.values import check_count, check_percent, parse_money

HERE = Path(__file__).parent
CSS = [HERE / "area.tcss", HERE / "promotions.tcss"]
GOODS_LIMIT = 500
# goods (the rest), stock, regular price, promoted price, cost, margin
GOODS_WIDTHS = (0, 6, 9, 9, 9, 10)


def money(kopecks: int) -> str:
    """An amount in a column: "1 250.00" (no sign: the column's title says hryvnias)."""
    return format_money(kopecks, symbol=False)


def signed(kopecks: int) -> str:
    return ("+" if kopecks > 0 else "") + money(kopecks)


def marked(kopecks: int, width: int) -> Text:
    """An amount right-aligned; below zero marked with "!" in bold red (16 colours)."""
    if kopecks < 0:
        return Text(fit("!" + money(kopecks), width, right=True), style="bold red", no_wrap=True)
    return Text(fit(money(kopecks), width, right=True), no_wrap=True)


def day_span(first: dt.date, last: dt.date) -> str:
    if first.year == last.year:
        return f"{first:%d.%m}–{last:%d.%m.%y}"
    return f"{first:%d.%m.%y}–{last:%d.%m.%y}"


# --- the goods -------------------------------------------------------------------------------


def location_of(code: str) -> tuple[int | None, str]:
    """This register's location (id, name) by its code in the settings (None: unknown)."""
    from torgtui.models import Location

    row = Location.get_or_none(Location.code == code)
    return (row.id, row.name) if row is not None else (None, "")


@dataclass
class GoodsFound:
    goods: CoveredGoods
    place: str  # the stock's location ("" : every location)


def load_goods(subject: str | PromotionData, location_code: str) -> GoodsFound:
    """Read in a worker: the covered goods with stock at this register's location."""
    location_id, place = location_of(location_code)
    return GoodsFound(covered_goods(subject, location_id=location_id, limit=GOODS_LIMIT), place)


def goods_widths(width: int) -> tuple[int, ...]:
    fixed = sum(GOODS_WIDTHS) + 2 * len(GOODS_WIDTHS)
    room = max(10, min(width, 80) - 3 - fixed)
    return tuple(w or room for w in GOODS_WIDTHS)


def goods_columns(table: DataTable, width: int) -> None:
    titles = (_("Goods"), _("Stock"), _("Price"), _("Promoted"), _("Cost"), _("Margin"))
    for title, w in zip(titles, goods_widths(width), strict=True):
        table.add_column(title, width=w)


def fill_goods(table: DataTable, found: GoodsFound, width: int) -> None:
    table.clear()
    widths = goods_widths(width)
    for row in found.goods.rows:
        cells = [
            Text(fit(f"{row.sku} {row.name}", widths[0]), no_wrap=True),
            Text(fit(format_qty(row.stock), widths[1], right=True), no_wrap=True),
            Text(fit(money(row.price), widths[2], right=True), no_wrap=True),
            Text(fit(money(row.promoted), widths[3], right=True), no_wrap=True),
            Text(fit(money(row.cost), widths[4], right=True), no_wrap=True),
            marked(row.margin, widths[5]),
        ]
        if row.role in (BOUGHT, WEIGHED):
            for cell in cells[:5]:
                cell.stylize("dim")
        table.add_row(*cells, key=str(row.product_id))


def goods_info(found: GoodsFound) -> str:
    """ "Goods: 3 · price on the 2nd unit · stock at Квітка · 1 below cost"."""
    goods = found.goods
    if goods.truncated:
        count = _("the first {n} of {total}").format(n=len(goods.rows), total=goods.total_count)
    else:
        count = str(goods.total_count)
    parts = [
        _("Goods: {count}").format(count=count),
        _("price {unit}").format(unit=goods.unit),
        _("stock at {place}").format(place=found.place) if found.place else _("stock: all"),
    ]
    if goods.below_cost:
        parts.append(_("{n} below cost!").format(n=goods.below_cost))
    return " · ".join(parts)


class PromotionGoodsScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """The goods of the promotion being edited, as its card will show them."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#promotion-products"

    def __init__(self, area: Area, data: PromotionData) -> None:
        super().__init__(area)
        self.data = data
        self.found: GoodsFound | None = None

    def place(self) -> str:
        return _("Goods of {name}").format(name=self.data.name)

    def compose_body(self) -> ComposeResult:
        yield Label("", id="promotion-goods-info", classes="promo-heading", markup=False)
        yield DataTable(id="promotion-products", cursor_type="row", zebra_stripes=True)
        yield Label("", id="promotion-goods-notes", classes="promo-notes", markup=False)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        goods_columns(self.query_one("#promotion-products", DataTable), self.app.size.width)
        data, code = self.data, self.app.settings.store.location
        self.job(lambda: load_goods(data, code), self.show)

    def show(self, found: GoodsFound) -> None:
        self.found = found
        fill_goods(self.query_one("#promotion-products", DataTable), found, self.app.size.width)
        self.query_one("#promotion-goods-info", Label).update(goods_info(found))
        self.query_one("#promotion-goods-notes", Label).update(" ".join(found.goods.notes))


# --- the forecast ------------------------------------------------------------------------

Progress = Callable[[int, int], None]


def _pair(without: int, with_it: int) -> tuple[str, str, str]:
    return money(without), money(with_it), signed(with_it - without)


def forecast_rows(result: Backtest) -> list[tuple[str, str, str, str]]:
    """The forecast's figures as rows: (what, without it, with it, change); a figure alone
    goes in the "with" column."""
    t: Figures = result.total
    rows: list[tuple[str, str, str, str]] = [
        (_("Receipts in those weeks"), "", str(t.receipts), ""),
        (
            _("Receipts it touches"),
            _("of {n}").format(n=t.replayed),
            str(t.touched),
            "",
        ),
        (_("Customers touched"), "", str(t.customers), ""),
    ]
    if t.anonymous:
        rows.append(("  " + _("receipts without a card"), "", str(t.anonymous), ""))
    rows += [
        (_("Lines, units"), str(t.lines), format_qty(t.units), ""),
        (_("Discount it gives"), "", money(t.discount), ""),
    ]
    if t.bonus:
        rows.append((_("Bonuses it gives"), "", money(t.bonus), ""))
    if t.displaced:
        rows.append((_("Other promotions' lost"), "", money(t.displaced), ""))
    if t.card_back:
        rows.append((_("Card discounts back"), "", money(t.card_back), ""))
    rows += [
        (_("Revenue"), *_pair(t.revenue_without, t.revenue_with)),
        (_("Margin"), *_pair(t.margin_without, t.margin_with)),
        (_("Its goods' revenue"), *_pair(t.goods_revenue_without, t.goods_revenue_with)),
        (_("Its goods' margin"), *_pair(t.goods_margin_without, t.goods_margin_with)),
        (
            _("Lines below cost"),
            str(t.below_cost_lines),
            money(t.below_cost) if t.below_cost_lines else "",
            "!" if t.below_cost_lines else "",
        ),
    ]
    return rows


def week_rows(result: Backtest) -> list[tuple[str, str, str, str]]:
    """Each week: (days, receipts touched, discount, margin change)."""
    return [
        (
            day_span(w.first_day, w.last_day),
            str(w.touched),
            money(w.discount),
            signed(w.margin_with - w.margin_without),
        )
        for w in result.by_week
    ]


FIGURE_WIDTHS = (12, 12, 12)


def figure_line(cells: tuple[str, ...], width: int) -> str:
    first = max(12, min(width, 80) - 4 - sum(w + 1 for w in FIGURE_WIDTHS))
    parts = [fit(cells[0], first)]
    parts += [fit(c, w, right=True) for c, w in zip(cells[1:], FIGURE_WIDTHS, strict=True)]
    return " ".join(parts)


class ForecastScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """The backtest of one promotion (saved, or as the builder has it) over the last weeks'
    receipts: it runs when the screen opens (8 weeks); F2 or Enter runs it again over the
    weeks typed; Escape stops a run (nothing is written either way), then goes back."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#forecast-weeks"
    BINDINGS = [Binding("f2", "run", _("Run"), id="forecast.run")]
    # the service it calls (a seam: tests slow it down to stop it half way)
    backtest = staticmethod(backtest)

    def __init__(self, area: Area, subject: str | PromotionData, name: str) -> None:
        super().__init__(area)
        self.subject = subject
        self.promotion_name = name
        self.running = False
        self.cancel = threading.Event()
        self.result: Backtest | None = None
        self.stopped = False
        self.done_days = (0, 0)

    def place(self) -> str:
        # the id in the header (short: the line keeps the store and the employee at 80
        # columns), the name under it
        code = self.subject if isinstance(self.subject, str) else self.subject.code
        return _("Forecast: {name}").format(name=code)

    def compose_body(self) -> ComposeResult:
        yield Label(self.promotion_name, id="forecast-title", markup=False)
        with Horizontal(id="forecast-top"):
            yield Label(_("Weeks"), classes="pb-label")
            yield Input(
                str(DEFAULT_WEEKS),
                id="forecast-weeks",
                compact=True,
                select_on_focus=True,
                restrict=r"\d*",
                max_length=3,
            )
            yield Label(_("F2 or Enter: run over the last weeks"), id="forecast-hint")
        yield ProgressBar(id="forecast-progress", show_eta=False)
        yield Label("", id="forecast-state", markup=False)
        yield VerticalScroll(id="forecast-body", can_focus=True)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#forecast-progress", ProgressBar).display = False
        self.action_run()

    @property
    def state(self) -> str:
        return str(self.query_one("#forecast-state", Label).content)

    @property
    def lines(self) -> list[str]:
        """The figures as text, for tests."""
        return [str(label.content) for label in self.query("#forecast-body Label")]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_run()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            return not self.running
        return True

    def action_run(self) -> None:
        if self.running:
            return
        try:
            weeks = check_count(
                self.query_one("#forecast-weeks", Input).value or str(DEFAULT_WEEKS),
                _("Weeks"),
                minimum=1,
                maximum=MAX_WEEKS,
            )
        except TorgError as exc:
            self.say(exc.message)
            return
        self.say("")
        self.running, self.stopped = True, False
        self.cancel = threading.Event()
        self.done_days = (0, 7 * weeks)
        bar = self.query_one("#forecast-progress", ProgressBar)
        bar.update(total=7 * weeks, progress=0)
        bar.display = True
        self.query_one("#forecast-state", Label).update(
            _("Replaying {weeks} weeks of receipts… Escape stops it.").format(weeks=weeks)
        )
        self.refresh_bindings()
        self._run(weeks, self.app.employee, self.app.clock, self.cancel)

    @work(thread=True, exclusive=True, group="forecast", exit_on_error=False)
    def _run(self, weeks: int, employee: Any, clock: Any, cancel: threading.Event) -> None:
        call = self.app.call_from_thread

        def progress(done: int, total: int) -> None:
            call(self.progressed, done, total)

        subject = self.subject
        result = run_db(
            lambda: self.backtest(
                subject, weeks, by=employee, clock=clock, progress=progress, cancel=cancel
            ),
            self.app.settings.database.url,
        )
        call(self.finished, result, cancel)

    def progressed(self, done: int, total: int) -> None:
        self.done_days = (done, total)
        if self.is_attached:
            self.query_one("#forecast-progress", ProgressBar).update(total=total, progress=done)

    def finished(self, result: Backtest | Failed, cancel: threading.Event) -> None:
        if not self.is_attached:
            return
        self.running = False
        self.refresh_bindings()
        state = self.query_one("#forecast-state", Label)
        if isinstance(result, Failed):
            self.query_one("#forecast-progress", ProgressBar).display = False
            if cancel.is_set():
                self.stopped = True
                done, total = self.done_days
                state.update(
                    _(
                        "Stopped after {done} of {total} days: nothing was changed. F2 runs it "
                        "again."
                    ).format(done=done, total=total)
                )
            else:
                state.update("")
                self.say(result.message)
            return
        self.result = result
        state.update(
            _("{span}: {weeks} weeks of receipts, as sold and with this promotion.").format(
                span=day_span(result.first_day, result.last_day), weeks=result.weeks
            )
        )
        self.show(result)

    def show(self, result: Backtest) -> None:
        width = self.app.size.width
        body = self.query_one("#forecast-body", VerticalScroll)
        body.remove_children()
        labels = [
            Label(
                figure_line(("", _("without"), _("with"), _("change")), width),
                classes="promo-heading",
                markup=False,
            )
        ]
        for row in forecast_rows(result):
            label = Label(figure_line(row, width), classes="promo-line", markup=False)
            if row[3] == "!":
                label.add_class("-below")
            labels.append(label)
        for note in result.notes:
            labels.append(Label(note, classes="promo-note", markup=False))
        if len(result.by_week) > 1:
            labels.append(
                Label(
                    figure_line((_("By week"), _("touched"), _("discount"), _("margin")), width),
                    classes="promo-heading",
                    markup=False,
                )
            )
            for row in week_rows(result):
                labels.append(Label(figure_line(row, width), classes="promo-line", markup=False))
        body.mount_all(labels)

    def action_back(self) -> None:
        if self.app.screen is not self:
            return
        if self.running:
            self.cancel.set()
            self.query_one("#forecast-state", Label).update(_("Stopping…"))
            return
        self.app.pop_screen()


# --- the real result -------------------------------------------------------------------------


def real_result_of(code: str, by: Any, clock: Any) -> Any:
    """The promotion's real result (torgtui.marketing.promotions.result)."""
    from torgtui.marketing.promotions.result import real_result

    return real_result(code, by=by, clock=clock)


def result_lines(result: Any) -> list[tuple[str, str]]:
    """The real result as card lines: (what, "during · before ... · change"); the figures
    are net of returns, what was refunded is said when there was any."""
    during, before = result.during, result.before

    def line(what: str, now: int, then: int, show: Callable[[int], str]) -> tuple[str, str]:
        change = now - then
        sign = "+" if change > 0 else ""
        return (
            what,
            _("{now} · before {then} · {change}").format(
                now=show(now), then=show(then), change=sign + show(change)
            ),
        )

    lines = [
        (
            _("Result"),
            _("{during} against {before}").format(
                during=day_span(result.first_day, result.last_day),
                before=day_span(result.before_first_day, result.before_last_day),
            ),
        ),
        line(_("Receipts"), during.receipts, before.receipts, str),
        line(_("Units"), during.units, before.units, format_qty),
        line(_("Revenue"), during.revenue, before.revenue, money),
        line(_("Discount"), during.discount, before.discount, money),
        line(_("Cost"), during.cost, before.cost, money),
        line(_("Margin"), during.margin, before.margin, money),
        line(_("Customers"), during.customers, before.customers, str),
        line(_("Newcomers"), during.new_customers, before.new_customers, str),
    ]
    if during.returns or before.returns:
        lines.append(line(_("Returned"), during.returns, before.returns, money))
    lines += [("", note) for note in getattr(result, "notes", ())]
    return lines


# --- cost documents --------------------------------------------------------------------------

# number, what ("5.00 ₴ a unit, 12.11–12.12.26" whole), lines, total, state
DOC_WIDTHS = (4, 0, 5, 11, 14)


def basis_words(doc: costs.CostDocumentInfo | costs.CostPlan) -> str:
    if doc.basis == "per_unit":
        return _("{amount} a unit").format(amount=format_money(doc.amount))
    return _("{percent}% of the cost").format(percent=doc.percent)


def doc_state(doc: costs.CostDocumentInfo) -> str:
    if doc.kind == "reversal":
        return _("reverses {n}").format(n=doc.reverses)
    if doc.reversed_by is not None:
        return _("reversed: {n}").format(n=doc.reversed_by)
    return _("in force")


@dataclass(frozen=True)
class CostRequest:
    """What the recalculation dialog asks for, typed."""

    per_unit: int | None
    percent: Decimal | None
    first_day: dt.date | None
    last_day: dt.date | None
    note: str

    def kwargs(self) -> dict[str, Any]:
        return {
            "per_unit": self.per_unit,
            "percent": self.percent,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "note": self.note,
        }


def read_cost_request(values: dict[str, str]) -> CostRequest:
    text = values["value"].strip()
    if not text:
        raise ValidationError(
            _("Give the supplier's compensation: an amount per unit, or a percentage.")
        )
    if values["basis"] == "percent":
        per_unit, percent = None, check_percent(text, _("The compensation's percentage"))
    else:
        per_unit, percent = parse_money(text, _("The compensation per unit")), None
    return CostRequest(
        per_unit,
        percent,
        parse_day(values["from"], _("From")),
        parse_day(values["to"], _("To")),
        values["note"].strip(),
    )


class CostDialog(FormDialog):
    """The recalculation's fields; F2 previews it (nothing is written before the
    confirmation)."""

    BINDINGS = [Binding("f2", "submit", _("Preview"), id="promotion_costs.preview")]


class CostDocumentsScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """The cost documents of one promotion, newest first: Insert previews a recalculation
    (the supplier's compensation per unit or as a % of the cost, over the promotion's days)
    and writes it once confirmed; Delete reverses the chosen document once confirmed."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#cost-documents"
    BINDINGS = [
        Binding("insert", "new", _("Recalculate"), id="promotion_costs.new"),
        Binding("delete", "reverse", _("Reverse"), id="promotion_costs.reverse"),
    ]

    def __init__(self, area: Area, data: PromotionData) -> None:
        super().__init__(area)
        self.data = data
        self.documents: list[costs.CostDocumentInfo] = []

    def place(self) -> str:
        return _("Cost documents: {code}").format(code=self.data.code)

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("After the promotion: the supplier's compensation lowers the cost of its goods."),
            id="cost-info",
            classes="promo-heading",
            markup=False,
        )
        yield DataTable(id="cost-documents", cursor_type="row", zebra_stripes=True)
        yield Label("", id="cost-result", classes="promo-line", markup=False)
        yield Label("", id="promotions-message", markup=False)

    def widths(self) -> tuple[int, ...]:
        fixed = sum(DOC_WIDTHS) + 2 * len(DOC_WIDTHS)
        room = max(10, min(self.app.size.width, 80) - 3 - fixed)
        return tuple(w or room for w in DOC_WIDTHS)

    def on_mount(self) -> None:
        table = self.query_one("#cost-documents", DataTable)
        titles = (_("No."), _("What"), _("Lines"), _("Cost change"), _("State"))
        for title, width in zip(titles, self.widths(), strict=True):
            table.add_column(title, width=width)
        self.read()

    def read(self) -> None:
        code, employee = self.data.code, self.app.employee
        self.job(lambda: costs.list_cost_documents(by=employee, promotion=code), self.show)

    def show(self, documents: list[costs.CostDocumentInfo]) -> None:
        self.documents = documents
        table = self.query_one("#cost-documents", DataTable)
        row = table.cursor_row
        table.clear()
        widths = self.widths()
        for doc in documents:
            if doc.kind == "reversal":
                what = doc.note
            else:
                days = (
                    day_span(doc.first_day, doc.last_day)
                    if doc.first_day and doc.last_day
                    else _("every day")
                )
                what = f"{basis_words(doc)}, {days}"
            cells = (str(doc.number), what, str(doc.lines), money(doc.total), doc_state(doc))
            styled = [
                Text(fit(c, w, right=i in (0, 2, 3)), no_wrap=True)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ]
            if doc.kind == "reversal" or doc.reversed_by is not None:
                for text in styled:
                    text.stylize("dim")
            table.add_row(*styled, key=str(doc.number))
        if not documents:
            self.say(_("No cost documents yet: Insert recalculates the cost of its goods."))
        else:
            self.say("")
            if row:
                table.move_cursor(row=min(row, table.row_count - 1))
        self.refresh_bindings()

    @property
    def result(self) -> str:
        return str(self.query_one("#cost-result", Label).content)

    @property
    def current(self) -> costs.CostDocumentInfo | None:
        row = self.query_one("#cost-documents", DataTable).cursor_row
        return self.documents[row] if 0 <= row < len(self.documents) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reverse":
            return bool(self.documents)
        return True

    def action_new(self) -> None:
        code, employee = self.data.code, self.app.employee
        d = self.data

        def preview(request: CostRequest) -> tuple[CostRequest, costs.CostPlan]:
            return request, costs.preview_costs(code, by=employee, **request.kwargs())

        dialog = CostDialog(
            _("Recalculate the cost: {name}").format(name=d.name),
            [
                FormField(
                    "basis",
                    _("Compensation"),
                    "per_unit",
                    choices=(("per_unit", _("an amount a unit")), ("percent", _("% of the cost"))),
                ),
                FormField("value", _("Amount or %"), "", _("e.g. 5.00 or 10")),
                FormField("from", _("From"), f"{d.starts_on:%d.%m.%Y}" if d.starts_on else ""),
                FormField("to", _("To"), f"{d.ends_on:%d.%m.%Y}" if d.ends_on else ""),
                FormField("note", _("Note"), "", _("e.g. the supplier's letter")),
            ],
            read_cost_request,
            lines=[
                _(
                    "Over the sale lines this promotion discounted on those days (empty: "
                    "every day). F2 shows what it would change; nothing is written yet."
                )
            ],
            label_width=14,
            save=preview,
        )
        self.app.push_screen(dialog, self.previewed)

    def previewed(self, found: tuple[CostRequest, costs.CostPlan] | None) -> None:
        if found is None:
            return
        request, plan = found
        text = _(
            "{lines} sale lines, {units} units: their cost goes down by {total} ({basis}). "
            "Write this cost document? It can be reversed later."
        ).format(
            lines=len(plan.lines),
            units=format_qty(plan.units),
            total=format_money(-plan.total),
            basis=basis_words(plan),
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.write(request)

        self.app.push_screen(ConfirmDialog(_("Write the cost document?"), text), answered)

    def write(self, request: CostRequest) -> None:
        code, employee, clock = self.data.code, self.app.employee, self.app.clock

        def done(info: costs.CostDocumentInfo) -> None:
            self.query_one("#cost-result", Label).update(
                _("Cost document {number} written: {lines} lines, {total}.").format(
                    number=info.number, lines=info.lines, total=format_money(info.total)
                )
            )
            self.read()

        self.job(
            lambda: costs.recalculate_costs(code, by=employee, clock=clock, **request.kwargs()),
            done,
        )

    def action_reverse(self) -> None:
        doc = self.current
        if doc is None:
            return
        if doc.kind == "reversal":
            self.say(
                _("Document {n} is a reversal itself: it cannot be reversed.").format(n=doc.number)
            )
            return
        if doc.reversed_by is not None:
            self.say(
                _("Document {n} was reversed already by {by}.").format(
                    n=doc.number, by=doc.reversed_by
                )
            )
            return
        employee, clock, number = self.app.employee, self.app.clock, doc.number

        def done(info: costs.CostDocumentInfo) -> None:
            self.query_one("#cost-result", Label).update(
                _("Cost document {number} reverses {old}: {total}.").format(
                    number=info.number, old=number, total=format_money(info.total)
                )
            )
            self.read()

        def answered(yes: bool | None) -> None:
            if yes:
                self.job(
                    lambda: costs.reverse_cost_document(number, by=employee, clock=clock), done
                )

        self.app.push_screen(
            ConfirmDialog(
                _("Reverse cost document {n}?").format(n=number),
                _(
                    "The cost of its {lines} lines goes back by {total}: a reversing document "
                    "is written (audited); the document stays in the list."
                ).format(lines=doc.lines, total=format_money(-doc.total)),
            ),
            answered,
        )


__all__ = [
    "CostDocumentsScreen",
    "ForecastScreen",
    "PromotionGoodsScreen",
    "fill_goods",
    "goods_columns",
    "goods_info",
    "load_goods",
    "real_result_of",
    "result_lines",
]
