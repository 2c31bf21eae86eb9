"""Several registers writing one SQLite file: a fair write lock and a background checkpointer.

**The write lock.** SQLite makes a writer that finds the database locked sleep and retry (its
busy handler, with growing sleeps); a register that commits back to back takes the lock again
before a sleeping one wakes up, so one commit could wait 1-2 s while others went through.
:class:`WriteLock` queues writers in the kernel instead: a process-wide ``threading.Lock``
(threads of one process) and then ``flock(LOCK_EX)`` on ``<database>-writelock`` (processes),
taken before ``BEGIN IMMEDIATE`` and released after ``COMMIT``/``ROLLBACK``. A waiter sleeps
in the kernel and is woken the moment the holder lets go.

* It is taken only at transaction depth 0, so it is never waited for while this connection
  holds SQLite's write lock (a nested write is a savepoint); writers that do not take it
  (migrations, other programs) still meet SQLite's own lock and busy timeout, so nothing can
  deadlock, it is just less fair for them.
* Waiting is bounded (``timeout``, the busy timeout): the blocking ``flock`` runs in a helper
  thread, and a caller that gives up gets "database is locked", explained like any other.
* A holder that crashes or is killed loses its ``flock`` with its file descriptors: the kernel
  releases it. Each acquisition opens the file anew (``O_CLOEXEC``), so a forked child never
  shares a lock with its parent.
* The file gets the database file's permission bits (and owner, when created by root), as
  SQLite does for ``-wal`` and ``-shm``, so every user who may write the shop may queue.
  When it cannot be opened (a read-only folder) or there is no ``fcntl`` (Windows), only the
  thread lock is used and SQLite's busy handler orders processes, as before.

**The checkpointer.** In WAL mode the committing connection copies the log back into the
database (and fsyncs it) whenever the log passes ``wal_autocheckpoint`` pages: every few dozen
receipts one commit took 10-20 ms instead of 1. :class:`Checkpointer` is a daemon thread with
its own connection that runs ``PRAGMA wal_checkpoint(PASSIVE)`` soon after anything was
committed (it never waits for, or blocks, readers and writers), ``TRUNCATE`` under the write
lock once the file has been idle, and ``TRUNCATE`` when the process exits. Connections of a
process that runs one keep ``wal_autocheckpoint`` only as a backstop (``BACKSTOP_PAGES``), so
the log stays bounded even if the thread stalls; processes without one (one-shot commands)
keep SQLite's default and its checkpoint on the last close.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import logging
import os
import queue
import sqlite3
import stat
import threading
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

LOCK_SUFFIX = "-writelock"
BACKSTOP_PAGES = 10_000  # ~40 MB of log before a committing connection checkpoints itself


class WriteLockTimeout(sqlite3.OperationalError):
    """Waited longer than the timeout for another writer (worded like SQLite's own error, so
    it is explained as "locked by another program")."""


class _Request:
    """One thread's wait for the file lock, handed to the helper thread."""

    __slots__ = ("abandoned", "fd", "granted", "guard")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.granted = threading.Event()
        self.guard = threading.Lock()
        self.abandoned = False


class WriteLock:
    """The write lock of one database file, shared by every thread of this process."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + LOCK_SUFFIX)
        self._mutex = threading.Lock()
        self._fd: int | None = None
        self._requests: queue.SimpleQueue[_Request] | None = None
        self._use_flock = fcntl is not None

    def acquire(self, timeout: float) -> None:
        """Wait for the lock (at most ``timeout`` s); raise :class:`WriteLockTimeout`."""
        deadline = time.monotonic() + timeout
        if not self._mutex.acquire(timeout=max(timeout, 0)):
            raise self._timeout(timeout)
        try:
            fd = self._open() if self._use_flock else None
            if fd is not None:
                self._flock(fd, deadline, timeout)
            self._fd = fd
        except BaseException:
            self._mutex.release()
            raise

    def release(self) -> None:
        fd, self._fd = self._fd, None
        try:
            if fd is not None:
                os.close(fd)  # closing the only descriptor releases the flock
        finally:
            self._mutex.release()

    # --- the file lock ------------------------------------------------------------------------

    def _flock(self, fd: int, deadline: float, timeout: float) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if timeout <= 0:
                os.close(fd)
                raise self._timeout(timeout) from None
        except BaseException:
            os.close(fd)
            raise
        # Contended: a helper thread waits in flock() (in the kernel's queue) so that this
        # thread can give up at the deadline.
        request = _Request(fd)
        self._waiter().put(request)
        if request.granted.wait(max(0.0, deadline - time.monotonic())):
            return
        with request.guard:
            if request.granted.is_set():
                return
            request.abandoned = True  # the helper closes fd once it gets the lock
        raise self._timeout(timeout)

    def _waiter(self) -> queue.SimpleQueue[_Request]:
        if self._requests is None:
            self._requests = queue.SimpleQueue()
            thread = threading.Thread(
                target=_wait_for_locks,
                args=(self._requests,),
                name=f"torgtui-writelock-{self.database.name}",
                daemon=True,
            )
            thread.start()
        return self._requests

    def _open(self) -> int | None:
        """A new descriptor on the lock file (made like the database file); None when the file
        cannot be had, which turns the file lock off for this process."""
        flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
        try:
            return os.open(self.path, flags)
        except FileNotFoundError:
            pass
        except OSError as exc:
            return self._give_up(exc)
        try:
            db_stat = os.stat(self.database)
        except OSError:
            db_stat = None
        mode = stat.S_IMODE(db_stat.st_mode) & 0o666 if db_stat else 0o644
        try:
            fd = os.open(self.path, flags | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:  # another register made it just now
            try:
                return os.open(self.path, flags)
            except OSError as exc:
                return self._give_up(exc)
        except OSError as exc:
            return self._give_up(exc)
        with contextlib.suppress(OSError):
            os.fchmod(fd, mode)  # the umask may have taken bits away
            if db_stat is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
                os.fchown(fd, db_stat.st_uid, db_stat.st_gid)
        return fd

    def _give_up(self, exc: OSError) -> None:
        """No lock file this time; for good when it is a matter of permissions."""
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            log.warning(
                "cannot use %s (%s): writers queue in SQLite's busy handler instead",
                self.path,
                exc,
            )
            self._use_flock = False
        return None

    def _timeout(self, timeout: float) -> WriteLockTimeout:
        return WriteLockTimeout(
            f"database is locked: another register held the write lock over {timeout:g} s"
        )


def _wait_for_locks(requests: queue.SimpleQueue[_Request]) -> None:
    """The helper thread: take each requested flock (blocking) and hand it over, or drop it
    when its requester has given up meanwhile."""
    while True:
        request = requests.get()
        try:
            fcntl.flock(request.fd, fcntl.LOCK_EX)
        except OSError:  # pragma: no cover - the descriptor is ours; nothing else can fail
            log.exception("flock failed")
        with request.guard:
            if request.abandoned:
                os.close(request.fd)
            else:
                request.granted.set()


_LOCKS: dict[str, WriteLock] = {}
_LOCKS_GUARD = threading.Lock()


def lock_for(database: str | Path) -> WriteLock | None:
    """The process's write lock for a database file (None for in-memory databases)."""
    name = str(database)
    if not name or name == ":memory:" or name.startswith("file::memory:"):
        return None
    key = os.path.realpath(name)
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = WriteLock(Path(key))
        return lock


def _forget_after_fork() -> None:
    """A forked child has none of its parent's threads: start with fresh locks."""
    global _LOCKS_GUARD
    _LOCKS.clear()
    _LOCKS_GUARD = threading.Lock()
    for checkpointer in _CHECKPOINTERS.values():
        # the parent's connection must be neither used nor closed here: keep it, unused
        _INHERITED.append(checkpointer._conn)
        checkpointer._conn = None
    _CHECKPOINTERS.clear()


# --- the checkpointer -------------------------------------------------------------------------


class Checkpointer:
    """A daemon thread that keeps the WAL of one database file short (see the module doc).

    ``interval``: seconds between looks (``PRAGMA data_version``, which changes when another
    connection commits); ``idle``: seconds without a commit before the log is truncated.
    """

    def __init__(self, database: Path, *, interval: float = 0.1, idle: float = 30.0) -> None:
        self.database = database
        self.interval = interval
        self.idle = idle
        self.passive_runs = 0
        self.truncations = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None

    def start(self) -> Checkpointer:
        self._conn = sqlite3.connect(
            self.database, timeout=0.1, isolation_level=None, check_same_thread=False
        )
        self._thread = threading.Thread(
            target=self._run, name=f"torgtui-checkpointer-{self.database.name}", daemon=True
        )
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, *, truncate: bool = True) -> None:
        """Stop the thread; then truncate the log (waiting up to 1 s for the write lock)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._conn is None:
            return
        try:
            if truncate and self.database.exists():
                self.truncate(wait=1.0)
        finally:
            self._conn.close()
            self._conn = None
            _CHECKPOINTERS.pop(os.path.realpath(self.database), None)

    def passive(self) -> bool:
        """Copy what it can of the log into the database; True when all of it was copied."""
        assert self._conn is not None
        busy, logged, copied = self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.passive_runs += 1
        return not busy and logged == copied

    def truncate(self, *, wait: float = 0.0) -> bool:
        """Copy the whole log and cut it to zero bytes, holding the write lock so no writer
        waits in SQLite's busy handler meanwhile. False when a writer or reader was in the way."""
        assert self._conn is not None
        lock = lock_for(self.database)
        try:
            if lock is not None:
                lock.acquire(wait)
        except WriteLockTimeout:
            return False
        try:
            busy, _logged, _copied = self._conn.execute(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            ).fetchone()
        finally:
            if lock is not None:
                lock.release()
        if not busy:
            self.truncations += 1
        return not busy

    def _run(self) -> None:
        assert self._conn is not None
        last_version = None
        last_change = time.monotonic()
        pending = truncated = False
        while not self._stop.wait(self.interval):
            try:
                version = self._conn.execute("PRAGMA data_version").fetchone()[0]
                now = time.monotonic()
                if version != last_version:
                    last_version, last_change, truncated = version, now, False
                    pending = True
                if pending:
                    pending = not self.passive()
                elif not truncated and now - last_change >= self.idle:
                    truncated = self.truncate()
            except sqlite3.Error as exc:  # another checkpoint running, a locked file: retry
                log.debug("checkpoint of %s skipped: %s", self.database, exc)
            except Exception:  # pragma: no cover - keep the thread alive whatever happens
                log.exception("checkpointer of %s", self.database)


_CHECKPOINTERS: dict[str, Checkpointer] = {}
_INHERITED: list[sqlite3.Connection | None] = []


def start_checkpointer(
    database: Path, *, interval: float = 0.1, idle: float = 30.0
) -> Checkpointer:
    """The running checkpointer of ``database`` in this process, started if need be; it is
    stopped (and the log truncated) when the process exits."""
    key = os.path.realpath(database)
    with _LOCKS_GUARD:
        running = _CHECKPOINTERS.get(key)
        if running is not None and running.running:
            return running
        checkpointer = _CHECKPOINTERS[key] = Checkpointer(Path(key), interval=interval, idle=idle)
    checkpointer.start()
    atexit.register(checkpointer.stop)
    return checkpointer


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
