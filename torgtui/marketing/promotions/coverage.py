"""Which products a promotion covers, as SQL over the catalog, and the checks at save that
need it: a promotion with no product on sale, a fixed price above a regular one, and two
exclusive promotions of the same priority that can hit the same line at the same time.

:func:`coverage_sql` is also what the forecast and the backtest use to find the products (and
so the past receipt lines) a promotion is for.
"""

from __future__ import annotations

from torgtui.db import database, sql
from torgtui.marketing.promotions.model import PromotionData, Target
from torgtui.models import ProductGroup

Row = tuple[int, str, str, int]  # product id, sku, name, price


def group_tree() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for gid, parent in ProductGroup.select(ProductGroup.id, ProductGroup.parent).tuples():
        children.setdefault(parent, []).append(gid)
    return children


def with_subgroups(groups: set[int], tree: dict[int, list[int]]) -> list[int]:
    out, todo = set(), list(groups)
    while todo:
        g = todo.pop()
        if g in out:
            continue
        out.add(g)
        todo.extend(tree.get(g, ()))
    return sorted(out)


def _any_of(targets: list[Target], alias: str, tree: dict, params: list) -> str:
    if any(t.is_all for t in targets):
        return "1 = 1"
    parts = []
    for column, ids in (
        ("id", sorted({t.product_id for t in targets if t.product_id is not None})),
        (
            "group_id",
            with_subgroups({t.group_id for t in targets if t.group_id is not None}, tree),
        ),
        (
            "manufacturer_id",
            sorted({t.manufacturer_id for t in targets if t.manufacturer_id is not None}),
        ),
    ):
        if ids:  # NULL is in no list (and, negated, must not hide the product either)
            marks = ", ".join("?" * len(ids))
            parts.append(f'({alias}."{column}" IS NOT NULL AND {alias}."{column}" IN ({marks}))')
            params.extend(ids)
    return " OR ".join(parts) or "1 = 0"


def coverage_sql(
    targets: tuple[Target, ...], alias: str = "p", tree: dict | None = None
) -> tuple[str, list[int]]:
    """A condition on the ``product`` table (as ``alias``) true for the products ``targets``
    covers (groups with their subgroups, exclusions taken out), and its parameters (``?``
    placeholders: pass the text through torgtui.db.sql)."""
    tree = tree if tree is not None else group_tree()
    params: list[int] = []
    included = _any_of([t for t in targets if not t.exclude], alias, tree, params)
    excluded = [t for t in targets if t.exclude]
    if not excluded:
        return f"({included})", params
    return f"(({included}) AND NOT ({_any_of(excluded, alias, tree, params)}))", params


def hit_sql(data: PromotionData, tree: dict) -> tuple[str, list[int]]:
    """The products whose lines the promotion can change: its goods, and what it gives."""
    text, params = coverage_sql(data.targets, "p", tree)
    if data.get_targets:
        more, more_params = coverage_sql(data.get_targets, "p", tree)
        text, params = f"({text} OR {more})", params + more_params
    return text, params


def first_product(conditions: list[tuple[str, list]], extra: str = "") -> Row | None:
    """The first product on sale (by SKU) meeting every condition."""
    where = " AND ".join(c for c, _p in conditions)
    params = [p for _c, ps in conditions for p in ps]
    row = database.execute_sql(
        sql(
            'SELECT p."id", p."sku", p."name", p."price" FROM "product" p '
            f'WHERE p."active" = ? AND {where}{extra} ORDER BY p."sku" LIMIT 1'
        ),
        [True, *params],
    ).fetchone()
    return (int(row[0]), row[1], row[2], int(row[3])) if row else None


def below_fixed_price(data: PromotionData, tree: dict) -> Row | None:
    """A product the fixed price would sell above its regular price (None: none would)."""
    rewarded = data.get_targets if data.get_targets else data.targets
    return first_product([coverage_sql(rewarded, "p", tree), ('p."price" < ?', [data.price or 0])])


def covered_ids(data: PromotionData, limit: int = 100_000) -> list[int]:
    """The ids of the products on sale the promotion can change, by SKU (at most ``limit``)."""
    text, params = hit_sql(data, group_tree())
    rows = database.execute_sql(
        sql(
            f'SELECT p."id" FROM "product" p WHERE p."active" = ? AND {text} '
            f'ORDER BY p."sku" LIMIT {int(limit)}'
        ),
        [True, *params],
    ).fetchall()
    return [int(r[0]) for r in rows]


# --- can two promotions hit the same line at the same time? --------------------------------


def _dates_meet(a: PromotionData, b: PromotionData) -> bool:
    return (a.starts_on is None or b.ends_on is None or a.starts_on <= b.ends_on) and (
        b.starts_on is None or a.ends_on is None or b.starts_on <= a.ends_on
    )


def _days_meet(a: PromotionData, b: PromotionData) -> bool:
    return not a.weekdays or not b.weekdays or bool(set(a.weekdays) & set(b.weekdays))


def _hours_meet(a: PromotionData, b: PromotionData) -> bool:
    if a.hours is None or b.hours is None:
        return True
    return a.hours[0] < b.hours[1] and b.hours[0] < a.hours[1]


def _places_meet(a: PromotionData, b: PromotionData) -> bool:
    return not a.locations or not b.locations or bool(set(a.locations) & set(b.locations))


def _customers_meet(a: PromotionData, b: PromotionData) -> bool:
    """Whether one customer can be in both (card types differ: no; a partner's customers may
    hold any card; tiers are "at least": two of one card type always meet)."""
    kinds = {a.customers, b.customers}
    if "anyone" in kinds or "card" in kinds:
        return True
    if kinds == {"partner"}:
        return a.partner == b.partner
    if "partner" in kinds:
        return True
    return a.card_type == b.card_type


def can_meet(a: PromotionData, b: PromotionData) -> bool:
    """Both can be in force for one receipt (the goods aside)."""
    return (
        _dates_meet(a, b)
        and _days_meet(a, b)
        and _hours_meet(a, b)
        and _places_meet(a, b)
        and _customers_meet(a, b)
    )


def shared_product(a: PromotionData, b: PromotionData, tree: dict) -> Row | None:
    """A product on sale both promotions can change (None: their goods do not meet)."""
    return first_product([hit_sql(a, tree), hit_sql(b, tree)])
