"""Issue 11, item 4 (what cashiers expect from a peer's till), the services under the screens:
the stock left after the open receipt (a snapshot plus the movements since, equal to the
ledger's sum at every step) and the void of a line with a reason (one audit entry, in the
draft's transaction; bad input writes nothing). On SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from torgtui.catalog.stock import post_movement, stock_of
from torgtui.errors import ValidationError
from torgtui.models import AuditEntry, Draft, StockMovement
from torgtui.sales import stock_hint
from torgtui.sales.register import Register
from torgtui.sales.stock_hint import StockHints, left_text, take_snapshot
from torgtui.staff import verify_audit_chain


@pytest.fixture
def reg(staff, shop, clock) -> Register:
    return Register(staff["cashier"], register="till-1", location_id=shop.location.id, clock=clock)


def receive(product, location, qty: int, clock) -> None:
    post_movement(product, location, qty, "inbound", note="delivery", clock=clock, system=True)


# --- stock left after this receipt ---------------------------------------------------------


def test_left_is_the_ledger_less_the_receipt(reg: Register, shop, clock) -> None:
    receive(shop.cream, shop.location, 12000, clock)
    hints = StockHints(shop.location.id)
    assert hints.stock(shop.cream.id) is None  # no snapshot yet: no hint, no query
    hints.load(take_snapshot(shop.location.id))
    reg.scan(shop.cream_code)
    assert hints.text_for(reg.basket, 0, reg.uuid) == "Left 11 pcs"
    reg.scan(shop.cream_code)
    assert hints.text_for(reg.basket, 0, reg.uuid) == "Left 10 pcs"
    # another register's delivery after the snapshot is counted at the next change
    receive(shop.cream, shop.location, 3000, clock)
    reg.set_qty(0, 4000)
    assert hints.text_for(reg.basket, 0, reg.uuid) == "Left 11 pcs"
    assert hints.left(shop.cream.id, 4000) == stock_of(shop.cream, shop.location) - 4000


def test_more_than_in_stock_is_a_negative_hint_not_a_refusal(reg: Register, shop, clock) -> None:
    receive(shop.dress, shop.location, 1000, clock)
    hints = StockHints(shop.location.id)
    hints.load(take_snapshot(shop.location.id))
    reg.scan(f"3*{shop.dress_code}")
    assert [ln.qty for ln in reg.basket.lines] == [3000]
    assert hints.text_for(reg.basket, 0, reg.uuid) == "Left \u22122 pcs"


def test_a_product_that_never_moved_here_shows_nothing(reg: Register, shop, clock) -> None:
    other = type(shop.location).create(code="BACK", name="Склад")
    receive(shop.cream, other, 5000, clock)  # stock elsewhere only
    hints = StockHints(shop.location.id)
    hints.load(take_snapshot(shop.location.id))
    reg.scan(shop.cream_code)
    assert hints.stock(shop.cream.id) is None
    assert hints.text_for(reg.basket, 0, reg.uuid) == ""
    assert hints.text_for(reg.basket, 5, reg.uuid) == ""  # no such line: nothing to say


def test_weighed_lines_of_one_product_are_added_up(reg: Register, shop, clock) -> None:
    receive(shop.soap, shop.location, 2000, clock)  # 2 kg
    hints = StockHints(shop.location.id)
    hints.load(take_snapshot(shop.location.id))
    reg.add(shop.soap, 350)
    reg.add(shop.soap, 500)  # a line per weighing
    assert hints.text_for(reg.basket, 1, reg.uuid) == "Left 1.15 kg"


def test_snapshot_and_the_movements_since_count_each_movement_once(
    reg: Register, shop, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Movements in the margin below the snapshot's newest id are read per scan, not summed
    twice; past ``REFRESH_IDS`` movements the hints ask for a new snapshot."""
    monkeypatch.setattr(stock_hint, "MARGIN_IDS", 5)
    monkeypatch.setattr(stock_hint, "REFRESH_IDS", 20)
    for n in range(12):
        receive(shop.cream if n % 2 else shop.dress, shop.location, 1000 + n * 1000, clock)
    hints = StockHints(shop.location.id)
    snapshot = take_snapshot(shop.location.id)
    hints.load(snapshot)
    newest = max(m.id for m in StockMovement.select(StockMovement.id))
    assert snapshot.upto == newest - 5
    for product in (shop.cream, shop.dress):
        assert hints.stock(product.id) == stock_of(product, shop.location)
    assert not hints.stale
    for _n in range(30):
        receive(shop.dress, shop.location, 1000, clock)
    assert hints.stock(shop.dress.id) == stock_of(shop.dress, shop.location)
    assert hints.stale  # the screen takes a new snapshot in a worker
    hints.load(take_snapshot(shop.location.id))
    assert not hints.stale and hints.stock(shop.dress.id) == stock_of(shop.dress, shop.location)


def test_the_hint_is_worded_for_the_unit_and_language() -> None:
    assert left_text(12000, "pcs") == "Left 12 pcs"
    assert left_text(350, "kg") == "Left 0.35 kg"
    assert left_text(-2000, "pcs") == "Left \u22122 pcs"
    assert left_text(0, "pack") == "Left 0 pack"
    assert left_text(5000, "box") == "Left 5 box"  # an unknown unit as stored


# --- void of a line with a reason ----------------------------------------------------------


def void_entries() -> list[AuditEntry]:
    return list(AuditEntry.select().where(AuditEntry.action == "receipt.void_line"))


def test_void_takes_the_line_off_and_audits_it_once(reg: Register, shop, staff) -> None:
    reg.scan(shop.dress_code)
    reg.scan(f"2*{shop.cream_code}")
    uuid = reg.uuid
    voided = reg.void_line(1, "Customer changed their mind")
    assert voided.sku == "C-1"
    assert [ln.sku for ln in reg.basket.lines] == ["D-1"]
    saved = json.loads(Draft.get(Draft.uuid == uuid).data)
    assert [ln["sku"] for ln in saved["lines"]] == ["D-1"]
    (entry,) = void_entries()
    assert entry.employee_id == staff["cashier"].id
    assert (entry.object_type, entry.object_id, entry.terminal) == ("draft", uuid, "till-1")
    before, after = json.loads(entry.before), json.loads(entry.after)
    assert before == {
        "line": 1,
        "product": shop.cream.id,
        "sku": "C-1",
        "name": "Крем для рук",
        "qty": 2000,
        "amount": 2 * 18990,
    }
    assert after == {"reason": "Customer changed their mind", "receipt": uuid, "register": "till-1"}
    assert verify_audit_chain().broken_id is None


@pytest.mark.parametrize(
    ("index", "reason", "message"),
    [
        (0, "", "The reason is empty"),
        (0, "   ", "The reason is empty"),
        (0, "x" * 10_000, "characters long"),
        (0, "x" * 201, "at most 200"),
        (0, "bad\x00reason", "control character"),
        (0, None, "must be text"),
        (5, "Damaged", "no such line"),
        (-1, "Damaged", "no such line"),
        (True, "Damaged", "no such line"),
    ],
)
def test_a_bad_void_writes_nothing(reg: Register, shop, index, reason, message) -> None:
    reg.scan(shop.dress_code)
    reg.scan(shop.cream_code)
    saved = Draft.get(Draft.uuid == reg.uuid).data
    entries = AuditEntry.select().count()
    with pytest.raises(ValidationError, match=message):
        reg.void_line(index, reason)
    assert [ln.sku for ln in reg.basket.lines] == ["D-1", "C-1"]
    assert Draft.get(Draft.uuid == reg.uuid).data == saved
    assert AuditEntry.select().count() == entries


def test_void_keeps_the_price_of_the_other_lines_on_their_lines(staff, shop, clock) -> None:
    """A price changed on a later line stays on that line when an earlier one is voided."""
    reg = Register(staff["manager"], register="till-1", location_id=shop.location.id, clock=clock)
    reg.scan(shop.dress_code)
    reg.scan(shop.cream_code)
    reg.override_price(1, 15000, reason="shelf label")
    reg.void_line(0, "Scanned by mistake")
    assert [ln.sku for ln in reg.basket.lines] == ["C-1"]
    assert reg.priced().total == 15000
