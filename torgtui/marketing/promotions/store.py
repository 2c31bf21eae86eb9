"""Promotions in and out of the database: a cleaned :class:`PromotionData` written as its row
and target rows, and rows read back as data (the engine's cache and the service's reads share
this). No validation here: the service cleans before it writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from torgtui.marketing.promotions.model import (
    COLUMNS,
    PromotionData,
    Target,
    definition_json,
    from_definition,
)
from torgtui.models.promotions import Promotion, PromotionTarget


def _target_rows(promotion_id: int, data: PromotionData) -> list[dict[str, object]]:
    rows = []
    for role, targets in (("buy", data.targets), ("get", data.get_targets)):
        for t in targets:
            rows.append(
                {
                    "promotion": promotion_id,
                    "role": role,
                    "product": t.product_id,
                    "group": t.group_id,
                    "manufacturer": t.manufacturer_id,
                    "exclude": t.exclude,
                }
            )
    return rows


def write(data: PromotionData, now: dt.datetime) -> Promotion:
    """Create or replace the promotion ``data.code`` (inside the caller's write transaction)."""
    columns = {key: getattr(data, key) for key in COLUMNS if key != "code"}
    columns["definition"] = definition_json(data)
    existing = Promotion.get_or_none(Promotion.code == data.code)
    if existing is None:
        row = Promotion.create(code=data.code, created_at=now, updated_at=now, **columns)
    else:
        Promotion.update(updated_at=now, **columns).where(Promotion.id == existing.id).execute()
        row = Promotion.get_by_id(existing.id)
    PromotionTarget.delete().where(PromotionTarget.promotion == row.id).execute()
    rows = _target_rows(row.id, data)
    for start in range(0, len(rows), 500):
        PromotionTarget.insert_many(rows[start : start + 500]).execute()
    return row


def read(rows: Iterable[Promotion]) -> list[tuple[Promotion, PromotionData]]:
    """Each row with its data (targets read in one query for all of them)."""
    rows = list(rows)
    if not rows:
        return []
    targets: dict[int, dict[str, list[Target]]] = {}
    ids = [r.id for r in rows]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = (
            PromotionTarget.select(
                PromotionTarget.promotion,
                PromotionTarget.role,
                PromotionTarget.product,
                PromotionTarget.group,
                PromotionTarget.manufacturer,
                PromotionTarget.exclude,
            )
            .where(PromotionTarget.promotion.in_(chunk))
            .order_by(PromotionTarget.id)
            .tuples()
        )
        for pid, role, product, group, maker, exclude in query:
            targets.setdefault(pid, {"buy": [], "get": []})[role].append(
                Target(product, group, maker, bool(exclude))
            )
    out = []
    for row in rows:
        mine = targets.get(row.id, {"buy": [], "get": []})
        columns = {key: getattr(row, key) for key in COLUMNS}
        columns["active"] = bool(columns["active"])
        columns["requires_code"] = bool(columns["requires_code"])
        columns["festive"] = bool(columns["festive"])
        data = from_definition(
            row.definition,
            **columns,
            targets=tuple(sorted(mine["buy"], key=Target.key)),
            get_targets=tuple(sorted(mine["get"], key=Target.key)),
        )
        out.append((row, data))
    return out


def find(code: str) -> tuple[Promotion, PromotionData] | None:
    row = Promotion.get_or_none(Promotion.code == code)
    return read([row])[0] if row is not None else None
