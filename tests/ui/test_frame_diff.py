"""The frame differ (torgtui.widgets.frame_diff): what it writes, played on a small terminal
model, leaves the terminal showing exactly what Textual's own frames would, and writes less."""

from __future__ import annotations

import random
import re

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

from torgtui.widgets.frame_diff import ShadowScreen

WIDTH, HEIGHT = 20, 6
STYLES = [
    Style(color="white", bgcolor="blue"),
    Style(color="yellow", bgcolor="blue", bold=True),
    Style(color="green", bgcolor="black"),
    Style(color="white", bgcolor="black", reverse=True),
]
TOKEN = re.compile(r"\x1b\[(\d+);(\d+)H|\x1b\[([0-9;]*)m|([^\x1b])")


class Terminal:
    """Enough of a terminal for the test: cursor moves, SGR (reset, bold, 256 colours,
    reverse) and characters; each cell keeps its character and the SGR state it was drawn in."""

    def __init__(self) -> None:
        self.cells = [[(" ", ()) for _ in range(WIDTH)] for _ in range(HEIGHT)]
        self.x = self.y = 0
        self.sgr: tuple[str, ...] = ()

    def feed(self, data: str) -> None:
        for move_y, move_x, sgr, char in TOKEN.findall(data.replace("\r\n", "")):
            if move_y:
                self.y, self.x = int(move_y) - 1, int(move_x) - 1
            elif char:
                if char == "\n":
                    continue
                self.cells[self.y][self.x] = (char, self.sgr)
                self.x += 1
            else:
                codes = [c for c in sgr.split(";") if c != ""] or ["0"]
                state = list(self.sgr)
                i = 0
                while i < len(codes):
                    if codes[i] == "0":
                        state = []
                    elif codes[i] in ("38", "48") and i + 2 < len(codes):
                        state = [s for s in state if not s.startswith(codes[i] + ":")]
                        state.append(f"{codes[i]}:{codes[i + 2]}")
                        i += 2
                    else:
                        state.append(codes[i])
                    i += 1
                self.sgr = tuple(sorted(set(state)))

    def looks(self) -> list[list[tuple[str, tuple[str, ...]]]]:
        """Each cell as it looks: a blank's foreground and boldness do not show."""
        shown = []
        for row in self.cells:
            line = []
            for char, sgr in row:
                if char == " " and "7" not in sgr:
                    sgr = tuple(s for s in sgr if s.startswith("48:"))
                line.append((char, sgr))
            shown.append(line)
        return shown


def random_line(rng: random.Random) -> list[Segment]:
    segments, left = [], WIDTH
    while left:
        n = rng.randint(1, left)
        text = "".join(rng.choice("abc  Ж₴1") for _ in range(n))
        segments.append(Segment(text, rng.choice(STYLES)))
        left -= n
    return segments


def test_the_diffed_frames_leave_the_terminal_as_textuals_own_would() -> None:
    console = Console(color_system="256", width=WIDTH, force_terminal=True)
    rng = random.Random(11)
    shadow, textual_term, diffed_term = ShadowScreen(), Terminal(), Terminal()
    owner = object()
    lines = [random_line(rng) for _ in range(HEIGHT)]
    full = LayoutUpdate([[Strip(line)] for line in lines], Region(0, 0, WIDTH, HEIGHT))
    textual_term.feed(full.render_segments(console))
    assert shadow.frame(owner, WIDTH, full, console) is None  # a whole screen goes as it is
    diffed_term.feed(full.render_segments(console))
    textual_bytes = diffed_bytes = 0
    for _ in range(200):
        changed = rng.sample(range(HEIGHT), rng.randint(1, 3))
        chops: list[dict[int, Strip | None]] = [{} for _ in range(HEIGHT)]
        ends: list[list[int]] = [[] for _ in range(HEIGHT)]
        spans = []
        for y in sorted(changed):
            line = lines[y]
            if rng.random() < 0.7:  # a few cells of the row change, as a scan's totals do
                cells = list(Strip(line).divide([WIDTH])[0])
                text = "".join(seg.text for seg in cells)
                pos = rng.randrange(WIDTH)
                new = text[:pos] + rng.choice("xyz9") + text[pos + 1 :]
                style = rng.choice(STYLES) if rng.random() < 0.3 else cells[0].style
                line = [Segment(new[:pos], cells[0].style), Segment(new[pos:], style)]
                line = [seg for seg in line if seg.text]
            else:
                line = random_line(rng)
            lines[y] = line
            chops[y] = {0: Strip(line)}
            ends[y] = [WIDTH]
            spans.append((y, 0, WIDTH))
        update = ChopsUpdate(chops, spans, ends)
        textual = update.render_segments(console)
        diffed = shadow.frame(owner, WIDTH, update, console)
        assert diffed is not None
        textual_term.feed(textual)
        diffed_term.feed(diffed.render_segments(console))
        assert diffed_term.looks() == textual_term.looks()
        textual_bytes += len(textual.encode())
        diffed_bytes += len(diffed.render_segments(console).encode())
    # a third of the rows are new throughout, so the saving is less than at the till (0.4)
    assert diffed_bytes < textual_bytes * 0.75, (diffed_bytes, textual_bytes)


def test_another_screen_or_size_starts_the_shadow_again() -> None:
    console = Console(color_system="256", width=WIDTH, force_terminal=True)
    shadow = ShadowScreen()
    line = [Segment("a" * WIDTH, STYLES[0])]
    full = LayoutUpdate([[Strip(line)] for _ in range(HEIGHT)], Region(0, 0, WIDTH, HEIGHT))
    first = object()
    shadow.frame(first, WIDTH, full, console)
    assert len(shadow.rows) == HEIGHT
    update = ChopsUpdate([{0: Strip(line)}] + [{}] * (HEIGHT - 1), [(0, 0, WIDTH)], [[WIDTH]])
    assert shadow.frame(first, WIDTH, update, console).render_segments(console) == ""  # no change
    # another screen drew: what this one knew of the terminal is gone, the row is sent
    sent = shadow.frame(object(), WIDTH, update, console).render_segments(console)
    assert "a" * WIDTH in sent
