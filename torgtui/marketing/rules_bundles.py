"""The rules file's sets (the format: torgtui.marketing.rules_file):

    [[bundle]]                a set: code, name, price (kopecks for the whole set), active,
                              valid_from / valid_to ("2026-12-01"), article (the SKU sold as
                              the whole set), disassemble, price_confirmed
    [[bundle.part]]           one of its products: product (SKU) and qty (units, 0.5 for weight)

Products are named by SKU, never by id. Parts are written sorted by SKU; ``disassemble`` is
written for a set with an article, ``price_confirmed`` only when true (a set whose price is
not below its parts' total is refused unless the file says it was meant). Loading checks the
values and finds the products; what depends on the catalog and the other sets (an article that
is also a part, a price that saves nothing) is checked when a changed set is saved, through
torgtui.marketing.bundles, so an unchanged set in a file never fails because prices moved.
A set the file no longer has is stopped (``--replace``), never deleted: receipts name it.
"""

from __future__ import annotations

from typing import Any

from torgtui.i18n import _
from torgtui.marketing import bundles
from torgtui.marketing.rules_common import at, by, code, product_id, skus, text, to_milli, units
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


def _record(data: bundles.BundleData, names: dict[int, str]) -> Record:
    record: Record = {"code": data.code, "name": data.name, "price": data.price}
    record["active"] = data.active
    if data.valid_from is not None:
        record["valid_from"] = data.valid_from.isoformat()
    if data.valid_to is not None:
        record["valid_to"] = data.valid_to.isoformat()
    if data.article is not None:
        record["article"] = names[data.article]
        record["disassemble"] = data.disassemble
    elif data.disassemble:  # refused when saved: kept so the refusal can say so
        record["disassemble"] = True
    if data.price_confirmed:
        record["price_confirmed"] = True
    record["part"] = sorted(
        ({"product": names[p.product], "qty": units(p.qty)} for p in data.parts),
        key=lambda r: r["product"],
    )
    return record


def _dump() -> list[Record]:
    names = skus()
    return [_record(b, names) for b in bundles.bundles()]


def _data(record: Record, ctx: Context) -> bundles.BundleData:
    value = code(record, "code", _("The set's id"))
    name = text(record, "name", _("The set's name"))
    with at("price"):
        price = check_kopecks(record["price"], _("The set's price"), minimum=1)
    dates: dict[str, Any] = {}
    for key, what in (("valid_from", _("The first day")), ("valid_to", _("The last day"))):
        if key in record:
            with at(key):
                dates[key] = check_date(record[key], what)
    article = None
    if "article" in record:
        article = product_id(ctx, code(record, "article", _("The article's SKU")), "article")
    rows = record.get("part") or []
    if not rows:
        raise RuleError(_("A set needs its parts: add a [[bundle.part]] for each product."))
    parts: list[bundles.BundlePartData] = []
    seen: set[str] = set()
    for n, row in enumerate(rows):
        with at("product", "part", n):
            sku = code(row, "product", _("The product's SKU"))
        if sku in seen:
            raise RuleError(
                _("{sku} is in the set twice: give it once, with the whole quantity.").format(
                    sku=sku
                ),
                "product",
                "part",
                n,
            )
        seen.add(sku)
        if row["qty"] <= 0:
            raise RuleError(
                _("{sku}: a part's quantity must be more than zero.").format(sku=sku),
                "qty",
                "part",
                n,
            )
        with at("qty", "part", n):
            qty = to_milli(row["qty"], "qty")
        parts.append(
            bundles.BundlePartData(product_id(ctx, sku, "product", sub="part", row=n), qty)
        )
    return bundles.BundleData(
        value,
        name,
        price,
        parts,
        record.get("active", True),
        dates.get("valid_from"),
        dates.get("valid_to"),
        article,
        record.get("disassemble", False),
        record.get("price_confirmed", False),
    )


def _load(record: Record, ctx: Context) -> Record:
    data = _data(record, ctx)
    names = {v: k for k, v in (ctx.cache.get("sku") or {}).items()}
    return _record(data, names)


def _save(new: Record, old: Record | None, ctx: Context) -> None:
    bundles.save_bundle(_data(new, ctx), **by(ctx))


def _retire(old: Record, ctx: Context) -> bool:
    """Receipts name a set by its id: one the file no longer has is stopped."""
    if not old["active"]:
        return False
    bundles.deactivate_bundle(old["code"], **by(ctx))
    return True


register(
    RuleKind(
        name="bundle",
        order=130,
        keys={
            "code": Key(TEXT, required=True),
            "name": Key(TEXT, required=True),
            "price": Key(WHOLE, required=True),
            "active": Key(BOOL),
            "valid_from": Key(TEXT),
            "valid_to": Key(TEXT),
            "article": Key(TEXT),
            "disassemble": Key(BOOL),
            "price_confirmed": Key(BOOL),
            "part": Key(
                "rows",
                of={"product": Key(TEXT, required=True), "qty": Key(NUMBER, required=True)},
            ),
        },
        id_keys=("code",),
        dump=_dump,
        load=_load,
        save=_save,
        retire=_retire,
    )
)
