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


def _marked(row: Row, selected: int | None) -> bool:
    """Whether ``row`` shows highlighted: the selected line's own row (its discounts keep their
    colour, so moving the selection redraws two rows, not every discount row under them)."""
    return row.kind == "line" and row.line == selected


VIRTUAL_STEP = 32  # rows the scrollable height grows by (see ReceiptLines._fit_virtual_size)


class ReceiptLines(ScrollView, can_focus=False):
    """The receipt's rows, scrolling; ``selected`` is the index of the highlighted basket line."""

    COMPONENT_CLASSES = {
        "receipt-lines--selected",
        "receipt-lines--discount",
        "receipt-lines--banner",
    }
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
    ReceiptLines > .receipt-lines--banner {
        color: $success;
        text-style: bold;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Row] = []
        self.selected: int | None = None
        self.banner: list[str] = []  # shown while the receipt is empty (see show_banner)
        self._cache: dict[tuple[Row, bool, int], Strip] = {}

    @property
    def line_count(self) -> int:
        return self.rows[-1].line + 1 if self.rows else 0

    def show(self, rows: list[Row], selected: int | None) -> None:
        """Show ``rows`` with line ``selected`` highlighted, redrawing only what changed."""
        old, old_selected = self.rows, self.selected
        if rows and self.banner:  # the next sale's first line takes the banner's place
            covered = max(len(old), len(self.banner) + 2)
            self.banner = []
            old = [Row(-1, "banner", "", "")] * covered
        self.rows, self.selected = rows, selected
        changed = [
            y
            for y in range(max(len(old), len(rows)))
            if y >= len(old)
            or y >= len(rows)
            or old[y] != rows[y]
            or _marked(old[y], old_selected) != _marked(rows[y], selected)
        ]
        self._fit_virtual_size()
        if len(self._cache) > 400:
            self._cache.clear()
        self._scroll_to_selected()
        if changed:
            width = self.size.width
            top = self.scroll_offset.y
            first, last = min(changed), max(changed)
            self.refresh(Region(0, first - top, width, last - first + 1))

    @property
    def banner_text(self) -> str:
        return "\n".join(self.banner)

    def show_banner(self, lines: list[str]) -> None:
        """Show ``lines`` framed, big and centred at the top while the receipt has no rows
        (after a payment: "Receipt 12 paid. CHANGE 30.00"); ``[]`` takes it away. Drawn as
        this widget's rows, so it costs no layout pass and redraws only its own rows (a label
        of its own, shown and hidden, reflowed the whole screen twice a sale)."""
        old = len(self.banner) + 2 if self.banner else 0
        self.banner = list(lines)
        new = len(self.banner) + 2 if self.banner else 0
        if not self.rows and (old or new):
            self.refresh(Region(0, 0, self.size.width, max(old, new)))

    def _banner_strip(self, y: int, width: int) -> Strip | None:
        """Row ``y`` of the banner (its frame, then its lines), or None below it."""
        if not self.banner or self.rows or y > len(self.banner) + 1:
            return None
        style = self.rich_style + self.get_component_rich_style("receipt-lines--banner")
        inner = max(0, width - 2)
        if y == 0:
            text = "┏" + "━" * inner + "┓"
        elif y == len(self.banner) + 1:
            text = "┗" + "━" * inner + "┛"
        else:
            line = self.banner[y - 1]
            if len(line) > inner:
                line = line[: max(0, inner - 1)] + "…"
            text = "┃" + line.center(inner) + "┃"
        return Strip([Segment(text[:width].ljust(width), style)], width)

    def _fit_virtual_size(self) -> None:
        """The scrollable height: the rows rounded up to a whole ``VIRTUAL_STEP`` and never
        less than the widget. ``virtual_size`` is a layout reactive (a reflow of the whole
        screen, 3-8 ms a scan): set this way it changes once in ``VIRTUAL_STEP`` rows, not on
        every new line; rows past the receipt's end draw blank."""
        height = max(len(self.rows), self.size.height)
        height = -(-height // VIRTUAL_STEP) * VIRTUAL_STEP
        size = Size(self.size.width, height)
        if size != self.virtual_size:
            self.virtual_size = size

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
        self._fit_virtual_size()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if self.banner and not self.rows:
            banner = self._banner_strip(y, width)
            if banner is not None:
                return banner
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, self.rich_style)
        row = self.rows[index]
        selected = _marked(row, self.selected)
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
