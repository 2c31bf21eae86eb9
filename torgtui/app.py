"""The Textual app: login, the home menu of areas, lock (key and idle time) and log out.

Only what the login screen needs is imported here; the home and area screens are imported when
first opened, so the register starts about as fast as an empty Textual app.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.console import RenderableType
from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from torgtui.clock import Clock, system_clock
from torgtui.config import Settings
from torgtui.errors import TorgError
from torgtui.i18n import _
from torgtui.idle_gc import TICK as IDLE_GC_TICK
from torgtui.idle_gc import IdleCollector
from torgtui.screens.login import LoginScreen
from torgtui.screens.scan_guard import DialogScanGuard
from torgtui.widgets.frame_diff import ShadowScreen

if TYPE_CHECKING:
    from textual.command import Provider

    from torgtui.hw.devices import DeviceHub
    from torgtui.models import Employee
    from torgtui.screens.areas import Area
    from torgtui.screens.home import HomeScreen

IDLE_CHECK_SECONDS = 5.0
ACTIVITY_EVENTS = (
    events.Key,
    events.MouseDown,
    events.MouseScrollDown,
    events.MouseScrollUp,
    events.Paste,
)


def cursor_blinks(setting: str, environ: Mapping[str, str]) -> bool:
    """ "on", "off", or "auto": off over SSH (sshd sets SSH_CONNECTION and, with a terminal,
    SSH_TTY), where every blink repaints the field and the bytes are the cashier's bandwidth."""
    if setting == "auto":
        return not (environ.get("SSH_CONNECTION") or environ.get("SSH_TTY"))
    return setting == "on"


def _area_commands() -> type[Provider]:
    from torgtui.screens.commands import AreaCommands

    return AreaCommands


AREA_SCREENS = {  # area id -> (module, screen class), imported when the area opens
    "settings": ("torgtui.screens.settings", "SettingsScreen"),
    "sale": ("torgtui.screens.sale", "SaleScreen"),
    "customers": ("torgtui.screens.customers", "CustomerListScreen"),
    "vip": ("torgtui.screens.vip", "VipListScreen"),
    "loyalty": ("torgtui.screens.loyalty", "LoyaltyScreen"),
    "certificates": ("torgtui.screens.certificates", "CertificatesScreen"),
    "partners": ("torgtui.screens.partners", "PartnersScreen"),
    "mailings": ("torgtui.screens.mailings", "MailingsScreen"),
    "invoices": ("torgtui.screens.invoices", "InvoicesScreen"),
    "audit": ("torgtui.screens.audit", "AuditScreen"),
    "stock": ("torgtui.screens.stock_documents", "StockDocumentsScreen"),
}


class TorgApp(App[None]):
    """The register's app. ``employee`` is who is logged in (None on the login screen)."""

    COMMANDS = {_area_commands}
    MODES = {"register": LoginScreen}  # a mode (not the default screen) so login.tcss loads
    DEFAULT_MODE = "register"
    BINDINGS = [
        Binding("ctrl+l", "lock", _("Lock"), priority=True, id="app.lock"),
        Binding("ctrl+o", "logout", _("Log out"), id="app.logout"),
        # Textual adds its own English "palette" key unless the app declares one
        Binding(
            "ctrl+p",
            "command_palette",
            _("palette"),
            show=False,
            priority=True,
            tooltip=_("Open the command palette"),
            id="app.palette",
        ),
    ]

    def __init__(self, settings: Settings, *, clock: Clock = system_clock) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.terminal = settings.store.register
        self.employee: Employee | None = None
        self.devices: DeviceHub | None = None  # the register's devices, from login to logout
        self.last_activity = clock()
        self.is_locked = False
        self.title = settings.store.name
        register = settings.register
        self.scan_guard = DialogScanGuard(register.wedge_max_gap_ms, register.wedge_min_length)
        self.cursor_blink = cursor_blinks(settings.ui.cursor_blink, os.environ)
        self.shadow = ShadowScreen()  # what the terminal shows (see _display)
        self.idle_gc: IdleCollector | None = None  # set by `torgtui run` (torgtui.idle_gc)

    def on_mount(self) -> None:
        self.exit_on_hangup()
        if self.idle_gc is not None:  # collections between keys, never during a scan
            # from a second after the start: its full collection is not on the way to the
            # login screen
            self.set_timer(1.0, self.idle_gc.start)
            self.set_interval(IDLE_GC_TICK, self.idle_gc.tick)
        if self.settings.ui.idle_lock_seconds > 0:
            self.set_interval(IDLE_CHECK_SECONDS, self.check_idle_lock)
        self.message_worker = self.start_messages()
        binotel = self.settings.binotel
        if binotel.listen.strip() or (binotel.key and binotel.poll_minutes):
            from torgtui.screens.incoming_call import start_telephony  # only when configured

            self.telephony = start_telephony(self)

    def exit_on_hangup(self) -> None:
        """The terminal hung up (an SSH link dropped, a kiosk's terminal closed): end the app.
        Started with SIGHUP ignored (nohup, some session launchers), Textual's input thread
        would read the dead terminal's end-of-file forever at one core's full speed. The open
        receipt is saved at every change, so nothing is lost."""
        import asyncio
        import signal

        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.hung_up)

    def _display(self, screen: Screen, renderable: RenderableType | None) -> None:
        """Frames of a screen with ``diff_frames`` go out as only the cells that changed
        (torgtui.widgets.frame_diff); any other screen's frames as Textual renders them."""
        if (
            renderable is not None
            and getattr(screen, "diff_frames", False)
            and screen is self.screen
            and not self._batch_count
            and not self.is_headless
        ):
            diffed = self.shadow.frame(screen, self.size.width, renderable, self.console)
            if diffed is not None:
                renderable = diffed
        elif renderable is not None:
            self.shadow.forget()
        super()._display(screen, renderable)

    def hung_up(self) -> None:
        os._exit(129)  # nowhere to draw or restore: leave at once (128 + SIGHUP)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, ACTIVITY_EVENTS):
            self.last_activity = self.clock()
            if self.idle_gc is not None:
                self.idle_gc.input()
        if (
            isinstance(event, events.Key)
            and not event.is_forwarded  # not again when it bubbles back up to the app
            and self.scan_guard.swallow(self, event)
        ):
            return  # a scan's Enter in a dialog: refused (see DialogScanGuard)
        await super().on_event(event)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """A field taking the focus blinks its cursor only when ``ui.cursor_blink`` says so."""
        widget = event.widget
        if not self.cursor_blink and getattr(widget, "cursor_blink", False):
            widget.cursor_blink = False  # type: ignore[attr-defined]

    def action_help_quit(self) -> None:
        """Ctrl+C does not quit (Textual's own hint, in the interface language)."""
        self.notify(_("Press Ctrl+Q to quit the register."), title=_("Quit?"))

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                CommandPalette(placeholder=_("Type an area or a command…"), id="--command-palette")
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "lock":
            return self.employee is not None and not self.is_locked
        if action == "logout":
            return self.employee is not None
        if action == "command_palette":
            return self.employee is not None and not self.is_locked
        return True

    # --- session ----------------------------------------------------------------------------

    def logged_in(self, employee: Employee) -> None:
        """Called by the login screen after a right PIN: open the home menu."""
        from torgtui.screens.home import HomeScreen

        self.employee = employee
        self.last_activity = self.clock()
        self.is_locked = False
        self.open_devices()
        self.push_screen(HomeScreen())
        from torgtui.screens.reminders import show_due_reminders

        show_due_reminders(self)

    def open_devices(self) -> None:
        """Build the DeviceHub; a serial scanner's reads reach the sale screen as messages, and
        the audio player's fallback bell rings on the app's thread."""
        import asyncio

        from torgtui.hw.devices import DeviceHub

        self.close_devices()
        loop = asyncio.get_running_loop()

        def on_scan(code: str) -> None:
            with contextlib.suppress(RuntimeError):  # the app is closing
                loop.call_soon_threadsafe(self.deliver_scan, code)

        def on_status(text: str) -> None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.notify, text)

        last_blocked: list[str] = [""]

        def on_fiscal(state) -> None:  # a QueueState, from the sender thread
            message = state.blocked_message or ""
            if message and message != last_blocked[0]:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(
                        lambda: self.notify(message, severity="error", timeout=15)
                    )
            last_blocked[0] = message

        def on_bell() -> None:  # the audio player could not play: from its thread
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.bell)

        self.devices = DeviceHub(
            self.settings,
            on_scan=on_scan,
            on_status=on_status,
            on_fiscal=on_fiscal,
            on_bell=on_bell,
            clock=self.clock,
        )
        for message in self.devices.messages:
            self.notify(message, severity="warning", timeout=10)

    def start_messages(self):  # -> MessageWorker | None
        """The outbox's sender in a thread (torgtui.channels.worker): sends every few seconds,
        polls statuses every messages.poll_minutes; a problem is a toast, once."""
        m = self.settings.messages
        if m.sms_gateway == "none" and m.email_gateway == "none":
            return None
        import asyncio

        from torgtui.channels.worker import MessageWorker

        loop = asyncio.get_running_loop()

        def on_problem(text: str) -> None:
            message = _("Messages are not being sent: {problem}").format(problem=text[:200])
            with contextlib.suppress(RuntimeError):  # the app is closing
                loop.call_soon_threadsafe(lambda: self.notify(message, severity="warning"))

        return MessageWorker(self.settings, clock=self.clock, on_problem=on_problem).start()

    def deliver_scan(self, code: str) -> None:
        """A serial scanner read ``code``: hand it to the sale screen, if one is open."""
        from torgtui.screens.sale import BarcodeScanned, SaleScreen

        if callable(getattr(self.screen, "take_scan", None)):  # a screen that counts scans
            self.screen.take_scan(code)  # (a stock document: torgtui.screens.stock_documents)
            return
        sale = next((s for s in self.screen_stack if isinstance(s, SaleScreen)), None)
        if sale is None:
            self.bell()
            self.notify(_("Open the sale screen (key 1) to sell what you scanned."))
            return
        sale.post_message(BarcodeScanned(code))

    def close_devices(self) -> None:
        if self.devices is not None:
            self.devices.close()
            self.devices = None

    def on_unmount(self) -> None:
        if self.idle_gc is not None:
            self.idle_gc.stop()
        self.close_devices()
        if getattr(self, "message_worker", None) is not None:
            self.message_worker.stop()
        if getattr(self, "telephony", None) is not None:
            self.telephony.stop()
        from torgtui.screens.payment import close_writer_connection

        close_writer_connection()  # the till writer's connection to this shop

    def logout(self) -> None:
        """Back to the login screen, closing every area (and the lock screen)."""
        self.employee = None
        self.close_devices()
        self.is_locked = False
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_logout(self) -> None:
        self.logout()

    def action_lock(self) -> None:
        """Hide the screen until the logged-in employee types their PIN."""
        from torgtui.screens.lock import LockScreen

        if self.employee is None or self.is_locked:
            return
        self.is_locked = True
        self.push_screen(LockScreen(self.employee))

    def unlocked(self, employee: Employee) -> None:
        """Called by the lock screen after the right PIN."""
        from torgtui.screens.lock import LockScreen

        self.employee = employee
        self.last_activity = self.clock()
        self.is_locked = False
        if isinstance(self.screen_stack[-1], LockScreen):
            self.pop_screen()

    def check_idle_lock(self) -> bool:
        """Lock if nobody pressed a key or clicked for ``ui.idle_lock_seconds``; True if it did."""
        limit = self.settings.ui.idle_lock_seconds
        if limit <= 0 or self.employee is None or self.is_locked:
            return False
        if (self.clock() - self.last_activity).total_seconds() < limit:
            return False
        self.action_lock()
        return True

    # --- areas ------------------------------------------------------------------------------

    def home_screen(self) -> HomeScreen | None:
        from torgtui.screens.home import HomeScreen

        return next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)

    def open_area(self, area_id: str) -> None:
        """Open an area from home, a key or the palette; a role without its permission gets the
        service's PermissionDenied message on the home screen instead."""
        from torgtui.screens.areas import area_by_id, require_open

        home = self.home_screen()
        if home is None or self.is_locked:
            return
        while self.screen_stack[-1] is not home:
            self.pop_screen()
        area = area_by_id(area_id)
        try:
            require_open(area, self.employee)
        except TorgError as exc:
            home.show_message(exc.message)
            return
        home.show_message("")
        self.push_screen(self.area_screen(area))

    def area_screen(self, area: Area) -> Screen:
        """The screen for ``area``: a real one where built, else one that says it is not."""
        found = AREA_SCREENS.get(area.id)
        if found is None:
            from torgtui.screens.area import PendingAreaScreen

            return PendingAreaScreen(area)
        module, name = found
        return getattr(importlib.import_module(module), name)(area)
