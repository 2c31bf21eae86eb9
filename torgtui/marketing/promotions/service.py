"""Promotions in the back office: save (create or change by id), read, list, copy and stop,
by the EDIT_PRICES permission, audited, each change bumping the rules version so every
register sees it at its next pricing (the screens and the rules file call these).

API:

* ``save_promotion(PromotionData(...), by=..., confirm_above_regular=False)`` -> the row.
  Refused with a ValidationError that says what to fix, nothing written: bad values (see
  model.clean_promotion: an end before the start, a percentage over 100 ...), products,
  groups, manufacturers, locations or a card type that do not exist, a tier that is not a
  threshold of the card, goods with no product on sale, a fixed price above a product's
  regular price (:class:`AboveRegularPrice`, unless ``confirm_above_regular``: then kept as
  confirmed), and an exclusive promotion that can hit the same line at the same time as
  another exclusive one of the same priority (both named, with a product they share).
* ``get_promotion(code)`` -> PromotionData; ``list_promotions(day=..., status=...)`` ->
  [Summary] with the status running / planned / ended / inactive;
* ``copy_promotion(code, new_code, by=...)``: a copy, inactive (edit it, then activate it);
* ``deactivate_promotion(code, by=...)``: stop it (kept: receipts refer to it);
* ``covered_products(code)`` -> product ids it can change; ``coverage_sql`` in .coverage.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import rulecache
from torgtui.marketing.promotions import coverage, store
from torgtui.marketing.promotions.model import (
    COLUMNS,
    PromotionData,
    Summary,
    Target,
    clean_promotion,
    definition,
    status_at,
)
from torgtui.models import (
    CardThreshold,
    CardType,
    Employee,
    Location,
    Manufacturer,
    Product,
    ProductGroup,
)
from torgtui.models.promotions import Promotion
from torgtui.money import format_money
from torgtui.staff import Permission, audit, require
from torgtui.values import check_text

STATUSES = ("running", "planned", "ended", "inactive")


class AboveRegularPrice(ValidationError):
    """A fixed price above a covered product's regular price, not confirmed: nothing was
    saved. The builder asks the manager, then saves again with ``confirm_above_regular``."""


def _missing(model, ids: set[int]) -> int | None:
    """An id of ``ids`` that ``model`` does not have (None: all there)."""
    wanted = sorted(ids)
    found: set[int] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(i for (i,) in model.select(model.id).where(model.id.in_(chunk)).tuples())
    lost = [i for i in wanted if i not in found]
    return lost[0] if lost else None


def _check_references(data: PromotionData) -> None:
    targets = data.targets + data.get_targets
    for model, attr, message in (
        (Product, "product_id", _("There is no product {id}.")),
        (ProductGroup, "group_id", _("There is no product group {id}.")),
        (Manufacturer, "manufacturer_id", _("There is no manufacturer {id}.")),
    ):
        ids = {getattr(t, attr) for t in targets if getattr(t, attr) is not None}
        lost = _missing(model, ids) if ids else None
        if lost is not None:
            raise ValidationError(message.format(id=lost))
    lost = _missing(Location, set(data.locations)) if data.locations else None
    if lost is not None:
        raise ValidationError(_("There is no location {id}.").format(id=lost))
    if data.card_type:
        card_type = CardType.get_or_none(CardType.code == data.card_type)
        if card_type is None:
            raise ValidationError(
                _("There is no card type {code!r}: create it first.").format(code=data.card_type)
            )
        if data.customers == "tier":
            amounts = [
                t.from_amount
                for t in CardThreshold.select()
                .where(CardThreshold.card_type == card_type.id)
                .order_by(CardThreshold.from_amount)
            ]
            if data.tier_from not in amounts:
                raise ValidationError(
                    _("{amount} is not a tier of {name}: choose one of {choices}.").format(
                        amount=format_money(data.tier_from or 0),
                        name=card_type.name,
                        choices=", ".join(format_money(a) for a in amounts) or _("none"),
                    )
                )


def check_goods(data: PromotionData, tree: dict, confirm_above_regular: bool) -> PromotionData:
    """Goods on sale, and a fixed price above a regular one only when confirmed."""
    if coverage.first_product([coverage.coverage_sql(data.targets, "p", tree)]) is None:
        raise ValidationError(
            _(
                "The promotion covers no product on sale: the goods chosen have none (or all "
                "are excluded). Choose products, groups or manufacturers that are sold."
            )
        )
    if data.get_targets and (
        coverage.first_product([coverage.coverage_sql(data.get_targets, "p", tree)]) is None
    ):
        raise ValidationError(_("The goods given include no product on sale: choose others."))
    if data.reward != "price":
        return data
    above = coverage.below_fixed_price(data, tree)
    if above is None:
        return dataclasses.replace(data, above_regular=False)
    if not (confirm_above_regular or data.above_regular):
        raise AboveRegularPrice(
            _(
                "The fixed price {price} is above the regular price of {name} ({regular}): "
                "customers would pay more. Confirm it if that is meant, or lower the price."
            ).format(
                price=format_money(data.price or 0),
                name=f"{above[1]} {above[2]}",
                regular=format_money(above[3]),
            )
        )
    return dataclasses.replace(data, above_regular=True)


def check_conflicts(data: PromotionData, tree: dict) -> None:
    """Two exclusive promotions of one priority that can hit the same line at the same time:
    which would win is a coin toss, so the second is refused, naming both and a product."""
    if not (data.active and data.stacking == "exclusive"):
        return
    rows = Promotion.select().where(
        (Promotion.active == True)  # noqa: E712
        & (Promotion.stacking == "exclusive")
        & (Promotion.priority == data.priority)
        & (Promotion.code != data.code)
    )
    for _row, other in store.read(rows.order_by(Promotion.code)):
        if not coverage.can_meet(data, other):
            continue
        shared = coverage.shared_product(data, other, tree)
        if shared is None:
            continue
        raise ValidationError(
            _(
                "{this} and {other} are both exclusive with priority {priority} and can apply "
                "to the same line at the same time, for example {product}: give one another "
                "priority, or make their dates, days, hours, locations, customers or goods "
                "not overlap."
            ).format(
                this=f"{data.code} ({data.name})",
                other=f"{other.code} ({other.name})",
                priority=data.priority,
                product=f"{shared[1]} {shared[2]}",
            )
        )


def _snapshot(data: PromotionData) -> dict[str, object]:
    out: dict[str, object] = {k: getattr(data, k) for k in COLUMNS}
    out.update(definition(data))
    for key in ("targets", "get_targets"):
        out[key] = [dataclasses.asdict(t) for t in getattr(data, key)]
    return out


def save_promotion(
    data: PromotionData,
    *,
    by: Employee | None,
    clock: Clock = system_clock,
    confirm_above_regular: bool = False,
    system: bool = False,
) -> Promotion:
    """Create or change the promotion ``data.code`` (see the module doc for what is refused)."""
    if not system:
        require(by, Permission.EDIT_PRICES)
    data = clean_promotion(data)
    now = clock()
    with write_tx():
        _check_references(data)
        tree = coverage.group_tree()
        data = check_goods(data, tree, confirm_above_regular)
        check_conflicts(data, tree)
        before = store.find(data.code)
        row = store.write(data, now)
        rulecache.bump()
        audit(
            "promotion.save",
            by,
            object_type="promotion",
            object_id=row.id,
            before=_snapshot(before[1]) if before else None,
            after=_snapshot(data),
            clock=clock,
        )
    return row


def get_promotion(code: str) -> PromotionData:
    found = store.find(check_text(code, _("The promotion's id"), max_len=40, required=True))
    if found is None:
        raise ValidationError(_("There is no promotion {code!r}.").format(code=code))
    return found[1]


def list_promotions(
    *, day: dt.date, status: str | None = None, search: str = "", limit: int = 500
) -> list[Summary]:
    """The promotions by status then id: running, planned, ended, inactive (``status``: only
    those; ``search``: in the id or name)."""
    if status is not None and status not in STATUSES:
        raise ValidationError(
            _("A status is one of {statuses}.").format(statuses=", ".join(STATUSES))
        )
    search = check_text(search, _("The search"), max_len=120).casefold()
    out = []
    for row in Promotion.select().order_by(Promotion.code):
        state = status_at(bool(row.active), row.starts_on, row.ends_on, day)
        if status is not None and state != status:
            continue
        if search and search not in row.code.casefold() and search not in row.name.casefold():
            continue
        out.append(
            Summary(
                row.id,
                row.code,
                row.name,
                state,
                row.starts_on,
                row.ends_on,
                row.priority,
                row.stacking,
                row.mechanic,
                row.reward,
            )
        )
    out.sort(key=lambda s: (STATUSES.index(s.status), s.code))
    return out[:limit]


def all_promotions() -> list[PromotionData]:
    """Every promotion as data, by id (the rules file's export)."""
    return [data for _row, data in store.read(Promotion.select().order_by(Promotion.code))]


def copy_promotion(
    code: str,
    new_code: str,
    *,
    by: Employee | None,
    name: str | None = None,
    clock: Clock = system_clock,
) -> Promotion:
    """A copy of ``code`` as ``new_code``, inactive (so it conflicts with nothing until it is
    edited and activated)."""
    require(by, Permission.EDIT_PRICES)
    source = get_promotion(code)
    new_code = check_text(new_code, _("The promotion's id"), max_len=40, required=True)
    if Promotion.get_or_none(Promotion.code == new_code) is not None:
        raise ValidationError(
            _("There is a promotion {code!r} already: choose another id.").format(code=new_code)
        )
    copy = dataclasses.replace(source, code=new_code, name=name or source.name, active=False)
    return save_promotion(copy, by=by, clock=clock)


def deactivate_promotion(code: str, *, by: Employee | None, clock: Clock = system_clock) -> bool:
    """Stop a promotion (kept for the receipts that name it); False if it was stopped."""
    require(by, Permission.EDIT_PRICES)
    data = get_promotion(code)
    if not data.active:
        return False
    with write_tx():
        changed = (
            Promotion.update(active=False, updated_at=clock())
            .where((Promotion.code == data.code) & (Promotion.active == True))  # noqa: E712
            .execute()
        )
        if changed:
            rulecache.bump()
            audit(
                "promotion.deactivate",
                by,
                object_type="promotion",
                object_id=data.code,
                clock=clock,
            )
    return bool(changed)


def covered_products(code: str, limit: int = 100_000) -> list[int]:
    """The products on sale the promotion can change, by SKU."""
    return coverage.covered_ids(get_promotion(code), limit)


def target_names(targets: tuple[Target, ...]) -> list[str]:
    """Each target in words: "D-1 Сукня літня", "Одяг/Жіноче (group)", "all goods"."""
    products = {t.product_id for t in targets if t.product_id is not None}
    groups = {t.group_id for t in targets if t.group_id is not None}
    makers = {t.manufacturer_id for t in targets if t.manufacturer_id is not None}
    names = {
        ("p", i): f"{sku} {name}"
        for i, sku, name in Product.select(Product.id, Product.sku, Product.name)
        .where(Product.id.in_(sorted(products)))
        .tuples()
    }
    names.update(
        (("g", i), path)
        for i, path in ProductGroup.select(ProductGroup.id, ProductGroup.path)
        .where(ProductGroup.id.in_(sorted(groups)))
        .tuples()
    )
    names.update(
        (("m", i), name)
        for i, name in Manufacturer.select(Manufacturer.id, Manufacturer.name)
        .where(Manufacturer.id.in_(sorted(makers)))
        .tuples()
    )
    out = []
    for t in targets:
        if t.is_all:
            text = _("all goods")
        elif t.product_id is not None:
            text = names.get(("p", t.product_id), str(t.product_id))
        elif t.group_id is not None:
            text = _("{group} (group)").format(group=names.get(("g", t.group_id), t.group_id))
        else:
            maker = names.get(("m", t.manufacturer_id), t.manufacturer_id)
            text = _("{maker} (manufacturer)").format(maker=maker)
        out.append(_("except {what}").format(what=text) if t.exclude else text)
    return out
