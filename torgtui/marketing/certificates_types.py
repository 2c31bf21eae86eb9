"""Gift certificate types and issuing them: the rule (mode, the catalog product it is sold as,
face value, partial use, deferred discount, numbering, validity, template) and batches of
numbered certificates. The one place to import from is torgtui.marketing.certificates.

Numbering. A type numbers its certificates in its own EAN-13 range of the shop's in-store
prefixes (20-29): ``make_ean13(prefix, n)`` for ``n`` in ``range_from..range_to`` (as the
loyalty cards, torgtui.marketing.numbering). The prefix may not overlap the scale labels',
any card numbering's, a promo code batch's or another certificate type's, and no product may
have a barcode in it, so a certificate never reads as a product, a card or a promo code. The
next numbers are claimed by a conditional UPDATE of the type's counter (``... WHERE
next_number = <what was read>``) whose row count decides, so two back offices issuing at once
never number the same certificate twice (and the barcode is unique per generation besides).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

from torgtui.catalog.barcodes import make_ean13
from torgtui.clock import Clock, system_clock
from torgtui.db import database, insert_rows, is_sqlite, query_value, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import rulecache
from torgtui.marketing.numbering import DEFAULT_SHOP_PREFIX, card_numberings, space
from torgtui.models import Employee, Product
from torgtui.models.certificates import MODES, CertificateBatch, CertificateType
from torgtui.staff import Permission, audit, require
from torgtui.values import (
    check_code,
    check_count,
    check_date,
    check_kopecks,
    check_percent,
    check_text,
)

DEFAULT_PREFIX = "27"  # 20 scale labels, 21-22 goods, 28 promo codes, 29 cards
MAX_BATCH = 10_000  # certificates issued at once
MAX_VALID_DAYS = 3660


@dataclass
class TypeData:
    """A certificate type as the rules file, the CLI and the screen give it."""

    code: str
    name: str
    mode: str
    product_sku: str = ""  # the catalog product it is sold as
    face_value: int = 0  # kopecks: money and product modes
    partial: bool = False  # money: spent in parts
    discount_percent: Decimal | None = None  # discount mode: percent off ...
    discount_amount: int = 0  # ... or an amount off
    min_total: int = 0  # discount mode: the least receipt total it applies to
    prefix: str = DEFAULT_PREFIX
    range_from: int = 1
    range_to: int = 0  # 0: as far as the prefix leaves room
    valid_days: int = 0  # from the sale; 0: no such limit
    valid_until: dt.date | None = None  # the last day for all; None: no fixed end
    template: str = ""
    active: bool = True
    note: str = ""


def _overlaps(one: str, other: str) -> bool:
    return one.startswith(other) or other.startswith(one)


def _check_prefix(
    prefix: Any, code: str, scale_prefixes: tuple[str, ...], card_prefix: str = DEFAULT_SHOP_PREFIX
) -> str:
    text = check_text(prefix, _("The certificates' prefix"), max_len=6) or DEFAULT_PREFIX
    if not (text.isascii() and text.isdigit() and text.startswith("2") and 2 <= len(text) <= 6):
        raise ValidationError(
            _(
                "A certificate prefix is 2 to 6 digits of the shop's own range 20-29, like {p}."
            ).format(p=DEFAULT_PREFIX)
        )
    for scale in scale_prefixes:
        if _overlaps(text, scale):
            raise ValidationError(
                _("Prefix {prefix} is the scale labels' ({scale}): choose another.").format(
                    prefix=text, scale=scale
                )
            )
    for numbering in card_numberings(card_prefix):
        if _overlaps(text, numbering.prefix):
            raise ValidationError(
                _("Prefix {prefix} is the loyalty cards' ({cards}): choose another.").format(
                    prefix=text, cards=numbering.prefix
                )
            )
    rows = database.execute_sql(
        sql('SELECT "code", "prefix" FROM "code_batch" WHERE "style" = ?'), ("ean13",)
    ).fetchall()
    for batch_code, batch_prefix in rows:
        if _overlaps(text, batch_prefix or "28"):
            raise ValidationError(
                _("Prefix {prefix} is the promo codes' of {batch}: choose another.").format(
                    prefix=text, batch=batch_code
                )
            )
    for other in CertificateType.select().where(CertificateType.code != code):
        if _overlaps(text, other.prefix):
            raise ValidationError(
                _("Prefix {prefix} is the certificates' of {other}: choose another.").format(
                    prefix=text, other=other.code
                )
            )
    found = query_value(
        'SELECT "code" FROM "barcode" WHERE "code" LIKE ? AND LENGTH("code") = 13 LIMIT 1',
        (text + "%",),
    )
    if found is not None:
        raise ValidationError(
            _(
                "Products have barcodes with the prefix {prefix} (like {code}): choose another "
                "prefix, so a certificate never reads as a product."
            ).format(prefix=text, code=found)
        )
    return text


def _check_mode_fields(data: TypeData, out: dict[str, Any]) -> None:
    mode = out["mode"]
    if mode in ("money", "product"):
        out["face_value"] = check_kopecks(data.face_value, _("The face value"), minimum=1)
        out["discount_percent"], out["discount_amount"], out["min_total"] = None, 0, 0
    else:
        out["face_value"] = 0
        percent = data.discount_percent
        amount = check_kopecks(data.discount_amount or 0, _("The discount"))
        if (percent is None) == (not amount):
            raise ValidationError(
                _("A discount certificate gives a percent or an amount off: give one of them.")
            )
        out["discount_percent"] = None if percent is None else check_percent(percent)
        out["discount_amount"] = amount
        out["min_total"] = check_kopecks(data.min_total or 0, _("The least receipt total"))
    out["partial"] = bool(data.partial) if mode == "money" else False
    if not isinstance(data.partial, bool):
        raise ValidationError(_("Partial use is true or false."))


def _check_product(data: TypeData, out: dict[str, Any]) -> None:
    sku = check_code(data.product_sku, _("The certificate's product article"))
    product = Product.get_or_none(Product.sku == sku)
    if product is None:
        raise ValidationError(
            _(
                "There is no product with the article {sku}: add the certificate to the "
                "catalog first (the register sells it as that product)."
            ).format(sku=sku)
        )
    if product.weighed:
        raise ValidationError(
            _("The product {sku} is sold by weight: a certificate is sold by the piece.").format(
                sku=sku
            )
        )
    clash = CertificateType.get_or_none(
        (CertificateType.product == product.id) & (CertificateType.code != out["code"])
    )
    if clash is not None:
        raise ValidationError(
            _("The product {sku} is the certificate type {other}'s already.").format(
                sku=sku, other=clash.code
            )
        )
    out["product"] = product.id


def check_type(
    data: TypeData,
    *,
    scale_prefixes: tuple[str, ...] = ("20",),
    card_prefix: str = DEFAULT_SHOP_PREFIX,
) -> dict[str, Any]:
    """The columns of a type, every field checked (nothing written). ``scale_prefixes`` and
    ``card_prefix`` are the shop's settings (register.scale_prefixes, customers.card_prefix)."""
    if not isinstance(data, TypeData):
        raise ValidationError(_("Give the certificate type as its fields."))
    out: dict[str, Any] = {}
    out["code"] = check_code(data.code, _("The certificate type's id"), max_len=40)
    out["name"] = check_text(
        data.name, _("The certificate type's name"), max_len=120, required=True
    )
    if data.mode not in MODES:
        raise ValidationError(
            _("Unknown certificate mode {mode!r}: use money, product or discount.").format(
                mode=str(data.mode)[:20]
            )
        )
    out["mode"] = data.mode
    _check_mode_fields(data, out)
    _check_product(data, out)
    out["prefix"] = _check_prefix(data.prefix, out["code"], scale_prefixes, card_prefix)
    room = space(out["prefix"])
    out["range_from"] = check_count(data.range_from, _("The first number"), minimum=1, maximum=room)
    out["range_to"] = check_count(data.range_to, _("The last number"), minimum=0, maximum=room)
    if out["range_to"] and out["range_to"] < out["range_from"]:
        raise ValidationError(_("The last number is below the first: swap them."))
    out["valid_days"] = check_count(data.valid_days, _("Days valid"), maximum=MAX_VALID_DAYS)
    out["valid_until"] = (
        None if data.valid_until is None else check_date(data.valid_until, _("Valid until"))
    )
    out["template"] = check_text(data.template, _("The print template"), max_len=60)
    if not isinstance(data.active, bool):
        raise ValidationError(_("Active is true or false."))
    out["active"] = data.active
    out["note"] = check_text(data.note, _("The note"), max_len=200)
    return out


def _facts(row: CertificateType) -> dict[str, Any]:
    data = asdict(type_data(row))
    return {k: (str(v) if isinstance(v, (Decimal, dt.date)) else v) for k, v in data.items()}


def save_type(
    data: TypeData,
    *,
    by: Employee,
    clock: Clock = system_clock,
    scale_prefixes: tuple[str, ...] = ("20",),
    card_prefix: str = DEFAULT_SHOP_PREFIX,
) -> CertificateType:
    """Create or change (by ``code``) a certificate type. What a sold certificate promised
    (mode, face value, the discount) cannot change once the type has certificates: make a
    new type instead. Needs MANAGE_CERTIFICATES; audited."""
    require(by, Permission.MANAGE_CERTIFICATES)
    now = clock()
    with write_tx():
        out = check_type(data, scale_prefixes=scale_prefixes, card_prefix=card_prefix)
        current = CertificateType.get_or_none(CertificateType.code == out["code"])
        if current is None:
            row = CertificateType.create(
                **out, next_number=out["range_from"], created_at=now, updated_at=now, created_by=by
            )
            before = None
        else:
            before = _facts(current)
            has = query_value(
                'SELECT 1 FROM "certificate" WHERE "type_id" = ? LIMIT 1', (current.id,)
            )
            if has:
                was = type_data(current)
                for key in ("mode", "face_value", "discount_percent", "discount_amount", "prefix"):
                    if getattr(was, key) != out[key]:  # Decimal 10 == 10.00
                        raise ValidationError(
                            _(
                                "Certificates of {code} are issued already: its {field} cannot "
                                "change. Make a new certificate type instead."
                            ).format(code=current.code, field=key)
                        )
            CertificateType.update(**out, updated_at=now).where(
                CertificateType.id == current.id
            ).execute()
            if current.next_number < out["range_from"]:
                CertificateType.update(next_number=out["range_from"]).where(
                    CertificateType.id == current.id
                ).execute()
            row = CertificateType.get_by_id(current.id)
        audit(
            "certificate.type_save",
            by,
            object_type="certificate_type",
            object_id=row.code,
            before=before,
            after=_facts(row),
            clock=clock,
        )
        rulecache.bump()
    return row


def type_of(ident: Any) -> CertificateType:
    """A type by its id (int), its code (text), or the row itself."""
    if isinstance(ident, CertificateType):
        ident = ident.id
    found = None
    if isinstance(ident, int) and not isinstance(ident, bool):
        found = CertificateType.get_or_none(CertificateType.id == ident)
    elif isinstance(ident, str):
        found = CertificateType.get_or_none(CertificateType.code == ident.strip())
    if found is None:
        raise ValidationError(
            _("There is no certificate type {code}: choose one from the list.").format(
                code=str(ident)[:40]
            )
        )
    return found


def type_data(ident: Any) -> TypeData:
    row = type_of(ident)
    product = Product.get_or_none(Product.id == row.product_id) if row.product_id else None
    return TypeData(
        code=row.code,
        name=row.name,
        mode=row.mode,
        product_sku=product.sku if product is not None else "",
        face_value=int(row.face_value),
        partial=bool(row.partial),
        discount_percent=None if row.discount_percent is None else Decimal(row.discount_percent),
        discount_amount=int(row.discount_amount),
        min_total=int(row.min_total),
        prefix=row.prefix,
        range_from=int(row.range_from),
        range_to=int(row.range_to),
        valid_days=int(row.valid_days),
        valid_until=row.valid_until,
        template=row.template,
        active=bool(row.active),
        note=row.note,
    )


def types(*, active_only: bool = False) -> list[CertificateType]:
    query = CertificateType.select().order_by(CertificateType.code)
    if active_only:
        query = query.where(CertificateType.active == True)  # noqa: E712
    return list(query)


def prefixes() -> tuple[str, ...]:
    """Every certificate type's prefix, from memory (the register's code field asks)."""
    return rulecache.cached(
        "certificate_prefixes",
        lambda: tuple(
            r[0] for r in database.execute_sql(sql('SELECT "prefix" FROM "certificate_type"'))
        ),
    )


# --- numbering and issuing ------------------------------------------------------------------


def _high(row: CertificateType) -> int:
    room = space(row.prefix)
    return min(room, int(row.range_to)) if row.range_to else room


def _taken(prefix: str, low: int, high: int) -> set[int]:
    first, last = make_ean13(prefix, low)[:12] + "0", make_ean13(prefix, high)[:12] + "9"
    used: set[int] = set()
    for statement in (
        'SELECT "code" FROM "barcode" WHERE "code" >= ? AND "code" <= ?',
        'SELECT "barcode" FROM "certificate" WHERE "barcode" >= ? AND "barcode" <= ?',
    ):
        for (code,) in database.execute_sql(sql(statement), (first, last)).fetchall():
            if len(code) == 13 and code.isdigit() and code.startswith(prefix):
                used.add(int(code[len(prefix) : 12]))
    return used


def next_barcodes(ident: Any, count: int = 1) -> list[str]:
    """The barcodes an issue would give next (a preview: nothing is claimed)."""
    row = type_of(ident)
    count = check_count(count, _("How many certificates"), minimum=1, maximum=MAX_BATCH)
    start, high = max(int(row.next_number), int(row.range_from)), _high(row)
    out: list[str] = []
    while len(out) < count and start <= high:
        end = min(start + max(count, 500), high)
        used = _taken(row.prefix, start, end)
        out.extend(make_ean13(row.prefix, n) for n in range(start, end + 1) if n not in used)
        start = end + 1
    return out[:count]


def _claim(row: CertificateType, count: int) -> list[str]:
    """Claim ``count`` numbers of the type's range for good (inside the caller's write)."""
    for _try in range(1000):
        seen = int(
            query_value('SELECT "next_number" FROM "certificate_type" WHERE "id" = ?', (row.id,))  # type: ignore[arg-type]
        )
        start, high = max(seen, int(row.range_from)), _high(row)
        numbers: list[int] = []
        cursor = start
        while len(numbers) < count and cursor <= high:
            end = min(cursor + max(count, 500), high)
            used = _taken(row.prefix, cursor, end)
            numbers.extend(n for n in range(cursor, end + 1) if n not in used)
            cursor = end + 1
        numbers = numbers[:count]
        if len(numbers) < count:
            raise ValidationError(
                _(
                    "Only {n} numbers are left in the range of {code} ({first} to {last}): "
                    "widen the range or issue fewer."
                ).format(
                    n=len(numbers),
                    code=row.code,
                    first=make_ean13(row.prefix, int(row.range_from)),
                    last=make_ean13(row.prefix, high),
                )
            )
        moved = database.execute_sql(
            sql(
                'UPDATE "certificate_type" SET "next_number" = ? '
                'WHERE "id" = ? AND "next_number" = ?'
            ),
            (numbers[-1] + 1, row.id, seen),
        ).rowcount
        if moved == 1:
            return [make_ean13(row.prefix, n) for n in numbers]
    raise ValidationError(_("Certificates are being issued too fast: try again."))


def issue_batch(
    ident: Any, count: int, *, by: Employee, clock: Clock = system_clock, note: str = ""
) -> CertificateBatch:
    """Number ``count`` certificates of a type (status ``issued``: printed, not yet sold).
    Needs MANAGE_CERTIFICATES; audited."""
    require(by, Permission.MANAGE_CERTIFICATES)
    count = check_count(count, _("How many certificates"), minimum=1, maximum=MAX_BATCH)
    note = check_text(note, _("The note"), max_len=200)
    now = clock()
    with write_tx():
        row = type_of(ident)
        if not row.active:
            raise ValidationError(
                _("The certificate type {code} is not in use: make it active first.").format(
                    code=row.code
                )
            )
        codes = _claim(row, count)
        batch = CertificateBatch.create(
            type=row.id,
            count=count,
            first_barcode=codes[0],
            last_barcode=codes[-1],
            note=note,
            issued_at=now,
            issued_by=by.id,
        )
        value = int(row.face_value)
        at = str(now) if is_sqlite() else now
        insert_rows(
            "certificate",
            [
                "type_id",
                "batch_id",
                "barcode",
                "generation",
                "status",
                "value",
                "issued_at",
                "issued_by_id",
                "block_reason",
                "status_before_block",
            ],
            [(row.id, batch.id, code, 1, "issued", value, at, by.id, "", "") for code in codes],
        )
        audit(
            "certificate.issue",
            by,
            object_type="certificate_batch",
            object_id=batch.id,
            after={"type": row.code, "count": count, "first": codes[0], "last": codes[-1]},
            clock=clock,
        )
    return batch


TYPE_FIELDS = tuple(f.name for f in fields(TypeData))
