"""The demo shop's partners: two referrers (a stylist with employees, a blogger with the
Instagram code batch) with attracted customers and an intermediary with a balance, built
through the services; the report and the statement agree with the ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from torgtui.demo import build_demo
from torgtui.marketing import intermediaries as im
from torgtui.marketing import ledger
from torgtui.marketing import partners as pt
from torgtui.marketing.intermediaries_statement import statement
from torgtui.marketing.ledger import Kind
from torgtui.marketing.partners_report import attracted_report
from torgtui.models import Employee
from torgtui.models.partners import PartnerCodeBatch, PartnerSale

TODAY = dt.date(2026, 11, 22)


def test_the_demo_has_partners_with_customers_and_a_balance(tmp_path: Path) -> None:
    build_demo(str(tmp_path / "demo.sqlite"), customers=50, months=1, today=TODAY, seed=3)
    owner = Employee.get(Employee.role == "owner")
    codes = {p.code: p for p in pt.partners_list()}
    assert set(codes) == {"STYLIST-OLHA", "BLOGGER-ANYA", "FOREMAN-IVAN"}
    olha, anya, ivan = codes["STYLIST-OLHA"], codes["BLOGGER-ANYA"], codes["FOREMAN-IVAN"]
    assert len(pt.employees_of(olha.id)) == 2
    assert PartnerCodeBatch.select().where(PartnerCodeBatch.partner == anya.id).exists()
    rows = {(r.code, r.employee): r for r in attracted_report(by=owner)}
    stylist = rows[("STYLIST-OLHA", "")]
    assert stylist.customers == 12 and stylist.receipts > 0 and stylist.revenue > 0
    assert (
        stylist.receipts
        == sum(r.receipts for (code, emp), r in rows.items() if code == "STYLIST-OLHA" and emp)
        + PartnerSale.select()
        .where((PartnerSale.partner == olha.id) & PartnerSale.partner_employee.is_null())
        .count()
    )
    assert rows[("BLOGGER-ANYA", "")].rewards in (0, 15000)
    foreman = rows[("FOREMAN-IVAN", "")]
    balance = im.balance_of(ivan.id)
    assert balance == foreman.commission - 1250000 + 800000
    found = statement(ivan.id, by=owner)
    assert found.closing == balance and found.lines
    assert ledger.check_account(ledger.find_account(Kind.INTERMEDIARY, "partner", ivan.id)).ok
