"""The demo's gateway: every channel, no network. Each message becomes one JSON line appended to a
file (``messages.sandbox_file``, next to the database), and is "delivered" at once.

A line is written with one ``write`` on a file opened for appending, so two senders appending at
once never interleave their lines, and a line is whole or absent. :func:`recent` reads the last
lines back for a screen.

``gateway_id`` is ``sandbox-<channel>-<ref>-<sent at, ms>``. ``poll`` answers from the id alone,
so any process may ask: an SMS or an e-mail is delivered; a Viber message is delivered, and read
``read_after`` seconds after it was sent (so the poll after the one that saw it delivered sees it
read). Invalid input is refused as the real services refuse it (no phone, a button over 30
characters).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from torgtui.channels.gateway import Channel, Delivery, Message, Outcome, SendResult, Status
from torgtui.channels.gateway_http import check_text, check_viber
from torgtui.i18n import _

READ_AFTER = 60.0  # seconds before a sandbox Viber message is "read"
MAX_LINE = 64 * 1024  # a line longer than this is not read back by recent()


class SandboxGateway:
    name = "sandbox"
    channels = frozenset({Channel.SMS, Channel.VIBER, Channel.EMAIL})
    dedupes_ref = False  # a resend would be a second message: the outbox decides

    def __init__(
        self,
        path: str | Path,
        *,
        sms_sender: str = "Shop",
        viber_sender: str = "",
        email_from: str = "",
        clock: Callable[[], float] = time.time,
        read_after: float = READ_AFTER,
    ) -> None:
        self.path = Path(path)
        self.sms_sender = sms_sender
        self.viber_sender = viber_sender or sms_sender
        self.email_from = email_from
        self.clock = clock
        self.read_after = read_after

    def close(self) -> None:
        return None

    def send(self, message: Message) -> SendResult:
        problem = check_text(message)
        if message.channel == Channel.EMAIL:
            if not problem and "@" not in message.to:
                problem = _("The e-mail address {address} is not valid.").format(
                    address=message.to or "—"
                )
        else:
            if not problem and not (message.to.isascii() and message.to.isdigit()):
                problem = _("The phone {phone} is not a full international number.").format(
                    phone=message.to or "—"
                )
            if not problem and message.channel == Channel.VIBER:
                problem = check_viber(message.viber)
        if problem:
            return SendResult(Outcome.REJECTED, error=problem)
        now = self.clock()
        gateway_id = f"sandbox-{message.channel}-{message.ref}-{int(now * 1000)}"
        line = {
            "at": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
            "id": gateway_id,
            "ref": message.ref,
            "channel": str(message.channel),
            "to": message.to,
            "sender": message.sender or self._sender(message.channel),
            "subject": message.subject,
            "text": message.text,
        }
        if message.channel == Channel.VIBER:
            extras = message.viber
            line["viber"] = {
                "image_url": extras.image_url if extras else "",
                "button_text": extras.button_text if extras else "",
                "button_url": extras.button_url if extras else "",
                "sms_fallback": message.sms_fallback,
            }
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = os.write(fd, data)
            finally:
                os.close(fd)
        except OSError as exc:
            return SendResult(
                Outcome.RETRY,
                error=_("The sandbox file {path} cannot be written: {error}").format(
                    path=self.path, error=exc.strerror or exc
                ),
            )
        if written != len(data):  # a full disk: the line is cut; the reader skips it
            return SendResult(
                Outcome.RETRY,
                error=_("The sandbox file {path} is full: free some disk space.").format(
                    path=self.path
                ),
            )
        parts = 0 if message.channel == Channel.EMAIL else 1
        return SendResult(Outcome.ACCEPTED, gateway_id=gateway_id, parts=parts)

    def _sender(self, channel: Channel) -> str:
        if channel == Channel.EMAIL:
            return self.email_from
        return self.viber_sender if channel == Channel.VIBER else self.sms_sender

    def poll(self, gateway_ids: Iterable[str]) -> dict[str, Status]:
        found: dict[str, Status] = {}
        now = self.clock()
        for gateway_id in gateway_ids:
            parts = str(gateway_id).split("-")
            if len(parts) != 4 or parts[0] != "sandbox" or not parts[3].isdigit():
                continue
            channel, sent = parts[1], int(parts[3]) / 1000
            at = dt.datetime.fromtimestamp(sent, dt.UTC).isoformat(timespec="seconds")
            if channel == Channel.VIBER and now - sent >= self.read_after:
                found[gateway_id] = Status(Delivery.READ, at=at)
            elif channel in (Channel.SMS, Channel.VIBER, Channel.EMAIL):
                found[gateway_id] = Status(Delivery.DELIVERED, at=at)
        return found


def recent(path: str | Path, limit: int = 50) -> list[dict[str, Any]]:
    """The last ``limit`` messages of a sandbox file, newest first; a cut or foreign line is
    skipped. Reads only the file's tail."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit * 4096 - MAX_LINE))
            tail = f.read()
    except OSError:
        return []
    rows: list[dict[str, Any]] = []
    for raw in reversed(tail.split(b"\n")):
        if len(rows) >= limit:
            break
        try:
            row = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if isinstance(row, dict) and "id" in row:
            rows.append(row)
    return rows


__all__ = ["READ_AFTER", "SandboxGateway", "recent"]
