"""Gift certificates at the register: the code field, the deferred discount, what the
certificates on a receipt pay, the ``certificate`` tender, and returns.

* **The code field** (code kind ``certificate``, order 30; it claims, from memory, the
  13-digit codes of a certificate type's prefix). A certificate not yet sold (``issued``) is
  *sold*: a line of its type's catalog product with the certificate's own barcode, one line
  per certificate. A sold one is *offered*: it is kept on the receipt as ``GC:<barcode>`` in
  ``basket.codes`` (so a held or recovered draft still knows it) -- a money or product
  certificate to pay with, a discount certificate for its discount.
* **The discount** (pricing step ``certificate_discount``, order 75): a discount certificate
  takes its percent or amount off the receipt (split over the lines in proportion), when the
  receipt comes to at least its ``min_total``; one per receipt.
* **The face value** (step ``certificate_face``, order 88): a money certificate's line loses
  every discount the steps before gave it (it is an advance: the shop receives what it holds).
* **What they pay** (step ``certificates``, order 96, after bonuses; it changes no price):
  ``basket.info["certificates"] = {"pay": kopecks, "items": [...]}`` -- the payment panel
  offers ``Tender("certificate", pay)``. In the order scanned, a partial money certificate
  pays what is left to pay up to its balance; a one-time certificate (a money one without
  partial use, or a product certificate) pays its whole value, and is refused when it is
  worth more than what is left to pay (add goods, or keep it for a larger purchase) -- the
  rest of a one-time certificate is never silently lost.
* **The sale** (sale hook, in the receipt's transaction): each certificate sold is activated
  (a conditional UPDATE from ``issued``; its value onto its ledger account); the ``certificate``
  tender is spent from the certificates on the receipt by ledger entries whose conditional
  UPDATE of the balance (floor 0) decides, and a one-time certificate's status moves from
  ``sold`` to ``used`` conditionally, with a use row whose slot is unique: two registers
  redeeming one certificate at once, one wins and the other's whole receipt rolls back with a
  message. A discount certificate that gave its discount is used up the same way.
* **Returns**: goods paid with certificates give the certificates' pro-rata share (worked out
  by torgtui.sales.returns) back onto the certificates that paid, the last used first; a
  one-time certificate given anything back is valid again (once, for what it then holds); the
  share of one reissued or lapsed since is paid back as money. A whole return gives a discount
  certificate back. A sold certificate itself comes back only
  unused (its value leaves its account; it is ``issued`` again).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from torgtui.db import database, insert_rows, is_sqlite, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger, rulecache
from torgtui.marketing.certificates_life import (
    WITH_VALUE,
    CertState,
    _move,
    account_of,
    activate,
    describe,
    state,
    unknown,
)
from torgtui.marketing.certificates_types import prefixes
from torgtui.models import Product
from torgtui.models.certificates import Certificate, CertificateType, CertificateUse
from torgtui.money import format_money, percent_of
from torgtui.sales import extensions
from torgtui.sales.basket import Adjustment, Basket
from torgtui.sales.codes import Entered, NotMine, code_kind
from torgtui.sales.extensions import ReturnEvent, SaleEvent, TenderKind
from torgtui.sales.pricing import PricingContext, split_proportionally
from torgtui.sales.register import Register, line_from_product

MARK = "GC:"  # a certificate offered on a receipt, in basket.codes
TENDER = "certificate"
CERTIFICATE = extensions.tender(TenderKind(TENDER, lambda: _("Gift certificate")))
STATES = "certificates"  # ctx.extra: barcode -> CertState | None (unknown)
STEP = "certificate"  # the discount's adjustments


def offered(basket: Basket) -> list[str]:
    """The certificates offered on a receipt, in the order scanned."""
    return [c[len(MARK) :] for c in basket.codes if c.startswith(MARK)]


def _claims(code: str, register: Register | None = None) -> bool:
    if len(code) != 13 or not code.isdigit():
        return False
    return any(code.startswith(p) for p in prefixes())


def _type_products() -> dict[int, CertificateType]:
    """Catalog product id -> the certificate type it sells, from memory (every pricing asks;
    saving a type bumps the rules' version)."""
    return rulecache.cached(
        "certificate_products",
        lambda: {
            t.product_id: t
            for t in CertificateType.select().where(CertificateType.product.is_null(False))
        },
    )


@code_kind(30, "certificate", claims=_claims)
def enter_certificate(register: Register, code: str, qty: int | None) -> Entered:
    """Sell an issued certificate, or offer a sold one (see the module doc)."""
    from torgtui.marketing.certificates_life import find

    cert = find(code)
    if cert is None:
        raise NotMine(unknown(code))
    if qty is not None:
        raise ValidationError(
            _("{code} is a gift certificate: scan it without a quantity.").format(code=code)
        )
    basket = register.basket
    if cert.status == "issued":
        return _sell(register, cert)
    st = state(cert, register.clock())
    if st.why_not:
        raise ValidationError(st.why_not)
    if code in offered(basket):
        raise ValidationError(_("Certificate {code} is on this receipt already.").format(code=code))
    if st.mode == "discount" and any(
        (other := _state_or_none(c, register.clock())) is not None and other.mode == "discount"
        for c in offered(basket)
    ):
        raise ValidationError(_("One discount certificate per receipt: keep this one for later."))
    basket.codes.append(MARK + code)
    register.save()
    return Entered("certificate", describe(st), details=st.as_json())


def _state_or_none(code: str, at: dt.datetime) -> CertState | None:
    try:
        return state(code, at)
    except ValidationError:
        return None


def _sell(register: Register, cert: Certificate) -> Entered:
    kind = CertificateType.get_by_id(cert.type_id)
    if not kind.active:
        raise ValidationError(
            _("Certificates of {name} are not sold any more.").format(name=kind.name)
        )
    product = Product.get_or_none(Product.id == kind.product_id)
    if product is None or not product.active:
        raise ValidationError(
            _("The product of {name} is not sold any more: check the catalog.").format(
                name=kind.name
            )
        )
    if any(ln.barcode == cert.barcode for ln in register.basket.lines):
        raise ValidationError(
            _("Certificate {code} is on this receipt already.").format(code=cert.barcode)
        )
    register._check_line(product.id, register._qty_of(product.id) + 1000)
    line = line_from_product(product, 1000, cert.barcode)
    register.basket.lines.append(line)
    register.save()
    return Entered(
        "certificate",
        _("Certificate {code} sold: {name}").format(code=cert.barcode, name=kind.name),
        line=line,
        details={"barcode": cert.barcode, "sold": True, "type": kind.code},
    )


def remove_certificate(register: Register, code: str) -> bool:
    """Take an offered certificate off the receipt; False when it was not on it."""
    kept = [c for c in register.basket.codes if c != MARK + code]
    if len(kept) == len(register.basket.codes):
        return False
    register.basket.codes = kept
    register.save()
    return True


# --- pricing ------------------------------------------------------------------------------


@extensions.context_loader
def load_certificates(basket: Basket, ctx: PricingContext) -> None:
    """The offered certificates as they stand, once per pricing (no query when none)."""
    codes = offered(basket)
    if codes:
        ctx.extra[STATES] = {c: _state_or_none(c, ctx.at) for c in codes}


def _refuse(basket: Basket, code: str, reason: str) -> None:
    basket.info.setdefault("refused", []).append(  # type: ignore[union-attr]
        {"rule": "certificate", "code": code, "reason": reason}
    )


@extensions.pricing_step(75, "certificate_discount")
def discount_step(basket: Basket, ctx: PricingContext) -> None:
    """A discount certificate's percent or amount off the receipt (see the module doc)."""
    states = ctx.extra.get(STATES)
    if not states:
        return
    sold_here = _type_products()
    for code, st in states.items():  # type: ignore[union-attr]
        if st is None or st.mode != "discount":
            continue
        if st.why_not:
            _refuse(basket, code, st.why_not)
            continue
        kind = CertificateType.get_by_id(st.type_id)
        lines = [ln for ln in basket.lines if ln.product_id not in sold_here]
        totals = [max(ln.total, 0) for ln in lines]
        base = sum(totals)
        if base < int(kind.min_total) or base <= 0:
            _refuse(
                basket,
                code,
                _("Certificate {code} gives its discount from {least}: add goods.").format(
                    code=code, least=format_money(int(kind.min_total))
                ),
            )
            continue
        if kind.discount_percent is not None:
            amount = percent_of(base, Decimal(kind.discount_percent))
            reason = _("Certificate {code}: {p}% off").format(
                code=code, p=Decimal(kind.discount_percent).normalize()
            )
        else:
            amount = min(int(kind.discount_amount), base)
            reason = _("Certificate {code}: {amount} off").format(
                code=code, amount=format_money(amount)
            )
        for line, share in zip(lines, split_proportionally(amount, totals), strict=True):
            if share:
                line.adjustments.append(Adjustment(STEP, reason, share, rule=code))
        return  # one per receipt


@extensions.pricing_step(88, "certificate_face")
def face_value_step(basket: Basket, ctx: PricingContext) -> None:
    """A money certificate is an advance: it is sold at its face value, whatever discount
    the steps before gave its line (a card, a promotion, a manual discount), so what the shop
    receives is what the certificate holds. Before the bonuses (90), which see the total."""
    money = {pid for pid, t in _type_products().items() if t.mode == "money"}
    for line in basket.lines:
        if line.product_id in money and line.adjustments:
            kept = [a for a in line.adjustments if a.step == "override"]
            if len(kept) != len(line.adjustments):
                line.adjustments = kept
                basket.info.setdefault("refused", []).append(  # type: ignore[union-attr]
                    {
                        "rule": "certificate_face",
                        "reason": _(
                            "{name} is sold at its face value: no discount on a gift certificate."
                        ).format(name=line.name),
                    }
                )


@dataclass
class Cover:
    """What the certificates offered on a receipt would pay, each in the order scanned."""

    pay: int = 0
    items: list[dict[str, object]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)


def plan(states: list[CertState], due: int) -> Cover:
    """What each certificate pays of ``due`` (see the module doc for the rule)."""
    out = Cover()
    left = max(due, 0)
    for st in states:
        if st.mode not in WITH_VALUE:
            continue
        if st.why_not:
            out.refused.append({"code": st.barcode, "reason": st.why_not})
            continue
        if st.partial:
            take = min(st.balance, left)
        elif st.balance <= left:
            take = st.balance
        else:
            out.refused.append(
                {
                    "code": st.barcode,
                    "reason": _(
                        "Certificate {code} is worth {value} and is used once, but only {left} "
                        "is left to pay: add goods, or keep it for a larger purchase."
                    ).format(
                        code=st.barcode,
                        value=format_money(st.balance),
                        left=format_money(left),
                    ),
                }
            )
            continue
        left -= take
        out.pay += take
        out.items.append(
            {"code": st.barcode, "pays": take, "balance": st.balance, "partial": st.partial}
        )
    return out


def cover(basket: Basket, at: dt.datetime) -> Cover:
    """What the certificates offered on a priced basket would pay (the CLI's ``price``)."""
    states = [s for s in (_state_or_none(c, at) for c in offered(basket)) if s is not None]
    bonus = int((basket.info.get("bonus") or {}).get("spend", 0))  # type: ignore[union-attr]
    return plan(states, basket.total - bonus)


@extensions.pricing_step(96, "certificates")
def cover_step(basket: Basket, ctx: PricingContext) -> None:
    """Say what the certificates on the receipt pay (``info["certificates"]``)."""
    states = ctx.extra.get(STATES)
    if not states:
        return
    for code, st in states.items():  # type: ignore[union-attr]
        if st is None:
            _refuse(basket, code, unknown(code))
    bonus = int((basket.info.get("bonus") or {}).get("spend", 0))  # type: ignore[union-attr]
    found = plan([s for s in states.values() if s is not None], basket.total - bonus)  # type: ignore[union-attr]
    for r in found.refused:
        _refuse(basket, r["code"], r["reason"])
    basket.info["certificates"] = {"pay": found.pay, "items": found.items}


# --- the sale -----------------------------------------------------------------------------


def _stamp(moment: dt.datetime) -> object:
    return str(moment) if is_sqlite() else moment


def _stock_back(event_lines: list[tuple[int, int]], location_id: int, now, employee_id, sign):
    """Money and discount certificates are not goods: the sale's stock movement of their
    article is undone by one of kind ``certificate`` (product certificates are goods)."""
    if event_lines:
        insert_rows(
            "stock_movement",
            ["product_id", "location_id", "qty", "kind", "at", "employee_id", "note"],
            [
                (pid, location_id, sign * qty, "certificate", _stamp(now), employee_id, "")
                for pid, qty in event_lines
            ],
        )


def _sell_lines(event: SaleEvent) -> list[str]:
    by_product = _type_products()
    sold: list[str] = []
    not_goods: list[tuple[int, int]] = []
    for line in event.basket.lines:
        kind = by_product.get(line.product_id)
        if kind is None:
            continue
        from torgtui.marketing.certificates_life import find

        cert = find(line.barcode) if line.barcode else None
        if cert is None or cert.type_id != kind.id or cert.status != "issued":
            raise ValidationError(
                _(
                    "{name} is sold by scanning the certificate's own barcode: delete the "
                    "line and scan the certificate."
                ).format(name=line.name)
                if cert is None or cert.type_id != kind.id
                else _("Certificate {code} was sold a moment ago on another register.").format(
                    code=cert.barcode
                )
            )
        if line.qty != 1000:
            raise ValidationError(
                _("Certificate {code} is one piece: set the quantity to 1.").format(
                    code=cert.barcode
                )
            )
        activate(
            cert,
            now=event.now,
            receipt_id=event.receipt_id,
            customer_id=event.basket.customer_id,
            employee_id=event.employee.id,
        )
        sold.append(cert.barcode)
        database.execute_sql(  # the receipt (and the fiscal unit) name the certificate sold
            sql('UPDATE "receipt_line" SET "name" = ? WHERE "receipt_id" = ? AND "barcode" = ?'),
            (f"{line.name} №{cert.barcode}"[:200], event.receipt_id, cert.barcode),
        )
        if kind.mode != "product":
            not_goods.append((line.product_id, line.qty))
    _stock_back(not_goods, event.shift.location_id, event.now, event.employee.id, 1)
    return sold


def _use(cert_id: int, receipt_id: int, kind: str, amount: int, slot, entry, now, employee_id):
    insert_rows(
        "certificate_use",
        [
            "certificate_id",
            "receipt_id",
            "kind",
            "amount",
            "slot",
            "ledger_entry_id",
            "at",
            "employee_id",
        ],
        [(cert_id, receipt_id, kind, amount, slot, entry, _stamp(now), employee_id)],
    )


def _lost(code: str) -> ValidationError:
    return ValidationError(
        _(
            "Certificate {code} was used a moment ago on another register: nothing was saved. "
            "Take it off the receipt and pay otherwise."
        ).format(code=code)
    )


def _spend(event: SaleEvent, amount: int) -> list[dict[str, object]]:
    states = [state(c, event.now) for c in offered(event.basket)]
    bonus = sum(a for t, a, _g in event.payments if t == "bonus")
    found = plan(states, event.basket.total - bonus)
    if found.refused and amount > found.pay:
        raise ValidationError(str(found.refused[0]["reason"]))
    if amount > found.pay:
        raise ValidationError(
            _("The certificates on the receipt pay {pay}, not {amount}.").format(
                pay=format_money(found.pay), amount=format_money(amount)
            )
        )
    left, spent = amount, []
    for item in found.items:
        if left <= 0:
            break
        st = next(s for s in states if s.barcode == item["code"])
        take = min(int(item["pays"]), left)  # type: ignore[call-overload]
        if not st.partial and take != st.balance:
            raise ValidationError(
                _("Certificate {code} is used once, whole: pay {value} with it.").format(
                    code=st.barcode, value=format_money(st.balance)
                )
            )
        try:
            posted = ledger.post(
                account_of(st.id),  # type: ignore[arg-type]
                -take,
                "cert_pay",
                now=event.now,
                keep_open=False,
                receipt_id=event.receipt_id,
                employee_id=event.employee.id,
                document=st.barcode,
            )
        except ledger.InsufficientBalance:
            raise _lost(st.barcode) from None
        used_up = not st.partial or posted.balance == 0
        if used_up and not _move(st.id, "sold", "used", used_at=event.now):
            raise _lost(st.barcode)
        _use(
            st.id,
            event.receipt_id,
            "pay",
            take,
            None if st.partial else 1,
            posted.entry_id,
            event.now,
            event.employee.id,
        )
        spent.append({"code": st.barcode, "paid": take, "left": posted.balance})
        left -= take
    return spent


def _discounts_used(event: SaleEvent) -> list[dict[str, object]]:
    given: dict[str, int] = {}
    for line in event.basket.lines:
        for a in line.adjustments:
            if a.step == STEP:
                given[a.rule] = given.get(a.rule, 0) + a.amount
    out = []
    for code, amount in given.items():
        st = state(code, event.now)
        if st.why_not or not _move(st.id, "sold", "used", used_at=event.now):
            raise _lost(code)
        _use(st.id, event.receipt_id, "discount", amount, 1, None, event.now, event.employee.id)
        out.append({"code": code, "discount": amount})
    return out


@extensions.sale_hook
def on_sale(event: SaleEvent) -> None:
    """Activate the certificates sold, spend the ones that paid or gave a discount."""
    amount = sum(a for t, a, _g in event.payments if t == TENDER)
    has_codes = bool(offered(event.basket))
    sold = _sell_lines(event)
    if not amount and not has_codes and not sold:
        return
    if amount and not has_codes:
        raise ValidationError(
            _("Scan the gift certificate to pay with it: none is on the receipt.")
        )
    spent = _spend(event, amount) if amount else []
    discounts = _discounts_used(event) if has_codes else []
    facts = {"sold": sold, "paid": spent, "discount": discounts}
    event.info["certificates"] = {k: v for k, v in facts.items() if v}


# --- returns ------------------------------------------------------------------------------


@extensions.return_planner
def plan_return(event: ReturnEvent) -> None:
    """A sold certificate comes back only unused; the share of a certificate reissued or
    lapsed since it paid is paid back as money (that life holds nothing any more)."""
    share = sum(a for t, a, _g in event.payments if t == TENDER)
    if share:
        dead = sum(
            give
            for cert, give in _back_plan(event.original.id, share, event.now, live_only=False)
            if _closed(cert, event.now)
        )
        if dead:
            event.payments = [
                (t, a - dead, g - dead) if t == TENDER else (t, a, g) for t, a, g in event.payments
            ]
            event.payments = [p for p in event.payments if p[1] > 0]
            event.money += dead
    by_product = _type_products()
    from torgtui.marketing.certificates_life import find

    for original_line, _qty, _refund in event.lines:
        if original_line.product_id not in by_product or not original_line.barcode:
            continue
        cert = find(original_line.barcode)
        if cert is None or cert.sale_receipt_id != event.original.id:
            continue
        unused = cert.status == "sold" and (
            by_product[original_line.product_id].mode not in WITH_VALUE
            or ledger.balance(account_of(cert)) == int(cert.value)
        )
        if not unused:
            raise ValidationError(
                _(
                    "Certificate {code} has been used (or is blocked or expired): it cannot be "
                    "returned. Return the goods bought with it instead."
                ).format(code=cert.barcode)
            )


def _closed(cert: Certificate, now: dt.datetime) -> bool:
    """A life that can hold nothing any more: reissued since, or lapsed."""
    lapsed = cert.expires_at is not None and cert.expires_at <= now
    return cert.status in ("reissued", "expired") or lapsed


def _back_plan(
    original_id: int, amount: int, now: dt.datetime, *, live_only: bool
) -> list[tuple[Certificate, int]]:
    """(certificate, amount) to give back of ``amount``, over the certificates that paid
    receipt ``original_id``: the last used first, each up to what it paid less what earlier
    returns gave it. ``live_only`` skips closed lives (their share is paid as money)."""
    rows = list(
        CertificateUse.select()
        .where((CertificateUse.receipt == original_id) & (CertificateUse.kind == "pay"))
        .order_by(CertificateUse.id.desc())
    )
    back_before: dict[int, int] = {
        int(cid): int(total or 0)
        for cid, total in database.execute_sql(
            sql(
                'SELECT u."certificate_id", SUM(-u."amount") FROM "certificate_use" u '
                'JOIN "receipt" r ON r."id" = u."receipt_id" '
                'WHERE u."kind" = ? AND r."original_id" = ? GROUP BY u."certificate_id"'
            ),
            ("back", original_id),
        ).fetchall()
    }
    left, out = amount, []
    for use in rows:
        if left <= 0:
            break
        cert = Certificate.get_by_id(use.certificate_id)
        if live_only and _closed(cert, now):
            continue
        give = min(int(use.amount) - back_before.get(cert.id, 0), left)
        if give > 0:
            out.append((cert, give))
            left -= give
    return out


def _give_back(event: ReturnEvent, amount: int) -> list[dict[str, object]]:
    out = []
    for cert, give in _back_plan(event.original.id, amount, event.now, live_only=True):
        posted = ledger.post(
            account_of(cert),  # type: ignore[arg-type]
            give,
            "cert_back",
            now=event.now,
            settle=ledger.Settle.NONE,
            expires_at=cert.expires_at,
            receipt_id=event.receipt_id,
            employee_id=event.employee.id,
            document=cert.barcode,
        )
        if cert.status == "used":
            _move(cert.id, "used", "sold", used_at=None)
        database.execute_sql(
            sql('UPDATE "certificate_use" SET "slot" = NULL WHERE "certificate_id" = ?'),
            (cert.id,),
        )
        _use(
            cert.id,
            event.receipt_id,
            "back",
            -give,
            None,
            posted.entry_id,
            event.now,
            event.employee.id,
        )
        out.append({"code": cert.barcode, "back": give, "balance": posted.balance})
    return out


def _whole_back(event: ReturnEvent) -> bool:
    from torgtui.sales.returns import returnable

    return all(r.left <= 0 for r in returnable(event.original))


@extensions.return_hook
def on_return(event: ReturnEvent) -> None:
    """Give the certificates their share back; take back the certificates returned."""
    by_product = _type_products()
    from torgtui.marketing.certificates_life import find

    facts: dict[str, object] = {}
    not_goods: list[tuple[int, int]] = []
    returned = []
    for original_line, qty, _refund in event.lines:
        kind = by_product.get(original_line.product_id)
        if kind is None or not original_line.barcode:
            continue
        cert = find(original_line.barcode)
        if cert is None or cert.sale_receipt_id != event.original.id:
            continue
        account = account_of(cert)
        held = ledger.balance(account)
        if held:
            ledger.post(
                account,  # type: ignore[arg-type]
                -held,
                "cert_return",
                now=event.now,
                keep_open=False,
                spend_only_unexpired=False,
                receipt_id=event.receipt_id,
                employee_id=event.employee.id,
                document=cert.barcode,
            )
        if not _move(
            cert.id,
            "sold",
            "issued",
            sold_at=None,
            sale_receipt_id=None,
            customer_id=None,
            expires_at=None,
        ):
            raise ValidationError(
                _("Certificate {code} changed a moment ago: look it up again.").format(
                    code=cert.barcode
                )
            )
        returned.append(cert.barcode)
        if kind.mode != "product":
            not_goods.append((original_line.product_id, qty))
    _stock_back(not_goods, event.shift.location_id, event.now, event.employee.id, -1)
    if returned:
        facts["returned"] = returned
    amount = sum(a for t, a, _g in event.payments if t == TENDER)
    if amount:
        facts["back"] = _give_back(event, amount)
    if _whole_back(event):
        for use in CertificateUse.select().where(
            (CertificateUse.receipt == event.original.id)
            & (CertificateUse.kind == "discount")
            & (CertificateUse.slot == 1)
        ):
            cert = Certificate.get_by_id(use.certificate_id)
            if _move(cert.id, "used", "sold", used_at=None):
                database.execute_sql(
                    sql('UPDATE "certificate_use" SET "slot" = NULL WHERE "id" = ?'), (use.id,)
                )
                facts.setdefault("discount_back", []).append(cert.barcode)  # type: ignore[union-attr]
    if facts:
        event.info["certificates"] = facts
