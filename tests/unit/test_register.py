"""The open receipt: scans, quantities, weighed goods, manual discounts, hold/recall, cancel,
and recovery of the draft after a crash."""

from __future__ import annotations

from decimal import Decimal

import pytest

from torgtui.catalog.barcodes import gtin_check_digit
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.models import AuditEntry, Draft
from torgtui.sales.register import Register


def scale_code(plu: str, grams: int, prefix: str = "20") -> str:
    body = f"{prefix}{plu}{grams:05d}"
    return body + str(gtin_check_digit(body))


@pytest.fixture
def reg(staff, shop, clock) -> Register:
    return Register(staff["cashier"], register="till-1", clock=clock)


def test_scan_adds_and_repeats(reg: Register, shop) -> None:
    reg.scan(shop.dress_code)
    reg.scan(shop.cream_code)
    reg.scan(shop.dress_code)
    assert [(ln.sku, ln.qty) for ln in reg.basket.lines] == [("D-1", 2000), ("C-1", 1000)]
    reg.scan(f"3*{shop.cream_code}")
    assert reg.basket.lines[-1].qty == 4000
    reg.scan("D-1")  # by article
    priced = reg.priced()
    assert priced.total == 3 * 125000 + 4 * 18990


def test_weighed_barcode(reg: Register) -> None:
    reg.scan(scale_code("00042", 1250))
    reg.scan(scale_code("00042", 500))
    assert [ln.qty for ln in reg.basket.lines] == [1250, 500]  # a line per weighing
    assert reg.priced().total == 40000 + 16000


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("4820000000001", "wrong check digit"),
        ("2100000009992", "Unknown barcode 2100000009992: press F3"),
        ("", "Scan a barcode"),
        ("0*D-1", "more than zero"),
        ("-2*D-1", "more than zero"),
        ("abc*D-1", "not a quantity"),
        ("1.5*D-1", "sold by the piece"),
    ],
)
def test_bad_scans_leave_the_receipt_alone(reg: Register, shop, code: str, message: str) -> None:
    reg.scan(shop.cream_code)
    with pytest.raises(ValidationError, match=message):
        reg.scan(code)
    assert [(ln.sku, ln.qty) for ln in reg.basket.lines] == [("C-1", 1000)]


def test_edit_and_remove_lines(reg: Register, shop) -> None:
    reg.scan(shop.dress_code)
    reg.scan(shop.cream_code)
    reg.set_qty(0, 3000)
    with pytest.raises(ValidationError, match="delete the line"):
        reg.set_qty(0, 0)
    removed = reg.remove(0)
    assert removed.sku == "D-1" and [ln.sku for ln in reg.basket.lines] == ["C-1"]
    with pytest.raises(ValidationError, match="no such line"):
        reg.remove(5)


def test_draft_survives_a_crash(reg: Register, staff, shop, clock) -> None:
    reg.scan(shop.dress_code)
    reg.scan(f"2*{shop.cream_code}")
    uuid = reg.uuid
    # the process dies; the cashier logs in on another register
    again = Register(staff["cashier"], register="till-2", clock=clock)
    assert again.uuid == uuid
    assert [(ln.sku, ln.qty) for ln in again.basket.lines] == [("D-1", 1000), ("C-1", 2000)]
    # someone else's draft is not theirs
    assert Register(staff["owner"], register="till-1", clock=clock).basket.lines == []


def test_manual_discount_limits(staff, shop, clock) -> None:
    cashier = Register(staff["cashier"], register="t", clock=clock)
    cashier.scan(shop.dress_code)
    with pytest.raises(PermissionDenied, match="may not give a manual discount"):
        cashier.manual_discount(percent=Decimal(5))
    # a manager confirms a larger one on the cashier's receipt
    with pytest.raises(PermissionDenied, match="at most 30%"):
        cashier.manual_discount(percent=Decimal(40), by=staff["manager"])
    cashier.manual_discount(percent=Decimal(20), line=0, by=staff["manager"], reason="Пляма")
    priced = cashier.priced()
    assert priced.total == 100000
    (adj,) = priced.lines[0].adjustments
    assert (adj.reason, adj.employee_id) == ("Пляма", staff["manager"].id)
    senior = Register(staff["senior_cashier"], register="t2", clock=clock)
    senior.scan(shop.cream_code)
    with pytest.raises(PermissionDenied, match="at most 10%"):
        senior.manual_discount(amount=5000)  # 26% of 189.90
    senior.manual_discount(amount=1000)
    assert senior.priced().total == 17990
    audited = AuditEntry.select().where(AuditEntry.action == "discount.manual.request").count()
    assert audited == 2


def test_hold_and_recall(reg: Register, staff, shop, clock) -> None:
    reg.scan(shop.dress_code)
    held = reg.hold()
    assert reg.basket.lines == [] and reg.uuid is None
    reg.scan(shop.cream_code)
    with pytest.raises(ValidationError, match="Finish or hold"):
        reg.recall(held)
    reg.hold()
    other = Register(staff["manager"], register="till-2", clock=clock)
    other.recall(held)
    assert [ln.sku for ln in other.basket.lines] == ["D-1"]
    with pytest.raises(ValidationError, match="no longer held"):
        Register(staff["owner"], register="t3", clock=clock).recall(held)
    assert Draft.select().where(Draft.status == "held").count() == 1  # the cream receipt


def test_cancel_needs_permission(reg: Register, staff, shop) -> None:
    reg.scan(shop.dress_code)
    with pytest.raises(PermissionDenied, match="may not cancel a receipt"):
        reg.cancel()
    reg.cancel(by=staff["senior_cashier"])
    assert reg.basket.lines == [] and Draft.select().count() == 0
    entry = AuditEntry.get(AuditEntry.action == "receipt.cancel")
    assert "Сукня літня" in entry.before and entry.employee_id == staff["senior_cashier"].id


def test_support_cannot_sell(staff, clock) -> None:
    with pytest.raises(PermissionDenied, match="may not sell"):
        Register(staff["support"], register="t", clock=clock)
