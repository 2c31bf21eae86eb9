"""The register's one code field: whatever is scanned or typed (a product's barcode, a scale
label, an article, a loyalty card, later promo codes and certificates) goes to
:meth:`torgtui.sales.register.Register.enter`, which asks the code kinds registered here.

Kinds are tried in a fixed order (their ``order``). A kind may say cheaply whether a code can
be its own (``claims``: a prefix or length check, no database read where a prefix tells);
then it resolves the code and returns what happened (:class:`Entered`), refuses it for good
(a :class:`~torgtui.errors.ValidationError`: a blocked card, a card of another customer), or
raises :class:`NotMine` (it does not know the code after all: the next kinds are tried, and
the first refusal given this way is the message when nobody knows the code).

THE ORDER (a kind's ``order``):

    10  card          a number in a card numbering (marketing.card_codes)
    16  intermediary  INT-<partner code>: the sale goes through it (marketing.intermediaries)
    20  promo codes (marketing.codes_sale)
    25  referral      a friend's referral code RF-XXXXXXXX (marketing.referral_sale)
    30  certificate   a gift certificate's EAN-13 in a type's prefix: sold or offered
                      (marketing.certificates_sale)
    50  product       barcode, scale label, article (this module; claims every code)
    90  card_number   any other card number on a customer (old cards without a prefix)

Registering a kind is one decorator, in the feature's own package (sales never imports
marketing; marketing registers its kinds when torgtui.marketing is imported):

    @codes.code_kind(30, "certificate", claims=lambda code, reg: code.startswith("CERT"))
    def enter_certificate(register, code, qty) -> codes.Entered: ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.sales import extensions
from torgtui.sales.scan import lookup, parse_entry

if TYPE_CHECKING:
    from torgtui.sales.basket import BasketLine
    from torgtui.sales.register import Register


@dataclass(frozen=True)
class Entered:
    """What a code did to the receipt: the screen shows ``message`` and redraws."""

    kind: str  # "product", "card", ... (the kind's name)
    message: str = ""
    line: BasketLine | None = None  # a product: the line added to (or made)
    customer_id: int | None = None  # a card: the customer now on the receipt
    details: dict[str, Any] = field(default_factory=dict)


class NotMine(Exception):
    """Raised by a kind that does not know the code: the next kinds are tried. ``refusal``
    is what to tell the cashier if no kind knows it (None: say nothing of this kind)."""

    def __init__(self, refusal: str | None = None) -> None:
        super().__init__(refusal or "")
        self.refusal = refusal


Claims = Callable[[str, "Register"], bool]
Enter = Callable[["Register", str, "int | None"], Entered]


@dataclass(frozen=True)
class CodeKind:
    order: int
    name: str
    enter: Enter
    claims: Claims | None = None  # None: every code is tried


KINDS: list[CodeKind] = []


def code_kind(order: int, name: str, *, claims: Claims | None = None) -> Callable[[Enter], Enter]:
    """Decorator: register ``enter(register, code, qty)`` as the code kind ``name`` at
    ``order`` (see the table above); ``claims(code, register)`` is its cheap first check."""

    def add(enter: Enter) -> Enter:
        KINDS[:] = sorted(
            [k for k in KINDS if k.name != name] + [CodeKind(order, name, enter, claims)],
            key=lambda k: k.order,
        )
        return enter

    return add


def enter(register: Register, text: str, qty: int | None = None) -> Entered:
    """Resolve what was scanned or typed ("3*code" sells three) by the first kind that knows
    it; raise ValidationError with the first refusal when none does."""
    extensions.load()
    entry = parse_entry(text)
    code = entry.code
    if not code:
        raise ValidationError(_("Scan a barcode or type an article first."))
    qty = qty if qty is not None else entry.qty
    refusal: str | None = None
    for kind in list(KINDS):
        if kind.claims is not None and not kind.claims(code, register):
            continue
        try:
            return kind.enter(register, code, qty)
        except NotMine as exc:
            refusal = refusal or exc.refusal
    raise ValidationError(
        refusal or _("Unknown code {code}: press F3 to search by name.").format(code=code)
    )


@code_kind(50, "product")
def enter_product(register: Register, code: str, qty: int | None) -> Entered:
    """A product by barcode, scale label or article, added as :meth:`Register.scan` does."""
    from torgtui.sales.register import WeightNeeded

    try:
        found = lookup(code, register.scale_prefixes)
    except ValidationError as exc:
        raise NotMine(exc.message) from None
    qty = qty if qty is not None else found.qty
    if qty is None:
        if found.product.weighed:
            raise WeightNeeded(found.product, found.barcode)
        qty = 1000
    line = register.add(found.product, qty, found.barcode, fresh=True)
    return Entered("product", line=line)


__all__ = ["KINDS", "CodeKind", "Entered", "NotMine", "code_kind", "enter", "enter_product"]
