"""Marketing rules (card types, thresholds, price types, promotions ...) change rarely and are
read on every scan, so each process keeps them in memory and reloads them when the shop's
rules version moves. Every change of a rule bumps the version in the same transaction
(:func:`bump`); a register sees it at its next pricing (one indexed read of the ``setting``
table, shared by every rule kind read within :data:`MEMO_SECONDS`: a pricing reads it once, not
once per kind; a change made in this process is seen at once, one made on another register
within that fraction of a second)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from torgtui.db import database, query_value, sql

KEY = "rules.version"
T = TypeVar("T")

MEMO_SECONDS = 0.05

_cache: dict[str, tuple[str, Any]] = {}
_memo: dict[str, tuple[float, str]] = {}  # database token -> (when read, version)


def version() -> str:
    value = query_value('SELECT "value" FROM "setting" WHERE "key" = ?', (KEY,))
    return str(value or "0")


def bump() -> None:
    """Mark the rules changed (inside the transaction that changes them)."""
    database.execute_sql(
        sql(
            'INSERT INTO "setting" ("key", "value") VALUES (?, \'1\') ON CONFLICT ("key") '
            'DO UPDATE SET "value" = CAST(CAST("setting"."value" AS INTEGER) + 1 AS TEXT)'
        ),
        (KEY,),
    )
    _memo.clear()


def _current(token: str) -> str:
    """The rules version, read at most once per MEMO_SECONDS."""
    now = time.monotonic()
    hit = _memo.get(token)
    if hit is not None and now - hit[0] < MEMO_SECONDS:
        return hit[1]
    value = version()
    _memo[token] = (now, value)
    return value


def cached(name: str, load: Callable[[], T]) -> T:
    """``load()``'s result, reloaded when the rules version (or the database) changed."""
    token = _token()
    stamp = f"{token}:{_current(token)}"
    hit = _cache.get(name)
    if hit is not None and hit[0] == stamp:
        return hit[1]  # type: ignore[no-any-return]
    value = load()
    _cache[name] = (stamp, value)
    return value


def _token() -> str:
    """A name for the open database, unique for the process's lifetime (not id(), which a
    new database object may reuse)."""
    db = database.obj
    token = getattr(db, "_torgtui_rules_token", None)
    if token is None:
        import uuid

        token = uuid.uuid4().hex
        db._torgtui_rules_token = token  # type: ignore[union-attr]
    return token


def clear() -> None:
    _cache.clear()
    _memo.clear()
