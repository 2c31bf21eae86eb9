"""The invoice being made: the register's own open receipt (torgtui.sales.register.Register)
kept as a draft of its own kind, so an employee can make an invoice without touching the
receipt open at their till, and a crash loses neither.

Everything a receipt does works here the same way: the one code field (products, cards, promo
codes and referral codes scanned as "control barcodes", torgtui.sales.codes), quantities,
discounts with their approvals, prices from the catalog and the pipeline. Only the draft's
status differs (``invoice`` instead of ``open``), which the register never resumes.
"""

from __future__ import annotations

import uuid as uuidlib

from torgtui.db import write_tx
from torgtui.models import Draft
from torgtui.sales.basket import Basket
from torgtui.sales.register import Register, basket_from_json, basket_to_json

DRAFT_STATUS = "invoice"


class InvoiceDraft(Register):
    """One employee's invoice in the making (its uuid becomes the invoice's and the receipt's)."""

    def resume(self) -> bool:
        draft = (
            Draft.select()
            .where((Draft.employee == self.employee.id) & (Draft.status == DRAFT_STATUS))
            .order_by(Draft.updated_at.desc())
            .first()
        )
        self.draft = draft
        self.basket = basket_from_json(draft.data) if draft else Basket()
        return draft is not None

    def save(self) -> None:
        now = self.clock()
        data = basket_to_json(self.basket)
        with write_tx():
            if self.draft is None:
                self.draft = Draft.create(
                    uuid=str(uuidlib.uuid4()),
                    employee=self.employee.id,
                    register=self.register,
                    status=DRAFT_STATUS,
                    data=data,
                    created_at=now,
                    updated_at=now,
                )
            else:
                Draft.update(data=data, updated_at=now, register=self.register).where(
                    Draft.id == self.draft.id
                ).execute()

    def hold(self) -> str:  # an invoice is not put aside: it stays until issued or cancelled
        from torgtui.errors import ValidationError
        from torgtui.i18n import _

        raise ValidationError(_("An invoice is not held: issue it or cancel it."))


__all__ = ["DRAFT_STATUS", "InvoiceDraft"]
