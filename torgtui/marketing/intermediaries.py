"""Intermediaries (dealers, agents, foremen): goods sold to them at a discount for resale, a
commission on their customers' purchases, and the balance with them (seed 000 section 6,
seed 004 "Intermediaries mode").

* **Buying for resale.** A sale whose customer is an intermediary's own card is priced with
  the intermediary's ``discount`` rate for the line's product group (the most specific group
  of the product's chain that has a rate, else the rate for all groups): pricing step 42
  ``intermediary``, after the customer's manufacturer discounts and before promotions. Such a
  sale is posted on the balance as goods given and paid at the till (it nets to zero); goods
  given on credit (an invoice) are :func:`record_goods`, paid later by :func:`record_payment`.
* **Customer through intermediary.** A sale goes through an intermediary when the receipt
  names it (the code ``INT-<partner code>`` in the register's code field, or
  :func:`set_through_intermediary` from an invoice) or the customer is linked to an
  intermediary. The sale hook writes a ``partner_sale`` (role ``intermediary``) with each
  line's commission: the line's total (after every discount) times the ``commission`` rate of
  its product group, rounded half up to the kopeck per line (torgtui.money.percent_of); their
  sum is a ``commission`` entry (+) on the intermediary's account.
* **Returns** take back each returned line's commission pro rata to the quantity returned
  (``commission_return``, -), so a whole return takes back exactly what was given.
* **The balance** (Kind.INTERMEDIARY): + the shop owes the intermediary, - it owes the shop.
  Paying commissions: partners_money.pay_out (never more than the balance).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from torgtui.clock import Clock, system_clock
from torgtui.db import database, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.ledger import Kind
from torgtui.marketing.partners import by_code, get_partner, partner_of, rates_of
from torgtui.marketing.partners_money import account_of
from torgtui.marketing.partners_money import balance_of as _balance
from torgtui.models import Employee, ProductGroup, Receipt, Shift
from torgtui.models.partners import Partner, PartnerSale, PartnerSaleLine
from torgtui.money import percent_of
from torgtui.sales import extensions
from torgtui.sales.basket import Adjustment, Basket
from torgtui.sales.codes import Entered, NotMine, code_kind
from torgtui.sales.pricing import PricingContext
from torgtui.sales.shifts import record_cash
from torgtui.staff import Permission, audit, require
from torgtui.values import check_id, check_kopecks, check_text

PREFIX = "INT-"
STEP = "intermediary"
OWN = "intermediary_own"  # ctx.extra: the intermediary whose own card is on the receipt


def balance_of(partner_id: int) -> int:
    """+ the shop owes the intermediary, - the intermediary owes the shop."""
    return _balance(Kind.INTERMEDIARY, partner_id)


def _intermediary(partner_id: object) -> Partner:
    partner = get_partner(partner_id)
    if partner.kind != "intermediary":
        raise ValidationError(
            _("{name} is a referrer, not an intermediary: choose an intermediary.").format(
                name=partner.name
            )
        )
    return partner


# --- "customer through intermediary" on a receipt ----------------------------------------


def codes_on(basket: Basket) -> list[str]:
    return [c for c in basket.codes if c.upper().startswith(PREFIX)]


def set_through_intermediary(basket: Basket, partner_id: int) -> Partner:
    """Name the intermediary the sale goes through (replacing any other). Kept in
    ``basket.codes`` as ``INT-<code>``, so it survives a held or recalled receipt."""
    partner = _intermediary(partner_id)
    if not partner.active:
        raise ValidationError(
            _("{name} is not an active intermediary: make it active first.").format(
                name=partner.name
            )
        )
    clear_through_intermediary(basket)
    basket.codes.append(PREFIX + partner.code)
    return partner


def clear_through_intermediary(basket: Basket) -> None:
    basket.codes[:] = [c for c in basket.codes if c not in codes_on(basket)]


def through_intermediary(basket: Basket) -> int | None:
    """The intermediary the sale goes through: named on the receipt, else the customer's."""
    for code in codes_on(basket):
        found = by_code(code[len(PREFIX) :])
        if found is not None and found.kind == "intermediary" and found.active:
            return found.id
    link = partner_of(basket.customer_id)
    if link is not None and link.partner_kind == "intermediary" and link.partner_active:
        return link.partner_id
    return None


def _claims(code: str, register) -> bool:
    return code.upper().startswith(PREFIX)


@code_kind(16, "intermediary", claims=_claims)
def enter_intermediary(register, code: str, qty: int | None) -> Entered:
    """``INT-<partner code>`` typed at the register: this sale goes through the intermediary."""
    found = by_code(code[len(PREFIX) :])
    if found is None or found.kind != "intermediary":
        raise NotMine(
            _("There is no intermediary {code}: check the code in Partners (6).").format(
                code=code.upper()
            )
        )
    if qty is not None:
        raise ValidationError(
            _("{code} names an intermediary: type it without a quantity.").format(code=code)
        )
    if found.customer_id is not None and found.customer_id == register.basket.customer_id:
        raise ValidationError(
            _("This receipt is {name}'s own purchase: it cannot go through itself.").format(
                name=found.name
            )
        )
    set_through_intermediary(register.basket, found.id)
    register.save()
    return Entered(
        "intermediary",
        _("The sale goes through intermediary {name}.").format(name=found.name),
        details={"partner": found.id},
    )


# --- rates by product group ---------------------------------------------------------------


def group_chains() -> dict[int, list[int]]:
    """{group id: [it, its parent, ..., the top]} (groups are few: one read)."""
    parents = {g.id: g.parent_id for g in ProductGroup.select(ProductGroup.id, ProductGroup.parent)}
    out: dict[int, list[int]] = {}
    for gid in parents:
        chain, at = [], gid
        while at is not None and at not in chain:
            chain.append(at)
            at = parents.get(at)
        out[gid] = chain
    return out


def rate_for(rates: dict[int | None, int], group_id: int | None, chains: dict) -> int:
    """Basis points for a product of ``group_id``: its nearest group's rate, else the rate for
    all groups, else 0."""
    for gid in chains.get(group_id, [group_id] if group_id else []):
        if gid in rates:
            return rates[gid]
    return rates.get(None, 0)


def _percent(bp: int) -> Decimal:
    return Decimal(bp) / 100


# --- pricing: an intermediary buying for resale -------------------------------------------


@extensions.context_loader
def load_own(basket: Basket, ctx: PricingContext) -> None:
    """Whether the receipt's customer is an intermediary's own card (one indexed read, in
    SQL as written: peewee built the query anew on every pricing, two thirds of a pricing's
    time with a card attached, docs/performance.md)."""
    if ctx.customer_id is None:
        return
    found = database.execute_sql(
        sql(
            'SELECT "id", "name" FROM "partner" WHERE "customer_id" = ? '
            'AND "kind" = \'intermediary\' AND "active" = ? LIMIT 1'
        ),
        (ctx.customer_id, True),
    ).fetchone()
    if found is not None:
        ctx.extra[OWN] = (int(found[0]), found[1], rates_of(int(found[0]), "discount"))


@extensions.pricing_step(42, STEP)
def intermediary_step(basket: Basket, ctx: PricingContext) -> None:
    """The intermediary's discount for resale, by product group, on what the line costs now."""
    own = ctx.extra.get(OWN)
    if not own:
        return
    partner_id, name, rates = own  # type: ignore[misc]
    if not rates:
        return
    chains = group_chains()
    for line in basket.lines:
        bp = rate_for(rates, line.group_id, chains)
        amount = percent_of(line.total, _percent(bp)) if bp else 0
        if amount > 0:
            line.adjustments.append(
                Adjustment(
                    STEP,
                    _("{name}: {percent}% for resale").format(name=name, percent=_percent(bp)),
                    amount,
                    rule=str(partner_id),
                )
            )


# --- the sale and the return --------------------------------------------------------------


def _lines_of(receipt_id: int) -> list[tuple[int, int, int, int | None]]:
    """(line id, qty, total, product group id) of a receipt's lines."""
    rows = database.execute_sql(
        sql(
            'SELECT l."id", l."qty", l."total", p."group_id" FROM "receipt_line" l '
            'JOIN "product" p ON p."id" = l."product_id" WHERE l."receipt_id" = ? '
            'ORDER BY l."position"'
        ),
        (receipt_id,),
    ).fetchall()
    return [(int(r[0]), int(r[1]), int(r[2]), r[3]) for r in rows]


def commissions(partner_id: int, lines: list[tuple[int, int, int, int | None]]) -> list[tuple]:
    """(line id, basis points, commission kopecks) of each line, by the partner's rates."""
    rates = rates_of(partner_id, "commission")
    chains = group_chains()
    out = []
    for line_id, _qty, total, group_id in lines:
        bp = rate_for(rates, group_id, chains)
        out.append((line_id, bp, percent_of(total, _percent(bp)) if bp and total > 0 else 0))
    return out


def record_intermediary_sale(
    receipt_id: int,
    partner_id: int,
    *,
    now: dt.datetime,
    employee_id: int | None = None,
) -> PartnerSale:
    """Inside the sale's transaction: credit a sale receipt to an intermediary, with the
    commission of each line, and post the commission due. Idempotent per receipt."""
    partner = _intermediary(partner_id)
    receipt = Receipt.get_or_none(Receipt.id == check_id(receipt_id, _("The receipt")))
    if receipt is None or receipt.kind != "sale":
        raise ValidationError(_("There is no sale receipt {id}.").format(id=receipt_id))
    with write_tx():
        existing = PartnerSale.get_or_none(
            (PartnerSale.receipt == receipt.id) & (PartnerSale.role == "intermediary")
        )
        if existing is not None:
            return existing
        per_line = commissions(partner.id, _lines_of(receipt.id))
        total = sum(c for _l, _b, c in per_line)
        sale = PartnerSale.create(
            receipt=receipt.id,
            partner=partner.id,
            partner_employee=None,
            role="intermediary",
            customer=receipt.customer_id,
            total=receipt.total,
            commission=total,
            created_at=now,
        )
        rows = [(sale.id, lid, bp, c) for lid, bp, c in per_line if bp]
        if rows:
            PartnerSaleLine.insert_many(
                rows,
                fields=[
                    PartnerSaleLine.sale,
                    PartnerSaleLine.line,
                    PartnerSaleLine.percent_bp,
                    PartnerSaleLine.commission,
                ],
            ).execute()
        if total:
            ledger.post(
                account_of(Kind.INTERMEDIARY, partner.id, now=now),
                total,
                "commission",
                now=now,
                receipt_id=receipt.id,
                employee_id=employee_id,
                document=f"receipt:{receipt.number}",
            )
    return sale


def reverse_for_return(
    original_id: int,
    returned: list[tuple[int, int]],
    *,
    return_id: int | None,
    now: dt.datetime,
    employee_id: int | None = None,
) -> int:
    """Inside the return's transaction: take back the commission of the returned lines,
    ``returned`` = [(original line id, qty returned)], pro rata to the quantity, rounded half
    up per line; the last of a line takes back exactly what is left of it. Returns the sum."""
    sale = PartnerSale.get_or_none(
        (PartnerSale.receipt == original_id) & (PartnerSale.role == "intermediary")
    )
    if sale is None:
        return 0
    by_line = {
        r.line_id: r
        for r in PartnerSaleLine.select(PartnerSaleLine, PartnerSaleLine.line).where(
            PartnerSaleLine.sale == sale.id
        )
    }
    qty_of = {
        int(r[0]): (int(r[1]), int(r[2]))
        for r in database.execute_sql(
            sql(
                'SELECT l."id", l."qty", COALESCE((SELECT SUM(b."qty") FROM "receipt_line" b '
                'WHERE b."original_line_id" = l."id"), 0) FROM "receipt_line" l '
                'WHERE l."receipt_id" = ?'
            ),
            (original_id,),
        ).fetchall()
    }
    back = 0
    for line_id, qty in returned:
        row = by_line.get(line_id)
        if row is None or not row.commission:
            continue
        sold, returned_in_all = qty_of.get(line_id, (0, 0))
        if sold <= 0:
            continue
        # returned_in_all already counts this return's line (the hook runs after it is written)
        before = returned_in_all - qty if return_id is not None else returned_in_all
        taken_before = percent_of(row.commission, Decimal(before * 100) / sold)
        taken_after = percent_of(row.commission, Decimal(min(before + qty, sold) * 100) / sold)
        back += taken_after - taken_before
    if back:
        ledger.post(
            account_of(Kind.INTERMEDIARY, sale.partner_id, now=now),
            -back,
            "commission_return",
            now=now,
            receipt_id=return_id,
            employee_id=employee_id,
            document=f"return:{original_id}",
            below_floor=True,
        )
    return back


def record_own_purchase(receipt_id: int, partner_id: int, total: int, *, now: dt.datetime) -> None:
    """Inside the sale's transaction: goods an intermediary bought on its own card and paid
    at the till: goods given and their payment, both on the balance (it nets to zero)."""
    if total <= 0:
        return
    acc = account_of(Kind.INTERMEDIARY, partner_id, now=now)
    doc = f"receipt:{receipt_id}"
    ledger.post(acc, -total, "goods", now=now, receipt_id=receipt_id, document=doc)
    ledger.post(acc, total, "payment", now=now, receipt_id=receipt_id, document=doc)


def reverse_own_purchase(
    original_id: int, amount: int, *, return_id: int | None, now: dt.datetime
) -> None:
    """Inside the return's transaction: goods an intermediary bought on its own card come
    back and are refunded at the till: both on the balance (it nets to zero)."""
    if amount <= 0:
        return
    row = database.execute_sql(
        sql(
            'SELECT e."account_id" FROM "ledger_entry" e JOIN "ledger_account" a '
            'ON a."id" = e."account_id" WHERE e."receipt_id" = ? AND e."kind" = ? '
            'AND a."kind" = ? LIMIT 1'
        ),
        (original_id, "goods", str(Kind.INTERMEDIARY)),
    ).fetchone()
    if row is None:
        return
    doc = f"return:{original_id}"
    common = dict(now=now, receipt_id=return_id, document=doc, below_floor=True)
    ledger.post(int(row[0]), amount, "goods_return", **common)  # type: ignore[arg-type]
    ledger.post(int(row[0]), -amount, "refund", **common)  # type: ignore[arg-type]


# --- the back office: goods on credit, payments ------------------------------------------


def _move(
    by: Employee,
    partner_id: int,
    amount: int,
    kind: str,
    *,
    document: str,
    receipt_id: int | None,
    note: str,
    clock: Clock,
) -> ledger.Posted:
    require(by, Permission.EDIT_PRICES)
    partner = _intermediary(partner_id)
    amount = check_kopecks(amount, _("The amount"), minimum=1)
    note = check_text(note, _("The note"), max_len=200)
    document = check_text(document, _("The document"), max_len=60)
    now = clock()
    sign = -1 if kind == "goods" else 1
    with write_tx():
        posted = ledger.post(
            account_of(Kind.INTERMEDIARY, partner.id, now=now),
            sign * amount,
            kind,
            now=now,
            receipt_id=receipt_id,
            employee_id=by.id,
            document=document,
            note=note,
        )
        audit(
            f"intermediary.{kind}",
            by,
            object_type="partner",
            object_id=partner.id,
            after={"amount": amount, "document": document},
            clock=clock,
        )
    return posted


def record_goods(
    by: Employee,
    partner_id: int,
    amount: int,
    *,
    document: str,
    receipt_id: int | None = None,
    note: str = "",
    clock: Clock = system_clock,
) -> ledger.Posted:
    """Goods given to an intermediary on credit (an invoice): it owes the shop ``amount``."""
    return _move(
        by,
        partner_id,
        amount,
        "goods",
        document=document,
        receipt_id=receipt_id,
        note=note,
        clock=clock,
    )


def record_payment(
    by: Employee,
    partner_id: int,
    amount: int,
    *,
    document: str = "",
    note: str = "",
    shift: Shift | None = None,
    clock: Clock = system_clock,
) -> ledger.Posted:
    """The intermediary paid the shop ``amount`` (for goods given); in cash into the drawer
    when ``shift`` is given (a cash movement ``in`` and a service cash-in for the fiscal
    unit, as a VIP debt paid in cash is)."""
    with write_tx():
        posted = _move(
            by,
            partner_id,
            amount,
            "payment",
            document=document or ("cash" if shift is not None else ""),
            receipt_id=None,
            note=note,
            clock=clock,
        )
        if shift is not None:
            require(by, Permission.SHIFT)
            fresh = Shift.get_or_none(Shift.id == shift.id)
            if fresh is None or fresh.status != "open":
                raise ValidationError(
                    _("The shift is closed: open a shift (F10) to take cash into the drawer.")
                )
            record_cash(
                fresh.id,
                "in",
                amount,
                employee_id=by.id,
                note=f"{get_partner(partner_id).code}: {note}"[:200],
                now=clock(),
                fiscal_cash_in=True,
            )
    return posted


def pay_commission(
    by: Employee,
    partner_id: int,
    amount: int,
    *,
    shift=None,
    note: str = "",
    clock: Clock = system_clock,
) -> ledger.Posted:
    """Pay an intermediary its commissions (at most the balance), from the drawer if
    ``shift`` is given."""
    from torgtui.marketing.partners_money import pay_out

    _intermediary(partner_id)
    return pay_out(by, Kind.INTERMEDIARY, partner_id, amount, shift=shift, note=note, clock=clock)


__all__ = [
    "PREFIX",
    "balance_of",
    "clear_through_intermediary",
    "commissions",
    "group_chains",
    "pay_commission",
    "rate_for",
    "record_goods",
    "record_intermediary_sale",
    "record_own_purchase",
    "record_payment",
    "reverse_for_return",
    "set_through_intermediary",
    "through_intermediary",
]
