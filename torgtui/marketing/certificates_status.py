"""Status changes of a gift certificate outside a sale: block a lost one, unblock it, give
one without a sale, reissue a used-up or lapsed one as a new life, and the expiry job. Each is
one conditional UPDATE of the status whose row count decides (torgtui.marketing.
certificates_life._move), checked against the employee's permission and audited. The one
place to import from is torgtui.marketing.certificates."""

from __future__ import annotations

import datetime as dt
from typing import Any

import peewee

from torgtui.clock import Clock, system_clock
from torgtui.db import database, write_tx
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.certificates_life import _move, account_of, activate, find, unknown
from torgtui.models import Customer, Employee
from torgtui.models.certificates import Certificate, CertificateType
from torgtui.staff import Permission, audit, require
from torgtui.values import check_id, check_text


def block(barcode: Any, *, by: Employee, reason: Any, clock: Clock = system_clock) -> Certificate:
    """Block a lost or stolen certificate: it pays for nothing until unblocked (the value it
    holds stays on its account). Needs BLOCK_CERTIFICATES; a reason is required; audited."""
    require(by, Permission.BLOCK_CERTIFICATES)
    reason = check_text(reason, _("The reason"), max_len=200, required=True)
    now = clock()
    with write_tx():
        cert = find(barcode)
        if cert is None:
            raise ValidationError(unknown(str(barcode)[:40]))
        if cert.status in ("blocked", "reissued"):
            raise ValidationError(
                _("Certificate {code} is blocked already.").format(code=cert.barcode)
                if cert.status == "blocked"
                else unknown(cert.barcode)
            )
        if not _move(
            cert.id,
            cert.status,
            "blocked",
            status_before_block=cert.status,
            blocked_at=now,
            blocked_by_id=by.id,
            block_reason=reason,
        ):
            raise ValidationError(
                _("Certificate {code} changed a moment ago: look it up again.").format(
                    code=cert.barcode
                )
            )
        audit(
            "certificate.block",
            by,
            object_type="certificate",
            object_id=cert.barcode,
            before={"status": cert.status, "generation": cert.generation},
            after={"status": "blocked", "reason": reason},
            clock=clock,
        )
    return Certificate.get_by_id(cert.id)


def unblock(
    barcode: Any, *, by: Employee, reason: Any = "", clock: Clock = system_clock
) -> Certificate:
    """Give a blocked certificate its status back. Needs MANAGE_CERTIFICATES; audited."""
    require(by, Permission.MANAGE_CERTIFICATES)
    reason = check_text(reason, _("The reason"), max_len=200)
    with write_tx():
        cert = find(barcode)
        if cert is None or cert.status != "blocked":
            raise ValidationError(
                _("Certificate {code} is not blocked.").format(code=str(barcode)[:40])
            )
        back = cert.status_before_block or "sold"
        if not _move(cert.id, "blocked", back, status_before_block=""):
            raise ValidationError(
                _("Certificate {code} changed a moment ago: look it up again.").format(
                    code=cert.barcode
                )
            )
        audit(
            "certificate.unblock",
            by,
            object_type="certificate",
            object_id=cert.barcode,
            before={"status": "blocked"},
            after={"status": back, "reason": reason},
            clock=clock,
        )
    return Certificate.get_by_id(cert.id)


def give(
    barcode: Any,
    customer_id: int | None = None,
    *,
    by: Employee,
    clock: Clock = system_clock,
) -> Certificate:
    """Hand an issued certificate out without a sale (a discount certificate as a gift, a
    compensation): it becomes valid from now. Needs MANAGE_CERTIFICATES; audited."""
    require(by, Permission.MANAGE_CERTIFICATES)
    if customer_id is not None:
        customer_id = check_id(customer_id, _("The customer"))
        if Customer.get_or_none(Customer.id == customer_id) is None:
            raise ValidationError(_("There is no such customer: choose one from the list."))
    now = clock()
    with write_tx():
        cert = find(barcode)
        if cert is None:
            raise ValidationError(unknown(str(barcode)[:40]))
        if cert.status != "issued":
            raise ValidationError(
                _("Certificate {code} is {status} already: only a new one can be given.").format(
                    code=cert.barcode, status=cert.status
                )
            )
        done = activate(cert, now=now, receipt_id=None, customer_id=customer_id, employee_id=by.id)
        audit(
            "certificate.give",
            by,
            object_type="certificate",
            object_id=cert.barcode,
            after={"customer": customer_id, "value": int(cert.value)},
            clock=clock,
        )
    return done


def reissue(barcode: Any, *, by: Employee, clock: Clock = system_clock) -> Certificate:
    """Start a new life of a used-up or lapsed certificate (the same plastic card, the same
    barcode): a new row, generation + 1, status ``issued``, ready to be sold again; the old
    life and its uses stay as they were. Needs MANAGE_CERTIFICATES; audited."""
    require(by, Permission.MANAGE_CERTIFICATES)
    now = clock()
    with write_tx():
        cert = find(barcode)
        if cert is None:
            raise ValidationError(unknown(str(barcode)[:40]))
        kind = CertificateType.get_by_id(cert.type_id)
        lapsed = cert.status == "sold" and cert.expires_at is not None and cert.expires_at <= now
        if cert.status not in ("used", "expired") and not lapsed:
            raise ValidationError(
                _(
                    "Certificate {code} is {status}: only a used-up or expired certificate is "
                    "reissued."
                ).format(code=cert.barcode, status=cert.status)
            )
        if not kind.active:
            raise ValidationError(
                _("The certificate type {code} is not in use: make it active first.").format(
                    code=kind.code
                )
            )
        if lapsed:
            write_off(cert, now=now)
        if not _move(cert.id, "expired" if lapsed else cert.status, "reissued"):
            raise ValidationError(
                _("Certificate {code} changed a moment ago: look it up again.").format(
                    code=cert.barcode
                )
            )
        try:
            with database.atomic():
                new = Certificate.create(
                    type=kind.id,
                    batch=cert.batch_id,
                    barcode=cert.barcode,
                    generation=cert.generation + 1,
                    previous=cert.id,
                    status="issued",
                    value=int(kind.face_value),
                    issued_at=now,
                    issued_by=by.id,
                )
        except peewee.IntegrityError:
            raise ValidationError(
                _("Certificate {code} was reissued a moment ago.").format(code=cert.barcode)
            ) from None
        audit(
            "certificate.reissue",
            by,
            object_type="certificate",
            object_id=cert.barcode,
            before={"generation": cert.generation, "status": cert.status},
            after={"generation": new.generation, "status": "issued"},
            clock=clock,
        )
    return new


def write_off(cert: Certificate, *, now: dt.datetime) -> int:
    """Mark a lapsed certificate expired and write off what it still holds (a ledger entry
    ``cert_expire``); inside the caller's write. Returns the amount written off."""
    if cert.status == "sold":
        _move(cert.id, "sold", "expired")
    account = account_of(cert)
    left = ledger.balance(account)
    if account is None or left <= 0:
        return 0
    ledger.post(
        account,
        -left,
        "cert_expire",
        now=now,
        keep_open=False,
        spend_only_unexpired=False,
        document=cert.barcode,
    )
    return left


def expire_due(*, now: dt.datetime) -> int:
    """Every sold certificate lapsed by ``now``: status ``expired`` and its value written off
    (it leaves the liability). Returns how many. Run daily (the demo and CLI do)."""
    done = 0
    while True:
        batch = list(
            Certificate.select()
            .where(
                (Certificate.status == "sold")
                & Certificate.expires_at.is_null(False)
                & (Certificate.expires_at <= now)
            )
            .limit(200)
        )
        if not batch:
            return done
        with write_tx():
            for cert in batch:
                write_off(cert, now=now)
                done += 1
