"""The sale screen's code field (telling a scanner from typing), the serial scanner's message,
and reading what the cashier types for a customer or a discount."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from textual import events
from textual.actions import SkipAction
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input

from torgtui.errors import ValidationError
from torgtui.hw.scanner import WedgeDetector
from torgtui.i18n import _
from torgtui.values import check_percent, parse_money


class BarcodeScanned(Message):
    """A serial scanner read ``code`` (posted by the app from the scanner's thread)."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


class CodeInput(Input):
    """The code field: feeds every key to the wedge detector; "*" and Enter become messages.

    Input sets its ``virtual_size`` (how far its text scrolls) on every change of its value,
    and ``virtual_size`` is a layout reactive: each key of a scan asked for a layout pass of the
    whole screen (a reflow of every widget, 3-8 ms on a thin terminal, docs/performance.md).
    The field is one row of a fixed width, so its size never depends on its text: here the
    virtual size only repaints the field (scrolling still reads it).

    A scanner's burst reaches the field as 14 keys queued at once, and Input inserts each
    (the value and the cursor set, their watchers run, a refresh asked): 0.1-0.2 ms a key, 1.5-3
    ms a scan before Enter was seen (a trace of bench till, docs/performance.md). Here a
    printable key whose next message is already queued is only kept (``_typed``): the keys
    behind it are inserted together by the last one, or before any other message reaches the
    field (Enter, "*", a paste, a click, losing the focus), so what it holds and where its
    cursor is are never seen stale. Typed by hand, each key finds the queue empty and goes in
    at once, as before."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    # End: the receipt paid in exact cash at once, the peer till's cash key (docs/till.md).
    # In the code field it only moved the cursor to the end of a code typed by hand. Taken
    # first as the app gets the key (a priority binding: see action_pay_at_once); the plain
    # binding is the way behind whatever is still on its way into the field.
    BINDINGS = [
        Binding("end", "pay_at_once", show=False, priority=True, id="sale.pay_exact"),
        Binding("end", "screen.pay_exact", show=False, id="sale.pay_exact"),
    ]

    def post_message(self, message: Message) -> bool:
        """Input posts Changed on every key, and it bubbles through the field's container, the
        screen and the app: four message hops a key, 14 keys a scan, for a message nobody
        listens to here (the screen acts on Enter and "*"). It is not sent."""
        if isinstance(message, Input.Changed):
            return True
        return super().post_message(message)

    class Entered(Message):
        """Enter: ``scanned`` is the scanner's burst when the keys were a scan, else None."""

        def __init__(self, text: str, scanned: str | None) -> None:
            super().__init__()
            self.text = text
            self.scanned = scanned

    class Star(Message):
        """ "*" typed after a quantity: ``text`` is what stood in the field."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Why(Message):
        """ "?": the cashier asks why the selected line costs what it does (F11 too)."""

    def __init__(
        self,
        detector: WedgeDetector,
        is_code: Callable[[str], bool] = lambda _text: True,
        on_entered: Callable[[str, str | None], object] | None = None,
        on_star: Callable[[str], object] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.detector = detector
        self.is_code = is_code  # does this text name a product? (to mend split bursts)
        # called at once on Enter, in this key's handler, instead of posting Entered: the
        # field's clearing and what the code did then reach the screen in one frame (a
        # message was a hop through the screen's queue, and the frame timer drew the cleared
        # field alone first: two frames and a frame interval more, docs/performance.md)
        self.on_entered = on_entered
        self.on_star = on_star  # "3*" the same way, so it is handled before the scan behind it
        self._typed = ""  # printable keys of a burst not yet in the value (see the class)

    def action_pay_at_once(self) -> None:
        """End as the app gets it: a key that is not a priority binding goes from the app to
        the field, then bubbles back up through its containers and the screen to the app,
        whose bindings then run (five queues, ~1 ms of End -> "paid" in a trace of bench
        till, docs/performance.md). Only when nothing typed or scanned is still on its way
        into the field: otherwise End would pay before the keys ahead of it are in, so it
        is skipped here and goes the usual way behind them."""
        if self._typed or self.message_queue_size:
            raise SkipAction()
        self.screen.action_pay_exact()  # type: ignore[attr-defined]

    def flush_typed(self) -> None:
        """Insert the keys kept from a burst, as Input inserts a key (over a selection too)."""
        if not self._typed:
            return
        text, self._typed = self._typed, ""
        self._restart_blink()
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *selection)

    async def _dispatch_message(self, message: Message) -> None:
        # anything but a printable key sees the field whole: the kept keys go in first
        if self._typed and not (isinstance(message, events.Key) and message.is_printable):
            self.flush_typed()
        await super()._dispatch_message(message)

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable and event.character not in ("*", "?"):
            assert event.character is not None
            self.detector.feed(event.character, event.time)
            event.stop()
            event.prevent_default()
            self._typed += event.character
            if not self.message_queue_size:  # the last key queued: the burst goes in now
                self.flush_typed()
            return
        self.flush_typed()
        if event.character == "*":
            event.stop()
            event.prevent_default()
            self.detector.reset()
            text = self.value
            # cleared here (in the field's own queue) for the reason Enter is: a scan right
            # behind "3*" must neither be wiped nor land after the quantity's digits
            self.value = ""
            if self.on_star is not None:
                self.on_star(text)
            else:
                self.post_message(self.Star(text))
            return
        if event.character == "?":  # never part of a code: what is typed stays
            event.stop()
            event.prevent_default()
            self.post_message(self.Why())
            return
        if event.key in ("enter", "tab", "ctrl+j"):
            scanned = self.detector.feed(event.key, event.time)
            event.stop()
            event.prevent_default()
            if event.key == "enter" or scanned:
                text = self.value
                if (
                    scanned
                    and len(text) > len(scanned)
                    and not self.is_code(scanned)
                    and self.is_code(text)
                ):
                    # a stall of the terminal reader split one scan's burst: the "typed"
                    # digits before it are the start of the same barcode
                    scanned = text
                # Cleared here, in the field's own queue, before the next key is handled: if
                # the screen cleared it on the Entered message, the first digits of a scan
                # that follows quickly would already be in the field and be wiped with it.
                if scanned and text.endswith(scanned) and len(text) > len(scanned):
                    self.value = text[: -len(scanned)]  # the cashier's typing stays
                else:
                    self.value = ""
                if self.on_entered is not None:
                    self.on_entered(text, scanned)
                else:
                    self.post_message(self.Entered(text, scanned))
            return
        self.detector.feed(event.character if event.is_printable else event.key, event.time)
        await super()._on_key(event)


@dataclass(frozen=True)
class DiscountEntry:
    """What was typed in the F5 dialog: a percent, an amount off, or a new unit price."""

    percent: Decimal | None = None
    amount: int | None = None
    price: int | None = None


def parse_discount(text: str, *, allow_price: bool = True) -> DiscountEntry:
    """ "10%" -> 10 percent; "25.50" -> 25.50 off; "=120" -> sell at 120.00 a unit (a price
    change, on a line only). Each through :mod:`torgtui.values`: nothing is guessed."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Type 10% for a percent, 25.50 for an amount off."))
    if text.startswith("="):
        if not allow_price:
            raise ValidationError(
                _("A new price is for one line: select the line and press F5 there.")
            )
        return DiscountEntry(price=parse_money(text[1:], _("The new price")))
    if text.endswith("%"):
        return DiscountEntry(percent=check_percent(text, _("A discount in percent")))
    amount = parse_money(text, _("The discount"))
    if amount <= 0:
        raise ValidationError(_("The discount must be more than zero."))
    return DiscountEntry(amount=amount)
