"""The sale screen's compositor (torgtui.widgets.compositor): a partial update asks only the
widgets on the rows it redraws for their lines, and what it draws is what Textual's own
compositor draws for the same change, a layered panel over the rows included."""

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


def strips(chops: list[dict[int, object]], rows: set[int]) -> dict[int, list[object]]:
    """The segments drawn on ``rows``, cut by cut."""
    return {
        y: [(cut, list(strip) if strip is not None else None) for cut, strip in chops[y].items()]
        for y in sorted(rows)
    }


@pytest.mark.parametrize("changed", [["r4"], ["l0"], ["r2"], ["l1", "r5"]])
async def test_a_partial_update_draws_the_same_and_asks_only_the_widgets_on_its_rows(
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
        compositor._dirty_regions.clear()
        rows = {y for y, _, _ in compositor._regions_to_spans(regions)}
        crop = Region.from_union(regions)

        asked: list[Widget] = []
        render_lines = Widget.render_lines

        def counted(self: Widget, crop: Region) -> list:
            asked.append(self)
            return render_lines(self, crop)

        monkeypatch.setattr(Widget, "render_lines", counted)
        sparse = compositor._render_chops(crop, rows.__contains__)
        sparse_asked = list(asked)
        asked.clear()
        full = Compositor._render_chops(compositor, crop, rows.__contains__)  # Textual's own

        assert strips(list(sparse), rows) == strips(list(full), rows)
        on_rows = [
            widget
            for widget, (region, clip) in compositor.visible_widgets.items()
            if rows & set(region.intersection(clip).line_range)
        ]
        assert sparse_asked == on_rows  # the changed labels, their row's, the panel if over
        assert set(widgets) <= set(sparse_asked)
        assert len(asked) > len(sparse_asked)  # Textual's asked the other rows' widgets too
        # outside a partial update every widget is visible, as in Textual's compositor
        assert compositor.visible_widgets == Compositor.visible_widgets.fget(compositor)
