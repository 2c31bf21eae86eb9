"""The open receipt of one employee at one register: scans, quantities, discounts, customer,
hold and recall. Every change is saved at once as a draft, so a crash or a lost SSH link loses
nothing; the draft belongs to the employee and reappears at their next login on any register.
"""

from __future__ import annotations

import dataclasses
import json
import uuid as uuidlib
from decimal import Decimal
from typing import Any

from torgtui.clock import Clock, system_clock
from torgtui.db import write_tx
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.i18n import _
from torgtui.models import Customer, Draft, Employee, Product
from torgtui.sales.basket import Basket, BasketLine, ManualDiscount
from torgtui.sales.pricing import PricingContext, price
from torgtui.sales.scan import lookup, parse_entry
from torgtui.staff import MANUAL_DISCOUNT_LIMIT, Permission, Role, audit, require

LINE_FIELDS = [f.name for f in dataclasses.fields(BasketLine) if f.name != "adjustments"]


def basket_to_json(basket: Basket) -> str:
    return json.dumps(
        {
            "lines": [{k: getattr(line, k) for k in LINE_FIELDS} for line in basket.lines],
            "customer_id": basket.customer_id,
            "manual": [
                {**dataclasses.asdict(m), "percent": None if m.percent is None else str(m.percent)}
                for m in basket.manual_discounts
            ],
        },
        ensure_ascii=False,
    )


def basket_from_json(text: str) -> Basket:
    data: dict[str, Any] = json.loads(text)
    manual = [
        ManualDiscount(**{**m, "percent": None if m["percent"] is None else Decimal(m["percent"])})
        for m in data.get("manual", [])
    ]
    return Basket(
        lines=[BasketLine(**line) for line in data.get("lines", [])],
        customer_id=data.get("customer_id"),
        manual_discounts=manual,
    )


def line_from_product(product: Product, qty: int, barcode: str = "") -> BasketLine:
    return BasketLine(
        product_id=product.id,
        sku=product.sku,
        name=product.name,
        qty=qty,
        unit_price=product.price,
        unit_cost=product.cost,
        barcode=barcode,
        unit=product.unit,
        weighed=product.weighed,
        tax_group=product.tax_group,
    )


class Register:
    """One employee's open receipt at one terminal."""

    def __init__(
        self,
        employee: Employee,
        *,
        register: str,
        scale_prefixes: tuple[str, ...] = ("20",),
        clock: Clock = system_clock,
    ) -> None:
        require(employee, Permission.SELL)
        self.employee = employee
        self.register = register
        self.scale_prefixes = scale_prefixes
        self.clock = clock
        self.draft: Draft | None = None
        self.basket = Basket()
        self.resume()

    # --- persistence ---------------------------------------------------------------------

    def resume(self) -> bool:
        """Take up this employee's open draft, if any (after a crash, on any register)."""
        draft = (
            Draft.select()
            .where((Draft.employee == self.employee.id) & (Draft.status == "open"))
            .order_by(Draft.updated_at.desc())
            .first()
        )
        self.draft = draft
        self.basket = basket_from_json(draft.data) if draft else Basket()
        return draft is not None

    @property
    def uuid(self) -> str | None:
        return self.draft.uuid if self.draft else None

    def save(self) -> None:
        """Write the basket now (one small UPDATE; a new draft on the first line)."""
        now = self.clock()
        data = basket_to_json(self.basket)
        with write_tx():
            if self.draft is None:
                self.draft = Draft.create(
                    uuid=str(uuidlib.uuid4()),
                    employee=self.employee.id,
                    register=self.register,
                    status="open",
                    data=data,
                    created_at=now,
                    updated_at=now,
                )
            else:
                Draft.update(data=data, updated_at=now, register=self.register).where(
                    Draft.id == self.draft.id
                ).execute()

    def priced(self) -> Basket:
        return price(
            self.basket, PricingContext(at=self.clock(), customer_id=self.basket.customer_id)
        )

    # --- lines ---------------------------------------------------------------------------

    def scan(self, text: str, qty: int | None = None) -> BasketLine:
        """Add what was scanned or typed ("3*code" sells three). A repeated scan of a piece
        good adds to its line; weighed goods always get a line of their own."""
        entry = parse_entry(text)
        found = lookup(entry.code, self.scale_prefixes)
        qty = qty or entry.qty or found.qty or 1000
        if not found.product.weighed and qty % 1000:
            raise ValidationError(
                _("{name} is sold by the piece: the quantity must be whole.").format(
                    name=found.product.name
                )
            )
        return self.add(found.product, qty, found.barcode)

    def add(self, product: Product, qty: int = 1000, barcode: str = "") -> BasketLine:
        index = None if product.weighed else self.basket.find_line(product.id)
        if index is not None:  # stays where it is (the screen highlights it): a repeat scan
            line = self.basket.lines[index]  # redraws one row, not every row below it
            line.qty += qty
        else:
            line = line_from_product(product, qty, barcode)
            self.basket.lines.append(line)
        self.save()
        return line

    def set_qty(self, index: int, qty: int) -> None:
        line = self._line(index)
        if qty <= 0:
            raise ValidationError(
                _("The quantity must be more than zero: delete the line instead.")
            )
        if not line.weighed and qty % 1000:
            raise ValidationError(
                _("{name} is sold by the piece: the quantity must be whole.").format(name=line.name)
            )
        line.qty = qty
        self.save()

    def remove(self, index: int) -> BasketLine:
        line = self._line(index)
        del self.basket.lines[index]
        kept = []
        for m in self.basket.manual_discounts:
            if m.line == index:
                continue
            if m.line is not None and m.line > index:
                m.line -= 1
            kept.append(m)
        self.basket.manual_discounts = kept
        self.save()
        return line

    def _line(self, index: int) -> BasketLine:
        if not 0 <= index < len(self.basket.lines):
            raise ValidationError(_("There is no such line on the receipt."))
        return self.basket.lines[index]

    # --- discounts and customer ----------------------------------------------------------

    def manual_discount(
        self,
        *,
        percent: Decimal | None = None,
        amount: int | None = None,
        line: int | None = None,
        reason: str = "",
        by: Employee | None = None,
    ) -> None:
        """A typed discount on a line or the whole receipt, within the role's limit.

        ``by`` is a senior employee who confirms a discount beyond the cashier's own limit."""
        actor = by or self.employee
        require(actor, Permission.MANUAL_DISCOUNT)
        if (percent is None) == (amount is None):
            raise ValidationError(_("Give the discount either in percent or as an amount."))
        base = self._line(line).total if line is not None else self.priced().total
        if percent is not None:
            if not Decimal(0) < percent <= Decimal(100):
                raise ValidationError(_("A discount in percent is more than 0 and at most 100."))
            share = percent
        else:
            assert amount is not None
            if amount <= 0:
                raise ValidationError(_("The discount amount must be more than zero."))
            if amount > base:
                raise ValidationError(_("The discount is larger than what it applies to."))
            share = Decimal(amount) * 100 / base if base else Decimal(100)
        limit = MANUAL_DISCOUNT_LIMIT.get(Role(actor.role), 0)
        if share > limit:
            raise PermissionDenied(
                _("{name} may give at most {limit}% by hand: ask a manager to confirm.").format(
                    name=actor.name, limit=limit
                )
            )
        self.basket.manual_discounts.append(
            ManualDiscount(
                employee_id=actor.id,
                percent=percent,
                amount=amount,
                line=line,
                reason=reason.strip()[:200],
            )
        )
        self.save()
        audit(
            "discount.manual.request",
            actor,
            object_type="draft",
            object_id=self.uuid,
            after={"percent": percent, "amount": amount, "line": line, "reason": reason},
            terminal=self.register,
            clock=self.clock,
        )

    def attach_customer(self, customer: Customer | None) -> None:
        self.basket.customer_id = customer.id if customer else None
        self.save()

    # --- the receipt as a whole ----------------------------------------------------------

    def hold(self) -> str:
        """Put the open receipt aside to serve someone else; returns its uuid."""
        if not self.basket.lines or self.draft is None:
            raise ValidationError(_("The receipt is empty: nothing to hold."))
        with write_tx():
            Draft.update(status="held", updated_at=self.clock()).where(
                Draft.id == self.draft.id
            ).execute()
        held = self.draft.uuid
        self.draft, self.basket = None, Basket()
        return held

    def held(self) -> list[Draft]:
        return list(Draft.select().where(Draft.status == "held").order_by(Draft.updated_at))

    def recall(self, draft_uuid: str) -> None:
        """Bring back a held receipt (only when the current one is empty)."""
        if self.basket.lines:
            raise ValidationError(_("Finish or hold the current receipt before recalling one."))
        with write_tx():
            changed = (
                Draft.update(
                    status="open",
                    employee=self.employee.id,
                    register=self.register,
                    updated_at=self.clock(),
                )
                .where((Draft.uuid == draft_uuid) & (Draft.status == "held"))
                .execute()
            )
            if not changed:
                raise ValidationError(_("That receipt is no longer held (recalled elsewhere?)."))
            if self.draft is not None:
                Draft.delete().where(Draft.id == self.draft.id).execute()
        self.resume()

    def cancel(self, *, by: Employee | None = None) -> None:
        """Throw the open receipt away (by permission; audited with what it held)."""
        actor = by or self.employee
        if self.basket.lines:
            require(actor, Permission.CANCEL_RECEIPT)
        with write_tx():
            if self.draft is not None:
                Draft.delete().where(Draft.id == self.draft.id).execute()
                audit(
                    "receipt.cancel",
                    actor,
                    object_type="draft",
                    object_id=self.draft.uuid,
                    before=json.loads(basket_to_json(self.basket)),
                    terminal=self.register,
                    clock=self.clock,
                )
        self.draft, self.basket = None, Basket()

    def forget(self) -> None:
        """After checkout: the draft is gone (deleted in the checkout transaction)."""
        self.draft, self.basket = None, Basket()
