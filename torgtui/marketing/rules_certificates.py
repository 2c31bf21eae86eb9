"""The rules file's gift certificate types (the format: torgtui.marketing.rules_file)::

    [[certificate_type]]
    code = "GIFT1000"             the type's id
    name = "Gift certificate 1000"
    mode = "money"                money | product | discount
    product = "GC-1000"           the catalog article it is sold as
    face_value = 100000           kopecks (money, product)
    partial = true                money: spent in parts (left out: once, whole)
    discount_percent = 10         discount: percent off ...
    discount_amount = 5000        ... or kopecks off
    min_total = 50000             discount: the least receipt (kopecks)
    prefix = "27"                 EAN-13 in-store digits of its own numbering
    range_from = 1                the numbers (left out: from 1 as far as the prefix goes)
    range_to = 99999
    valid_days = 365              from the sale
    valid_until = "2026-12-31"    the last day for all
    template = "gift-a6"          the print template's name
    active = false                no longer sold
    note = "..."

The certificates themselves are data, not rules: issue them in Certificates (or
``torgtui certificates issue``). ``--replace`` makes a type the file does not have inactive
(its certificates stay valid).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from torgtui.i18n import _
from torgtui.marketing import certificates as gc
from torgtui.marketing.certificates_types import _check_prefix, _check_product
from torgtui.marketing.rules_common import at, by, code, num, text
from torgtui.marketing.rules_file import (
    BOOL,
    NUMBER,
    TEXT,
    WHOLE,
    Context,
    Key,
    Record,
    RuleError,
    RuleKind,
    register,
)
from torgtui.values import check_date, check_kopecks

DEFAULTS: dict[str, Any] = {
    "product": "",
    "face_value": 0,
    "partial": False,
    "discount_percent": None,
    "discount_amount": 0,
    "min_total": 0,
    "range_from": 1,
    "range_to": 0,
    "valid_days": 0,
    "valid_until": None,
    "template": "",
    "active": True,
    "note": "",
}


def _record(data: gc.TypeData) -> Record:
    """A type in the file's canonical form (keys at their defaults left out)."""
    out: Record = {"code": data.code, "name": data.name, "mode": data.mode, "prefix": data.prefix}
    values = {
        "product": data.product_sku,
        "face_value": data.face_value,
        "partial": data.partial,
        "discount_percent": None
        if data.discount_percent is None
        else num(Decimal(data.discount_percent)),
        "discount_amount": data.discount_amount,
        "min_total": data.min_total,
        "range_from": data.range_from,
        "range_to": data.range_to,
        "valid_days": data.valid_days,
        "valid_until": data.valid_until.isoformat() if data.valid_until else None,
        "template": data.template,
        "active": data.active,
        "note": data.note,
    }
    out.update({k: v for k, v in values.items() if v != DEFAULTS[k]})
    return out


def _dump() -> list[Record]:
    return [_record(gc.type_data(t)) for t in gc.types()]


def _data(record: Record) -> gc.TypeData:
    percent = record.get("discount_percent")
    until = record.get("valid_until")
    return gc.TypeData(
        code=record["code"],
        name=record["name"],
        mode=record["mode"],
        product_sku=record.get("product", ""),
        face_value=record.get("face_value", 0),
        partial=record.get("partial", False),
        discount_percent=None if percent is None else Decimal(str(percent)),
        discount_amount=record.get("discount_amount", 0),
        min_total=record.get("min_total", 0),
        prefix=record.get("prefix", gc.DEFAULT_PREFIX),
        range_from=record.get("range_from", 1),
        range_to=record.get("range_to", 0),
        valid_days=record.get("valid_days", 0),
        valid_until=None if until is None else check_date(until, "valid_until"),
        template=record.get("template", ""),
        active=record.get("active", True),
        note=record.get("note", ""),
    )


def _load(record: Record, ctx: Context) -> Record:
    """The file's record checked by the service's own rules, in the canonical form of _dump."""
    code(record, "code", _("The certificate type's id"))
    text(record, "name", _("The certificate type's name"))
    if record["mode"] not in ("money", "product", "discount"):
        raise RuleError(
            _("mode is money, product or discount, not {value!r}.").format(
                value=str(record["mode"])[:20]
            ),
            "mode",
        )
    if record["mode"] != "money" and record.get("partial"):
        raise RuleError(_("partial is for money certificates only."), "partial")
    with at("valid_until"):
        data = _data(record)
    if record["mode"] != "discount":
        with at("face_value"):
            check_kopecks(data.face_value, _("The face value"), minimum=1)
    with at("product"):
        _check_product(data, {"code": data.code})
    with at("prefix"):
        _check_prefix(data.prefix, data.code, ("20",))
    with at(None):
        clean = gc.check_type(data)
    data.code, data.name, data.prefix = clean["code"], clean["name"], clean["prefix"]
    data.discount_percent = clean["discount_percent"]
    return _record(data)


def _save(new: Record, old: Record | None, ctx: Context) -> None:
    gc.save_type(_data(new), **by(ctx))


def _retire(old: Record, ctx: Context) -> bool:
    if old.get("active", True) is False:
        return False
    data = _data(old)
    data.active = False
    gc.save_type(data, **by(ctx))
    return True


register(
    RuleKind(
        name="certificate_type",
        order=120,  # after the catalog's products, which the rules file does not carry
        keys={
            "code": Key(TEXT, required=True),
            "name": Key(TEXT, required=True),
            "mode": Key(TEXT, required=True),
            "product": Key(TEXT, required=True),
            "face_value": Key(WHOLE),
            "partial": Key(BOOL),
            "discount_percent": Key(NUMBER),
            "discount_amount": Key(WHOLE),
            "min_total": Key(WHOLE),
            "prefix": Key(TEXT),
            "range_from": Key(WHOLE),
            "range_to": Key(WHOLE),
            "valid_days": Key(WHOLE),
            "valid_until": Key(TEXT),
            "template": Key(TEXT),
            "active": Key(BOOL),
            "note": Key(TEXT),
        },
        id_keys=("code",),
        dump=_dump,
        load=_load,
        save=_save,
        retire=_retire,
    )
)
