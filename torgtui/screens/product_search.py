"""Search a product by name (F3 on the sale screen): results as you type, 50 at a time.

The query runs in a thread worker (the newest search wins); pages are read by (name, id) keyset,
the next page when the cursor reaches the last result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import peewee
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from torgtui import db
from torgtui.i18n import _
from torgtui.models import Product
from torgtui.models.catalog import fold_name
from torgtui.money import format_money

if TYPE_CHECKING:
    from torgtui.app import TorgApp

PAGE = 50


@dataclass(frozen=True)
class Found:
    id: int
    name: str
    sku: str
    price: int


def _like_escaped(text: str) -> str:
    """``text`` for inside a LIKE pattern with ``ESCAPE '!'``: its own % and _ are literal."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def search_products(
    text: str, *, after: tuple[str, int] | None = None, limit: int = PAGE
) -> list[Found]:
    """Active products whose name contains ``text`` in any case and alphabet ("сукня" finds
    "Сукня"; compared casefolded through ``Product.name_fold``), or whose article starts with
    it; by name, keyset-paged after (name, id)."""
    text = text.strip()
    query = Product.select(Product.id, Product.name, Product.sku, Product.price).where(
        Product.active == True  # noqa: E712
    )
    if text:
        pattern = f"%{_like_escaped(fold_name(text))}%"
        contains = peewee.NodeList(
            (Product.name_fold, peewee.SQL("LIKE"), pattern, peewee.SQL("ESCAPE '!'"))
        )
        query = query.where(contains | Product.sku.startswith(text))
    if after is not None:
        name, last_id = after
        query = query.where(
            (Product.name > name) | ((Product.name == name) & (Product.id > last_id))
        )
    rows = query.order_by(Product.name, Product.id).limit(limit)
    return [Found(p.id, p.name, p.sku, p.price) for p in rows]


class ProductSearchScreen(ModalScreen[Product | None]):
    """Type part of a name; choose with the arrows and Enter; Escape goes back."""

    DEFAULT_CSS = """
    ProductSearchScreen {
        align: center middle;
    }
    ProductSearchScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: 20;
        max-height: 100%;
        border: round $primary;
        background: $surface;
    }
    ProductSearchScreen #search-results {
        height: 1fr;
    }
    ProductSearchScreen #search-message {
        color: $text-muted;
    }
    """
    AUTO_FOCUS = "#search-text"
    BINDINGS = [
        Binding("escape", "back", _("Back"), id="search.back"),
        Binding("down", "move(1)", _("Next"), show=False, id="search.down"),
        Binding("up", "move(-1)", _("Previous"), show=False, id="search.up"),
        Binding("pagedown", "move(10)", _("Page down"), show=False, id="search.pagedown"),
        Binding("pageup", "move(-10)", _("Page up"), show=False, id="search.pageup"),
    ]

    app: TorgApp

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text
        self.found: list[Found] = []
        self.exhausted = False
        self.loading = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Search by name: type, choose with the arrows, press Enter."))
            yield Input(
                self.text, placeholder=_("Part of the name or the article"), id="search-text"
            )
            yield OptionList(id="search-results", markup=False)
            yield Label("", id="search-message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.search(self.text, None)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.text = event.value
        self.found, self.exhausted = [], False
        self.search(event.value, None)

    @work(thread=True, exclusive=True, group="product-search", exit_on_error=False)
    def search(self, text: str, after: tuple[str, int] | None) -> None:
        app = self.app
        try:
            with db.database.connection_context():
                result: list[Found] | str = search_products(text, after=after)
        except peewee.DatabaseError as exc:
            result = db.explain(exc, app.settings.database.url).message
        app.call_from_thread(self.show, text, after, result)

    def show(self, text: str, after: tuple[str, int] | None, result: list[Found] | str) -> None:
        """Back on the UI thread: show a page (ignoring answers to older searches)."""
        self.loading = False
        if not self.is_attached or text != self.text:
            return
        message = self.query_one("#search-message", Label)
        if isinstance(result, str):
            message.update(result)
            return
        options = self.query_one("#search-results", OptionList)
        if after is None:
            options.clear_options()
            self.found = []
        self.found.extend(result)
        self.exhausted = len(result) < PAGE
        options.add_options(
            Option(Content(f"{f.name}  [{f.sku}]  {format_money(f.price)}"), id=str(f.id))
            for f in result
        )
        if after is None and self.found:
            options.highlighted = 0
        message.update("" if self.found else _("Nothing found: try fewer letters."))

    def action_move(self, step: int) -> None:
        options = self.query_one("#search-results", OptionList)
        if not options.option_count:
            return
        current = options.highlighted if options.highlighted is not None else -1
        options.highlighted = max(0, min(options.option_count - 1, current + step))
        if options.highlighted >= options.option_count - 1 and not self.exhausted:
            self.load_more()

    def load_more(self) -> None:
        if self.loading or self.exhausted or not self.found:
            return
        self.loading = True
        last = self.found[-1]
        self.search(self.text, (last.name, last.id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.choose()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.choose()

    def choose(self) -> None:
        options = self.query_one("#search-results", OptionList)
        option = options.highlighted_option
        if option is None or option.id is None:
            self.query_one("#search-message", Label).update(
                _("Choose a product with the arrows first, or press Escape.")
            )
            return
        self.dismiss(Product.get_or_none(Product.id == int(option.id)))

    def action_back(self) -> None:
        self.dismiss(None)
