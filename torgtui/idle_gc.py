"""Python's garbage collection at the till's quiet moments, never in the middle of a scan.

CPython collects reference cycles when enough objects were allocated since the last time: in
the register that fell in the middle of an entry or a payment, wherever the count ran out. A
young collection took 0.1-2 ms, a middle one 2-7 ms and a full one (every object of the app)
70 ms on the bench machine (bench till with a trace of ``gc.callbacks``; docs/performance.md).

So the running register (``torgtui run``, not the tests) turns automatic collection off and
collects from a timer instead, once no key has come for ``quiet`` seconds: the young generation
each time, the middle one every few times, the old one every couple of minutes. What is alive
after an old collection (the app, its screens, the catalogue's caches) is frozen
(``gc.freeze``), so later collections do not walk it again (the old one then costs what came
since, not 70 ms). A frozen object is still freed when nothing refers to it; only a cycle of
frozen objects that became garbage waits, for the deep collection (everything unfrozen and
walked) after ``deep_quiet`` seconds without a key, at most every ``deep_every`` seconds.
A burst of typing that never pauses still gets a collection when the young generation passes
``ceiling`` objects.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

QUIET = 0.15  # s without a key before a collection
TICK = 0.25  # s between the timer's looks
MIDDLE_EVERY = 8  # every eighth collection takes the middle generation too
FULL_EVERY = 120.0  # s between collections of the old generation (only when quiet)
DEEP_EVERY = 1800.0  # s between deep collections (everything unfrozen)
DEEP_QUIET = 5.0  # s without a key before a deep collection
CEILING = 200_000  # young objects: collect even while keys come


class IdleCollector:
    """Call :meth:`start` once the app runs, :meth:`input` on each key, :meth:`tick` from a
    timer every :data:`TICK` seconds, :meth:`stop` when the app ends."""

    def __init__(
        self,
        *,
        quiet: float = QUIET,
        full_every: float = FULL_EVERY,
        deep_every: float = DEEP_EVERY,
        deep_quiet: float = DEEP_QUIET,
        ceiling: int = CEILING,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.quiet = quiet
        self.full_every = full_every
        self.deep_every = deep_every
        self.deep_quiet = deep_quiet
        self.last_deep = monotonic()
        self.ceiling = ceiling
        self.monotonic = monotonic
        self.last_input = monotonic()
        self.last_full = monotonic()
        self.collections = 0
        self.running = False
        self.was_enabled = True

    def start(self) -> None:
        """Automatic collection off; what is alive now (the started app) frozen."""
        if self.running:
            return
        self.running = True
        self.was_enabled = gc.isenabled()
        gc.disable()
        gc.collect()
        gc.freeze()
        self.last_full = self.monotonic()

    def stop(self) -> None:
        """Back to Python's own collection, nothing left frozen."""
        if not self.running:
            return
        self.running = False
        gc.unfreeze()
        if self.was_enabled:
            gc.enable()

    def input(self) -> None:
        self.last_input = self.monotonic()

    def tick(self) -> int | None:
        """Collect if it is quiet (or the young generation is past the ceiling); returns the
        generation collected (3: the deep collection), None when it waited."""
        if not self.running:
            return None
        now = self.monotonic()
        quiet = now - self.last_input
        if quiet < self.quiet and gc.get_count()[0] < self.ceiling:
            return None
        if quiet >= self.deep_quiet and now - self.last_deep >= self.deep_every:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self.last_deep = self.last_full = now
            generation = 3
        elif quiet >= self.quiet and now - self.last_full >= self.full_every:
            gc.collect()  # the frozen objects are not walked
            gc.freeze()
            self.last_full = now
            generation = 2
        else:
            self.collections += 1
            generation = 1 if self.collections % MIDDLE_EVERY == 0 else 0
            gc.collect(generation)
        return generation


__all__ = ["TICK", "IdleCollector"]
