"""A pre-order at the register: its code in the code field, its agreed prices in the pricing
pipeline, its prepayment as a tender, and the hard reserves every sale respects.

* **The code** ``PO-12`` (code kind ``preorder``, order 15) puts a ready pre-order on the
  receipt: its customer, its lines at their quantities, and the code itself in
  ``basket.codes`` (so a held or recovered draft still knows it).
* **The price** comes from the pipeline, never from the caller: a context loader reads the
  pre-order named in ``basket.codes`` once per pricing, and the step ``preorder`` (order 85,
  after every discount and before bonuses) makes each of its lines cost at most the agreed
  price, for the quantity ordered (more of the product sells at the ordinary price). The
  agreed price is a ceiling, not a discount to stack: when the shop's own rules that day (a
  price type, a promotion, the card) give a lower price, the lower price stands, and nothing
  is taken off the agreed price on top of them.
* **The tender** ``prepayment`` pays the receipt with what is on the pre-order's account. The
  sale hook marks the pre-order sold (one conditional UPDATE from ``ready``: two registers
  finishing it at once, one wins), spends the prepayment whole (the tender must be exactly
  what is held), and turns its reserves into the sale.
* **Every sale** at a location checks, inside its transaction, that what it took leaves stock
  for the goods held for pre-orders: ``torgtui.catalog.stock.available`` may not go below zero
  because of it (the receipt rolls back with a message naming the product).
* **A return** of such a receipt pays the prepayment's share back as money (the ledger
  account of a sold pre-order stays at zero).

The service that finishes a pre-order from its screen is torgtui.marketing.preorder_finish;
the one place to call pre-orders from is torgtui.marketing.preorders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from torgtui.catalog.stock import reserved_of, stock_levels, stock_of
from torgtui.db import database, is_sqlite, query_value, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.preorder_common import (
    ACTIVE,
    CODE_PREFIX,
    Head,
    Status,
    by_number,
    find_account,
    head,
    number_of,
    prepaid_of,
    refusal,
    reserve_lock,
    status_title,
)
from torgtui.models import Customer, Product
from torgtui.money import format_money, format_qty, line_amount, round_kopecks
from torgtui.sales import extensions
from torgtui.sales.basket import Adjustment, Basket
from torgtui.sales.codes import Entered, NotMine, code_kind
from torgtui.sales.extensions import ReturnEvent, SaleEvent, TenderKind
from torgtui.sales.pricing import PricingContext
from torgtui.sales.register import Register

PREPAYMENT = extensions.tender(TenderKind("prepayment", lambda: _("Prepayment")))
DEAL = "preorder"  # ctx.extra: the pre-order on the receipt (a Deal), or None: unknown code


@dataclass(frozen=True)
class Deal:
    """The pre-order named on a receipt, as pricing and the sale hook need it."""

    head: Head
    lines: tuple[tuple[int, int, int], ...]  # (product id, thousandths, agreed unit price)
    prepaid: int


def codes_on(basket: Basket) -> list[str]:
    """The pre-order codes in ``basket.codes`` (normally none, at most one)."""
    return [c for c in basket.codes if number_of(c) is not None]


def deal_lines(preorder_id: int) -> tuple[tuple[int, int, int], ...]:
    rows = database.execute_sql(
        sql(
            'SELECT "product_id", "qty", "unit_price" FROM "preorder_line" '
            'WHERE "preorder_id" = ? ORDER BY "position"'
        ),
        (preorder_id,),
    ).fetchall()
    return tuple((r[0], int(r[1]), int(r[2])) for r in rows)


@extensions.context_loader
def load_deal(basket: Basket, ctx: PricingContext) -> None:
    """Read the pre-order named on the receipt, once per pricing (nothing when none is)."""
    codes = codes_on(basket)
    if not codes:
        return
    found = by_number(number_of(codes[0]))  # type: ignore[arg-type]
    ctx.extra[DEAL] = (
        None if found is None else Deal(found, deal_lines(found.id), prepaid_of(found.id))
    )


@extensions.pricing_step(85, "preorder")
def agreed_price_step(basket: Basket, ctx: PricingContext) -> None:
    """Each pre-ordered line costs at most the agreed price for the quantity ordered."""
    if DEAL not in ctx.extra:
        return
    deal = ctx.extra[DEAL]
    refused = basket.info.setdefault("refused", [])
    if not isinstance(deal, Deal):
        refused.append(
            {"rule": "preorder", "reason": _("There is no such pre-order: delete its code.")}
        )
        return
    found = deal.head
    basket.info["preorder"] = {
        "code": found.code,
        "status": found.status,
        "total": found.total,
        "prepaid": deal.prepaid,
    }
    if found.status not in ACTIVE:  # priced all the same: the sale hook refuses it in words
        refused.append({"rule": found.code, "reason": refusal(found).message})
    left = {pid: qty for pid, qty, _unit in deal.lines}
    agreed = {pid: unit for pid, _qty, unit in deal.lines}
    reason = _("Pre-order {code}: the price agreed").format(code=found.code)
    for line in basket.lines:
        wanted = left.get(line.product_id, 0)
        if wanted <= 0 or line.qty <= 0:
            continue
        covered = min(line.qty, wanted)
        left[line.product_id] = wanted - covered
        now = (
            line.total
            if covered == line.qty
            else round_kopecks(Decimal(line.total) * covered / line.qty)
        )
        amount = now - line_amount(agreed[line.product_id], covered)
        if amount > 0:
            line.adjustments.append(Adjustment("preorder", reason, amount, rule=found.code))


# --- the sale --------------------------------------------------------------------------------


def _paid_with_prepayment(payments: Sequence[tuple[str, int, int]]) -> int:
    return sum(amount for tender, amount, _given in payments if tender == PREPAYMENT.name)


@extensions.sale_hook
def on_sale(event: SaleEvent) -> None:
    """Finish the pre-order on the receipt (if any), then make sure the sale took nothing
    held for another pre-order."""
    paid = _paid_with_prepayment(event.payments)
    codes = codes_on(event.basket)
    if codes:
        _finish_deal(event, codes, paid)
    elif paid:
        raise ValidationError(
            _("A prepayment pays for its pre-order: scan the pre-order's code (PO-...) first.")
        )
    guard_reserves(event.receipt_id, event.shift.location_id)


def _finish_deal(event: SaleEvent, codes: list[str], paid: int) -> None:
    if len(codes) > 1:
        raise ValidationError(_("One pre-order per receipt: pay for one, then the other."))
    deal = event.ctx.extra.get(DEAL)
    if not isinstance(deal, Deal):
        raise ValidationError(
            _("There is no pre-order {code}: delete its code.").format(code=codes[0])
        )
    found = deal.head
    if event.shift.location_id != found.location_id:
        raise ValidationError(
            _("Pre-order {code} is collected at {place}: sell it there.").format(
                code=found.code,
                place=query_value(
                    'SELECT "name" FROM "location" WHERE "id" = ?', (found.location_id,)
                ),
            )
        )
    if event.basket.customer_id != found.customer_id:
        raise ValidationError(
            _("Pre-order {code} is {name}'s: attach their card (F6).").format(
                code=found.code, name=Customer.get_by_id(found.customer_id).name
            )
        )
    on_receipt: dict[int, int] = {}
    for line in event.basket.lines:
        on_receipt[line.product_id] = on_receipt.get(line.product_id, 0) + line.qty
    for product_id, qty, _unit in deal.lines:
        if on_receipt.get(product_id, 0) < qty:
            raise ValidationError(
                _("Pre-order {code} has {qty} of {name}: put all of it on the receipt.").format(
                    code=found.code,
                    qty=format_qty(qty),
                    name=Product.get_by_id(product_id).name,
                )
            )
    at = str(event.now) if is_sqlite() else event.now
    sold = database.execute_sql(
        sql(
            'UPDATE "preorder" SET "status" = ?, "receipt_id" = ?, "updated_at" = ? '
            'WHERE "id" = ? AND "status" = ?'
        ),
        (str(Status.SOLD), event.receipt_id, at, found.id, str(Status.READY)),
    ).rowcount
    if sold != 1:
        raise not_ready(head(found.id))
    account_id = find_account(found.id)
    held = ledger.balance(account_id)
    if paid != held:
        raise ValidationError(
            _(
                "{held} is prepaid for pre-order {code}: pay exactly that of this receipt "
                "with the prepayment."
            ).format(held=format_money(held), code=found.code)
        )
    if paid:
        ledger.post(
            account_id,  # type: ignore[arg-type]
            -paid,
            "spend",
            now=event.now,
            keep_open=False,
            receipt_id=event.receipt_id,
            employee_id=event.employee.id,
            document=f"receipt:{event.receipt_id}",
            note=found.code,
        )
    database.execute_sql(
        sql(
            'UPDATE "preorder_reserve" SET "status" = ?, "closed_at" = ? '
            'WHERE "preorder_id" = ? AND "status" = ?'
        ),
        ("sold", at, found.id, "held"),
    )
    event.info["preorder"] = {"code": found.code, "prepaid": paid}


def not_ready(found: Head) -> ValidationError:
    if found.status not in ACTIVE:
        return refusal(found)
    return ValidationError(
        _(
            "Pre-order {code} is {status}: it is sold once all its goods are reserved for it."
        ).format(code=found.code, status=status_title(found.status))
    )


def guard_reserves(receipt_id: int, location_id: int) -> None:
    """Inside a sale's transaction (its stock movements written): refuse it when what it
    took leaves less in stock than is held for pre-orders at the location. One indexed query
    when nothing is held there (the usual case), two more when something is but not of what
    this receipt sold; the stock of a held product it sold is summed (PostgreSQL: its reserve
    rows locked first, so two sales of it take turns)."""
    reserve_lock(location_id, shared=True)
    held_here = {
        r[0]
        for r in database.execute_sql(
            sql(
                'SELECT DISTINCT "product_id" FROM "preorder_reserve" '
                'WHERE "location_id" = ? AND "status" = ?'
            ),
            (location_id, "held"),
        ).fetchall()
    }
    if not held_here:
        return
    line_ids = [
        r[0]
        for r in database.execute_sql(
            sql('SELECT "id" FROM "receipt_line" WHERE "receipt_id" = ?'), (receipt_id,)
        ).fetchall()
    ]
    taken: dict[int, int] = {}
    for start in range(0, len(line_ids), 500):
        chunk = line_ids[start : start + 500]
        rows = database.execute_sql(
            sql(
                'SELECT "product_id", "qty" FROM "stock_movement" WHERE "receipt_line_id" IN '
                f'({", ".join("?" * len(chunk))}) AND "qty" < 0'
            ),
            chunk,
        ).fetchall()
        for product_id, qty in rows:
            if product_id in held_here:
                taken[product_id] = taken.get(product_id, 0) - int(qty)
    if not taken:
        return
    wanted = sorted(taken)
    rows = database.execute_sql(
        sql(
            'SELECT "product_id", "qty" FROM "preorder_reserve" WHERE "location_id" = ? '
            f'AND "status" = ? AND "product_id" IN ({", ".join("?" * len(wanted))})'
            + ("" if is_sqlite() else " FOR UPDATE")
        ),
        [location_id, "held", *wanted],
    ).fetchall()
    held: dict[int, int] = {}
    for product_id, qty in rows:
        held[product_id] = held.get(product_id, 0) + int(qty)
    levels = stock_levels(location_id, list(held))
    for product_id, reserved in sorted(held.items()):
        stock = levels.get(product_id, 0)
        if stock < reserved:
            free = max(stock + taken[product_id] - reserved, 0)
            raise _held_refusal(product_id, free)


def _held_refusal(product_id: int, free: int) -> ValidationError:
    name = Product.get_by_id(product_id).name
    if not free:
        return ValidationError(
            _("{name}: what is in stock is held for pre-orders: take it off the receipt.").format(
                name=name
            )
        )
    return ValidationError(
        _(
            "{name}: the rest is held for pre-orders, only {free} can be sold: sell at most {free}."
        ).format(name=name, free=format_qty(free))
    )


@extensions.line_check
def check_line(basket: Basket, product_id: int, qty: int, location_id: int | None) -> None:
    """For the register's scan (docs/preorders.md, "What the register still needs"): refuse
    ``qty`` (the product's whole quantity on the receipt after a scan or a change) when it is
    more than may be sold to this receipt: what is free of the product at the location, plus
    what the receipt's own pre-order holds of it. One query for a product nobody holds."""
    if location_id is None:
        return
    held = reserved_of(product_id, location_id)
    if not held:
        return
    own = 0
    codes = codes_on(basket)
    found = by_number(number_of(codes[0])) if codes else None  # type: ignore[arg-type]
    if found is not None and found.status in ACTIVE:
        own = int(
            query_value(  # type: ignore[call-overload]
                'SELECT COALESCE(SUM("qty"), 0) FROM "preorder_reserve" WHERE "preorder_id" = ? '
                'AND "product_id" = ? AND "location_id" = ? AND "status" = ?',
                (found.id, product_id, location_id, "held"),
            )
        )
    others = held - own
    if others <= 0:
        return  # only this receipt's own pre-order holds it: no more limited than any product
    free = stock_of(product_id, location_id) - others
    if qty > free:
        raise _held_refusal(product_id, max(free, 0))


@extensions.return_planner
def prepayment_back_as_money(event: ReturnEvent) -> None:
    """The prepayment's share of a return is paid back as money (card up to what the card
    paid of the receipt, the rest in cash, as the register refunds): the pre-order is sold
    and its account stays at zero."""
    part = _paid_with_prepayment(event.payments)
    if part:
        event.payments = [p for p in event.payments if p[0] != PREPAYMENT.name]
        event.money += part


# --- the code field ---------------------------------------------------------------------------


def _claims(code: str, register: Register) -> bool:
    return code[:3].upper() == CODE_PREFIX


@code_kind(15, "preorder", claims=_claims)
def enter_preorder(register: Register, code: str, qty: int | None) -> Entered:
    """``PO-12`` typed or scanned: the pre-order onto the receipt (see :func:`put_on`)."""
    number = number_of(code)
    found = by_number(number) if number is not None else None
    if found is None:
        raise NotMine(_("There is no pre-order {code}.").format(code=code))
    if qty is not None:
        raise ValidationError(
            _("{code} is a pre-order: scan it without a quantity.").format(code=found.code)
        )
    return put_on(register, found.id)


def put_on(register: Register, preorder_id: int) -> Entered:
    """Put a ready pre-order on the register's receipt: its customer, its lines, its code."""
    found = head(preorder_id)
    if found.status != Status.READY:
        raise not_ready(found)
    if register.location_id is not None and register.location_id != found.location_id:
        raise ValidationError(
            _("Pre-order {code} is collected at another location: sell it there.").format(
                code=found.code
            )
        )
    basket = register.basket
    on = codes_on(basket)
    if found.code in on:
        return Entered(
            "preorder",
            _("Pre-order {code} is on this receipt already.").format(code=found.code),
            customer_id=found.customer_id,
            details={"preorder": found.id},
        )
    if on:
        raise ValidationError(_("One pre-order per receipt: pay for one, then the other."))
    customer = Customer.get_by_id(found.customer_id)
    if basket.customer_id not in (None, found.customer_id):
        raise ValidationError(
            _("This receipt is for another customer: pre-order {code} is {name}'s.").format(
                code=found.code, name=customer.name
            )
        )
    lines = deal_lines(found.id)
    products = {p.id: p for p in Product.select().where(Product.id.in_([ln[0] for ln in lines]))}
    if any(not products[pid].active for pid, _q, _u in lines):
        raise ValidationError(_("That product is not sold any more."))
    if basket.customer_id is None:
        register.attach_customer(customer)
    # the code first: the register's line checks let the pre-order's own held goods through
    register.basket.codes.append(found.code)
    try:
        for product_id, qty, _unit in lines:
            register.add(products[product_id], qty)
    except ValidationError:
        register.basket.codes.remove(found.code)
        raise
    register.save()
    prepaid = prepaid_of(found.id)
    return Entered(
        "preorder",
        _("Pre-order {code} for {name}: {prepaid} prepaid.").format(
            code=found.code, name=customer.name, prepaid=format_money(prepaid)
        ),
        customer_id=found.customer_id,
        details={"preorder": found.id, "prepaid": prepaid},
    )


__all__ = [
    "DEAL",
    "PREPAYMENT",
    "Deal",
    "check_line",
    "codes_on",
    "deal_lines",
    "enter_preorder",
    "guard_reserves",
    "not_ready",
    "on_sale",
    "put_on",
]
