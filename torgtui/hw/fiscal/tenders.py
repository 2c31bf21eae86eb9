"""What the fiscal unit is told about tenders besides cash and card (one small mapping, as
../shared/specs/README.md advises, written down here):

* **bonuses** are not money: the part of a receipt paid with bonuses is sent as a discount on
  the lines (split in proportion to the lines' totals, to the kopeck), and the payments carry
  real money only. A return sends the same discounts, so the bonus share is not paid back as
  money.
* **on account** (a VIP credit sale): the bundled Checkbox API (v0.1.79) has no credit form
  (the tax service's "у кредит", XML code 3); the on-account part is sent as a cashless payment
  labelled «У кредит». Money later paid toward the debt reaches the fiscal unit as a service
  cash-in, so the revenue is not counted twice. (Open question, kept here: a newer API that
  knows the credit form should send it instead.)
* **prepayment** (a pre-order paid in advance, torgtui.marketing.preorder_money): v0.1.79 has
  no prepayment receipt. Cash taken in advance reaches the unit as a service cash-in (card
  money: nothing until the sale); the final receipt carries its whole total, the prepaid
  part as a cashless payment labelled «Передоплата», so the revenue is counted once, at the
  sale, as for credit. (Open question, kept here: the tax rules want a receipt
  when the advance is received; with the newer ``/prepayment-receipts`` API the advance would
  be its own receipt, or with v0.1.79 a one-line advance receipt, and "prepayment" would then
  move to NOT_MONEY so the final receipt deducts it as bonuses are.)
* **gift certificate** (torgtui.marketing.certificates_sale): the goods go at full price and
  the part a certificate pays is a cashless payment labelled «Подарунковий сертифікат» (the
  payment form the tax service's answer names), the rest in cash or by card; a return hands
  the certificate's share back under the same label. Selling a *money* certificate is an
  advance: its own line (the type's catalog article, e.g. "Аванс: подарунковий сертифікат
  1000 грн", carrying the certificate's barcode, its name ending with "№<barcode>"), paid as
  actually received; a *product*
  certificate is an ordinary good; a *discount* certificate's discount is an ordinary line
  discount. (Open question, kept here: selling and then redeeming a money certificate counts
  revenue twice unless the redemption is a prepayment form, XML ``PAYFORMCD`` 2, which the
  bundled API v0.1.79 cannot send.)
"""

from __future__ import annotations

from collections.abc import Sequence

NOT_MONEY = ("bonus",)  # sent as discounts
LABELS = {  # sent as cashless with this label
    "credit": "У кредит",
    "prepayment": "Передоплата",
    "certificate": "Подарунковий сертифікат",
}
AS_CASHLESS = ("credit", "prepayment", "certificate")


def split(amount: int, weights: Sequence[int]) -> list[int]:
    """``amount`` over ``weights`` exactly (largest remainder), as pricing splits discounts."""
    total = sum(weights)
    if total <= 0 or amount == 0:
        return [0] * len(weights)
    shares = [amount * w // total for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(amount * weights[i] % total), i))
    for i in order[: amount - sum(shares)]:
        shares[i] += 1
    return shares


def money_only(
    line_totals: Sequence[int], payments: Sequence[tuple[str, int]]
) -> tuple[list[int], list[tuple[str, int]]]:
    """(extra discount per line, the payments without bonuses) for a receipt's tenders."""
    bonus = sum(amount for tender, amount in payments if tender in NOT_MONEY)
    extra = split(bonus, [max(t, 0) for t in line_totals])
    return extra, [(t, a) for t, a in payments if t not in NOT_MONEY]
