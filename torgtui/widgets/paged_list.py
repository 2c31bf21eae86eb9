"""A list over a table too big to load: it holds a window of a few pages around the cursor and
reads more through a loader in a thread worker as the cursor nears the window's edge.

The loader answers :class:`PageRequest` ("first", "after" a key, "before" a key, "last") with a
page (``rows``, ``next`` = key after its last row or None at the end, ``prev`` = key of its first
row). A forward-only loader (a search keyed by matched word) says ``backwards=False``: pages cut
off the top of the window are then re-read from the key that first produced them.

Rows are drawn with the Line API, one strip per screen line; after every move only the lines
whose row, cursor or mark changed are refreshed, so PageDown rewrites the list and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from torgtui.i18n import _


class PageLike(Protocol):
    rows: Sequence[Any]
    next: object | None
    prev: object | None


@dataclass(frozen=True)
class PageRequest:
    """What to read: ``kind`` is "first", "after" (``key``), "before" (``key``) or "last"."""

    kind: str
    key: object | None = None
    limit: int = 20


Loader = Callable[[PageRequest], PageLike]


@dataclass
class _Chunk:
    rows: list[Any]
    request: PageRequest
    prev: object | None
    next: object | None


@dataclass
class _Source:
    load: Loader
    backwards: bool
    generation: int
    front: list[PageRequest] = field(default_factory=list)  # forward-only: cut-off pages


class PagedList(Widget, can_focus=True):
    """Rows from ``loader`` drawn by ``render_row(row, width) -> str``; the cursor row is lit,
    marked rows (Space) carry a "*" in the first column."""

    DEFAULT_CSS = """
    PagedList {
        height: 1fr;
    }
    PagedList > .paged-list--cursor {
        background: $accent;
        color: $text;
        text-style: bold;
    }
    PagedList > .paged-list--marked {
        color: $warning;
        text-style: bold;
    }
    PagedList > .paged-list--empty {
        color: $text-muted;
    }
    """
    COMPONENT_CLASSES = {"paged-list--cursor", "paged-list--marked", "paged-list--empty"}
    BINDINGS = [
        Binding("enter", "select", _("Open"), id="paged_list.open"),
        Binding("space", "mark", _("Mark"), id="paged_list.mark"),
        Binding("down", "move(1)", _("Next"), show=False, id="paged_list.down"),
        Binding("up", "move(-1)", _("Previous"), show=False, id="paged_list.up"),
        Binding("pagedown", "page(1)", _("Page down"), show=False, id="paged_list.pagedown"),
        Binding("pageup", "page(-1)", _("Page up"), show=False, id="paged_list.pageup"),
        Binding("home", "first", _("First"), show=False, id="paged_list.first"),
        Binding("end", "last", _("Last"), show=False, id="paged_list.last"),
    ]

    class Selected(Message):
        """Enter on a row."""

        def __init__(self, row: Any) -> None:
            super().__init__()
            self.row = row

    class Shown(Message):
        """A fresh source (or a reload) has its first rows on screen; ``empty`` if none."""

        def __init__(self, empty: bool) -> None:
            super().__init__()
            self.empty = empty

    class Marked(Message):
        """A row was marked or unmarked (``PagedList.marked`` holds the marked rows)."""

    class Failed(Message):
        """The loader raised ``error`` (the screen turns it into words)."""

        def __init__(self, error: BaseException) -> None:
            super().__init__()
            self.error = error

    class _Arrived(Message, bubble=False):
        def __init__(
            self, generation: int, side: str, request: PageRequest, page: PageLike | None
        ) -> None:
            super().__init__()
            self.generation, self.side, self.request, self.page = generation, side, request, page

    def __init__(
        self,
        render_row: Callable[[Any, int], str],
        *,
        row_id: Callable[[Any], Hashable] = lambda row: row.id,
        max_pages: int = 5,
        empty_text: str = "",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.render_row = render_row
        self.row_id = row_id
        self.max_pages = max_pages
        self.empty_text = empty_text
        self.rows: list[Any] = []
        self.cursor = 0
        self.top = 0
        self.at_start = True
        self.at_end = True
        self.marked: dict[Hashable, Any] = {}
        self.loaded = False  # the current source has answered at least once
        self._chunks: list[_Chunk] = []
        self._source: _Source | None = None
        self._generation = 0
        self._loading: set[str] = set()  # "reset", "before", "after"
        self._queued: list[tuple[int, bool]] = []
        self._restore: tuple[Hashable, int, int] | None = None
        self._shown: list[object] = []
        self._strips: dict[int, Strip] = {}

    # --- what to show ---------------------------------------------------------------------

    @property
    def height(self) -> int:
        return max(1, self.size.height)

    @property
    def limit(self) -> int:
        return max(10, self.height)

    @property
    def cursor_row(self) -> Any | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    @property
    def busy(self) -> bool:
        return bool(self._loading)

    def show(self, load: Loader, *, backwards: bool = True) -> None:
        """Read from ``load`` from its first page on (answers to older sources are dropped)."""
        self._generation += 1
        self._source = _Source(load, backwards, self._generation)
        self._restore = None
        self._reset(PageRequest("first", limit=self.limit))

    def reload(self) -> None:
        """Read the window again from the row at the top of the screen, keeping the cursor on
        the same row if it is still there (after an edit or a merge)."""
        source = self._source
        if source is None:
            return
        self._generation += 1
        source.generation = self._generation
        row = self.cursor_row
        offset = self.cursor - self.top
        start, index = 0, 0
        while index < len(self._chunks) - 1 and start + len(self._chunks[index].rows) <= self.top:
            start += len(self._chunks[index].rows)
            index += 1
        limit = self.limit + 2 * self.height
        if index > 0:
            request = PageRequest("after", self._chunks[index - 1].next, limit)
        elif self.at_start or not self._chunks:
            request = PageRequest("first", limit=limit)
        else:
            request = self._chunks[0].request
        if not source.backwards:
            source.front.extend(c.request for c in self._chunks[:index])
        top = self.top - start
        self._restore = (self.row_id(row), offset, top) if row is not None else None
        self._reset(request)

    def clear_marks(self) -> None:
        self.marked.clear()
        self._sync()

    # --- loading ----------------------------------------------------------------------------

    def _reset(self, request: PageRequest) -> None:
        self._loading = {"reset"}
        self._queued.clear()
        self._request("reset", request)

    def _request(self, side: str, request: PageRequest) -> None:
        source = self._source
        assert source is not None
        self._loading.add(side)
        generation = source.generation

        def work() -> None:
            try:
                page = source.load(request)
            except Exception as exc:  # the screen explains it; the list stays as it was
                self.post_message(self.Failed(exc))
                self.post_message(self._Arrived(generation, side, request, None))
                return
            self.post_message(self._Arrived(generation, side, request, page))

        self.run_worker(work, thread=True, group=f"paged-list-{side}", exit_on_error=False)

    def on_paged_list__arrived(self, event: _Arrived) -> None:
        event.stop()
        source = self._source
        if source is None or event.generation != source.generation:
            return
        self._loading.discard(event.side)
        if event.page is None:
            self._loading.clear()
            self._queued.clear()
            return
        page, request = event.page, event.request
        seen = {self.row_id(row) for row in self.rows} if event.side != "reset" else set()
        rows = [row for row in page.rows if self.row_id(row) not in seen]
        chunk = _Chunk(rows, request, page.prev, page.next)
        full = len(page.rows) >= request.limit
        if event.side == "reset":
            self._chunks = [chunk]
            self.at_start = request.kind == "first" or (
                request.kind in ("before", "last") and not full
            )
            if not source.backwards:
                self.at_start = request.kind == "first" and not source.front
            self.at_end = request.kind == "last" or (
                request.kind in ("first", "after") and page.next is None
            )
            self._rebuild()
            self._place_after_reset(request)
            self.loaded = True
            self.post_message(self.Shown(not self.rows))
        elif event.side == "after":
            self._chunks.append(chunk)
            self.at_end = page.next is None or not page.rows
            self.rows.extend(rows)
        else:
            self._chunks.insert(0, chunk)
            if source.backwards:
                self.at_start = not full
            else:
                self.at_start = request.kind == "first" and not source.front
            self.rows[:0] = rows
            self.top += len(rows)
            self.cursor += len(rows)
        self._trim()
        self._replay()
        self._ensure()
        self._sync()

    def _rebuild(self) -> None:
        self.rows = [row for chunk in self._chunks for row in chunk.rows]

    def _place_after_reset(self, request: PageRequest) -> None:
        count = len(self.rows)
        if self._restore is not None:
            row_id, offset, top = self._restore
            self._restore = None
            ids = [self.row_id(row) for row in self.rows]
            self.top = min(top, max(0, count - 1))
            self.cursor = ids.index(row_id) if row_id in ids else self.top + offset
        elif request.kind == "last":
            self.cursor = count - 1
            self.top = count - self.height
        else:
            self.top = self.cursor = 0
        self._clamp()

    def _clamp(self) -> None:
        count = len(self.rows)
        self.cursor = max(0, min(self.cursor, count - 1))
        if self.at_end:
            self.top = min(self.top, count - self.height)
        self.top = max(0, min(self.top, self.cursor))
        if self.cursor >= self.top + self.height:
            self.top = self.cursor - self.height + 1

    def _ensure(self) -> None:
        """Keep a page of rows loaded beyond each side of the screen, where there is one."""
        source = self._source
        if source is None or "reset" in self._loading or not self._chunks:
            return
        below = len(self.rows) - (self.top + self.height)
        if not self.at_end and "after" not in self._loading and below < self.height:
            self._request("after", PageRequest("after", self._chunks[-1].next, self.limit))
        if not self.at_start and "before" not in self._loading and self.top < self.height:
            if source.backwards:
                self._request("before", PageRequest("before", self._chunks[0].prev, self.limit))
            elif source.front:
                self._request("before", source.front.pop())

    def _trim(self) -> None:
        """Drop whole pages far from the screen once the window holds ``max_pages`` pages."""
        source = self._source
        while len(self._chunks) > self.max_pages:
            above = self.top
            below = len(self.rows) - self.top - self.height
            if above >= below:
                first = self._chunks[0]
                if above - len(first.rows) < self.height:
                    return
                del self._chunks[0]
                del self.rows[: len(first.rows)]
                self.top -= len(first.rows)
                self.cursor -= len(first.rows)
                self.at_start = False
                if source is not None and not source.backwards:
                    source.front.append(first.request)
            else:
                last = self._chunks[-1]
                if below - len(last.rows) < self.height:
                    return
                del self._chunks[-1]
                del self.rows[len(self.rows) - len(last.rows) :]
                self.at_end = False

    # --- moving -----------------------------------------------------------------------------

    def _replay(self) -> None:
        queued, self._queued = self._queued, []
        for index, (delta, page) in enumerate(queued):
            if not self._move(delta, page):
                self._queued = [(delta, page), *queued[index + 1 :]]
                return

    def _move(self, delta: int, page: bool) -> bool:
        """Move the cursor (and by a page, the screen); False if the rows are not loaded yet."""
        if "reset" in self._loading or self._queued:
            self._queued.append((delta, page))
            return False
        count, height = len(self.rows), self.height
        if page:
            top = self.top + delta * height
            if (delta > 0 and top + height > count and not self.at_end) or (
                delta < 0 and top < 0 and not self.at_start
            ):
                self._queued.append((delta, page))
                self._ensure()
                return False
            if delta > 0 and top >= count - height:  # the last page: stop at the last row
                self.top = max(0, count - height)
                self.cursor = count - 1 if self.cursor + height >= count else self.cursor + height
            elif delta < 0 and top <= 0:
                self.top = 0
                self.cursor = 0 if self.cursor - height < 0 else self.cursor - height
            else:
                self.top, self.cursor = top, self.cursor + delta * height
        else:
            target = self.cursor + delta
            if (target >= count and not self.at_end) or (target < 0 and not self.at_start):
                self._queued.append((delta, page))
                self._ensure()
                return False
            self.cursor = target
        self._clamp()
        self._ensure()
        return True

    def action_move(self, delta: int) -> None:
        self._move(delta, False)
        self._sync()

    def action_page(self, delta: int) -> None:
        self._move(delta, True)
        self._sync()

    def action_first(self) -> None:
        if self.at_start and "reset" not in self._loading:
            self.top = self.cursor = 0
            self._ensure()
            self._sync()
        elif self._source is not None:
            self._restore = None
            self._reset(PageRequest("first", limit=self.limit))

    def action_last(self) -> None:
        if self._source is None:
            return
        if self.at_end and "reset" not in self._loading:
            self.cursor = len(self.rows) - 1
            self.top = len(self.rows) - self.height
            self._clamp()
            self._ensure()
            self._sync()
        elif self._source.backwards:
            self._restore = None
            self._reset(PageRequest("last", limit=self.limit))
        else:  # a forward-only source: to the last row read, reading on from there
            self.cursor = len(self.rows) - 1
            self._clamp()
            self._ensure()
            self._sync()

    def action_select(self) -> None:
        row = self.cursor_row
        if row is not None:
            self.post_message(self.Selected(row))

    def action_mark(self) -> None:
        """Mark the cursor row (or unmark it) and step down, like a file manager."""
        row = self.cursor_row
        if row is None:
            return
        key = self.row_id(row)
        if self.marked.pop(key, None) is None:
            self.marked[key] = row
        self.post_message(self.Marked())
        self._move(1, False)
        self._sync()

    # --- drawing ----------------------------------------------------------------------------

    def _sync(self) -> None:
        """Refresh the screen lines whose row, cursor or mark changed since the last draw."""
        shown: list[object] = []
        for y in range(self.height):
            index = self.top + y
            if index < len(self.rows):
                row = self.rows[index]
                shown.append((row, index == self.cursor, self.row_id(row) in self.marked))
            elif y == 0 and self.loaded and not self.rows:
                shown.append(("empty", self.empty_text))
            else:
                shown.append(None)
        old = self._shown
        self._shown = shown
        changed = [y for y in range(len(shown)) if y >= len(old) or old[y] != shown[y]]
        if not changed:
            return
        for y in changed:
            self._strips.pop(y, None)
        first, last = changed[0], changed[-1]
        self.refresh(Region(0, first, self.size.width, last - first + 1))

    def on_resize(self) -> None:
        self._strips.clear()
        self._shown = []
        if self.rows:
            self._clamp()
        self._ensure()
        self._sync()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        strip = self._strips.get(y)
        if strip is None:
            strip = self._render(y)
            self._strips[y] = strip
        return strip

    def _render(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        index = self.top + y
        if index >= len(self.rows):
            if y == 0 and self.loaded and not self.rows and self.empty_text:
                style = base + self.get_component_rich_style("paged-list--empty")
                return Strip([Segment(" " + self.empty_text, style)]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        row = self.rows[index]
        marked = self.row_id(row) in self.marked
        style: Style = base
        if marked:
            style = style + self.get_component_rich_style("paged-list--marked")
        if index == self.cursor:
            style = style + self.get_component_rich_style("paged-list--cursor")
        text = ("*" if marked else " ") + self.render_row(row, max(0, width - 1))
        return Strip([Segment(text, style)]).crop_extend(0, width, style)
