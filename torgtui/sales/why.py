"""Why this price: everything pricing decided about a basket, as plain data, for the register's
"why this price" view and for ``torgtui price`` (one source for both).

For each line: the catalog price, every adjustment with the step that made it, the rule's id
and the reason, the bonuses it earns and pays, and how far below cost it sells. For the
receipt: the card and tier in force, bonuses to spend and to earn, and what was refused and
why ("below cost: limited to cost", "the one-time card was used already").
"""

from __future__ import annotations

from typing import Any

from torgtui.i18n import _
from torgtui.sales.basket import Basket, BasketLine


def qty_units(qty_milli: int) -> int | float:
    """Thousandths as the units a script reads: 3000 -> 3, 1250 -> 1.25 (display only)."""
    return qty_milli // 1000 if qty_milli % 1000 == 0 else qty_milli / 1000


def explain_line(line: BasketLine) -> dict[str, Any]:
    return {
        "product_id": line.product_id,
        "sku": line.sku,
        "name": line.name,
        "qty": qty_units(line.qty),
        "unit_price": line.unit_price,
        "subtotal": line.subtotal,
        "discount": line.discount,
        "total": line.total,
        "adjustments": [
            {"step": a.step, "rule": a.rule, "reason": a.reason, "amount": a.amount}
            for a in line.adjustments
        ],
        "bonus_earned": line.bonus_earn,
        "bonus_spent": line.bonus_spend,
        "below_cost": line.below_cost,
    }


def explain(basket: Basket) -> dict[str, Any]:
    """The priced ``basket`` explained (see the module doc)."""
    card = basket.info.get("card")
    bonus = basket.info.get("bonus") or {}
    refused = list(basket.info.get("refused") or [])
    if basket.below_cost:
        refused.append(
            {
                "rule": "cost_guard",
                "reason": _("below cost"),
                "amount": basket.below_cost,
            }
        )
    for line in basket.lines:
        for a in line.adjustments:
            if a.step == "cost_guard":
                refused.append({"rule": a.rule or "cost_guard", "reason": a.reason})
    return {
        "lines": [explain_line(line) for line in basket.lines],
        "subtotal": basket.subtotal,
        "discount": basket.discount,
        "total": basket.total,
        "to_pay": basket.total - int(bonus.get("spend", 0)),  # type: ignore[union-attr]
        "card": card,
        "tier": card.get("tier") if isinstance(card, dict) else None,
        "price_type": basket.info.get("price_type"),
        "bonus_earned": int(bonus.get("earn", 0)),  # type: ignore[union-attr]
        "bonus_spent": int(bonus.get("spend", 0)),  # type: ignore[union-attr]
        "below_cost": basket.below_cost,
        "promotions": list(basket.info.get("promotions") or []),
        "festive": basket.info.get("festive"),
        "hints": list(basket.info.get("promotion_hints") or []),
        "bundles": list(basket.info.get("bundles") or []),
        "preorder": basket.info.get("preorder"),
        "codes": list(basket.info.get("codes") or []),  # promo codes: their promotion, applied
        "refused": refused,
    }
