"""The register's side of partners: what a committed sale and a return do (in their own
transaction, through torgtui.sales.extensions).

The sale, in order:

1. a partner's promo code used on the receipt (a code of a batch tied to a partner, whose
   promotion gave something) links a customer nobody brought yet to that partner;
2. a sale to a customer a referrer brought is credited to it (``partner_sale``, role
   ``attracted``, with the partner's employee): the attracted-customers report counts these;
3. a sale through an intermediary (named on the receipt, or the customer is its) gets its
   commission by line (intermediaries.record_intermediary_sale);
4. a sale on an intermediary's own card is goods given and paid at the till.

A return takes back the commission of what comes back, pro rata (intermediaries).
"""

from __future__ import annotations

from torgtui.marketing import intermediaries
from torgtui.marketing.codes_sale import gave
from torgtui.marketing.partners import link_if_free, partner_of
from torgtui.models.partners import Partner, PartnerCodeBatch, PartnerSale
from torgtui.sales import extensions
from torgtui.sales.extensions import ReturnEvent, SaleEvent


def _link_by_code(event: SaleEvent) -> None:
    customer_id = event.basket.customer_id
    states = event.ctx.extra.get("promo_code_states")
    if customer_id is None or not states:
        return
    used = [s.batch_id for s in states.values() if gave(event.basket, s.promotion_code)]  # type: ignore[union-attr]
    if not used:
        return
    tied = (
        PartnerCodeBatch.select(PartnerCodeBatch, Partner)
        .join(Partner)
        .where(PartnerCodeBatch.batch.in_(sorted(used)) & (Partner.active == True))  # noqa: E712
        .order_by(PartnerCodeBatch.id)
        .first()
    )
    if tied is not None and link_if_free(
        customer_id, tied.partner_id, tied.partner_employee_id, now=event.now
    ):
        event.info["partner"] = tied.partner.name


@extensions.sale_hook
def on_sale(event: SaleEvent) -> None:
    _link_by_code(event)
    customer_id = event.basket.customer_id
    link = partner_of(customer_id)
    if link is not None and link.partner_kind == "referrer" and link.partner_active:
        PartnerSale.create(
            receipt=event.receipt_id,
            partner=link.partner_id,
            partner_employee=link.employee_id,
            role="attracted",
            customer=customer_id,
            total=event.basket.total,
            commission=0,
            created_at=event.now,
        )
    through = intermediaries.through_intermediary(event.basket)
    own = event.ctx.extra.get(intermediaries.OWN)
    if through is not None and not (own and own[0] == through):  # type: ignore[index]
        intermediaries.record_intermediary_sale(
            event.receipt_id, through, now=event.now, employee_id=event.employee.id
        )
    if own:
        intermediaries.record_own_purchase(
            event.receipt_id,
            own[0],  # type: ignore[index]
            event.basket.total,
            now=event.now,
        )


@extensions.return_hook
def on_return(event: ReturnEvent) -> None:
    returned = [(line.id, qty) for line, qty, _refund in event.lines]
    intermediaries.reverse_for_return(
        event.original.id,
        returned,
        return_id=event.receipt_id,
        now=event.now,
        employee_id=event.employee.id,
    )
    intermediaries.reverse_own_purchase(
        event.original.id, event.refund, return_id=event.receipt_id, now=event.now
    )


__all__ = ["on_return", "on_sale"]
