"""Where features hook into the register, so the register never imports them.

The register (``torgtui.sales``) owns the basket, pricing, checkout and returns. Marketing
features (card discounts, bonuses, VIP accounts, price policy, promotions, codes,
certificates) extend it through the registries below, and register themselves when
``torgtui.marketing`` is imported. :func:`load` imports it once, by name: it is the only place
where sales reaches a package above it, and it does so without a static import, so the
arrows between the packages run one way (marketing -> sales).

THE PIPELINE'S ORDER, in one place (a step's ``order``; the core steps are in
torgtui.sales.pricing):

    0   base          the catalog's price (sales)
    10  override      a price set by hand with an approval (sales)
    20  price_type    the customer's or the location's price type (marketing.prices)
    30  qty_breaks    quantity breaks (marketing.prices)
    40  manufacturer  a wholesale customer's manufacturer discounts (marketing.prices)
    42  intermediary  an intermediary's own card: its discount for resale (marketing.intermediaries)
    45  bundle        sets sold as one article or assembled from parts (marketing.bundle_pricing)
    50  promotions    the promotion engine (marketing.promotions)
    60  card          the card's discount: fixed, one-time, accumulative (marketing.cards)
    65  referral      Refer a Friend: a friend's first purchase (marketing.referral_sale)
    70  codes         refusals of promo codes (marketing.codes_sale; valid ones feed step 50)
    75  certificate_discount  a deferred-discount gift certificate (marketing.certificates_sale)
    80  manual        a discount typed at the register (sales)
    85  preorder      a pre-order's lines at most at the price agreed (marketing.preorder_checkout)
    88  certificate_face  a money gift certificate sold at its face value (certificates_sale)
    90  bonus         bonuses to spend and to earn, shown before payment (marketing.bonuses)
    95  promotion_bonus  bonuses a promotion gives instead of a discount (marketing.promotions)
    96  certificates  what the gift certificates on it pay; no price changes (certificates_sale)
    97  certificate_bonus  no bonuses earned on a money or discount certificate (certificates_sale)
    100 cost_guard    never below cost without a confirmer: always last (sales)
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torgtui.models import Employee, Receipt, Shift
    from torgtui.sales.basket import Basket
    from torgtui.sales.pricing import PricingContext


@dataclass
class SaleEvent:
    """A sale being committed, as hooks see it (inside the commit's transaction)."""

    receipt_id: int
    uuid: str
    basket: Basket  # priced
    ctx: PricingContext
    payments: list[tuple[str, int, int]]  # (tender, amount, tendered)
    employee: Employee
    shift: Shift
    now: dt.datetime
    change_to_card: int = 0  # cash change the customer asked to keep as bonuses
    info: dict[str, Any] = field(default_factory=dict)  # facts for the printed receipt


@dataclass
class ReturnEvent:
    """A return being committed: ``lines`` are (original line, qty returned, refund line)."""

    original: Receipt
    lines: list[tuple[Any, int, Any]]
    refund: int  # what the returned lines are worth (before cash rounding)
    payments: list[tuple[str, int, int]]  # the refund by tender: to planners, the ledger
    # tenders' shares (bonuses, credit ...); to hooks, every tender
    employee: Employee
    shift: Shift
    now: dt.datetime
    uuid: str
    receipt_id: int | None = None  # set once the return receipt is written
    deduction: int = 0  # taken off the money refund (e.g. bonuses already spent)
    money: int = 0  # what the money tenders (cash, card) refund, before any deduction
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PricingStep:
    order: int
    name: str
    run: Callable[[Basket, PricingContext], None]


@dataclass(frozen=True)
class TenderKind:
    """A way to pay besides cash and card that lives on the ledger (bonuses, credit ...).
    Checkout posts it in the sale hooks; a return gives it back pro rata (see returns)."""

    name: str
    title: Callable[[], str]


PRICING_STEPS: list[PricingStep] = []
SALE_HOOKS: list[Callable[[SaleEvent], None]] = []
RETURN_PLANNERS: list[Callable[[ReturnEvent], None]] = []  # before the refund is written
RETURN_HOOKS: list[Callable[[ReturnEvent], None]] = []  # after, in the same transaction
TENDERS: dict[str, TenderKind] = {}
CONTEXT_LOADERS: list[Callable[[Basket, PricingContext], None]] = []  # fill ctx.extra once
# checks of a line before it is on the receipt: (basket, product id, the product's whole
# quantity on the receipt after the change, location id) -> raise ValidationError to refuse
LINE_CHECKS: list[Callable[[Basket, int, int, int | None], None]] = []
# articles sold without a stock movement (a money certificate is an advance, not goods): each
# gets the receipt's product ids and returns those of them that are not kept in stock
STOCKLESS: list[Callable[[set[int]], set[int]]] = []

_loaded = False


def load() -> None:
    """Import the features that extend the register (once)."""
    global _loaded
    if not _loaded:
        _loaded = True
        importlib.import_module("torgtui.marketing")


def pricing_step(order: int, name: str) -> Callable:
    """Decorator: register a pricing step at ``order`` (see the table above)."""

    def add(run: Callable[[Basket, PricingContext], None]) -> Callable:
        PRICING_STEPS[:] = sorted(
            [s for s in PRICING_STEPS if s.name != name] + [PricingStep(order, name, run)],
            key=lambda s: s.order,
        )
        return run

    return add


def sale_hook(run: Callable[[SaleEvent], None]) -> Callable[[SaleEvent], None]:
    if run not in SALE_HOOKS:
        SALE_HOOKS.append(run)
    return run


def return_planner(run: Callable[[ReturnEvent], None]) -> Callable[[ReturnEvent], None]:
    if run not in RETURN_PLANNERS:
        RETURN_PLANNERS.append(run)
    return run


def return_hook(run: Callable[[ReturnEvent], None]) -> Callable[[ReturnEvent], None]:
    if run not in RETURN_HOOKS:
        RETURN_HOOKS.append(run)
    return run


def context_loader(
    run: Callable[[Basket, PricingContext], None],
) -> Callable[[Basket, PricingContext], None]:
    if run not in CONTEXT_LOADERS:
        CONTEXT_LOADERS.append(run)
    return run


def line_check(
    run: Callable[[Basket, int, int, int | None], None],
) -> Callable[[Basket, int, int, int | None], None]:
    if run not in LINE_CHECKS:
        LINE_CHECKS.append(run)
    return run


def tender(kind: TenderKind) -> TenderKind:
    TENDERS[kind.name] = kind
    return kind


def stockless(run: Callable[[set[int]], set[int]]) -> Callable[[set[int]], set[int]]:
    if run not in STOCKLESS:
        STOCKLESS.append(run)
    return run


def stockless_of(product_ids: set[int]) -> set[int]:
    """Of ``product_ids``, those sold and returned without a stock movement."""
    load()
    found: set[int] = set()
    for run in STOCKLESS:
        found |= run(product_ids)
    return found
