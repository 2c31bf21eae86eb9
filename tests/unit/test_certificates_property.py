"""Properties of gift certificates. Any sequence of purchases paid with a certificate spent in
parts, partial and whole returns keeps: the balance is the ledger's sum and never below zero
nor above the face value, the face value is the balance plus what was paid less what came
back, a receipt never gets more back onto the certificate than it paid with it, and the
status is ``used`` exactly when nothing is left. Fuzz: any certificate type the service is
given, and any code typed in a certificate range, is either accepted or refused in words --
never a traceback -- and a refusal writes nothing."""

from __future__ import annotations

import itertools
import uuid as uuidlib
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit import test_certificates as base
from tests.unit.codes_shop import register
from tests.unit.test_certificates import issue, sale
from torgtui.errors import TorgError, ValidationError
from torgtui.marketing import certificates as gc
from torgtui.marketing import ledger
from torgtui.models import AuditEntry, Draft, ReceiptLine
from torgtui.models.certificates import Certificate, CertificateType, CertificateUse
from torgtui.sales.returns import commit_return, returnable

kinds, shift = base.kinds, base.shift  # fixtures
_runs = itertools.count(1)
SLOW = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("buy"), st.integers(0, 2)),  # cream, dress, or both
        st.tuples(st.just("part"), st.integers(0, 9)),  # the cream of a receipt comes back
        st.tuples(st.just("whole"), st.integers(0, 9)),  # what is left of a receipt comes back
    ),
    min_size=1,
    max_size=8,
)


def _by_certificate(receipt_id: int, kind: str) -> int:
    return sum(
        int(u.amount)
        for u in CertificateUse.select().where(
            (CertificateUse.receipt == receipt_id) & (CertificateUse.kind == kind)
        )
    )


@SLOW
@given(steps=STEPS)
def test_any_sequence_keeps_the_certificate_whole(staff, shop, shift, clock, kinds, steps) -> None:
    next(_runs)
    (code,) = issue(staff, clock, kinds["money"], 1)
    sale(staff, shop, shift, clock, [code])
    cert = gc.find(code)
    receipts = []
    for op, n in steps:
        if op == "buy":
            scans = [[shop.cream_code], [shop.dress_code], [shop.cream_code, shop.dress_code]][n]
            before = gc.balance_of(cert)
            reg = register(staff, shop, clock)
            for scan in scans:
                reg.enter(scan)
            total = reg.priced().total
            base.drop(reg)
            if before == 0:
                continue  # used up: the register refuses it (tested elsewhere)
            receipt = sale(staff, shop, shift, clock, [*scans, code])
            assert _by_certificate(receipt.id, "pay") == min(before, total)
            receipts.append(receipt)
        elif receipts:
            receipt = receipts[n % len(receipts)]
            left = {r.line.id: r.left for r in returnable(receipt) if r.left > 0}
            if op == "part":
                cream = ReceiptLine.get_or_none(
                    (ReceiptLine.receipt == receipt.id) & (ReceiptLine.product == shop.cream.id)
                )
                left = {cream.id: left[cream.id]} if cream and cream.id in left else {}
            if not left:
                continue
            commit_return(
                receipt,
                left,
                uuid=str(uuidlib.uuid4()),
                employee=staff["cashier"],
                shift=shift,
                cash_step=10,
                clock=clock,
            )
        held = gc.balance_of(cert)
        account = gc.account_of(cert)
        assert ledger.check_account(account).ok
        assert 0 <= held <= 100000
        pays = sum(int(u.amount) for u in gc.uses(cert) if u.kind == "pay")
        backs = -sum(int(u.amount) for u in gc.uses(cert) if u.kind == "back")
        assert held + pays - backs == 100000
        for r in receipts:
            back = -sum(
                int(u.amount)
                for u in CertificateUse.select()
                .join(base.Receipt, on=(CertificateUse.receipt == base.Receipt.id))
                .where((base.Receipt.original == r.id) & (CertificateUse.kind == "back"))
            )
            assert back <= _by_certificate(r.id, "pay")
        assert (Certificate.get_by_id(cert.id).status == "used") == (held == 0)


TEXT = st.one_of(st.text(max_size=12), st.just(""), st.just("GC-1000"), st.just("27"))
NUMBER = st.one_of(st.integers(-5, 10**13), st.just(0), st.text(max_size=4))


@SLOW
@given(
    code=TEXT,
    mode=st.sampled_from(["money", "product", "discount", "gold", ""]),
    product=st.sampled_from(["GC-1000", "GC-500", "D-1", "NOPE", ""]),
    face=NUMBER,
    percent=st.one_of(st.none(), st.decimals(-5, 200, places=2), st.just(Decimal("NaN"))),
    prefix=st.sampled_from(["23", "2", "27", "29", "20", "99", "2a", "233333333"]),
    days=NUMBER,
    until=st.one_of(st.none(), st.dates(), st.just("2026-13-01")),
)
def test_any_type_is_saved_or_refused_in_words(
    staff, clock, kinds, code, mode, product, face, percent, prefix, days, until
) -> None:
    audits, types = AuditEntry.select().count(), CertificateType.select().count()
    data = gc.TypeData(
        code=code,
        name="Fuzz",
        mode=mode,
        product_sku=product,
        face_value=face,
        discount_percent=percent,
        prefix=prefix,
        valid_days=days,
        valid_until=until,
    )
    try:
        gc.save_type(data, by=staff["manager"], clock=clock)
    except ValidationError as exc:
        assert exc.message and "Traceback" not in exc.message
        assert AuditEntry.select().count() == audits
        assert CertificateType.select().count() == types


@SLOW
@given(tail=st.text(alphabet="0123456789", min_size=0, max_size=14), qty=st.sampled_from([None, 2]))
def test_any_code_in_a_certificate_range_is_taken_or_refused(
    staff, shop, clock, kinds, tail, qty
) -> None:
    reg = register(staff, shop, clock)
    drafts = Draft.select().count()
    text = ("2*" if qty else "") + "27" + tail
    try:
        entered = reg.enter(text)
    except TorgError as exc:
        assert exc.message
        assert Draft.select().count() == drafts
    else:
        assert entered.kind in ("certificate", "product")
        base.drop(reg)
