"""The register's key line: the keys that act now, one row, as Textual's compact footer shows
them ("f12 Pay f3 Find ..."), drawn as one piece of text.

Textual's :class:`~textual.widgets.Footer` recomposes itself (a widget per key, mounted and
styled, then a layout pass of the screen) every time the screen's bindings are refreshed, which
is on every change of focus: opening and closing the payment panel cost 3-4 such passes, 4-10 ms
each on a thin terminal (docs/performance.md). This line listens to the same signal, works out
the same keys from ``screen.active_bindings`` and updates its text only when it changed: no
widgets mounted, no layout. It is for the sale screen, where every millisecond is the cashier's;
the other screens keep Textual's footer (it also takes mouse clicks).
"""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static


class KeyLine(Static):
    """The active keys with ``show=True`` bindings, in the footer's colours."""

    COMPONENT_CLASSES = {"key-line--key", "key-line--description"}
    DEFAULT_CSS = """
    KeyLine {
        dock: bottom;
        height: 1;
        width: 100%;
        text-wrap: nowrap;
        background: $footer-background;
    }
    KeyLine > .key-line--key {
        color: $footer-key-foreground;
        background: $footer-key-background;
        text-style: bold;
    }
    KeyLine > .key-line--description {
        color: $footer-description-foreground;
        background: $footer-description-background;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.keys: list[tuple[str, str]] = []  # (key as shown, description) on the line

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self.bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def active_keys(self) -> list[tuple[str, str]]:
        """(key as shown, description) of each shown and enabled binding, one per action, in
        the order the footer shows them."""
        seen: set[str] = set()
        keys: list[tuple[str, str]] = []
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((self.app.get_key_display(binding), binding.description))
        return keys

    def bindings_changed(self, screen: Screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        keys = self.active_keys()
        if keys == self.keys:
            return
        self.keys = keys
        key_style = self.get_component_rich_style("key-line--key")
        text_style = self.get_component_rich_style("key-line--description")
        line = Text(no_wrap=True, overflow="crop")
        for i, (key, description) in enumerate(keys):
            if i:
                line.append(" ", text_style)
            line.append(key, key_style)
            line.append(f" {description}" if description else "", text_style)
        self.update(line, layout=False)
