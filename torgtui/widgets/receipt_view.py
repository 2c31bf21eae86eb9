"""The lines of the open receipt: text left, ``2 x 35.00 = 70.00`` right, discounts under their
line, the selected line highlighted.

A Line-API widget: :meth:`ReceiptLines.show` compares the new rows with the old ones and
refreshes only the rows that changed, so a scan redraws one or two rows, not the whole list.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from torgtui.money import format_money, format_qty
from torgtui.sales.basket import Basket


@dataclass(frozen=True)
class Row:
    """One screen row: ``line`` is the basket line it belongs to; ``kind`` "line" or "discount"."""

    line: int
    kind: str
    left: str
    right: str


def rows_of(basket: Basket) -> list[Row]:
    """The rows that show ``basket`` (priced): each line, then its adjustments."""
    rows: list[Row] = []
    for i, line in enumerate(basket.lines):
        money = format_money(line.unit_price, symbol=False)
        amount = format_money(line.subtotal, symbol=False)
        rows.append(Row(i, "line", line.name, f"{format_qty(line.qty)} x {money} = {amount}"))
        for adj in line.adjustments:
            if adj.amount:
                rows.append(
                    Row(
                        i,
                        "discount",
                        f"  {adj.reason or adj.step}",
                        format_money(-adj.amount, symbol=False),
                    )
                )
    return rows


class ReceiptLines(ScrollView, can_focus=False):
    """The receipt's rows, scrolling; ``selected`` is the index of the highlighted basket line."""

    COMPONENT_CLASSES = {"receipt-lines--selected", "receipt-lines--discount"}
    DEFAULT_CSS = """
    ReceiptLines {
        height: 1fr;
        /* no scrollbar: the header counts the lines; redrawing it cost most scans ~1 KB */
        scrollbar-size-vertical: 0;
        overflow-x: hidden;
    }
    ReceiptLines > .receipt-lines--selected {
        background: $accent;
        color: $text;
        text-style: bold;
    }
    ReceiptLines > .receipt-lines--discount {
        color: $success;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Row] = []
        self.selected: int | None = None
        self._cache: dict[tuple[Row, bool, int], Strip] = {}

    @property
    def line_count(self) -> int:
        return self.rows[-1].line + 1 if self.rows else 0

    def show(self, rows: list[Row], selected: int | None) -> None:
        """Show ``rows`` with line ``selected`` highlighted, redrawing only what changed."""
        old, old_selected = self.rows, self.selected
        self.rows, self.selected = rows, selected
        changed = [
            y
            for y in range(max(len(old), len(rows)))
            if y >= len(old)
            or y >= len(rows)
            or old[y] != rows[y]
            or (old[y].line == old_selected) != (rows[y].line == selected)
        ]
        if len(old) != len(rows):
            self.virtual_size = Size(self.size.width, len(rows))
        if len(self._cache) > 400:
            self._cache.clear()
        self._scroll_to_selected()
        if changed:
            width = self.size.width
            top = self.scroll_offset.y
            first, last = min(changed), max(changed)
            self.refresh(Region(0, first - top, width, last - first + 1))

    def _scroll_to_selected(self) -> None:
        if self.selected is None:
            return
        ys = [y for y, row in enumerate(self.rows) if row.line == self.selected]
        if not ys:
            return
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if ys[0] < top:
            self.scroll_to(y=ys[0], animate=False, immediate=True)
        elif height and ys[-1] >= top + height:
            self.scroll_to(y=ys[-1] - height + 1, animate=False, immediate=True)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.rows))
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, self.rich_style)
        row = self.rows[index]
        selected = row.line == self.selected
        key = (row, selected, width)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(row, selected, width)
            self._cache[key] = strip
        return strip

    def _render_row(self, row: Row, selected: bool, width: int) -> Strip:
        base = self.rich_style
        if selected:
            style = base + self.get_component_rich_style("receipt-lines--selected")
        elif row.kind == "discount":
            style = base + self.get_component_rich_style("receipt-lines--discount")
        else:
            style = base
        right = f" {row.right} "
        room = max(0, width - len(right) - 1)
        left = " " + row.left
        if len(left) > room:
            left = left[: max(0, room - 1)] + "…"
        text = left.ljust(room) + right
        return Strip([Segment(text[:width].ljust(width), style or Style())], width)
