"""Scans never answer a dialog. A keyboard-wedge scanner types its code and presses Enter; in
a dialog that Enter would confirm whatever is asked ("Cancel this receipt?") or submit the
digits as an amount. The app feeds every key to :class:`DialogScanGuard` while a dialog is
open: when Enter ends a scanner's burst, the Enter is swallowed, the field the burst typed
into is put back as it was, and the cashier is told to close the dialog and scan again.

A burst's keys after the first are also kept from a dialog with no text field (where letters
are shortcuts, like Y for yes). Dialogs that take a scan on purpose (the customer's card)
set ``accepts_scans = True``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.screen import ModalScreen
from textual.widgets import Input

from torgtui.hw.scanner import WedgeDetector
from torgtui.i18n import _

if TYPE_CHECKING:
    from textual.app import App

ENTER_KEYS = frozenset({"enter", "ctrl+m", "ctrl+j"})


def guarded(screen: object) -> bool:
    """Whether scans are kept from the fields of ``screen``: our own dialogs, unless they take
    scans, and a screen that holds them meanwhile (the sale screen while paying)."""
    if getattr(screen, "holds_scans", False):
        return True
    if not isinstance(screen, ModalScreen) or getattr(screen, "accepts_scans", False):
        return False
    return not type(screen).__module__.startswith("textual.")  # the command palette


class DialogScanGuard:
    """Tells a scan from typing in dialogs (with the sale screen's rule) and refuses it."""

    def __init__(self, max_gap_ms: int = 30, min_length: int = 6) -> None:
        self.detector = WedgeDetector(max_gap_ms, min_length)
        self.max_gap = max_gap_ms / 1000
        self._last: float | None = None
        self._before: tuple[Input, str] | None = None  # the field and its text before a burst
        self.refused = 0  # scans refused so far (tests and the bench read it)

    def reset(self) -> None:
        self.detector.reset()
        self._last = None
        self._before = None

    def swallow(self, app: App, event: events.Key) -> bool:
        """Feed one key; True when the app must drop it (it belongs to a refused scan)."""
        screen = app.screen
        if not guarded(screen):
            self.reset()
            return False
        now = event.time
        fast = self._last is not None and now - self._last < self.max_gap
        focused = screen.focused
        if event.is_printable and event.character:
            if not fast:
                self._before = (focused, focused.value) if isinstance(focused, Input) else None
            self.detector.feed(event.character, now)
            self._last = now
            # a burst is never a person pressing a dialog's letter shortcuts
            return fast and not isinstance(focused, Input)
        scanned = self.detector.feed(event.key, now)
        before, self._before, self._last = self._before, None, None
        if scanned is None or event.key not in ENTER_KEYS:
            return False
        if before is not None and before[0].is_attached:
            field, text = before
            # after the burst's keys still queued for the field, not before them
            field.call_later(setattr, field, "value", text)
        if getattr(screen, "holds_scans", False):
            screen.hold_scan(scanned)  # type: ignore[attr-defined]  # entered when it closes
            return True
        self.refused += 1
        app.bell()
        app.notify(
            _("A scan does not answer a dialog: finish or close it (Escape), then scan again."),
            severity="warning",
        )
        return True
