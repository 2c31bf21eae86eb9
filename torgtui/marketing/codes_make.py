"""Making promo codes (torgtui.marketing.codes has the batches): ``generate_codes`` for a
random or EAN-13 batch, ``issue_codes`` for a personal one (a code per customer). Codes are
drawn with :mod:`secrets`; one that is a code, a barcode, an article or a card already is
drawn again; a batch whose codes would fill more than 1/SPARSE of what its codes can be is
refused (people could guess one). The audit log gets how many codes, never the codes.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import peewee

from torgtui.catalog.barcodes import make_ean13
from torgtui.clock import Clock, system_clock
from torgtui.db import database, insert_rows, sql, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing.codes_read import ALPHABET, batch_of, code_count
from torgtui.models import Customer, Employee
from torgtui.models.codes import CodeBatch, PromoCode
from torgtui.sales.checkout import stamp
from torgtui.staff import Permission, audit, require
from torgtui.values import check_count, check_id

MAX_GENERATE = 50_000  # codes made by one call
MAX_PER_BATCH = 1_000_000
SPARSE = 10_000  # a style's room must be this many times the codes in it: guessing stays vain
_CHUNK = 500


def _room(batch: CodeBatch) -> int:
    if batch.style == "ean13":
        return 10 ** (12 - len(batch.prefix))
    return len(ALPHABET) ** batch.length


def _draw(batch: CodeBatch) -> str:
    if batch.style == "ean13":
        digits = 12 - len(batch.prefix)
        return make_ean13(batch.prefix, secrets.randbelow(10**digits))
    return batch.prefix + "".join(secrets.choice(ALPHABET) for _n in range(batch.length))


def _taken(codes: list[str]) -> set[str]:
    """Which of ``codes`` are a code, a barcode, an article or a card already."""
    taken: set[str] = set()
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        for statement in (
            f'SELECT "code" FROM "promo_code" WHERE "code" IN ({marks})',
            f'SELECT "code" FROM "barcode" WHERE "code" IN ({marks})',
            f'SELECT "sku" FROM "product" WHERE "sku" IN ({marks})',
            f'SELECT "card" FROM "customer" WHERE "card" IN ({marks})',
        ):
            taken.update(r[0] for r in database.execute_sql(sql(statement), chunk).fetchall())
    return taken


def _fresh(batch: CodeBatch, count: int) -> list[str]:
    """``count`` new codes for ``batch`` that nothing else is (inside the write transaction)."""
    made: list[str] = []
    seen: set[str] = set()
    for _round in range(20):
        wanted = count - len(made)
        if not wanted:
            return made
        drawn = []
        while len(drawn) < wanted:
            code = _draw(batch)
            if code not in seen:
                seen.add(code)
                drawn.append(code)
        taken = _taken(drawn)
        made.extend(c for c in drawn if c not in taken)
    raise ValidationError(_("Could not find free codes: use a longer code or another prefix."))


def _check_room(batch: CodeBatch, adding: int) -> int:
    have = code_count(batch.id)
    if have + adding > MAX_PER_BATCH:
        raise ValidationError(
            _("A batch has at most {max} codes; {code} has {have}.").format(
                max=MAX_PER_BATCH, code=batch.code, have=have
            )
        )
    if (have + adding) * SPARSE > _room(batch):
        raise ValidationError(
            _(
                "{n} codes would fill too much of what batch {code}'s codes can be, and people "
                "could guess one: use longer codes or a shorter prefix."
            ).format(n=have + adding, code=batch.code)
        )
    return have


def _insert(batch: CodeBatch, codes: list[str], customers: list[int | None], now) -> None:
    try:
        with database.atomic():
            insert_rows(
                "promo_code",
                ["batch_id", "code", "customer_id", "used", "blocked", "created_at"],
                [
                    (batch.id, c, who, 0, False, stamp(now))
                    for c, who in zip(codes, customers, strict=True)
                ],
            )
    except peewee.IntegrityError:  # another manager's batch took one the same moment
        raise ValidationError(_("Codes were being made elsewhere at once: try again.")) from None


def generate_codes(
    batch: CodeBatch | int | str, count: int, *, by: Employee, clock: Clock = system_clock
) -> list[str]:
    """Make ``count`` new codes of a random or EAN-13 batch (not a personal one: see
    :func:`issue_codes`); returns them. Audited with the number, never the codes."""
    require(by, Permission.EDIT_PRICES)
    count = check_count(
        count, _("The number of codes"), minimum=1, maximum=MAX_GENERATE, text=False
    )
    now = clock()
    with write_tx():
        found = batch_of(batch)
        if found.style == "given":
            raise ValidationError(
                _(
                    "Batch {code} has one chosen code: make a random or EAN-13 batch for more."
                ).format(code=found.code)
            )
        if found.personal:
            raise ValidationError(
                _("Batch {code} is personal: issue its codes to customers.").format(code=found.code)
            )
        have = _check_room(found, count)
        codes = _fresh(found, count)
        _insert(found, codes, [None] * len(codes), now)
        audit(
            "code_batch.generate",
            by,
            object_type="code_batch",
            object_id=found.id,
            before={"codes": have},
            after={"codes": have + count},
            clock=clock,
        )
    return codes


def issue_codes(
    batch: CodeBatch | int | str,
    customer_ids: Iterable[int],
    *,
    by: Employee,
    clock: Clock = system_clock,
) -> dict[int, str]:
    """A code of the personal ``batch`` for each customer (one who has one keeps it)."""
    require(by, Permission.EDIT_PRICES)
    if isinstance(customer_ids, (str, bytes)) or not isinstance(customer_ids, Iterable):
        raise ValidationError(_("Give the customers as a list."))
    wanted = list(dict.fromkeys(check_id(c, _("The customer")) for c in customer_ids))
    if not wanted or len(wanted) > MAX_GENERATE:
        raise ValidationError(
            _("Issue codes to 1 to {max} customers at a time.").format(max=MAX_GENERATE)
        )
    now = clock()
    with write_tx():
        found = batch_of(batch)
        if not found.personal:
            raise ValidationError(
                _("Batch {code} is not personal: its codes are for anyone.").format(code=found.code)
            )
        out: dict[int, str] = {}
        active: set[int] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            active.update(
                i
                for (i,) in Customer.select(Customer.id)
                .where(Customer.id.in_(chunk) & (Customer.status == "active"))
                .tuples()
            )
            out.update(
                PromoCode.select(PromoCode.customer, PromoCode.code)
                .where((PromoCode.batch == found.id) & PromoCode.customer.in_(chunk))
                .tuples()
            )
        missing = [c for c in wanted if c not in active]
        if missing:
            raise ValidationError(
                _("Customer record {id} is not an active customer: nothing was issued.").format(
                    id=missing[0]
                )
            )
        new = [c for c in wanted if c not in out]
        if new:
            have = _check_room(found, len(new))
            codes = _fresh(found, len(new))
            _insert(found, codes, list(new), now)
            out.update(zip(new, codes, strict=True))
            audit(
                "code_batch.issue",
                by,
                object_type="code_batch",
                object_id=found.id,
                before={"codes": have},
                after={"codes": have + len(new), "customers": len(new)},
                clock=clock,
            )
    return {c: out[c] for c in wanted}
