"""The sale screen's code field (telling a scanner from typing), the serial scanner's message,
and reading what the cashier types for a customer or a discount."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from textual import events
from textual.message import Message
from textual.widgets import Input

from torgtui.errors import ValidationError
from torgtui.hw.scanner import WedgeDetector
from torgtui.i18n import _
from torgtui.money import parse_money


class BarcodeScanned(Message):
    """A serial scanner read ``code`` (posted by the app from the scanner's thread)."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


class CodeInput(Input):
    """The code field: feeds every key to the wedge detector; "*" and Enter become messages."""

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

    def __init__(
        self,
        detector: WedgeDetector,
        is_code: Callable[[str], bool] = lambda _text: True,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.detector = detector
        self.is_code = is_code  # does this text name a product? (to mend split bursts)

    async def _on_key(self, event: events.Key) -> None:
        if event.character == "*":
            event.stop()
            event.prevent_default()
            self.detector.reset()
            self.post_message(self.Star(self.value))
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
                self.post_message(self.Entered(text, scanned))
            return
        self.detector.feed(event.character if event.is_printable else event.key, event.time)
        await super()._on_key(event)


def parse_discount(text: str) -> tuple[Decimal | None, int | None]:
    """ "10%" -> (10, None); "25.50" -> (None, 2550)."""
    text = text.strip()
    if text.endswith("%"):
        try:
            return Decimal(text[:-1].strip().replace(",", ".")), None
        except InvalidOperation:
            raise ValidationError(
                _("{text!r} is not a percent: type it like 10%.").format(text=text)
            ) from None
    return None, parse_money(text)
