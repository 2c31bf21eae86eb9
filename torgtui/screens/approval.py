"""A senior's confirmation, the one way for every screen: run a service call; when it raises
:class:`~torgtui.approvals.ApprovalNeeded`, offer exactly the employees who could say yes
(``confirmers()``), take one PIN, have :func:`torgtui.approvals.grant` verify it in a thread
worker (scrypt is slow; wrong PINs count toward the lockout), and call the service again with
the approval. The service decides everything (limits, who may): nobody is asked for a PIN
before the service has said that a confirmation would help, and by whom.

Use :func:`with_approval` from a screen::

    with_approval(self.app, lambda approval: reg.cancel(approval=approval),
                  done=lambda _result: self.show_receipt(), fail=self.say)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import peewee
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from torgtui import approvals, db
from torgtui.approvals import Approval, ApprovalNeeded
from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.models import Employee
from torgtui.staff import Role, role_title, role_whom

if TYPE_CHECKING:
    from textual.app import App

    from torgtui.app import TorgApp

T = TypeVar("T")

APPROVAL_CSS = """
SeniorPinScreen {
    align: center middle;
}
SeniorPinScreen > Vertical {
    width: 76;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    border: round $warning;
    padding: 0 1;
    background: $surface;
}
SeniorPinScreen #senior-reason {
    width: 100%;
    text-style: bold;
}
SeniorPinScreen #senior-hint {
    width: 100%;
    color: $text-muted;
}
SeniorPinScreen #senior-list {
    height: auto;
    max-height: 6;
}
SeniorPinScreen #senior-pin {
    width: 100%;
}
SeniorPinScreen #senior-message {
    width: 100%;
    color: $error;
    text-style: bold;
}
"""


def roles_who_may(needed: ApprovalNeeded) -> str:
    """ "a manager or the owner": the roles that could approve exactly this (for a discount,
    those whose limit covers its share), in words; empty when no role could."""
    whom = []
    for role in Role:
        sample = Employee(name=role_title(role.value), role=role.value, active=True)
        if approvals.may(sample, needed.action, needed.facts):
            whom.append(role_whom(role))
    if len(whom) <= 1:
        return "".join(whom)
    return _("{some} or {last}").format(some=", ".join(whom[:-1]), last=whom[-1])


def nobody_here(needed: ApprovalNeeded) -> str:
    """What to say when no active employee (other than the one asking) could confirm it."""
    whom = roles_who_may(needed)
    if not whom:
        return _("{why} Nobody may confirm this.").format(why=needed.message)
    return _("{why} Nobody on the staff list here can confirm it: it takes {whom}.").format(
        why=needed.message, whom=whom
    )


def with_approval(
    app: App,
    call: Callable[[Approval | None], T],
    *,
    done: Callable[[T], Any],
    fail: Callable[[str], Any],
) -> None:
    """Run ``call(None)``; if it needs a confirmation, ask one of its confirmers for their PIN
    and run ``call(approval)``. ``done`` gets the result; ``fail`` every refusal in words
    (nothing happens when the dialog is closed with Escape)."""
    url = app.settings.database.url  # type: ignore[attr-defined]

    def attempt(approval: Approval | None) -> None:
        try:
            result = call(approval)
        except ApprovalNeeded as needed:
            if approval is not None:  # asked again after a PIN: say why, do not loop
                fail(needed.message)
                return
            ask(needed)
            return
        except TorgError as exc:
            fail(exc.message)
            return
        except peewee.DatabaseError as exc:
            fail(db.explain(exc, url).message)
            return
        done(result)

    def ask(needed: ApprovalNeeded) -> None:
        try:
            confirmers = needed.confirmers()
        except peewee.DatabaseError as exc:
            fail(db.explain(exc, url).message)
            return
        if not confirmers:
            fail(nobody_here(needed))
            return

        def answered(approval: Approval | None) -> None:
            if approval is not None:
                attempt(approval)

        app.push_screen(SeniorPinScreen(needed, confirmers), answered)

    attempt(None)


class SeniorPinScreen(ModalScreen["Approval | None"]):
    """Someone who may confirms ``needed`` with their PIN: the list holds exactly those people
    (the service's ``confirmers()``); choose one with the arrows, type the PIN, Enter.

    Dismisses with the :class:`~torgtui.approvals.Approval` the PIN yields, or None (Escape).
    A wrong PIN, a lockout or a refusal is shown under the field and the dialog stays open."""

    DEFAULT_CSS = APPROVAL_CSS
    AUTO_FOCUS = "#senior-pin"
    BINDINGS = [
        Binding("up", "move(-1)", _("Previous name"), show=False, id="senior.up"),
        Binding("down", "move(1)", _("Next name"), show=False, id="senior.down"),
        Binding("escape", "back", _("Back"), id="senior.back"),
    ]

    app: TorgApp

    def __init__(self, needed: ApprovalNeeded, confirmers: list[Employee]) -> None:
        super().__init__()
        self.needed = needed
        self.confirmers = confirmers
        self.checking = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.needed.message, id="senior-reason", markup=False)
            yield Label(
                _("Who confirms: choose with the arrows, type the PIN, Enter."), id="senior-hint"
            )
            yield OptionList(
                *(
                    Option(Content(f"{e.name} · {role_title(e.role)}"), id=str(e.id))
                    for e in self.confirmers
                ),
                id="senior-list",
                markup=False,
            )
            yield Input(password=True, placeholder=_("PIN"), max_length=12, id="senior-pin")
            yield Label("", id="senior-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        options = self.query_one("#senior-list", OptionList)
        if options.option_count:
            options.highlighted = 0

    def action_move(self, step: int) -> None:
        options = self.query_one("#senior-list", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + step))

    def action_back(self) -> None:
        self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one("#senior-pin", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        option = self.query_one("#senior-list", OptionList).highlighted_option
        if self.checking or option is None or option.id is None:
            return
        if not event.value:
            self.show_message(_("Type the PIN, then press Enter."))
            return
        self.checking = True
        self.show_message(_("Checking the PIN..."))
        self.grant(int(option.id), event.value)

    @work(thread=True, exclusive=True, group="approval", exit_on_error=False)
    def grant(self, approver_id: int, pin: str) -> None:
        app = self.app
        needed = self.needed
        try:
            with db.database.connection_context():
                result: Approval | str = approvals.grant(
                    approver_id,
                    pin,
                    action=needed.action,
                    scope=needed.scope,
                    subject=needed.subject,
                    facts=needed.facts,
                    clock=app.clock,
                    terminal=app.terminal,
                )
        except TorgError as exc:
            result = exc.message
        except peewee.DatabaseError as exc:
            result = db.explain(exc, app.settings.database.url).message
        app.call_from_thread(self.granted, result)

    def granted(self, result: Approval | str) -> None:
        self.checking = False
        if not self.is_attached:
            return
        field = self.query_one("#senior-pin", Input)
        field.value = ""
        if isinstance(result, str):
            self.show_message(result)
            field.focus()
            return
        self.dismiss(result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "approval" and event.state == WorkerState.ERROR:
            self.checking = False
            self.show_message(
                _("Could not check the PIN: {error}. Try again or call support.").format(
                    error=event.worker.error
                )
            )

    def show_message(self, text: str) -> None:
        self.query_one("#senior-message", Label).update(text)

    @property
    def message(self) -> str:
        return str(self.query_one("#senior-message", Label).content)
