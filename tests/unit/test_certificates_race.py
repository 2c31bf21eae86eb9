"""Redemption exactly once: two registers (two processes) pay with the same certificate at
the same moment, on SQLite and PostgreSQL. A one-time certificate pays one receipt whole; a
certificate spent in parts never goes below zero; an issued one scanned on two tills is sold
once (its face value credited once). The other receipt is refused in words and
nothing of it is written (no receipt, no ledger entry, no use)."""

from __future__ import annotations

import multiprocessing

from tests.unit import test_certificates as base
from tests.unit.codes_shop import NOW, register
from tests.unit.test_certificates import issue, sale
from torgtui.marketing import certificates as gc
from torgtui.marketing import ledger
from torgtui.models import Draft, Payment, Receipt
from torgtui.models.certificates import CertificateUse

kinds, shift = base.kinds, base.shift  # fixtures


def _pay_in_a_process(url: str, employee_id: int, shift_id: int, jobs, barrier, out) -> None:
    from torgtui import db
    from torgtui.clock import FixedClock
    from torgtui.errors import TorgError
    from torgtui.models import Draft, Employee, Shift
    from torgtui.sales.checkout import Tender, commit_sale
    from torgtui.sales.register import basket_from_json

    db.open_database(url)
    clock = FixedClock(NOW)
    employee, open_shift = Employee.get_by_id(employee_id), Shift.get_by_id(shift_id)
    drafts = {d.uuid: d.data for d in Draft.select()}
    for uuid, by_certificate, by_card in jobs:
        barrier.wait(timeout=60)
        try:
            receipt = commit_sale(
                basket_from_json(drafts[uuid]),
                [
                    Tender(kind, amount)
                    for kind, amount in (("certificate", by_certificate), ("card", by_card))
                    if amount
                ],
                uuid=uuid,
                employee=employee,
                shift=open_shift,
                cash_step=10,
                clock=clock,
            )
            out.put((uuid, "sold", receipt.id))
        except TorgError as exc:
            out.put((uuid, "refused", exc.message))
        except Exception as exc:  # a raw driver error (deadlock, unique violation) is the finding
            out.put((uuid, "raw", f"{type(exc).__name__}: {exc}"))
    db.database.close()


def test_one_certificate_from_two_processes_at_once(
    db, backend, staff, shop, shift, clock, kinds
) -> None:
    once = issue(staff, clock, kinds["once"], 3)  # 500.00, used once
    parts = issue(staff, clock, kinds["money"], 3)  # 1 000.00 in parts: each wants 600.00
    for code in once + parts:
        sale(staff, shop, shift, clock, [code])
    fresh = issue(staff, clock, kinds["money"], 2)  # issued: both registers sell the same card
    sold_before = Receipt.select().count()
    pairs = []
    for code in fresh:
        pair = []
        for who in ("cashier", "senior_cashier"):
            reg = register(staff, shop, clock, who)
            reg.enter(code)
            pair.append((reg.uuid, 0, 100000))
            reg.draft = None
            Draft.update(status="held").where(Draft.uuid == pair[-1][0]).execute()
        pairs.append((code, pair))
    for code in once + parts:
        by_certificate = 50000 if code in once else 60000
        pair = []
        for who in ("cashier", "senior_cashier"):
            reg = register(staff, shop, clock, who)
            reg.enter(shop.dress_code)
            reg.enter(code)
            pair.append((reg.uuid, by_certificate, 125000 - by_certificate))
            reg.draft = None
            Draft.update(status="held").where(Draft.uuid == pair[-1][0]).execute()
        pairs.append((code, pair))
    db.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(
            target=_pay_in_a_process,
            args=(backend, staff["cashier"].id, shift.id, [p[n] for _c, p in pairs], barrier, out),
        )
        for n in (0, 1)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in range(2 * len(pairs))]
    for p in procs:
        p.join(timeout=60)
    db.connect(reuse_if_open=True)
    by_uuid = {uuid: (outcome, detail) for uuid, outcome, detail in results}
    for code, ((first, *_), (second, *_)) in pairs:
        outcomes = sorted([by_uuid[first][0], by_uuid[second][0]])
        assert outcomes == ["refused", "sold"], (code, by_uuid[first], by_uuid[second])
        loser = by_uuid[first] if by_uuid[first][0] == "refused" else by_uuid[second]
        winner = by_uuid[first] if by_uuid[first][0] == "sold" else by_uuid[second]
        cert = gc.find(code)
        if code in fresh:  # sold once: one receipt, its face value on the ledger once
            assert f"Certificate {code} was sold a moment ago" in loser[1], loser
            assert (cert.status, cert.sale_receipt_id, gc.balance_of(cert)) == (
                "sold",
                winner[1],
                100000,
            )
            continue
        assert (
            f"Certificate {code} was used a moment ago" in loser[1]
            or "is used up" in loser[1]
            or "The certificates on the receipt pay 400.00" in loser[1]
        ), loser
        spent = [
            (u.receipt_id, u.amount)
            for u in CertificateUse.select().where(
                (CertificateUse.certificate == cert.id) & (CertificateUse.kind == "pay")
            )
        ]
        if code in once:
            assert spent == [(winner[1], 50000)] and cert.status == "used"
            assert gc.balance_of(cert) == 0
        else:
            assert spent == [(winner[1], 60000)] and cert.status == "sold"
            assert gc.balance_of(cert) == 40000
        assert ledger.check_account(gc.account_of(cert)).ok
    assert Receipt.select().count() == sold_before + len(pairs)
    paid = Payment.select().where(Payment.tender == "certificate")
    assert sum(p.amount for p in paid) == 3 * 50000 + 3 * 60000
