"""Gift certificates in the receipt's transaction: the sale hook (certificates sold are
activated, the ones that paid or gave their discount are spent, exactly once) and returns
(the certificates' share back onto them, a certificate itself taken back unused). The design
is in torgtui.marketing.certificates_sale's docstring and docs/certificates.md; the hooks are
registered when certificates_sale is imported."""

from __future__ import annotations

import datetime as dt

from torgtui.db import database, insert_rows, is_sqlite, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.marketing import ledger
from torgtui.marketing.certificates_life import WITH_VALUE, _move, account_of, activate, state
from torgtui.marketing.certificates_sale import STEP, TENDER, _type_products, offered, plan
from torgtui.models.certificates import Certificate, CertificateUse
from torgtui.money import format_money
from torgtui.sales import extensions
from torgtui.sales.extensions import ReturnEvent, SaleEvent

# --- the sale -----------------------------------------------------------------------------


def _stamp(moment: dt.datetime) -> object:
    return str(moment) if is_sqlite() else moment


def _sell_lines(event: SaleEvent) -> list[str]:
    by_product = _type_products()
    sold: list[str] = []
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
    returned = []
    for original_line, _qty, _refund in event.lines:
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
