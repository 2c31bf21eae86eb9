"""Sets (in the Loyalty and promotions area): products sold together at a special price. The
list shows each set's price against what its parts cost now and how it is sold (assembled at
the till when all parts are in the basket, or as one article of its own, taken apart in stock
when that is allowed). The editor: the set's fields and its parts in a table (Insert adds a
product by barcode or SKU with its quantity, Enter changes the quantity, Delete removes it).

torgtui.marketing.bundles checks, saves and audits; a price at or above what the parts cost is
refused as :class:`PriceNotBelowParts` and asked about here (Y keeps it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label, Select

from torgtui.catalog.service import find_by_code
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.marketing import bundles
from torgtui.marketing.bundles import BundleData, BundlePartData, PriceNotBelowParts
from torgtui.money import format_money, format_qty, line_amount
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import Failed, OfficeJobs, fit, money_field
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.promotion_form import day_field, read_day, yes_no
from torgtui.screens.promotions_message import PromotionsMessage
from torgtui.screens.till_dialogs import ConfirmDialog
from torgtui.values import parse_money, parse_qty

HERE = Path(__file__).parent
CSS = [HERE / "area.tcss", HERE / "promotions.tcss"]
# id, name (the rest), price, parts cost, sold as, active
WIDTHS = (12, 0, 10, 10, 11, 3)
RIGHT = {2, 3}


@dataclass(frozen=True)
class Part:
    """A part as the editor shows it."""

    product: int
    qty: int
    sku: str
    name: str
    price: int
    weighed: bool


@dataclass(frozen=True)
class SetRow:
    data: BundleData
    parts: list[Part]
    article: str  # the article's SKU and name ("" when assembled at the till)

    @property
    def parts_total(self) -> int:
        return sum(line_amount(p.price, p.qty) for p in self.parts)


def read_sets() -> list[SetRow]:
    """Every set with its parts' names and prices now (two queries)."""
    from torgtui.models import Product

    found = bundles.bundles()
    ids = {p.product for b in found for p in b.parts} | {b.article for b in found if b.article}
    products = {p.id: p for p in Product.select().where(Product.id.in_(sorted(ids)))}

    def part(p: BundlePartData) -> Part:
        row = products.get(p.product)
        if row is None:
            return Part(p.product, p.qty, "?", str(p.product), 0, False)
        return Part(p.product, p.qty, row.sku, row.name, row.price, bool(row.weighed))

    out = []
    for b in found:
        article = products.get(b.article) if b.article else None
        out.append(
            SetRow(
                b, [part(p) for p in b.parts], f"{article.sku} {article.name}" if article else ""
            )
        )
    return out


def sold_as(row: SetRow) -> str:
    if not row.article:
        return _("assembled")
    return _("taken apart") if row.data.disassemble else _("article")


class BundlesScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """Every set, by id; Enter changes one, Insert adds one, Delete stops one."""

    CSS_PATH = CSS
    AUTO_FOCUS = "#bundles"
    BINDINGS = [
        Binding("enter", "edit", _("Edit"), id="bundles.edit"),
        Binding("insert", "new", _("New set"), id="bundles.new"),
        Binding("delete", "stop", _("Stop"), id="bundles.stop"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.rows: list[SetRow] = []

    def place(self) -> str:
        return _("Sets")

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("A set's price against what its parts cost now · Enter: change · Insert: new"),
            id="bundles-info",
            markup=False,
        )
        yield DataTable(id="bundles", cursor_type="row", zebra_stripes=True)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#bundles", DataTable)
        titles = (_("Id"), _("Name"), _("Price"), _("Parts"), _("Sold as"), _("On"))
        for n, (title, width) in enumerate(zip(titles, self.widths(), strict=True)):
            table.add_column(Text(title, justify="right" if n in RIGHT else "left"), width=width)
        self.read()

    def widths(self) -> tuple[int, ...]:
        fixed = sum(WIDTHS) + 2 * len(WIDTHS)
        room = max(8, min(self.app.size.width, 80) - 3 - fixed)
        return tuple(w or room for w in WIDTHS)

    def read(self) -> None:
        self.job(read_sets, self.show)

    def show(self, rows: list[SetRow]) -> None:
        self.rows = rows
        table = self.query_one("#bundles", DataTable)
        row = table.cursor_row
        table.clear()
        widths = self.widths()
        for item in rows:
            d = item.data
            cells = (
                d.code,
                d.name,
                format_money(d.price, symbol=False),
                format_money(item.parts_total, symbol=False),
                sold_as(item),
                _("yes") if d.active else _("no"),
            )
            styled = [
                Text(fit(c, w, right=n in RIGHT), no_wrap=True)
                for n, (c, w) in enumerate(zip(cells, widths, strict=True))
            ]
            table.add_row(*styled, key=d.code)
        self.say("" if rows else _("No sets yet: press Insert to make the first."))
        if row and rows:
            table.move_cursor(row=min(row, table.row_count - 1))

    @property
    def current(self) -> SetRow | None:
        row = self.query_one("#bundles", DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_edit(self) -> None:
        if self.current is not None:
            self.app.push_screen(BundleScreen(self.area, self.current), self.saved)

    def action_new(self) -> None:
        self.app.push_screen(BundleScreen(self.area, None), self.saved)

    def saved(self, result: object) -> None:
        if result is not None:
            self.read()

    def action_stop(self) -> None:
        item = self.current
        if item is None:
            return
        if not item.data.active:
            self.say(_("The set {code} is stopped already.").format(code=item.data.code))
            return
        employee, clock = self.app.employee, self.app.clock
        code = item.data.code

        def answered(yes: bool | None) -> None:
            if yes:
                self.job(
                    lambda: bundles.deactivate_bundle(code, by=employee, clock=clock),
                    lambda _row: self.read(),
                )

        self.app.push_screen(
            ConfirmDialog(
                _("Stop this set?"),
                _("{name} ({code}) is no longer assembled nor sold at its price.").format(
                    name=item.data.name, code=code
                ),
            ),
            answered,
        )


@dataclass(frozen=True)
class AskPrice:
    message: str


class BundleScreen(PromotionsMessage, OfficeJobs, AreaScreen):
    """One set: its fields and its parts (Insert, Enter, Delete). F2 saves."""

    CSS_PATH = CSS
    BINDINGS = [
        Binding("f2", "save", _("Save"), id="bundle.save"),
        Binding("insert", "add_part", _("Add part"), id="bundle.add_part"),
        Binding("delete", "delete_part", _("Remove part"), id="bundle.delete_part"),
    ]

    def __init__(self, area: Area, row: SetRow | None) -> None:
        super().__init__(area)
        self.new = row is None
        self.data = row.data if row else BundleData("", "", 0)
        self.parts: list[Part] = list(row.parts) if row else []
        self.article = row.article.split(" ", 1)[0] if row and row.article else ""
        self.saving = False

    def place(self) -> str:
        return _("New set") if self.new else _("Set {code}").format(code=self.data.code)

    def compose_body(self) -> ComposeResult:
        d = self.data

        def field(key: str, label: str, value: str, width: int, **kw: Any) -> ComposeResult:
            yield Label(label, classes="pb-label", markup=False)
            box = Input(value, compact=True, select_on_focus=True, id=f"set-{key}", **kw)
            box.styles.width = width
            yield box

        def choice(key: str, label: str, value: str) -> ComposeResult:
            yield Label(label, classes="pb-label", markup=False)
            yield Select(
                [(t, v) for v, t in yes_no()],
                value=value,
                allow_blank=False,
                compact=True,
                id=f"set-{key}",
            )

        with Horizontal(classes="set-row"):
            yield from field("code", _("Id"), d.code, 12, disabled=not self.new)
            yield from field("name", _("Name"), d.name, 36)
        with Horizontal(classes="set-row"):
            yield from field("price", _("Price, ₴"), money_field(d.price), 12)
            yield from choice("active", _("Active"), "yes" if d.active else "no")
        with Horizontal(classes="set-row"):
            yield from field(
                "from", _("From"), day_field(d.valid_from), 12, placeholder=_("DD.MM.YYYY")
            )
            yield from field("to", _("To"), day_field(d.valid_to), 12, placeholder=_("DD.MM.YYYY"))
        with Horizontal(classes="set-row"):
            yield from field(
                "article", _("Article"), self.article, 22, placeholder=_("barcode or SKU")
            )
            yield from choice("disassemble", _("Take apart"), "yes" if d.disassemble else "no")
        yield Label(
            _(
                "Without an article the till assembles the set when all its parts are in the "
                "basket; an article is the set's own product, taken apart in stock if allowed."
            ),
            classes="promo-line set-hint",
            markup=False,
        )
        yield Label("", id="set-total", classes="promo-heading", markup=False)
        yield DataTable(id="bundle-parts", cursor_type="row", zebra_stripes=True)
        yield Label("", id="promotions-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#bundle-parts", DataTable)
        room = max(20, min(self.app.size.width, 80) - 3 - 12 - 10 - 12 - 8)
        table.add_column(_("Part"), width=room)
        table.add_column(Text(_("Qty"), justify="right"), width=10)
        table.add_column(Text(_("Price"), justify="right"), width=12)
        self.room = room
        self.fill_parts()
        self.query_one("#set-code" if self.new else "#set-name", Input).focus()

    def fill_parts(self) -> None:
        table = self.query_one("#bundle-parts", DataTable)
        row = table.cursor_row
        table.clear()
        for p in self.parts:
            table.add_row(
                Text(fit(f"{p.sku} {p.name}", self.room), no_wrap=True),
                Text(format_qty(p.qty), justify="right"),
                Text(format_money(line_amount(p.price, p.qty), symbol=False), justify="right"),
            )
        total = sum(line_amount(p.price, p.qty) for p in self.parts)
        self.query_one("#set-total", Label).update(
            _("Parts (Insert adds, Enter changes, Delete removes): {total} at their prices").format(
                total=format_money(total)
            )
        )
        if row and self.parts:
            table.move_cursor(row=min(row, table.row_count - 1))

    def value(self, key: str) -> str:
        return self.query_one(f"#set-{key}", Input).value.strip()

    def yes(self, key: str) -> bool:
        return self.query_one(f"#set-{key}", Select).value == "yes"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

    # --- parts -----------------------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.parts):
            self.edit_part(event.cursor_row)

    def action_add_part(self) -> None:
        self.edit_part(None)

    def action_delete_part(self) -> None:
        table = self.query_one("#bundle-parts", DataTable)
        if table.has_focus and 0 <= table.cursor_row < len(self.parts):
            del self.parts[table.cursor_row]
            self.fill_parts()
        elif not table.has_focus:
            self.say(_("Choose the part in the table (Tab), then press Delete."))

    def edit_part(self, index: int | None) -> None:
        current = self.parts[index] if index is not None else None

        def parse(values: dict[str, str]) -> tuple[str, int]:
            code = values["product"].strip()
            if not code:
                raise ValidationError(_("Scan or type the part's barcode or SKU."))
            return code, parse_qty(values["qty"] or "1")

        def resolve(value: tuple[str, int]) -> Part:
            code, qty = value
            product = find_by_code(code)
            if product is None:
                raise ValidationError(
                    _("No active product has the barcode or SKU {code!r}.").format(code=code[:40])
                )
            if not product.weighed and qty % 1000:
                raise ValidationError(
                    _("{name} is sold by the piece: the quantity must be whole.").format(
                        name=product.name
                    )
                )
            return Part(
                product.id, qty, product.sku, product.name, product.price, bool(product.weighed)
            )

        def done(part: Part | None) -> None:
            if part is None:
                return
            others = [p for n, p in enumerate(self.parts) if n != index]
            if any(p.product == part.product for p in others):
                self.say(
                    _("{name} is in the set already: change its quantity instead.").format(
                        name=part.name
                    )
                )
                return
            if index is None:
                self.parts.append(part)
            else:
                self.parts[index] = part
            self.say("")
            self.fill_parts()
            self.query_one("#bundle-parts", DataTable).focus()

        dialog = FormDialog(
            _("A part of the set"),
            [
                FormField(
                    "product", _("Product"), current.sku if current else "", _("barcode or SKU")
                ),
                FormField("qty", _("Quantity"), format_qty(current.qty) if current else "1"),
            ],
            parse,
            label_width=10,
            save=resolve,
        )
        self.app.push_screen(dialog, done)

    # --- saving ----------------------------------------------------------------------------

    def collected(self) -> tuple[BundleData, str]:
        """The set as the service takes it, and the article's barcode or SKU (found in the
        worker)."""
        price_text = self.value("price")
        if not price_text:
            raise ValidationError(_("Give the set's price."))
        data = BundleData(
            code=self.value("code"),
            name=self.value("name"),
            price=parse_money(price_text, _("The set's price")),
            parts=[BundlePartData(p.product, p.qty) for p in self.parts],
            active=self.yes("active"),
            valid_from=read_day(self.value("from"), _("From")),
            valid_to=read_day(self.value("to"), _("To")),
            disassemble=self.yes("disassemble"),
        )
        # a price kept once holds while it is not changed
        data.price_confirmed = self.data.price_confirmed and data.price == self.data.price
        return data, self.value("article")

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            data, article = self.collected()
        except TorgError as exc:
            self.say(exc.message)
            return
        self.save(data, article)

    def save(self, data: BundleData, article: str) -> None:
        employee, clock = self.app.employee, self.app.clock
        self.saving = True
        self.say("")

        def call() -> str | AskPrice:
            found = None
            if article:
                product = find_by_code(article)
                if product is None:
                    raise ValidationError(
                        _("No active product has the barcode or SKU {code!r}.").format(
                            code=article[:40]
                        )
                    )
                found = product.id
            try:
                row = bundles.save_bundle(replace(data, article=found), by=employee, clock=clock)
            except PriceNotBelowParts as exc:
                return AskPrice(exc.message)
            return str(row.code)

        def done(result: str | AskPrice | Failed) -> None:
            self.saving = False
            if isinstance(result, Failed):
                self.say(result.message)
            elif isinstance(result, AskPrice):
                self.ask_price(data, article, result.message)
            else:
                self.app.notify(_("Set {code} saved.").format(code=result))
                self.dismiss(result)

        self.job(call, done, failures=True)

    def ask_price(self, data: BundleData, article: str, text: str) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.save(replace(data, price_confirmed=True), article)
            else:
                self.say(text)

        self.app.push_screen(ConfirmDialog(_("Keep this price?"), text), answered)


__all__ = ["BundleScreen", "BundlesScreen"]
