"""Accelerators: buying a given product (or one of a group, subgroups included) moves the
customer up -- to one of the thresholds of their accumulative card (``tier``), or onto another
card type (``enrol``). What they do at a sale lives in torgtui.marketing.cards (its sale hook);
this module creates, changes and retires them.

API (the card types editor and the rules file call these):

* ``save_accelerator(AcceleratorData(...), by=...)`` -> the row: creates or changes one by its
  id (``code``); EDIT_PRICES; validated (see :func:`clean_accelerator`); audited
  ``card_accelerator.save``; the rules' version is bumped so every register sees it at once.
* ``deactivate_accelerator(code, by=...)``: stops it (kept for the history), audited.
* ``accelerators()`` -> every accelerator as :class:`AcceleratorData`, by id;
  ``targets(those)`` -> what each is bought for, in words (the editor's list).
"""

from __future__ import annotations

from dataclasses import dataclass

from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import rulecache
from torgtui.models import (
    CardAccelerator,
    CardThreshold,
    CardType,
    Employee,
    Product,
    ProductGroup,
)
from torgtui.money import format_money
from torgtui.staff import Permission, audit, require
from torgtui.values import check_id, check_kopecks, check_text

ACTIONS = ("tier", "enrol")


@dataclass
class AcceleratorData:
    """One accelerator as the editor and the rules file give it."""

    code: str  # its id in the rules file
    action: str  # tier: lift to a threshold; enrol: put on the card type
    card_type: str  # the card type's id (code)
    product: int | None = None  # the product's id, or
    group: int | None = None  # the product group's id (its subgroups too)
    threshold: int = 0  # tier: one of the card type's thresholds (kopecks); enrol: 0
    active: bool = True


def clean_accelerator(data: AcceleratorData) -> tuple[AcceleratorData, CardType]:
    """Validate an accelerator against the catalog and the card types; raises
    ValidationError naming what to fix. Returns the cleaned data and its card type."""
    if not isinstance(data, AcceleratorData):
        raise ValidationError(_("That is not an accelerator: nothing was saved."))
    code = check_text(data.code, _("The accelerator's id"), max_len=40, required=True)
    if any(ch.isspace() for ch in code):
        raise ValidationError(_("An accelerator's id has no spaces: {code!r}.").format(code=code))
    if data.action not in ACTIONS:
        raise ValidationError(
            _(
                "An accelerator either lifts to a threshold (tier) or enrols (enrol), not {a!r}."
            ).format(a=str(data.action)[:20])
        )
    if (data.product is None) == (data.group is None):
        raise ValidationError(_("An accelerator is for one product or for one product group."))
    if data.product is not None:
        product_id = check_id(data.product, _("The product"))
        if Product.get_or_none(Product.id == product_id) is None:
            raise ValidationError(_("There is no product {id}.").format(id=product_id))
    else:
        group_id = check_id(data.group, _("The product group"))
        if ProductGroup.get_or_none(ProductGroup.id == group_id) is None:
            raise ValidationError(_("There is no product group {id}.").format(id=group_id))
    type_code = check_text(data.card_type, _("The card type"), max_len=40, required=True)
    card_type = CardType.get_or_none(CardType.code == type_code)
    if card_type is None:
        raise ValidationError(
            _("There is no card type {code!r}: create it first.").format(code=type_code)
        )
    threshold = check_kopecks(data.threshold, _("The threshold"))
    if data.action == "tier":
        if card_type.kind != "accumulative":
            raise ValidationError(
                _(
                    "{name} has no thresholds: an accelerator lifts to a threshold of an "
                    "accumulative card only (or enrols onto {name})."
                ).format(name=card_type.name)
            )
        amounts = [
            t.from_amount
            for t in CardThreshold.select()
            .where(CardThreshold.card_type == card_type.id)
            .order_by(CardThreshold.from_amount)
        ]
        if threshold not in amounts:
            raise ValidationError(
                _("{amount} is not a threshold of {name}: choose one of {choices}.").format(
                    amount=format_money(threshold),
                    name=card_type.name,
                    choices=", ".join(format_money(a) for a in amounts),
                )
            )
    elif threshold:
        raise ValidationError(_("An accelerator that enrols has no threshold: leave it 0."))
    if data.action == "enrol" and not card_type.active:
        raise ValidationError(
            _("{name} is no longer in use: nobody can be enrolled onto it.").format(
                name=card_type.name
            )
        )
    if not isinstance(data.active, bool):
        raise ValidationError(_("Active is yes or no."))
    clean = AcceleratorData(
        code,
        data.action,
        type_code,
        data.product,
        data.group,
        threshold,
        data.active,
    )
    return clean, card_type


def _facts(data: AcceleratorData) -> dict[str, object]:
    return {
        "action": data.action,
        "card_type": data.card_type,
        "product": data.product,
        "group": data.group,
        "threshold": data.threshold,
        "active": data.active,
    }


def _data(row: CardAccelerator, type_codes: dict[int, str]) -> AcceleratorData:
    return AcceleratorData(
        row.code,
        row.action,
        type_codes.get(row.card_type_id, ""),
        row.product_id,
        row.group_id,
        row.threshold,
        row.active,
    )


def save_accelerator(
    data: AcceleratorData, *, by: Employee | None, clock: Clock = system_clock, system: bool = False
) -> CardAccelerator:
    """Create or change an accelerator by its id; by permission to edit prices, audited."""
    if not system:
        require(by, Permission.EDIT_PRICES)
    with write_tx():
        data, card_type = clean_accelerator(data)
        existing = CardAccelerator.get_or_none(CardAccelerator.code == data.code)
        types = {card_type.id: card_type.code}
        if existing is not None:
            types.update({existing.card_type_id: existing.card_type.code})
        fields = dict(
            action=data.action,
            card_type=card_type.id,
            product=data.product,
            group=data.group,
            threshold=data.threshold,
            active=data.active,
        )
        if existing is None:
            row = CardAccelerator.create(code=data.code, **fields)
        else:
            CardAccelerator.update(**fields).where(CardAccelerator.id == existing.id).execute()
            row = CardAccelerator.get_by_id(existing.id)
        rulecache.bump()
        audit(
            "card_accelerator.save",
            by,
            object_type="card_accelerator",
            object_id=row.id,
            before=_facts(_data(existing, types)) if existing is not None else None,
            after={"code": data.code, **_facts(data)},
            clock=clock,
        )
    return row


def deactivate_accelerator(
    code: str, *, by: Employee, clock: Clock = system_clock
) -> CardAccelerator:
    """Stop an accelerator (kept, inactive, for the history and the rules file)."""
    require(by, Permission.EDIT_PRICES)
    code = check_text(code, _("The accelerator's id"), max_len=40, required=True)
    with write_tx():
        changed = (
            CardAccelerator.update(active=False)
            .where((CardAccelerator.code == code) & (CardAccelerator.active == True))  # noqa: E712
            .execute()
        )
        row = CardAccelerator.get_or_none(CardAccelerator.code == code)
        if row is None:
            raise ValidationError(_("There is no accelerator {code!r}.").format(code=code))
        if not changed:
            raise ValidationError(
                _("The accelerator {code!r} is stopped already.").format(code=code)
            )
        rulecache.bump()
        audit(
            "card_accelerator.deactivate",
            by,
            object_type="card_accelerator",
            object_id=row.id,
            before={"code": code, "active": True},
            after={"code": code, "active": False},
            clock=clock,
        )
    return row


def accelerators() -> list[AcceleratorData]:
    """Every accelerator, by id (the editor's list; the rules file's export)."""
    types = dict(CardType.select(CardType.id, CardType.code).tuples())
    return [_data(row, types) for row in CardAccelerator.select().order_by(CardAccelerator.code)]


def targets(items: list[AcceleratorData]) -> dict[str, str]:
    """What each accelerator (by id) is bought for, in words: the product's SKU and name, or
    the product group's path (the editor's list)."""
    products = {i.product for i in items if i.product is not None}
    groups = {i.group for i in items if i.group is not None}
    names = {
        pid: f"{sku} {name}"
        for pid, sku, name in Product.select(Product.id, Product.sku, Product.name)
        .where(Product.id.in_(products))
        .tuples()
    }
    paths = dict(
        ProductGroup.select(ProductGroup.id, ProductGroup.path)
        .where(ProductGroup.id.in_(groups))
        .tuples()
    )
    return {
        i.code: names.get(i.product, "") if i.product is not None else paths.get(i.group, "")
        for i in items
    }


__all__ = [
    "AcceleratorData",
    "accelerators",
    "clean_accelerator",
    "deactivate_accelerator",
    "save_accelerator",
    "targets",
]
