"""Run one sender pass with a FileGateway that hangs after the service took the message (the
crash test kills this process there with SIGKILL).

Usage: python -m tests.channels.outbox_send_once DATABASE_URL SERVICE_FILE FLAG_FILE DEDUPES
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from tests.channels.outbox_gateway import FileGateway
from torgtui.channels.gateway import Channel
from torgtui.channels.sender import Sender
from torgtui.clock import FixedClock
from torgtui.config import Settings
from torgtui.db import open_database


def main(argv: list[str]) -> int:
    db_url, service, flag, dedupes = argv
    open_database(db_url)
    gateway = FileGateway(Path(service), dedupes_ref=dedupes == "1", hang_after_accept=Path(flag))
    clock = FixedClock(dt.datetime(2026, 11, 22, 12, 0))
    sender = Sender(Settings(), gateways={c: gateway for c in Channel}, clock=clock)
    print(sender.run_once(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
