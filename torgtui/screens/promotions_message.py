"""The message line of the promotions area's screens (``#promotions-message``): one place for
what a dozen screens say and for the tests that read it back."""

from __future__ import annotations

from typing import Any

from textual.widgets import Label

MESSAGE = "#promotions-message"


class PromotionsMessage:
    """Mixin for a screen with a ``Label(id="promotions-message")``: ``say`` shows a text (an
    empty one hides the line), ``message`` is what it shows."""

    query_one: Any  # the Screen's

    def say(self, text: str) -> None:
        message = self.query_one(MESSAGE, Label)
        message.update(text)
        message.display = bool(text)

    @property
    def message(self) -> str:
        return str(self.query_one(MESSAGE, Label).content)
