"""What the Certificates area reads (never writes): the certificate types with how many of
each are in each state, the batches, a batch's certificates (for the barcode export and the
print), and one certificate's card found by its barcode -- every life of the barcode
(generations after a reissue), its uses by receipts and its entries on the one ledger.

The writes (a type saved, a batch issued, a certificate blocked) and the analysis are
torgtui.marketing.certificates (helper CERT's service); this module only lists what they
wrote, in the shapes the screens and the exports want.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import peewee

from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.certificates_print import CertificateFace
from torgtui.models import Employee, Product
from torgtui.models.certificates import (
    Certificate,
    CertificateBatch,
    CertificateType,
    CertificateUse,
)
from torgtui.models.loyalty import LedgerAccount, LedgerEntry
from torgtui.models.sales import Receipt
from torgtui.money import format_money
from torgtui.staff import Permission, can, require
from torgtui.values import check_id

IN_FORCE = ("issued", "sold")  # states a printed certificate may still be handed out in


def mode_title(mode: str) -> str:
    return {
        "money": _("as money"),
        "product": _("as a product"),
        "discount": _("deferred discount"),
    }.get(mode, mode)


def status_title(status: str) -> str:
    """A certificate's state in words. The msgids carry a "certificate state|" context (a
    state agrees with "certificate" in Ukrainian, unlike the same words said of a card)."""
    titles = {
        "issued": _("certificate state|issued"),
        "sold": _("certificate state|sold"),
        "used": _("certificate state|used"),
        "expired": _("certificate state|expired"),
        "blocked": _("certificate state|blocked"),
        "reissued": _("certificate state|reissued"),
    }
    title = titles.get(status, status)
    return title.split("|", 1)[1] if "|" in title else title


def _percent(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value).normalize():f}"
    return text


def value_text(ctype: CertificateType, product_name: str = "") -> str:
    """What a certificate of ``ctype`` is worth, in words: "500.00 UAH", "Perfume 50 ml",
    "10 % off from 1000.00 UAH"."""
    if ctype.mode == "discount":
        if ctype.discount_percent:
            off = _("{percent} % off").format(percent=_percent(ctype.discount_percent))
        else:
            off = _("{amount} off").format(amount=money_text(ctype.discount_amount))
        if ctype.min_total:
            off = _("{off} a purchase from {amount}").format(
                off=off, amount=money_text(ctype.min_total)
            )
        return off
    if ctype.mode == "product" and product_name:
        return product_name
    return money_text(ctype.face_value)


def money_text(kopecks: int) -> str:
    """An amount as printed on paper and labels: digits and "UAH" (a label printer's code
    page has no ₴, nor the narrow space between thousands)."""
    amount = format_money(int(kopecks or 0), symbol=False).replace("\u202f", " ")
    return _("{amount} UAH").format(amount=amount)  # a plain space: cp1251 has no U+202F


def validity_rule(ctype: CertificateType) -> str:
    """How long a certificate of the type is valid, in words."""
    parts = []
    if ctype.valid_days:
        parts.append(_("{n} days from the sale").format(n=ctype.valid_days))
    if ctype.valid_until:
        parts.append(_("until {date}").format(date=f"{ctype.valid_until:%d.%m.%Y}"))
    return _(", at most ").join(parts) if parts else _("no expiry")


# --- types ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeRow:
    id: int
    code: str
    name: str
    mode: str
    value: str  # value_text
    validity: str
    active: bool
    template: str
    counts: dict[str, int] = field(default_factory=dict)  # status -> certificates (current lives)


def _product_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(Product.select(Product.id, Product.name).where(Product.id.in_(ids)).tuples())


def type_rows(*, active_only: bool = False) -> list[TypeRow]:
    """Every certificate type, by code, with its certificates counted by state."""
    query = CertificateType.select().order_by(CertificateType.code)
    if active_only:
        query = query.where(CertificateType.active == True)  # noqa: E712
    types = list(query)
    names = _product_names({t.product_id for t in types if t.product_id})
    counts: dict[int, dict[str, int]] = {}
    for type_id, status, n in (
        Certificate.select(
            Certificate.type, Certificate.status, peewee.fn.COUNT(Certificate.id).alias("n")
        )
        .group_by(Certificate.type, Certificate.status)
        .tuples()
    ):
        counts.setdefault(type_id, {})[status] = int(n)
    return [
        TypeRow(
            t.id,
            t.code,
            t.name,
            t.mode,
            value_text(t, names.get(t.product_id, "")),
            validity_rule(t),
            bool(t.active),
            t.template,
            counts.get(t.id, {}),
        )
        for t in types
    ]


def type_of(type_id: int | str) -> CertificateType:
    """A type by id or code; refused in words when there is none."""
    if isinstance(type_id, str):
        found = CertificateType.get_or_none(CertificateType.code == type_id.strip())
    else:
        found = CertificateType.get_or_none(
            CertificateType.id == check_id(type_id, _("The certificate type"))
        )
    if found is None:
        raise ValidationError(_("There is no such certificate type: choose one from the list."))
    return found


# --- batches ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchRow:
    id: int
    type_id: int
    type_code: str
    type_name: str
    count: int
    first: str
    last: str
    issued_at: dt.datetime
    note: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def in_force(self) -> int:
        return sum(self.counts.get(s, 0) for s in IN_FORCE)


def batch_rows(type_id: int | None = None, *, limit: int = 500) -> list[BatchRow]:
    """The batches (of one type, or all), newest first, with their certificates by state."""
    query = (
        CertificateBatch.select(
            CertificateBatch, CertificateType.id, CertificateType.code, CertificateType.name
        )
        .join(CertificateType)
        .order_by(CertificateBatch.id.desc())
        .limit(limit)
    )
    if type_id is not None:
        query = query.where(CertificateBatch.type == type_id)
    batches = list(query)
    counts: dict[int, dict[str, int]] = {}
    ids = [b.id for b in batches]
    if ids:
        for batch_id, status, n in (
            Certificate.select(
                Certificate.batch, Certificate.status, peewee.fn.COUNT(Certificate.id).alias("n")
            )
            .where(Certificate.batch.in_(ids))
            .group_by(Certificate.batch, Certificate.status)
            .tuples()
        ):
            counts.setdefault(batch_id, {})[status] = int(n)
    return [
        BatchRow(
            b.id,
            b.type_id,
            b.type.code,
            b.type.name,
            b.count,
            b.first_barcode,
            b.last_barcode,
            b.issued_at,
            b.note,
            counts.get(b.id, {}),
        )
        for b in batches
    ]


def batch_of(batch_id: int) -> CertificateBatch:
    found = CertificateBatch.get_or_none(
        CertificateBatch.id == check_id(batch_id, _("The certificate batch"))
    )
    if found is None:
        raise ValidationError(_("There is no such certificate batch: choose one from the list."))
    return found


@dataclass(frozen=True)
class CertificateRow:
    id: int
    barcode: str
    generation: int
    status: str
    value: int
    issued_at: dt.datetime
    sold_at: dt.datetime | None
    expires_at: dt.datetime | None
    customer: str


def iter_batch(batch_id: int, chunk: int = 2000) -> Iterator[CertificateRow]:
    """Every certificate of a batch in the order issued, a chunk of rows at a time."""
    from torgtui.models import Customer

    after = 0
    while True:
        rows = list(
            Certificate.select(Certificate, Customer.name.alias("customer_name"))
            .join(Customer, peewee.JOIN.LEFT_OUTER, on=(Certificate.customer == Customer.id))
            .where((Certificate.batch == batch_id) & (Certificate.id > after))
            .order_by(Certificate.id)
            .limit(chunk)
            .objects()
        )
        for c in rows:
            customer = c.customer_name or ""
            yield CertificateRow(
                c.id,
                c.barcode,
                c.generation,
                c.status,
                int(c.value or 0),
                c.issued_at,
                c.sold_at,
                c.expires_at,
                customer,
            )
        if len(rows) < chunk:
            return
        after = rows[-1].id


def last_day(expires_at: dt.datetime) -> dt.date:
    """The last day a certificate is valid on, from the first moment it no longer is."""
    return (expires_at - dt.timedelta(microseconds=1)).date()


def batch_faces(
    batch_id: int, shop: str, *, barcodes: list[str] | None = None
) -> list[CertificateFace]:
    """The faces of a batch's certificates still in force (issued or sold), or of the chosen
    ``barcodes`` among them, for the print."""
    batch = batch_of(batch_id)
    ctype = batch.type
    product = _product_names({ctype.product_id} if ctype.product_id else set())
    value = value_text(ctype, product.get(ctype.product_id, ""))
    rows = [r for r in iter_batch(batch.id) if r.status in IN_FORCE]
    if barcodes is not None:
        wanted = set(barcodes)
        rows = [r for r in rows if r.barcode in wanted]
    faces = []
    for r in rows:
        until = last_day(r.expires_at) if r.expires_at else ctype.valid_until
        shown_value = money_text(r.value) if ctype.mode == "money" and r.value else value
        faces.append(
            CertificateFace(
                barcode=r.barcode,
                title=ctype.name,
                value=shown_value,
                shop=shop,
                valid_until=until,
                valid_days=0 if r.expires_at else int(ctype.valid_days or 0),
                note=ctype.note,
            )
        )
    return faces


# --- one certificate by its barcode -----------------------------------------------------------


@dataclass(frozen=True)
class Use:
    at: dt.datetime
    kind: str  # pay, discount, back
    amount: int
    receipt: str  # its number, or "" when unknown


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str
    amount: int
    receipt: str
    note: str


@dataclass(frozen=True)
class Life:
    """One life (generation) of a barcode."""

    id: int
    generation: int
    status: str
    value: int
    balance: int | None  # on the ledger (money and product modes); None: no account yet
    issued_at: dt.datetime
    sold_at: dt.datetime | None
    sale_receipt: str
    expires_at: dt.datetime | None
    used_at: dt.datetime | None
    blocked_at: dt.datetime | None
    block_reason: str
    customer: str
    batch_id: int | None
    uses: list[Use] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class CertificateCard:
    barcode: str
    type_code: str
    type_name: str
    mode: str
    value: str
    lives: list[Life]  # newest generation first

    @property
    def current(self) -> Life:
        return self.lives[0]


def _receipt_numbers(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {
        i: str(n)
        for i, n in Receipt.select(Receipt.id, Receipt.number).where(Receipt.id.in_(ids)).tuples()
    }


LOOK_UP = (
    Permission.MANAGE_CERTIFICATES,
    Permission.BLOCK_CERTIFICATES,
    Permission.VIEW_REPORTS,
    Permission.SELL,
)


def find(barcode: str, *, by: Employee | None) -> CertificateCard:
    """The card of the certificate with ``barcode`` (every generation), for the search:
    whoever sells, blocks, manages certificates or reads reports may look one up (a customer
    asks what is left on it)."""
    if by is None or not any(can(by, p) for p in LOOK_UP):
        require(by, Permission.BLOCK_CERTIFICATES)
    text = "".join(str(barcode or "").split())
    if not text or len(text) > 40:
        raise ValidationError(_("Type or scan the certificate's barcode."))
    lives = list(
        Certificate.select()
        .where(Certificate.barcode == text)
        .order_by(Certificate.generation.desc())
    )
    if not lives:
        raise ValidationError(
            _("No certificate has the barcode {barcode}: check the number and try again.").format(
                barcode=text
            )
        )
    ctype = lives[0].type
    product = _product_names({ctype.product_id} if ctype.product_id else set())
    from torgtui.models import Customer

    customers = {
        i: n
        for i, n in Customer.select(Customer.id, Customer.name)
        .where(Customer.id.in_([c.customer_id for c in lives if c.customer_id] or [0]))
        .tuples()
    }
    accounts = {
        owner: i
        for i, owner in LedgerAccount.select(LedgerAccount.id, LedgerAccount.owner_id)
        .where(
            (LedgerAccount.kind == "certificate")
            & (LedgerAccount.owner_type == "certificate")
            & (LedgerAccount.owner_id.in_([c.id for c in lives]))
        )
        .tuples()
    }
    balances = dict(
        LedgerAccount.select(LedgerAccount.id, LedgerAccount.balance)
        .where(LedgerAccount.id.in_(list(accounts.values()) or [0]))
        .tuples()
    )
    uses = list(
        CertificateUse.select()
        .where(CertificateUse.certificate.in_([c.id for c in lives]))
        .order_by(CertificateUse.at, CertificateUse.id)
    )
    entries = list(
        LedgerEntry.select()
        .where(LedgerEntry.account.in_(list(accounts.values()) or [0]))
        .order_by(LedgerEntry.id)
        .limit(500)
    )
    receipts = _receipt_numbers(
        {u.receipt_id for u in uses}
        | {e.receipt_id for e in entries if e.receipt_id}
        | {c.sale_receipt_id for c in lives if c.sale_receipt_id}
    )
    account_of = {a: owner for owner, a in accounts.items()}
    out = []
    for c in lives:
        account = accounts.get(c.id)
        out.append(
            Life(
                id=c.id,
                generation=c.generation,
                status=c.status,
                value=int(c.value or 0),
                balance=int(balances.get(account, 0)) if account is not None else None,
                issued_at=c.issued_at,
                sold_at=c.sold_at,
                sale_receipt=receipts.get(c.sale_receipt_id, "") if c.sale_receipt_id else "",
                expires_at=c.expires_at,
                used_at=c.used_at,
                blocked_at=c.blocked_at,
                block_reason=c.block_reason,
                customer=customers.get(c.customer_id, "") if c.customer_id else "",
                batch_id=c.batch_id,
                uses=[
                    Use(u.at, u.kind, int(u.amount), receipts.get(u.receipt_id, ""))
                    for u in uses
                    if u.certificate_id == c.id
                ],
                entries=[
                    Entry(
                        e.created_at,
                        e.kind,
                        int(e.amount),
                        receipts.get(e.receipt_id, "") if e.receipt_id else "",
                        e.note,
                    )
                    for e in entries
                    if account_of.get(e.account_id) == c.id
                ],
            )
        )
    return CertificateCard(
        text,
        ctype.code,
        ctype.name,
        ctype.mode,
        value_text(ctype, product.get(ctype.product_id, "")),
        out,
    )


@dataclass(frozen=True)
class Event:
    """One line of a certificate's history."""

    at: dt.datetime
    generation: int
    what: str
    amount: int | None
    receipt: str


def _use_title(kind: str) -> str:
    return {
        "pay": _("paid for a receipt"),
        "discount": _("discount on a receipt"),
        "back": _("given back by a return"),
    }.get(kind, kind)


def _entry_title(kind: str) -> str:
    """A ledger entry of a certificate's account in words (CERT's entry kinds)."""
    titles = {
        "cert_sale": _("value credited on sale"),
        "cert_pay": _("value spent on a receipt"),
        "cert_back": _("value given back by a return"),
        "cert_return": _("value taken back: certificate returned"),
        "cert_expire": _("value written off: expired"),
    }
    return titles.get(kind) or _("ledger: {kind}").format(kind=kind)


def history(card: CertificateCard, now: dt.datetime) -> list[Event]:
    """Everything that happened to the barcode, oldest first: each life's issue, sale, uses
    by receipts, ledger entries, use-up, block and expiry."""
    events: list[tuple[dt.datetime, int, Event]] = []

    def add(at: dt.datetime | None, order: int, life: Life, what: str, amount=None, receipt=""):
        if at is not None:
            events.append((at, order, Event(at, life.generation, what, amount, receipt)))

    for life in reversed(card.lives):
        issued = _("issued") if life.generation == 1 else _("reissued as a new life")
        add(life.issued_at, 0, life, issued, life.value or None)
        add(life.sold_at, 1, life, _("sold"), life.value or None, life.sale_receipt)
        for use in life.uses:
            add(use.at, 2, life, _use_title(use.kind), use.amount, use.receipt)
        for entry in life.entries:
            what = _entry_title(entry.kind)
            if entry.note:
                what += f" ({entry.note})"
            add(entry.at, 3, life, what, entry.amount, entry.receipt)
        add(life.used_at, 4, life, _("used up"))
        if life.blocked_at is not None:
            add(life.blocked_at, 5, life, _("blocked: {reason}").format(reason=life.block_reason))
        if life.expires_at is not None and life.expires_at <= now:
            add(life.expires_at, 6, life, _("expired"))
    events.sort(key=lambda e: (e[0], e[2].generation, e[1]))
    return [e for _at, _order, e in events]


__all__ = [
    "BatchRow",
    "CertificateCard",
    "CertificateRow",
    "Entry",
    "Event",
    "Life",
    "TypeRow",
    "Use",
    "batch_faces",
    "batch_of",
    "batch_rows",
    "find",
    "history",
    "iter_batch",
    "mode_title",
    "money_text",
    "status_title",
    "type_of",
    "type_rows",
    "validity_rule",
    "value_text",
]
