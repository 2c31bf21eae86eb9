"""torgtui.idle_gc: the running register collects garbage only at quiet moments (no key for a
while), the young generation usually, the middle one now and then, the old one rarely, and
hands Python's own collection back as it found it."""

from __future__ import annotations

import gc

from torgtui.idle_gc import MIDDLE_EVERY, IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_collections_wait_for_quiet_and_take_the_generations_in_turn() -> None:
    clock = Clock()
    idle = IdleCollector(quiet=0.15, full_every=120, deep_every=1800, monotonic=clock)
    was = gc.isenabled()
    try:
        idle.start()
        assert not gc.isenabled() and gc.get_freeze_count() > 0
        idle.input()
        clock.now += 0.1
        assert idle.tick() is None  # a key 100 ms ago: a scan may be coming in
        clock.now += 0.1
        done = []
        for _ in range(MIDDLE_EVERY):
            done.append(idle.tick())
            clock.now += 0.25
        assert done == [0] * (MIDDLE_EVERY - 1) + [1]
        clock.now += 120
        assert idle.tick() == 2  # the old generation, the frozen objects not walked
        clock.now += 1800
        idle.input()
        clock.now += 0.2
        assert idle.tick() == 2  # quiet, but not long enough for the deep collection
        clock.now += 5
        assert idle.tick() == 3  # everything unfrozen, walked, frozen again
    finally:
        idle.stop()
        assert gc.get_freeze_count() == 0 and gc.isenabled() == was
        if was:
            gc.enable()


def test_a_burst_that_never_pauses_still_collects_past_the_ceiling() -> None:
    clock = Clock()
    idle = IdleCollector(quiet=0.15, ceiling=1000, monotonic=clock)
    try:
        idle.start()
        idle.input()
        assert idle.tick() is None
        keep = [[n] for n in range(5000)]  # young objects, while keys keep coming
        assert gc.get_count()[0] >= 1000
        assert idle.tick() == 0
        assert keep
    finally:
        idle.stop()


def test_stop_without_start_and_a_second_start_change_nothing() -> None:
    idle = IdleCollector()
    was = gc.isenabled()
    idle.stop()
    assert gc.isenabled() == was and idle.tick() is None
    try:
        idle.start()
        frozen = gc.get_freeze_count()
        idle.start()
        assert gc.get_freeze_count() == frozen
    finally:
        idle.stop()
    assert gc.isenabled() == was
