"""Reading promo codes and their batches (the writers are torgtui.marketing.codes and
codes_make): a batch by id or rule id, its codes a page at a time, summaries for a list, the
channels in use, and -- kept in memory for the register's code field -- what every batch's
codes look like (:func:`looks_like_code`), so a product scan never waits for a code look-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import peewee

from torgtui.db import database, query_value, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import rulecache
from torgtui.models import Customer, Employee
from torgtui.models.codes import CodeBatch, CodeBatchLocation, PromoCode
from torgtui.staff import Permission, require
from torgtui.values import check_count, check_id

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
EAN_PREFIX = "28"  # the shop's promo range: 20 scale labels, 21-22 goods, 29 cards
# letters a Ukrainian keyboard types for their Latin look-alikes (a code typed by hand)
LOOKALIKES = str.maketrans("АВСЕНІКМОРТХУ", "ABCEHIKMOPTXY")


def normalize(text: str) -> str:
    """A code as typed or scanned, as it is stored: capitals, Cyrillic look-alikes as Latin."""
    return text.strip().upper().translate(LOOKALIKES)


@dataclass(frozen=True)
class Formats:
    """What the codes of every batch look like, kept in memory for the register's code field."""

    ean_prefixes: tuple[str, ...] = ()
    random: tuple[tuple[str, int], ...] = ()  # (prefix, characters after it)
    given: frozenset[str] = field(default_factory=frozenset)


# --- reading --------------------------------------------------------------------------------


def batch_of(batch: CodeBatch | int | str) -> CodeBatch:
    """The batch itself, by row, id or rule id."""
    if isinstance(batch, str):
        found = CodeBatch.get_or_none(CodeBatch.code == batch.strip())
    else:
        found = CodeBatch.get_or_none(
            CodeBatch.id == check_id(getattr(batch, "id", batch), _("The code batch"))
        )
    if found is None:
        raise ValidationError(_("There is no such code batch: choose one from the list."))
    return found


def promotion_row(promotion_id: int) -> tuple[int, str, str] | None:
    """(id, code, name) of a promotion (torgtui.models.promotions), or None."""
    row = database.execute_sql(
        sql('SELECT "id", "code", "name" FROM "promotion" WHERE "id" = ?'), (promotion_id,)
    ).fetchone()
    return (int(row[0]), str(row[1]), str(row[2])) if row else None


def code_count(batch_id: int) -> int:
    return int(query_value('SELECT COUNT(*) FROM "promo_code" WHERE "batch_id" = ?', (batch_id,)))  # type: ignore[call-overload]


def location_ids(batch_id: int) -> tuple[int, ...]:
    return tuple(
        sorted(
            r
            for (r,) in CodeBatchLocation.select(CodeBatchLocation.location)
            .where(CodeBatchLocation.batch == batch_id)
            .tuples()
        )
    )


def channels() -> list[str]:
    """Every channel a batch names, in alphabetical order (for a choice list)."""
    return sorted(
        {c for (c,) in CodeBatch.select(CodeBatch.channel).distinct().tuples() if c},
        key=str.casefold,
    )


@dataclass(frozen=True)
class BatchSummary:
    id: int
    code: str
    name: str
    promotion_id: int
    channel: str
    style: str
    uses_per_code: int
    codes: int
    uses: int  # uses in force of all its codes
    blocked: bool
    valid_from: dt.date | None
    valid_until: dt.date | None


def summaries() -> list[BatchSummary]:
    """Every batch with how many codes it has and how many uses are taken (two queries)."""
    counts = {
        bid: (int(n), int(u or 0))
        for bid, n, u in PromoCode.select(
            PromoCode.batch, peewee.fn.COUNT(PromoCode.id), peewee.fn.SUM(PromoCode.used)
        )
        .group_by(PromoCode.batch)
        .tuples()
    }
    return [
        BatchSummary(
            b.id,
            b.code,
            b.name,
            b.promotion_id,
            b.channel,
            b.style,
            b.uses_per_code,
            *counts.get(b.id, (0, 0)),
            bool(b.blocked),
            b.valid_from,
            b.valid_until,
        )
        for b in CodeBatch.select().order_by(CodeBatch.code)
    ]


@dataclass(frozen=True)
class CodeRow:
    id: int
    code: str
    used: int
    uses_per_code: int
    blocked: bool
    customer_id: int | None
    customer: str  # the holder's name and card ("" when not issued to anyone)


def list_codes(
    batch: CodeBatch | int | str, *, by: Employee, after_id: int = 0, limit: int = 200
) -> list[CodeRow]:
    """A page of the batch's codes in the order they were made (keyset: ``after_id``)."""
    require(by, Permission.EDIT_PRICES)
    found = batch_of(batch)
    limit = check_count(limit, _("The page size"), minimum=1, maximum=10_000, text=False)
    after_id = check_count(after_id, _("The page start"), maximum=2**62, text=False)
    return list(_rows(found, after_id, limit))


def _rows(batch: CodeBatch, after_id: int, limit: int) -> Iterable[CodeRow]:
    query = (
        PromoCode.select(PromoCode, Customer.id, Customer.name, Customer.card)
        .join(Customer, peewee.JOIN.LEFT_OUTER, on=(PromoCode.customer == Customer.id))
        .where((PromoCode.batch == batch.id) & (PromoCode.id > after_id))
        .order_by(PromoCode.id)
        .limit(limit)
    )
    for code in query:
        holder = getattr(code, "customer", None) if code.customer_id else None
        who = f"{holder.name} ({holder.card})" if holder is not None and holder.card else ""
        yield CodeRow(
            code.id,
            code.code,
            code.used,
            batch.uses_per_code,
            bool(code.blocked),
            code.customer_id,
            who or (holder.name if holder is not None else ""),
        )


def iter_codes(batch: CodeBatch, chunk: int = 2000) -> Iterable[CodeRow]:
    """Every code of ``batch`` (for exports and labels), a chunk of rows at a time."""
    after = 0
    while True:
        page = list(_rows(batch, after, chunk))
        yield from page
        if len(page) < chunk:
            return
        after = page[-1].id


# --- what codes look like (from memory) ------------------------------------------------------


def _load_formats() -> Formats:
    ean, random, given = set(), set(), set()
    for style, prefix, length, bid in CodeBatch.select(
        CodeBatch.style, CodeBatch.prefix, CodeBatch.length, CodeBatch.id
    ).tuples():
        if style == "ean13":
            ean.add(prefix)
        elif style == "random":
            random.add((prefix, length))
        else:
            given.update(
                c
                for (c,) in PromoCode.select(PromoCode.code).where(PromoCode.batch == bid).tuples()
            )
    return Formats(tuple(sorted(ean)), tuple(sorted(random)), frozenset(given))


def formats() -> Formats:
    return rulecache.cached("promo_code_formats", _load_formats)


def looks_like_code(text: str) -> bool:
    """Whether ``text`` (normalized) has the form of some batch's codes: no database read but
    the rules' version, so a product scan never waits for a code look-up."""
    if not 3 <= len(text) <= 40 or not (text.isascii() and text.isalnum()):
        return False  # an article like D-1, a weight typed: no look-up at all
    if text.isdigit() and len(text) != 13:
        return False
    f = formats()
    if text.isdigit():
        return len(text) == 13 and any(text.startswith(p) for p in f.ean_prefixes)
    if text in f.given:
        return True
    return any(
        len(text) == len(prefix) + length
        and text.startswith(prefix)
        and all(ch in ALPHABET for ch in text[len(prefix) :])
        for prefix, length in f.random
    )
