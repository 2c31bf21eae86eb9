"""The rules file's code batches (the format: torgtui.marketing.rules_file)::

    [[code_batch]]
    code = "FLYER-NOV"            the batch's id
    name = "Flyer, November"
    promotion = "FLYER10"         the promotion's id ([[promotion]] code)
    channel = "Flyer"
    style = "random"              random | ean13 | given
    length = 10                   random: characters after the prefix
    prefix = "FL"                 random: letters; ean13: in-store digits (28)
    given = "SPRING25"            given: the code itself
    uses_per_code = 1
    per_customer = 1              uses of the batch per customer (left out: no limit)
    personal = true               each code is issued to one customer
    valid_from = "2026-11-01"     inclusive dates
    valid_until = "2026-11-30"
    locations = "KYIV, MAIN"      location codes (left out: everywhere)
    count = 500                   codes the batch has (random and EAN-13, not personal)
    blocked = true
    note = "..."

The codes themselves are data, not rules, and they are secrets (a flyer's code is money): the
file carries how many a batch has (``count``), never the random or EAN-13 codes; a chosen code
(``given``) is public and is in the file. Import makes the codes the file asks for beyond those
the batch has (``count`` 500 on a batch of 300 makes 200 more, at random); importing the same
file twice makes nothing the second time, and a count below what the batch has is refused
(codes are never deleted: block the batch instead). Export the codes themselves as CSV or XLSX
(torgtui.marketing.codes_print). ``--replace`` blocks a batch the file does not have.
"""

from __future__ import annotations

from typing import Any

from torgtui.i18n import _
from torgtui.marketing import codes
from torgtui.marketing.rules_common import at, by, code, location_id, text
from torgtui.marketing.rules_file import (
    BOOL,
    TEXT,
    WHOLE,
    Context,
    Key,
    Record,
    RuleError,
    RuleKind,
    register,
)
from torgtui.models import Location
from torgtui.models.codes import STYLES, CodeBatch
from torgtui.models.promotions import Promotion
from torgtui.values import check_date

COUNTED = ("random", "ean13")


def _counted(record: Record) -> bool:
    return record["style"] in COUNTED and not record.get("personal", False)


def _dump() -> list[Record]:
    promotions = dict(Promotion.select(Promotion.id, Promotion.code).tuples())
    places = dict(Location.select(Location.id, Location.code).tuples())
    out = []
    for batch in CodeBatch.select().order_by(CodeBatch.code):
        data = codes.batch_data(batch)
        record: Record = {
            "code": batch.code,
            "name": batch.name,
            "promotion": promotions[batch.promotion_id],
            "style": batch.style,
            "uses_per_code": batch.uses_per_code,
        }
        optional: dict[str, Any] = {
            "channel": batch.channel,
            "prefix": batch.prefix,
            "length": batch.length if batch.style == "random" else 0,
            "given": data.given,
            "per_customer": batch.per_customer,
            "personal": bool(batch.personal),
            "valid_from": batch.valid_from.isoformat() if batch.valid_from else "",
            "valid_until": batch.valid_until.isoformat() if batch.valid_until else "",
            "locations": ", ".join(sorted(places[i] for i in data.location_ids)),
            "blocked": bool(batch.blocked),
            "note": batch.note,
        }
        record.update({k: v for k, v in optional.items() if v})
        if _counted(record):
            record["count"] = codes.code_count(batch.id)
        out.append(record)
    return out


def _promotion_id(value: str) -> int:
    found = Promotion.get_or_none(Promotion.code == value)
    if found is None:
        raise RuleError(
            _("There is no promotion {code!r}: write its [[promotion]] first.").format(
                code=value[:40]
            ),
            "promotion",
        )
    return found.id  # type: ignore[no-any-return]


def _location_codes(value: str) -> list[str]:
    names = sorted({p.strip() for p in value.split(",") if p.strip()})
    for name in names:
        location_id(name, "locations")
    return names


def _data(record: Record, ids: dict[str, Any]) -> codes.BatchData:
    return codes.BatchData(
        code=record["code"],
        name=record["name"],
        promotion_id=ids["promotion"],
        channel=record.get("channel", ""),
        style=record["style"],
        prefix=record.get("prefix", ""),
        length=record.get("length", 0),
        given=record.get("given", ""),
        uses_per_code=record["uses_per_code"],
        per_customer=record.get("per_customer", 0),
        personal=record.get("personal", False),
        valid_from=ids["valid_from"],
        valid_until=ids["valid_until"],
        location_ids=tuple(ids["locations"]),
        note=record.get("note", ""),
    )


def _load(record: Record, ctx: Context) -> Record:
    """The file's record checked by the service's own rules, in the canonical form of _dump."""
    style = record["style"]
    if style not in STYLES:
        raise RuleError(
            _("style is random, ean13 or given, not {value!r}.").format(value=style[:20]),
            "style",
        )
    if "length" in record and style != "random":
        raise RuleError(_("length is for random codes only."), "length")
    ids: dict[str, Any] = {
        "promotion": _promotion_id(code(record, "promotion", _("The promotion")))
    }
    for key in ("valid_from", "valid_until"):
        ids[key] = None
        if record.get(key):
            with at(key):
                ids[key] = check_date(record[key], key)
    places = _location_codes(record.get("locations", ""))
    ids["locations"] = [location_id(p, "locations") for p in places]
    raw = {
        "code": code(record, "code", _("The batch's code")),
        "name": text(record, "name", _("The batch's name")),
        "style": style,
        "uses_per_code": record.get("uses_per_code", 1),
        "length": record.get("length", codes.DEFAULT_RANDOM_LENGTH if style == "random" else 0),
        **{k: record[k] for k in ("channel", "prefix", "given", "note") if k in record},
        **{k: record[k] for k in ("per_customer", "personal") if k in record},
    }
    with at(None):
        clean = codes.check_batch(_data(raw, ids))
    out: Record = {
        "code": clean.code,
        "name": clean.name,
        "promotion": record["promotion"],
        "style": clean.style,
        "uses_per_code": clean.uses_per_code,
    }
    optional: dict[str, Any] = {
        "channel": clean.channel,
        "prefix": clean.prefix,
        "length": clean.length if clean.style == "random" else 0,
        "given": clean.given,
        "per_customer": clean.per_customer,
        "personal": clean.personal,
        "valid_from": clean.valid_from.isoformat() if clean.valid_from else "",
        "valid_until": clean.valid_until.isoformat() if clean.valid_until else "",
        "locations": ", ".join(places),
        "blocked": record.get("blocked", False),
        "note": clean.note,
    }
    out.update({k: v for k, v in optional.items() if v})
    current = CodeBatch.get_or_none(CodeBatch.code == out["code"])
    have = codes.code_count(current.id) if current is not None else 0
    if "count" in record and not _counted(out):
        raise RuleError(_("count is for random and EAN-13 batches that are not personal."), "count")
    if _counted(out):
        out["count"] = record.get("count", have)
        if out["count"] < have:
            raise RuleError(
                _(
                    "Batch {code} has {have} codes: codes are never deleted, so count is {have} "
                    "or more (block the batch to stop its codes)."
                ).format(code=out["code"], have=have),
                "count",
            )
        if out["count"] - have > codes.MAX_GENERATE:
            raise RuleError(
                _("At most {n} new codes in one import.").format(n=codes.MAX_GENERATE), "count"
            )
    return out


def _save(new: Record, old: Record | None, ctx: Context) -> None:
    ids: dict[str, Any] = {
        "promotion": _promotion_id(new["promotion"]),
        "locations": [
            location_id(p, "locations") for p in _location_codes(new.get("locations", ""))
        ],
    }
    for key in ("valid_from", "valid_until"):
        ids[key] = check_date(new[key], key) if key in new else None
    batch = codes.save_batch(_data(new, ids), **by(ctx))
    have = codes.code_count(batch.id)
    if _counted(new) and new["count"] > have:
        codes.generate_codes(batch, new["count"] - have, **by(ctx))
    blocked = new.get("blocked", False)
    if blocked != bool(batch.blocked):
        (codes.block_batch if blocked else codes.unblock_batch)(
            batch, reason=_("rules file"), **by(ctx)
        )


def _retire(old: Record, ctx: Context) -> bool:
    if old.get("blocked"):
        return False
    codes.block_batch(old["code"], reason=_("not in the rules file"), **by(ctx))
    return True


register(
    RuleKind(
        name="code_batch",
        order=250,  # after the promotions it activates (200)
        keys={
            "code": Key(TEXT, required=True),
            "name": Key(TEXT, required=True),
            "promotion": Key(TEXT, required=True),
            "style": Key(TEXT, required=True),
            "channel": Key(TEXT),
            "prefix": Key(TEXT),
            "length": Key(WHOLE),
            "given": Key(TEXT),
            "uses_per_code": Key(WHOLE),
            "per_customer": Key(WHOLE),
            "personal": Key(BOOL),
            "valid_from": Key(TEXT),
            "valid_until": Key(TEXT),
            "locations": Key(TEXT),
            "count": Key(WHOLE),
            "blocked": Key(BOOL),
            "note": Key(TEXT),
        },
        id_keys=("code",),
        dump=_dump,
        load=_load,
        save=_save,
        retire=_retire,
    )
)
