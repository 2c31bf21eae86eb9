"""Promo codes, coupons and control barcodes: code batches and their codes (the register's side
is torgtui.marketing.codes_sale; exports and labels codes_print; the channel's result
codes_report; the rules file rules_codes; the whole design in docs/promotions-codes.md).

A **batch** activates one promotion and comes from one acquisition channel (free text: "flyer",
"Instagram", a partner's name; an existing channel's spelling is reused whatever the case).
Its codes look one of three ways (``style``):

* ``random``: an optional prefix and ``length`` characters drawn with :mod:`secrets` from
  :data:`ALPHABET` (digits and capitals without 0/O, 1/I/L, which people misread); at least
  :data:`MIN_RANDOM_LENGTH` of them, so a code cannot be guessed (31^8 > 8 * 10^11);
* ``ean13``: an in-store EAN-13 (torgtui.catalog.barcodes.make_ean13) of the shop's promo range,
  :data:`EAN_PREFIX` unless the batch names another in-store prefix; the prefix may not overlap
  the scale labels' or any card numbering's (torgtui.marketing.numbering), nor any product's
  barcode, so a code never reads as a product or a card; the digits after it are random too;
* ``given``: one code the shop chose (SPRING25), for a public campaign, usually of many uses.

Uses per code (1: single use), a per-customer limit (uses of the batch by one customer; a
customer must then be on the receipt), validity dates (inclusive), the locations it is valid
at (none: all), and ``personal``: each code is issued to one customer (:func:`issue_codes`).

API (every writer needs EDIT_PRICES and is audited; bad input is a ValidationError and
nothing is written):

* ``save_batch(BatchData, *, by, clock, scale_prefixes, card_prefix)`` -> CodeBatch: create or
  change (by ``code``); how codes look cannot change once the batch has codes, nor the
  promotion once one was used.
* ``generate_codes(batch, count, *, by, clock)`` -> the new codes (at most
  :data:`MAX_GENERATE` at a time, :data:`MAX_PER_BATCH` in a batch).
* ``issue_codes(batch, customer_ids, *, by, clock)`` -> {customer id: code} (personal batches;
  a customer who has one keeps it).
* ``block_batch / unblock_batch(batch, *, by, reason)``, ``block_code / unblock_code(code, ...)``.
* ``batch_of(code or id)``, ``summaries()``, ``list_codes(batch, *, by, after_id, limit)``,
  ``code_count(batch_id)``, ``channels()``; ``normalize(text)`` and ``formats()`` /
  ``looks_like_code(text)`` (from memory: what the register's code field claims).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from torgtui.clock import Clock, system_clock
from torgtui.db import database, insert_rows, query_value, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import rulecache
from torgtui.marketing.codes_make import MAX_GENERATE, MAX_PER_BATCH, generate_codes, issue_codes
from torgtui.marketing.codes_read import (
    ALPHABET,
    EAN_PREFIX,
    BatchSummary,
    CodeRow,
    Formats,
    batch_of,
    channels,
    code_count,
    formats,
    iter_codes,
    list_codes,
    location_ids,
    looks_like_code,
    normalize,
    promotion_row,
    summaries,
)
from torgtui.models import Employee, Location
from torgtui.models.codes import STYLES, CodeBatch, CodeBatchLocation, PromoCode
from torgtui.staff import Permission, audit, require
from torgtui.values import check_code, check_count, check_date, check_id, check_text

MIN_RANDOM_LENGTH, MAX_RANDOM_LENGTH, DEFAULT_RANDOM_LENGTH = 8, 20, 10
MAX_RANDOM_PREFIX = 8
MAX_USES = 1_000_000


@dataclass
class BatchData:
    """A batch as a manager describes it (see the module doc)."""

    code: str
    name: str
    promotion_id: int
    channel: str = ""
    style: str = "random"
    prefix: str = ""  # random: letters of ALPHABET; ean13: in-store digits (EAN_PREFIX if "")
    length: int = DEFAULT_RANDOM_LENGTH  # random: characters after the prefix
    given: str = ""  # style "given": the code itself
    uses_per_code: int = 1
    per_customer: int = 0  # 0: no limit
    personal: bool = False
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    location_ids: tuple[int, ...] = ()
    note: str = ""


# --- checking a batch -----------------------------------------------------------------------


def _check_channel(value: Any) -> str:
    text = " ".join(check_text(value, _("The channel"), max_len=60).split())
    if not text:
        return ""
    for known in channels():
        if known.casefold() == text.casefold():
            return known  # one channel, one spelling: the report groups by it
    return text


def _check_random(data: BatchData) -> tuple[str, int]:
    prefix = normalize(check_text(data.prefix, _("The codes' prefix"), max_len=MAX_RANDOM_PREFIX))
    if any(ch not in ALPHABET for ch in prefix):
        raise ValidationError(
            _(
                "The codes' prefix {prefix!r} may have only digits 2-9 and capital letters "
                "without O, I and L (people misread them)."
            ).format(prefix=prefix)
        )
    length = check_count(
        data.length,
        _("The random part's length"),
        minimum=MIN_RANDOM_LENGTH,
        maximum=MAX_RANDOM_LENGTH,
        text=False,
    )
    return prefix, length


def _overlaps(one: str, other: str) -> bool:
    return one.startswith(other) or other.startswith(one)


def _check_ean_prefix(
    data: BatchData, scale_prefixes: tuple[str, ...], card_prefix: str
) -> tuple[str, int]:
    from torgtui.marketing.numbering import card_numberings

    prefix = check_text(data.prefix, _("The codes' prefix"), max_len=4) or EAN_PREFIX
    if not (prefix.isascii() and prefix.isdigit() and prefix.startswith("2") and len(prefix) >= 2):
        raise ValidationError(
            _(
                "An EAN-13 code's prefix is 2 to 4 digits of the shop's own range 20-29, like "
                "{prefix}."
            ).format(prefix=EAN_PREFIX)
        )
    for scale in scale_prefixes:
        if _overlaps(prefix, scale):
            raise ValidationError(
                _("Prefix {prefix} is the scale labels' ({scale}): choose another.").format(
                    prefix=prefix, scale=scale
                )
            )
    for numbering in card_numberings(card_prefix):
        if _overlaps(prefix, numbering.prefix):
            raise ValidationError(
                _("Prefix {prefix} is the loyalty cards' ({cards}): choose another.").format(
                    prefix=prefix, cards=numbering.prefix
                )
            )
    for statement in (  # digits only: nothing in the prefix is a LIKE wildcard
        'SELECT "code" FROM "barcode" WHERE "code" LIKE ? AND LENGTH("code") = 13',
        'SELECT "sku" FROM "product" WHERE "sku" LIKE ? AND LENGTH("sku") = 13',
    ):
        for (code,) in database.execute_sql(
            sql(statement + " LIMIT 50"), (prefix + "%",)
        ).fetchall():
            if len(code) == 13 and code.isdigit():
                raise ValidationError(
                    _(
                        "Products have barcodes with the prefix {prefix} (like {code}): choose "
                        "another prefix, so a code never reads as a product."
                    ).format(prefix=prefix, code=code)
                )
    return prefix, 13


def _clash(code: str, batch_id: int | None = None) -> str | None:
    """Why ``code`` cannot be a promo code (another code, a product, a card), or None."""
    other = PromoCode.get_or_none(PromoCode.code == code)
    if other is not None and other.batch_id != batch_id:
        return _("{code} is a code of another batch already.").format(code=code)
    if query_value('SELECT 1 FROM "barcode" WHERE "code" = ?', (code,)) or query_value(
        'SELECT 1 FROM "product" WHERE UPPER("sku") = ?', (code,)
    ):
        return _("{code} is a product's barcode or article.").format(code=code)
    if query_value('SELECT 1 FROM "customer" WHERE "card" = ?', (code,)):
        return _("{code} is a customer's card number.").format(code=code)
    return None


def _check_given(data: BatchData) -> str:
    code = normalize(check_code(data.given, _("The code"), max_len=20))
    if not (4 <= len(code) <= 20 and code.isascii() and code.isalnum()):
        raise ValidationError(
            _("A chosen code is 4 to 20 Latin letters and digits, like SPRING25.")
        )
    return code


def _dates(data: BatchData) -> tuple[dt.date | None, dt.date | None]:
    start = None if data.valid_from is None else check_date(data.valid_from, _("Valid from"))
    end = None if data.valid_until is None else check_date(data.valid_until, _("Valid until"))
    if start is not None and end is not None and end < start:
        raise ValidationError(
            _("The codes would stop being valid ({end}) before they start ({start}).").format(
                end=end.isoformat(), start=start.isoformat()
            )
        )
    return start, end


def _locations(ids: Iterable[int]) -> tuple[int, ...]:
    if not isinstance(ids, (list, tuple)) or len(ids) > 1000:
        raise ValidationError(_("Give the locations as a list of at most 1000."))
    wanted = sorted({check_id(i, _("A location")) for i in ids})
    if len(wanted) > 1000:
        raise ValidationError(_("At most 1000 locations for one batch."))
    known = {i for (i,) in Location.select(Location.id).where(Location.id.in_(wanted)).tuples()}
    if len(known) != len(wanted):
        raise ValidationError(_("There is no such location: choose one from the list."))
    return tuple(wanted)


@dataclass(frozen=True)
class _Checked:
    fields: dict[str, Any]
    given: str
    locations: tuple[int, ...]


def _check(data: BatchData, scale_prefixes: tuple[str, ...], card_prefix: str) -> _Checked:
    if not isinstance(data, BatchData):
        raise ValidationError(_("That is not a code batch: nothing was saved."))
    code = check_code(data.code, _("The batch's code"))
    name = check_text(data.name, _("The batch's name"), max_len=120, required=True)
    promotion_id = check_id(data.promotion_id, _("The promotion"))
    if promotion_row(promotion_id) is None:
        raise ValidationError(_("There is no such promotion: choose one from the list."))
    if data.style not in STYLES:
        raise ValidationError(
            _("Codes are random, ean13 or given, not {style!r}.").format(style=str(data.style)[:20])
        )
    prefix, length, given = "", 0, ""
    if data.style == "random":
        prefix, length = _check_random(data)
    elif data.style == "ean13":
        prefix, length = _check_ean_prefix(data, scale_prefixes, card_prefix)
    else:
        given = _check_given(data)
    if data.style != "given" and data.given:
        raise ValidationError(_("Only a batch of a chosen code (given) takes the code itself."))
    if not isinstance(data.personal, bool):
        raise ValidationError(_("Personal is yes or no."))
    if data.personal and data.style == "given":
        raise ValidationError(
            _("A chosen code is one for everybody: it cannot be issued to each customer.")
        )
    uses = check_count(
        data.uses_per_code, _("Uses per code"), minimum=1, maximum=MAX_USES, text=False
    )
    per_customer = check_count(
        data.per_customer, _("Uses per customer"), maximum=MAX_USES, text=False
    )
    start, end = _dates(data)
    fields = dict(
        code=code,
        name=name,
        promotion=promotion_id,
        channel=_check_channel(data.channel),
        style=data.style,
        prefix=prefix,
        length=length,
        uses_per_code=uses,
        per_customer=per_customer,
        personal=data.personal,
        valid_from=start,
        valid_until=end,
        note=check_text(data.note, _("The note"), max_len=200),
    )
    return _Checked(fields, given, _locations(data.location_ids))


def check_batch(
    data: BatchData, *, scale_prefixes: tuple[str, ...] = ("20",), card_prefix: str = "29"
) -> BatchData:
    """``data`` checked as :func:`save_batch` checks it, in its clean form (nothing written):
    the channel as the shop spells it, prefixes and a chosen code in capitals, and so on."""
    checked = _check(data, scale_prefixes, card_prefix)
    f = checked.fields
    return BatchData(
        code=f["code"],
        name=f["name"],
        promotion_id=f["promotion"],
        channel=f["channel"],
        style=f["style"],
        prefix=f["prefix"],
        length=f["length"],
        given=checked.given,
        uses_per_code=f["uses_per_code"],
        per_customer=f["per_customer"],
        personal=f["personal"],
        valid_from=f["valid_from"],
        valid_until=f["valid_until"],
        location_ids=checked.locations,
        note=f["note"],
    )


# --- writing --------------------------------------------------------------------------------


def _facts(batch: CodeBatch) -> dict[str, Any]:
    out = {
        k: getattr(batch, k)
        for k in (
            "code",
            "name",
            "channel",
            "style",
            "prefix",
            "length",
            "uses_per_code",
            "per_customer",
            "personal",
            "valid_from",
            "valid_until",
            "blocked",
            "note",
        )
    }
    out["promotion"] = batch.promotion_id
    out["locations"] = list(location_ids(batch.id))
    return out


SHAPE = ("style", "prefix", "length", "personal")


def save_batch(
    data: BatchData,
    *,
    by: Employee,
    clock: Clock = system_clock,
    scale_prefixes: tuple[str, ...] = ("20",),
    card_prefix: str = "29",
) -> CodeBatch:
    """Create the batch ``data.code`` or change it (see the module doc). A given code is made
    with its batch. ``scale_prefixes`` and ``card_prefix`` are the settings' (an EAN-13
    prefix may not overlap them)."""
    require(by, Permission.EDIT_PRICES)
    now = clock()
    with write_tx():
        checked = _check(data, scale_prefixes, card_prefix)
        fields = checked.fields
        current = CodeBatch.get_or_none(CodeBatch.code == fields["code"])
        before = _facts(current) if current is not None else None
        if current is None:
            if checked.given and (why := _clash(checked.given)):
                raise ValidationError(why + " " + _("Choose another code."))
            batch = CodeBatch.create(
                **fields, blocked=False, created_at=now, updated_at=now, created_by=by.id
            )
            if checked.given:
                PromoCode.create(batch=batch.id, code=checked.given, created_at=now)
        else:
            _check_change(current, fields, checked.given)
            CodeBatch.update(**fields, updated_at=now).where(CodeBatch.id == current.id).execute()
            batch = CodeBatch.get_by_id(current.id)
        if location_ids(batch.id) != checked.locations:
            CodeBatchLocation.delete().where(CodeBatchLocation.batch == batch.id).execute()
            insert_rows(
                "code_batch_location",
                ["batch_id", "location_id"],
                [(batch.id, i) for i in checked.locations],
            )
        rulecache.bump()
        audit(
            "code_batch.save",
            by,
            object_type="code_batch",
            object_id=batch.id,
            before=before,
            after={**_facts(batch), **({"given": checked.given} if checked.given else {})},
            clock=clock,
        )
    return batch


def _check_change(current: CodeBatch, fields: dict[str, Any], given: str) -> None:
    has_codes = code_count(current.id) > 0
    if has_codes and any(getattr(current, k) != fields[k] for k in SHAPE):
        raise ValidationError(
            _(
                "Batch {code} has codes already: how its codes look (random, EAN-13, chosen, "
                "personal, the prefix and length) cannot change. Make a new batch."
            ).format(code=current.code)
        )
    if current.style == "given":
        mine = query_value('SELECT "code" FROM "promo_code" WHERE "batch_id" = ?', (current.id,))
        if mine != given:
            raise ValidationError(
                _("Batch {code}'s code is {given}: make a new batch for another code.").format(
                    code=current.code, given=mine
                )
            )
    if current.promotion_id != fields["promotion"] and query_value(
        'SELECT 1 FROM "promo_code_use" WHERE "batch_id" = ?', (current.id,)
    ):
        raise ValidationError(
            _(
                "Codes of batch {code} were used already: its promotion cannot change (the "
                "report would mix two promotions). Make a new batch."
            ).format(code=current.code)
        )


def _set_blocked(target: str, ident: Any, blocked: bool, by: Employee, reason: Any, clock) -> None:
    require(by, Permission.EDIT_PRICES)
    reason = check_text(reason, _("The reason"), max_len=200)
    with write_tx():
        if target == "batch":
            found = batch_of(ident)
            row_id, label, was = found.id, found.code, bool(found.blocked)
            model: Any = CodeBatch
        else:
            text = normalize(check_code(ident, _("The code")))
            code = PromoCode.get_or_none(PromoCode.code == text)
            if code is None:
                raise ValidationError(_("Code {code} is not known: check it.").format(code=text))
            row_id, label, was, model = code.id, code.code, bool(code.blocked), PromoCode
        if was == blocked:
            raise ValidationError(
                (
                    _("{what} is blocked already.") if blocked else _("{what} is not blocked.")
                ).format(what=label)
            )
        model.update(blocked=blocked).where(model.id == row_id).execute()
        audit(
            f"{'code_batch' if target == 'batch' else 'promo_code'}."
            f"{'block' if blocked else 'unblock'}",
            by,
            object_type="code_batch" if target == "batch" else "promo_code",
            object_id=row_id,
            before={"blocked": was},
            after={"blocked": blocked, "reason": reason},
            clock=clock,
        )


def block_batch(batch, *, by: Employee, reason: str = "", clock: Clock = system_clock) -> None:
    """No code of the batch works any more (the register refuses them, in words)."""
    _set_blocked("batch", batch, True, by, reason, clock)


def unblock_batch(batch, *, by: Employee, reason: str = "", clock: Clock = system_clock) -> None:
    _set_blocked("batch", batch, False, by, reason, clock)


def block_code(code: str, *, by: Employee, reason: str = "", clock: Clock = system_clock) -> None:
    """One code no longer works (a flyer stolen, a code posted where it should not be)."""
    _set_blocked("code", code, True, by, reason, clock)


def unblock_code(code: str, *, by: Employee, reason: str = "", clock: Clock = system_clock) -> None:
    _set_blocked("code", code, False, by, reason, clock)


def batch_data(batch: CodeBatch | int | str) -> BatchData:
    """The batch as :class:`BatchData` (to change some of it and save it again)."""
    found = batch_of(batch)
    given = ""
    if found.style == "given":
        given = str(
            query_value('SELECT "code" FROM "promo_code" WHERE "batch_id" = ?', (found.id,))
        )
    return BatchData(
        code=found.code,
        name=found.name,
        promotion_id=found.promotion_id,
        channel=found.channel,
        style=found.style,
        prefix=found.prefix,
        length=found.length,
        given=given,
        uses_per_code=found.uses_per_code,
        per_customer=found.per_customer,
        personal=bool(found.personal),
        valid_from=found.valid_from,
        valid_until=found.valid_until,
        location_ids=location_ids(found.id),
        note=found.note,
    )


__all__ = [
    "ALPHABET",
    "EAN_PREFIX",
    "MAX_GENERATE",
    "MAX_PER_BATCH",
    "BatchData",
    "BatchSummary",
    "CodeRow",
    "Formats",
    "batch_data",
    "batch_of",
    "block_batch",
    "block_code",
    "channels",
    "check_batch",
    "code_count",
    "formats",
    "generate_codes",
    "issue_codes",
    "iter_codes",
    "list_codes",
    "location_ids",
    "looks_like_code",
    "normalize",
    "promotion_row",
    "save_batch",
    "summaries",
    "unblock_batch",
    "unblock_code",
]
