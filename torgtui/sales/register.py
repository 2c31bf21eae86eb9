"""The open receipt of one employee at one register: scans, quantities, discounts, customer,
hold and recall. Every change is saved at once as a draft, so a crash or a lost SSH link loses
nothing; the draft belongs to the employee and reappears at their next login on any register.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid as uuidlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from torgtui import approvals
from torgtui.approvals import Action, Approval, ApprovalNeeded
from torgtui.clock import Clock, system_clock
from torgtui.db import database, sql, stamp, write_tx
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.i18n import _
from torgtui.models import Customer, Draft, Employee, Product
from torgtui.money import format_money
from torgtui.sales import extensions
from torgtui.sales.basket import Basket, BasketLine, ManualDiscount, PriceOverride
from torgtui.sales.pricing import PricingContext, manual_share, price
from torgtui.sales.scan import lookup, parse_entry
from torgtui.staff import MANUAL_DISCOUNT_LIMIT, Permission, Role, ask_whom, audit, require
from torgtui.values import (
    MAX_AMOUNT,
    check_id,
    check_kopecks,
    check_percent,
    check_qty,
    check_text,
)

if TYPE_CHECKING:
    from torgtui.sales.codes import Entered

# what a draft keeps of a line: what was scanned, not what pricing worked out
COMPUTED = ("adjustments", "below_cost", "bonus_spend", "bonus_earn", "group_id", "manufacturer_id")
LINE_FIELDS = [f.name for f in dataclasses.fields(BasketLine) if f.name not in COMPUTED]
MAX_LINES = 1000  # lines on one receipt: more is a runaway scanner or a script gone wrong
# how old the pricing on screen may be for the payment to take it (Register.priced_as_shown)
SHOWN_PRICE_AGE = dt.timedelta(seconds=30)
MAX_VOID_REASON = 200  # characters of the reason a line was voided for


class WeightNeeded(ValidationError):
    """A weighed product was scanned by its own barcode (no weight in it): ask for the weight."""

    def __init__(self, product: Product, barcode: str) -> None:
        super().__init__(
            _("{name} is sold by weight: type the weight in {unit}, then *, then scan.").format(
                name=product.name, unit=product.unit
            )
        )
        self.product = product
        self.barcode = barcode


def basket_to_json(basket: Basket) -> str:
    return json.dumps(
        {
            "lines": [{k: getattr(line, k) for k in LINE_FIELDS} for line in basket.lines],
            "customer_id": basket.customer_id,
            "manual": [
                {**dataclasses.asdict(m), "percent": None if m.percent is None else str(m.percent)}
                for m in basket.manual_discounts
            ],
            "overrides": [dataclasses.asdict(o) for o in basket.overrides],
            "below_cost_approval": basket.below_cost_approval,
            "bonus_redeem": basket.bonus_redeem,
            "codes": list(basket.codes),
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
        overrides=[PriceOverride(**o) for o in data.get("overrides", [])],
        below_cost_approval=data.get("below_cost_approval"),
        bonus_redeem=int(data.get("bonus_redeem") or 0),
        codes=[str(c) for c in data.get("codes", [])],
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
        below_cost: str = "confirm",
        location_id: int | None = None,
        card_prefix: str = "29",
        clock: Clock = system_clock,
    ) -> None:
        require(employee, Permission.SELL)
        self.employee = employee
        self.register = register
        self.scale_prefixes = scale_prefixes
        self.card_prefix = card_prefix  # settings.customers.card_prefix: card numbers
        self.below_cost = below_cost
        self.location_id = location_id  # the shift's: its price type and price list
        self.clock = clock
        self.draft: Draft | None = None
        self.basket = Basket()
        # the last pricing (the pipeline prices the basket in place): the basket, what it
        # held then, and when
        self._last_priced: tuple[Basket, tuple[str, int | None, str], dt.datetime] | None = None
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
            else:  # in SQL as written: on every scan, and peewee built it anew each time
                database.execute_sql(
                    sql(
                        'UPDATE "draft" SET "data" = ?, "updated_at" = ?, "register" = ? '
                        'WHERE "id" = ?'
                    ),
                    (data, stamp(now), self.register, self.draft.id),
                )

    def _context(self) -> PricingContext:
        return PricingContext(
            at=self.clock(),
            customer_id=self.basket.customer_id,
            location_id=self.location_id,
            below_cost=self.below_cost,
        )

    def priced(self) -> Basket:
        """The basket through the pricing pipeline now (the catalog and promotions as they
        are); kept, for :meth:`priced_as_shown`."""
        context = self._context()
        priced = price(self.basket, context)
        self._last_priced = (priced, self._pricing_input(), context.at)
        return priced

    def priced_as_shown(self, within: dt.timedelta = SHOWN_PRICE_AGE) -> Basket:
        """The last pricing when the basket has not changed since and it is at most
        ``within`` old, else the basket priced now. The payment takes this: the total the
        cashier and the customer see, without the pipeline run again on the way to the pay
        key (0.7-2 ms with 200 promotions, docs/performance.md). It trusts nothing: the
        checkout prices the receipt again in its transaction and refuses a total that moved
        (a promotion's hour began, a code was used at another register), and the payment
        then shows the new one."""
        last = self._last_priced
        if last is not None:
            basket, shown, at = last
            fresh = dt.timedelta(0) <= self.clock() - at <= within
            if fresh and basket is self.basket and shown == self._pricing_input():
                return basket  # as the last pricing left it (a recalled receipt is another)
        return self.priced()

    def _pricing_input(self) -> tuple[str, int | None, str]:
        """What a pricing depends on here: the basket as saved, the place, the below-cost rule
        (the catalog, the promotions and the clock are the checkout's to check again)."""
        return basket_to_json(self.basket), self.location_id, self.below_cost

    # --- lines ---------------------------------------------------------------------------

    def scan(self, text: str, qty: int | None = None) -> BasketLine:
        """Add what was scanned or typed ("3*code" sells three). A repeated scan of a piece
        good adds to its line; weighed goods always get a line of their own, and a weighed
        product scanned by its own barcode (no weight in it) raises :class:`WeightNeeded`."""
        entry = parse_entry(text)
        found = lookup(entry.code, self.scale_prefixes)
        qty = qty if qty is not None else (entry.qty or found.qty)
        if qty is None:
            if found.product.weighed:
                raise WeightNeeded(found.product, found.barcode)
            qty = 1000
        return self.add(found.product, qty, found.barcode, fresh=True)

    def enter(self, text: str, qty: int | None = None) -> Entered:
        """The one code field: a product (as :meth:`scan`), a loyalty card (attaches its
        customer), and whatever other code kinds the features register (promo codes,
        certificates); see torgtui.sales.codes. Returns what happened."""
        from torgtui.sales import codes

        return codes.enter(self, text, qty)

    def add(
        self, product: Product, qty: int = 1000, barcode: str = "", *, fresh: bool = False
    ) -> BasketLine:
        """Add ``qty`` thousandths of ``product`` (as the catalog has it now: read again,
        unless ``fresh``: the scan's look-up has just read it)."""
        product_id = check_id(getattr(product, "id", None), _("The product"))
        current = product if fresh else Product.get_or_none(Product.id == product_id)
        if current is None or not current.active:
            raise ValidationError(_("That product is not sold any more."))
        qty = check_qty(qty, weighed=current.weighed, name=current.name)
        barcode = check_text(barcode, _("The barcode"), max_len=40)
        index = None if current.weighed else self.basket.find_line(current.id)
        if index is None and len(self.basket.lines) >= MAX_LINES:
            raise ValidationError(
                _("A receipt holds at most {n} lines: pay this one and start another.").format(
                    n=MAX_LINES
                )
            )
        self._check_line(current.id, self._qty_of(current.id) + qty)
        if index is not None:  # stays where it is (the screen highlights it): a repeat scan
            line = self.basket.lines[index]  # redraws one row, not every row below it
            check_qty(line.qty + qty, weighed=False, name=line.name)
            line.qty += qty
        else:
            line = line_from_product(current, qty, barcode)
            self.basket.lines.append(line)
        self.save()
        return line

    def set_qty(self, index: int, qty: int) -> None:
        line = self._line(index)
        qty = check_qty(qty, weighed=line.weighed, name=line.name)
        self._check_line(line.product_id, self._qty_of(line.product_id) - line.qty + qty)
        line.qty = qty
        self.save()

    def _qty_of(self, product_id: int) -> int:
        return sum(ln.qty for ln in self.basket.lines if ln.product_id == product_id)

    def _check_line(self, product_id: int, qty: int) -> None:
        """The features' checks of a line before it changes (goods held for a pre-order)."""
        extensions.load()
        for check in extensions.LINE_CHECKS:
            check(self.basket, product_id, qty, self.location_id)

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
        overrides = []
        for o in self.basket.overrides:
            if o.line == index:
                continue
            if o.line > index:
                o.line -= 1
            overrides.append(o)
        self.basket.overrides = overrides
        self.save()
        return line

    def void_line(self, index: int, reason: str) -> BasketLine:
        """Take line ``index`` off the open receipt for ``reason`` (the register's Delete):
        the draft's save and an audit entry (what the line was, for how much, and why) are
        one transaction. Anyone who may sell may void on an open receipt."""
        require(self.employee, Permission.SELL)
        line = self._line(index)
        reason = check_text(reason, _("The reason"), max_len=MAX_VOID_REASON, required=True)
        amount = self.priced().lines[index].total
        draft, kept = self.draft, basket_to_json(self.basket)
        try:
            with write_tx():
                self.remove(index)  # saves the draft: a savepoint of this transaction
                audit(
                    "receipt.void_line",
                    self.employee,
                    object_type="draft",
                    object_id=self.uuid,
                    before={
                        "line": index,
                        "product": line.product_id,
                        "sku": line.sku,
                        "name": line.name,
                        "qty": line.qty,
                        "amount": amount,
                    },
                    after={"reason": reason, "receipt": self.uuid, "register": self.register},
                    terminal=self.register,
                    clock=self.clock,
                )
        except BaseException:
            self.draft, self.basket = draft, basket_from_json(kept)  # as it still is on disk
            raise
        return line

    def _line(self, index: int) -> BasketLine:
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValidationError(_("There is no such line on the receipt."))
        if not 0 <= index < len(self.basket.lines):
            raise ValidationError(_("There is no such line on the receipt."))
        return self.basket.lines[index]

    def _approve(
        self,
        approval: Approval | None,
        *,
        action: Action,
        subject: dict[str, Any],
        facts: dict[str, Any],
        refusal: str,
    ) -> tuple[int, int]:
        """Spend ``approval`` (or one's own right) on ``subject`` for this receipt; returns
        (approval id, approver id). Raises ApprovalNeeded when a confirmer is needed."""
        if self.uuid is None:
            raise ValidationError(_("The receipt is empty: scan something first."))
        if approval is None:
            if not approvals.may(self.employee, action, facts):
                raise ApprovalNeeded(
                    refusal,
                    action=action,
                    scope=self.uuid,
                    subject=subject,
                    facts=facts,
                    requester=self.employee,
                )
            approval = approvals.grant_own(
                self.employee,
                action=action,
                scope=self.uuid,
                subject=subject,
                facts=facts,
                clock=self.clock,
                terminal=self.register,
            )
        approval_id = approvals.use(
            approval, action=action, scope=self.uuid, subject=subject, clock=self.clock
        )
        return approval_id, approval.approver_id

    # --- discounts and customer ----------------------------------------------------------

    def manual_discount(
        self,
        *,
        percent: Decimal | None = None,
        amount: int | None = None,
        line: int | None = None,
        reason: str = "",
        approval: Approval | None = None,
    ) -> None:
        """A typed discount on a line or the whole receipt (one each: a new one replaces the
        one before on the same target). The value is checked first; within the cashier's own
        limit it is their own approval, beyond it :class:`ApprovalNeeded` names who may
        confirm, and the call is repeated with the :class:`Approval` their PIN yields."""
        if (percent is None) == (amount is None):
            raise ValidationError(_("Give the discount either in percent or as an amount."))
        if percent is not None:
            percent = check_percent(percent, _("A discount in percent"))
        else:
            amount = check_kopecks(amount, _("The discount"), minimum=1)
        reason = check_text(reason, _("The reason"), max_len=200)
        target = self._line(line) if line is not None else None
        others = [m for m in self.basket.manual_discounts if m.line != line]
        trial = dataclasses.replace(self.basket, manual_discounts=others)
        base_basket = price(trial, self._context())
        base = base_basket.lines[line].total if line is not None else base_basket.total
        if amount is not None and amount > base:
            raise ValidationError(
                _("The discount of {amount} is larger than what it applies to ({base}).").format(
                    amount=format_money(amount), base=format_money(base)
                )
            )
        request = ManualDiscount(
            employee_id=self.employee.id,
            percent=percent,
            amount=amount,
            line=line,
            reason=reason,
            product_id=target.product_id if target is not None else None,
        )
        share = manual_share(request, base)
        limit = MANUAL_DISCOUNT_LIMIT.get(Role(self.employee.role), 0)
        approval_id, approver_id = self._approve(
            approval,
            action=Action.MANUAL_DISCOUNT,
            subject=request.subject(),
            facts={**request.subject(), "share": str(share)},
            refusal=_(
                "{name} may give at most {limit}% by hand and this is {share}%: a senior "
                "employee confirms with their PIN."
            ).format(name=self.employee.name, limit=limit, share=share.normalize()),
        )
        request.approval_id, request.employee_id = approval_id, approver_id
        self.basket.manual_discounts = [*others, request]
        self.basket.below_cost_approval = None  # the prices changed: confirm again if needed
        self.save()
        audit(
            "discount.manual.request",
            self.employee,
            object_type="draft",
            object_id=self.uuid,
            after={
                "percent": percent,
                "amount": amount,
                "line": line,
                "reason": reason,
                "approved_by": approver_id,
            },
            terminal=self.register,
            clock=self.clock,
        )

    def override_price(
        self, line: int, unit_price: int, *, reason: str = "", approval: Approval | None = None
    ) -> None:
        """Sell a line at another unit price (by permission, audited; checkout verifies it)."""
        target = self._line(line)
        unit_price = check_kopecks(unit_price, _("The price"))
        reason = check_text(reason, _("The reason"), max_len=200)
        request = PriceOverride(
            line=line,
            product_id=target.product_id,
            unit_price=unit_price,
            employee_id=self.employee.id,
            reason=reason,
        )
        approval_id, approver_id = self._approve(
            approval,
            action=Action.PRICE_OVERRIDE,
            subject=request.subject(),
            facts=request.subject(),
            refusal=_(
                "{name} may not change a price at the register: ask {whom} to confirm."
            ).format(
                name=self.employee.name,
                whom=ask_whom(Permission.OVERRIDE_PRICE, self.employee),
            ),
        )
        request.approval_id, request.employee_id = approval_id, approver_id
        self.basket.overrides = [o for o in self.basket.overrides if o.line != line] + [request]
        self.basket.below_cost_approval = None
        self.save()
        audit(
            "price.override",
            self.employee,
            object_type="draft",
            object_id=self.uuid,
            after={
                "product": target.product_id,
                "unit_price": unit_price,
                "reason": reason,
                "approved_by": approver_id,
            },
            terminal=self.register,
            clock=self.clock,
        )

    def below_cost_needed(self, priced: Basket | None = None) -> ApprovalNeeded | None:
        """What to confirm before payment when lines sell below cost (None when nothing is,
        or when it is confirmed already for exactly these lines); ``priced``: the basket as
        :meth:`priced` gave it a moment ago (the payment uses the same)."""
        priced = priced if priced is not None else self.priced()
        if not priced.below_cost or self.uuid is None:
            return None
        subject = priced.below_cost_subject()
        if self.basket.below_cost_approval is not None:
            try:
                approvals.check(
                    self.basket.below_cost_approval,
                    action=Action.BELOW_COST,
                    scope=self.uuid,
                    subject=subject,
                )
                return None
            except (PermissionDenied, ValidationError):
                pass  # the lines changed since, or the approver lost the right: ask again
        lines = ", ".join(
            f"{ln.name} −{format_money(ln.below_cost)}" for ln in priced.lines if ln.below_cost
        )
        return ApprovalNeeded(
            _("Below cost by {amount} ({lines}): {whom} confirms with their PIN.").format(
                amount=format_money(priced.below_cost),
                lines=lines,
                whom=ask_whom(Permission.CONFIRM_BELOW_COST),
            ),
            action=Action.BELOW_COST,
            scope=self.uuid,
            subject=subject,
            requester=None,
        )

    def confirm_below_cost(self, approval: Approval | None = None) -> None:
        """Record the approval of selling these lines below cost (checkout checks it)."""
        needed = self.below_cost_needed()
        if needed is None:
            return
        if approval is None and approvals.may(self.employee, Action.BELOW_COST, needed.subject):
            approval = approvals.grant_own(
                self.employee,
                action=Action.BELOW_COST,
                scope=needed.scope,
                subject=needed.subject,
                clock=self.clock,
                terminal=self.register,
            )
        if approval is None:
            raise needed
        self.basket.below_cost_approval = approvals.use(
            approval,
            action=Action.BELOW_COST,
            scope=needed.scope,
            subject=needed.subject,
            clock=self.clock,
        )
        self.save()

    def attach_customer(self, customer: Customer | None) -> None:
        if customer is not None:
            current = Customer.get_or_none(
                Customer.id == check_id(getattr(customer, "id", None), _("The customer"))
            )
            if current is None or current.status != "active":
                raise ValidationError(_("That customer card is not active: check the card."))
        if (customer.id if customer else None) != self.basket.customer_id:
            self.basket.bonus_redeem = 0  # bonuses belong to the card they were asked from
        self.basket.customer_id = customer.id if customer else None
        self.save()

    def redeem_bonus(self, amount: int | str) -> int:
        """Pay ``amount`` kopecks of this receipt with the attached card's bonuses ("max":
        all that can be: up to what the card has and the receipt costs; 0: none). Returns
        what will be paid with bonuses; the payment dialog takes the rest."""
        if self.basket.customer_id is None:
            raise ValidationError(
                _("Attach the customer's card first (F6), then pay with bonuses.")
            )
        if not self.basket.lines:
            raise ValidationError(_("The receipt is empty: scan something first."))
        wanted = MAX_AMOUNT if amount == "max" else check_kopecks(amount, _("The bonuses"))
        self.basket.bonus_redeem = wanted
        priced = self.priced()
        allowed = int(priced.info.get("bonus", {}).get("spend", 0))  # type: ignore[union-attr]
        if amount != "max" and allowed < wanted:
            reasons = [r["reason"] for r in priced.info.get("refused", []) if r["rule"] == "bonus"]
            self.basket.bonus_redeem = 0
            raise ValidationError(
                reasons[0]
                if reasons
                else _("At most {max} of this receipt can be paid with bonuses.").format(
                    max=format_money(allowed)
                )
            )
        self.basket.bonus_redeem = allowed
        self.save()
        return allowed

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

    def cancel(self, *, approval: Approval | None = None) -> None:
        """Throw the open receipt away (by permission, or a senior's approval; audited with
        what it held)."""
        approver: int | None = None
        if self.basket.lines:
            _id, approver = self._approve(
                approval,
                action=Action.CANCEL_RECEIPT,
                subject={"receipt": self.uuid},
                facts={"receipt": self.uuid},
                refusal=_("{name} may not cancel a receipt: ask {whom} to confirm.").format(
                    name=self.employee.name,
                    whom=ask_whom(Permission.CANCEL_RECEIPT, self.employee),
                ),
            )
        with write_tx():
            if self.draft is not None:
                Draft.delete().where(Draft.id == self.draft.id).execute()
                audit(
                    "receipt.cancel",
                    self.employee,
                    object_type="draft",
                    object_id=self.draft.uuid,
                    before=json.loads(basket_to_json(self.basket)),
                    after={"approved_by": approver},
                    terminal=self.register,
                    clock=self.clock,
                )
        self.draft, self.basket = None, Basket()

    def forget(self) -> None:
        """After checkout: the draft is gone (deleted in the checkout transaction)."""
        self.draft, self.basket = None, Basket()
