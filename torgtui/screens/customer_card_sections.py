"""The sections of the customer card besides the card itself: the base, family and purchase
history (contacts, delivery and interests are in :mod:`torgtui.screens.customer_card_contacts`).

Each section reads its rows in the card screen's thread workers when shown; its keys (F5 add,
F6 the second action, Enter edit, Delete remove) work while its table has the focus.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Label

from torgtui.customers.service import RELATIONS, FamilyData, average_check, relation_title
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.models import Customer, Receipt
from torgtui.money import format_money
from torgtui.screens.customer_card_common import Field, FormScreen, PagedTable, parse_date

if TYPE_CHECKING:
    from torgtui.screens.customer_card import CustomerCardScreen

PAGE = 50


def _cell(text: str, width: int) -> Text:
    text = " ".join(str(text).split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return Text(text, no_wrap=True)


class Section(Vertical):
    """One section: a hint line and a table; subclasses fill ``columns`` and ``load``."""

    columns: tuple[tuple[str, int], ...] = ()
    table_class: type[DataTable] = DataTable

    def compose(self) -> ComposeResult:
        yield Label("", classes="section-hint", markup=False)
        yield self.table_class(cursor_type="row", zebra_stripes=True, classes="section-table")

    def on_mount(self) -> None:
        table = self.table
        for title, width in self.columns:
            table.add_column(title, width=width)

    @property
    def card(self) -> CustomerCardScreen:
        return self.screen  # type: ignore[return-value]

    @property
    def table(self) -> DataTable:
        return self.query_one(".section-table", DataTable)

    def hint(self, text: str) -> None:
        self.query_one(".section-hint", Label).update(text)

    def focus_first(self) -> None:
        self.table.focus()

    def need_card(self) -> int | None:
        """The card's id, or None after saying it must be saved first."""
        if self.card.customer_id is None:
            self.card.show_error(_("Save the card first (F2)."))
        return self.card.customer_id

    def add_row(self, cells: tuple[str, ...], key: str) -> None:
        widths = [w for _t, w in self.columns]
        self.table.add_row(*(_cell(c, w) for c, w in zip(cells, widths, strict=True)), key=key)

    def highlighted_key(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def load(self) -> None:
        """Read the section's rows again."""


# --- family ---------------------------------------------------------------------------------


class FamilySection(Section):
    """The family members; changes are saved with the card (F2)."""

    BINDINGS = [
        Binding("f5", "add", _("Add"), id="card.family.add"),
        Binding("delete", "remove", _("Remove"), id="card.family.remove"),
    ]
    columns = ((_("Relation"), 10), (_("Name"), 36), (_("Born"), 10), (_("Gender"), 6))

    def load(self) -> None:
        self.hint(_("F5 add, Enter edit, Delete remove; F2 saves the card with its family."))

    def show_family(self, family: list[FamilyData]) -> None:
        self.table.clear()
        for i, m in enumerate(family):
            born = f"{m.birth_date:%d.%m.%Y}" if m.birth_date else ""
            self.add_row((relation_title(m.relation), m.name, born, m.gender), str(i))

    def action_add(self) -> None:
        self.edit(None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.edit(int(event.row_key.value or 0))

    def edit(self, index: int | None) -> None:
        family = self.card.family
        m = family[index] if index is not None else FamilyData("child", "")
        fields = [
            Field("relation", _("Relation"), m.relation, ", ".join(RELATIONS), r"[a-z]*"),
            Field("name", _("Name"), m.name),
            Field(
                "birth",
                _("Birth date"),
                f"{m.birth_date:%d.%m.%Y}" if m.birth_date else "",
                _("DD.MM.YYYY"),
                r"[0-9.]*",
            ),
            Field("gender", _("Gender"), m.gender, _("f, m or empty"), r"[fm]?"),
        ]

        def done(values: dict[str, str] | None) -> None:
            if values is None:
                return
            try:
                member = self.member(values)
            except TorgError as exc:
                self.card.show_error(exc.message)
                return
            if index is None:
                family.append(member)
            else:
                family[index] = member
            self.changed()

        title = _("Family member") if index is not None else _("New family member")
        self.app.push_screen(FormScreen(title, fields), done)

    @staticmethod
    def member(values: dict[str, str]) -> FamilyData:
        relation = values["relation"].strip()
        if relation not in RELATIONS:
            raise ValidationError(_("Family: relation is child, spouse, parent or other."))
        if not values["name"].strip():
            raise ValidationError(_("Family: every member needs a name (up to 200)."))
        birth = parse_date(values["birth"], _("Family"))
        if birth is not None and birth > dt.date.today():
            raise ValidationError(
                _("{what}: {date} is not a possible birth date.").format(
                    what=_("Family"), date=birth
                )
            )
        return FamilyData(relation, values["name"].strip(), birth, values["gender"])

    def action_remove(self) -> None:
        key = self.highlighted_key()
        if key is None:
            return
        del self.card.family[int(key)]
        self.changed()

    def changed(self) -> None:
        self.card.family_changed = True
        self.show_family(self.card.family)
        self.card.say(_("Family changed: press F2 to save the card."))


# --- history --------------------------------------------------------------------------------


def history_page(customer_id: int, before_id: int | None) -> list[tuple[Any, ...]]:
    """One page of the customer's receipts and returns, newest first (keyset by id)."""
    query = Receipt.select(
        Receipt.id, Receipt.created_at, Receipt.number, Receipt.kind, Receipt.total
    ).where((Receipt.customer == customer_id) & (Receipt.status == "closed"))
    if before_id is not None:
        query = query.where(Receipt.id < before_id)
    return list(query.order_by(Receipt.id.desc()).limit(PAGE).tuples())


def totals_text(customer: Customer) -> str:
    count = customer.receipts_count
    last = f"{customer.last_visit:%d.%m.%Y}" if customer.last_visit else "-"
    return _(
        "Bought {bought} · returned {returned} · {count} receipts · average {average} · "
        "last visit {last}"
    ).format(
        bought=format_money(customer.total_bought),
        returned=format_money(customer.total_returned),
        count=count,
        average=format_money(average_check(customer)),
        last=last,
    )


class HistorySection(Section):
    """Receipts and returns of the customer, newest first, a page at a time."""

    columns = ((_("Date"), 16), (_("Receipt"), 10), (_("Kind"), 10), (_("Total"), 14))
    table_class = PagedTable

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.oldest: int | None = None
        self.exhausted = False
        self.reading = False

    def load(self) -> None:
        cid = self.need_card()
        self.table.clear()
        self.oldest, self.exhausted, self.reading = None, False, False
        if cid is None:
            self.hint("")
            return
        self.card.job(lambda: totals_text(Customer.get_by_id(cid)), self.hint)
        self.more()

    def more(self) -> None:
        cid = self.card.customer_id
        if cid is None or self.reading or self.exhausted:
            return
        self.reading = True
        before = self.oldest
        self.card.job(lambda: history_page(cid, before), self.add_page)

    def add_page(self, rows: list[tuple[Any, ...]]) -> None:
        self.reading = False
        self.exhausted = len(rows) < PAGE
        kinds = {"sale": _("sale"), "return": _("return")}
        for rid, at, number, kind, total in rows:
            shown = -total if kind == "return" else total
            self.add_row(
                (f"{at:%d.%m.%Y %H:%M}", str(number), kinds.get(kind, kind), format_money(shown)),
                str(rid),
            )
        if rows:
            self.oldest = rows[-1][0]

    def on_paged_table_reached_end(self, event: PagedTable.ReachedEnd) -> None:
        event.stop()
        self.more()
