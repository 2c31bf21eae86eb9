"""The sender in the background of the app: a thread that sends what is due every few seconds
and asks the gateways for statuses every ``messages.poll_minutes``, so the screen never waits
for a gateway. Several registers on one database may each run one: the outbox's claims let
only one of them send a given row. It stops with the app (``stop``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from torgtui.clock import Clock, system_clock

EVERY_SECONDS = 5.0


class MessageWorker:
    def __init__(
        self,
        settings: Any,
        *,
        clock: Clock = system_clock,
        every: float = EVERY_SECONDS,
        on_problem: Callable[[str], None] | None = None,
        sender_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.every = every
        self.on_problem = on_problem
        self.sender_factory = sender_factory
        self.passes = 0
        self.last_problem = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="torgtui-messages", daemon=True)

    def start(self) -> MessageWorker:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the thread to finish its message and stop; True when it did in ``timeout``."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _make_sender(self) -> Any:
        if self.sender_factory is not None:
            return self.sender_factory()
        from torgtui.channels.sender import Sender

        return Sender(self.settings, clock=self.clock)

    def _run(self) -> None:
        from torgtui.db import database

        sender = None
        poll_every = max(float(self.settings.messages.poll_minutes) * 60.0, 1.0)
        last_poll = time.monotonic()  # the first poll after poll_minutes, not at start-up
        try:
            while not self._stop.wait(self.every):  # the first pass after start-up settles
                try:
                    if sender is None:
                        sender = self._make_sender()
                    sender.run_once()
                    if time.monotonic() - last_poll >= poll_every:
                        last_poll = time.monotonic()
                        sender.poll()
                    self.passes += 1
                    self.last_problem = ""
                except Exception as exc:  # a database or gateway outage: say so once, go on
                    self._problem(f"{type(exc).__name__}: {exc}")
        finally:
            if sender is not None:
                sender.close()
            if not database.is_closed():
                database.close()  # this thread's own connection

    def _problem(self, text: str) -> None:
        if text != self.last_problem and self.on_problem is not None:
            self.on_problem(text)
        self.last_problem = text


__all__ = ["EVERY_SECONDS", "MessageWorker"]
