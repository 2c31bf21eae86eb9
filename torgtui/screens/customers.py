"""The Customers area: the customer list over a million cards, keyset-paged in a
:class:`~torgtui.widgets.paged_list.PagedList`, with search as you type, sorts and filters.

Type to search (name words in either alphabet, a phone or a card number); Enter or Tab goes
to the results. Enter opens a card, Insert adds one, Space marks cards and F8 merges the marked.
In the simplified mode (``ui.simplified_customer_list``) only name, phone and card are shown.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
from rich.cells import cell_len, set_cell_size
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Label

from torgtui import db
from torgtui.customers import listing
from torgtui.customers.listing import Filters, PageKey, Row
from torgtui.customers.phones import format_phone
from torgtui.customers.service import shown_phone
from torgtui.errors import TorgError
from torgtui.i18n import _, ngettext
from torgtui.models import Customer, Employee
from torgtui.money import format_money
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.widgets.paged_list import PagedList, PageLike, PageRequest

HERE = Path(__file__).parent
SEARCH_DELAY = 0.15  # seconds of no typing before the search runs
PHONE, CARD, VISIT, TOTAL = 16, 13, 10, 11


def sort_titles() -> dict[str, str]:
    return {
        "name": _("name"),
        "last_visit": _("last visit"),
        "total_bought": _("total bought"),
    }


def fit(text: str, width: int) -> str:
    """``text`` cut (with "…") or padded to exactly ``width`` cells."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def line_text(cells: tuple[str, ...], width: int) -> str:
    """Name (taking what is left), then fixed columns; the total is right-aligned."""
    widths = (PHONE, CARD, VISIT, TOTAL)[: len(cells) - 1]
    name_width = max(8, width - sum(w + 1 for w in widths))
    parts = [fit(cells[0], name_width)]
    for index, (cell, cell_width) in enumerate(zip(cells[1:], widths, strict=True)):
        if index == 3:
            cell = cell.rjust(cell_width)
        parts.append(fit(cell, cell_width))
    return " ".join(parts)


def row_cells(row: Row, viewer: Employee | None, simplified: bool) -> tuple[str, ...]:
    """What one card shows: the phone masked for roles that may not see it."""
    phone = shown_phone(row.phone, viewer)
    if phone == row.phone:
        phone = format_phone(phone)
    name = ("! " if row.attention else "  ") + row.name
    if simplified:
        return (name, phone, row.card or "")
    visit = f"{row.last_visit:%Y-%m-%d}" if row.last_visit else "-"
    return (name, phone, row.card or "", visit, format_money(row.total_bought, symbol=False))


def header_cells(simplified: bool) -> tuple[str, ...]:
    titles = ("  " + _("Name"), _("Phone"), _("Card"))
    return titles if simplified else (*titles, _("Last visit"), _("Bought").rjust(TOTAL))


def end_key(sort: str, filters: Filters, today: dt.date) -> PageKey | None:
    """The key just past the last card in ``sort`` order (None: no cards), so that
    ``list_page(before=end_key(...))`` is the last page: one reverse-index read instead of
    paging through the whole list (a fixed "beyond every name" string would depend on the
    PostgreSQL collation)."""
    where = listing.filter_conditions(filters, today)
    query = Customer.select(
        Customer.name_sort, Customer.last_visit, Customer.total_bought, Customer.id
    )
    if sort == "name":
        last = query.where(*where).order_by(Customer.name_sort.desc(), Customer.id.desc()).first()
        return PageKey(last.name_sort, last.id + 1) if last else None
    if sort == "total_bought":
        last = query.where(*where).order_by(Customer.total_bought, Customer.id).first()
        return PageKey(last.total_bought, last.id - 1) if last else None
    never = query.where(*where, Customer.last_visit.is_null()).order_by(Customer.id).first()
    if never is not None:
        return PageKey(None, never.id - 1, 1)
    last = query.where(*where).order_by(Customer.last_visit, Customer.id).first()
    return PageKey(last.last_visit, last.id - 1, 0) if last else None


def list_loader(sort: str, filters: Filters, today: dt.date):
    """A PagedList loader over :func:`listing.list_page` (runs in a worker thread)."""

    def load(request: PageRequest) -> PageLike:
        with db.database.connection_context():
            kw = {"sort": sort, "filters": filters, "limit": request.limit, "today": today}
            if request.kind == "after":
                return listing.list_page(after=request.key, **kw)
            if request.kind == "before":
                return listing.list_page(before=request.key, **kw)
            if request.kind == "last":
                key = end_key(sort, filters, today)
                if key is None:
                    return listing.Page(rows=[], next=None)
                return listing.list_page(before=key, **kw)
            return listing.list_page(**kw)

    return load


def search_loader(text: str, filters: Filters, today: dt.date):
    """A forward-only PagedList loader over :func:`listing.search`."""

    def load(request: PageRequest) -> PageLike:
        with db.database.connection_context():
            key = request.key
            after = (key.value, key.id) if isinstance(key, PageKey) else None
            return listing.search(
                text, limit=request.limit, after=after, filters=filters, today=today
            )

    return load


def filters_summary(filters: Filters) -> str:
    parts = []
    if filters.birthday_this_month:
        parts.append(_("birthday this month"))
    if filters.birthday_within_days is not None:
        parts.append(
            ngettext(
                "birthday in {n} day", "birthday in {n} days", filters.birthday_within_days
            ).format(n=filters.birthday_within_days)
        )
    if filters.children_age is not None:
        low, high = filters.children_age
        parts.append(_("child {low}-{high} y.").format(low=low, high=high))
    if filters.interest_group_id is not None:
        parts.append(_("interest"))
    if filters.attention:
        parts.append(_("attention"))
    if filters.not_bought_days is not None:
        parts.append(
            ngettext("not bought {n} day", "not bought {n} days", filters.not_bought_days).format(
                n=filters.not_bought_days
            )
        )
    return ", ".join(parts)


class CustomerListScreen(AreaScreen):
    """Every active card, a screenful at a time; the search box filters as you type."""

    CSS_PATH = [HERE / "area.tcss", HERE / "customers.tcss"]  # absolute: subclasses elsewhere
    AUTO_FOCUS = "#customers-search"
    BINDINGS = [
        Binding("f2", "sort", _("Sort"), id="customers.sort"),
        Binding("f3", "filters", _("Filters"), id="customers.filters"),
        Binding("insert", "new", _("New"), id="customers.new"),
        Binding("f8", "merge", _("Merge"), id="customers.merge"),
        # from the search box the arrows and pages still move the list
        Binding("down", "list('move', 1)", _("Next"), show=False, id="customers.down"),
        Binding("up", "list('move', -1)", _("Previous"), show=False, id="customers.up"),
        Binding("pagedown", "list('page', 1)", _("Page down"), show=False, id="customers.pagedown"),
        Binding("pageup", "list('page', -1)", _("Page up"), show=False, id="customers.pageup"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.sort = "name"
        self.filters = Filters()
        self.text = ""
        self._search_timer: Timer | None = None

    @property
    def simplified(self) -> bool:
        return bool(self.app.settings.ui.simplified_customer_list)

    @property
    def today(self) -> dt.date:
        return self.app.clock().date()

    def compose_body(self) -> ComposeResult:
        yield Input(
            placeholder=_("Search: name, phone or card; Enter goes to the list"),
            id="customers-search",
        )
        yield Label("", id="customers-info", markup=False)
        yield Label("", id="customers-header", markup=False)
        yield PagedList(self.render_row, id="customers-list")
        yield Label("", id="customers-message", markup=False)

    @property
    def listing(self) -> PagedList:
        return self.query_one("#customers-list", PagedList)

    def on_mount(self) -> None:
        self.show_header()
        self.show_list()

    def on_resize(self) -> None:
        self.show_header()

    def show_header(self) -> None:
        width = max(20, self.app.size.width - 1)
        self.query_one("#customers-header", Label).update(
            " " + line_text(header_cells(self.simplified), width)
        )

    def render_row(self, row: Row, width: int) -> str:
        return line_text(row_cells(row, self.app.employee, self.simplified), width)

    # --- what the list shows ------------------------------------------------------------

    def show_list(self) -> None:
        """Point the list at the search (if any text) or the sorted, filtered list."""
        self.say("")
        text = self.text.strip()
        paged = self.listing
        if text:
            paged.empty_text = _(
                "Nobody found for {text!r}: try fewer letters, or press Insert to add a card."
            ).format(text=text)
            paged.show(search_loader(text, self.filters, self.today), backwards=False)
        else:
            paged.empty_text = (
                _("No customers match these filters: press F3 to change them.")
                if filters_summary(self.filters)
                else _("No customers yet: press Insert to add the first card.")
            )
            paged.show(list_loader(self.sort, self.filters, self.today))
        self.show_info()

    def show_info(self) -> None:
        if self.text.strip():
            parts = [_("Search results")]
        else:
            parts = [_("Sorted by {sort} (F2)").format(sort=sort_titles()[self.sort])]
        summary = filters_summary(self.filters)
        parts.append(_("Filters: {what}").format(what=summary) if summary else _("No filters"))
        marked = len(self.listing.marked)
        if marked:
            parts.append(_("Marked: {n}").format(n=marked))
        self.query_one("#customers-info", Label).update(" · ".join(parts))

    def say(self, text: str) -> None:
        message = self.query_one("#customers-message", Label)
        message.update(text)
        message.display = bool(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.text = event.value
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self.show_list)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the search box: search now (if typing is pending) and go to the list."""
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
            self.show_list()
        self.listing.focus()

    def on_paged_list_shown(self, event: PagedList.Shown) -> None:
        event.stop()
        self.show_info()

    def on_paged_list_failed(self, event: PagedList.Failed) -> None:
        event.stop()
        error = event.error
        if isinstance(error, TorgError):
            self.say(error.message)
        elif isinstance(error, peewee.DatabaseError):
            self.say(db.explain(error, self.app.settings.database.url).message)
        else:
            self.say(_("Could not read the customers: {error}").format(error=error))

    def action_list(self, what: str, delta: int) -> None:
        paged = self.listing
        paged.action_page(delta) if what == "page" else paged.action_move(delta)

    def action_sort(self) -> None:
        """Cycle the sort: name, last visit, total bought."""
        sorts = listing.SORTS
        self.sort = sorts[(sorts.index(self.sort) + 1) % len(sorts)]
        if self.text.strip():
            self.notify(_("Sort applies to the list: clear the search to see it."))
        self.show_list()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sort" and self.simplified:
            return None  # the simplified list is by name only: the other orders are hidden
        return True

    def action_filters(self) -> None:
        from torgtui.screens.customer_filters import FiltersScreen

        def chosen(filters: Filters | None) -> None:
            if filters is not None:
                self.filters = filters
                self.show_list()

        self.app.push_screen(FiltersScreen(self.filters, today=self.today), chosen)

    # --- cards --------------------------------------------------------------------------

    def card_screen(self, customer_id: int | None) -> Screen:
        """The card editor (None: a new card); dismisses with the saved id or None."""
        from torgtui.screens.customer_card import CustomerCardScreen

        return CustomerCardScreen(customer_id)

    def merge_screen(self, customer_ids: list[int]) -> Screen:
        from torgtui.screens.customer_merge import MergeScreen

        return MergeScreen(customer_ids)

    def on_paged_list_selected(self, event: PagedList.Selected) -> None:
        event.stop()
        self.open_card(event.row.id)

    def open_card(self, customer_id: int | None) -> None:
        def saved(result: object) -> None:
            if result is not None:
                self.listing.reload()

        self.app.push_screen(self.card_screen(customer_id), saved)

    def action_new(self) -> None:
        self.open_card(None)

    def on_paged_list_marked(self, event: PagedList.Marked) -> None:
        event.stop()
        self.say("")
        self.show_info()

    def action_merge(self) -> None:
        """Merge the cards marked with Space (two or more)."""
        paged = self.listing
        ids = list(paged.marked)
        if len(ids) < 2:
            self.say(_("Mark two or more cards with Space (in the list), then press F8."))
            return

        def done(_result: object) -> None:
            paged.clear_marks()
            paged.reload()
            self.show_info()

        self.app.push_screen(self.merge_screen([int(i) for i in ids]), done)
