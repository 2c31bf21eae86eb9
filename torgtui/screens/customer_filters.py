"""The customer list's filters (F3): birthdays, children's age, an interest, attention and
customers who have not bought for a while. Enter applies, F5 clears, Escape keeps the old ones."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Footer, Input, Label, Select

from torgtui.customers.listing import Filters, filter_conditions
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.models import ProductGroup

MAX_GROUPS = 2000


class FormCheckbox(Checkbox, inherit_bindings=False):
    """A checkbox toggled by Space only, so Enter applies the whole form."""

    BINDINGS = [Binding("space", "toggle_button", _("Toggle"), show=False, id="filters.toggle")]


def _number(text: str, what: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValidationError(_("{what}: a whole number, or leave it empty.").format(what=what))
    return int(text)


class FiltersScreen(ModalScreen[Filters | None]):
    """A form over :class:`Filters`; dismisses with the new filters or None (Escape)."""

    CSS_PATH = "customers.tcss"
    BINDINGS = [
        Binding("enter", "apply", _("Apply"), id="filters.apply"),
        Binding("f5", "clear", _("Clear all"), id="filters.clear"),
        Binding("escape", "cancel", _("Back"), id="filters.back"),
    ]

    def __init__(self, filters: Filters, *, today: dt.date) -> None:
        super().__init__()
        self.filters = filters
        self.today = today

    def groups(self) -> list[tuple[str, int]]:
        """Product groups for the interest picker, by path (a short table)."""
        query = ProductGroup.select(ProductGroup.id, ProductGroup.path).order_by(ProductGroup.path)
        return [(path, gid) for gid, path in query.limit(MAX_GROUPS).tuples()]

    def compose(self) -> ComposeResult:
        f = self.filters
        low, high = f.children_age or (None, None)
        with Vertical(id="filters-box"):
            yield Label(_("Filters: Space ticks, Enter applies"), id="filters-title")
            yield FormCheckbox(_("Birthday this month"), f.birthday_this_month, id="filters-month")
            with Horizontal(classes="filters-row"):
                yield Label(_("Birthday within days"))
                yield Input(_text(f.birthday_within_days), id="filters-within", type="integer")
            with Horizontal(classes="filters-row"):
                yield Label(_("Child aged from / to"))
                yield Input(_text(low), id="filters-age-from", type="integer")
                yield Input(_text(high), id="filters-age-to", type="integer")
            with Horizontal(classes="filters-row"):
                yield Label(_("Interest"))
                yield Select(
                    self.groups(),
                    value=f.interest_group_id if f.interest_group_id is not None else Select.NULL,
                    prompt=_("any product group"),
                    id="filters-interest",
                    compact=True,
                )
            yield FormCheckbox(_("Needs attention (!)"), f.attention, id="filters-attention")
            with Horizontal(classes="filters-row"):
                yield Label(_("Not bought for days"))
                yield Input(_text(f.not_bought_days), id="filters-not-bought", type="integer")
            yield Label("", id="filters-message", markup=False)
        yield Footer()

    def read(self) -> Filters:
        """The form as Filters; ValidationError names the field that is wrong."""
        low = _number(self.query_one("#filters-age-from", Input).value, _("Child's age from"))
        high = _number(self.query_one("#filters-age-to", Input).value, _("Child's age to"))
        if (low is None) != (high is None):
            raise ValidationError(_("Child's age: fill both from and to, or neither."))
        interest = self.query_one("#filters-interest", Select).value
        filters = Filters(
            birthday_this_month=self.query_one("#filters-month", Checkbox).value,
            birthday_within_days=_number(
                self.query_one("#filters-within", Input).value, _("Birthday within days")
            ),
            children_age=(low, high) if low is not None and high is not None else None,
            interest_group_id=interest if isinstance(interest, int) else None,
            attention=self.query_one("#filters-attention", Checkbox).value,
            not_bought_days=_number(
                self.query_one("#filters-not-bought", Input).value, _("Not bought for days")
            ),
        )
        if filters.birthday_within_days is not None and filters.birthday_within_days > 366:
            raise ValidationError(_("Birthday within days: at most 366."))
        filter_conditions(filters, self.today)  # the service's own checks (ages X <= Y)
        return filters

    def action_apply(self) -> None:
        try:
            filters = self.read()
        except TorgError as exc:
            self.query_one("#filters-message", Label).update(exc.message)
            return
        self.dismiss(filters)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def action_clear(self) -> None:
        self.dismiss(Filters())

    def action_cancel(self) -> None:
        self.dismiss(None)


def _text(value: int | None) -> str:
    return "" if value is None else str(value)
