"""The sale screen's compositor (torgtui.widgets.compositor): a partial update asks only the
widgets in the regions it redraws for their lines, and what it writes is what Textual's own
compositor writes for the same change, a layered panel over the rows included."""

from __future__ import annotations

import pytest
from textual._compositor import Compositor
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Label

from torgtui.widgets.compositor import SparseCompositor


class Rows(Screen):
    """Like the sale screen: rows of labels in containers, and a panel on a layer above."""

    DEFAULT_CSS = """
    Rows { layers: base panel; }
    #panel { layer: panel; width: 20; height: 3; offset: 4 1; background: red; }
    Label { width: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._compositor = SparseCompositor()

    def compose(self) -> ComposeResult:
        yield Label("panel over rows 1-3", id="panel")
        with Vertical():
            for row in range(6):
                with Horizontal(classes="row"):
                    yield Label(f"left {row}", id=f"l{row}")
                    yield Label(f"right {row}", id=f"r{row}")


class RowsApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(Rows())


@pytest.mark.parametrize("changed", [["r4"], ["l0"], ["r2"], ["l1", "r5"]])
async def test_a_partial_update_writes_the_same_and_asks_only_the_widgets_it_changes(
    monkeypatch: pytest.MonkeyPatch, changed: list[str]
) -> None:
    app = RowsApp()
    async with app.run_test(size=(40, 8)) as pilot:
        await pilot.pause()
        screen = app.screen
        compositor = screen._compositor
        assert isinstance(compositor, SparseCompositor)
        widgets = [screen.query_one(f"#{name}", Label) for name in changed]
        for label in widgets:
            label.update("changed")
        compositor.update_widgets(set(widgets))
        regions = list(compositor._dirty_regions)

        asked: list[Widget] = []
        render_lines = Widget.render_lines

        def counted(self: Widget, crop: Region) -> list:
            asked.append(self)
            return render_lines(self, crop)

        monkeypatch.setattr(Widget, "render_lines", counted)
        sparse = compositor.render_partial_update()
        sparse_asked = list(asked)
        asked.clear()
        compositor._dirty_regions.update(regions)
        full = Compositor.render_partial_update(compositor)  # Textual's own

        assert sparse is not None and full is not None
        assert sparse.render_segments(app.console) == full.render_segments(app.console)
        in_regions = [
            widget
            for widget, (region, clip) in compositor.visible_widgets.items()
            if any(region.intersection(clip).overlaps(r) for r in regions)
        ]
        assert sparse_asked == in_regions  # the changed labels, what is under and over them
        assert set(widgets) <= set(sparse_asked)
        others = {f"l{row}" for row in range(6)} | {f"r{row}" for row in range(6)}
        assert not {w.id for w in sparse_asked} & (others - set(changed))  # not their row's
        assert len(asked) > len(sparse_asked)  # Textual's asked the others too
        # outside a partial update every widget is visible, as in Textual's compositor
        assert compositor.visible_widgets == Compositor.visible_widgets.fget(compositor)
