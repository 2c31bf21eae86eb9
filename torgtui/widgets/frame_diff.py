"""Send the terminal only the cells that changed.

Textual redraws whole widget rows: a scan that changes "Total 19.92" to "Total 39.85" sends
the totals row again, all 80 columns of it with their colours, and so for every row a change
touches (1.3-1.6 KB a scan at the till, docs/performance.md). A cashier on a thin terminal over
SSH pays for every byte. :class:`ShadowScreen` keeps what the terminal shows (a character and a
style per cell), compares each frame Textual renders with it and writes only the changed runs of
cells: a cursor move and the new cells, runs a few cells apart joined into one.

It sits between Textual's compositor and the driver (:meth:`TorgApp._display`) for the screens
that ask for it (``diff_frames = True``: the sale screen). The shadow is forgotten whenever it
could be wrong: another screen drawn, a resize, a full redraw that is not a region of rows, or
anything Textual writes that it cannot read; the next frame is then sent whole, as Textual
would.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.console import Console
from rich.style import Style
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.strip import Strip

Cell = tuple[str, Style | None]  # a character (or "" for a wide one's second cell) and style
# the shadow keeps what each cell looks like (see looks): a Cell, or a blank's visible part

JOIN_GAP = 12  # unchanged cells of one style sent rather than a move and a colour (see _joins)


def cells_of(strips: Iterable[Strip]) -> list[Cell]:
    """The cells ``strips`` cover, left to right."""
    cells: list[Cell] = []
    for strip in strips:
        for text, style, control in strip:
            if control:
                continue
            for char in text:
                width = cell_len(char)
                if width == 0:  # a combining mark: part of the cell before it
                    if cells:
                        before, before_style = cells[-1]
                        cells[-1] = (before + char, before_style)
                    continue
                cells.append((char, style))
                if width == 2:
                    cells.append(("", style))
    return cells


_BLANK_LOOKS: dict[Style | None, object] = {}


def looks(cell: Cell) -> object:
    """What a cell looks like on the terminal: a blank's foreground colour and boldness do not
    show, so a blank keeps only what does (its background, reverse, underline, strike)."""
    char, style = cell
    if char != " " or style is None:
        return cell
    seen = _BLANK_LOOKS.get(style)
    if seen is None:
        if len(_BLANK_LOOKS) > 4096:
            _BLANK_LOOKS.clear()
        seen = (
            style.bgcolor,
            style.reverse,
            style.underline,
            style.strike,
            style.overline,
            style.color if style.reverse else None,
        )
        _BLANK_LOOKS[style] = seen
    return (" ", seen)


_SGR: dict[tuple[Style, ColorSystem], str] = {}


def sgr_of(style: Style | None, color_system: ColorSystem) -> str:
    """The colour/attribute codes of ``style`` as one SGR that first resets ("\x1b[0;...m"),
    so a run needs no reset after it and a run in the style already set needs no SGR."""
    if style is None:
        return "\x1b[0m"
    key = (style, color_system)
    sgr = _SGR.get(key)
    if sgr is None:
        prefix = Style(
            color=style.color,
            bgcolor=style.bgcolor,
            bold=style.bold,
            dim=style.dim,
            italic=style.italic,
            underline=style.underline,
            blink=style.blink,
            reverse=style.reverse,
            conceal=style.conceal,
            strike=style.strike,
            overline=style.overline,
        ).render("\x00", color_system=color_system)
        codes = prefix.split("\x00", 1)[0]
        sgr = "\x1b[0;" + codes[2:] if codes.startswith("\x1b[") else "\x1b[0m"
        if len(_SGR) > 4096:
            _SGR.clear()
        _SGR[key] = sgr
    return sgr


class Pen:
    """Writes runs of cells, sending a colour only when it changes (see :func:`sgr_of`)."""

    def __init__(self, color_system: ColorSystem) -> None:
        self.color_system = color_system
        self.current = "\x1b[0m"
        self.out: list[str] = []

    def move(self, x: int, y: int) -> None:
        self.out.append(f"\x1b[{y + 1};{x + 1}H")

    def cells(self, cells: list[Cell]) -> None:
        run: list[str] = []
        style: Style | None = None
        for char, cell_style in cells:
            if run and cell_style != style:
                self._run("".join(run), style)
                run = []
            style = cell_style
            run.append(char)
        if run:
            self._run("".join(run), style)

    def _run(self, text: str, style: Style | None) -> None:
        if style is not None and style.link:  # a link: as Rich writes it, reset after
            self.out.append(self.reset() + style.render(text, color_system=self.color_system))
            return
        sgr = sgr_of(style, self.color_system)
        if sgr != self.current:
            self.out.append(sgr)
            self.current = sgr
        self.out.append(text)

    def reset(self) -> str:
        if self.current == "\x1b[0m":
            return ""
        self.current = "\x1b[0m"
        return "\x1b[0m"

    def text(self) -> str:
        self.out.append(self.reset())
        return "".join(self.out)


class DiffUpdate(CompositorUpdate):
    """A frame already worked out as terminal sequences (only the changed cells)."""

    def __init__(self, sequences: str) -> None:
        self.sequences = sequences

    def __rich_console__(self, console, options):  # type: ignore[no-untyped-def]
        yield from ()  # Textual writes render_segments(); never rendered as a renderable

    def render_segments(self, console: Console) -> str:
        return self.sequences


class ShadowScreen:
    """What the terminal shows, row by row, and the frames that change it."""

    def __init__(self) -> None:
        self.rows: dict[int, list[object]] = {}
        self.owner: object = None  # the screen drawn last
        self.width = 0
        self.sent = 0  # bytes of the frames worked out here (tests read it)

    def forget(self) -> None:
        self.rows.clear()
        self.owner = None

    def frame(
        self, owner: object, width: int, update: object, console: Console
    ) -> CompositorUpdate | None:
        """``update`` as only the cells that changed (a :class:`DiffUpdate`), or None when
        it cannot be diffed (it is then sent as it is and the shadow starts again from it)."""
        if owner is not self.owner or width != self.width:
            self.forget()
            self.owner, self.width = owner, width
        color_system = console._color_system or ColorSystem.TRUECOLOR
        if isinstance(update, LayoutUpdate):
            if update.region.x == 0 and update.region.y == 0 and update.region.width >= width:
                # the whole screen (a screen shown, a resume, a resize): the terminal may show
                # anything, so it is sent whole and the shadow starts again from it
                self.forget()
                self.owner, self.width = owner, width
                for y, line in enumerate(update.strips):
                    self.rows[y] = [looks(cell) for cell in cells_of(line)]
                return None
            pieces = [
                (y, update.region.x, cells_of(line))
                for y, line in enumerate(update.strips, update.region.y)
            ]
        elif isinstance(update, ChopsUpdate):
            pieces = list(self._chops(update))
        else:
            self.forget()
            return None
        pen = Pen(color_system)
        for y, x, cells in pieces:
            self._row(y, x, cells, pen)
        sequences = pen.text()
        self.sent += len(sequences.encode())
        return DiffUpdate(sequences)

    @staticmethod
    def _chops(update: ChopsUpdate) -> Iterable[tuple[int, int, list[Cell]]]:
        """(row, column, cells) of each piece of ``update``, cut as Textual cuts it."""
        for y, x1, x2 in update.spans:
            line = update.chops[y]
            ends = update.chop_ends[y]
            for end, (x, strip) in zip(ends, line.items(), strict=False):
                if strip is None or x > x2 or end <= x1:
                    continue
                if not (x2 > x >= x1 and end <= x2):
                    strip = strip.crop(0, min(end, x2) - x)
                yield y, x, cells_of([strip])

    @staticmethod
    def _joins(cells: list[Cell], stop: int, start: int) -> bool:
        """Whether the unchanged cells between two changed runs are cheaper sent than skipped:
        a few, all in the style around them (no colour change to send for them)."""
        if start - stop > JOIN_GAP:
            return False
        style = cells[stop - 1][1]
        return all(cell_style == style for _char, cell_style in cells[stop : start + 1])

    def _row(self, y: int, x: int, cells: list[Cell], pen: Pen) -> None:
        """Write with ``pen`` what of ``cells`` at (x, y) the row does not show yet; the row
        updated."""
        row = self.rows.get(y)
        if row is None:  # nothing known of this row: only a whole row starts one
            if x == 0 and len(cells) >= self.width:
                self.rows[y] = [looks(cell) for cell in cells]
            pen.move(x, y)
            pen.cells(cells)
            return
        if len(row) < x + len(cells):
            row.extend([("", None)] * (x + len(cells) - len(row)))
        new = [looks(cell) for cell in cells]
        old = row[x : x + len(cells)]
        if old == new:
            return
        runs: list[list[int]] = []
        for i, (was, now) in enumerate(zip(old, new, strict=True)):
            if was != now:
                if runs and (runs[-1][1] == i or self._joins(cells, runs[-1][1], i)):
                    runs[-1][1] = i + 1
                else:
                    runs.append([i, i + 1])
        row[x : x + len(cells)] = new
        for start, stop in runs:
            while start > 0 and cells[start][0] == "":  # a wide character's second cell
                start -= 1
            while stop < len(cells) and cells[stop][0] == "":
                stop += 1
            pen.move(x + start, y)
            pen.cells(cells[start:stop])
