"""One sale the whole way: scanned at the register, paid, committed, printed (escpos bytes),
and fiscalised through the queue to the fake Checkbox, whose request body is what the spec
asks for; then a return of one line the same way."""

from __future__ import annotations

from decimal import Decimal

from escpos.printer import Dummy

from tests.approve import confirmed
from torgtui.config import Settings
from torgtui.hw.fiscal.checkbox import CheckboxUnit
from torgtui.hw.fiscal.queue import process_queue, waiting_count
from torgtui.hw.printer import ReceiptPrinter, print_committed
from torgtui.models import Receipt
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.returns import commit_return
from torgtui.sales.shifts import open_shift

from .fake_checkbox import FakeCheckbox

KEY, PIN = "e2e-license", "7777"


def test_sale_to_printer_bytes_to_fiscal_body(db, staff, shop, clock) -> None:
    fake = FakeCheckbox(license_key=KEY, pin_code=PIN).start()
    unit = CheckboxUnit(fake.url, KEY, PIN, sleep=lambda _s: None, timeout=3.0, poll_timeout=6.0)
    try:
        cashier, manager = staff["cashier"], staff["manager"]
        shift = open_shift(cashier, "till-1", shop.location, 10000, clock=clock)
        reg = Register(cashier, register="till-1", clock=clock)
        reg.scan(shop.dress_code)
        reg.scan(f"2*{shop.cream_code}")
        ten = Decimal(10)
        confirmed(
            lambda ok: reg.manual_discount(percent=ten, line=0, reason="Пляма", approval=ok),
            manager,
            clock=clock,
        )
        receipt = commit_sale(
            reg.priced(),
            [Tender("card", 50000), Tender("cash", 150000)],
            uuid=reg.uuid,
            employee=cashier,
            shift=shift,
            cash_step=10,
            clock=clock,
        )

        device = Dummy()
        printer = ReceiptPrinter(device, codepage="CP866", width=42)
        outcome = print_committed(receipt, printer, Settings(), cash=True)
        assert outcome.ok
        out = bytes(device.output)
        assert b"\x1bt\x11" in out  # ESC t 17: CP866 selected before the text
        assert "Сукня".encode("cp866") in out  # (CP866 has no і: printed as Latin i)
        assert "Пляма".encode("cp866") in out
        assert b"\x1bp" in out  # the cash drawer opens: paid partly in cash
        assert Receipt.get_by_id(receipt.id).print_status == "printed"

        state = process_queue(unit, clock=clock, register="till-1")
        assert state.sent == 3 and waiting_count("till-1") == 0  # open shift, float, sale
        (post,) = fake.calls("POST", "/receipts/sell")
        body = post.body
        assert body["id"] == receipt.uuid
        goods = [(g["good"]["code"], g["good"]["price"], g["quantity"]) for g in body["goods"]]
        assert goods == [("D-1", 125000, 1000), ("C-1", 18990, 2000)]
        assert (
            body["goods"][0]["discounts"]
            == [{"type": "DISCOUNT", "mode": "VALUE", "value": 12500, "name": "Пляма"}]
            or body["goods"][0]["discounts"][0]["value"] == 12500
        )
        paid = {p["type"]: p["value"] for p in body["payments"]}
        assert paid == {"CARD": 50000, "CASH": 100480}
        fiscal = Receipt.get_by_id(receipt.id)
        assert fiscal.fiscal_status == "done" and fiscal.fiscal_code

        line = next(ln for ln in fiscal.lines if ln.name == "Крем для рук")
        back = commit_return(
            fiscal,
            {line.id: 1000},
            uuid="1d0b6a52-6c4b-4f0e-9f7e-7c1e0e3f5a11",
            employee=cashier,
            shift=shift,
            cash_step=10,
            clock=clock,
        )
        assert process_queue(unit, clock=clock, register="till-1").sent == 1
        ret = fake.calls("POST", "/receipts/sell")[-1].body
        assert ret["id"] == back.uuid and ret["related_receipt_id"] == receipt.uuid
        assert ret["goods"][0]["is_return"] is True and ret["goods"][0]["quantity"] == 1000
        assert Receipt.get_by_id(back.id).fiscal_status == "done"
    finally:
        unit.close()
        fake.stop()
