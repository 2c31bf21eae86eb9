"""A compositor that renders only the widgets a partial update shows (the sale screen's).

When some widgets change, Textual's compositor redraws the regions they cover: it takes the
box around every changed region and asks *each widget whose clip overlaps that box* for its
lines. A widget's clip is its container's area, so on the sale screen a change of the code
field alone had every widget of the screen render its lines (11-15 of them, 0.04-0.6 ms each:
0.8-2 ms a frame in a trace of bench till, docs/performance.md), and their lines were then
dropped: only the changed regions are written. Here a widget is asked only if what shows of
it overlaps a changed region (the widgets beside a changed one on its rows are not: the
cells written are the regions'); what goes to the terminal is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual._compositor import ChopsUpdate, Compositor

if TYPE_CHECKING:
    from textual.geometry import Region
    from textual.widget import Widget


class SparseCompositor(Compositor):
    """Textual's compositor; a partial update renders only the widgets in its regions."""

    _drawn: Sequence[Region] | None = None  # the regions being redrawn, during a render

    @property
    def visible_widgets(self) -> dict[Widget, tuple[Region, Region]]:
        widgets = Compositor.visible_widgets.fget(self)  # type: ignore[attr-defined]
        drawn = self._drawn
        if drawn is None:  # anything but the renders of a partial update: every widget
            return widgets
        shown = {}
        for widget, (region, clip) in widgets.items():
            visible = region.intersection(clip)
            if any(visible.overlaps(changed) for changed in drawn):
                shown[widget] = (region, clip)
        return shown

    def render_partial_update(self) -> ChopsUpdate | None:
        self.cuts  # noqa: B018 -- computed (and kept) from every widget, before the filter
        self._drawn = list(self._dirty_regions)
        try:
            return super().render_partial_update()
        finally:
            self._drawn = None


__all__ = ["SparseCompositor"]
