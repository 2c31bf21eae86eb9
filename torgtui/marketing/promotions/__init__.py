"""Promotions (seed 000 section 4): the promotion builder's rules and the one engine that
applies them at the register -- happy hours, the 2nd item, 3 for 2, the cheapest free, buy X
get Y, a group or a manufacturer, a receipt total, birthdays and every Nth receipt -- with
stacking, priorities and the conflicts found when a promotion is saved.

* model.py     the typed definition (:class:`PromotionData`) and its validation
* store.py     the definition in and out of the database
* engine.py    the index per rules version, the mechanics, the rewards and their rounding
* resolve.py   which promotions a basket gets and how they combine
* festive.py   birthdays and the Nth receipt: their records, taken once in the sale hook
* step.py      the pricing steps (50 and 95), the context loader and the sale hook
* coverage.py  the products a promotion covers (SQL), conflicts and fixed prices at save
* service.py   save, read, list, copy, stop (the back office's API)
* rules.py     the rules file's ``[[promotion]]`` tables
* words.py     what a promotion gives, in words

docs/promotions.md describes the mechanics, the order of application and the rounding with
worked examples. Importing this package registers the steps (torgtui.marketing imports it).
"""

from torgtui.marketing.promotions import step  # noqa: F401  (registers the steps and hook)
from torgtui.marketing.promotions.festive import PromotionMoved
from torgtui.marketing.promotions.model import PromotionData, Summary, Target
from torgtui.marketing.promotions.service import (
    copy_promotion,
    covered_products,
    deactivate_promotion,
    get_promotion,
    list_promotions,
    save_promotion,
)

__all__ = [
    "PromotionData",
    "PromotionMoved",
    "Summary",
    "Target",
    "copy_promotion",
    "covered_products",
    "deactivate_promotion",
    "get_promotion",
    "list_promotions",
    "save_promotion",
]
