"""The open receipt: scans, quantities, weighed goods, manual discounts, hold/recall, cancel,
and recovery of the draft after a crash."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.approve import confirmed
from torgtui.approvals import ApprovalNeeded
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
    with pytest.raises(ApprovalNeeded, match="at most 0% by hand and this is 5%") as needed:
        cashier.manual_discount(percent=Decimal(5))
    # offered to confirm: who may give 5%, never the cashier herself
    assert {e.id for e in needed.value.confirmers()} == {
        staff[r].id for r in ("owner", "manager", "senior_cashier")
    }
    # a manager may not confirm 40%: the value is checked before anyone types a PIN
    with pytest.raises(ApprovalNeeded) as over:
        cashier.manual_discount(percent=Decimal(40))
    assert {e.id for e in over.value.confirmers()} == {staff["owner"].id}
    with pytest.raises(PermissionDenied, match="at most 30%"):
        confirmed(
            lambda ok: cashier.manual_discount(percent=Decimal(40), approval=ok),
            staff["manager"],
            clock=clock,
        )
    confirmed(
        lambda ok: cashier.manual_discount(
            percent=Decimal(20), line=0, reason="Пляма", approval=ok
        ),
        staff["manager"],
        clock=clock,
    )
    priced = cashier.priced()
    assert priced.total == 100000
    (adj,) = priced.lines[0].adjustments
    assert (adj.reason, adj.employee_id) == ("Пляма", staff["manager"].id)
    senior = Register(staff["senior_cashier"], register="t2", clock=clock)
    senior.scan(shop.cream_code)
    with pytest.raises(ApprovalNeeded, match="at most 10%"):
        senior.manual_discount(amount=5000)  # 26% of 189.90
    senior.manual_discount(amount=1000)  # within her own limit: no PIN
    assert senior.priced().total == 17990
    audited = AuditEntry.select().where(AuditEntry.action == "discount.manual.request").count()
    assert audited == 2


def test_a_new_discount_replaces_the_one_before(staff, shop, clock) -> None:
    senior = Register(staff["senior_cashier"], register="t", clock=clock)
    senior.scan(shop.dress_code)
    senior.manual_discount(percent=Decimal(10), line=0)
    senior.manual_discount(percent=Decimal(5), line=0)  # not 15%: one per line
    assert senior.priced().total == 118750


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


def test_cancel_needs_permission(reg: Register, staff, shop, clock) -> None:
    reg.scan(shop.dress_code)
    with pytest.raises(ApprovalNeeded, match="may not cancel a receipt: ask a senior cashier"):
        reg.cancel()
    assert Draft.select().count() == 1
    confirmed(lambda ok: reg.cancel(approval=ok), staff["senior_cashier"], clock=clock)
    assert reg.basket.lines == [] and Draft.select().count() == 0
    entry = AuditEntry.get(AuditEntry.action == "receipt.cancel")
    assert "Сукня літня" in entry.before
    assert json.loads(entry.after) == {"approved_by": staff["senior_cashier"].id}


def test_support_cannot_sell(staff, clock) -> None:
    with pytest.raises(PermissionDenied, match="may not sell"):
        Register(staff["support"], register="t", clock=clock)


def test_the_payment_takes_the_pricing_on_screen_while_the_receipt_is_unchanged(
    reg: Register, shop, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """priced_as_shown: the last pricing while nothing it depends on changed (at most 30 s
    old), else the pipeline again; the checkout prices again in its transaction anyway."""
    import torgtui.sales.register as register_module

    runs: list[int] = []
    real_price = register_module.price

    def counted(basket, ctx):
        runs.append(1)
        return real_price(basket, ctx)

    monkeypatch.setattr(register_module, "price", counted)
    reg.scan(shop.dress_code)
    assert reg.priced().total == 125000 and len(runs) == 1  # the screen's
    assert reg.priced_as_shown().total == 125000 and len(runs) == 1
    clock.advance(seconds=29)
    assert reg.priced_as_shown().total == 125000 and len(runs) == 1
    reg.scan(shop.cream_code)  # the receipt changed: priced again
    assert reg.priced_as_shown().total == 125000 + 18990 and len(runs) == 2
    reg.set_qty(1, 2000)
    assert reg.priced_as_shown().total == 125000 + 2 * 18990 and len(runs) == 3
    clock.advance(seconds=31)  # too old: priced again though nothing changed
    assert reg.priced_as_shown().total == 125000 + 2 * 18990 and len(runs) == 4
    reg.below_cost = "never"  # another rule: priced again
    reg.priced_as_shown()
    assert len(runs) == 5
