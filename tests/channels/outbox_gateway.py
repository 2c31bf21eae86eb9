"""A small real gateway for the sender's tests: the "service" is a JSON-lines file that gets one
line per message it takes, so a test (or a killed subprocess) can see what really went out.

``script`` lists what the next sends answer (ACCEPTED once the list runs out); ``dedupes_ref``
makes it behave like AlphaSMS (a resend of a ref it has is answered with the same id and not
carried twice); ``hang_after_accept`` makes it write the message, touch that file and then hang,
so the test can kill the process between the service's acceptance and the outbox's store.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

from torgtui.channels.gateway import Channel, Outcome, SendResult, Status


class FileGateway:
    name = "filegw"
    channels = frozenset({Channel.SMS, Channel.VIBER, Channel.EMAIL})

    def __init__(
        self,
        path: Path,
        *,
        script: Iterable[SendResult] = (),
        dedupes_ref: bool = False,
        hang_after_accept: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.script = list(script)
        self.dedupes_ref = dedupes_ref
        self.hang_after_accept = hang_after_accept
        self.statuses: dict[str, Status] = {}
        self.calls = 0
        self.polled: list[list[str]] = []

    def carried(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line]

    def send(self, message) -> SendResult:  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.dedupes_ref:
            for seen in self.carried():
                if seen["ref"] == message.ref:
                    return SendResult(Outcome.ACCEPTED, gateway_id=seen["id"], parts=1)
        result = self.script.pop(0) if self.script else SendResult(Outcome.ACCEPTED, parts=1)
        if result.outcome is not Outcome.ACCEPTED:
            return result
        gateway_id = result.gateway_id or f"g{message.ref}-{len(self.carried()) + 1}"
        line = {
            "ref": message.ref,
            "id": gateway_id,
            "channel": str(message.channel),
            "to": message.to,
            "text": message.text,
            "sender": message.sender,
        }
        with self.path.open("a") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
        if self.hang_after_accept is not None:
            self.hang_after_accept.write_text("accepted")
            time.sleep(600)  # the test kills us here
        return SendResult(Outcome.ACCEPTED, gateway_id=gateway_id, parts=result.parts or 1)

    def poll(self, gateway_ids: Iterable[str]) -> dict[str, Status]:
        ids = list(gateway_ids)
        self.polled.append(ids)
        return {i: self.statuses[i] for i in ids if i in self.statuses}

    def close(self) -> None:
        pass
