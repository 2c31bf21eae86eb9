"""python-escpos's printer database, read fast and without leaving a folder in /tmp.

On import, ``escpos.capabilities`` reads its printer database (``capabilities.json``, every
printer's code pages and features) with a YAML parser unless a pickle of it lies in
``ESCPOS_CAPABILITIES_PICKLE_DIR``. Unset, that is a new ``mkdtemp()`` folder every time: each
start of the register parsed the database again (0.1 s, and the register's memory 5-6 MiB
higher after it than after reading the pickle; docs/performance.md) and left one more folder
in /tmp.

:func:`prepare` (called before escpos is imported) points it at the user's cache folder and
writes the pickle there itself, atomically (a temporary file renamed): escpos, when it writes
it, opens the file for writing before it parses, so a second register starting at that
moment would read half a pickle. A folder or a pickle that is not the user's own, or that
others may write to, is not used (a pickle is code when read): escpos then does as it did.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pickle
import platform
import stat
import tempfile
from pathlib import Path

ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def _own_private(path: Path) -> bool:
    """``path`` is this user's and nobody else may write to it."""
    info = path.lstat()
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _folder() -> Path | None:
    """This user's cache folder for it (made if missing), else None."""
    folders = [Path(tempfile.gettempdir()) / f"torgtui-escpos-{os.getuid()}"]
    with contextlib.suppress(RuntimeError, KeyError):  # no home folder (a kiosk's user)
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folders.insert(0, Path(cache) / "torgtui" / "escpos")
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if folder.is_dir() and not folder.is_symlink() and _own_private(folder):
                return folder
    return None


def _database() -> Path | None:
    """escpos's capabilities.json, found without importing escpos."""
    spec = importlib.util.find_spec("escpos")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "capabilities.json"
    return path if path.is_file() else None


def prepare() -> Path | None:
    """Point escpos at a pickle of its database in the user's cache, written if missing or
    older than the database; returns the pickle's path (None: escpos left as it is)."""
    if ENV in os.environ or "ESCPOS_CAPABILITIES_FILE" in os.environ:
        return None  # set by whoever runs the register: theirs
    database, folder = _database(), _folder()
    if database is None or folder is None:
        return None
    target = folder / f"{platform.python_version()}.capabilities.pickle"
    try:
        fresh = target.is_file() and target.stat().st_mtime >= database.stat().st_mtime
        if fresh and not _own_private(target):
            return None
        if not fresh:
            data = json.loads(database.read_text(encoding="utf-8"))
            handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    pickle.dump(data, out, protocol=2)
                os.replace(temporary, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
    except (OSError, ValueError, pickle.PickleError):
        return None  # a full disk, a broken file: escpos reads the database itself
    os.environ[ENV] = str(folder)
    return target


__all__ = ["prepare"]
