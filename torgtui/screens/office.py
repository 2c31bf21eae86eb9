"""What the back-office screens (VIP balances, loyalty rules, roles) share: service calls in
thread workers with refusals in words, keyset pages for :class:`PagedList`, fixed-width rows,
and a list without marks.

Screens stay thin: a job is a call into a service, run on the worker's own connection; its
result (or the service's refusal, as :class:`Failed`) comes back on the UI thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import peewee
from rich.cells import cell_len, set_cell_size
from textual import work
from textual.binding import Binding

from torgtui import db
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.money import format_money
from torgtui.widgets.paged_list import PagedList

if TYPE_CHECKING:
    from torgtui.app import TorgApp


@dataclass(frozen=True)
class Failed:
    """A job the service refused (or the database could not do): ``message`` says why."""

    message: str


def run_db(job: Callable[[], Any], url: str) -> Any:
    """Run ``job`` on this thread's own connection; a refusal or a database error comes back
    as :class:`Failed` instead of raising."""
    try:
        with db.database.connection_context():
            return job()
    except TorgError as exc:
        return Failed(exc.message)
    except peewee.DatabaseError as exc:
        return Failed(db.explain(exc, url).message)


class OfficeJobs:
    """Mixin for a screen or dialog: ``job(fn, done)`` runs ``fn`` in a thread worker and calls
    ``done(result)`` on the UI thread; a :class:`Failed` goes to ``say`` unless ``done``
    takes failures itself (``failures=True``)."""

    app: TorgApp
    is_attached: bool

    def say(self, text: str) -> None:
        """Show a refusal or a result line; screens override it to use their message line."""
        if text:
            self.app.notify(text, severity="error")

    def job(
        self, fn: Callable[[], Any], done: Callable[[Any], None], *, failures: bool = False
    ) -> None:
        self._office_job(fn, done, failures)

    @work(thread=True, group="office-db", exit_on_error=False)
    def _office_job(self, fn: Callable[[], Any], done: Callable[[Any], None], failures: bool):
        result = run_db(fn, self.app.settings.database.url)
        self.app.call_from_thread(self._office_done, result, done, failures)

    def _office_done(self, result: Any, done: Callable[[Any], None], failures: bool) -> None:
        if not self.is_attached:
            return
        if isinstance(result, Failed) and not failures:
            self.say(result.message)
            return
        done(result)


def parse_day(text: str, what: str) -> dt.date | None:
    """ "07.03.2026" or "2026-03-07" -> a date; empty -> None; anything else is refused in
    words naming ``what``."""
    text = (text or "").strip()
    if not text:
        return None
    for form in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise ValidationError(
        _("{what}: {text!r} is not a date; type it as DD.MM.YYYY (like 07.03.2026).").format(
            what=what, text=text[:40]
        )
    )


@dataclass
class Page:
    """One page for a :class:`PagedList` loader: ``next`` is the key after the last row (None:
    the end), ``prev`` the key of the first."""

    rows: list[Any] = field(default_factory=list)
    next: object | None = None
    prev: object | None = None


def fit(text: str, width: int, *, right: bool = False) -> str:
    """``text`` cut (with "…") or padded to exactly ``width`` cells (``right``: aligned right)."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    if right:
        return " " * (width - cell_len(text)) + text
    return set_cell_size(text, width)


def money_field(kopecks: int) -> str:
    """An amount as typed into a field: 500000 -> "5000.00"; nothing for 0."""
    if not kopecks:
        return ""
    return format_money(kopecks, symbol=False).replace("\u202f", "")


def row_text(cells: Sequence[str], widths: Sequence[int], width: int, right: int = 1) -> str:
    """The first cell takes what the fixed ``widths`` of the others leave of ``width``; the
    cells from index ``right`` on are aligned right (amounts)."""
    first = max(6, width - sum(w + 1 for w in widths))
    parts = [fit(cells[0], first)]
    for index, (cell, cell_width) in enumerate(zip(cells[1:], widths, strict=True), 1):
        parts.append(fit(cell, cell_width, right=index >= right))
    return " ".join(parts)


class RowList(PagedList, inherit_bindings=False):
    """A :class:`PagedList` whose rows are opened with Enter but not marked (a subclass
    names what Enter opens by binding "enter" again)."""

    BINDINGS = [
        Binding("enter", "select", _("Open"), id="office_list.open"),
        Binding("down", "move(1)", _("Next"), show=False, id="office_list.down"),
        Binding("up", "move(-1)", _("Previous"), show=False, id="office_list.up"),
        Binding("pagedown", "page(1)", _("Page down"), show=False, id="office_list.pagedown"),
        Binding("pageup", "page(-1)", _("Page up"), show=False, id="office_list.pageup"),
        Binding("home", "first", _("First"), show=False, id="office_list.first"),
        Binding("end", "last", _("Last"), show=False, id="office_list.last"),
    ]
