"""Crash logs: the traceback of an unexpected error (a bug), kept in a file for support instead
of being shown to the cashier.

A log goes to ``$XDG_STATE_HOME/torgtui/crash-<time>-<pid>.log`` (``~/.local/state/torgtui`` by
default) on Linux, the platform's user state folder elsewhere, or the temporary folder when
that cannot be written. It holds the version, the command line and the traceback, with PINs
and database passwords blanked, since the file is meant to be mailed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

_SECRET_URL = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def crash_dir() -> Path:
    """Where crash logs go (see the module doc)."""
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        return Path(base) / "torgtui"
    from platformdirs import user_state_dir

    return Path(user_state_dir("torgtui"))


def redacted(argv: Sequence[str]) -> list[str]:
    """``argv`` without PINs and database passwords."""
    out: list[str] = []
    hide = False
    for arg in argv:
        if hide:
            out.append("***")
        elif arg.startswith("--pin="):
            out.append("--pin=***")
        else:
            out.append(_SECRET_URL.sub(r"\1***@", arg))
        hide = arg == "--pin"
    return out


def write_crash_log(argv: Sequence[str]) -> Path | None:
    """Write the exception being handled to a new crash log; its path, or None if no folder
    could be written."""
    from torgtui import __version__

    now = dt.datetime.now()
    report = "".join(
        [
            f"torgtui {__version__} crash at {now.isoformat(timespec='seconds')}\n",
            f"python {sys.version.split()[0]} on {sys.platform}\n",
            "command: torgtui " + " ".join(redacted(argv)) + "\n\n",
            _SECRET_URL.sub(r"\1***@", traceback.format_exc()),
        ]
    )
    name = f"crash-{now:%Y%m%d-%H%M%S}-{os.getpid()}.log"
    for folder in (crash_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(report, encoding="utf-8", errors="backslashreplace")
        except OSError:
            continue
        return folder / name
    return None
