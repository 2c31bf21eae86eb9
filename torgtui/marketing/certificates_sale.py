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

from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import rulecache
from torgtui.marketing.certificates_life import (
    WITH_VALUE,
    CertState,
    describe,
    state,
    unknown,
)
from torgtui.marketing.certificates_types import prefixes
from torgtui.models import Product
from torgtui.models.certificates import Certificate, CertificateType
from torgtui.money import format_money, percent_of
from torgtui.sales import extensions
from torgtui.sales.basket import Adjustment, Basket
from torgtui.sales.codes import Entered, NotMine, code_kind
from torgtui.sales.extensions import TenderKind
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


# the sale and return hooks (they import this module's names: registered once it is loaded)
from torgtui.marketing import certificates_checkout  # noqa: E402, F401


def _advances() -> set[int]:
    """The articles of money and discount certificates: advances, not goods."""
    return {pid for pid, t in _type_products().items() if t.mode != "product"}


@extensions.stockless
def certificate_articles(product_ids: set[int]) -> set[int]:
    """A money or discount certificate's article is an advance, not goods: sold and returned
    without a stock movement (so stock balances and stocktakes never count it). A product
    certificate is goods and moves stock like any."""
    return product_ids & _advances() if product_ids else set()


@extensions.pricing_step(97, "certificate_bonus")
def no_bonus_on_advances(basket: Basket, ctx: PricingContext) -> None:
    """Buying a money or discount certificate earns no bonuses: the goods it pays for later
    earn them (else a customer earned twice on the same money). After every step that gives
    bonuses (90, 95)."""
    advances = _advances()
    earned = [ln for ln in basket.lines if ln.product_id in advances and ln.bonus_earn]
    if not earned:
        return
    for line in earned:
        line.bonus_earn = 0
    bonus = basket.info.get("bonus")
    if isinstance(bonus, dict):
        bonus["earn"] = sum(ln.bonus_earn for ln in basket.lines)
