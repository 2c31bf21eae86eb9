"""Partners, what they bring: a blogger's promo code linking the buyer, the promotion for a
partner's customers, the mailing segment, the attracted-customers report with exact figures
(revenue, cost, margin, commission, rewards, after a return), and the intermediary's
reconciliation statement as PDF and XLSX."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from decimal import Decimal

import pytest

from tests.unit.codes_shop import batch, make_codes, promotion
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.marketing import intermediaries as im
from torgtui.marketing import partners as pt
from torgtui.marketing import partners_money
from torgtui.marketing.intermediaries_statement import export_statement, statement
from torgtui.marketing.mailings import segment_count
from torgtui.marketing.partners_report import attracted_report
from torgtui.models import Customer, Receipt, ReceiptLine
from torgtui.models.partners import CustomerPartner
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.returns import commit_return
from torgtui.sales.shifts import open_shift


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, 100000, clock=clock)


def customer(clock, name: str, card: str | None = None) -> Customer:
    return Customer.create(name=name, card=card, created_at=clock(), updated_at=clock())


def sell(staff, shop, shift, clock, codes, customer_id=None) -> tuple[Receipt, int]:
    reg = Register(staff["cashier"], register="till-1", clock=clock, location_id=shop.location.id)
    if customer_id is not None:
        reg.attach_customer(Customer.get_by_id(customer_id))
    for code in codes:
        reg.enter(code)
    total = reg.priced().total
    receipt = commit_sale(
        reg.basket,
        [Tender("card", total)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    reg.forget()
    return receipt, total


def test_a_bloggers_code_links_the_buyer_once(staff, shop, shift, clock) -> None:
    blogger = pt.create_partner(
        staff["manager"], kind="referrer", code="BLOGGER-ANYA", name="Аня", clock=clock
    )
    promo = promotion("ANYA10", "Від Ані −10%")
    found = batch(staff, clock, promo, code="ANYA", channel="Instagram", uses_per_code=5)
    pt.tie_code_batch(staff["manager"], found.id, blogger.id, clock=clock)
    with pytest.raises(ValidationError, match="no code batch 999"):
        pt.tie_code_batch(staff["manager"], 999, blogger.id, clock=clock)
    code = make_codes(staff, clock, found, 1)[0]
    fan = customer(clock, "Фанатка", "2900000000013")
    _r, total = sell(staff, shop, shift, clock, [shop.cream_code, code], customer_id=fan.id)
    assert total == 18990 - 1899
    link = pt.partner_of(fan.id)
    assert (link.partner_code, link.source) == ("BLOGGER-ANYA", "code")
    # the code's own sale and the next one, code or not, are the blogger's customer's
    sell(staff, shop, shift, clock, [shop.cream_code], customer_id=fan.id)
    rows = attracted_report(by=staff["manager"])
    assert [(r.code, r.customers, r.buyers, r.receipts, r.revenue) for r in rows] == [
        ("BLOGGER-ANYA", 1, 1, 2, 17091 + 18990)
    ]
    # a code sale without a customer links nobody
    sell(staff, shop, shift, clock, [shop.cream_code, code])
    assert CustomerPartner.select().count() == 1


def test_a_promotion_for_a_partners_customers(staff, shop, shift, clock) -> None:
    """The promotion condition "customers of partner X" (promotions.resolve) reads the link."""
    from torgtui.marketing.promotions.model import ALL_GOODS, PromotionData
    from torgtui.marketing.promotions.service import save_promotion

    salon = pt.create_partner(
        staff["manager"], kind="referrer", code="SALON", name="С", clock=clock
    )
    save_promotion(
        PromotionData(
            code="SALON5",
            name="Клієнтам салону −5%",
            targets=(ALL_GOODS,),
            percent=Decimal(5),
            customers="partner",
            partner="SALON",
        ),
        by=None,
        system=True,
        clock=clock,
    )
    mine, stranger = customer(clock, "Своя"), customer(clock, "Чужа")
    pt.link_customer(staff["manager"], mine.id, salon.id, clock=clock)
    _r, total = sell(staff, shop, shift, clock, [shop.dress_code], customer_id=mine.id)
    assert total == 125000 - 6250
    _r, total = sell(staff, shop, shift, clock, [shop.dress_code], customer_id=stranger.id)
    assert total == 125000


def test_the_mailing_segment_of_a_partners_customers(staff, clock, db) -> None:
    salon = pt.create_partner(
        staff["manager"], kind="referrer", code="SALON", name="С", clock=clock
    )
    for n in range(3):
        c = Customer.create(
            name=f"К{n}",
            phone=f"+38067000000{n}",
            email=f"k{n}@example.com",
            created_at=clock(),
            updated_at=clock(),
        )
        if n < 2:
            pt.link_customer(staff["manager"], c.id, salon.id, clock=clock)
    assert segment_count({"partner": "salon"}, clock=clock) == 2
    assert segment_count({"partner": "NOBODY"}, clock=clock) == 0


def test_the_attracted_report_by_partner_and_employee(staff, shop, shift, clock) -> None:
    """The stylist's employee Anna brought Olya: a dress (1 250.00, cost 600.00) and a cream
    (189.90, cost 90.00); the cream comes back. A reward of 50.00 on that receipt. Revenue
    1 250.00, cost 600.00, margin 650.00, profit 600.00. The intermediary's customer bought
    a cream with 10% commission (18.99)."""
    manager = staff["manager"]
    stylist = pt.create_partner(manager, kind="referrer", code="STYLE", name="Стиліст", clock=clock)
    anna = pt.add_employee(manager, stylist.id, "Анна", clock=clock)
    pt.add_employee(manager, stylist.id, "Віра", clock=clock)
    olya, ira = customer(clock, "Оля"), customer(clock, "Іра")
    pt.link_customer(manager, olya.id, stylist.id, anna.id, clock=clock)
    pt.link_customer(manager, ira.id, stylist.id, clock=clock)
    receipt, _t = sell(staff, shop, shift, clock, [shop.dress_code, shop.cream_code], olya.id)
    partners_money.accrue_reward(manager, stylist.id, 5000, receipt_id=receipt.id, clock=clock)
    cream = ReceiptLine.get(
        (ReceiptLine.receipt == receipt.id) & (ReceiptLine.product == shop.cream.id)
    )
    commit_return(
        receipt,
        {cream.id: 1000},
        uuid=str(uuidlib.uuid4()),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    agent = pt.create_partner(manager, kind="intermediary", code="AGENT", name="Агент", clock=clock)
    pt.set_rate(manager, agent.id, "commission", 10)
    sell(staff, shop, shift, clock, [shop.cream_code, "INT-AGENT"])
    rows = attracted_report(by=manager, start=clock().date(), end=clock().date())
    got = [
        (
            r.code,
            r.employee,
            r.customers,
            r.buyers,
            r.receipts,
            r.revenue,
            r.cost,
            r.margin,
            r.commission,
            r.rewards,
            r.profit,
        )
        for r in rows
    ]
    assert got == [
        ("AGENT", "", 0, 0, 1, 18990, 9000, 9990, 1899, 0, 8091),
        ("STYLE", "", 2, 1, 1, 125000, 60000, 65000, 0, 5000, 60000),
        ("STYLE", "Анна", 1, 1, 1, 125000, 60000, 65000, 0, 5000, 60000),
    ]
    later = clock().date() + dt.timedelta(days=1)
    assert all(r.receipts == 0 for r in attracted_report(by=manager, start=later))
    with pytest.raises(PermissionDenied):
        attracted_report(by=staff["cashier"])
    with pytest.raises(ValidationError, match="before the first"):
        attracted_report(by=manager, start=later, end=clock().date())


def test_the_reconciliation_statement(staff, shop, shift, clock, tmp_path) -> None:
    manager = staff["manager"]
    agent = pt.create_partner(manager, kind="intermediary", code="AGENT", name="Агент", clock=clock)
    pt.set_rate(manager, agent.id, "commission", "2.5")
    sell(staff, shop, shift, clock, [shop.dress_code, "INT-AGENT"])  # 31.25 due
    im.pay_commission(manager, agent.id, 3125, clock=clock)
    im.record_goods(manager, agent.id, 100000, document="INV-3", clock=clock)
    im.record_payment(manager, agent.id, 40000, document="bank", clock=clock)
    # what it owes for goods is not paid out as commission: the balance nets them
    sell(staff, shop, shift, clock, [shop.cream_code, "INT-AGENT"])  # 4.7475 -> 4.75 due
    with pytest.raises(ValidationError, match="is owed 0.00"):
        im.pay_commission(manager, agent.id, 475, clock=clock)
    found = statement(agent.id, by=manager, clock=clock)
    assert [(x.kind, x.amount, x.balance) for x in found.lines] == [
        ("commission", 3125, 3125),
        ("commission_paid", -3125, 0),
        ("goods", -100000, -100000),
        ("payment", 40000, -60000),
        ("commission", 475, -59525),
    ]
    assert (found.opening, found.closing) == (0, -59525) == (0, im.balance_of(agent.id))
    assert found.totals["goods"] == -100000
    later = statement(agent.id, by=manager, start=clock().date() + dt.timedelta(days=1))
    assert (later.opening, later.closing, later.lines) == (-59525, -59525, [])
    pdf, xlsx = tmp_path / "agent.pdf", tmp_path / "agent.xlsx"
    export_statement(agent.id, pdf, by=manager, clock=clock)
    export_statement(agent.id, xlsx, by=manager, clock=clock)
    assert pdf.read_bytes().startswith(b"%PDF")
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Reconciliation statement: Агент (AGENT)"
    assert [v[3] for v in values[7:]] == [31.25, -31.25, -1000, 400, 4.75]
    with pytest.raises(ValidationError, match=r"\.pdf or \.xlsx"):
        export_statement(agent.id, tmp_path / "a.txt", by=manager, clock=clock)
    referrer = pt.create_partner(manager, kind="referrer", code="R", name="Р", clock=clock)
    with pytest.raises(ValidationError, match="statements are for intermediaries"):
        statement(referrer.id, by=manager, clock=clock)


RULES = """\
[[partner]]
code = "AGENT"
kind = "intermediary"
name = "Агент"
active = true
phone = "+380671234567"

[[partner]]
code = "STYLE"
kind = "referrer"
name = "Стиліст"
active = true

[[partner_rate]]
partner = "AGENT"
kind = "commission"
percent = 5

[[partner_rate]]
partner = "AGENT"
kind = "commission"
group = "Cosmetics"
percent = 12.35
"""


def test_partners_and_rates_in_the_rules_file(staff, clock, tmp_path, db) -> None:
    from torgtui.marketing.rules_file import import_rules, read_rules
    from torgtui.marketing.rules_toml import dumps
    from torgtui.models import ProductGroup

    cosmetics = ProductGroup.create(name="Cosmetics", path="Cosmetics")
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    report = import_rules(read_rules(str(path)), employee=staff["manager"], clock=clock)
    assert report.created == {
        "partner": ["AGENT", "STYLE"],
        "partner_rate": ["AGENT / commission / None", "AGENT / commission / Cosmetics"],
    }
    agent = pt.by_code("AGENT")
    assert pt.rates_of(agent.id, "commission") == {None: 500, cosmetics.id: 1235}
    text = dumps()
    exported = tmp_path / "again.toml"
    exported.write_text(text, encoding="utf-8")
    again = import_rules(read_rules(str(exported)), employee=staff["manager"], clock=clock)
    assert not again.any and dumps() == text
    bad = tmp_path / "bad.toml"
    bad.write_text(RULES.replace("percent = 12.35", "percent = 120"), encoding="utf-8")
    with pytest.raises(Exception, match=r"bad.toml:\d+: .*at most 100"):
        import_rules(read_rules(str(bad)), employee=staff["manager"], clock=clock)
    assert pt.rates_of(agent.id, "commission") == {None: 500, cosmetics.id: 1235}
