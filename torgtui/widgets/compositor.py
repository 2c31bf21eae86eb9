"""A compositor that renders only the widgets a partial update shows (the sale screen's).

When some widgets change, Textual's compositor redraws the rows they cover: it takes the box
around every changed region and asks *each widget whose clip overlaps that box* for its lines.
A widget's clip is its container's area, so on the sale screen a change of the code field
alone had every widget of the screen render its lines (11-15 of them, 0.04-0.6 ms each: 0.8-2
ms a frame in a trace of bench till, docs/performance.md), and their lines were then dropped
because none of their rows was redrawn. Here a widget is asked only if one of its visible rows
is among the rows redrawn; what goes to the terminal is the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual._compositor import Compositor

if TYPE_CHECKING:
    from textual.geometry import Region
    from textual.strip import Strip
    from textual.widget import Widget


class SparseCompositor(Compositor):
    """Textual's compositor; a partial update renders only the widgets on its rows."""

    _rows: Callable[[int], bool] | None = None  # the rows being redrawn, during a render

    @property
    def visible_widgets(self) -> dict[Widget, tuple[Region, Region]]:
        widgets = Compositor.visible_widgets.fget(self)  # type: ignore[attr-defined]
        drawn = self._rows
        if drawn is None:  # anything but the renders of a partial update: every widget
            return widgets
        return {
            widget: (region, clip)
            for widget, (region, clip) in widgets.items()
            if any(map(drawn, region.intersection(clip).line_range))
        }

    def _render_chops(
        self, crop: Region, is_rendered_line: Callable[[int], bool]
    ) -> Sequence[dict[int, Strip]]:
        self.cuts  # noqa: B018 -- computed (and kept) from every widget, before the filter
        self._rows = is_rendered_line
        try:
            return super()._render_chops(crop, is_rendered_line)  # type: ignore[return-value]
        finally:
            self._rows = None


__all__ = ["SparseCompositor"]
