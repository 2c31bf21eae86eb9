"""What the customer screens share: database jobs in thread workers with errors in words, dates
typed as DD.MM.YYYY, a small form dialog, and a table that asks for its next page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import peewee
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Label

from torgtui import db
from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.screens.sale_dialogs import DIALOG_CSS

if TYPE_CHECKING:
    from torgtui.app import TorgApp


@dataclass(frozen=True)
class Failed:
    """A job that did not go through; ``error`` carries the message (and, for a duplicate,
    the existing cards)."""

    error: TorgError


def run_db(job: Callable[[], Any], url: str) -> Any:
    """Run ``job`` on this thread's own connection; a refusal or database error comes back as
    :class:`Failed` instead of raising."""
    try:
        with db.database.connection_context():
            return job()
    except TorgError as exc:
        return Failed(exc)
    except peewee.DatabaseError as exc:
        return Failed(db.explain(exc, url))


class DbJobs:
    """Mixin for a screen: ``job(fn, done)`` runs ``fn`` in a thread worker and calls
    ``done(result)`` back on the UI thread; failures go to ``show_error``."""

    app: TorgApp
    is_attached: bool

    def show_error(self, text: str) -> None:
        self.app.notify(text, severity="error")

    def job(self, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self._job_thread(fn, done)

    @work(thread=True, group="customer-db", exit_on_error=False)
    def _job_thread(self, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        result = run_db(fn, self.app.settings.database.url)
        self.app.call_from_thread(self._job_done, result, done)

    def _job_done(self, result: Any, done: Callable[[Any], None]) -> None:
        if not self.is_attached:
            return
        if isinstance(result, Failed) and not getattr(done, "wants_failures", False):
            self.show_error(result.error.message)
            return
        done(result)


def wants_failures(fn: Callable[[Any], None]) -> Callable[[Any], None]:
    """Mark a ``done`` callback that handles :class:`Failed` itself (e.g. a duplicate card)."""
    fn.wants_failures = True  # type: ignore[attr-defined]
    return fn


def format_date(value: dt.date | None) -> str:
    return f"{value:%d.%m.%Y}" if value else ""


def parse_date(text: str, what: str) -> dt.date | None:
    """ "07.03.1990" -> date; empty -> None; anything else a ValidationError naming ``what``."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%d.%m.%Y").date()
    except ValueError:
        raise ValidationError(
            _("{what}: {text!r} is not a date; type it as DD.MM.YYYY (like 07.03.1990).").format(
                what=what, text=text
            )
        ) from None


@dataclass(frozen=True)
class Field:
    """One line of a :class:`FormScreen`."""

    key: str
    label: str
    value: str = ""
    placeholder: str = ""
    restrict: str | None = None


class FormScreen(ModalScreen[dict[str, str] | None]):
    """A few labelled lines; Enter moves to the next and, on the last, confirms (so does F2);
    Escape dismisses with None."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="FormScreen")
        + """
    FormScreen Horizontal { height: 1; }
    FormScreen .form-label { width: 18; }
    FormScreen Input { width: 1fr; }
    """
    )
    BINDINGS = [
        Binding("f2", "submit", _("Save"), id="form.save"),
        Binding("escape", "back", _("Back"), id="form.back"),
    ]

    def __init__(self, title: str, fields: list[Field]) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title", markup=False)
            for f in self.fields:
                with Horizontal():
                    yield Label(f.label, classes="form-label", markup=False)
                    yield Input(
                        f.value,
                        placeholder=f.placeholder,
                        restrict=f.restrict,
                        id=f"form-{f.key}",
                        compact=True,
                    )
            yield Label(_("Enter: next line, and save on the last    Escape: back"))
        yield Footer()

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def values(self) -> dict[str, str]:
        return {f.key: self.query_one(f"#form-{f.key}", Input).value for f in self.fields}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        self.dismiss(self.values())

    def action_back(self) -> None:
        self.dismiss(None)


class PagedTable(DataTable):
    """A row table that posts ``ReachedEnd`` when the cursor is on the last row and moves on,
    so the screen can read the next page."""

    class ReachedEnd(Message):
        """The cursor is at the last row and the user asked for more."""

    def _check_end(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.ReachedEnd())

    def action_cursor_down(self) -> None:
        super().action_cursor_down()
        self._check_end()

    def action_page_down(self) -> None:
        super().action_page_down()
        self._check_end()
