"""The fiscal unit interface and the documents sent to it, built from committed receipts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from torgtui.errors import TorgError
from torgtui.hw.fiscal.tenders import money_only
from torgtui.models import Payment, Receipt, ReceiptLine


class FiscalError(TorgError):
    """The fiscal unit refused or could not be reached.

    ``retryable`` is True for outages (connection refused, timeouts, 5xx, busy): the queue
    tries again later. False means the unit refused the document itself (a 4xx with a
    message): the queue stops at it and the message is shown in words until someone acts.
    """

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class FiscalLine:
    code: str  # SKU
    name: str
    barcode: str
    price: int  # unit price, kopecks
    qty: int  # thousandths
    tax_group: str
    discount: int  # kopecks off this line (positive), already in ``total``
    total: int


@dataclass(frozen=True)
class FiscalReceipt:
    uuid: str  # the receipt's UUID: the idempotency key at the unit
    kind: str  # sale, return
    number: int
    lines: tuple[FiscalLine, ...]
    payments: tuple[tuple[str, int], ...]  # (cash|card|cashless, kopecks)
    total: int
    rounding: int = 0
    related_uuid: str | None = None  # the sale a return refers to
    header: str = ""
    footer: str = ""


@dataclass(frozen=True)
class FiscalResult:
    fiscal_code: str  # the fiscal number printed on the receipt
    remote_id: str = ""  # the unit's own id, when it has one
    extra: dict = field(default_factory=dict)  # e.g. a Z report's totals


class FiscalUnit(Protocol):
    name: str

    def open_shift(self) -> FiscalResult: ...

    def close_shift(self) -> FiscalResult: ...  # the Z report

    def x_report(self) -> FiscalResult: ...

    def service(self, amount: int, *, uuid: str = "") -> FiscalResult:
        """Cash in (> 0) or out (< 0). ``uuid`` makes a resend idempotent where the unit
        keeps ids (Checkbox); a unit that cannot (a serial printer) ignores it."""
        ...

    def receipt(self, doc: FiscalReceipt) -> FiscalResult: ...  # sale or return, idempotent

    def close(self) -> None: ...


def document_for(receipt: Receipt, *, header: str = "", footer: str = "") -> FiscalReceipt:
    """The fiscal document for a committed receipt (sale or return)."""
    lines = (
        ReceiptLine.select(ReceiptLine, ReceiptLine.product)
        .where(ReceiptLine.receipt == receipt.id)
        .order_by(ReceiptLine.position)
    )
    from torgtui.models import Product

    products = {
        p.id: p
        for p in Product.select(Product.id, Product.sku, Product.tax_group).where(
            Product.id.in_([ln.product_id for ln in lines])
        )
    }
    payments = Payment.select().where(Payment.receipt == receipt.id).order_by(Payment.id)
    original = receipt.original if receipt.original_id else None
    lines = list(lines)
    extra, money = money_only([ln.total for ln in lines], [(p.tender, p.amount) for p in payments])
    return FiscalReceipt(
        uuid=receipt.uuid,
        kind=receipt.kind,
        number=receipt.number,
        lines=tuple(
            FiscalLine(
                code=products[ln.product_id].sku,
                name=ln.name,
                barcode=ln.barcode,
                price=ln.unit_price,
                qty=ln.qty,
                tax_group=products[ln.product_id].tax_group,
                discount=ln.discount + bonus,
                total=ln.total - bonus,
            )
            for ln, bonus in zip(lines, extra, strict=True)
        ),
        payments=tuple(money),
        total=receipt.total - sum(extra),
        rounding=receipt.rounding,
        related_uuid=original.uuid if original else None,
        header=header,
        footer=footer,
    )
