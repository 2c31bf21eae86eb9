"""The incoming-call popup and the app's telephony: the Binotel webhook endpoint and the
polling fallback, started with the app when ``[binotel]`` says so (both off by default).

A ``receivedTheCall`` push event arrives on the endpoint's thread with the caller's card read
already (torgtui.channels.caller); :class:`Telephony` hands it to the UI thread, which pushes
:class:`IncomingCallScreen` over whatever is open: the name, card, bonus balance, debt, the
last purchases and the Attention flag. F2 opens the customer's card, F5 logs the call on it,
Escape closes. ``answeredTheCall`` and ``hangupTheCall`` update the popup of the same call.
Nothing pops up on the login or lock screen: the call still reaches the journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from torgtui.channels.binotel_hook import BinotelHook, CallEvent
from torgtui.channels.caller import CallerInfo
from torgtui.customers.contacts import log_contact
from torgtui.customers.phones import format_phone
from torgtui.customers.service import shown_phone
from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.money import format_money
from torgtui.screens.customer_card_common import DbJobs
from torgtui.screens.sale_dialogs import DIALOG_CSS, AskScreen

if TYPE_CHECKING:
    from torgtui.app import TorgApp

POLL_CHECK_SECONDS = 30.0


def caller_lines(info: CallerInfo | None) -> list[Text]:
    """The popup's lines about the caller (no card: one line that says so)."""
    if info is None or not info.known:
        return [Text(_("No card has this number."), style="bold")]
    lines = [Text(info.name, style="bold")]
    if info.attention:
        note = info.attention_note.strip().splitlines()[0] if info.attention_note.strip() else ""
        lines.append(
            Text(_("Attention: {note}").format(note=note) if note else _("Attention!"), "bold red")
        )
    lines.append(
        Text(
            _("Card {card}   Bonuses {bonus}").format(
                card=info.card or _("without a number"), bonus=format_money(info.bonus_balance)
            )
        )
    )
    if info.debt:
        debt = _("Debt {amount}").format(amount=format_money(info.debt))
        if info.overdue:
            debt += _(", overdue {amount}").format(amount=format_money(info.overdue))
        lines.append(Text(debt, "yellow"))
    if info.other_cards:
        lines.append(Text(_("{n} more card(s) have this phone").format(n=info.other_cards)))
    if info.last_purchases:
        lines.append(Text(_("Last purchases:")))
        for p in info.last_purchases:
            lines.append(
                Text(
                    f"  {p.at:%d.%m.%Y}  {format_money(p.total):>12}  {p.goods}"[:70], no_wrap=True
                )
            )
    else:
        lines.append(Text(_("No purchases yet.")))
    return lines


class IncomingCallScreen(DbJobs, ModalScreen[None]):
    """Who is calling. F2 opens the card, F5 logs the call on it, Escape closes."""

    DEFAULT_CSS = DIALOG_CSS.format(name="IncomingCallScreen").replace("width: 64;", "width: 74;")
    BINDINGS = [
        Binding("f2", "open_card", _("Open card"), id="call.open"),
        Binding("f5", "log", _("Log call"), id="call.log"),
        Binding("escape", "close", _("Close"), id="call.close"),
    ]

    app: TorgApp

    def __init__(self, event: CallEvent) -> None:
        super().__init__()
        self.event = event
        self.caller = event.caller
        self.state = _("ringing")
        self.shown_at = 0.0  # perf_counter after the first paint (the bench reads it)
        self.logged = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("", classes="dialog-title", id="call-title", markup=False)
            yield Static("", id="call-caller")
            yield Label("", id="call-hint", markup=False)
            yield Label("", classes="dialog-message", id="call-message", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.show()
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        self.shown_at = time.perf_counter()

    def show(self) -> None:
        number = shown_phone(self.event.number, self.app.employee)
        with contextlib.suppress(Exception):  # a masked number stays as it is
            if "*" not in number:
                number = format_phone(number)
        self.query_one("#call-title", Label).update(
            _("Incoming call {number} ({state})").format(number=number, state=self.state)
        )
        body = Text("\n").join(caller_lines(self.caller))
        self.query_one("#call-caller", Static).update(body)
        known = self.caller is not None and self.caller.known
        self.query_one("#call-hint", Label).update(
            _("F2: open the card   F5: log the call   Escape: close")
            if known
            else _("Escape: close (the call is in the journal when it ends)")
        )

    def update_event(self, event: CallEvent) -> None:
        """``answeredTheCall`` / ``hangupTheCall`` of this call."""
        if event.kind == "answered":
            self.state = (
                _("answered by {line}").format(line=event.internal_number)
                if event.internal_number
                else _("answered")
            )
        elif event.kind == "hangup":
            self.state = _("ended")
        self.show()

    def show_error(self, text: str) -> None:
        self.query_one("#call-message", Label).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("open_card", "log"):
            return self.caller is not None and self.caller.known
        return True

    def action_open_card(self) -> None:
        from torgtui.screens.customer_card import CustomerCardScreen

        if self.caller is None or self.caller.customer_id is None:
            return
        customer_id = self.caller.customer_id
        self.dismiss(None)
        self.app.push_screen(CustomerCardScreen(customer_id))

    def action_log(self) -> None:
        if self.caller is None or self.caller.customer_id is None:
            return
        if self.logged:
            self.show_error(_("This call is logged on the card already."))
            return
        customer_id = self.caller.customer_id

        def typed(text: str | None) -> None:
            if text is None:
                return
            by, clock = self.app.employee, self.app.clock
            self.job(
                lambda: log_contact(customer_id, "call", text, direction="in", by=by, clock=clock),
                self.done_logging,
            )

        self.app.push_screen(
            AskScreen(_("What was the call about? (Enter with nothing: just log the call)")),
            typed,
        )

    def done_logging(self, _contact: object) -> None:
        self.logged = True
        self.query_one("#call-message", Label).update(_("The call is logged on the card."))

    def action_close(self) -> None:
        self.dismiss(None)


class Telephony:
    """The endpoint and the poller of one app, started and stopped with it."""

    def __init__(self, app: TorgApp) -> None:
        self.app = app
        self.hook: BinotelHook | None = None
        self.stopping = threading.Event()
        self.poll_thread: threading.Thread | None = None

    def start(self) -> None:
        """Start what ``[binotel]`` asks for; a problem is said on screen, never fatal."""
        conf = self.app.settings.binotel
        loop = asyncio.get_running_loop()
        if conf.listen.strip():

            def on_event(event: CallEvent) -> None:  # the endpoint's thread
                with contextlib.suppress(RuntimeError):  # the app is closing
                    self.app.call_from_thread(self.deliver, event)

            try:
                self.hook = BinotelHook(
                    listen=conf.listen,
                    allow=conf.allow,
                    company_id=conf.company_id,
                    on_event=on_event,
                    clock=self.app.clock,
                ).start()
            except TorgError as exc:
                self.app.notify(exc.message, severity="error", timeout=15)
        if conf.key and conf.secret and conf.poll_minutes > 0:
            self.poll_thread = threading.Thread(
                target=self.poll_forever, args=(loop,), name="binotel-poll", daemon=True
            )
            self.poll_thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.hook is not None:
            self.hook.stop()
            self.hook = None

    def poll_forever(self, loop: asyncio.AbstractEventLoop) -> None:
        from torgtui import db
        from torgtui.channels.binotel import Poller, client_from_settings

        client = client_from_settings(self.app.settings)
        if client is None:
            return
        poller = Poller(client, self.app.settings.binotel.poll_minutes, clock=self.app.clock)
        said = ""
        try:
            while not self.stopping.is_set():
                if poller.due():
                    try:
                        with db.database.connection_context():
                            poller.run()
                    except Exception as exc:  # the poller must outlive a bad answer
                        poller.last_message = _(
                            "Binotel calls could not be stored: {error}"
                        ).format(error=type(exc).__name__)
                    if poller.last_message and poller.last_message != said:
                        message = poller.last_message
                        with contextlib.suppress(RuntimeError):
                            loop.call_soon_threadsafe(
                                partial(self.app.notify, message, severity="warning")
                            )
                    said = poller.last_message
                self.stopping.wait(POLL_CHECK_SECONDS)
        finally:
            client.close()

    def deliver(self, event: CallEvent) -> None:
        """On the UI thread: a new incoming call pops up; later events update its popup."""
        app = self.app
        if event.kind == "received":
            if event.direction != "in" or app.employee is None or app.is_locked:
                return
            app.push_screen(IncomingCallScreen(event))
            return
        for screen in app.screen_stack:
            if (
                isinstance(screen, IncomingCallScreen)
                and screen.event.general_call_id == event.general_call_id
            ):
                screen.update_event(event)


def start_telephony(app: TorgApp) -> Telephony:
    telephony = Telephony(app)
    telephony.start()
    return telephony
