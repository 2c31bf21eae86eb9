"""The life of a gift certificate: looking it up, what it holds, whether it can be used now,
and activating it (sold or given). Status changes outside a sale (block, unblock, give,
reissue, expire) are torgtui.marketing.certificates_status; the register's side (selling,
paying, returns) torgtui.marketing.certificates_sale and certificates_checkout; the one place
to import from is torgtui.marketing.certificates.

A money or product certificate's value is its own account on the one ledger (kind
``certificate``, owner ``certificate``/id): credited whole when it is sold, spent by payments,
credited back by returns, written off when it lapses. A status change is one conditional
UPDATE (``... WHERE status = <what it must be>``) whose row count decides, so two registers
(or a register and the back office) never both change one certificate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from torgtui.db import database, query_value, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.ledger import Kind
from torgtui.models.certificates import Certificate, CertificateType, CertificateUse
from torgtui.money import format_money
from torgtui.values import check_code, check_id

OWNER = "certificate"  # the ledger accounts' owner_type
WITH_VALUE = ("money", "product")  # modes whose value is on the ledger


@dataclass(frozen=True)
class CertState:
    """A certificate as the register, the screens and the CLI show it."""

    id: int
    barcode: str
    generation: int
    type_id: int
    type_code: str
    type_name: str
    mode: str
    status: str
    value: int  # face value of this life
    balance: int  # what it holds now (money/product); 0 for a discount certificate
    partial: bool
    expires_at: dt.datetime | None
    customer_id: int | None
    sold_at: dt.datetime | None
    why_not: str  # why it cannot pay or give its discount now ("" when it can)

    @property
    def usable(self) -> bool:
        return not self.why_not

    def as_json(self) -> dict[str, Any]:
        return {
            "barcode": self.barcode,
            "generation": self.generation,
            "type": self.type_code,
            "type_name": self.type_name,
            "mode": self.mode,
            "status": self.status,
            "value": self.value,
            "balance": self.balance,
            "partial": self.partial,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "usable": self.usable,
            "why_not": self.why_not,
        }


def clean_barcode(text: Any) -> str:
    return check_code(text, _("The certificate's number"), max_len=40)


def find(barcode: Any) -> Certificate | None:
    """The current life of a barcode (the highest generation), or None."""
    code = clean_barcode(barcode)
    return (
        Certificate.select()
        .where(Certificate.barcode == code)
        .order_by(Certificate.generation.desc())
        .first()
    )


def lives(barcode: Any) -> list[Certificate]:
    """Every life of a barcode, the first first (its history)."""
    code = clean_barcode(barcode)
    return list(
        Certificate.select().where(Certificate.barcode == code).order_by(Certificate.generation)
    )


def uses(cert: Certificate | int) -> list[CertificateUse]:
    cert_id = getattr(cert, "id", cert)
    return list(
        CertificateUse.select()
        .where(CertificateUse.certificate == cert_id)
        .order_by(CertificateUse.id)
    )


def account_of(cert: Certificate | int) -> int | None:
    return ledger.find_account(Kind.CERTIFICATE, OWNER, int(getattr(cert, "id", cert)))


def balance_of(cert: Certificate | int) -> int:
    """What a money or product certificate holds now (0 before it is sold)."""
    return ledger.balance(account_of(cert))


def unknown(code: str) -> str:
    return _(
        "Certificate {code} is unknown: check the number, or sell it from a batch issued in "
        "Certificates."
    ).format(code=code)


def refusal(cert: Certificate, kind: CertificateType, balance: int, at: dt.datetime) -> str:
    """Why ``cert`` cannot pay (or give its discount) at ``at``; "" when it can."""
    code = cert.barcode
    if cert.status == "blocked":
        return _("Certificate {code} is blocked{reason}: keep it and call a manager.").format(
            code=code, reason=f" ({cert.block_reason})" if cert.block_reason else ""
        )
    if cert.status == "issued":
        return _("Certificate {code} was never sold: it pays for nothing yet.").format(code=code)
    if cert.status == "reissued":
        return _("Certificate {code} was reissued: scan it again.").format(code=code)
    if cert.status == "expired" or (cert.expires_at is not None and cert.expires_at <= at):
        day = (cert.expires_at - dt.timedelta(days=1)).date() if cert.expires_at else None
        return _("Certificate {code} expired after {day}: it pays for nothing now.").format(
            code=code, day=day.isoformat() if day else "?"
        )
    if cert.status == "used" or (kind.mode in WITH_VALUE and balance <= 0):
        return _("Certificate {code} is used up.").format(code=code)
    return ""


def state(cert: Any, at: dt.datetime) -> CertState:
    """A certificate (a barcode, an id, or the row) as it stands at ``at``; an unknown barcode
    raises ValidationError."""
    if isinstance(cert, Certificate):
        row: Certificate | None = cert
    elif isinstance(cert, int) and not isinstance(cert, bool):
        row = Certificate.get_or_none(Certificate.id == cert)
    else:
        row = find(cert)
    if row is None:
        raise ValidationError(unknown(str(cert)[:40]))
    kind = CertificateType.get_by_id(row.type_id)
    balance = balance_of(row) if kind.mode in WITH_VALUE else 0
    return CertState(
        id=row.id,
        barcode=row.barcode,
        generation=row.generation,
        type_id=kind.id,
        type_code=kind.code,
        type_name=kind.name,
        mode=kind.mode,
        status=row.status,
        value=int(row.value),
        balance=balance,
        partial=bool(kind.partial),
        expires_at=row.expires_at,
        customer_id=row.customer_id,
        sold_at=row.sold_at,
        why_not=refusal(row, kind, balance, at),
    )


def for_customer(customer_id: int, at: dt.datetime) -> list[CertState]:
    """The certificates bought by or given to a customer (current lives), newest first."""
    customer_id = check_id(customer_id, _("The customer"))
    rows = (
        Certificate.select()
        .where(Certificate.customer == customer_id)
        .order_by(Certificate.id.desc())
        .limit(200)
    )
    return [state(r, at) for r in rows if r.status != "reissued"]


@dataclass(frozen=True)
class BarcodeRow:
    """One certificate for export and printing."""

    barcode: str
    type_code: str
    type_name: str
    mode: str
    value: int
    status: str
    expires_at: dt.datetime | None
    template: str


def barcodes(
    *, type_id: int | None = None, batch_id: int | None = None, status: str | None = None
) -> list[BarcodeRow]:
    """Certificates (current lives) of a type or a batch, in barcode order."""
    query = (
        Certificate.select(Certificate, CertificateType)
        .join(CertificateType)
        .where(Certificate.status != "reissued")
        .order_by(Certificate.barcode)
    )
    if type_id is not None:
        query = query.where(Certificate.type == type_id)
    if batch_id is not None:
        query = query.where(Certificate.batch == batch_id)
    if status is not None:
        query = query.where(Certificate.status == status)
    return [
        BarcodeRow(
            c.barcode,
            c.type.code,
            c.type.name,
            c.type.mode,
            int(c.value),
            c.status,
            c.expires_at,
            c.type.template,
        )
        for c in query
    ]


# --- validity --------------------------------------------------------------------------------


def expiry(kind: CertificateType, sold_at: dt.datetime) -> dt.datetime | None:
    """The first moment a certificate sold at ``sold_at`` is no longer valid: after the
    ``valid_days``-th day from the sale day, or after ``valid_until``, whichever is earlier."""
    ends = []
    if kind.valid_days:
        ends.append(sold_at.date() + dt.timedelta(days=int(kind.valid_days) + 1))
    if kind.valid_until is not None:
        ends.append(kind.valid_until + dt.timedelta(days=1))
    return dt.datetime.combine(min(ends), dt.time()) if ends else None


# --- status changes ---------------------------------------------------------------------------


def _move(cert_id: int, want: str, new: str, **fields: Any) -> bool:
    """One conditional UPDATE of a certificate's status; True when this call moved it."""
    sets = ", ".join(f'"{k}" = ?' for k in ["status", *fields])
    params = [new, *(_stamp(v) for v in fields.values()), cert_id, want]
    return (
        database.execute_sql(
            sql(f'UPDATE "certificate" SET {sets} WHERE "id" = ? AND "status" = ?'), params
        ).rowcount
        == 1
    )


def _stamp(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        from torgtui.db import is_sqlite

        return str(value) if is_sqlite() else value
    return value


def activate(
    cert: Certificate,
    *,
    now: dt.datetime,
    receipt_id: int | None,
    customer_id: int | None,
    employee_id: int | None,
) -> Certificate:
    """Make an issued certificate valid (sold, or given): status ``sold``, its validity from
    now, its face value credited to its account (money, product). Inside the caller's write;
    refused when another register sold it a moment ago."""
    kind = CertificateType.get_by_id(cert.type_id)
    expires = expiry(kind, now)
    if expires is not None and expires <= now:
        raise ValidationError(
            _("Certificates of {code} were valid until {day}: they cannot be sold now.").format(
                code=kind.code, day=kind.valid_until
            )
        )
    if not _move(
        cert.id,
        "issued",
        "sold",
        sold_at=now,
        sale_receipt_id=receipt_id,
        customer_id=customer_id,
        expires_at=expires,
    ):
        raise ValidationError(
            _("Certificate {code} was sold a moment ago on another register.").format(
                code=cert.barcode
            )
        )
    if kind.mode in WITH_VALUE and cert.value > 0:
        account = ledger.account(Kind.CERTIFICATE, OWNER, cert.id, now=now)
        ledger.post(
            account,
            int(cert.value),
            "cert_sale",
            now=now,
            settle=ledger.Settle.NONE,
            expires_at=expires,
            receipt_id=receipt_id,
            employee_id=employee_id,
            document=cert.barcode,
        )
    return Certificate.get_by_id(cert.id)


def describe(st: CertState) -> str:
    """One line for the register's message: what it is and what it holds."""
    if st.mode == "discount":
        return _("Certificate {code}: {name}").format(code=st.barcode, name=st.type_name)
    return _("Certificate {code}: {name}, holds {balance}").format(
        code=st.barcode, name=st.type_name, balance=format_money(st.balance)
    )


def show_lines(items: list[dict[str, Any]]) -> list[str]:
    """``torgtui customer show``: one line per certificate (``CertState.as_json`` items)."""
    out = []
    for item in items:
        line = _("Certificate {code} ({name}): {status}").format(
            code=item["barcode"], name=item["type_name"], status=status_title(item["status"])
        )
        if item["mode"] in WITH_VALUE and item["status"] == "sold":
            line += _(", holds {balance}").format(balance=format_money(item["balance"]))
        if item["expires_at"] and item["status"] == "sold":
            last = dt.datetime.fromisoformat(item["expires_at"]) - dt.timedelta(days=1)
            line += _(", valid through {day}").format(day=last.date().isoformat())
        out.append(line)
    return out


def status_title(status: str) -> str:
    return {
        "issued": _("not sold"),
        "sold": _("valid"),
        "used": _("used up"),
        "expired": _("expired"),
        "blocked": _("blocked"),
        "reissued": _("reissued"),
    }.get(status, status)


def used_count(cert_id: int) -> int:
    return int(
        query_value(  # type: ignore[call-overload]
            'SELECT COUNT(*) FROM "certificate_use" WHERE "certificate_id" = ?', (cert_id,)
        )
        or 0
    )
